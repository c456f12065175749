//! Incompressible, reproducible bytes for tests whose sizes must mean something.

/// `len` bytes of xorshift64 output from `seed` (any seed: zero is made odd).
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        assert_eq!(noise(7, 64), noise(7, 64));
        assert_ne!(noise(7, 64), noise(8, 64));
        assert_eq!(noise(0, 10).len(), 10);
    }

    #[test]
    fn it_does_not_compress() {
        // Every byte value turns up, about evenly: a sign gzip would find nothing to squeeze.
        let bytes = noise(1, 256 * 64);
        let mut counts = [0u32; 256];
        bytes.iter().for_each(|&b| counts[b as usize] += 1);
        assert!(counts.iter().all(|&c| (16..=160).contains(&c)), "{counts:?}");
    }
}

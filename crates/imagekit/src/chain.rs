//! ChainIDs: the identity of a layer *stack*, not of one layer.
//!
//! A layer's diff_id says what it contains; what it means on disk depends on every layer below
//! it. Storage drivers therefore key unpacked snapshots by ChainID:
//!
//! ```text
//! ChainID(L0)      = DiffID(L0)
//! ChainID(L0..Ln)  = SHA-256( ChainID(L0..Ln-1) + " " + DiffID(Ln) )
//! ```

use crate::digest::Digest;

/// The ChainID of every prefix of `diff_ids`: element `i` identifies layers `0..=i` applied in order.
pub fn chain_ids(diff_ids: &[Digest]) -> Vec<Digest> {
    let mut out: Vec<Digest> = Vec::with_capacity(diff_ids.len());
    for diff_id in diff_ids {
        let next = match out.last() {
            None => diff_id.clone(),
            Some(parent) => Digest::of_bytes(format!("{parent} {diff_id}").as_bytes()),
        };
        out.push(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_of_one_is_the_diff_id_and_later_ones_hash_the_parent() {
        let a = Digest::of_bytes(b"a");
        let b = Digest::of_bytes(b"b");
        let c = Digest::of_bytes(b"c");
        let ids = chain_ids(&[a.clone(), b.clone(), c.clone()]);
        assert_eq!(ids[0], a);
        assert_eq!(ids[1], Digest::of_bytes(format!("{a} {b}").as_bytes()));
        assert_eq!(ids[2], Digest::of_bytes(format!("{} {c}", ids[1]).as_bytes()));
        // The same layer on a different base is a different stack.
        assert_ne!(chain_ids(&[b.clone(), a.clone()])[1], ids[1]);
        assert!(chain_ids(&[]).is_empty());
    }

    #[test]
    fn matches_an_independent_sha256sum() {
        // printf 'sha256:e3b0…b855 sha256:e3b0…b855' | sha256sum  (coreutils, not this crate)
        let a = Digest::parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").unwrap();
        let ids = chain_ids(&[a.clone(), a]);
        assert_eq!(ids[1].hex(), "de9d9016b852e46e9f3973e20d3a6d17e120f7144931d50cd6e2a8ad53e81960");
    }
}

//! Generated inputs for the step tests: a small seeded random generator.
//!
//! Every step checks its concept on at least one input built inside the test, so no expected
//! value can be copied from the test file: the inputs change from run to run. A failure names
//! the seed ([`Rng::seed`]), and `EXERCISE_SEED=<seed> cargo test …` replays exactly that run.
//!
//! The generator is SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast and good enough for
//! test data; nothing here needs cryptographic randomness.

use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that fixes the seed of every generated input.
pub const SEED_VAR: &str = "EXERCISE_SEED";

/// A seeded source of test data.
#[derive(Debug, Clone)]
pub struct Rng {
    seed: u64,
    state: u64,
}

impl Rng {
    /// A generator seeded from `EXERCISE_SEED` when it is set, else from the clock.
    ///
    /// Panics when `EXERCISE_SEED` is set but is not a number: a replay that silently used
    /// another seed would mislead.
    pub fn from_env() -> Rng {
        match std::env::var(SEED_VAR) {
            Ok(text) => {
                let seed = text.trim().parse().unwrap_or_else(|_| panic!("{SEED_VAR}={text:?} is not a number"));
                Rng::with_seed(seed)
            }
            Err(_) => {
                let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
                Rng::with_seed((nanos as u64) ^ u64::from(std::process::id()).rotate_left(32))
            }
        }
    }

    /// A generator that always yields the same values for the same seed.
    pub fn with_seed(seed: u64) -> Rng {
        Rng { seed, state: seed }
    }

    /// The seed this generator started from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How to replay this run, for a failure message: `generated input, seed N (…)`.
    pub fn replay(&self) -> String {
        format!("generated input, seed {} (rerun with {SEED_VAR}={} to see it again)", self.seed, self.seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high` (`low` when `high < low`).
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next_u64() % (high - low + 1)
    }

    /// An index below `len` (0 when `len` is 0).
    pub fn below(&mut self, len: usize) -> usize {
        if len == 0 {
            0
        } else {
            (self.next_u64() % len as u64) as usize
        }
    }

    /// True with probability 1/2.
    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 1
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `len` random lowercase letters and digits: a name no test file can hold in advance.
    pub fn word(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len).map(|_| char::from(*self.pick(ALPHABET))).collect()
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    /// The elements of `items` in a random order (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_replays_the_same_values() {
        let (mut a, mut b) = (Rng::with_seed(7), Rng::with_seed(7));
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(first, (0..5).map(|_| Rng::with_seed(8).next_u64()).collect::<Vec<_>>());
    }

    #[test]
    fn ranges_stay_inside_their_bounds_and_reach_both_ends() {
        let mut rng = Rng::with_seed(1);
        let seen: Vec<u64> = (0..200).map(|_| rng.range(3, 6)).collect();
        assert!(seen.iter().all(|n| (3..=6).contains(n)));
        assert!(seen.contains(&3) && seen.contains(&6));
        assert_eq!(rng.range(5, 5), 5);
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn words_use_the_alphabet_and_shuffles_keep_the_elements() {
        let mut rng = Rng::with_seed(2);
        let word = rng.word(40);
        assert_eq!(word.len(), 40);
        assert!(word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        let mut items: Vec<u32> = (0..50).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        items.sort();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn the_replay_line_names_the_seed() {
        assert!(Rng::with_seed(42).replay().contains("EXERCISE_SEED=42"));
    }
}

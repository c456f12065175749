//! Helpers shared by the step tests of exercise 09.
//!
//! Nothing here calls your code except `attempt`, which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are. It, `teach` and
//! `HINTS` come from `exercise_support::exercise_helpers!`, shared by every exercise (no solution
//! code there); this file keeps what belongs to exercise 09: its fixtures, and the
//! independent checks (hashing, tar, gzip) that stay beside the tests that use them.

#![allow(dead_code)]

exercise_support::exercise_helpers!(number: "09", hints: "exercises/09-tags/hints.md");

/// Digests from the driftwood timeline, written out so that a failure shows them.
pub mod digests {
    /// postgres:16 linux/amd64 manifest, first push of PostgreSQL 16.0 (2023-09-29).
    pub const PG16_AMD64_2023_09_29: &str = "sha256:4c0bc0755f1c8269d218811689a59cde339afe35ffbb3279c4d40a92049b0a49";
    /// postgres:16 linux/amd64 manifest, rebuilt on a new debian:bookworm-slim (2023-10-11).
    pub const PG16_AMD64_2023_10_11: &str = "sha256:dbff873230c61ddee14b307e7263f868b2fab3d9401239ace5f73ebabc0d122e";
    /// postgres:16 linux/amd64 manifest, rebuilt again (2023-10-31).
    pub const PG16_AMD64_2023_10_31: &str = "sha256:3648b6c2ac30de803a598afbaaef47851a6ee1795d74b4a5dcc09a22513b15c9";
    /// postgres:16 index, PostgreSQL 16.1 (2023-12-19).
    pub const PG16_INDEX_2023_12_19: &str = "sha256:857e140debb1031357479a927b7795f431d6aa8d8ca6784565d7049ffebfeb9f";
    /// nginx:1.27-alpine index, nginx 1.27.0 (2024-05-30).
    pub const NGINX_INDEX_1_27_0: &str = "sha256:4be1a20a676d2dd492e704c39675c8b2db139bdc9f5140e1f8ec565b934915ea";
    /// nginx:1.27-alpine index, nginx 1.27.2 (2024-11-12).
    pub const NGINX_INDEX_1_27_2: &str = "sha256:110fd73d932a737a359d26c233085ff648dc09e1a99bb65d9032d5fd0c2dce11";
    /// nginx:1.27-alpine index, nginx 1.27.3 (2025-01-08).
    pub const NGINX_INDEX_1_27_3: &str = "sha256:4efa432b751239898e576a2178702fb156fc483f6d456e0ad5899b3bf5c0445a";
    /// nginx:1.27-alpine index, nginx 1.27.5 (2025-04-16).
    pub const NGINX_INDEX_1_27_5: &str = "sha256:65645c7bb6a0661892a8b03b89d0743208a18dd2f3f17a54ef4b76fb8e2f2a10";
}

/// A made-up but well-formed sha256 digest: `sha256:` and 64 copies of `c`.
pub fn fake_digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// The tags of the driftwood timeline, each in the spellings a reference may use.
pub const TIMELINE_TAGS: [[&str; 3]; 2] = [
    ["nginx:1.27-alpine", "docker.io/library/nginx:1.27-alpine", "index.docker.io/library/nginx:1.27-alpine"],
    ["postgres:16", "docker.io/library/postgres:16", "library/postgres:16"],
];

/// A random `YYYY-MM-DD` from 2023 to 2026 (days 1 to 28, so every one is a calendar date).
pub fn random_date(rng: &mut Rng) -> String {
    format!("{}-{:02}-{:02}", rng.range(2023, 2026), rng.range(1, 12), rng.range(1, 28))
}

/// What the timeline says `tag` pointed to on `date`, read here from the raw list of moves
/// (`driftwood::moves_for`), independently of your code: the digest of the last dated move on
/// or before `date`, the index digest where it was recorded, else the amd64 manifest digest.
pub fn recorded(tag: &str, date: &str) -> Option<String> {
    let mut answer = None;
    for m in driftwood::moves_for(tag) {
        if m.date.as_deref().is_some_and(|d| d <= date) {
            answer = m.index_digest.as_ref().or(m.amd64_manifest_digest.as_ref()).map(|d| d.to_string());
        }
    }
    answer
}

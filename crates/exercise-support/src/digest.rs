//! Digests computed by the tests themselves (feature `digest`), independently of the learner's code.
//!
//! These are oracles, not answers: a learner's `src/lib.rs` cannot use a dev-dependency.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes` as `"sha256:<hex>"`, computed here, independently of the learner's code.
pub fn sha256_of(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// What a well-formed SHA-256 digest looks like, in the words of a failure message.
pub const SHA256_FORM: &str = "\"sha256:\" followed by exactly 64 lowercase hex digits";

/// True when `digest` has the form [`SHA256_FORM`] describes: `sha256:` and 64 lowercase hex
/// digits, nothing else.
pub fn is_sha256_form(digest: &str) -> bool {
    digest
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_of_nothing_is_the_well_known_one() {
        assert_eq!(sha256_of(b""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn only_lowercase_hex_of_the_right_length_has_the_form() {
        assert!(is_sha256_form(&sha256_of(b"Driftwood")));
        assert!(!is_sha256_form(&sha256_of(b"Driftwood").to_uppercase()));
        assert!(!is_sha256_form(&sha256_of(b"Driftwood").replace("sha256:", "SHA256:")));
        assert!(!is_sha256_form(&sha256_of(b"Driftwood")[..70]));
        assert!(!is_sha256_form(&format!("{}0", sha256_of(b"Driftwood"))));
        assert!(!is_sha256_form(&format!("sha256:{}", "g".repeat(64))));
    }
}

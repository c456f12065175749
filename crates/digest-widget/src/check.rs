//! Checking a digest the reader pasted against the one computed.

use imagekit::digest::Digest;

use crate::out::Out;

/// The verdict on an expected digest pasted by the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// `empty`, `invalid`, `match` or `mismatch`.
    pub state: String,
    pub message: String,
}

/// Compare what the reader pasted with the digest of the bytes. Surrounding whitespace is
/// forgiven (copying from a terminal adds some); anything else must follow the digest grammar.
pub fn check_expected(expected: &str, actual: &str) -> Check {
    let expected = expected.trim();
    let check = |state: &str, message: String| Check { state: state.into(), message };
    if expected.is_empty() {
        return check("empty", String::new());
    }
    // A bare 64-hex string is how `sha256sum` prints: accept it as sha256, and say so.
    let (spelled, note) = if !expected.contains(':') && expected.len() == 64 {
        (format!("sha256:{expected}"), " (read as sha256:, since it has no algorithm prefix)")
    } else {
        (expected.to_string(), "")
    };
    match Digest::parse(&spelled) {
        Err(e) => check("invalid", format!("Not a digest: {e}.")),
        Ok(d) if d.to_string() == actual => check("match", format!("Match: these bytes are the ones {d} names{note}.")),
        Ok(d) => check(
            "mismatch",
            format!("Mismatch: {d} names other bytes{note}. A client pinned to it would refuse these."),
        ),
    }
}

impl Check {
    pub fn to_json(&self) -> String {
        Out::default().str("state", &self.state).str("message", &self.message).end()
    }
}

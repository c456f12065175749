//! A JSON document and the exact bytes it was parsed from.
//!
//! A manifest's digest is the SHA-256 of its bytes as stored, not of its meaning: re-serializing
//! changes whitespace, key order or escapes and so changes the digest. Everything that hashes a
//! document therefore hashes [`Raw::bytes`], never `serde_json::to_vec(&raw.value)`.

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::json::{self, FromJson, ToJson};

#[derive(Debug, Clone)]
pub struct Raw<T> {
    bytes: Vec<u8>,
    digest: Digest,
    pub value: T,
}

impl<T: FromJson> Raw<T> {
    /// Parse `bytes` as a `what` (used in the error: "malformed image manifest: …").
    pub fn parse(what: &str, bytes: Vec<u8>) -> Result<Raw<T>> {
        let value = json::from_slice(&bytes).map_err(|e| Error::malformed(what, e))?;
        let digest = Digest::of_bytes(&bytes);
        Ok(Raw { bytes, digest, value })
    }
}

impl<T: ToJson> Raw<T> {
    /// Write a value once (pretty-printed as serde_json's `to_vec_pretty` does: two spaces, keys
    /// in declaration order) and keep those bytes: from here on they *are* the document.
    pub fn encode(value: T) -> Raw<T> {
        let bytes = json::write_pretty(&value.to_json()).into_bytes();
        let digest = Digest::of_bytes(&bytes);
        Raw { bytes, digest, value }
    }
}

impl<T> Raw<T> {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    pub fn descriptor(&self, media_type: &str) -> Descriptor {
        Descriptor::new(media_type, self.digest.clone(), self.bytes.len() as u64)
    }

    pub fn into_parts(self) -> (Vec<u8>, T) {
        (self.bytes, self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Value;

    #[test]
    fn digest_is_of_the_bytes_not_the_meaning() {
        let a: Raw<Value> = Raw::parse("doc", br#"{"a":1,"b":2}"#.to_vec()).unwrap();
        let b: Raw<Value> = Raw::parse("doc", br#"{ "a": 1, "b": 2 }"#.to_vec()).unwrap();
        assert_eq!(a.value, b.value);
        assert_ne!(a.digest(), b.digest());
        assert_eq!(*a.digest(), Digest::of_bytes(br#"{"a":1,"b":2}"#));
    }

    #[test]
    fn malformed_json_is_one_line_naming_the_document() {
        let err = Raw::<Value>::parse("image manifest", b"{\"a\":\n".to_vec()).unwrap_err().to_string();
        assert!(err.starts_with("malformed image manifest: "), "{err}");
        assert!(!err.contains('\n'));
    }
}

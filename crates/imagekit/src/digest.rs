//! Content digests: the `algorithm:encoded` grammar of the OCI image spec, and streaming SHA-256.
//!
//! ```text
//! digest    ::= algorithm ":" encoded
//! algorithm ::= [a-z0-9]+ ([+._-] [a-z0-9]+)*
//! encoded   ::= [a-zA-Z0-9=_-]+
//! ```
//! The registered algorithms narrow `encoded`: `sha256` is exactly 64 lowercase hex characters,
//! `sha512` exactly 128. Uppercase hex is not a spelling of the same digest: it is an error,
//! because digests are compared as strings everywhere (file names, registry URLs, lock files).

use std::fmt;
use std::io::{self, Read, Write};
use std::str::FromStr;

use sha2::{Digest as _, Sha256, Sha512};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    Sha256,
    Sha512,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

/// A string that should be a digest and is not one (`sha256:` + 64 lowercase hex). Its own type,
/// not a variant of [`crate::Error`], so that this module does not depend on the error module
/// that names digests (the two would import each other); `Error` converts from it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid digest {input:?}: {reason}")]
pub struct InvalidDigest {
    pub input: String,
    pub reason: String,
}

/// A validated digest such as `sha256:e3b0c442…`. Ordered and hashed by its string form.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

impl Digest {
    /// Parse and validate; the error names what is wrong with the input.
    pub fn parse(input: &str) -> Result<Digest, InvalidDigest> {
        let bad = |reason: String| InvalidDigest { input: input.to_string(), reason };
        let (algorithm, encoded) =
            input.split_once(':').ok_or_else(|| bad("expected ALGORITHM:HEX, found no ':'".into()))?;
        if algorithm.is_empty() || !valid_algorithm_grammar(algorithm) {
            return Err(bad(format!("algorithm {algorithm:?} is not [a-z0-9]+ joined by [+._-]")));
        }
        let algorithm = match algorithm {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            other => return Err(bad(format!("unsupported algorithm {other:?} (expected sha256 or sha512)"))),
        };
        if let Some((i, c)) = encoded.char_indices().find(|(_, c)| !matches!(c, '0'..='9' | 'a'..='f')) {
            let why = if c.is_ascii_hexdigit() { "uppercase hex is not allowed" } else { "not a hex digit" };
            return Err(bad(format!("character {c:?} at position {i} of the hex: {why}")));
        }
        if encoded.len() != algorithm.hex_len() {
            return Err(bad(format!(
                "{} needs {} hex characters, found {}",
                algorithm.name(),
                algorithm.hex_len(),
                encoded.len()
            )));
        }
        Ok(Digest { algorithm, hex: encoded.to_string() })
    }

    /// Build from a finished SHA-256 hash.
    pub fn from_sha256_bytes(bytes: &[u8; 32]) -> Digest {
        Digest { algorithm: Algorithm::Sha256, hex: to_hex(bytes) }
    }

    /// SHA-256 of a byte slice.
    pub fn of_bytes(bytes: &[u8]) -> Digest {
        Digest::from_sha256_bytes(&Sha256::digest(bytes).into())
    }

    /// SHA-256 of everything a reader yields; returns the digest and the byte count.
    pub fn of_reader(reader: impl Read) -> io::Result<(Digest, u64)> {
        let mut writer = Sha256Writer::new(io::sink());
        let n = copy_large(reader, &mut writer)?;
        Ok((writer.finish().0, n))
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The encoded part (lowercase hex): the blob's file name under `blobs/<algorithm>/`.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The first 12 hex characters, as `docker images` shows IDs.
    pub fn short(&self) -> &str {
        &self.hex[..12]
    }

    /// Does this digest name `bytes`? Uses the digest's own algorithm.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        self.recompute(bytes) == *self
    }

    /// Hash `bytes` with this digest's algorithm.
    pub fn recompute(&self, bytes: &[u8]) -> Digest {
        match self.algorithm {
            Algorithm::Sha256 => Digest::of_bytes(bytes),
            Algorithm::Sha512 => Digest { algorithm: Algorithm::Sha512, hex: to_hex(&Sha512::digest(bytes)) },
        }
    }
}

fn valid_algorithm_grammar(s: &str) -> bool {
    s.split(['+', '.', '_', '-']).all(|component| {
        !component.is_empty() && component.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl FromStr for Digest {
    type Err = InvalidDigest;
    fn from_str(s: &str) -> Result<Digest, InvalidDigest> {
        Digest::parse(s)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl crate::json::ToJson for Digest {
    fn to_json(&self) -> crate::json::Value {
        crate::json::Value::String(self.to_string())
    }
}

impl crate::json::FromJson for Digest {
    fn from_json(value: crate::json::Value) -> Result<Digest, crate::json::JsonError> {
        let text = String::from_json(value)?;
        Digest::parse(&text).map_err(|e| crate::json::JsonError::new(e.to_string()))
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Digest, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A writer that hashes (SHA-256) and counts everything passing through to `inner`.
/// Stacking two of them around a gzip encoder yields diff_id and digest in one pass.
pub struct Sha256Writer<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> Sha256Writer<W> {
    pub fn new(inner: W) -> Self {
        Sha256Writer { inner, hasher: Sha256::new(), written: 0 }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The digest and byte count of everything written, and the inner writer.
    pub fn finish(self) -> (Digest, u64, W) {
        (Digest::from_sha256_bytes(&self.hasher.finalize().into()), self.written, self.inner)
    }
}

impl<W: Write> Write for Sha256Writer<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader that hashes (SHA-256) and counts what is read through it: verify while streaming.
pub struct Sha256Reader<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> Sha256Reader<R> {
    pub fn new(inner: R) -> Self {
        Sha256Reader { inner, hasher: Sha256::new(), read: 0 }
    }

    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    pub fn finish(self) -> (Digest, u64, R) {
        (Digest::from_sha256_bytes(&self.hasher.finalize().into()), self.read, self.inner)
    }
}

impl<R: Read> Read for Sha256Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// `io::copy` with a 1 MiB buffer: fewer read() calls matter when hashing at GB/s.
pub fn copy_large<W: Write + ?Sized>(mut reader: impl Read, writer: &mut W) -> io::Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        writer.write_all(&buf[..n])?;
        total += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn empty_input_has_the_well_known_digest() {
        assert_eq!(Digest::of_bytes(b"").to_string(), EMPTY);
        assert_eq!(Digest::of_reader(&b""[..]).unwrap().0.to_string(), EMPTY);
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut w = Sha256Writer::new(Vec::new());
        for chunk in data.chunks(7777) {
            w.write_all(chunk).unwrap();
        }
        let (d, n, inner) = w.finish();
        assert_eq!(d, Digest::of_bytes(&data));
        assert_eq!(n, data.len() as u64);
        assert_eq!(inner, data);
    }

    #[test]
    fn parse_round_trips() {
        assert_eq!(Digest::parse(EMPTY).unwrap().to_string(), EMPTY);
    }

    #[test]
    fn parse_errors_name_the_problem() {
        let cases = [
            ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "no ':'"),
            ("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "uppercase"),
            ("sha256:e3b0", "needs 64 hex characters, found 4"),
            ("md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm \"md5\""),
            ("SHA256:e3b0", "is not [a-z0-9]+"),
            ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85z", "not a hex digit"),
            (":abc", "is not [a-z0-9]+"),
        ];
        for (input, needle) in cases {
            let msg = Digest::parse(input).unwrap_err().to_string();
            assert!(msg.contains(needle), "{input}: {msg}");
            assert!(!msg.contains('\n'));
        }
    }
}

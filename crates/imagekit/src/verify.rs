//! Readers that check what they read: a blob's size and digest while it streams.
//!
//! Every source (a layout, the store, an archive, a registry) hands out blobs through
//! [`VerifyingReader`], so no reader of an image ever sees bytes that were not checked by the time
//! it reaches the end. Consumers must read to the end before trusting what they derived.

use std::io::{self, Read};

use crate::descriptor::Descriptor;
use crate::digest::Sha256Reader;
use crate::error::Error;

/// Wraps a blob reader; at end of stream checks size and digest against the descriptor and turns
/// a mismatch into an `io::Error` that carries the library's one-line message. A failure is
/// remembered: every later read reports it again, so draining a reader after a decoder gave up
/// on it still surfaces the real cause.
pub struct VerifyingReader<R> {
    inner: Option<Sha256Reader<io::Take<R>>>,
    desc: Descriptor,
    failure: Option<Error>,
}

impl<R: Read> VerifyingReader<R> {
    pub fn new(inner: R, desc: Descriptor) -> Self {
        // Read one byte past the declared size so an over-long blob is caught too.
        let limited = inner.take(desc.size.saturating_add(1));
        VerifyingReader { inner: Some(Sha256Reader::new(limited)), desc, failure: None }
    }

    pub fn descriptor(&self) -> &Descriptor {
        &self.desc
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.inner.as_ref().map_or(self.desc.size, |r| r.bytes_read())
    }

    fn fail(&mut self, err: Error) -> io::Error {
        self.inner = None;
        self.failure = Some(clone_error(&err));
        io::Error::new(io::ErrorKind::InvalidData, err)
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(err) = &self.failure {
            return Err(io::Error::new(io::ErrorKind::InvalidData, clone_error(err)));
        }
        let Some(reader) = self.inner.as_mut() else { return Ok(0) };
        let n = reader.read(buf)?;
        let what = || format!("blob {}", self.desc.digest);
        if reader.bytes_read() > self.desc.size {
            let err = Error::SizeMismatch { what: what(), expected: self.desc.size, actual: self.desc.size + 1 };
            return Err(self.fail(err));
        }
        if n == 0 && !buf.is_empty() {
            let (actual, size, _) = self.inner.take().expect("checked above").finish();
            if size != self.desc.size {
                return Err(self.fail(Error::SizeMismatch { what: what(), expected: self.desc.size, actual: size }));
            }
            if actual != self.desc.digest {
                let err = Error::DigestMismatch { what: what(), expected: self.desc.digest.clone(), actual };
                return Err(self.fail(err));
            }
        }
        Ok(n)
    }
}

/// The verification errors are plain data; I/O errors are not `Clone`, and never stored here.
fn clone_error(err: &Error) -> Error {
    match err {
        Error::SizeMismatch { what, expected, actual } => {
            Error::SizeMismatch { what: what.clone(), expected: *expected, actual: *actual }
        }
        Error::DigestMismatch { what, expected, actual } => {
            Error::DigestMismatch { what: what.clone(), expected: expected.clone(), actual: actual.clone() }
        }
        other => Error::BadLayer { layer: String::new(), reason: other.to_string() },
    }
}

/// Turn an io::Error from a [`VerifyingReader`] back into the library error it carries.
pub fn unwrap_verify_error(e: io::Error, desc: &Descriptor) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        return *e.into_inner().expect("checked").downcast::<Error>().expect("checked");
    }
    Error::io(format!("reading blob {}", desc.digest), e)
}

/// Read a reader to its end, returning the library error a [`VerifyingReader`] raised, if any.
pub fn drain(reader: &mut dyn Read, desc: &Descriptor) -> crate::Result<u64> {
    io::copy(reader, &mut io::sink()).map_err(|e| unwrap_verify_error(e, desc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;

    fn desc_of(bytes: &[u8]) -> Descriptor {
        Descriptor::for_bytes("application/octet-stream", bytes)
    }

    #[test]
    fn right_bytes_read_through() {
        let mut out = Vec::new();
        VerifyingReader::new(&b"hello"[..], desc_of(b"hello")).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello");
    }

    #[test]
    fn a_flipped_byte_is_a_digest_mismatch_and_stays_one() {
        let desc = desc_of(b"hello");
        let mut reader = VerifyingReader::new(&b"hellp"[..], desc.clone());
        let err = unwrap_verify_error(reader.read_to_end(&mut Vec::new()).unwrap_err(), &desc);
        assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
        // Drained again (as a layer reader does after its decoder stopped): the same failure.
        let again = drain(&mut reader, &desc).unwrap_err();
        assert!(again.to_string().contains(&Digest::of_bytes(b"hellp").to_string()), "{again}");
    }

    #[test]
    fn too_long_and_too_short_are_size_mismatches() {
        let desc = desc_of(b"hello");
        for bytes in [&b"hello!"[..], &b"hell"[..]] {
            let err = drain(&mut VerifyingReader::new(bytes, desc.clone()), &desc).unwrap_err();
            assert!(matches!(err, Error::SizeMismatch { .. }), "{err}");
        }
    }
}

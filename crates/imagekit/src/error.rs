//! One error type for the whole library. Every message is one line that names the problem and,
//! where there is one, the expected and the actual value.

use crate::digest::{Digest, InvalidDigest};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A string that should be a digest is not one (`sha256:` + 64 lowercase hex).
    #[error(transparent)]
    InvalidDigest(#[from] InvalidDigest),

    /// An image reference that does not follow the distribution grammar.
    #[error("invalid reference {input:?}: {reason}")]
    InvalidReference { input: String, reason: String },

    /// Content whose SHA-256 differs from the digest that names it.
    #[error("digest mismatch for {what}: expected {expected}, got {actual}")]
    DigestMismatch { what: String, expected: Digest, actual: Digest },

    /// A document (manifest, index, config) declared larger than imagekit reads, refused unread.
    #[error("document {digest} declares {size} bytes, over the limit for manifests and configs ({limit} bytes)")]
    DocumentTooLarge { digest: Digest, size: u64, limit: u64 },

    /// Content whose length differs from the size its descriptor declares.
    #[error("size mismatch for {what}: expected {expected} bytes, got {actual}")]
    SizeMismatch { what: String, expected: u64, actual: u64 },

    /// JSON that does not parse, or lacks a required field.
    #[error("malformed {what}: {reason}")]
    MalformedJson { what: String, reason: String },

    /// A layer that tries something unsafe or impossible: `..`, absolute paths, escapes,
    /// device nodes, duplicate entries, a decompression bomb, a truncated stream.
    #[error("refusing layer {layer}: {reason}")]
    HostileLayer { layer: String, reason: String },

    /// Anything else in a layer tarball or gzip stream that cannot be read.
    #[error("unreadable layer {layer}: {reason}")]
    BadLayer { layer: String, reason: String },

    /// An OCI image layout that does not follow the spec.
    #[error("invalid image layout {path}: {reason}")]
    InvalidLayout { path: String, reason: String },

    /// A blob the layout references but does not hold.
    #[error("missing blob {digest} ({what})")]
    MissingBlob { digest: Digest, what: String },

    /// A tag or reference that names nothing.
    #[error("not found: {0}")]
    NotFound(String),

    /// The cause is part of the message (not a `source()`), so that printing the error chain
    /// does not say it twice.
    #[error("{context}: {cause}")]
    Io { context: String, cause: std::io::Error },
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), cause: source }
    }

    pub fn malformed(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Error::MalformedJson { what: what.into(), reason: reason.to_string() }
    }
}

/// Attach a context to I/O results: `file.read(..).ctx(|| format!("reading {path}"))`.
pub trait IoContext<T> {
    fn ctx<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T>;
}

impl<T> IoContext<T> for std::result::Result<T, std::io::Error> {
    fn ctx<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| Error::io(context(), e))
    }
}

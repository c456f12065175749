//! The workbook's digest widget: what the page computes, in plain Rust.
//!
//! The book's Topics 08 and 09 embed a widget that hashes a manifest as the reader edits it,
//! checks a pasted digest, reformats the JSON to show that the digest follows the bytes and not
//! the meaning, lists the descriptors inside, and hashes local files (with a gzip layer's diff_id)
//! in chunks. Everything here is ordinary Rust over `imagekit`'s core, tested natively; the
//! `wasm` module only wraps it for JavaScript (`wasm-bindgen`), and `theme/widget/digest-widget.js`
//! does the DOM work.
//!
//! Results cross into JavaScript as small JSON strings, written by hand (`out.rs`): serde and
//! serde-wasm-bindgen would cost kilobytes of the `.wasm`'s 100 KB budget.

mod analyse;
mod check;
pub mod gunzip;
mod hashing;
pub mod json;
mod out;
mod reformat;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use analyse::{analyse, digest_of, Analysis, JsonError, Row, MAX_ANALYSED};
pub use check::{check_expected, Check};
pub use hashing::{BlobHasher, LayerHasher, LayerResult};
pub use reformat::{reformat, Style};

/// The bytes the widget starts with: a real Docker schema2 manifest whose SHA-256 is published.
pub const ORIGINAL: &[u8] = driftwood::raw::NGINX_1_23_1_AMD64_MANIFEST;
/// The published digest of [`ORIGINAL`].
pub const ORIGINAL_DIGEST: &str = driftwood::raw::NGINX_1_23_1_AMD64_DIGEST;
/// What [`ORIGINAL`] is, for the widget's caption.
pub const ORIGINAL_NAME: &str = "docker.io/library/nginx:1.23.1, linux/amd64 (Docker schema2 manifest)";

#[cfg(test)]
mod tests;

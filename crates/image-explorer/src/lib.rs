//! The workbook's image explorer: a reader drops `docker save` output, an `oci-archive`, an OCI
//! layout folder or a single layer into the page (src/explorer/), and sees its platforms,
//! config, history, layers (digest and diff_id verified while reading), per-layer file trees
//! with whiteouts, the merged view and the audit's findings, without a server.
//!
//! Everything here is ordinary Rust over `imagekit`'s core ([`explore`]), tested natively; the
//! `wasm` module only wraps it for the page's Web Worker (`js/worker.js`), which reads the
//! dropped `File` in slices with `FileReaderSync` ([`chunked`]), so a 200 MB archive is never
//! in memory: only its tar index and the file index of its layers are kept.

pub mod chunked;
pub mod explore;
pub mod folder;
pub mod page_json;
pub mod report;
#[cfg(target_arch = "wasm32")]
mod wasm;

#[cfg(test)]
mod tests;

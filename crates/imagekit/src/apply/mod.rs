//! The union filesystem: applying layers in order, the way a container runtime mounts them.
//!
//! Rules (OCI image spec, layer.md "Applying changesets" and "Whiteouts"):
//!
//! - entries are added in layer order; a later layer replaces what an earlier one had at the
//!   same path (a file may become a directory and the other way round);
//! - `.wh.NAME` removes NAME — a file or a whole subtree — *from lower layers*;
//! - `.wh..wh..opq` removes every lower-layer child of its directory, while what the same layer
//!   adds there stays; where the marker sits in the tar does not matter;
//! - whiteouts never appear in the result, and one for a path that does not exist is harmless.
//!
//! Parents are resolved inside the root (module `resolve`): a symlink in a lower layer can
//! redirect a write only to somewhere else in the image, never outside it.
//!
//! [`Tree`] is the merged view in memory (no I/O, so it compiles to wasm); [`unpack`] builds the
//! same view on disk (feature `fs`).

mod resolve;
mod tree;

#[cfg(feature = "fs")]
mod disk;
#[cfg(feature = "fs")]
pub mod staging;

#[cfg(feature = "fs")]
pub use disk::{unpack, UnpackStats, Unpacker};
pub use tree::{Node, NodeKind, Tree};

use crate::layer::LayerSummary;

/// What applying one layer did to the merged view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerChanges {
    pub layer: usize,
    /// diff_id, sizes and entry count of the layer as read.
    pub summary: LayerSummary,
    /// Paths that did not exist below (parents created implicitly included).
    pub added: Vec<String>,
    /// Paths that existed below and were replaced or had their metadata rewritten.
    pub changed: Vec<String>,
    /// One record per `.wh.NAME` that removed something.
    pub deleted: Vec<Removal>,
    /// One record per `.wh..wh..opq` on an existing directory.
    pub opaque: Vec<Removal>,
}

impl LayerChanges {
    /// Bytes that whiteouts in this layer hid but that still ship in the lower layers' blobs:
    /// what a deletion still costs.
    pub fn hidden_bytes(&self) -> u64 {
        self.deleted.iter().chain(&self.opaque).map(|r| r.bytes).sum()
    }
}

/// What one whiteout removed from the view.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Removal {
    /// The deleted path, or the directory made opaque (`""` = root).
    pub path: String,
    /// Paths removed (files, directories, links).
    pub entries: u64,
    /// Regular files among them.
    pub files: u64,
    /// Their bytes, still stored in the lower layers.
    pub bytes: u64,
}

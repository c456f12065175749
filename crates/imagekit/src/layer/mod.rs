//! Layers: building them reproducibly and reading them safely.
//!
//! A layer blob is a tar stream, usually gzip-compressed. Two digests name it:
//!
//! - the **diff_id**, SHA-256 of the uncompressed tar (what the image config lists), and
//! - the **digest**, SHA-256 of the blob as stored (what the manifest lists).
//!
//! Building computes both in one pass: the tar bytes are hashed on their way into the compressor
//! and the gzip bytes on their way out. Reading decompresses, hashes and validates in one pass
//! too, refusing hostile entries before anyone acts on them.
//!
//! | module | concern |
//! |---|---|
//! | `tarball` | the deterministic tar writer, [`write_tar`], [`build_from_entries`] |
//! | `pgzip` | pigz-style parallel gzip whose output does not depend on the thread count |
//! | `dir` | [`build_from_dir`] (feature `fs`) |
//! | `read` | [`for_each_entry`], [`diff_id_of_blob`]: the one way in for every reader |
//! | `stream` | gzip or plain tar, with the size and ratio limits enforced as bytes flow |
//! | `frames`, `header`, `pax` | tar framing and headers, read exactly as Go's archive/tar reads them |
//! | `check` | the rules for one entry: paths, types, links, ids |
//! | `limits` | [`Limits`]: every bound in one place, with a table of defaults |

mod check;
mod fail;
pub(crate) mod frames;
mod header;
mod limits;
mod path;
mod pax;
mod pgzip;
mod read;
mod stream;
mod tarball;

#[cfg(feature = "fs")]
mod dir;

use crate::digest::Digest;

#[cfg(feature = "fs")]
pub use dir::build_from_dir;
pub use limits::Limits;
pub use read::{diff_id_of_blob, for_each_entry, EntryKind, LayerEntry, LayerSummary};
pub use tarball::{build_from_entries, write_tar};

pub(crate) use path::{join, normalize, split_parent};

/// The two names and two sizes of a built layer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerInfo {
    /// SHA-256 of the gzip blob: the manifest's layer descriptor digest.
    pub digest: Digest,
    /// SHA-256 of the uncompressed tar: the config's `rootfs.diff_ids` entry.
    pub diff_id: Digest,
    /// Bytes in the blob.
    pub size: u64,
    /// Bytes in the tar.
    pub uncompressed_size: u64,
}

/// How to build a layer. Every field that could leak the build machine into the bytes is fixed
/// here, so the same tree gives the same digest anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// Modification time written for every entry (seconds since the epoch).
    pub mtime: u64,
    /// Gzip level, 0–9 (higher values are clamped to 9).
    pub level: u32,
    /// Compression threads. The output is byte-identical for every value: only speed changes.
    pub threads: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { mtime: 0, level: 6, threads: default_threads() }
    }
}

impl BuildOptions {
    /// Defaults, with `mtime` from `SOURCE_DATE_EPOCH` when it is set to a valid number
    /// (the reproducible-builds.org convention), else 0.
    pub fn from_env() -> Self {
        let mtime = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
        BuildOptions { mtime, ..Default::default() }
    }
}

/// Beyond 4 threads the single producer (reading files, hashing the tar) becomes the bottleneck.
fn default_threads() -> usize {
    if cfg!(target_family = "wasm") {
        return 1;
    }
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 4)
}

/// What an in-memory entry holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryData {
    Dir,
    File(Vec<u8>),
    /// A symlink; the target text is stored exactly as given.
    Symlink(String),
    /// A hard link to another path in the layer (a layer path, not a file-system path).
    Hardlink(String),
}

/// An entry to put in a layer, in memory (for wasm, tests and whiteout-only layers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative layer path; `./` prefixes and trailing `/` are normalized away.
    pub path: String,
    /// Permission bits (`& 0o7777` is kept).
    pub mode: u32,
    pub data: EntryData,
}

impl Entry {
    pub fn dir(path: impl Into<String>, mode: u32) -> Entry {
        Entry { path: path.into(), mode, data: EntryData::Dir }
    }

    pub fn file(path: impl Into<String>, mode: u32, contents: impl Into<Vec<u8>>) -> Entry {
        Entry { path: path.into(), mode, data: EntryData::File(contents.into()) }
    }

    pub fn symlink(path: impl Into<String>, target: impl Into<String>) -> Entry {
        Entry { path: path.into(), mode: 0o777, data: EntryData::Symlink(target.into()) }
    }

    pub fn hardlink(path: impl Into<String>, target: impl Into<String>) -> Entry {
        Entry { path: path.into(), mode: 0o644, data: EntryData::Hardlink(target.into()) }
    }

    /// An empty `.wh.NAME` marker deleting `path` from lower layers.
    pub fn whiteout(path: &str) -> Entry {
        Entry::file(crate::whiteout::whiteout_path(path), 0o644, Vec::new())
    }

    /// A `.wh..wh..opq` marker hiding what lower layers put in `dir`.
    pub fn opaque(dir: &str) -> Entry {
        Entry::file(crate::whiteout::opaque_path(dir), 0o644, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_level_6_and_a_few_threads() {
        let o = BuildOptions::default();
        assert_eq!((o.mtime, o.level), (0, 6));
        assert!((1..=4).contains(&o.threads));
    }
}

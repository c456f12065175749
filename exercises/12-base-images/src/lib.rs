//! # Exercise 12: Choose a Base
//!
//! The FROM line decides the C library, the size and what is in the image. In this exercise you
//! tell musl from glibc from a static image by reading the layers' files (symlinks included),
//! compare real base images by size and shared layers with the offline snapshot, and assemble a
//! `FROM scratch` image from a single file, byte by byte, that passes Topic 08's checks.
//!
//! Read the exercise page in the book first: `12-base-images/exercise.html`
//! (source: `src/12-base-images/exercise.md`). The topic page `12-base-images/index.html`
//! explains the ideas behind each step.
//!
//! ```text
//! cargo test -p ex12-base-images --test step1_libc   # one step
//! cargo test -p ex12-base-images                     # everything
//! cargo xtask watch 12                               # re-run on every save, with hints
//! ```
//!
//! Replace each `todo!(…)` with your code. Hints for every step are in
//! `exercises/12-base-images/hints.md`.

// The ANCHOR and ANCHOR_END comments mark the code the book's exercise page shows; they change
// nothing here. (Delete them if you like: the page then shows the stub as committed.)

// The stubs below do not use their parameters yet. Delete this line once every step passes.
#![allow(unused_variables)]

use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// Step 1 (tests/step1_libc.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step1_libc
/// What a path is in the merged filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File,
    Dir,
    /// A symbolic link, with its target as stored (absolute or relative).
    Symlink(String),
}

/// Which C library an image ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libc {
    Musl,
    Glibc,
    /// No dynamic loader: only static binaries can run (a scratch-style image).
    NoLoader,
}

/// What [`detect_libc`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibcReport {
    pub libc: Libc,
    /// The loader's path as named in the image (`lib/ld-musl-x86_64.so.1`), `None` for
    /// [`Libc::NoLoader`].
    pub loader: Option<String>,
    /// The regular file that path resolves to through symlinks.
    pub resolves_to: Option<String>,
}

/// Applies gzip-compressed layers in order, bottom first, and returns the merged filesystem:
/// every path (no leading `/`) with what it is. A whiteout `dir/.wh.NAME` removes `dir/NAME` and
/// everything under it; an opaque whiteout `dir/.wh..wh..opq` removes everything under `dir` that
/// lower layers put there. Not gzip or not tar: `Err`.
pub fn merged_files(layers: &[Vec<u8>]) -> Result<BTreeMap<String, Node>, String> {
    todo!("what does each kind of entry do to the layers below? (doc comment above; topic 07)")
}

/// Follows symlinks, in the last component and in every directory on the way, inside the image
/// (an absolute target starts again from the image's root; `..` never leaves it). Returns the
/// path the chain ends at, if something exists there; `None` for a dangling link or a loop
/// (more than 40 links).
pub fn resolve(files: &BTreeMap<String, Node>, path: &str) -> Option<String> {
    todo!("where can a symlink sit in a path, and where does an absolute target start? (doc comment above)")
}

/// Finds the dynamic loader: the first path, in sorted order, whose file name is
/// `ld-musl-*.so.1` (musl) or `ld-linux*.so.*` / `ld64.so.*` (glibc) and that resolves to a
/// regular file. None found: [`Libc::NoLoader`].
pub fn detect_libc(files: &BTreeMap<String, Node>) -> LibcReport {
    todo!("look for file names ld-musl-*.so.1 (musl) and ld-linux*.so.* or ld64.so.* (glibc) whose path resolves to a Node::File")
}
// ANCHOR_END: step1_libc

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_compare.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step2_compare
/// Two images side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Compressed bytes of each image (Σ of its layer sizes).
    pub size_a: u64,
    pub size_b: u64,
    /// Layer digests found in both images, in `a`'s order.
    pub shared: Vec<String>,
    /// Bytes of the shared layers (counted once).
    pub shared_bytes: u64,
    /// How many bottom layers are identical and in the same order: the common base.
    pub common_base_layers: usize,
    /// Bytes a host pulls to have both: each distinct layer once.
    pub pull_both: u64,
}

/// The linux/amd64 layers (digest, compressed size) of a snapshot record: `tag` is a tag
/// (`postgres:16`, its newest record) or a record id (`postgres:16@2023-12-19`). `None` when the
/// snapshot has no such record or the record holds no layer list.
pub fn snapshot_layers(tag: &str) -> Option<Vec<(String, u64)>> {
    todo!("where does the snapshot keep a record's linux/amd64 layers? (driftwood crate docs)")
}

/// Compares two images given as layer lists (digest, size), bottom first.
pub fn compare(a: &[(String, u64)], b: &[(String, u64)]) -> Comparison {
    todo!("what is shared, what is a common base, and what does pulling both cost? (fields of Comparison)")
}

/// The tag whose image is smallest to pull, among tags the snapshot has layers for (ties: the
/// first given). `None` when none has.
pub fn smallest<'a>(tags: &[&'a str]) -> Option<&'a str> {
    todo!("sum the sizes of snapshot_layers(tag) for each tag and keep the smallest (the first on a tie)")
}
// ANCHOR_END: step2_compare

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_scratch.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step3_scratch
/// Media types of an OCI image.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// A complete single-layer image: the three blobs, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScratchImage {
    /// The gzip-compressed tar with one regular file.
    pub layer: Vec<u8>,
    /// The image config (JSON).
    pub config: Vec<u8>,
    /// The image manifest (JSON) pointing to the config and the layer.
    pub manifest: Vec<u8>,
}

/// Builds a `FROM scratch` image whose only file is `/NAME` with `content` and permission bits
/// `mode`: a tar with that one entry (uid/gid 0, mtime 0), gzip (mtime 0), a config for
/// linux/amd64 with `Entrypoint: ["/NAME"]` and the layer's diff_id, and an OCI manifest.
/// The same inputs always give the same bytes. A `name` that is empty, `.`, `..` or holds `/`:
/// `Err`.
pub fn scratch_image(name: &str, content: &[u8], mode: u32) -> Result<ScratchImage, String> {
    todo!("which three blobs, and which names which? (exercise page, step 3; topic 08)")
}

/// Reads back the single file of a scratch image's layer: its path and content.
pub fn read_single_file(layer: &[u8]) -> Result<(String, Vec<u8>), String> {
    todo!("gunzip and untar; exactly one regular file, else Err")
}
// ANCHOR_END: step3_scratch

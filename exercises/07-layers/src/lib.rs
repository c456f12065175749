//! # Exercise 07: Build a Layer by Hand
//!
//! A container image layer is nothing magic: it is a tar archive, usually gzipped, named by the
//! SHA-256 of its bytes. In this exercise you build one yourself with the `tar`, `flate2` and
//! `sha2` crates, name it twice (diff_id and digest), delete a file with a whiteout, stack layers
//! into the merged view a container sees, and find out why deleting a file never makes an image
//! smaller.
//!
//! Read the exercise page in the book first: `07-layers/exercise.html`
//! (source: `src/07-layers/exercise.md`). The topic page `07-layers/index.html` explains the
//! ideas behind each step.
//!
//! Work through the steps in order. Each function below says which test checks it:
//!
//! ```text
//! cargo test -p ex07-layers --test step1_digest     # one step
//! cargo test -p ex07-layers                         # everything
//! cargo xtask watch 07                              # re-run on every save, with hints
//! ```
//!
//! Replace each `todo!(…)` with your code. Hints for every step are in
//! `exercises/07-layers/hints.md`.

// The ANCHOR and ANCHOR_END comments mark the code the book's exercise page shows; they change
// nothing here. (Delete them if you like: the page then shows the stub as committed.)

// The stubs below do not use their parameters yet. Delete this line once every step passes.
#![allow(unused_variables)]

use std::collections::BTreeMap;

// ANCHOR: whiteout_prefix
/// The prefix that turns a file name into a whiteout: `.wh.big.bin` deletes `big.bin`.
///
/// Book: `07-layers/index.html#whiteouts`.
pub const WHITEOUT_PREFIX: &str = ".wh.";
// ANCHOR_END: whiteout_prefix

// ANCHOR: opaque_whiteout
/// The name of an opaque whiteout: `etc/.wh..wh..opq` hides everything the lower layers put
/// below `etc/`.
///
/// Book: `07-layers/index.html#whiteouts`.
pub const OPAQUE_WHITEOUT: &str = ".wh..wh..opq";
// ANCHOR_END: opaque_whiteout

// ---------------------------------------------------------------------------------------------
// Step 1 (tests/step1_digest.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step1_digest
/// Names content by its bytes: returns `"sha256:"` followed by the 64 lowercase hex digits of
/// the SHA-256 of `bytes`.
///
/// ```text
/// sha256_digest(b"") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// ```
///
/// This is the form every digest takes in manifests, configs and registry URLs.
///
/// Book: `07-layers/exercise.html#step-1-content-addresses` and
/// `07-layers/index.html#digests-and-diff-ids`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    todo!("what does a digest string look like? (doc comment above; the sha2 crate hashes)")
}
// ANCHOR_END: step1_digest

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_tar.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step2_tar
/// Builds an uncompressed tar archive (a layer) from `(path, contents)` pairs, deterministically.
///
/// The same files, given in any order, must give byte-identical output, because the layer's name
/// is the hash of these bytes. So the archive must not record anything about the machine or the
/// moment it was built:
///
/// - one entry per file, plus one directory entry for every parent directory, written with a
///   trailing slash (`etc/`, `etc/nginx/`), each directory before anything inside it;
/// - all entries sorted by their path (byte order of the path as written, `etc/` included);
/// - paths relative: no leading `/` or `./`;
/// - every header: mtime 0, uid 0, gid 0, empty user and group names;
/// - mode `0o644` for files, `0o755` for directories;
/// - headers made with `tar::Header` (ustar or GNU) and appended with `tar::Builder`.
///
/// Paths in `files` are relative file paths such as `"etc/nginx/nginx.conf"`, each given once.
///
/// Book: `07-layers/exercise.html#step-2-a-deterministic-tar`.
pub fn tar_layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    todo!("which entries, in which order, with which header fields? (doc comment above)")
}
// ANCHOR_END: step2_tar

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_layer_ids.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step3_layer_ids
/// Compresses `data` with gzip, deterministically: no modification time (mtime 0), no file name
/// in the gzip header, default compression level.
///
/// Book: `07-layers/exercise.html#step-3-one-layer-two-names`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    todo!("what in a gzip header changes from run to run? (flate2::GzBuilder)")
}

/// The names and size of one layer, as an image records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerIds {
    /// SHA-256 of the *uncompressed* tar, `"sha256:…"`. The image config lists these
    /// (`rootfs.diff_ids`): they name the file system content.
    pub diff_id: String,
    /// SHA-256 of the *compressed* blob (the gzip), `"sha256:…"`. The manifest lists these:
    /// they name what the registry stores and a pull downloads.
    pub digest: String,
    /// Length in bytes of the compressed blob.
    pub size: u64,
}

/// Compresses `tar` with your [`gzip`] and returns both names of the layer and the blob's size.
///
/// Book: `07-layers/exercise.html#step-3-one-layer-two-names` and
/// `07-layers/index.html#digests-and-diff-ids`.
pub fn layer_ids(tar: &[u8]) -> LayerIds {
    todo!("which bytes does each of the two names hash? (fields of LayerIds)")
}
// ANCHOR_END: step3_layer_ids

// ---------------------------------------------------------------------------------------------
// Step 4 (tests/step4_whiteout.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step4_whiteout
/// The whiteout path that deletes `path`: the same directory, the name prefixed with
/// [`WHITEOUT_PREFIX`].
///
/// ```text
/// whiteout_for("app/cache/big.bin") == "app/cache/.wh.big.bin"
/// whiteout_for("big.bin")           == ".wh.big.bin"
/// whiteout_for("app/cache/")        == "app/.wh.cache"   (a directory: a trailing slash is ignored)
/// ```
///
/// Book: `07-layers/exercise.html#step-4-whiteouts` and `07-layers/index.html#whiteouts`.
pub fn whiteout_for(path: &str) -> String {
    todo!("where does a whiteout sit, and which part of the path changes? (exercise page, step 4)")
}

/// A deletion layer: an uncompressed tar (built like [`tar_layer`]) holding one empty whiteout
/// file for each of `paths`.
///
/// Book: `07-layers/exercise.html#step-4-whiteouts`.
pub fn deletion_layer(paths: &[&str]) -> Vec<u8> {
    todo!("a deletion layer is a layer like any other: of which files? (exercise page, step 4)")
}
// ANCHOR_END: step4_whiteout

// ---------------------------------------------------------------------------------------------
// Step 5 (tests/step5_apply.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step5_apply
/// Stacks uncompressed tar layers, lowest first, into the merged view a container sees: a map
/// from file path (no leading `./`, no trailing `/`) to contents. Only regular files appear;
/// directories are implied by the paths.
///
/// For each layer, in order:
///
/// - `DIR/.wh.NAME` deletes `DIR/NAME` from the lower layers: the file, or the directory and
///   everything below it;
/// - `DIR/.wh..wh..opq` (an opaque whiteout) hides everything the lower layers put below `DIR/`;
/// - a whiteout only affects *lower* layers: files the same layer adds stay, wherever they come
///   in the archive;
/// - a regular file replaces what the lower layers had at its path (a file, or a directory and
///   everything in it); so does a symlink, which is not itself in the view;
/// - a directory merges with a lower directory, and replaces a lower file of its name;
/// - whiteout files themselves never appear in the view.
///
/// Panics if a layer is not a valid tar archive.
///
/// Book: `07-layers/exercise.html#step-5-the-merged-view` and `07-layers/index.html#whiteouts`.
pub fn apply_layers(layers: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>> {
    todo!("what may a layer's whiteouts delete, and what not? (the rules in the doc comment)")
}
// ANCHOR_END: step5_apply

// ---------------------------------------------------------------------------------------------
// Step 6 (tests/step6_deletion_does_not_shrink.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step6_deletion_does_not_shrink
/// What a registry stores and a pull moves for these compressed layer blobs: the sum of their
/// sizes in bytes.
///
/// Book: `07-layers/exercise.html#step-6-deleting-does-not-shrink-an-image` and
/// `07-layers/index.html#content-addressed-sharing`.
pub fn image_size(blobs: &[Vec<u8>]) -> u64 {
    todo!("what does a registry store for an image? (exercise page, step 6)")
}
// ANCHOR_END: step6_deletion_does_not_shrink

//! # Exercise 07: Build a Layer by Hand (reference solution)
//!
//! A container image layer is nothing magic: it is a tar archive, usually gzipped, named by the
//! SHA-256 of its bytes. This is the reference solution of the exercise on the book page
//! `07-layers/exercise.html` (source: `src/07-layers/exercise.md`). `cargo xtask solve 07` puts
//! it in place of `src/lib.rs`; `cargo xtask reset 07` brings the learner's file back.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};
use tar::{Archive, Builder, EntryType, Header};

/// The prefix that turns a file name into a whiteout: `.wh.big.bin` deletes `big.bin`.
///
/// Book: `07-layers/index.html#whiteouts`.
pub const WHITEOUT_PREFIX: &str = ".wh.";

/// The name of an opaque whiteout: `etc/.wh..wh..opq` hides everything the lower layers put
/// below `etc/`.
///
/// Book: `07-layers/index.html#whiteouts`.
pub const OPAQUE_WHITEOUT: &str = ".wh..wh..opq";

// ---------------------------------------------------------------------------------------------
// Step 1 (tests/step1_digest.rs)
// ---------------------------------------------------------------------------------------------

/// Names content by its bytes: returns `"sha256:"` followed by the 64 lowercase hex digits of
/// the SHA-256 of `bytes`.
///
/// Book: `07-layers/exercise.html#step-1-content-addresses` and
/// `07-layers/index.html#digests-and-diff-ids`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_tar.rs)
// ---------------------------------------------------------------------------------------------

/// Builds an uncompressed tar archive (a layer) from `(path, contents)` pairs, deterministically:
/// parent directories (`etc/`) are added, entries sorted by path, every header with mtime 0,
/// uid/gid 0, empty user and group names, mode 0o644 for files and 0o755 for directories.
///
/// Book: `07-layers/exercise.html#step-2-a-deterministic-tar`.
pub fn tar_layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    // Path as written in the archive -> contents (`None` for a directory). A BTreeMap sorts by
    // the path's bytes, and a directory `etc/` is a prefix of everything inside it, so every
    // parent comes before its children.
    let mut entries: BTreeMap<String, Option<&[u8]>> = BTreeMap::new();
    for &(path, contents) in files {
        let path = path.trim_start_matches("./").trim_start_matches('/');
        for (i, _) in path.match_indices('/') {
            entries.insert(path[..=i].to_string(), None);
        }
        entries.insert(path.to_string(), Some(contents));
    }

    let mut builder = Builder::new(Vec::new());
    for (path, contents) in &entries {
        let mut header = Header::new_ustar();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header
            .set_username("")
            .expect("an empty user name always fits");
        header
            .set_groupname("")
            .expect("an empty group name always fits");
        let data: &[u8] = match contents {
            Some(data) => {
                header.set_entry_type(EntryType::Regular);
                header.set_mode(0o644);
                data
            }
            None => {
                header.set_entry_type(EntryType::Directory);
                header.set_mode(0o755);
                &[]
            }
        };
        header.set_size(data.len() as u64);
        // `append_data` writes the path (with a GNU long-name entry if it is too long for the
        // header) and computes the checksum.
        builder
            .append_data(&mut header, path, data)
            .unwrap_or_else(|e| panic!("cannot add {path:?} to the layer: {e}"));
    }
    builder
        .into_inner()
        .expect("writing a tar into a Vec cannot fail")
}

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_layer_ids.rs)
// ---------------------------------------------------------------------------------------------

/// Compresses `data` with gzip, deterministically: no modification time (mtime 0), no file name
/// in the gzip header, default compression level.
///
/// Book: `07-layers/exercise.html#step-3-one-layer-two-names`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::default());
    encoder
        .write_all(data)
        .expect("writing into a Vec cannot fail");
    encoder.finish().expect("writing into a Vec cannot fail")
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

/// Compresses `tar` with [`gzip`] and returns both names of the layer and the blob's size.
///
/// Book: `07-layers/exercise.html#step-3-one-layer-two-names` and
/// `07-layers/index.html#digests-and-diff-ids`.
pub fn layer_ids(tar: &[u8]) -> LayerIds {
    let blob = gzip(tar);
    LayerIds {
        diff_id: sha256_digest(tar),
        digest: sha256_digest(&blob),
        size: blob.len() as u64,
    }
}

// ---------------------------------------------------------------------------------------------
// Step 4 (tests/step4_whiteout.rs)
// ---------------------------------------------------------------------------------------------

/// The whiteout path that deletes `path`: the same directory, the name prefixed with
/// [`WHITEOUT_PREFIX`]. A trailing slash (a directory) is ignored.
///
/// Book: `07-layers/exercise.html#step-4-whiteouts` and `07-layers/index.html#whiteouts`.
pub fn whiteout_for(path: &str) -> String {
    let path = path.trim_end_matches('/');
    let (dir, name) = split_parent(path);
    format!("{dir}{WHITEOUT_PREFIX}{name}")
}

/// A deletion layer: an uncompressed tar (built like [`tar_layer`]) holding one empty whiteout
/// file for each of `paths`.
///
/// Book: `07-layers/exercise.html#step-4-whiteouts`.
pub fn deletion_layer(paths: &[&str]) -> Vec<u8> {
    let whiteouts: Vec<String> = paths.iter().map(|path| whiteout_for(path)).collect();
    let files: Vec<(&str, &[u8])> = whiteouts.iter().map(|w| (w.as_str(), &[][..])).collect();
    tar_layer(&files)
}

/// Splits `"a/b/c"` into `("a/b/", "c")` and `"c"` into `("", "c")`.
fn split_parent(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => path.split_at(i + 1),
        None => ("", path),
    }
}

// ---------------------------------------------------------------------------------------------
// Step 5 (tests/step5_apply.rs)
// ---------------------------------------------------------------------------------------------

/// Stacks uncompressed tar layers, lowest first, into the merged view a container sees: a map
/// from file path to contents, regular files only. `.wh.NAME` deletes NAME (file or directory)
/// from the lower layers, `.wh..wh..opq` hides everything the lower layers put in its
/// directory, and whiteouts never affect files of their own layer.
///
/// Panics if a layer is not a valid tar archive.
///
/// Book: `07-layers/exercise.html#step-5-the-merged-view` and `07-layers/index.html#whiteouts`.
pub fn apply_layers(layers: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>> {
    let mut view = BTreeMap::new();
    for (n, layer) in layers.iter().enumerate() {
        // Whiteouts act on the view as the lower layers left it, so apply them as they come and
        // keep this layer's own entries aside until the whole archive has been read.
        let mut added: Vec<(String, Added)> = Vec::new();
        let mut archive = Archive::new(layer.as_slice());
        let entries = archive
            .entries()
            .unwrap_or_else(|e| panic!("layer {n} is not a valid tar: {e}"));
        for entry in entries {
            let mut entry = entry.unwrap_or_else(|e| panic!("layer {n} is not a valid tar: {e}"));
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let path = raw
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string();
            let (dir, name) = split_parent(&path);

            if name == OPAQUE_WHITEOUT {
                remove_below(&mut view, dir);
            } else if let Some(target) = name.strip_prefix(WHITEOUT_PREFIX) {
                let target = format!("{dir}{target}");
                view.remove(&target);
                remove_below(&mut view, &format!("{target}/"));
            } else if entry.header().entry_type().is_file() {
                let mut contents = Vec::new();
                entry
                    .read_to_end(&mut contents)
                    .unwrap_or_else(|e| panic!("layer {n}: cannot read {path:?}: {e}"));
                added.push((path, Added::File(contents)));
            } else if path.is_empty() {
                // The archive's root, `./`: nothing to add.
            } else if entry.header().entry_type().is_dir() {
                added.push((path, Added::Dir));
            } else {
                added.push((path, Added::Other));
            }
        }
        for (path, what) in added {
            // A directory merges with a lower one, and hides only a lower file of its name;
            // anything else takes the path over, whatever a lower layer had at or below it.
            if !matches!(what, Added::Dir) {
                remove_below(&mut view, &format!("{path}/"));
            }
            view.remove(&path);
            if let Added::File(contents) = what {
                view.insert(path, contents);
            }
        }
    }
    view
}

/// What a layer adds at a path, kept aside until its whiteouts have been applied.
enum Added {
    File(Vec<u8>),
    Dir,
    /// A symlink, hard link or device: not a regular file, so not in the view, but it still
    /// replaces what the lower layers had at its path.
    Other,
}

/// Removes every path that starts with `prefix` (`"etc/"`, or `""` for everything).
fn remove_below(view: &mut BTreeMap<String, Vec<u8>>, prefix: &str) {
    let doomed: Vec<String> = view
        .range(prefix.to_string()..)
        .take_while(|(path, _)| path.starts_with(prefix))
        .map(|(path, _)| path.clone())
        .collect();
    for path in doomed {
        view.remove(&path);
    }
}

// ---------------------------------------------------------------------------------------------
// Step 6 (tests/step6_deletion_does_not_shrink.rs)
// ---------------------------------------------------------------------------------------------

/// What a registry stores and a pull moves for these compressed layer blobs: the sum of their
/// sizes in bytes.
///
/// Book: `07-layers/exercise.html#step-6-deleting-does-not-shrink-an-image` and
/// `07-layers/index.html#content-addressed-sharing`.
pub fn image_size(blobs: &[Vec<u8>]) -> u64 {
    blobs.iter().map(|blob| blob.len() as u64).sum()
}

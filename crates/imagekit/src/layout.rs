//! The OCI image layout on disk: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`.
//!
//! The blobs live in a [`BlobDir`], the same type the local store uses: every blob is verified
//! (size and digest) when it is read, and every write goes to a locked temporary file in
//! `blobs/sha256/`, is flushed and renamed into place, so a crash leaves either the old state or
//! the new one plus a leftover that the next write removes and `verify` reports.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::blobs::{write_atomic, BlobDir, Leftover};
use crate::descriptor::{Descriptor, Platform};
use crate::digest::{copy_large, Digest};
use crate::error::{Error, IoContext, Result};
use crate::image::{Image, Source};
use crate::index::Index;
use crate::layer::Limits;
use crate::raw::Raw;
use crate::walk::{walk, Node, Role};

pub use crate::verify::{unwrap_verify_error, VerifyingReader};

pub use crate::index::{resolve_in_index, REF_NAME};

#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
    blobs: BlobDir,
}

impl Layout {
    /// Create a new, empty layout at `root` (which must not exist or be an empty directory).
    pub fn create(root: &Path) -> Result<Layout> {
        if root.exists() && fs::read_dir(root).ctx(|| format!("reading {}", root.display()))?.next().is_some() {
            return Err(Error::InvalidLayout {
                path: root.display().to_string(),
                reason: "directory exists and is not empty".into(),
            });
        }
        let sha256 = root.join("blobs").join("sha256");
        let layout = Layout { root: root.to_path_buf(), blobs: BlobDir::create(root, &sha256)? };
        // index.json first and oci-layout last: a layout is only recognised once it is whole.
        layout.write_index(&Index::new(Vec::new()))?;
        write_atomic(&root.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        Ok(layout)
    }

    /// Open an existing layout, checking its `oci-layout` marker.
    pub fn open(root: &Path) -> Result<Layout> {
        let invalid = |reason: String| Error::InvalidLayout { path: root.display().to_string(), reason };
        let marker = fs::read(root.join("oci-layout")).map_err(|e| invalid(format!("cannot read oci-layout: {e}")))?;
        let marker: serde_json::Value =
            serde_json::from_slice(&marker).map_err(|e| invalid(format!("oci-layout is not JSON: {e}")))?;
        match marker.get("imageLayoutVersion").and_then(|v| v.as_str()) {
            Some("1.0.0") => {
                let sha256 = root.join("blobs").join("sha256");
                Ok(Layout { root: root.to_path_buf(), blobs: BlobDir::at(root, &sha256) })
            }
            other => Err(invalid(format!("imageLayoutVersion is {other:?}, expected \"1.0.0\""))),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn blobs(&self) -> &BlobDir {
        &self.blobs
    }

    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blobs.path(digest)
    }

    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.blobs.has(digest)
    }

    /// Store bytes as a blob; returns its digest. Writing an existing blob is a no-op.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<Digest> {
        Ok(self.blobs.write_bytes("application/octet-stream", bytes)?.digest)
    }

    /// Store a blob produced by a writer (a layer being built); see [`BlobDir::write_with`].
    pub fn write_blob_with<T>(&self, produce: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<(Digest, u64, T)> {
        self.blobs.write_with(produce)
    }

    /// Hash a blob from disk and compare it with its descriptor, without keeping its bytes.
    pub fn check_blob(&self, desc: &Descriptor) -> Result<()> {
        crate::verify::drain(&mut self.blobs.open(desc)?, desc).map(|_| ())
    }

    /// Read a whole blob and verify it against its descriptor.
    pub fn read_blob(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        self.blobs.read(desc)
    }

    /// Open a blob for streaming; the reader fails at the end on a wrong size or digest.
    pub fn open_blob(&self, desc: &Descriptor) -> Result<VerifyingReader<fs::File>> {
        self.blobs.open(desc)
    }

    pub fn index(&self) -> Result<Raw<Index>> {
        let path = self.root.join("index.json");
        let size = fs::metadata(&path).ctx(|| format!("reading {}", path.display()))?.len();
        if size > crate::image::MAX_DOCUMENT_SIZE {
            return Err(Error::InvalidLayout {
                path: self.root.display().to_string(),
                reason: format!("index.json is {size} bytes, over the 4 MiB limit for documents"),
            });
        }
        let bytes = fs::read(&path).ctx(|| format!("reading {}", path.display()))?;
        Index::parse(bytes)
    }

    pub fn write_index(&self, index: &Index) -> Result<()> {
        let raw = Raw::encode(index.clone());
        write_atomic(&self.root.join("index.json"), raw.bytes())
    }

    /// Point `tag` at `desc` in index.json, replacing an entry with the same tag.
    pub fn set_tag(&self, tag: &str, mut desc: Descriptor) -> Result<()> {
        check_tag(tag)?;
        let mut index = self.index()?.value;
        index.manifests.retain(|d| d.annotation(REF_NAME) != Some(tag));
        desc.annotations.get_or_insert_with(Default::default).insert(REF_NAME.to_string(), tag.to_string());
        index.manifests.push(desc);
        self.write_index(&index)
    }

    /// The tags in index.json, in order.
    pub fn tags(&self) -> Result<Vec<String>> {
        Ok(self.index()?.value.manifests.iter().filter_map(|d| d.annotation(REF_NAME).map(str::to_string)).collect())
    }

    /// The index.json entry for `tag`, or the only entry when `tag` is None.
    pub fn resolve(&self, tag: Option<&str>) -> Result<Descriptor> {
        resolve_in_index(&self.index()?.value, tag, &self.root.display().to_string())
    }

    /// This layout as an image source, at `tag` (or its only image).
    pub fn source(&self, tag: Option<&str>) -> LayoutSource {
        LayoutSource { layout: self.clone(), tag: tag.map(str::to_string) }
    }

    /// Load the image for `tag`, descending through a (nested) index to `platform`
    /// (default linux/amd64 when the entry is an index).
    pub fn image(&self, tag: Option<&str>, platform: Option<&Platform>) -> Result<Image> {
        Image::resolve(Rc::new(self.source(tag)), platform)
    }

    /// Apply an image's layers in order (with whiteouts) into a new directory `dest`; see
    /// [`crate::unpack::unpack`].
    pub fn unpack(&self, image: &Image, dest: &Path, limits: &Limits) -> Result<crate::apply::UnpackStats> {
        crate::unpack::unpack(image, dest, limits)
    }
}

/// A tag must be one safe line: it lands in index.json and in file names of archives.
pub fn check_tag(tag: &str) -> Result<()> {
    let bad = |reason: &str| Err(Error::InvalidReference { input: tag.to_string(), reason: reason.to_string() });
    if tag.is_empty() {
        return bad("a tag cannot be empty");
    }
    if tag.chars().any(|c| c.is_control()) {
        return bad("a tag cannot hold control characters (newlines, tabs)");
    }
    if tag.split('/').any(|part| part == ".." || part == ".") {
        return bad("a tag cannot hold `.` or `..` path components");
    }
    Ok(())
}

/// An OCI layout, at one tag, as an image [`Source`] (`oci:DIR[:TAG]`).
#[derive(Debug, Clone)]
pub struct LayoutSource {
    layout: Layout,
    tag: Option<String>,
}

impl LayoutSource {
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }
}

impl Source for LayoutSource {
    fn transport(&self) -> &'static str {
        "oci"
    }

    fn describe(&self) -> String {
        match &self.tag {
            Some(tag) => format!("oci:{}:{tag}", self.layout.root.display()),
            None => format!("oci:{}", self.layout.root.display()),
        }
    }

    fn top(&self) -> Result<Descriptor> {
        self.layout.resolve(self.tag.as_deref())
    }

    fn open_raw(&self, desc: &Descriptor) -> Result<Box<dyn Read + '_>> {
        Ok(Box::new(self.layout.blobs.open_raw(desc)?))
    }

    fn has(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.layout.blobs.has(&desc.digest))
    }
}

/// What `verify` found: counts of what it checked, and leftovers of interrupted writes.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct VerifyReport {
    pub indexes: usize,
    pub manifests: usize,
    pub configs: usize,
    pub layers: usize,
    pub bytes: u64,
    pub other_blobs: usize,
    /// Temporary files of writes that were killed: harmless, removed by the next write.
    pub leftovers: Vec<Leftover>,
}

impl Layout {
    /// Check everything reachable from index.json: every descriptor points at a blob of the
    /// right size and digest, manifests and configs parse, each layer's uncompressed SHA-256
    /// equals the config's diff_id. Then every other file under `blobs/` must be named by its
    /// content. Stops at the first problem, naming it.
    pub fn verify(&self, limits: &Limits) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let index = self.index()?;
        report.indexes += 1;
        let mut seen = std::collections::BTreeSet::new();
        let mut configs: std::collections::HashMap<Digest, Vec<Digest>> = Default::default();
        // The walk visits a manifest after its config and layers; layers are checked against
        // the config's diff_ids once the manifest (and so the pairing) is known.
        let mut read = |d: &Descriptor| self.blobs.read_document(d).map(Some);
        let mut pending_layers: Vec<(Descriptor, Digest, usize)> = Vec::new();
        let mut visit = |node: Node| -> Result<()> {
            let desc = node.descriptor().clone();
            seen.insert(desc.digest.clone());
            match node {
                Node::Index { .. } => {
                    report.indexes += 1;
                    report.bytes += desc.size;
                }
                Node::Manifest { manifest, .. } => {
                    report.manifests += 1;
                    report.bytes += desc.size;
                    let config = &manifest.value.config;
                    if crate::media::kind(&config.media_type) == crate::media::Kind::Config {
                        let parsed = crate::config::ImageConfig::parse(self.blobs.read_document(config)?)?;
                        let ids = parsed.value.rootfs.diff_ids;
                        if ids.len() != manifest.value.layers.len() {
                            return Err(Error::InvalidLayout {
                                path: self.root.display().to_string(),
                                reason: format!(
                                    "manifest {} lists {} layers but its config has {} diff_ids",
                                    desc.digest,
                                    manifest.value.layers.len(),
                                    ids.len()
                                ),
                            });
                        }
                        configs.insert(desc.digest.clone(), ids);
                    }
                }
                Node::Blob { role: Role::Config { .. }, .. } => {
                    report.configs += 1;
                    report.bytes += desc.size;
                    self.check_blob(&desc)?;
                }
                Node::Blob { role: Role::Layer { manifest, index }, .. } => {
                    report.layers += 1;
                    report.bytes += desc.size;
                    pending_layers.push((desc, manifest, index));
                }
                Node::Blob { role: Role::Other, .. } => {
                    report.other_blobs += 1;
                    report.bytes += desc.size;
                    self.check_blob(&desc)?;
                }
                Node::Missing { descriptor } => {
                    return Err(Error::MissingBlob { digest: descriptor.digest, what: descriptor.media_type })
                }
            }
            Ok(())
        };
        // index.json itself is not a blob: walk each of its entries.
        for entry in &index.value.manifests {
            walk(entry, &mut read, &|_| true, &mut visit)?;
        }
        for (desc, manifest, i) in pending_layers {
            let expected = configs.get(&manifest).map(|ids| ids[i].clone());
            self.check_layer(&desc, i, expected, limits)?;
        }
        let (blobs, others) = self.blobs.list()?;
        report.leftovers = self.blobs.leftovers()?;
        if let Some(stray) =
            others.iter().find(|o| !report.leftovers.iter().any(|l| l.path == o.path) && !is_live_tmp(&o.path))
        {
            return Err(Error::InvalidLayout {
                path: self.root.display().to_string(),
                reason: format!("stray file {}: not named by a digest", stray.path.display()),
            });
        }
        for (digest, size) in blobs.into_iter().filter(|(d, _)| !seen.contains(d)) {
            self.check_blob(&Descriptor::new("application/octet-stream", digest.clone(), size)).map_err(
                |e| match e {
                    Error::DigestMismatch { expected, actual, .. } => {
                        Error::DigestMismatch { what: format!("unreferenced blob {digest}"), expected, actual }
                    }
                    other => other,
                },
            )?;
            report.other_blobs += 1;
            report.bytes += size;
        }
        Ok(report)
    }

    /// Read one layer blob to its end: size and digest, then (for an image config) the diff_id.
    fn check_layer(&self, desc: &Descriptor, i: usize, expected: Option<Digest>, limits: &Limits) -> Result<()> {
        let mut blob = self.blobs.open(desc)?;
        let decoded = crate::layer::diff_id_of_blob(&mut blob, limits);
        // The gzip decoder stops at the end of its stream; drain the rest so the verifying reader
        // reaches its end (a flipped header byte decompresses fine but is another blob). A blob
        // that is not what its descriptor says explains any decoding error.
        crate::verify::drain(&mut blob, desc)?;
        let (diff_id, _) = decoded?;
        if let Some(expected) = expected {
            if expected != diff_id {
                return Err(Error::DigestMismatch {
                    what: format!("diff_id of layer {i} ({})", desc.digest),
                    expected,
                    actual: diff_id,
                });
            }
        }
        Ok(())
    }
}

/// A temporary file of a write in progress (held by a live writer) is not a stray.
fn is_live_tmp(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(crate::blobs::TMP_PREFIX))
}

/// Copy a reader into a new blob of `layout` (used when importing blobs from elsewhere).
pub fn import_blob(layout: &Layout, reader: impl Read) -> Result<(Digest, u64)> {
    let (digest, size, ()) = layout.write_blob_with(|out| {
        copy_large(reader, out).ctx(|| "copying a blob")?;
        Ok(())
    })?;
    Ok((digest, size))
}

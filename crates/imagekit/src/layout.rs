//! The OCI image layout on disk: `oci-layout`, `index.json`, `blobs/<alg>/<hex>`.
//!
//! Every blob is verified (size and digest) when it is read; every write goes to a temporary
//! file in the same directory, is flushed to disk and then renamed into place, so a crash leaves
//! either the old state or the new one, never a half-written blob under a digest's name.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::config::ImageConfig;
use crate::descriptor::{Descriptor, Platform};
use crate::digest::{copy_large, Digest, Sha256Reader};
use crate::error::{Error, IoContext, Result};
use crate::index::Index;
use crate::manifest::Manifest;
use crate::media::{self, Kind};
use crate::raw::Raw;

/// The annotation that carries a tag inside a layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

pub struct Layout {
    root: PathBuf,
}

/// One image resolved from a layout: the manifest and config with their exact bytes.
#[derive(Debug, Clone)]
pub struct Image {
    /// The descriptor that led here (from index.json or a nested index).
    pub descriptor: Descriptor,
    pub manifest: Raw<Manifest>,
    pub config: Raw<ImageConfig>,
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
        fs::create_dir_all(root.join("blobs").join("sha256")).ctx(|| format!("creating {}", root.display()))?;
        let layout = Layout { root: root.to_path_buf() };
        layout.write_file_atomic(Path::new("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        layout.write_index(&Index::new(Vec::new()))?;
        Ok(layout)
    }

    /// Open an existing layout, checking its `oci-layout` marker.
    pub fn open(root: &Path) -> Result<Layout> {
        let invalid = |reason: String| Error::InvalidLayout { path: root.display().to_string(), reason };
        let marker = fs::read(root.join("oci-layout")).map_err(|e| invalid(format!("cannot read oci-layout: {e}")))?;
        let marker: serde_json::Value =
            serde_json::from_slice(&marker).map_err(|e| invalid(format!("oci-layout is not JSON: {e}")))?;
        match marker.get("imageLayoutVersion").and_then(|v| v.as_str()) {
            Some("1.0.0") => Ok(Layout { root: root.to_path_buf() }),
            other => Err(invalid(format!("imageLayoutVersion is {other:?}, expected \"1.0.0\""))),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs").join(digest.algorithm().name()).join(digest.hex())
    }

    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.blob_path(digest).is_file()
    }

    /// Store bytes as a blob; returns its digest. Writing an existing blob is a no-op.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<Digest> {
        let digest = Digest::of_bytes(bytes);
        if !self.has_blob(&digest) {
            let rel = Path::new("blobs").join("sha256").join(digest.hex());
            self.write_file_atomic(&rel, bytes)?;
        }
        Ok(digest)
    }

    /// Store a blob produced by a writer (a layer being built): `produce` writes into a
    /// temporary file and returns its result; the file is then renamed to the digest of what
    /// was written. Nothing appears under a digest's name until it is complete.
    pub fn write_blob_with<T>(&self, produce: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<(Digest, u64, T)> {
        let dir = self.root.join("blobs").join("sha256");
        let tmp =
            tempfile::NamedTempFile::new_in(&dir).ctx(|| format!("creating a temporary file in {}", dir.display()))?;
        let mut hashing = crate::digest::Sha256Writer::new(io::BufWriter::with_capacity(1 << 20, tmp));
        let out = produce(&mut hashing)?;
        let (digest, size, buffered) = hashing.finish();
        let tmp = buffered.into_inner().map_err(|e| Error::io("flushing a blob", e.into_error()))?;
        tmp.as_file().sync_all().ctx(|| "syncing a blob to disk")?;
        let path = self.blob_path(&digest);
        tmp.persist(&path).map_err(|e| Error::io(format!("renaming a blob into {}", path.display()), e.error))?;
        Ok((digest, size, out))
    }

    /// Hash a blob from disk and compare it with its descriptor, without keeping its bytes.
    pub fn check_blob(&self, desc: &Descriptor) -> Result<()> {
        let mut reader = self.open_blob(desc)?;
        io::copy(&mut reader, &mut io::sink()).map_err(|e| unwrap_verify_error(e, desc))?;
        Ok(())
    }

    /// Read a whole blob and verify it against its descriptor.
    pub fn read_blob(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(desc.size.min(64 << 20) as usize);
        self.open_blob(desc)?.read_to_end(&mut bytes).map_err(|e| unwrap_verify_error(e, desc))?;
        Ok(bytes)
    }

    /// Open a blob for streaming. The reader fails (with an error naming expected and actual)
    /// at the end if the bytes do not match the descriptor's size and digest, so consumers
    /// must finish reading before committing what they derived from it.
    pub fn open_blob(&self, desc: &Descriptor) -> Result<VerifyingReader<fs::File>> {
        let path = self.blob_path(&desc.digest);
        let file = fs::File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => {
                Error::MissingBlob { digest: desc.digest.clone(), what: desc.media_type.clone() }
            }
            _ => Error::io(format!("opening {}", path.display()), e),
        })?;
        Ok(VerifyingReader::new(file, desc.clone()))
    }

    pub fn index(&self) -> Result<Raw<Index>> {
        let path = self.root.join("index.json");
        let bytes = fs::read(&path).ctx(|| format!("reading {}", path.display()))?;
        Index::parse(bytes)
    }

    pub fn write_index(&self, index: &Index) -> Result<()> {
        let raw = Raw::encode(index.clone());
        self.write_file_atomic(Path::new("index.json"), raw.bytes())
    }

    /// Point `tag` at `desc` in index.json, replacing an entry with the same tag.
    pub fn set_tag(&self, tag: &str, mut desc: Descriptor) -> Result<()> {
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
        let index = self.index()?.value;
        match tag {
            Some(tag) => {
                index.manifests.iter().find(|d| d.annotation(REF_NAME) == Some(tag)).cloned().ok_or_else(|| {
                    Error::NotFound(format!(
                        "tag {tag:?} in {} (tags: {})",
                        self.root.display(),
                        self.tags().unwrap_or_default().join(", ")
                    ))
                })
            }
            None => match index.manifests.as_slice() {
                [only] => Ok(only.clone()),
                [] => Err(Error::NotFound(format!("any image in {} (index.json is empty)", self.root.display()))),
                _ => Err(Error::NotFound(format!(
                    "a single image in {}: it holds several, choose one with --tag ({})",
                    self.root.display(),
                    self.tags()?.join(", ")
                ))),
            },
        }
    }

    /// Load the image for `tag`, descending through a (nested) index to `platform`
    /// (default linux/amd64 when the entry is an index).
    pub fn image(&self, tag: Option<&str>, platform: Option<&Platform>) -> Result<Image> {
        let mut desc = self.resolve(tag)?;
        let default_platform = Platform::parse("linux/amd64")?;
        let wanted = platform.unwrap_or(&default_platform);
        for _depth in 0..4 {
            match media::kind(&desc.media_type) {
                Kind::Index => {
                    let index = Index::parse(self.read_blob(&desc)?)?;
                    desc = index.value.select(wanted)?.clone();
                }
                Kind::Manifest => {
                    let manifest = Manifest::parse(self.read_blob(&desc)?)?;
                    let config = ImageConfig::parse(self.read_blob(&manifest.value.config)?)?;
                    return Ok(Image { descriptor: desc, manifest, config });
                }
                _ => {
                    return Err(Error::InvalidLayout {
                        path: self.root.display().to_string(),
                        reason: format!(
                            "{} has media type {:?}, not a manifest or index",
                            desc.digest, desc.media_type
                        ),
                    })
                }
            }
        }
        Err(Error::InvalidLayout {
            path: self.root.display().to_string(),
            reason: "indexes nested more than 4 deep".into(),
        })
    }

    fn write_file_atomic(&self, rel: &Path, bytes: &[u8]) -> Result<()> {
        let path = self.root.join(rel);
        let dir = path.parent().expect("layout files live in a directory");
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).ctx(|| format!("creating a temporary file in {}", dir.display()))?;
        tmp.write_all(bytes).ctx(|| format!("writing {}", path.display()))?;
        tmp.as_file().sync_all().ctx(|| format!("syncing {}", path.display()))?;
        tmp.persist(&path).map_err(|e| Error::io(format!("renaming into {}", path.display()), e.error))?;
        Ok(())
    }
}

impl Layout {
    /// Apply an image's layers in order (with whiteouts) into a new directory `dest`. Every
    /// blob is verified as it streams; on any error nothing is left at `dest`.
    pub fn unpack(
        &self,
        image: &Image,
        dest: &Path,
        limits: &crate::layer::Limits,
    ) -> Result<crate::apply::UnpackStats> {
        let mut unpacker = crate::apply::Unpacker::new(dest, limits)?;
        for layer in &image.manifest.value.layers {
            let blob = self.open_blob(layer)?;
            unpacker.apply(blob, &layer.digest.to_string()).map_err(|e| self.check_blob(layer).err().unwrap_or(e))?;
        }
        unpacker.finish()
    }
}

/// Wraps a blob reader; at end of stream checks size and digest against the descriptor and
/// turns a mismatch into an `io::Error` that carries the library's one-line message.
pub struct VerifyingReader<R> {
    inner: Option<Sha256Reader<io::Take<R>>>,
    desc: Descriptor,
}

impl<R: Read> VerifyingReader<R> {
    pub fn new(inner: R, desc: Descriptor) -> Self {
        // Read one byte past the declared size so an over-long blob is caught too.
        let limited = inner.take(desc.size.saturating_add(1));
        VerifyingReader { inner: Some(Sha256Reader::new(limited)), desc }
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(reader) = self.inner.as_mut() else { return Ok(0) };
        let n = reader.read(buf)?;
        if reader.bytes_read() > self.desc.size {
            let err = Error::SizeMismatch {
                what: format!("blob {}", self.desc.digest),
                expected: self.desc.size,
                actual: self.desc.size + 1,
            };
            return Err(io::Error::new(io::ErrorKind::InvalidData, err));
        }
        if n == 0 && !buf.is_empty() {
            let (actual, size, _) = self.inner.take().expect("checked above").finish();
            let what = format!("blob {}", self.desc.digest);
            if size != self.desc.size {
                let err = Error::SizeMismatch { what, expected: self.desc.size, actual: size };
                return Err(io::Error::new(io::ErrorKind::InvalidData, err));
            }
            if actual != self.desc.digest {
                let err = Error::DigestMismatch { what, expected: self.desc.digest.clone(), actual };
                return Err(io::Error::new(io::ErrorKind::InvalidData, err));
            }
        }
        Ok(n)
    }
}

/// Turn an io::Error from a [`VerifyingReader`] back into the library error it carries.
pub fn unwrap_verify_error(e: io::Error, desc: &Descriptor) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        return *e.into_inner().expect("checked").downcast::<Error>().expect("checked");
    }
    Error::io(format!("reading blob {}", desc.digest), e)
}

/// What `verify` found: counts of what it checked.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct VerifyReport {
    pub indexes: usize,
    pub manifests: usize,
    pub configs: usize,
    pub layers: usize,
    pub bytes: u64,
    pub other_blobs: usize,
}

impl Layout {
    /// Check everything reachable from index.json: every descriptor points at a blob of the
    /// right size and digest, manifests and configs parse, each layer's uncompressed SHA-256
    /// equals the config's diff_id. Stops at the first problem, naming it.
    pub fn verify(&self, limits: &crate::layer::Limits) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let index = self.index()?;
        report.indexes += 1;
        let mut seen = std::collections::BTreeSet::new();
        for desc in &index.value.manifests {
            self.verify_node(desc, limits, &mut report, &mut seen)?;
        }
        // Files under blobs/ must be named by their content, even unreferenced ones.
        for entry in fs::read_dir(self.root.join("blobs").join("sha256")).ctx(|| "listing blobs/sha256")? {
            let entry = entry.ctx(|| "listing blobs/sha256")?;
            let name = entry.file_name().to_string_lossy().to_string();
            let digest = Digest::parse(&format!("sha256:{name}")).map_err(|e| Error::InvalidLayout {
                path: self.root.display().to_string(),
                reason: format!("stray file blobs/sha256/{name}: {e}"),
            })?;
            if seen.contains(&digest) {
                continue;
            }
            let (actual, size) =
                Digest::of_reader(fs::File::open(entry.path()).ctx(|| format!("opening blob {name}"))?)
                    .ctx(|| format!("reading blob {name}"))?;
            if actual != digest {
                return Err(Error::DigestMismatch {
                    what: format!("unreferenced blob {digest}"),
                    expected: digest,
                    actual,
                });
            }
            report.other_blobs += 1;
            report.bytes += size;
        }
        Ok(report)
    }

    fn verify_node(
        &self,
        desc: &Descriptor,
        limits: &crate::layer::Limits,
        report: &mut VerifyReport,
        seen: &mut std::collections::BTreeSet<Digest>,
    ) -> Result<()> {
        if !seen.insert(desc.digest.clone()) {
            return Ok(());
        }
        match media::kind(&desc.media_type) {
            Kind::Index => {
                let index = Index::parse(self.read_blob(desc)?)?;
                report.indexes += 1;
                report.bytes += desc.size;
                for child in &index.value.manifests {
                    self.verify_node(child, limits, report, seen)?;
                }
            }
            Kind::Manifest => {
                let manifest = Manifest::parse(self.read_blob(desc)?)?;
                report.manifests += 1;
                report.bytes += desc.size;
                let config_bytes = self.read_blob(&manifest.value.config)?;
                report.bytes += manifest.value.config.size;
                let is_image_config = media::kind(&manifest.value.config.media_type) == Kind::Config;
                let diff_ids = if is_image_config {
                    report.configs += 1;
                    seen.insert(manifest.value.config.digest.clone());
                    Some(ImageConfig::parse(config_bytes)?.value.rootfs.diff_ids)
                } else {
                    None
                };
                if let Some(ids) = &diff_ids {
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
                }
                for (i, layer) in manifest.value.layers.iter().enumerate() {
                    if !seen.insert(layer.digest.clone()) {
                        continue;
                    }
                    report.layers += 1;
                    report.bytes += layer.size;
                    let mut blob = self.open_blob(layer)?;
                    let decoded = crate::layer::diff_id_of_blob(&mut blob, limits).and_then(|found| {
                        // The gzip decoder stops at the end of its stream; drain the rest so the
                        // verifying reader reaches EOF and checks size and digest (a flipped
                        // header byte decompresses fine but is still a different blob).
                        io::copy(&mut blob, &mut io::sink()).map_err(|e| unwrap_verify_error(e, layer))?;
                        Ok(found)
                    });
                    let (diff_id, _) = match decoded {
                        Ok(found) => found,
                        // A damaged blob usually surfaces as a gzip error first: report the
                        // blob's own mismatch when there is one, it is the real cause.
                        Err(layer_error) => return Err(self.check_blob(layer).err().unwrap_or(layer_error)),
                    };
                    if let Some(expected) = diff_ids.as_ref().map(|ids| &ids[i]) {
                        if *expected != diff_id {
                            return Err(Error::DigestMismatch {
                                what: format!("diff_id of layer {i} ({})", layer.digest),
                                expected: expected.clone(),
                                actual: diff_id,
                            });
                        }
                    }
                }
            }
            _ => {
                self.read_blob(desc)?;
                report.other_blobs += 1;
                report.bytes += desc.size;
            }
        }
        Ok(())
    }
}

/// Copy a reader into a new blob of `layout` (used when importing blobs from elsewhere).
pub fn import_blob(layout: &Layout, reader: impl Read) -> Result<(Digest, u64)> {
    let (digest, size, ()) = layout.write_blob_with(|out| {
        copy_large(reader, out).ctx(|| "copying a blob")?;
        Ok(())
    })?;
    Ok((digest, size))
}

//! The local content-addressed store: where `imagekit pull` puts images, as containerd's content
//! store and Docker's image store do.
//!
//! ```text
//! STORE/
//!   blobs/sha256/<hex>   every blob (index, manifest, config, layer), named by the SHA-256 of its bytes
//!   ingest/              temporary files of writes in progress; a killed pull leaves them here
//!   tags.json            reference → descriptor ("127.0.0.1:5000/web:1" → the manifest or index)
//!   lock                 flock: shared while a process uses the store, exclusive while it prunes
//!   tags.lock            flock: exclusive around each read-modify-write of tags.json
//! ```
//!
//! The promises, and how they are kept:
//!
//! - **A blob's name is its content.** [`Store::put`] streams into a temporary file under
//!   `ingest/`, hashing and counting on the way, and renames the file into `blobs/sha256/` only
//!   when size and digest match the descriptor. A process killed at any point leaves at worst a
//!   stray file in `ingest/`, never a wrong file under a digest's name. Reads verify again.
//! - **Stored once.** Two images that share base layers share the files: a pull asks
//!   [`Store::has`] first and fetches only what is missing.
//! - **Two processes at once.** Blob writes need no lock (same name ⇒ same bytes, and rename is
//!   atomic); `tags.json` is rewritten under `tags.lock`; [`Store::prune`] takes `lock`
//!   exclusively, so it never deletes a blob that a running pull has stored but not yet tagged.
//! - **Crash-safe tags.** `tags.json` is written to a temporary file, synced, and renamed.

mod usage;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::descriptor::Descriptor;
use crate::digest::{copy_large, Digest, Sha256Writer};
use crate::error::{Error, IoContext, Result};
use crate::layout::{unwrap_verify_error, VerifyingReader};

pub use usage::{BlobUse, ImageUsage, PruneReport, Usage, VerifyReport};

/// The environment variable that overrides the default store directory.
pub const STORE_ENV: &str = "IMAGEKIT_STORE";

/// Manifests and indexes larger than this are refused (the distribution registry's own limit).
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;

/// A local store, open for use. Holds a shared lock on `lock` for as long as it lives.
pub struct Store {
    root: PathBuf,
    lock: File,
}

/// The on-disk form of `tags.json`.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct TagsFile {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    tags: BTreeMap<String, Descriptor>,
}

impl Store {
    /// `$IMAGEKIT_STORE`, else `~/.local/share/imagekit/store` (XDG data home when set).
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os(STORE_ENV).filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(dir));
        }
        if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(data).join("imagekit").join("store"));
        }
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
        Some(PathBuf::from(home).join(".local/share/imagekit/store"))
    }

    /// Open the store at `root`, creating it if needed, and take the shared use lock.
    pub fn open(root: &Path) -> Result<Store> {
        for dir in [root.join("blobs").join("sha256"), root.join("ingest")] {
            fs::create_dir_all(&dir).ctx(|| format!("creating {}", dir.display()))?;
        }
        let lock_path = root.join("lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .ctx(|| format!("opening {}", lock_path.display()))?;
        lock.lock_shared().ctx(|| format!("locking {}", lock_path.display()))?;
        Ok(Store { root: root.to_path_buf(), lock })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob named `digest` lives (whether or not it is there).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs").join(digest.algorithm().name()).join(digest.hex())
    }

    /// Is the blob here? A file under a digest's name was verified before it got that name.
    pub fn has(&self, digest: &Digest) -> bool {
        self.blob_path(digest).is_file()
    }

    /// Stream `reader` into the store as the blob `expected` describes. Verifies size and digest
    /// on the way and renames into place only when both match; on any error nothing is left
    /// under the digest's name. Returns `false` (without reading) when the blob is already here.
    pub fn put(&self, expected: &Descriptor, reader: impl Read) -> Result<bool> {
        if self.has(&expected.digest) {
            return Ok(false);
        }
        let what = format!("blob {}", expected.digest);
        let ingest = self.root.join("ingest");
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{}-", expected.digest.short()))
            .tempfile_in(&ingest)
            .ctx(|| format!("creating a temporary file in {}", ingest.display()))?;
        let mut hashing = Sha256Writer::new(io::BufWriter::with_capacity(1 << 20, tmp));
        // One byte past the declared size is enough to know the blob is too long.
        copy_large(reader.take(expected.size.saturating_add(1)), &mut hashing)
            .map_err(|e| unwrap_verify_error(e, expected))?;
        let (actual, size, buffered) = hashing.finish();
        if size != expected.size {
            return Err(Error::SizeMismatch { what, expected: expected.size, actual: size });
        }
        if actual != expected.digest {
            return Err(Error::DigestMismatch { what, expected: expected.digest.clone(), actual });
        }
        let tmp = buffered.into_inner().map_err(|e| Error::io(format!("writing {what}"), e.into_error()))?;
        tmp.as_file().sync_all().ctx(|| format!("syncing {what}"))?;
        let path = self.blob_path(&expected.digest);
        tmp.persist(&path).map_err(|e| Error::io(format!("renaming {what} into place"), e.error))?;
        sync_dir(path.parent().expect("blobs live in a directory"));
        Ok(true)
    }

    /// [`Store::put`] for bytes already in memory (manifests, indexes, configs).
    pub fn put_bytes(&self, expected: &Descriptor, bytes: &[u8]) -> Result<bool> {
        expected.verify(&format!("blob {}", expected.digest), bytes)?;
        self.put(expected, bytes)
    }

    /// Open a blob for streaming; the reader fails at the end if size or digest differ.
    pub fn open_blob(&self, desc: &Descriptor) -> Result<VerifyingReader<File>> {
        let path = self.blob_path(&desc.digest);
        let file = File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => {
                Error::MissingBlob { digest: desc.digest.clone(), what: desc.media_type.clone() }
            }
            _ => Error::io(format!("opening {}", path.display()), e),
        })?;
        Ok(VerifyingReader::new(file, desc.clone()))
    }

    /// Read a whole blob, verified against its descriptor (for JSON documents; stream layers).
    pub fn read(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(desc.size.min(MAX_MANIFEST_SIZE) as usize);
        self.open_blob(desc)?.read_to_end(&mut bytes).map_err(|e| unwrap_verify_error(e, desc))?;
        Ok(bytes)
    }

    /// Read a document known only by its digest (a pull by digest): verified by digest, and
    /// refused above [`MAX_MANIFEST_SIZE`].
    pub fn read_by_digest(&self, digest: &Digest) -> Result<Vec<u8>> {
        let path = self.blob_path(digest);
        let size = fs::metadata(&path)
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => Error::MissingBlob { digest: digest.clone(), what: "document".into() },
                _ => Error::io(format!("reading {}", path.display()), e),
            })?
            .len();
        if size > MAX_MANIFEST_SIZE {
            return Err(Error::SizeMismatch {
                what: format!("document {digest} (the limit for manifests)"),
                expected: MAX_MANIFEST_SIZE,
                actual: size,
            });
        }
        self.read(&Descriptor::new("application/octet-stream", digest.clone(), size))
    }

    /// Every blob file: digest and size, sorted by digest. Files whose names are not digests are skipped.
    pub fn blobs(&self) -> Result<Vec<(Digest, u64)>> {
        let dir = self.root.join("blobs").join("sha256");
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).ctx(|| format!("listing {}", dir.display()))? {
            let entry = entry.ctx(|| format!("listing {}", dir.display()))?;
            let name = entry.file_name().to_string_lossy().to_string();
            if let Ok(digest) = Digest::parse(&format!("sha256:{name}")) {
                let size = entry.metadata().ctx(|| format!("reading {}", entry.path().display()))?.len();
                out.push((digest, size));
            }
        }
        out.sort();
        Ok(out)
    }

    /// All tags (references) and what they point to.
    pub fn tags(&self) -> Result<BTreeMap<String, Descriptor>> {
        Ok(self.read_tags()?.tags)
    }

    /// What `reference` (as recorded, e.g. `127.0.0.1:5000/web:1`) points to.
    pub fn resolve(&self, reference: &str) -> Result<Descriptor> {
        let tags = self.read_tags()?.tags;
        tags.get(reference).cloned().ok_or_else(|| {
            let known: Vec<&str> = tags.keys().map(String::as_str).collect();
            Error::NotFound(format!(
                "{reference:?} in the store at {} (it holds: {})",
                self.root.display(),
                if known.is_empty() { "nothing".to_string() } else { known.join(", ") }
            ))
        })
    }

    /// Point `reference` at `desc` (replacing what it pointed to). The blob must be here.
    pub fn tag(&self, reference: &str, desc: &Descriptor) -> Result<()> {
        if !self.has(&desc.digest) {
            return Err(Error::MissingBlob { digest: desc.digest.clone(), what: format!("tag target of {reference}") });
        }
        let mut clean = Descriptor::new(&desc.media_type, desc.digest.clone(), desc.size);
        clean.platform = desc.platform.clone();
        self.update_tags(|tags| {
            tags.insert(reference.to_string(), clean);
            Ok(())
        })
    }

    /// Remove a tag; returns what it pointed to. The blobs stay until [`Store::prune`].
    pub fn untag(&self, reference: &str) -> Result<Descriptor> {
        let root = self.root.display().to_string();
        let mut removed = None;
        self.update_tags(|tags| {
            removed = tags.remove(reference);
            match removed {
                Some(_) => Ok(()),
                None => Err(Error::NotFound(format!("{reference:?} in the store at {root}"))),
            }
        })?;
        Ok(removed.expect("set when Ok"))
    }

    fn read_tags(&self) -> Result<TagsFile> {
        let path = self.root.join("tags.json");
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::malformed(path.display().to_string(), e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(TagsFile { schema_version: 1, tags: BTreeMap::new() }),
            Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
        }
    }

    fn update_tags(&self, change: impl FnOnce(&mut BTreeMap<String, Descriptor>) -> Result<()>) -> Result<()> {
        let lock_path = self.root.join("tags.lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .ctx(|| format!("opening {}", lock_path.display()))?;
        lock.lock().ctx(|| format!("locking {}", lock_path.display()))?;
        let mut file = self.read_tags()?;
        change(&mut file.tags)?;
        file.schema_version = 1;
        let mut bytes = serde_json::to_vec_pretty(&file).expect("plain data serializes");
        bytes.push(b'\n');
        write_atomic(&self.root.join("tags.json"), &bytes)
        // `lock` is released when it drops.
    }

    /// Hold the exclusive lock while `f` runs: no other process is using the store meanwhile.
    fn exclusively<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let lock_path = self.root.join("lock");
        self.lock.lock().ctx(|| format!("locking {} exclusively", lock_path.display()))?;
        let out = f();
        self.lock.lock_shared().ctx(|| format!("locking {}", lock_path.display()))?;
        out
    }
}

/// Write `bytes` to `path` through a synced temporary file in the same directory and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("a file in a directory");
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).ctx(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes).ctx(|| format!("writing {}", path.display()))?;
    tmp.as_file().sync_all().ctx(|| format!("syncing {}", path.display()))?;
    tmp.persist(path).map_err(|e| Error::io(format!("renaming into {}", path.display()), e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Make a rename durable: sync the directory that holds the new name. Best effort (some file
/// systems refuse to open directories for syncing); the rename itself is already atomic.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

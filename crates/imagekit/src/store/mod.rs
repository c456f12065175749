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
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::blobs::{write_atomic, BlobDir};
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::image::Source;
use crate::json::{self, Fields, FromJson, JsonError, Value};
use crate::verify::VerifyingReader;

pub use usage::{BlobUse, ImageUsage, PruneReport, Usage, VerifyReport};

/// The environment variable that overrides the default store directory.
pub const STORE_ENV: &str = "IMAGEKIT_STORE";

/// Manifests and indexes larger than this are refused (the distribution registry's own limit).
pub const MAX_MANIFEST_SIZE: u64 = crate::image::MAX_DOCUMENT_SIZE;

/// A local store, open for use. Holds a shared lock on `lock` for as long as it lives.
pub struct Store {
    root: PathBuf,
    lock: File,
    blobs: BlobDir,
}

/// The on-disk form of `tags.json`.
#[derive(Debug, Default, serde::Serialize)]
struct TagsFile {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    tags: BTreeMap<String, Descriptor>,
}

impl FromJson for TagsFile {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        let file = TagsFile { schema_version: f.required("schemaVersion")?, tags: f.required("tags")? };
        f.rest()?;
        Ok(file)
    }
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
        let blobs = BlobDir::create(root, &root.join("ingest"))?;
        let lock_path = root.join("lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&lock_path)
            .ctx(|| format!("opening {}", lock_path.display()))?;
        lock.lock_shared().ctx(|| format!("locking {}", lock_path.display()))?;
        Ok(Store { root: root.to_path_buf(), lock, blobs })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Remove what killed writes left in `ingest/` (files no live process holds). Every writer
    /// calls it first, so leftovers never pile up until a prune; `verify` reports them.
    pub fn clean_leftovers(&self) -> Result<Vec<crate::blobs::Leftover>> {
        self.blobs.clean_leftovers()
    }

    /// The blob directory (shared in kind with OCI layouts).
    pub fn blob_dir(&self) -> &BlobDir {
        &self.blobs
    }

    /// Where the blob named `digest` lives (whether or not it is there).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blobs.path(digest)
    }

    /// Is the blob here? A file under a digest's name was verified before it got that name.
    pub fn has(&self, digest: &Digest) -> bool {
        self.blobs.has(digest)
    }

    /// Stream `reader` into the store as the blob `expected` describes; see [`BlobDir::put`].
    /// Returns `false` (without reading) when the blob is already here.
    pub fn put(&self, expected: &Descriptor, reader: impl Read) -> Result<bool> {
        self.blobs.put(expected, reader)
    }

    /// [`Store::put`] for bytes already in memory (manifests, indexes, configs).
    pub fn put_bytes(&self, expected: &Descriptor, bytes: &[u8]) -> Result<bool> {
        self.blobs.put_bytes(expected, bytes)
    }

    /// Open a blob for streaming; the reader fails at the end if size or digest differ.
    pub fn open_blob(&self, desc: &Descriptor) -> Result<VerifyingReader<File>> {
        self.blobs.open(desc)
    }

    /// Read a whole blob, verified against its descriptor (for JSON documents; stream layers).
    pub fn read(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        self.blobs.read_document(desc)
    }

    /// Read a document known only by its digest (a pull by digest): verified by digest, and
    /// refused above [`MAX_MANIFEST_SIZE`].
    pub fn read_by_digest(&self, digest: &Digest) -> Result<Vec<u8>> {
        self.blobs.read_by_digest(digest)
    }

    /// Every blob file: digest and size, sorted by digest. Files whose names are not digests are skipped.
    pub fn blobs(&self) -> Result<Vec<(Digest, u64)>> {
        Ok(self.blobs.list()?.0)
    }

    /// An image source at `reference` (as recorded, e.g. `127.0.0.1:5000/web:1`).
    pub fn source(self: &std::rc::Rc<Self>, reference: &str) -> StoreSource {
        StoreSource { store: std::rc::Rc::clone(self), reference: reference.to_string() }
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
            Ok(bytes) => json::from_slice(&bytes).map_err(|e| Error::malformed(path.display().to_string(), e)),
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

/// An image in the store, by the reference it was pulled as (`store:REF`).
pub struct StoreSource {
    store: std::rc::Rc<Store>,
    reference: String,
}

impl StoreSource {
    pub fn reference(&self) -> &str {
        &self.reference
    }
}

impl Source for StoreSource {
    fn transport(&self) -> &'static str {
        "store"
    }

    fn describe(&self) -> String {
        format!("store:{} (the local store at {})", self.reference, self.store.root.display())
    }

    fn top(&self) -> Result<Descriptor> {
        self.store.resolve(&self.reference)
    }

    fn open_raw(&self, desc: &Descriptor) -> Result<Box<dyn Read + '_>> {
        Ok(Box::new(self.store.blobs.open_raw(desc)?))
    }

    fn has(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.store.blobs.has(&desc.digest))
    }
}

//! A content-addressed blob directory: `blobs/<alg>/<hex>`, the part an OCI image layout and the
//! local store share.
//!
//! - **A blob's name is its content.** Writes stream into a temporary file, hashing and counting
//!   on the way, and are renamed under the digest's name only when size and digest match.
//! - **Interrupted writes are found and cleaned.** A writer holds an exclusive `flock` on its
//!   temporary file for as long as it writes; a temporary file nobody holds is the leftover of a
//!   killed process. [`BlobDir::leftovers`] lists them (verify reports them) and every writer
//!   removes them before it starts ([`BlobDir::clean_leftovers`]).
//! - **Only regular files are blobs.** A FIFO, device, directory or symlink under a digest's name
//!   is refused with a clear error instead of hanging a reader or following a link out.
//! - Files are created with mode 0666 less the umask, so a store shared by a group stays readable.

use std::fs::{self, File, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::descriptor::Descriptor;
use crate::digest::{copy_large, Algorithm, Digest, InvalidDigest, Sha256Writer};
use crate::error::{Error, IoContext, Result};
use crate::image::check_document_size;
use crate::verify::{unwrap_verify_error, VerifyingReader};

/// The prefix of temporary files in [`BlobDir::tmp_dir`].
pub const TMP_PREFIX: &str = ".tmp-";

#[derive(Debug, Clone)]
pub struct BlobDir {
    /// The directory holding `blobs/` (a layout's or store's root).
    root: PathBuf,
    /// Where writes in progress live: on the same file system, so the final rename is atomic.
    tmp: PathBuf,
}

/// Every blob (digest, size) and every other file, as [`BlobDir::list`] finds them.
pub type Listing = (Vec<(Digest, u64)>, Vec<Leftover>);

/// A file that is not a blob: a temporary file of an interrupted write, or a stray.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Leftover {
    pub path: PathBuf,
    pub size: u64,
}

impl BlobDir {
    /// `root/blobs/sha256`, with writes in progress in `tmp` (created if needed).
    pub fn create(root: &Path, tmp: &Path) -> Result<BlobDir> {
        let dir = BlobDir { root: root.to_path_buf(), tmp: tmp.to_path_buf() };
        for d in [dir.sha256_dir(), dir.tmp.clone()] {
            fs::create_dir_all(&d).ctx(|| format!("creating {}", d.display()))?;
        }
        Ok(dir)
    }

    /// An existing blob directory (nothing is created).
    pub fn at(root: &Path, tmp: &Path) -> BlobDir {
        BlobDir { root: root.to_path_buf(), tmp: tmp.to_path_buf() }
    }

    pub fn sha256_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }

    pub fn tmp_dir(&self) -> &Path {
        &self.tmp
    }

    /// Where the blob named `digest` lives (whether or not it is there).
    pub fn path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs").join(digest.algorithm().name()).join(digest.hex())
    }

    /// Is the blob here, as a regular file? A file under a digest's name was verified before it
    /// got that name (and is verified again when read).
    pub fn has(&self, digest: &Digest) -> bool {
        fs::symlink_metadata(self.path(digest)).is_ok_and(|m| m.file_type().is_file())
    }

    /// Open a blob's file, unverified; only a regular file is a blob.
    pub fn open_raw(&self, desc: &Descriptor) -> Result<File> {
        if desc.digest.algorithm() != Algorithm::Sha256 {
            return Err(Error::InvalidDigest(InvalidDigest {
                input: desc.digest.to_string(),
                reason: format!("{} is not supported: imagekit reads sha256 blobs", desc.digest.algorithm().name()),
            }));
        }
        let path = self.path(&desc.digest);
        let missing = || Error::MissingBlob { digest: desc.digest.clone(), what: desc.media_type.clone() };
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_file() => {}
            Ok(meta) => {
                let kind = if meta.file_type().is_symlink() { "a symlink" } else { "not a regular file" };
                return Err(Error::io(
                    format!("opening {}", path.display()),
                    io::Error::new(io::ErrorKind::InvalidData, format!("{kind}, so not a blob")),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(missing()),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        }
        File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => missing(),
            _ => Error::io(format!("opening {}", path.display()), e),
        })
    }

    /// Open a blob for streaming; the reader fails at the end if size or digest differ.
    pub fn open(&self, desc: &Descriptor) -> Result<VerifyingReader<File>> {
        Ok(VerifyingReader::new(self.open_raw(desc)?, desc.clone()))
    }

    /// Is the blob here and does it still hash to its name? (A file can be damaged on disk
    /// after it was verified and named.)
    pub fn is_intact(&self, desc: &Descriptor) -> bool {
        self.open(desc).is_ok_and(|mut reader| crate::verify::drain(&mut reader, desc).is_ok())
    }

    /// Read a whole blob, verified against its descriptor.
    pub fn read(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(desc.size.min(64 << 20) as usize);
        self.open(desc)?.read_to_end(&mut bytes).map_err(|e| unwrap_verify_error(e, desc))?;
        Ok(bytes)
    }

    /// Read a JSON document, verified, refusing one over [`MAX_DOCUMENT_SIZE`] unread.
    pub fn read_document(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        check_document_size(desc)?;
        self.read(desc)
    }

    /// Read a document known only by its digest (a pull by digest from the store).
    pub fn read_by_digest(&self, digest: &Digest) -> Result<Vec<u8>> {
        let path = self.path(digest);
        let size = fs::symlink_metadata(&path)
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => Error::MissingBlob { digest: digest.clone(), what: "document".into() },
                _ => Error::io(format!("reading {}", path.display()), e),
            })?
            .len();
        self.read_document(&Descriptor::new("application/octet-stream", digest.clone(), size))
    }

    /// Stream `reader` in as the blob `expected` describes: verified on the way, renamed into
    /// place only when size and digest match. Returns `false` (reading nothing) when present.
    pub fn put(&self, expected: &Descriptor, reader: impl Read) -> Result<bool> {
        if self.has(&expected.digest) {
            return Ok(false);
        }
        let what = format!("blob {}", expected.digest);
        let (actual, size, tmp, ()) = self.write_tmp(|out| {
            // One byte past the declared size is enough to know the blob is too long.
            copy_large(reader.take(expected.size.saturating_add(1)), out)
                .map_err(|e| unwrap_verify_error(e, expected))?;
            Ok(())
        })?;
        if size != expected.size {
            return Err(Error::SizeMismatch { what, expected: expected.size, actual: size });
        }
        if actual != expected.digest {
            return Err(Error::DigestMismatch { what, expected: expected.digest.clone(), actual });
        }
        self.persist(tmp, &actual)?;
        Ok(true)
    }

    /// [`BlobDir::put`] for bytes already in memory (manifests, indexes, configs).
    pub fn put_bytes(&self, expected: &Descriptor, bytes: &[u8]) -> Result<bool> {
        expected.verify(&format!("blob {}", expected.digest), bytes)?;
        self.put(expected, bytes)
    }

    /// Store bytes as a blob; returns its descriptor under `media_type`.
    pub fn write_bytes(&self, media_type: &str, bytes: &[u8]) -> Result<Descriptor> {
        let desc = Descriptor::for_bytes(media_type, bytes);
        self.put(&desc, bytes)?;
        Ok(desc)
    }

    /// Store a blob whose digest is not known ahead (a layer being built): `produce` writes into
    /// a temporary file; the file is then renamed to the digest of what was written.
    pub fn write_with<T>(&self, produce: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<(Digest, u64, T)> {
        let (digest, size, tmp, out) = self.write_tmp(produce)?;
        if self.has(&digest) {
            // Same name, same bytes: keep the one already in place.
            return Ok((digest, size, out));
        }
        self.persist(tmp, &digest)?;
        Ok((digest, size, out))
    }

    fn write_tmp<T>(
        &self,
        produce: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<(Digest, u64, tempfile::NamedTempFile, T)> {
        let tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .permissions(Permissions::from_mode(0o666))
            .tempfile_in(&self.tmp)
            .ctx(|| format!("creating a temporary file in {}", self.tmp.display()))?;
        // Held until the file is renamed or removed: a leftover nobody holds is a dead write's.
        tmp.as_file().lock().ctx(|| format!("locking {}", tmp.path().display()))?;
        let mut hashing = Sha256Writer::new(io::BufWriter::with_capacity(1 << 20, tmp));
        let out = produce(&mut hashing)?;
        let (digest, size, buffered) = hashing.finish();
        let tmp = buffered.into_inner().map_err(|e| Error::io("writing a blob", e.into_error()))?;
        tmp.as_file().sync_all().ctx(|| "syncing a blob to disk")?;
        Ok((digest, size, tmp, out))
    }

    fn persist(&self, tmp: tempfile::NamedTempFile, digest: &Digest) -> Result<()> {
        let path = self.path(digest);
        tmp.persist(&path).map_err(|e| Error::io(format!("renaming blob {digest} into place"), e.error))?;
        sync_dir(path.parent().expect("blobs live in a directory"));
        Ok(())
    }

    /// Every blob: digest and size, sorted by digest, plus the files that are not blobs
    /// (temporary files of interrupted writes, strays) as leftovers.
    pub fn list(&self) -> Result<Listing> {
        let dir = self.sha256_dir();
        let mut blobs = Vec::new();
        let mut others = Vec::new();
        for entry in fs::read_dir(&dir).ctx(|| format!("listing {}", dir.display()))? {
            let entry = entry.ctx(|| format!("listing {}", dir.display()))?;
            let meta = fs::symlink_metadata(entry.path()).ctx(|| format!("reading {}", entry.path().display()))?;
            let name = entry.file_name().to_string_lossy().to_string();
            match Digest::parse(&format!("sha256:{name}")) {
                Ok(digest) if meta.file_type().is_file() => blobs.push((digest, meta.len())),
                _ => others.push(Leftover { path: entry.path(), size: meta.len() }),
            }
        }
        blobs.sort();
        others.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((blobs, others))
    }

    /// Temporary files of writes that were interrupted (no live process holds them).
    pub fn leftovers(&self) -> Result<Vec<Leftover>> {
        let mut out = Vec::new();
        let entries = match fs::read_dir(&self.tmp) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::io(format!("listing {}", self.tmp.display()), e)),
        };
        // A dedicated directory (the store's ingest/) holds nothing but writes in progress; in a
        // layout the temporary files sit beside the blobs and are told apart by their prefix.
        let shared_with_blobs = self.tmp == self.sha256_dir();
        for entry in entries {
            let entry = entry.ctx(|| format!("listing {}", self.tmp.display()))?;
            if shared_with_blobs && !entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                continue;
            }
            let Ok(file) = File::open(entry.path()) else { continue };
            // A live writer holds the lock; taking it means the writer is gone.
            if file.try_lock().is_ok() {
                let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                out.push(Leftover { path: entry.path(), size });
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Remove the leftovers of interrupted writes; returns what was removed.
    pub fn clean_leftovers(&self) -> Result<Vec<Leftover>> {
        let found = self.leftovers()?;
        for leftover in &found {
            match fs::remove_file(&leftover.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(Error::io(format!("removing {}", leftover.path.display()), e))
                }
                _ => {}
            }
        }
        Ok(found)
    }
}

/// Write `bytes` to `path` through a synced temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("a file in a directory");
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .ctx(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes).ctx(|| format!("writing {}", path.display()))?;
    tmp.as_file().sync_all().ctx(|| format!("syncing {}", path.display()))?;
    tmp.persist(path).map_err(|e| Error::io(format!("renaming into {}", path.display()), e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Make a rename durable: sync the directory that holds the new name. Best effort (some file
/// systems refuse to open directories for syncing); the rename itself is already atomic.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

//! The tar underneath an archive: one pass over its headers records where each file's bytes
//! are, and files are then read by offset, never extracted.

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, IoContext, Result};
use crate::image::MAX_DOCUMENT_SIZE;

/// Entries an archive may hold: far above any real `docker save` (a few per layer).
const MAX_ARCHIVE_ENTRIES: usize = 100_000;

/// Bytes that can be read at any offset: a file on disk, or (in the browser's explorer) a
/// `File` the page reads in slices. Archives are read through this, never extracted.
pub trait RandomAccess {
    /// Read into `buf` from `offset`; 0 only at the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(feature = "fs")]
impl RandomAccess for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
    fn len(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }
}

impl RandomAccess for Vec<u8> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = (offset as usize).min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
    fn len(&self) -> u64 {
        self.len() as u64
    }
}

/// Where each file of a tar lives: offset of its first byte and its size.
pub(super) struct TarIndex {
    bytes: Box<dyn RandomAccess>,
    /// Keeps a spooled copy of standard input alive (and removes it when dropped).
    #[cfg(feature = "fs")]
    _spool: Option<tempfile::TempPath>,
    pub(super) name: String,
    files: HashMap<String, (u64, u64)>,
}

impl TarIndex {
    pub(super) fn new(bytes: Box<dyn RandomAccess>, name: &str) -> Result<TarIndex> {
        let files = index_tar(&*bytes, name)?;
        Ok(TarIndex {
            bytes,
            #[cfg(feature = "fs")]
            _spool: None,
            name: name.to_string(),
            files,
        })
    }

    /// A path on disk, or `-` for standard input (copied to a temporary file first).
    #[cfg(feature = "fs")]
    pub(super) fn open(path: &str) -> Result<TarIndex> {
        if path == "-" {
            let mut tmp = tempfile::NamedTempFile::new().ctx(|| "creating a temporary file for standard input")?;
            io::copy(&mut io::stdin().lock(), &mut tmp).ctx(|| "reading the archive from standard input")?;
            let (file, spool) = tmp.into_parts();
            let mut index = TarIndex::new(Box::new(file), "standard input")?;
            index._spool = Some(spool);
            return Ok(index);
        }
        let file = std::fs::File::open(path).ctx(|| format!("opening {path}"))?;
        if !file.metadata().ctx(|| format!("reading {path}"))?.is_file() {
            return Err(Error::io(format!("opening {path}"), io::Error::other("not a regular file")));
        }
        TarIndex::new(Box::new(file), path)
    }

    pub(super) fn bad(&self, reason: impl Into<String>) -> Error {
        Error::InvalidLayout { path: self.name.clone(), reason: reason.into() }
    }

    pub(super) fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    pub(super) fn open_file(&self, path: &str) -> Option<Slice<'_>> {
        let &(start, len) = self.files.get(path)?;
        Some(Slice { bytes: &*self.bytes, pos: start, end: start + len })
    }

    pub(super) fn size(&self, path: &str) -> Option<u64> {
        self.files.get(path).map(|&(_, len)| len)
    }

    /// A small file (JSON), read whole; refused above the document limit.
    pub(super) fn read_small(&self, path: &str) -> Result<Vec<u8>> {
        let size = self.size(path).ok_or_else(|| self.bad(format!("it has no {path}")))?;
        if size > MAX_DOCUMENT_SIZE {
            return Err(self.bad(format!("{path} is {size} bytes, over the 4 MiB limit for documents")));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        self.open_file(path).expect("present").read_to_end(&mut bytes).ctx(|| format!("reading {path}"))?;
        Ok(bytes)
    }
}

/// A cursor over [`RandomAccess`], so the tar reader can seek past file contents unread.
struct Cursor<'a> {
    bytes: &'a dyn RandomAccess,
    pos: u64,
}

impl Read for Cursor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.bytes.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Cursor<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let base = |b: u64, d: i64| b.checked_add_signed(d).ok_or_else(|| io::Error::other("seek out of range"));
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::Current(d) => base(self.pos, d)?,
            SeekFrom::End(d) => base(self.bytes.len(), d)?,
        };
        Ok(self.pos)
    }
}

/// Read every header once; symlinks and hardlinks to files inside the archive (classic
/// `docker save` links repeated layers) resolve to their target's bytes.
fn index_tar(bytes: &dyn RandomAccess, name: &str) -> Result<HashMap<String, (u64, u64)>> {
    let bad = |reason: String| Error::InvalidLayout { path: name.to_string(), reason };
    let mut archive = tar::Archive::new(Cursor { bytes, pos: 0 });
    let mut files = HashMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let entries = archive.entries_with_seek().map_err(|e| bad(format!("not a tar archive: {e}")))?;
    for (n, entry) in entries.enumerate() {
        if n >= MAX_ARCHIVE_ENTRIES {
            return Err(bad(format!("more than {MAX_ARCHIVE_ENTRIES} entries")));
        }
        let entry = entry.map_err(|e| bad(format!("not a readable tar archive: {e}")))?;
        let path = entry.path().map_err(|e| bad(format!("entry {n}: {e}")))?;
        let path = clean_path(&path.to_string_lossy());
        let kind = entry.header().entry_type();
        if kind.is_file() {
            if files.insert(path.clone(), (entry.raw_file_position(), entry.size())).is_some() {
                return Err(bad(format!("{path} appears twice")));
            }
        } else if kind.is_symlink() || kind.is_hard_link() {
            let target = entry.link_name().ok().flatten().map(|t| t.to_string_lossy().to_string()).unwrap_or_default();
            let target = if kind.is_symlink() {
                // Relative to the link's directory, as `docker save` writes `../<id>/layer.tar`.
                let dir = Path::new(&path).parent().map(|p| p.to_string_lossy().to_string()).unwrap_or_default();
                clean_path(&format!("{dir}/{target}"))
            } else {
                clean_path(&target)
            };
            links.push((path, target));
        }
    }
    // A truncated archive shows as a file whose bytes run past the end.
    let len = bytes.len();
    if let Some((path, _)) = files.iter().find(|(_, &(start, size))| start.saturating_add(size) > len) {
        return Err(bad(format!("truncated: {path} runs past the end of the archive")));
    }
    for (path, target) in links {
        if let Some(&found) = files.get(&target) {
            files.entry(path).or_insert(found);
        }
    }
    Ok(files)
}

/// `./blobs//sha256/x` → `blobs/sha256/x`; `a/../b` → `b` (never above the root).
pub(super) fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// A file's bytes inside the archive, read by offset (no shared cursor, so readers interleave).
pub(super) struct Slice<'a> {
    bytes: &'a dyn RandomAccess,
    pos: u64,
    end: u64,
}

impl Read for Slice<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min((self.end - self.pos) as usize);
        if want == 0 {
            return Ok(0);
        }
        let n = self.bytes.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the archive ends inside a file"));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

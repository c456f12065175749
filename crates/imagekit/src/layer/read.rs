//! Reading layer blobs safely.
//!
//! Everything downstream (the in-memory [`Tree`](crate::apply::Tree), unpacking to disk, the
//! `imagekit layers` counts) sees entries only through [`for_each_entry`], which has already:
//!
//! - detected gzip or plain tar from the first bytes;
//! - normalized paths (`./etc/` → `etc`) and refused absolute paths, `..`, duplicates, device
//!   nodes and absolute or `..` hardlink targets, naming the entry;
//! - classified whiteouts, so no one mistakes `.wh.NAME` for a file;
//! - capped the decompressed size and the compression ratio (a gzip bomb stops early);
//! - read the stream to its end, so a truncated stream or a wrong CRC is always an error, and
//!   the diff_id covers every byte.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

use tar::EntryType;

use super::normalize;
use crate::digest::{Digest, Sha256Reader};
use crate::error::{Error, Result};
use crate::whiteout::{self, Whiteout};

/// Bounds on what reading one layer may cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes the decompressed tar may have.
    pub max_uncompressed: u64,
    /// Most uncompressed bytes per compressed byte; checked only past [`Limits::RATIO_GRACE`],
    /// because small layers of zeros legitimately compress 1000:1.
    pub max_ratio: u64,
    /// Most entries in one layer.
    pub max_entries: u64,
}

impl Limits {
    /// Below this many uncompressed bytes the ratio is not checked.
    pub const RATIO_GRACE: u64 = 64 << 20;
}

impl Default for Limits {
    /// 8 GiB, 1000:1, a million entries: far beyond any real base image, far below a bomb.
    fn default() -> Self {
        Limits { max_uncompressed: 8 << 30, max_ratio: 1000, max_entries: 1_000_000 }
    }
}

/// What an entry is, once whiteouts are recognized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    /// `.wh.NAME`: [`LayerEntry::path`] is the path it deletes.
    Whiteout,
    /// `.wh..wh..opq`: [`LayerEntry::path`] is the directory made opaque (`""` = root).
    Opaque,
}

/// One validated entry of a layer, with a reader for a file's contents.
pub struct LayerEntry<'a> {
    /// Normalized path; for whiteouts, the path acted on (see [`EntryKind`]).
    pub path: String,
    /// The entry's own name, as written in the tar (for messages).
    pub name: String,
    pub kind: EntryKind,
    /// Permission bits (`& 0o7777`).
    pub mode: u32,
    /// Content bytes (files only; 0 otherwise).
    pub size: u64,
    pub uid: u64,
    pub gid: u64,
    /// Symlink target as stored, or the normalized layer path a hardlink points to.
    pub link: Option<String>,
    contents: &'a mut dyn Read,
}

impl LayerEntry<'_> {
    /// The file's contents (empty for other kinds). Unread contents are skipped.
    pub fn contents(&mut self) -> &mut dyn Read {
        &mut *self.contents
    }
}

impl Read for LayerEntry<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.contents.read(buf)
    }
}

/// What reading a whole layer established.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerSummary {
    /// SHA-256 of the uncompressed tar: compare with the config's diff_id.
    pub diff_id: Digest,
    pub uncompressed_size: u64,
    /// Bytes of the blob consumed (its size, since it is read to the end).
    pub compressed_size: u64,
    /// Entries seen, whiteouts included.
    pub entries: u64,
}

/// Read a layer blob (gzip or plain tar, by magic bytes) and call `f` with each validated entry,
/// in tar order. `layer_name` names the layer in errors (a digest, a file name, `#2`).
pub fn for_each_entry(
    blob: impl Read,
    layer_name: &str,
    limits: &Limits,
    mut f: impl FnMut(LayerEntry<'_>) -> Result<()>,
) -> Result<LayerSummary> {
    let stream = Stream::open(blob, layer_name, limits)?;
    let failure = Rc::clone(&stream.failure);
    let consumed = Rc::clone(&stream.consumed);
    let mut archive = tar::Archive::new(Sha256Reader::new(stream));
    let walked = walk(&mut archive, layer_name, limits, &mut f);
    // A stream-level failure (bomb, truncation) explains whatever error the tar reader or the
    // callback saw, so it wins.
    let take_failure = || failure.borrow_mut().take();
    let entries = match walked {
        Ok(n) => n,
        Err(e) => return Err(take_failure().unwrap_or(e)),
    };
    // Read past the end-of-archive blocks to the end of the stream: only then has gzip checked
    // its CRC, and only then does the hash cover the whole tar (padding included).
    let mut hashed = archive.into_inner();
    if let Err(e) = io::copy(&mut hashed, &mut io::sink()) {
        return Err(take_failure().unwrap_or_else(|| bad(layer_name, format!("reading past the end of the tar: {e}"))));
    }
    let (diff_id, uncompressed_size, _) = hashed.finish();
    Ok(LayerSummary { diff_id, uncompressed_size, compressed_size: consumed.get(), entries })
}

/// Decompress (if gzip) and hash, within `limits`: the diff_id and uncompressed size of a blob.
/// A decompression bomb is refused with [`Error::HostileLayer`] ("expands past N bytes").
pub fn diff_id_of_blob(blob: impl Read, limits: &Limits) -> Result<(Digest, u64)> {
    const NAME: &str = "(blob)";
    let stream = Stream::open(blob, NAME, limits)?;
    let failure = Rc::clone(&stream.failure);
    let mut hashed = Sha256Reader::new(stream);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match hashed.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(failure.borrow_mut().take().unwrap_or_else(|| bad(NAME, e.to_string()))),
        }
    }
    let (digest, n, _) = hashed.finish();
    Ok((digest, n))
}

fn hostile(layer: &str, reason: String) -> Error {
    Error::HostileLayer { layer: layer.to_string(), reason }
}

fn bad(layer: &str, reason: String) -> Error {
    Error::BadLayer { layer: layer.to_string(), reason }
}

/// Walk the tar entries; returns how many there were.
fn walk<R: Read>(
    archive: &mut tar::Archive<R>,
    layer: &str,
    limits: &Limits,
    f: &mut impl FnMut(LayerEntry<'_>) -> Result<()>,
) -> Result<u64> {
    let mut seen = HashSet::new();
    let mut count = 0u64;
    let entries = archive.entries().map_err(|e| bad(layer, format!("reading the tar: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(layer, format!("reading a tar header: {e}")))?;
        count += 1;
        if count > limits.max_entries {
            return Err(hostile(layer, format!("more than {} entries (limit max_entries)", limits.max_entries)));
        }
        let Some(meta) = inspect(&entry, layer, &mut seen)? else {
            continue;
        };
        let Meta { path, name, kind, link } = meta;
        let header = entry.header();
        let mode = header.mode().map_err(|e| bad(layer, format!("entry {name:?}: mode: {e}")))? & 0o7777;
        let uid = header.uid().map_err(|e| bad(layer, format!("entry {name:?}: uid: {e}")))?;
        let gid = header.gid().map_err(|e| bad(layer, format!("entry {name:?}: gid: {e}")))?;
        let size = if kind == EntryKind::File { entry.size() } else { 0 };
        f(LayerEntry { path, name, kind, mode, size, uid, gid, link, contents: &mut entry })?;
    }
    Ok(count)
}

struct Meta {
    path: String,
    name: String,
    kind: EntryKind,
    link: Option<String>,
}

/// Validate one entry's name, type and link. `None` for entries that carry nothing to apply
/// (the root directory, pax global headers, reserved whiteout names).
fn inspect<R: Read>(entry: &tar::Entry<'_, R>, layer: &str, seen: &mut HashSet<String>) -> Result<Option<Meta>> {
    let raw = entry.path_bytes();
    let name = match std::str::from_utf8(&raw) {
        Ok(s) => s.to_string(),
        Err(_) => return Err(bad(layer, format!("entry {:?}: path is not UTF-8", String::from_utf8_lossy(&raw)))),
    };
    let path = normalize(&name).map_err(|why| hostile(layer, format!("entry {name:?} {why}")))?;
    let entry_type = entry.header().entry_type();
    let mut kind = match entry_type {
        EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => EntryKind::File,
        EntryType::Directory => EntryKind::Dir,
        EntryType::Symlink => EntryKind::Symlink,
        EntryType::Link => EntryKind::Hardlink,
        EntryType::Char => return Err(hostile(layer, format!("entry {name:?} is a character device"))),
        EntryType::Block => return Err(hostile(layer, format!("entry {name:?} is a block device"))),
        EntryType::XGlobalHeader => return Ok(None),
        EntryType::Fifo => return Err(bad(layer, format!("entry {name:?} is a FIFO, which layers here cannot hold"))),
        other => return Err(bad(layer, format!("entry {name:?} has unsupported type {other:?}"))),
    };
    if path.is_empty() {
        // `./` itself: there is exactly one root, and a layer may not replace it with a file.
        return match kind {
            EntryKind::Dir => Ok(None),
            _ => Err(hostile(layer, format!("entry {name:?} replaces the root directory"))),
        };
    }
    // A marker is a leaf: `a/.wh.b/x` would put a whiteout name into the merged view.
    if let Some((parent, _)) = path.rsplit_once('/') {
        if parent.split('/').any(|c| c.starts_with(whiteout::PREFIX)) {
            return Err(hostile(layer, format!("entry {name:?} lies inside a whiteout marker")));
        }
    }
    if !seen.insert(path.clone()) {
        return Err(hostile(layer, format!("entry {name:?} appears twice in the layer")));
    }
    let mut target_path = path.clone();
    match whiteout::classify(&path) {
        Whiteout::None => {}
        Whiteout::Reserved => return Ok(None),
        Whiteout::Opaque(dir) => {
            kind = EntryKind::Opaque;
            target_path = dir;
        }
        Whiteout::Delete(target) => {
            // `.wh..` would delete the parent's parent: normalization never saw it as `..`.
            if target.rsplit('/').next().is_some_and(|n| n == "." || n == "..") {
                return Err(hostile(layer, format!("whiteout {name:?} names {target:?}, outside its directory")));
            }
            kind = EntryKind::Whiteout;
            target_path = target;
        }
    }
    let link = match kind {
        EntryKind::Symlink | EntryKind::Hardlink => {
            let raw = entry.link_name_bytes().unwrap_or_default();
            let text = std::str::from_utf8(&raw)
                .map_err(|_| bad(layer, format!("entry {name:?}: link target is not UTF-8")))?
                .to_string();
            if kind == EntryKind::Hardlink {
                let target = normalize(&text)
                    .map_err(|why| hostile(layer, format!("hardlink {name:?} → {text:?}: target {why}")))?;
                if target == path {
                    return Err(hostile(layer, format!("hardlink {name:?} points to itself")));
                }
                if target.is_empty() {
                    return Err(hostile(layer, format!("hardlink {name:?} points at the root directory")));
                }
                Some(target)
            } else {
                Some(text)
            }
        }
        _ => None,
    };
    Ok(Some(Meta { path: target_path, name, kind, link }))
}

/// The decompressed byte stream of a blob, with the limits enforced as bytes flow.
///
/// Errors inside `Read` can only be `io::Error`s, and the tar reader rewraps them; so the real
/// cause is parked in `failure` and picked up by whoever sees the error.
struct Stream<'a> {
    inner: Box<dyn Read + 'a>,
    gzip: bool,
    produced: u64,
    consumed: Rc<Cell<u64>>,
    limits: Limits,
    layer: String,
    failure: Rc<RefCell<Option<Error>>>,
}

impl<'a> Stream<'a> {
    fn open(blob: impl Read + 'a, layer: &str, limits: &Limits) -> Result<Stream<'a>> {
        let consumed = Rc::new(Cell::new(0));
        let mut input = Counted { inner: BufReader::with_capacity(256 << 10, blob), consumed: Rc::clone(&consumed) };
        let head = input.fill_buf().map_err(|e| Error::io(format!("reading layer {layer}"), e))?;
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            return Err(bad(layer, "zstd-compressed layers are not supported (only gzip and plain tar)".into()));
        }
        let inner: Box<dyn Read + 'a> = if gzip {
            // Multi-member, like `gzip -d` and Go: concatenated gzip members are one stream.
            Box::new(flate2::bufread::MultiGzDecoder::new(input))
        } else {
            Box::new(input)
        };
        Ok(Stream {
            inner,
            gzip,
            produced: 0,
            consumed,
            limits: limits.clone(),
            layer: layer.to_string(),
            failure: Rc::new(RefCell::new(None)),
        })
    }

    fn fail(&self, error: Error) -> io::Error {
        let message = error.to_string();
        *self.failure.borrow_mut() = Some(error);
        io::Error::other(message)
    }
}

impl Read for Stream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) if self.gzip && e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(self.fail(hostile(&self.layer, "truncated gzip stream".into())))
            }
            Err(e) if self.gzip && e.to_string().contains("checksum") => {
                return Err(self.fail(hostile(
                    &self.layer,
                    "gzip trailer CRC does not match the data (corrupt or altered blob)".into(),
                )))
            }
            Err(e) if self.gzip => return Err(self.fail(bad(&self.layer, format!("corrupt gzip stream: {e}")))),
            Err(e) => return Err(self.fail(Error::io(format!("reading layer {}", self.layer), e))),
        };
        self.produced += n as u64;
        let limits = &self.limits;
        if self.produced > limits.max_uncompressed {
            let why =
                format!("decompressed stream expands past {} bytes (limit max_uncompressed)", limits.max_uncompressed);
            return Err(self.fail(hostile(&self.layer, why)));
        }
        let consumed = self.consumed.get().max(1);
        if self.produced > Limits::RATIO_GRACE && self.produced / consumed > limits.max_ratio {
            let why = format!(
                "decompressed stream expands past {} bytes from {consumed} compressed bytes, more than {}:1 (limit max_ratio)",
                self.produced, limits.max_ratio
            );
            return Err(self.fail(hostile(&self.layer, why)));
        }
        Ok(n)
    }
}

/// Counts the bytes the decompressor actually consumed (not what was buffered ahead), so the
/// ratio check is exact.
struct Counted<R> {
    inner: BufReader<R>,
    consumed: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.set(self.consumed.get() + n as u64);
        Ok(n)
    }
}

impl<R: Read> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.consumed.set(self.consumed.get() + amt as u64);
        self.inner.consume(amt);
    }
}

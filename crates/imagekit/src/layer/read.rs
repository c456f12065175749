//! Reading layer blobs safely.
//!
//! Everything downstream (the in-memory [`Tree`](crate::apply::Tree), unpacking to disk, audit,
//! the `imagekit layers` counts) sees entries only through [`for_each_entry`], which has already:
//!
//! - detected gzip or plain tar from the first bytes (`stream`), capping the decompressed size
//!   and the compression ratio as bytes flow (a gzip bomb stops early);
//! - framed the tar exactly as Go's archive/tar does, refusing every header Go would read
//!   differently from GNU tar or Python (`frames`, `header`, `pax`);
//! - validated each entry (`check`): normalized paths within the length and depth limits, no
//!   absolute paths, `..`, duplicates, devices, sparse files, ids `chown` cannot set, empty
//!   symlink targets; whiteouts classified, so no one mistakes `.wh.NAME` for a file;
//! - read the stream to its end, so a truncated stream or a wrong CRC is always an error, and
//!   the diff_id covers every byte.
//!
//! Every limit is a field of [`Limits`]; every error names the layer and the entry.

use std::io::{self, Read};
use std::rc::Rc;

use super::check::Checker;
use super::fail::{bad, hostile};
use super::frames::{FrameError, Frames};
use super::stream::Stream;
use super::Limits;
use crate::digest::{Digest, Sha256Reader};
use crate::error::Result;

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
    let mut hashed = Sha256Reader::new(stream);
    let walked = walk(&mut Frames::new(&mut hashed, limits.max_extended_header), layer_name, limits, &mut f);
    // A stream-level failure (bomb, truncation) explains whatever error the framing or the
    // callback saw, so it wins.
    let take_failure = || failure.borrow_mut().take();
    let entries = match walked {
        Ok(n) => n,
        Err(e) => return Err(take_failure().unwrap_or(e)),
    };
    // Read past the end-of-archive blocks to the end of the stream: only then has gzip checked
    // its CRC, and only then does the hash cover the whole tar (padding included).
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

/// Walk the tar entries; returns how many there were (meta headers not counted).
fn walk(
    frames: &mut Frames<'_>,
    layer: &str,
    limits: &Limits,
    f: &mut impl FnMut(LayerEntry<'_>) -> Result<()>,
) -> Result<u64> {
    let mut checker = Checker::new(layer, limits);
    let mut count = 0u64;
    loop {
        let frame = match frames.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => return Ok(count),
            Err(FrameError::Hostile(why)) => return Err(hostile(layer, why)),
            Err(FrameError::Bad(why)) => return Err(bad(layer, why)),
            Err(FrameError::Io(e)) => return Err(bad(layer, format!("reading the tar: {e}"))),
        };
        count += 1;
        if count > limits.max_entries {
            return Err(hostile(layer, format!("more than {} entries (limit max_entries)", limits.max_entries)));
        }
        let Some(meta) = checker.check(&frame)? else {
            continue;
        };
        let mut data = frames.data();
        f(LayerEntry {
            path: meta.path,
            name: meta.name,
            kind: meta.kind,
            mode: meta.mode,
            size: meta.size,
            uid: meta.uid,
            gid: meta.gid,
            link: meta.link,
            contents: &mut data,
        })?;
    }
}

//! The entries of a tar stream, framed exactly as Go's archive/tar frames them (`Reader.next`).
//!
//! Framing is where readers desynchronize: how many data bytes follow a header decides where the
//! next header is, so one disagreement lets a layer show one reader a harmless file and another
//! a different stream altogether. The rules kept here, each Go's:
//!
//! - a PAX `x` header or a GNU `L`/`K` long name applies to the next entry only; `g` applies to
//!   nothing; a PAX `size` replaces the header's size;
//! - directories, links, devices and FIFOs carry no data, whatever their size field says;
//! - type `\0` with a name ending in `/` is a directory;
//! - two zero blocks end the archive; a zero block followed by a header is an error.
//!
//! And refused, because Go and GNU tar or Python read them differently: a non-zero size on a
//! data-less entry, two meta headers of one kind before an entry, a GNU long name together with a
//! PAX path, a meta header with no entry after it, every sparse form (GNU `S`, PAX
//! `GNU.sparse.*`), and whatever `header` and `pax` refuse. Meta headers are capped
//! (`max_extended_header`) before their data is read.

use std::io::{self, Read};

use super::header::{self, Header, BLOCK};
use super::pax::{self, Pax};

/// One entry, with its meta headers applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// `'0'` for a regular file (type `\0` is normalized), `'5'` a directory, and so on.
    pub typeflag: u8,
    pub name: Vec<u8>,
    pub linkname: Vec<u8>,
    /// Data bytes that follow (0 for data-less types).
    pub size: u64,
    pub mode: i64,
    pub uid: i64,
    pub gid: i64,
}

/// Why framing stopped: `Hostile` for what looks made to mislead, `Io` from the stream below.
#[derive(Debug)]
pub(crate) enum FrameError {
    Hostile(String),
    Bad(String),
    Io(io::Error),
}

type Result<T> = std::result::Result<T, FrameError>;

fn hostile<T>(why: impl Into<String>) -> Result<T> {
    Err(FrameError::Hostile(why.into()))
}

/// Entry types that carry no data in Go (`isHeaderOnlyType`): link, symlink, char, block,
/// directory, FIFO.
fn header_only(typeflag: u8) -> bool {
    matches!(typeflag, b'1' | b'2' | b'3' | b'4' | b'5' | b'6')
}

/// A tar stream: read, and passed over where the reader does not need the bytes.
pub(crate) trait TarStream: Read {
    /// Pass over `n` bytes; returns how many there were. By reading them, unless the stream
    /// can seek (an archive read in place, whose files are read later by offset). Seeking
    /// cannot tell where the stream ends: a file running past the end shows as the end of the
    /// archive, and the caller checks each file's end against the length.
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        io::copy(&mut (&mut *self).take(n), &mut io::sink())
    }
}

/// A layer's uncompressed stream, hashed as it is read: every byte is read, none skipped.
impl<R: Read> TarStream for crate::digest::Sha256Reader<R> {}

/// The framing holds its stream as `dyn`: one copy of this code in the image explorer's
/// WebAssembly for layers and archives alike, not one per stream type.
pub(crate) struct Frames<'a> {
    inner: &'a mut dyn TarStream,
    /// Data bytes of the current entry not yet read, and the padding after them.
    remaining: u64,
    pad: u64,
    max_meta: u64,
    /// Bytes of the stream consumed so far: at an entry, where its data starts.
    position: u64,
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Hostile(why) | FrameError::Bad(why) => f.write_str(why),
            FrameError::Io(e) => write!(f, "reading the tar: {e}"),
        }
    }
}

/// Meta headers seen since the last entry.
#[derive(Default)]
struct Pending {
    pax: Option<Pax>,
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.pax.is_none() && self.long_name.is_none() && self.long_link.is_none()
    }
}

impl<'a> Frames<'a> {
    pub(crate) fn new(inner: &'a mut dyn TarStream, max_meta: u64) -> Frames<'a> {
        Frames { inner, remaining: 0, pad: 0, max_meta, position: 0 }
    }

    /// Where the current entry's data starts in the stream (right after [`Self::next_frame`]).
    pub(crate) fn position(&self) -> u64 {
        self.position
    }

    /// The next entry, or `None` at the end of the archive.
    pub(crate) fn next_frame(&mut self) -> Result<Option<Frame>> {
        self.skip_rest()?;
        let mut pending = Pending::default();
        loop {
            let Some(block) = self.read_header_block()? else {
                if !pending.is_empty() {
                    return hostile("the archive ends after an extended header, with no entry for it");
                }
                return Ok(None);
            };
            let h = header::parse(&block).map_err(FrameError::Hostile)?;
            if h.size < 0 {
                return hostile(format!("header declares a negative size ({})", h.size));
            }
            match h.typeflag {
                b'x' | b'g' | b'L' | b'K' => self.meta(&h, &mut pending)?,
                b'S' => return hostile(format!("entry {} is a GNU sparse file", shown(&h.name))),
                _ => return self.entry(h, pending).map(Some),
            }
        }
    }

    /// Read a meta header's data (capped) and record it in `pending`.
    fn meta(&mut self, h: &Header, pending: &mut Pending) -> Result<()> {
        let size = h.size as u64;
        if size > self.max_meta {
            return hostile(format!(
                "extended header of {size} bytes (limit max_extended_header {} bytes)",
                self.max_meta
            ));
        }
        self.start_data(size);
        let mut data = Vec::with_capacity(size as usize);
        self.data().read_to_end(&mut data).map_err(FrameError::Io)?;
        self.skip_rest()?;
        match h.typeflag {
            b'x' => {
                if pending.pax.is_some() {
                    return hostile("two PAX extended headers for one entry (Go keeps only the second)");
                }
                pending.pax = Some(pax::parse(&data, false).map_err(FrameError::Hostile)?);
            }
            b'g' => {
                if !pending.is_empty() {
                    return hostile("a global extended header between an extended header and its entry");
                }
                pax::parse(&data, true).map_err(FrameError::Hostile)?;
            }
            _ => {
                let slot = if h.typeflag == b'L' { &mut pending.long_name } else { &mut pending.long_link };
                if slot.is_some() {
                    return hostile("two GNU long-name headers of one kind for one entry (Go keeps only the second)");
                }
                *slot = Some(header::string(&data).to_vec());
            }
        }
        Ok(())
    }

    /// Apply the pending meta headers to an entry's header, as Go does, and start its data.
    fn entry(&mut self, mut h: Header, pending: Pending) -> Result<Frame> {
        let pax = pending.pax.unwrap_or_default();
        // Go applies a GNU long name or link only if it is not empty (`gnuLongName != ""`);
        // Python and GNU tar apply the empty one. Refused, as an empty PAX path is.
        if pending.long_name.as_ref().is_some_and(|n| n.is_empty())
            || pending.long_link.as_ref().is_some_and(|l| l.is_empty())
        {
            return hostile(
                "an empty GNU long name or link (Go keeps the header's own, Python and GNU tar use the empty one)",
            );
        }
        let (long_name, long_link) = (pending.long_name, pending.long_link);
        if long_name.is_some() && pax.path.is_some() {
            return hostile("entry has both a GNU long name and a PAX path (readers pick different ones)");
        }
        if long_link.is_some() && pax.linkpath.is_some() {
            return hostile("entry has both a GNU long link and a PAX linkpath (readers pick different ones)");
        }
        if let Some(name) = long_name.or(pax.path) {
            h.name = name;
        }
        if let Some(link) = long_link.or(pax.linkpath) {
            h.linkname = link;
        }
        if let Some(size) = pax.size {
            h.size = size;
        }
        h.uid = pax.uid.unwrap_or(h.uid);
        h.gid = pax.gid.unwrap_or(h.gid);
        if h.typeflag == 0 {
            h.typeflag = if h.name.ends_with(b"/") { b'5' } else { b'0' };
        }
        if header_only(h.typeflag) && h.size != 0 {
            return hostile(format!(
                "entry {} of type {:?} declares {} data bytes (Go reads none, other readers skip them)",
                shown(&h.name),
                char::from(h.typeflag),
                h.size
            ));
        }
        let size = if header_only(h.typeflag) { 0 } else { h.size as u64 };
        self.start_data(size);
        Ok(Frame {
            typeflag: h.typeflag,
            name: h.name,
            linkname: h.linkname,
            size,
            mode: h.mode,
            uid: h.uid,
            gid: h.gid,
        })
    }

    fn start_data(&mut self, size: u64) {
        self.remaining = size;
        self.pad = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
    }

    /// The current entry's unread data.
    pub(crate) fn data(&mut self) -> Data<'_, 'a> {
        Data { frames: self }
    }

    /// Skip the current entry's unread data and padding.
    fn skip_rest(&mut self) -> Result<()> {
        let want = self.remaining + self.pad;
        let got = self.inner.skip(want).map_err(FrameError::Io)?;
        self.position += got;
        if got < want {
            return Err(FrameError::Bad("the tar stream ends inside an entry's data".into()));
        }
        (self.remaining, self.pad) = (0, 0);
        Ok(())
    }

    /// The next header block; `None` at a clean end: no bytes at all, or two zero blocks (one
    /// zero block then the end of the stream is accepted too, as Go does).
    fn read_header_block(&mut self) -> Result<Option<[u8; BLOCK]>> {
        let Some(block) = self.read_block()? else { return Ok(None) };
        if block.iter().any(|&b| b != 0) {
            return Ok(Some(block));
        }
        match self.read_block()? {
            Some(next) if next.iter().any(|&b| b != 0) => {
                hostile("a zero block followed by a header (Go's archive/tar stops with an error, GNU tar reads on)")
            }
            _ => Ok(None),
        }
    }

    /// One whole block, or `None` if the stream ends before its first byte.
    fn read_block(&mut self) -> Result<Option<[u8; BLOCK]>> {
        let mut block = [0u8; BLOCK];
        let mut filled = 0;
        while filled < BLOCK {
            match self.inner.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(FrameError::Io(e)),
            }
        }
        self.position += filled as u64;
        match filled {
            0 => Ok(None),
            BLOCK => Ok(Some(block)),
            _ => Err(FrameError::Bad("the tar stream ends inside a header block".into())),
        }
    }
}

/// A reader over the current entry's data that fails, rather than ends early, if the stream
/// stops short of the declared size.
pub(crate) struct Data<'f, 'a> {
    frames: &'f mut Frames<'a>,
}

impl Read for Data<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let f = &mut *self.frames;
        if f.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(f.remaining).unwrap_or(usize::MAX));
        let n = f.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the tar stream ends inside an entry's data"));
        }
        f.remaining -= n as u64;
        f.position += n as u64;
        Ok(n)
    }
}

/// Names for messages (tags, paths from a document): each [`shown`], at most 20 of them.
pub(crate) fn shown_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    const MAX: usize = 20;
    let mut out = String::new();
    for (i, name) in names.into_iter().enumerate() {
        if i == MAX {
            out.push_str(", …");
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&shown(name.as_bytes()));
    }
    out
}

/// A name for messages: quoted, and cut short if a hostile header made it huge.
pub(crate) fn shown(name: &[u8]) -> String {
    const MAX: usize = 120;
    let text = String::from_utf8_lossy(&name[..name.len().min(MAX)]);
    if name.len() > MAX {
        format!("{text:?}… ({} bytes)", name.len())
    } else {
        format!("{text:?}")
    }
}

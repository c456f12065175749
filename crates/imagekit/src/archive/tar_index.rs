//! The tar underneath an archive: one pass over its headers records where each file's bytes
//! are, and files are then read by offset, never extracted.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Seek, SeekFrom};

use crate::error::{Error, IoContext, Result};
use crate::image::MAX_DOCUMENT_SIZE;
use crate::layer::frames::{shown, Frames, TarStream};
use crate::layer::Limits;

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
        let size = self.size(path).ok_or_else(|| self.bad(format!("it has no {}", shown(path.as_bytes()))))?;
        if size > MAX_DOCUMENT_SIZE {
            return Err(
                self.bad(format!("{} is {size} bytes, over the 4 MiB limit for documents", shown(path.as_bytes())))
            );
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

/// An archive read in place: its files' bytes are sought past, and read later by offset.
impl TarStream for Cursor<'_> {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let offset = i64::try_from(n).map_err(|_| io::Error::other("entry too large to skip"))?;
        self.seek(SeekFrom::Current(offset))?;
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
/// `docker save` links repeated layers) resolve to their target's bytes. Framed by the layers'
/// own tar reader (Go's framing, refusing what Go and GNU tar read differently), seeking past
/// each file's bytes rather than reading them.
///
/// Also refused, because the readers of archives disagree about them: a path given twice in any
/// form (a file and a link, two links: unpacking readers keep the last, containers/image's
/// docker-archive reader the first, we would keep the file), and a regular file whose mode bits
/// say another type (containers/image goes by the mode and follows it as a link).
fn index_tar(bytes: &dyn RandomAccess, name: &str) -> Result<HashMap<String, (u64, u64)>> {
    let bad = |reason: String| Error::InvalidLayout { path: name.to_string(), reason };
    let mut cursor = Cursor { bytes, pos: 0 };
    let mut frames = Frames::new(&mut cursor, Limits::default().max_extended_header);
    let mut files = HashMap::new();
    let (mut seen, mut dirs) = (HashSet::new(), HashSet::new());
    let mut links: Vec<(String, String)> = Vec::new();
    // The entry whose data reaches furthest: past the end, the archive was cut short.
    let mut furthest: (u64, String) = (0, String::new());
    for n in 0.. {
        let frame = match frames.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(e) => return Err(bad(format!("not a readable tar archive: {e}"))),
        };
        if n >= MAX_ARCHIVE_ENTRIES {
            return Err(bad(format!("more than {MAX_ARCHIVE_ENTRIES} entries")));
        }
        let raw_name = String::from_utf8_lossy(&frame.name);
        if outside_root(&raw_name) {
            return Err(bad(format!(
                "entry {} lies outside the archive's root (readers would find it under different names)",
                shown(&frame.name)
            )));
        }
        let path = clean_path(&raw_name);
        let end = frames.position().saturating_add(frame.size);
        if end > furthest.0 {
            furthest = (end, path.clone());
        }
        // A directory may be declared again; anything else named twice, or both a directory
        // and something else, is refused.
        let again = if frame.typeflag == b'5' {
            dirs.insert(path.clone());
            seen.contains(&path)
        } else {
            dirs.contains(&path) || !seen.insert(path.clone())
        };
        if again {
            return Err(bad(format!("{} appears twice", shown(path.as_bytes()))));
        }
        let target = || String::from_utf8_lossy(&frame.linkname).into_owned();
        match frame.typeflag {
            // `7` (contiguous) is a regular file to Go's archive/tar.
            b'0' | b'7' => {
                let kind = frame.mode & 0o170000;
                if kind != 0 && kind != 0o100000 {
                    return Err(bad(format!(
                        "{} is a regular file whose mode {:#o} names another file type (readers that go by the mode disagree)",
                        shown(path.as_bytes()),
                        frame.mode
                    )));
                }
                files.insert(path, (frames.position(), frame.size));
            }
            // Relative to the link's directory, as `docker save` writes `../<id>/layer.tar`.
            b'2' => {
                let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
                links.push((path.clone(), clean_path(&format!("{dir}/{}", target()))));
            }
            b'1' => links.push((path, clean_path(&target()))),
            _ => {}
        }
    }
    if furthest.0 > bytes.len() {
        return Err(bad(format!("truncated: {} runs past the end of the archive", shown(furthest.1.as_bytes()))));
    }
    for (path, target) in links {
        if let Some(&found) = files.get(&target) {
            files.insert(path, found);
        }
    }
    Ok(files)
}

/// An absolute name, or one whose `..` climbs above the start: `x` to us, but not to a reader
/// that looks names up as written.
fn outside_root(name: &str) -> bool {
    let mut depth = 0usize;
    name.starts_with('/')
        || name.split('/').any(|part| match part {
            "" | "." => false,
            ".." => depth.checked_sub(1).map(|d| depth = d).is_none(),
            _ => {
                depth += 1;
                false
            }
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A ustar header block for `name` (`typeflag`, `size` data bytes, `link`), checksummed.
    fn header(name: &str, typeflag: u8, size: u64, link: &str) -> Vec<u8> {
        let mut h = tar::Header::new_ustar();
        // Written raw: the tar crate refuses the names some tests need (`..`, `/x`).
        h.as_mut_bytes()[..name.len()].copy_from_slice(name.as_bytes());
        h.set_entry_type(tar::EntryType::new(typeflag));
        h.set_size(size);
        h.set_mode(0o644);
        if !link.is_empty() {
            h.set_link_name(link).unwrap();
        }
        h.set_cksum();
        h.as_bytes().to_vec()
    }

    fn entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut out = header(name, b'0', data.len() as u64, "");
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
        out
    }

    fn index(bytes: Vec<u8>) -> Result<HashMap<String, (u64, u64)>> {
        index_tar(&bytes, "t.tar")
    }

    #[test]
    fn files_are_found_by_offset_and_links_resolve_to_their_targets() {
        let mut tar = entry("./abc/layer.tar", b"layer bytes");
        tar.extend(entry("x.json", b"{}"));
        tar.extend(header("def/", b'5', 0, ""));
        tar.extend(header("def/", b'5', 0, ""));
        tar.extend(header("def/layer.tar", b'2', 0, "../abc/layer.tar"));
        tar.extend(header("hard.tar", b'1', 0, "abc/layer.tar"));
        tar.extend([0; 1024]);
        let files = index(tar).unwrap();
        assert_eq!(files["abc/layer.tar"], (512, 11));
        assert_eq!(files["x.json"], (1536, 2));
        assert_eq!(files["def/layer.tar"], files["abc/layer.tar"]);
        assert_eq!(files["hard.tar"], files["abc/layer.tar"]);
    }

    /// Read by the layers' framing: what Go's archive/tar and GNU tar read differently is refused
    /// in an archive too, and a file cut short is named.
    #[test]
    fn misleading_framing_and_truncation_are_refused() {
        let mut tar = entry("a.json", b"{}");
        tar.extend([0; 512]);
        tar.extend(entry("b.json", b"{}"));
        let err = index(tar).unwrap_err().to_string();
        assert!(err.contains("a zero block followed by a header"), "{err}");

        let mut tar = entry("a.json", b"{}");
        tar.extend(header("big", b'0', 4096, ""));
        tar.extend([7; 512]);
        let err = index(tar).unwrap_err().to_string();
        assert!(err.contains("truncated: \"big\" runs past the end"), "{err}");

        let mut tar = entry("a.json", b"{}");
        tar.extend(header("dir/", b'5', 512, ""));
        tar.extend([0; 512]);
        let err = index(tar).unwrap_err().to_string();
        assert!(err.contains("declares 512 data bytes"), "{err}");

        let mut tar = entry("a.json", b"{}");
        tar.extend(entry("a.json", b"[]"));
        assert!(index(tar).unwrap_err().to_string().contains("\"a.json\" appears twice"));
    }

    /// Found by a hostile-input review, each read one way here and another by skopeo (whose
    /// docker-archive reader takes the first entry of a name and goes by the mode bits) or
    /// Docker (which unpacks, so the last entry wins).
    #[test]
    fn archives_that_readers_would_resolve_differently_are_refused() {
        let twice = |second: Vec<u8>| {
            let mut tar = entry("index.json", b"{}");
            tar.extend(entry("other.json", b"[]"));
            tar.extend(second);
            tar.extend([0; 1024]);
            index(tar).unwrap_err().to_string()
        };
        for second in [
            header("index.json", b'2', 0, "other.json"),
            header("index.json", b'1', 0, "other.json"),
            header("./index.json", b'2', 0, "other.json"),
        ] {
            let err = twice(second);
            assert!(err.contains("\"index.json\" appears twice"), "{err}");
        }
        let mut dir_and_file = header("x/", b'5', 0, "");
        dir_and_file.extend(entry("x", b"{}"));
        assert!(index(dir_and_file).unwrap_err().to_string().contains("\"x\" appears twice"));
        let mut links = header("a", b'2', 0, "x");
        links.extend(header("a", b'2', 0, "y"));
        links.extend([0; 1024]);
        assert!(index(links).unwrap_err().to_string().contains("\"a\" appears twice"));

        let mut tar = header("cfg.json", b'0', 2, "other.json");
        tar[100..108].copy_from_slice(b"0120644\0");
        let sum: u32 =
            tar[..148].iter().chain([b' '; 8].iter()).chain(tar[156..512].iter()).map(|&b| u32::from(b)).sum();
        tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        tar.extend(b"{}");
        tar.resize(1536, 0);
        let err = index(tar).unwrap_err().to_string();
        assert!(err.contains("mode 0o120644 names another file type"), "{err}");
    }

    /// An entry of a type no one reads still has to fit: Go stops at "unexpected EOF".
    #[test]
    fn any_entry_running_past_the_end_is_truncation() {
        let mut tar = entry("a.json", b"{}");
        tar.extend(header("v", b'V', 1 << 30, ""));
        tar.extend([0; 512]);
        let err = index(tar).unwrap_err().to_string();
        assert!(err.contains("truncated: \"v\" runs past the end"), "{err}");
    }

    #[test]
    fn names_outside_the_root_are_refused() {
        for name in ["../index.json", "/index.json", "a/../../index.json"] {
            let err = index(entry(name, b"{}")).unwrap_err().to_string();
            assert!(err.contains("lies outside the archive's root"), "{name}: {err}");
        }
        let files = index(entry("./a/../index.json", b"{}")).unwrap();
        assert!(files.contains_key("index.json"));
    }

    /// A newline in a path cannot forge a second line of the message.
    #[test]
    fn paths_in_messages_are_quoted() {
        let mut tar = entry("a\nerror: forged", b"{}");
        tar.extend(entry("a\nerror: forged", b"{}"));
        let err = index(tar).unwrap_err().to_string();
        assert!(!err.contains('\n') && err.contains(r#""a\nerror: forged" appears twice"#), "{err}");
    }
}

//! The deterministic tar writer.
//!
//! Everything that varies between machines is pinned: entries sorted by path, one mtime for all,
//! uid/gid 0 and no user or group names, permission bits only. Paths longer than the 100-byte
//! header field use GNU long-name entries (what the `tar` crate emits; Go, GNU tar and umoci read
//! them).

use std::collections::HashSet;
use std::io::{self, Read, Write};

use tar::{EntryType, Header};

use super::{normalize, pgzip, BuildOptions, Entry, EntryData, LayerInfo};
use crate::digest::Sha256Writer;
use crate::error::{Error, Result};

/// Deterministic tar of in-memory entries: sorted by path (so parents come before children),
/// fixed mtime, uid/gid 0, no user/group names. Parents are not invented: a layer that adds
/// `a/b` without `a` leaves `a`'s metadata to the layers below.
pub fn write_tar(entries: Vec<Entry>, opts: &BuildOptions, out: impl Write) -> Result<()> {
    let entries = prepare(entries)?;
    let mut tar = TarWriter::new(out, opts.mtime);
    for entry in &entries {
        tar.entry(entry)?;
    }
    tar.finish()?;
    Ok(())
}

/// Tar, gzip and hash in one pass: writes the blob to `out` and returns its digests and sizes.
pub fn build_from_entries(entries: Vec<Entry>, opts: &BuildOptions, out: impl Write) -> Result<LayerInfo> {
    let entries = prepare(entries)?;
    gzip_tar(opts, out, |tar| entries.iter().try_for_each(|entry| tar.entry(entry)))
}

/// Run `fill` against a tar writer whose stream is hashed (diff_id), gzip-compressed in parallel
/// and hashed again (digest) on its way to `out`.
pub(crate) fn gzip_tar<W: Write>(
    opts: &BuildOptions,
    out: W,
    fill: impl FnOnce(&mut TarWriter<&mut Sha256Writer<&mut dyn Write>>) -> Result<()>,
) -> Result<LayerInfo> {
    let ((diff_id, uncompressed_size), digest, size) = pgzip::compress(out, opts.level, opts.threads, |gz| {
        let mut hashed = Sha256Writer::new(gz);
        let mut tar = TarWriter::new(&mut hashed, opts.mtime);
        fill(&mut tar)?;
        tar.finish()?;
        let (diff_id, n, _) = hashed.finish();
        Ok((diff_id, n))
    })?;
    Ok(LayerInfo { digest, diff_id, size, uncompressed_size })
}

/// The layer name used in errors about entries handed to the builder.
const NEW_LAYER: &str = "(new layer)";

fn refuse(reason: String) -> Error {
    Error::BadLayer { layer: NEW_LAYER.into(), reason }
}

/// Normalize paths, refuse what no reader would accept, sort.
fn prepare(mut entries: Vec<Entry>) -> Result<Vec<Entry>> {
    let mut seen = HashSet::with_capacity(entries.len());
    for entry in &mut entries {
        let path = normalize(&entry.path).map_err(|why| refuse(format!("entry {:?} {why}", entry.path)))?;
        if path.is_empty() {
            return Err(refuse(format!("entry {:?} names the root, which a layer cannot replace", entry.path)));
        }
        if let EntryData::Hardlink(target) = &mut entry.data {
            *target = normalize(target).map_err(|why| refuse(format!("hardlink {path:?} target {target:?} {why}")))?;
        }
        if !seen.insert(path.clone()) {
            return Err(refuse(format!("entry {path:?} appears twice")));
        }
        entry.path = path;
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

/// Appends entries with pinned metadata. Paths must already be normalized.
pub(crate) struct TarWriter<W: Write> {
    builder: tar::Builder<W>,
    mtime: u64,
}

impl<W: Write> TarWriter<W> {
    pub(crate) fn new(out: W, mtime: u64) -> Self {
        let mut builder = tar::Builder::new(out);
        // Never look at the host: we hand the builder every header field ourselves.
        builder.mode(tar::HeaderMode::Deterministic);
        TarWriter { builder, mtime }
    }

    fn header(&self, kind: EntryType, mode: u32, size: u64) -> Header {
        let mut h = Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode & 0o7777);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(self.mtime);
        h.set_size(size);
        h
    }

    fn entry(&mut self, entry: &Entry) -> Result<()> {
        match &entry.data {
            EntryData::Dir => self.dir(&entry.path, entry.mode),
            EntryData::File(bytes) => self.file(&entry.path, entry.mode, bytes.len() as u64, &mut &bytes[..]),
            EntryData::Symlink(target) => self.symlink(&entry.path, target),
            EntryData::Hardlink(target) => self.hardlink(&entry.path, entry.mode, target),
        }
    }

    /// Directories are written with a trailing `/`, as docker and GNU tar do.
    pub(crate) fn dir(&mut self, path: &str, mode: u32) -> Result<()> {
        let mut h = self.header(EntryType::Directory, mode, 0);
        self.builder.append_data(&mut h, format!("{path}/"), io::empty()).map_err(|e| write_error(path, e))
    }

    /// A regular file of exactly `size` bytes from `data`: a source that ends early (a file that
    /// shrank while we read it) is an error, and bytes past `size` are ignored, so the tar is
    /// never corrupt.
    pub(crate) fn file(&mut self, path: &str, mode: u32, size: u64, data: &mut dyn Read) -> Result<()> {
        let mut h = self.header(EntryType::Regular, mode, size);
        // `append_data` with an empty reader writes the header (and any GNU long-name entry)
        // and nothing else; we stream the body ourselves in large chunks.
        self.builder.append_data(&mut h, path, io::empty()).map_err(|e| write_error(path, e))?;
        let out = self.builder.get_mut();
        copy_exact(data, out, size).map_err(|e| write_error(path, e))?;
        let pad = (512 - size % 512) % 512;
        out.write_all(&[0u8; 512][..pad as usize]).map_err(|e| write_error(path, e))
    }

    /// A symlink whose target text is stored byte for byte.
    pub(crate) fn symlink(&mut self, path: &str, target: &str) -> Result<()> {
        let mut h = self.header(EntryType::Symlink, 0o777, 0);
        if target.contains('\0') || target.is_empty() {
            return Err(refuse(format!("symlink {path:?} has an empty target or a NUL byte in it")));
        }
        let field = &mut h.as_old_mut().linkname;
        if target.len() <= field.len() {
            // `Header::set_link_name` would tidy the text (`a//b` → `a/b`); a symlink is its text.
            field[..target.len()].copy_from_slice(target.as_bytes());
            self.builder.append_data(&mut h, path, io::empty())
        } else {
            // Too long for the header: the crate writes it verbatim as a GNU long-link entry.
            self.builder.append_link(&mut h, path, target)
        }
        .map_err(|e| write_error(path, e))
    }

    pub(crate) fn hardlink(&mut self, path: &str, mode: u32, target: &str) -> Result<()> {
        let mut h = self.header(EntryType::Link, mode, 0);
        self.builder.append_link(&mut h, path, target).map_err(|e| write_error(path, e))
    }

    /// Write the end-of-archive blocks and hand back the output.
    pub(crate) fn finish(self) -> Result<W> {
        self.builder.into_inner().map_err(|e| Error::io("finishing the layer tar", e))
    }
}

fn write_error(path: &str, e: io::Error) -> Error {
    Error::io(format!("writing {path:?} into the layer"), e)
}

/// Copy exactly `size` bytes with 1 MiB reads (the tar crate's own copy uses 8 KiB).
fn copy_exact(src: &mut dyn Read, dst: &mut impl Write, size: u64) -> io::Result<()> {
    let mut buf = vec![0u8; (size.min(1 << 20) as usize).max(1)];
    let mut left = size;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let n = match src.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("source ended {left} bytes early (did the file change while it was read?)"),
                ))
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        dst.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(entries: Vec<Entry>) -> Vec<u8> {
        let mut out = Vec::new();
        write_tar(entries, &BuildOptions { mtime: 1_700_000_000, level: 6, threads: 1 }, &mut out).unwrap();
        out
    }

    fn listing(tar: &[u8]) -> Vec<(String, u32, u64, u64)> {
        let mut a = tar::Archive::new(tar);
        a.entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (e.path().unwrap().display().to_string(), h.mode().unwrap(), h.uid().unwrap(), h.mtime().unwrap())
            })
            .collect()
    }

    #[test]
    fn sorts_normalizes_and_pins_metadata() {
        let tar = tar_of(vec![
            Entry::file("./b/z.txt", 0o100644, "z"),
            Entry::dir("b/", 0o755),
            Entry::file("a.txt", 0o600, "a"),
        ]);
        assert_eq!(
            listing(&tar),
            vec![
                ("a.txt".to_string(), 0o600, 0, 1_700_000_000),
                ("b/".to_string(), 0o755, 0, 1_700_000_000),
                ("b/z.txt".to_string(), 0o644, 0, 1_700_000_000),
            ]
        );
        // Input order does not matter.
        let again =
            tar_of(vec![Entry::file("a.txt", 0o600, "a"), Entry::dir("b", 0o755), Entry::file("b/z.txt", 0o644, "z")]);
        assert_eq!(tar, again);
    }

    #[test]
    fn keeps_symlink_text_and_long_names() {
        let long = format!("{}/file", "d".repeat(150));
        let long_target = "t/".repeat(80);
        let tar = tar_of(vec![
            Entry::symlink("odd", "./a//b/"),
            Entry::symlink("far", long_target.clone()),
            Entry::file(long.clone(), 0o644, "x"),
        ]);
        let mut a = tar::Archive::new(&tar[..]);
        let mut seen = Vec::new();
        for e in a.entries().unwrap() {
            let e = e.unwrap();
            let link = e.link_name_bytes().map(|b| String::from_utf8(b.into_owned()).unwrap());
            seen.push((e.path().unwrap().display().to_string(), link));
        }
        assert_eq!(seen[0], (long.to_string(), None));
        assert_eq!(seen[1], ("far".to_string(), Some(long_target)));
        assert_eq!(seen[2], ("odd".to_string(), Some("./a//b/".to_string())));
    }

    #[test]
    fn refuses_bad_entries_by_name() {
        let opts = BuildOptions::default();
        for (entries, needle) in [
            (vec![Entry::file("../x", 0o644, "")], "\"../x\" has a `..` component"),
            (vec![Entry::file("/etc/x", 0o644, "")], "\"/etc/x\" has an absolute path"),
            (vec![Entry::file("a", 0o644, ""), Entry::dir("./a/", 0o755)], "\"a\" appears twice"),
            (vec![Entry::dir("./", 0o755)], "names the root"),
            (vec![Entry::hardlink("a", "/etc/passwd")], "has an absolute path"),
        ] {
            let msg = write_tar(entries, &opts, io::sink()).unwrap_err().to_string();
            assert!(msg.contains(needle), "{msg}");
        }
    }
}

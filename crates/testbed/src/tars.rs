//! Tarballs written by hand, header by header, for tests: names and link targets byte for byte,
//! so that hostile entries (`..`, absolute paths, links out, device nodes) that the `tar` crate
//! would refuse to write can be made. Shared by the library's layer tests and the CLI's.

use std::io::Write;

/// An entry of a hand-made tarball. Names and link targets are written byte for byte.
pub enum Raw {
    File(&'static str, &'static [u8]),
    Dir(&'static str),
    Symlink(&'static str, &'static str),
    Hardlink(&'static str, &'static str),
    Char(&'static str),
    Block(&'static str),
    /// A file with a mode, e.g. a setuid binary.
    Mode(&'static str, u32, &'static [u8]),
}

/// A tarball of `entries` (GNU headers, uid/gid 0, mtime 0), with its two zero blocks.
pub fn tar(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        let (name, kind, mode, data, link): (&str, tar::EntryType, u32, &[u8], &str) = match entry {
            Raw::File(n, d) => (n, tar::EntryType::Regular, 0o644, d, ""),
            Raw::Mode(n, m, d) => (n, tar::EntryType::Regular, *m, d, ""),
            Raw::Dir(n) => (n, tar::EntryType::Directory, 0o755, b"", ""),
            Raw::Symlink(n, t) => (n, tar::EntryType::Symlink, 0o777, b"", t),
            Raw::Hardlink(n, t) => (n, tar::EntryType::Link, 0o644, b"", t),
            Raw::Char(n) => (n, tar::EntryType::Char, 0o600, b"", ""),
            Raw::Block(n) => (n, tar::EntryType::Block, 0o600, b"", ""),
        };
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_size(data.len() as u64);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(512), 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// `bytes` gzipped at level 6.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

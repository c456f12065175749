//! Helpers shared by the `layers_*` tests: raw tarballs (including hostile ones the `tar` crate
//! would refuse to write), gzip, and a listing of a directory to compare with a `Tree`.

#![allow(dead_code)]

pub mod raw;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use imagekit::apply::{NodeKind, Tree};

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

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(bytes), &mut out).unwrap();
    out
}

/// Is an external tool on PATH? Tests that need one say so and pass when it is missing.
pub fn have(tool: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        eprintln!("skipping the {tool} part of this test: {tool} is not installed");
    }
    found
}

/// (kind, mode, contents or link target) of every path under `root`, relative and sorted.
pub type Listing = BTreeMap<String, (&'static str, u32, Vec<u8>)>;

pub fn list_dir(root: &Path) -> Listing {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Listing::new();
    fn walk(root: &Path, dir: &Path, out: &mut Listing) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let rel = path.strip_prefix(root).unwrap().to_str().unwrap().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                out.insert(rel, ("dir", mode, Vec::new()));
                walk(root, &path, out);
            } else if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(rel, ("symlink", 0, target.to_str().unwrap().as_bytes().to_vec()));
            } else {
                out.insert(rel, ("file", mode, std::fs::read(&path).unwrap()));
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// The same listing from an in-memory tree built `with_contents` (hardlinks read as files).
pub fn list_tree(tree: &Tree) -> Listing {
    tree.iter()
        .map(|(path, node)| {
            let value = match node.kind {
                NodeKind::Dir => ("dir", node.mode, Vec::new()),
                NodeKind::Symlink => ("symlink", 0, node.link.clone().unwrap().into_bytes()),
                NodeKind::File | NodeKind::Hardlink => ("file", node.mode, node.contents.clone().unwrap_or_default()),
            };
            (path.to_string(), value)
        })
        .collect()
}

/// Pseudo-random bytes (xorshift), reproducible.
pub fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Text-like bytes that compress the way source code does.
pub fn text(len: usize, seed: u32) -> Vec<u8> {
    const WORDS: &[&str] =
        &["layer", "digest", "manifest", "whiteout", "opaque", "tar", "gzip", "fn", "let", "mut", "{", "}", "\n"];
    let r = noise(len / 3 + 16, seed);
    let mut out = Vec::with_capacity(len + 16);
    let mut i = 0;
    while out.len() < len {
        out.extend_from_slice(WORDS[r[i % r.len()] as usize % WORDS.len()].as_bytes());
        out.push(b' ');
        i += 1;
    }
    out.truncate(len);
    out
}

/// Apply `layers` both in memory and on disk; both must fail alike. Returns the message.
pub fn refused(layers: &[Vec<u8>]) -> String {
    let mut tree = Tree::new();
    let in_memory = layers
        .iter()
        .enumerate()
        .try_for_each(|(i, l)| tree.apply_layer(&l[..], i, &imagekit::layer::Limits::default()).map(drop));
    let memory_err = in_memory.expect_err("the in-memory tree accepted a hostile layer");

    let work = tempfile::tempdir().unwrap();
    let paths: Vec<_> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let p = work.path().join(format!("layer{i}.tar.gz"));
            std::fs::write(&p, l).unwrap();
            p
        })
        .collect();
    let dest = work.path().join("rootfs");
    let disk_err = imagekit::apply::unpack(&paths, &dest, &imagekit::layer::Limits::default())
        .expect_err("unpack accepted a hostile layer");
    assert!(matches!(disk_err, imagekit::Error::HostileLayer { .. }), "{disk_err:?}");
    assert!(matches!(memory_err, imagekit::Error::HostileLayer { .. }), "{memory_err:?}");
    // Nothing changed: no destination, no staging directory left beside it.
    assert!(!dest.exists(), "a failed unpack left {}", dest.display());
    let left: Vec<_> = std::fs::read_dir(work.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), layers.len(), "leftovers: {left:?}");
    let (m, d) = (memory_err.to_string(), disk_err.to_string());
    assert!(!d.contains('\n'), "{d}");
    // Same reason either way, apart from the layer's name.
    assert_eq!(m.split_once(": ").unwrap().1, d.split_once(": ").unwrap().1);
    d
}

//! Helpers shared by the `layers_*` tests: raw tarballs (including hostile ones the `tar` crate
//! would refuse to write), gzip, and a listing of a directory to compare with a `Tree`.

#![allow(dead_code)]

pub mod raw;

use std::collections::BTreeMap;
use std::path::Path;

use imagekit::apply::{NodeKind, Tree};

// The hand-made tarballs live in the test bed, shared with the CLI's tests.
#[allow(unused_imports)] // not every layers_* test uses all three
pub use testbed::tars::{gzip, tar, Raw};

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

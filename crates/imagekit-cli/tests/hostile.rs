//! `imagekit unpack` against hostile layers: a clear one-line error, exit 1, and nothing
//! written outside the target (nor a half-made target). The library's own tests cover each
//! case in depth; this checks the promise end to end through the CLI.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;

use common::*;
use imagekit::config::ImageConfig;
use imagekit::layout::Layout;
use imagekit::manifest::Manifest;
use imagekit::raw::Raw;
use imagekit::{media, Descriptor, Digest};

/// A raw tar entry; names are written byte for byte (the tar crate refuses `..` itself).
enum E {
    File(&'static str, &'static [u8]),
    Symlink(&'static str, &'static str),
    Hardlink(&'static str, &'static str),
    Char(&'static str),
}

fn tar(entries: &[E]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let (name, kind, data, link): (&str, tar::EntryType, &[u8], &str) = match e {
            E::File(n, d) => (n, tar::EntryType::Regular, d, ""),
            E::Symlink(n, t) => (n, tar::EntryType::Symlink, b"", t),
            E::Hardlink(n, t) => (n, tar::EntryType::Link, b"", t),
            E::Char(n) => (n, tar::EntryType::Char, b"", ""),
        };
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_entry_type(kind);
        h.set_mode(0o644);
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

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A well-formed layout whose layers are `tars` (gzip'd), with correct digests and diff_ids:
/// only the content is hostile.
fn layout_with(dir: &Path, tars: &[Vec<u8>]) {
    let layout = Layout::create(dir).unwrap();
    let mut layers = Vec::new();
    for t in tars {
        let blob = gzip(t);
        layout.write_blob(&blob).unwrap();
        layers.push(Descriptor::for_bytes(media::OCI_LAYER_GZIP, &blob));
    }
    let diff_ids = tars.iter().map(|t| Digest::of_bytes(t)).collect();
    let config = Raw::encode(ImageConfig::new("linux", "amd64", diff_ids, Vec::new()));
    layout.write_blob(config.bytes()).unwrap();
    let manifest = Raw::encode(Manifest::new(config.descriptor(media::OCI_CONFIG), layers));
    layout.write_blob(manifest.bytes()).unwrap();
    layout.set_tag("evil:1", manifest.descriptor(media::OCI_MANIFEST)).unwrap();
}

#[test]
fn unpack_refuses_hostile_layers_and_writes_nothing() {
    let cases: Vec<(&str, Vec<Vec<u8>>, &str)> = vec![
        ("dot-dot", vec![tar(&[E::File("../escaped", b"x")])], "has a `..` component"),
        ("absolute", vec![tar(&[E::File("/etc/passwd", b"x")])], "absolute path"),
        (
            "symlink escape",
            vec![tar(&[E::Symlink("evil", "../../../../../outside")]), tar(&[E::File("evil/pwned", b"x")])],
            "escapes the root through symlink",
        ),
        ("hardlink escape", vec![tar(&[E::Hardlink("passwd", "../../../../etc/passwd")])], "passwd"),
        ("device node", vec![tar(&[E::Char("dev/mem")])], "dev/mem"),
        ("duplicate", vec![tar(&[E::File("a", b"1"), E::File("a", b"2")])], "\"a\""),
    ];
    for (name, tars, needle) in cases {
        let work = tempfile::tempdir().unwrap();
        let layout = work.path().join("layout");
        layout_with(&layout, &tars);
        let dest = work.path().join("jail/rootfs");
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let err = fails(&["unpack", layout.to_str().unwrap(), "-o", dest.to_str().unwrap()]);
        assert!(err.contains("refusing layer sha256:"), "{name}: {err}");
        assert!(err.contains(needle), "{name}: expected {needle:?} in {err}");
        assert!(!dest.exists(), "{name}: a refused unpack left {}", dest.display());
        let jail: Vec<_> = fs::read_dir(dest.parent().unwrap()).unwrap().collect();
        assert!(jail.is_empty(), "{name}: leftovers beside the target");
        let outside: Vec<_> = fs::read_dir(work.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(outside.len(), 2, "{name}: only layout/ and jail/ exist: {outside:?}");
    }
}

#[test]
fn unpack_refuses_a_truncated_layer_with_the_blob_named() {
    let work = tempfile::tempdir().unwrap();
    let layout_dir = work.path().join("layout");
    build_web(work.path(), &layout_dir);
    let image = Layout::open(&layout_dir).unwrap().image(None, None).unwrap();
    let layer = &image.manifest.value.layers[0];
    let blob = layout_dir.join("blobs/sha256").join(layer.digest.hex());
    let bytes = fs::read(&blob).unwrap();
    fs::write(&blob, &bytes[..bytes.len() / 2]).unwrap();
    let dest = work.path().join("rootfs");
    let err = fails(&["unpack", layout_dir.to_str().unwrap(), "-o", dest.to_str().unwrap()]);
    assert!(err.contains(layer.digest.hex()), "{err}");
    assert!(!dest.exists());
}

#[test]
fn unpack_refuses_a_decompression_bomb_past_the_limit() {
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    // 64 MiB of zeros in one file: a tiny blob that expands 1000-fold.
    let mut t = Vec::new();
    {
        let mut b = tar::Builder::new(&mut t);
        let mut h = tar::Header::new_gnu();
        h.set_size(64 << 20);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_cksum();
        b.append_data(&mut h, "zeros", std::io::repeat(0).take_exact(64 << 20)).unwrap();
        b.finish().unwrap();
    }
    layout_with(&layout, &[t]);
    let dest = work.path().join("rootfs");
    let err =
        fails(&["unpack", layout.to_str().unwrap(), "-o", dest.to_str().unwrap(), "--max-layer-size", "10000000"]);
    assert!(err.contains("refusing layer") && err.contains("10000000"), "{err}");
    assert!(!dest.exists());
}

trait TakeExact: std::io::Read + Sized {
    fn take_exact(self, n: u64) -> std::io::Take<Self> {
        self.take(n)
    }
}
impl<R: std::io::Read> TakeExact for R {}

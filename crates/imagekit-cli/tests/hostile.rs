//! `imagekit unpack` against hostile layers: a clear one-line error, exit 1, and nothing
//! written outside the target (nor a half-made target). The library's own tests cover each
//! case in depth; this checks the promise end to end through the CLI.

mod common;

use std::fs;

use common::*;
use imagekit::layout::Layout;
use testbed::tars::{tar, Raw};

#[test]
fn unpack_refuses_hostile_layers_and_writes_nothing() {
    let cases: Vec<(&str, Vec<Vec<u8>>, &str)> = vec![
        ("dot-dot", vec![tar(&[Raw::File("../escaped", b"x")])], "has a `..` component"),
        ("absolute", vec![tar(&[Raw::File("/etc/passwd", b"x")])], "absolute path"),
        (
            "symlink escape",
            vec![tar(&[Raw::Symlink("evil", "../../../../../outside")]), tar(&[Raw::File("evil/pwned", b"x")])],
            "escapes the root through symlink",
        ),
        ("hardlink escape", vec![tar(&[Raw::Hardlink("passwd", "../../../../etc/passwd")])], "passwd"),
        ("device node", vec![tar(&[Raw::Char("dev/mem")])], "dev/mem"),
        ("duplicate", vec![tar(&[Raw::File("a", b"1"), Raw::File("a", b"2")])], "\"a\""),
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

//! Hostile layers: each is refused with a one-line error naming the entry, and nothing is
//! written outside the destination (or at the destination at all).
#![cfg(feature = "fs")]

mod layers_support;

use std::fs;
use std::io::Write;
use std::path::Path;

use imagekit::apply::{unpack, Tree};
use imagekit::layer::{self, Limits};
use imagekit::Error;
use layers_support::{gzip, refused, tar, Raw};

#[test]
fn parent_dir_components() {
    let msg = refused(&[gzip(&tar(&[Raw::File("../evil", b"x")]))]);
    assert!(msg.ends_with("entry \"../evil\" has a `..` component"), "{msg}");
    let msg = refused(&[gzip(&tar(&[Raw::Dir("a/"), Raw::File("a/../../evil", b"x")]))]);
    assert!(msg.contains("entry \"a/../../evil\" has a `..` component"), "{msg}");
}

#[test]
fn absolute_paths() {
    let msg = refused(&[gzip(&tar(&[Raw::File("/etc/passwd", b"root::0:0::/:/bin/sh\n")]))]);
    assert!(msg.contains("entry \"/etc/passwd\" has an absolute path"), "{msg}");
}

#[test]
fn writes_through_a_symlink_that_leaves_the_root() {
    // Across layers, and within one layer.
    let lower = gzip(&tar(&[Raw::Symlink("evil", "../../../../tmp/x")]));
    let upper = gzip(&tar(&[Raw::File("evil/pwned", b"gotcha")]));
    let msg = refused(&[lower, upper]);
    assert!(msg.contains("entry \"evil/pwned\" escapes the root through symlink \"evil\""), "{msg}");
    let same = gzip(&tar(&[Raw::Symlink("evil", "../outside"), Raw::File("evil/pwned", b"gotcha")]));
    let msg = refused(&[same]);
    assert!(msg.contains("escapes the root through symlink \"evil\""), "{msg}");
    // A chain: `hop` is harmless by itself; `up`, reached through it, climbs out.
    let chain = gzip(&tar(&[Raw::Symlink("up", ".."), Raw::Symlink("hop", "up/x"), Raw::File("hop/pwned", b"x")]));
    let msg = refused(&[chain]);
    assert!(msg.contains("entry \"hop/pwned\" escapes the root through symlink \"up\""), "{msg}");
}

#[test]
fn a_symlink_to_a_sibling_of_dest_writes_nothing_there() {
    let work = tempfile::tempdir().unwrap();
    let outside = work.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let layer = gzip(&tar(&[Raw::Symlink("evil", "../outside"), Raw::File("evil/pwned", b"gotcha")]));
    let blob = work.path().join("layer.tar.gz");
    fs::write(&blob, layer).unwrap();
    let dest = work.path().join("rootfs");
    let err = unpack(&[&blob], &dest, &Limits::default()).unwrap_err().to_string();
    assert!(err.contains("escapes the root"), "{err}");
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0, "something was written outside the root");
    assert!(!dest.exists());
}

#[test]
fn absolute_symlinks_mean_the_image_root() {
    // Container semantics: /host-only resolves inside the image, never on the host.
    let work = tempfile::tempdir().unwrap();
    let host_dir = work.path().join("host-only");
    let target = host_dir.to_str().unwrap().to_string();
    let link: &'static str = Box::leak(target.clone().into_boxed_str());
    let layer = gzip(&tar(&[Raw::Symlink("abs", link), Raw::File("abs/inside", b"ok")]));
    let blob = work.path().join("layer.tar.gz");
    fs::write(&blob, layer).unwrap();
    let dest = work.path().join("rootfs");
    unpack(&[&blob], &dest, &Limits::default()).unwrap();
    assert!(!host_dir.exists(), "followed an absolute symlink onto the host");
    let inside = dest.join(target.trim_start_matches('/')).join("inside");
    assert_eq!(fs::read(inside).unwrap(), b"ok");
}

#[test]
fn hardlinks_that_leave_the_root_or_point_nowhere() {
    let msg = refused(&[gzip(&tar(&[Raw::Hardlink("passwd", "../../etc/passwd")]))]);
    assert!(msg.contains("hardlink \"passwd\" → \"../../etc/passwd\": target has a `..` component"), "{msg}");
    let msg = refused(&[gzip(&tar(&[Raw::Hardlink("passwd", "/etc/passwd")]))]);
    assert!(msg.contains("hardlink \"passwd\" → \"/etc/passwd\": target has an absolute path"), "{msg}");
    let msg = refused(&[gzip(&tar(&[Raw::Hardlink("passwd", "etc/passwd")]))]);
    assert!(msg.contains("hardlink \"passwd\" points to \"etc/passwd\", which does not exist"), "{msg}");
    let msg = refused(&[gzip(&tar(&[Raw::Symlink("up", ".."), Raw::Hardlink("passwd", "up/etc/passwd")]))]);
    assert!(msg.contains("escapes the root through symlink \"up\""), "{msg}");
    let msg = refused(&[gzip(&tar(&[Raw::Dir("d/"), Raw::Hardlink("l", "d")]))]);
    assert!(msg.contains("which is a directory"), "{msg}");
}

#[test]
fn markers_used_as_directories_and_self_links() {
    let msg = refused(&[gzip(&tar(&[Raw::Dir("a/.wh.b/"), Raw::File("a/.wh.b/x", b"x")]))]);
    assert!(msg.contains("entry \"a/.wh.b/x\" lies inside a whiteout marker"), "{msg}");
    let msg = refused(&[gzip(&tar(&[Raw::Hardlink("me", "./me")]))]);
    assert!(msg.contains("hardlink \"me\" points to itself"), "{msg}");
}

#[test]
fn device_nodes() {
    let msg = refused(&[gzip(&tar(&[Raw::Char("dev/kmsg")]))]);
    assert!(msg.contains("entry \"dev/kmsg\" is a character device"), "{msg}");
    let msg = refused(&[gzip(&tar(&[Raw::Block("dev/sda")]))]);
    assert!(msg.contains("entry \"dev/sda\" is a block device"), "{msg}");
}

#[test]
fn duplicate_entries() {
    let msg = refused(&[gzip(&tar(&[Raw::File("etc/passwd", b"a"), Raw::File("./etc/passwd", b"b")]))]);
    assert!(msg.contains("entry \"./etc/passwd\" appears twice in the layer"), "{msg}");
}

#[test]
fn truncated_gzip() {
    let blob = gzip(&tar(&[Raw::File("etc/passwd", &[b'x'; 5000])]));
    let msg = refused(&[blob[..blob.len() - 20].to_vec()]);
    assert!(msg.ends_with("truncated gzip stream"), "{msg}");
    // Cut inside the trailer: every byte of the tar arrived, the CRC did not.
    let msg = refused(&[blob[..blob.len() - 3].to_vec()]);
    assert!(msg.ends_with("truncated gzip stream"), "{msg}");
}

#[test]
fn wrong_crc_in_the_gzip_trailer() {
    let mut blob = gzip(&tar(&[Raw::File("etc/passwd", b"root")]));
    let n = blob.len();
    blob[n - 8] ^= 0xff;
    let msg = refused(&[blob.clone()]);
    assert!(msg.contains("gzip trailer CRC does not match"), "{msg}");
    let err = layer::diff_id_of_blob(&blob[..], &Limits::default()).unwrap_err().to_string();
    assert!(err.contains("gzip trailer CRC does not match"), "{err}");
}

/// A gzip stream whose tar holds one file of `total` zero bytes: concatenated gzip members
/// (one per MiB of zeros, ~1 KB each), built without ever holding the zeros.
fn bomb(total: u64) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path("zeros").unwrap();
    h.set_size(total);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_cksum();
    let mut blob = gzip(h.as_bytes());
    let mib = gzip(&vec![0u8; 1 << 20]);
    for _ in 0..total >> 20 {
        blob.extend_from_slice(&mib);
    }
    blob
}

#[test]
fn decompression_bomb_past_the_size_limit() {
    let blob = bomb(2 << 30);
    assert!(blob.len() < 4 << 20, "the bomb is {} bytes", blob.len());
    let limits = Limits { max_uncompressed: 512 << 20, ..Limits::default() };
    let expect = "decompressed stream expands past 536870912 bytes";
    let err = layer::diff_id_of_blob(&blob[..], &limits).unwrap_err();
    assert!(matches!(err, Error::HostileLayer { .. }) && err.to_string().contains(expect), "{err}");
    let err = Tree::new().apply_layer(&blob[..], 0, &limits).unwrap_err().to_string();
    assert!(err.contains(expect), "{err}");
}

#[test]
fn decompression_bomb_past_the_ratio_limit() {
    // One deflate stream of zeros runs at ~1000:1, beyond what real layers do at this size.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..100 {
        e.write_all(&zeros).unwrap();
    }
    let blob = e.finish().unwrap();
    let err = layer::diff_id_of_blob(&blob[..], &Limits::default()).unwrap_err().to_string();
    assert!(err.contains("more than 1000:1 (limit max_ratio)"), "{err}");
    // The same bytes under 64 MiB pass: small layers of zeros are normal.
    let small = gzip(&vec![0u8; 8 << 20]);
    layer::diff_id_of_blob(&small[..], &Limits::default()).unwrap();
}

#[test]
fn too_many_entries() {
    let entries: Vec<Raw> = vec![Raw::File("a", b""), Raw::File("b", b""), Raw::File("c", b"")];
    let limits = Limits { max_entries: 2, ..Limits::default() };
    let err = Tree::new().apply_layer(&tar(&entries)[..], 0, &limits).unwrap_err().to_string();
    assert!(err.contains("more than 2 entries"), "{err}");
}

#[test]
fn refuses_a_non_empty_destination() {
    let work = tempfile::tempdir().unwrap();
    fs::write(work.path().join("keep"), b"mine").unwrap();
    let blob = work.path().join("l.tar");
    fs::write(&blob, tar(&[Raw::File("a", b"x")])).unwrap();
    let err = unpack(&[&blob], work.path(), &Limits::default()).unwrap_err().to_string();
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(fs::read(work.path().join("keep")).unwrap(), b"mine");
    // An empty directory is fine: it is replaced by the unpacked tree.
    let empty = work.path().join("empty");
    fs::create_dir(&empty).unwrap();
    unpack(&[&blob], &empty, &Limits::default()).unwrap();
    assert_eq!(fs::read(empty.join("a")).unwrap(), b"x");
}

#[test]
fn a_later_bad_layer_loses_the_whole_unpack() {
    let work = tempfile::tempdir().unwrap();
    let good = work.path().join("good.tar");
    let bad = work.path().join("bad.tar");
    fs::write(&good, tar(&[Raw::File("a", b"x")])).unwrap();
    fs::write(&bad, tar(&[Raw::File("/abs", b"x")])).unwrap();
    let dest = work.path().join("rootfs");
    assert!(unpack(&[&good, &bad], &dest, &Limits::default()).is_err());
    assert!(!dest.exists());
    assert!(!Path::new(&work.path().join(".unpack-")).exists());
    assert_eq!(fs::read_dir(work.path()).unwrap().count(), 2, "staging directory left behind");
}

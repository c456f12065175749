//! Building layers: reproducible bytes, thread-count independence, and interop with gzip.
#![cfg(feature = "fs")]

mod layers_support;

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use imagekit::layer::{self, BuildOptions, Entry, LayerInfo};
use imagekit::Digest;
use layers_support::{gunzip, have, noise, text};

fn opts(threads: usize) -> BuildOptions {
    BuildOptions { mtime: 1_700_000_000, level: 6, threads }
}

fn build_dir(dir: &Path, whiteouts: &[String], o: &BuildOptions) -> (LayerInfo, Vec<u8>) {
    let mut blob = Vec::new();
    let info = layer::build_from_dir(dir, whiteouts, o, &mut blob).unwrap();
    (info, blob)
}

/// A small tree with every kind of entry, written in the given order of top-level names.
fn populate(root: &Path, order: &[&str]) {
    for name in order {
        match *name {
            "bin" => {
                fs::create_dir_all(root.join("bin")).unwrap();
                fs::write(root.join("bin/tool"), b"#!/bin/sh\necho hi\n").unwrap();
                fs::set_permissions(root.join("bin/tool"), fs::Permissions::from_mode(0o4755)).unwrap();
                std::os::unix::fs::symlink("tool", root.join("bin/alias")).unwrap();
            }
            "etc" => {
                fs::create_dir_all(root.join("etc/empty.d")).unwrap();
                fs::write(root.join("etc/os-release"), b"ID=driftwood\n").unwrap();
                fs::set_permissions(root.join("etc/os-release"), fs::Permissions::from_mode(0o600)).unwrap();
                fs::hard_link(root.join("etc/os-release"), root.join("etc/z-hardlink")).unwrap();
            }
            "data" => {
                fs::create_dir_all(root.join("data")).unwrap();
                fs::write(root.join("data/big.txt"), text(700_000, 7)).unwrap();
                fs::write(root.join("data/noise.bin"), noise(300_000, 9)).unwrap();
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn same_tree_gives_the_same_bytes_whatever_the_order_on_disk() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    populate(a.path(), &["bin", "etc", "data"]);
    populate(b.path(), &["data", "etc", "bin"]);
    let (info_a, blob_a) = build_dir(a.path(), &[], &opts(2));
    let (info_a2, blob_a2) = build_dir(a.path(), &[], &opts(2));
    let (info_b, blob_b) = build_dir(b.path(), &[], &opts(2));
    assert_eq!(blob_a, blob_a2);
    assert_eq!(info_a, info_a2);
    assert_eq!(blob_a, blob_b, "creation order on disk leaked into the layer");
    assert_eq!(info_a, info_b);
    // The reported digests are of the bytes.
    assert_eq!(info_a.digest, Digest::of_bytes(&blob_a));
    assert_eq!(info_a.size, blob_a.len() as u64);
    let tar = gunzip(&blob_a);
    assert_eq!(info_a.diff_id, Digest::of_bytes(&tar));
    assert_eq!(info_a.uncompressed_size, tar.len() as u64);
}

#[test]
fn output_is_identical_for_every_thread_count() {
    // Several compression blocks of text and noise, so blocks meet mid-match.
    let entries = || {
        vec![
            Entry::file("a/text", 0o644, text(1_500_000, 1)),
            Entry::file("a/noise", 0o644, noise(600_000, 2)),
            Entry::file("b/more-text", 0o644, text(900_000, 3)),
        ]
    };
    let mut blobs = Vec::new();
    for threads in [1, 2, 3, 4] {
        let mut blob = Vec::new();
        let info = layer::build_from_entries(entries(), &opts(threads), &mut blob).unwrap();
        blobs.push((threads, info, blob));
    }
    for (threads, info, blob) in &blobs[1..] {
        assert!(*blob == blobs[0].2, "threads={threads} gave different bytes than threads=1");
        assert_eq!(*info, blobs[0].1);
    }
}

#[test]
fn entries_and_tar_agree() {
    let entries = vec![
        Entry::dir("etc", 0o755),
        Entry::file("etc/hosts", 0o644, "127.0.0.1 localhost\n"),
        Entry::whiteout("var/cache"),
    ];
    let mut tar = Vec::new();
    layer::write_tar(entries.clone(), &opts(1), &mut tar).unwrap();
    let mut blob = Vec::new();
    let info = layer::build_from_entries(entries, &opts(1), &mut blob).unwrap();
    assert_eq!(gunzip(&blob), tar);
    assert_eq!(info.diff_id, Digest::of_bytes(&tar));
}

#[test]
fn gzip_and_sha256sum_agree_with_our_digests() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), &["bin", "etc", "data"]);
    let (info, blob) = build_dir(dir.path(), &[], &opts(2));
    if !have("gzip") {
        return;
    }
    let blob_path = dir.path().join("layer.tar.gz");
    fs::write(&blob_path, &blob).unwrap();
    let test = Command::new("gzip").arg("-t").arg(&blob_path).status().unwrap();
    assert!(test.success(), "gzip -t rejected the blob");
    let mut child = Command::new("gzip").arg("-dc").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&blob).unwrap());
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert!(out.status.success());
    assert_eq!(Digest::of_bytes(&out.stdout), info.diff_id, "gzip -dc | sha256 differs from diff_id");
    if have("sha256sum") {
        let script = format!("gzip -dc {} | sha256sum", blob_path.display());
        let out = Command::new("sh").args(["-c", &script]).output().unwrap();
        let hex = String::from_utf8(out.stdout).unwrap();
        assert_eq!(format!("sha256:{}", &hex[..64]), info.diff_id.to_string());
    }
}

#[test]
fn keeps_modes_links_and_hardlinks_but_not_owners_or_times() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), &["bin", "etc"]);
    // Owners never reach the layer (only possible to set as root).
    let _ = std::os::unix::fs::chown(dir.path().join("etc/os-release"), Some(1234), Some(5678));
    let (_, blob) = build_dir(dir.path(), &[], &opts(1));
    let tar = gunzip(&blob);
    let mut archive = tar::Archive::new(&tar[..]);
    let mut seen = Vec::new();
    for e in archive.entries().unwrap() {
        let e = e.unwrap();
        let h = e.header();
        assert_eq!((h.uid().unwrap(), h.gid().unwrap(), h.mtime().unwrap()), (0, 0, 1_700_000_000));
        assert_eq!(h.username_bytes().unwrap_or_default(), b"");
        let link = e.link_name().unwrap().map(|l| l.display().to_string());
        seen.push((e.path().unwrap().display().to_string(), h.entry_type(), h.mode().unwrap(), link));
    }
    use tar::EntryType::*;
    let expect = |p: &str, t, m, l: Option<&str>| (p.to_string(), t, m, l.map(str::to_string));
    assert_eq!(
        seen,
        vec![
            expect("bin/", Directory, 0o755, None),
            expect("bin/alias", Symlink, 0o777, Some("tool")),
            expect("bin/tool", Regular, 0o4755, None),
            expect("etc/", Directory, 0o755, None),
            expect("etc/empty.d/", Directory, 0o755, None),
            expect("etc/os-release", Regular, 0o600, None),
            expect("etc/z-hardlink", Link, 0o600, Some("etc/os-release")),
        ]
    );
}

#[test]
fn whiteouts_become_markers() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("etc")).unwrap();
    let wh = ["/var/cache/apt".to_string(), "etc/nginx/*".to_string(), "*".to_string()];
    let (_, blob) = build_dir(dir.path(), &wh, &opts(1));
    let tar = gunzip(&blob);
    let names: Vec<String> = tar::Archive::new(&tar[..])
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert_eq!(names, [".wh..wh..opq", "etc/", "etc/nginx/.wh..wh..opq", "var/cache/.wh.apt"]);
    let err = layer::build_from_dir(dir.path(), &["../x".to_string()], &opts(1), std::io::sink()).unwrap_err();
    assert!(err.to_string().contains("has a `..` component"), "{err}");
}

#[test]
fn refuses_sockets_and_whiteout_names_in_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
    let err = layer::build_from_dir(dir.path(), &[], &opts(1), std::io::sink()).unwrap_err().to_string();
    assert!(err.contains("sock is a socket"), "{err}");
    assert!(!err.contains('\n'));

    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".wh.passwd"), b"").unwrap();
    let err = layer::build_from_dir(dir.path(), &[], &opts(1), std::io::sink()).unwrap_err().to_string();
    assert!(err.contains(".wh.passwd starts with \".wh.\""), "{err}");
}

#[test]
fn source_date_epoch_sets_the_mtime() {
    // The only test in this binary that touches the environment.
    std::env::set_var("SOURCE_DATE_EPOCH", "1234567890");
    let o = BuildOptions::from_env();
    std::env::set_var("SOURCE_DATE_EPOCH", "yesterday");
    let invalid = BuildOptions::from_env();
    std::env::remove_var("SOURCE_DATE_EPOCH");
    assert_eq!(o.mtime, 1_234_567_890);
    assert_eq!(invalid.mtime, 0);
    assert_eq!(BuildOptions::from_env().mtime, 0);

    let mut tar = Vec::new();
    layer::write_tar(vec![Entry::file("f", 0o644, "x")], &o, &mut tar).unwrap();
    let mut archive = tar::Archive::new(&tar[..]);
    let mtime = archive.entries().unwrap().next().unwrap().unwrap().header().mtime().unwrap();
    assert_eq!(mtime, 1_234_567_890);
}

#[test]
fn built_layer_unpacks_to_the_same_tree() {
    let src = tempfile::tempdir().unwrap();
    populate(src.path(), &["bin", "etc", "data"]);
    let (_, blob) = build_dir(src.path(), &[], &opts(2));
    let work = tempfile::tempdir().unwrap();
    let blob_path = work.path().join("layer.tar.gz");
    fs::write(&blob_path, &blob).unwrap();
    let dest = work.path().join("rootfs");
    imagekit::apply::unpack(&[&blob_path], &dest, &Default::default()).unwrap();
    assert_eq!(layers_support::list_dir(&dest), layers_support::list_dir(src.path()));
    use std::os::unix::fs::MetadataExt;
    let ino = |p: &str| fs::metadata(dest.join(p)).unwrap().ino();
    assert_eq!(ino("etc/os-release"), ino("etc/z-hardlink"), "hardlink became a copy");
}

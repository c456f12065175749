//! Shared helpers for the CLI's integration tests: run `imagekit`, find oracles, make fixtures.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run the `imagekit` binary built for this test run.
pub fn imagekit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imagekit"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("running imagekit")
}

/// Run imagekit and insist on success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = imagekit(args);
    assert!(out.status.success(), "imagekit {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Run imagekit and insist on exit code 1; returns stderr.
pub fn fails(args: &[&str]) -> String {
    let out = imagekit(args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "imagekit {args:?} should fail with 1; stderr: {stderr}");
    assert!(stderr.starts_with("error: "), "errors start with 'error: ': {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "errors are one line: {stderr}");
    stderr
}

/// An independent tool, or None when it is missing and not required: the workspace's one rule
/// (testbed), under which `IMAGEKIT_REQUIRE_ORACLES=1` (set by CI) turns a missing oracle into a
/// failure.
pub fn oracle(name: &str) -> Option<PathBuf> {
    match testbed::oracle(name, name) {
        testbed::Oracle::Present(path) => Some(path),
        testbed::Oracle::Skipped(message) => {
            eprintln!("SKIPPED: {message}");
            None
        }
        testbed::Oracle::Required(message) => panic!("{message}"),
    }
}

pub fn write(path: &Path, contents: &[u8], mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Two layer directories and a third for deletions, shaped like a small web image:
/// nested dirs, an executable, a symlink, a file the app layer overwrites, files to delete.
pub fn web_fixture(root: &Path) -> (PathBuf, PathBuf) {
    let base = root.join("base");
    let app = root.join("app");
    write(&base.join("etc/os-release"), b"NAME=\"Driftwood Test Linux\"\n", 0o644);
    write(&base.join("etc/motd"), b"welcome\n", 0o644);
    write(&base.join("bin/hello"), b"#!/bin/sh\necho hello\n", 0o755);
    write(&base.join("usr/share/doc/big.txt"), &pseudo_random(300_000), 0o644);
    write(&base.join("var/cache/pkgs/a.pkg"), b"package a\n", 0o600);
    write(&base.join("var/cache/pkgs/b.pkg"), b"package b\n", 0o600);
    fs::create_dir_all(base.join("tmp")).unwrap();
    fs::set_permissions(base.join("tmp"), fs::Permissions::from_mode(0o1777)).unwrap();
    std::os::unix::fs::symlink("hello", base.join("bin/hi")).unwrap();
    write(&app.join("etc/motd"), b"welcome to driftwood\n", 0o644);
    write(&app.join("srv/www/index.html"), b"<h1>Driftwood</h1>\n", 0o644);
    write(&app.join("srv/www/app.js"), b"console.log('tides');\n", 0o644);
    (base, app)
}

/// Incompressible, deterministic bytes, so sizes in tests mean something.
pub fn pseudo_random(len: usize) -> Vec<u8> {
    testbed::noise(1, len)
}

/// `imagekit image build` of `layers` (in order) with `flags` (tag, platforms, config) into the
/// layout `out`; returns what it printed.
pub fn build_image(layers: &[&Path], flags: &[&str], out: &Path) -> String {
    let mut args = vec!["image", "build"];
    for layer in layers {
        args.extend(["--layer", layer.to_str().unwrap()]);
    }
    args.extend_from_slice(flags);
    args.extend(["-o", out.to_str().unwrap()]);
    ok(&args)
}

/// The fixture image (base, app) for two platforms: one index, two manifests, tag `multi:1`.
pub fn build_two_platforms(base: &Path, app: &Path, layout: &Path) {
    build_image(
        &[base, app],
        &["--platform", "linux/amd64", "--platform", "linux/arm64/v8", "--tag", "multi:1"],
        layout,
    );
}

/// Build the fixture image (base, app, delete two paths) into `layout` with tag `web:1`.
pub fn build_web(root: &Path, layout: &Path) {
    let (base, app) = web_fixture(root);
    let deletes = ["--delete", "usr/share/doc/big.txt", "--delete", "var/cache/pkgs"];
    build_image(&[&base, &app], &[&deletes[..], &["--tag", "web:1", "--cmd", "/bin/hello"]].concat(), layout);
}

/// Every file under `root`: relative path → (kind, permission bits, content or link target).
pub fn snapshot(root: &Path) -> std::collections::BTreeMap<String, (char, u32, Vec<u8>)> {
    let mut out = std::collections::BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, (char, u32, Vec<u8>)>) {
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let rel = path.strip_prefix(root).unwrap().to_string_lossy().to_string();
        let meta = fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_symlink() {
            out.insert(rel, ('l', 0, fs::read_link(&path).unwrap().to_string_lossy().as_bytes().to_vec()));
        } else if meta.is_dir() {
            out.insert(rel, ('d', mode, Vec::new()));
            walk(root, &path, out);
        } else {
            out.insert(rel, ('f', mode, fs::read(&path).unwrap()));
        }
    }
}

/// Paths of every blob in a layout.
pub fn blobs(layout: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(layout.join("blobs/sha256")).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

pub fn is_root() -> bool {
    // SAFETY-free check: root owns /proc/self when we are uid 0.
    std::os::unix::fs::MetadataExt::uid(&fs::metadata("/proc/self").unwrap()) == 0
}

/// A well-formed layout whose layers are `tars` (gzip'd), with correct digests and diff_ids:
/// only the content is hostile.
pub fn layout_with(dir: &Path, tars: &[Vec<u8>]) {
    use imagekit::{config::ImageConfig, layout::Layout, manifest::Manifest, media, raw::Raw, Descriptor, Digest};
    let layout = Layout::create(dir).unwrap();
    let mut layers = Vec::new();
    for t in tars {
        let blob = testbed::tars::gzip(t);
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

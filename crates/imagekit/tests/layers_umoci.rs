//! An independent oracle: umoci (Go's gzip and tar readers, its own whiteout handling, and a
//! diff_id check against the config) unpacks layers we built, and must see what we see.
#![cfg(feature = "fs")]

mod layers_support;

use std::fs;
use std::path::Path;
use std::process::Command;

use imagekit::apply::unpack;
use imagekit::layer::{self, BuildOptions, Entry, LayerInfo, Limits};
use imagekit::Digest;
use layers_support::{have, list_dir, noise, text};
use serde_json::json;

/// Write `bytes` as a blob of a hand-made OCI layout; returns its descriptor fields.
fn put_blob(layout: &Path, bytes: &[u8]) -> (String, usize) {
    let digest = Digest::of_bytes(bytes);
    fs::write(layout.join("blobs/sha256").join(digest.hex()), bytes).unwrap();
    (digest.to_string(), bytes.len())
}

/// A minimal image layout around `layers`, tagged `t`. Written by hand so that this test
/// depends on nothing but the layer code.
fn layout_of(layout: &Path, layers: &[(LayerInfo, Vec<u8>)]) {
    fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    fs::write(layout.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let mut descriptors = Vec::new();
    for (info, blob) in layers {
        let (digest, size) = put_blob(layout, blob);
        assert_eq!(digest, info.digest.to_string());
        descriptors
            .push(json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}));
    }
    let diff_ids: Vec<String> = layers.iter().map(|(i, _)| i.diff_id.to_string()).collect();
    let config = json!({"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": diff_ids}});
    let (config_digest, config_size) = put_blob(layout, config.to_string().as_bytes());
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": descriptors,
    });
    let (manifest_digest, manifest_size) = put_blob(layout, manifest.to_string().as_bytes());
    let index = json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": manifest_digest,
            "size": manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": "t"},
        }],
    });
    fs::write(layout.join("index.json"), index.to_string()).unwrap();
}

#[test]
fn umoci_unpacks_our_layers_to_the_same_tree() {
    if !have("umoci") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let opts = BuildOptions { mtime: 1_700_000_000, level: 6, threads: 2 };

    // Layer 0 from a directory: text and noise across several compression blocks, links.
    let src = work.path().join("src");
    fs::create_dir_all(src.join("etc/nginx/conf.d")).unwrap();
    fs::create_dir_all(src.join("usr/lib")).unwrap();
    fs::create_dir_all(src.join("var/cache")).unwrap();
    fs::write(src.join("etc/nginx/nginx.conf"), text(40_000, 1)).unwrap();
    fs::write(src.join("etc/nginx/conf.d/default.conf"), b"server {}\n").unwrap();
    fs::write(src.join("usr/lib/libbig.so"), noise(700_000, 2)).unwrap();
    fs::write(src.join("usr/lib/notes.txt"), text(900_000, 3)).unwrap();
    fs::hard_link(src.join("usr/lib/libbig.so"), src.join("usr/lib/libbig.so.1")).unwrap();
    std::os::unix::fs::symlink("usr/lib", src.join("lib")).unwrap();
    fs::write(src.join("var/cache/junk"), text(5_000, 4)).unwrap();
    let mut blob0 = Vec::new();
    let info0 = layer::build_from_dir(&src, &[], &opts, &mut blob0).unwrap();

    // Layer 1 in memory: a deletion, an opaque directory with new contents, a replacement.
    let entries = vec![
        Entry::whiteout("var/cache"),
        Entry::dir("etc/nginx", 0o755),
        Entry::opaque("etc/nginx"),
        Entry::file("etc/nginx/nginx.conf", 0o644, "worker_processes auto;\n"),
        Entry::file("usr/lib/notes.txt", 0o600, "replaced\n"),
    ];
    let mut blob1 = Vec::new();
    let info1 = layer::build_from_entries(entries, &opts, &mut blob1).unwrap();

    let layers = [(info0, blob0), (info1, blob1)];
    let oci = work.path().join("oci");
    layout_of(&oci, &layers);
    let bundle = work.path().join("bundle");
    let out = Command::new("umoci")
        .args(["unpack", "--image"])
        .arg(format!("{}:t", oci.display()))
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(out.status.success(), "umoci unpack failed: {}", String::from_utf8_lossy(&out.stderr));

    let blobs: Vec<_> = layers
        .iter()
        .enumerate()
        .map(|(i, (_, blob))| {
            let p = work.path().join(format!("{i}.tar.gz"));
            fs::write(&p, blob).unwrap();
            p
        })
        .collect();
    let ours = work.path().join("ours");
    unpack(&blobs, &ours, &Limits::default()).unwrap();
    let theirs = list_dir(&bundle.join("rootfs"));
    assert_eq!(list_dir(&ours), theirs, "umoci and imagekit unpack differently");
    assert!(theirs.contains_key("usr/lib/libbig.so.1") && !theirs.contains_key("var/cache"));
    assert!(!theirs.contains_key("etc/nginx/conf.d"));
}

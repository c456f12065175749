//! Hostile layouts at the blob-directory level (issue 12, item 10 and item 4): every case gets
//! a clear one-line error and nothing hangs, follows a link out, or overflows the stack.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use imagekit::descriptor::Descriptor;
use imagekit::digest::Digest;
use imagekit::layout::Layout;
use imagekit::media;

fn layout_with_manifest(dir: &Path) -> (Layout, Descriptor) {
    let layout = Layout::create(dir).unwrap();
    let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config_desc = Descriptor::for_bytes(media::OCI_CONFIG, config);
    layout.write_blob(config).unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": media::OCI_MANIFEST, "config": config_desc, "layers": []
    }))
    .unwrap();
    layout.write_blob(&manifest).unwrap();
    let desc = Descriptor::for_bytes(media::OCI_MANIFEST, &manifest);
    layout.set_tag("t", desc.clone()).unwrap();
    (layout, desc)
}

#[test]
fn a_fifo_under_a_digest_name_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, desc) = layout_with_manifest(&dir.path().join("l"));
    let path = layout.blob_path(&desc.digest);
    fs::remove_file(&path).unwrap();
    assert!(Command::new("mkfifo").arg(&path).status().unwrap().success());
    let err = layout.image(Some("t"), None).unwrap_err().to_string();
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn a_symlink_in_blobs_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, desc) = layout_with_manifest(&dir.path().join("l"));
    let path = layout.blob_path(&desc.digest);
    let outside = dir.path().join("outside");
    fs::rename(&path, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &path).unwrap();
    let err = layout.image(Some("t"), None).unwrap_err().to_string();
    assert!(err.contains("a symlink"), "{err}");
}

#[test]
fn a_sha512_descriptor_is_named_as_unsupported_not_as_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, _) = layout_with_manifest(&dir.path().join("l"));
    let hex = "ab".repeat(64);
    let desc = Descriptor::new(media::OCI_MANIFEST, Digest::parse(&format!("sha512:{hex}")).unwrap(), 10);
    let err = layout.read_blob(&desc).unwrap_err().to_string();
    assert!(err.contains("sha512 is not supported") && !err.contains("mismatch"), "{err}");
}

#[test]
fn tags_with_newlines_dots_or_nothing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, desc) = layout_with_manifest(&dir.path().join("l"));
    for bad in ["", "web\n1", "../../etc", "a/./b", "tab\there"] {
        let err = layout.set_tag(bad, desc.clone()).unwrap_err().to_string();
        assert!(err.starts_with("invalid reference"), "{bad:?}: {err}");
    }
    assert_eq!(layout.tags().unwrap(), ["t"], "nothing was written");
}

#[test]
fn blobs_are_created_with_the_umask_not_0600() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, desc) = layout_with_manifest(&dir.path().join("l"));
    // What a plain create gives under this process's umask is what a blob must get.
    let probe = dir.path().join("probe");
    fs::File::create(&probe).unwrap();
    let expected = fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
    let got = fs::metadata(layout.blob_path(&desc.digest)).unwrap().permissions().mode() & 0o777;
    assert_eq!(got, expected, "blob mode {got:o}, a plain file gets {expected:o}");
    let index = fs::metadata(layout.root().join("index.json")).unwrap().permissions().mode() & 0o777;
    assert_eq!(index, expected);
}

#[test]
fn a_manifest_declared_over_4_mib_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, _) = layout_with_manifest(&dir.path().join("l"));
    let big = vec![b' '; (4 << 20) + 1];
    layout.write_blob(&big).unwrap();
    layout.set_tag("big", Descriptor::for_bytes(media::OCI_MANIFEST, &big)).unwrap();
    let err = layout.image(Some("big"), None).unwrap_err().to_string();
    let declared = format!("declares {} bytes, over the limit for manifests and configs (4194304 bytes)", big.len());
    assert!(err.contains(&declared), "{err}");
}

#[test]
fn three_thousand_nested_indexes_are_refused_by_verify_without_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, mut top) = layout_with_manifest(&dir.path().join("l"));
    for _ in 0..3000 {
        top.platform = Some(imagekit::Platform::parse("linux/amd64").unwrap());
        let index = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [top]})).unwrap();
        layout.write_blob(&index).unwrap();
        top = Descriptor::for_bytes(media::OCI_INDEX, &index);
    }
    layout.set_tag("deep", top).unwrap();
    let err = layout.verify(&Default::default()).unwrap_err().to_string();
    assert!(err.contains("nests indexes more than"), "{err}");
    let err = layout.image(Some("deep"), None).unwrap_err().to_string();
    assert!(err.contains("nested more than"), "{err}");
}

#[test]
fn leftovers_of_a_killed_write_are_reported_then_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, _) = layout_with_manifest(&dir.path().join("l"));
    // What a killed writer leaves: a temporary file nobody holds.
    let leftover = layout.root().join("blobs/sha256").join(format!("{}dead", imagekit::blobs::TMP_PREFIX));
    fs::write(&leftover, b"half a blob").unwrap();
    let report = layout.verify(&Default::default()).unwrap();
    assert_eq!(report.leftovers.len(), 1, "verify reports it and does not fail");
    // A live writer's file is not a leftover: hold one open and locked.
    let live = layout.root().join("blobs/sha256").join(format!("{}live", imagekit::blobs::TMP_PREFIX));
    let held = fs::File::create(&live).unwrap();
    held.lock().unwrap();
    let removed = layout.blobs().clean_leftovers().unwrap();
    assert_eq!(removed.len(), 1);
    assert!(!leftover.exists() && live.exists());
}

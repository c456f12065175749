//! The explorer on images built here, in memory: an oci-archive and a layout folder with a
//! deleted secret, a damaged layer, a truncated archive, a foreign file, single layers.

use std::io::Read;
use std::rc::Rc;

use imagekit::archive::RandomAccess;
use imagekit::layer::{build_from_entries, BuildOptions, Entry, LayerInfo};
use imagekit::Digest;
use serde_json::json;

use crate::explore::{explore_file, explore_folder, explore_source};
use crate::folder::Folder;
use crate::report::Report;

const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nnot really\n";

fn layer(entries: Vec<Entry>) -> (Vec<u8>, LayerInfo) {
    let mut blob = Vec::new();
    let info = build_from_entries(entries, &BuildOptions::default(), &mut blob).unwrap();
    (blob, info)
}

/// The files of an OCI layout: a base layer with a key, a layer that deletes it, and a config
/// whose Env holds a password.
fn layout() -> Vec<(String, Vec<u8>)> {
    let base = layer(vec![
        Entry::file("etc/passwd", 0o644, b"root:x:0:0::/root:/bin/sh\n".to_vec()),
        Entry::file("app/server.key", 0o600, KEY.to_vec()),
    ]);
    let delete = layer(vec![Entry::whiteout("app/server.key"), Entry::file("app/index.html", 0o644, b"<h1>hi</h1>")]);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/bin", "DB_PASSWORD=hunter2hunter2"], "Cmd": ["serve"], "ExposedPorts": {"80/tcp": {}}},
        "rootfs": {"type": "layers", "diff_ids": [base.1.diff_id, delete.1.diff_id]},
        "history": [
            {"created_by": "COPY base /"},
            {"created_by": "ENV DB_PASSWORD=hunter2hunter2", "empty_layer": true},
            {"created_by": "RUN rm app/server.key"}
        ]
    }))
    .unwrap();
    let layer_desc = |(blob, info): &(Vec<u8>, LayerInfo)| json!({"mediaType": imagekit::media::OCI_LAYER_GZIP, "digest": info.digest, "size": blob.len()});
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": imagekit::media::OCI_MANIFEST,
        "config": {"mediaType": imagekit::media::OCI_CONFIG, "digest": Digest::of_bytes(&config), "size": config.len()},
        "layers": [layer_desc(&base), layer_desc(&delete)]
    }))
    .unwrap();
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": imagekit::media::OCI_MANIFEST, "digest": Digest::of_bytes(&manifest), "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": "web:1"}
        }]
    }))
    .unwrap();
    let blob = |bytes: Vec<u8>| (format!("blobs/sha256/{}", Digest::of_bytes(&bytes).hex()), bytes);
    vec![
        ("oci-layout".into(), br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()),
        ("index.json".into(), index),
        blob(manifest),
        blob(config),
        blob(base.0),
        blob(delete.0),
    ]
}

fn tar_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = tar::Builder::new(Vec::new());
    for (path, bytes) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_cksum();
        out.append_data(&mut header, path, &bytes[..]).unwrap();
    }
    out.into_inner().unwrap()
}

fn explore(bytes: Vec<u8>, name: &str) -> Result<Report, String> {
    let mut seen = Vec::new();
    let result =
        explore_file(Rc::new(bytes), name, None, None, &mut |i: usize, n: usize, _: &str, _: u64| seen.push((i, n)));
    if let Ok(report) = &result {
        assert_eq!(seen.len(), report.layers.len(), "the observer hears of every layer");
    }
    result
}

fn check_image(report: &Report) {
    assert_eq!(report.kind, "image");
    assert_eq!(report.layers.len(), 2);
    let (base, delete) = (&report.layers[0], &report.layers[1]);
    assert_eq!((base.added, base.changed, base.deleted), (2, 0, 0));
    assert_eq!((delete.added, delete.deleted), (1, 1));
    assert_eq!(delete.deleted_bytes_still_shipped, KEY.len() as u64, "the deleted key still ships");
    assert_eq!(report.deleted_bytes_still_shipped, KEY.len() as u64);
    assert_eq!(delete.created_by.as_deref(), Some("RUN rm app/server.key"));
    let marks: Vec<(&str, &str)> = delete.files.iter().map(|c| (c.path.as_str(), c.mark)).collect();
    assert!(marks.contains(&("app/server.key", "deleted")), "{marks:?}");
    assert!(marks.contains(&("app/index.html", "added")), "{marks:?}");
    assert_eq!(report.history.iter().map(|h| h.layer).collect::<Vec<_>>(), [Some(0), None, Some(1)]);
    assert!(report.merged.iter().all(|f| f.path != "app/server.key"), "deleted from the merged view");
    assert_eq!(report.merged_view_files, 2);
    let config = report.config.as_ref().unwrap();
    assert_eq!(config.exposed_ports, ["80/tcp"]);
    assert_eq!(config.cmd.as_deref(), Some(&["serve".to_string()][..]));
    let audit = &report.audit;
    assert!(audit.secrets.iter().any(|s| s.name == "DB_PASSWORD" && s.place == "Env"), "{:?}", audit.secrets);
    let files = audit.files.as_ref().unwrap();
    let key = files.secret_files.iter().find(|s| s.path == "app/server.key").expect("the key is found");
    assert_eq!(key.deleted_in, Some(1));
    assert_eq!(files.deleted.len(), 1);
    assert_eq!(report.platforms.len(), 1);
    assert!(report.platforms[0].chosen && report.platforms[0].platform == "linux/amd64");
}

#[test]
fn an_oci_archive_shows_layers_whiteouts_history_and_findings() {
    let report = explore(tar_of(&layout()), "web.tar").unwrap();
    check_image(&report);
    assert!(report.source.starts_with("oci-archive:web.tar"), "{}", report.source);
}

/// The audit as the page receives it is the audit as `imagekit audit --json` writes it (serde's
/// derives in imagekit), less the efficiency score, which the page computes from the bytes.
#[test]
fn the_page_json_audit_is_the_cli_audit_without_the_score() {
    let report = explore(tar_of(&layout()), "web.tar").unwrap();
    let mut want = serde_json::to_value(report.audit.files.as_ref().unwrap()).unwrap();
    want["efficiency"].as_object_mut().unwrap().remove("score").expect("the CLI writes a score");
    want.as_object_mut().unwrap().insert("secrets".into(), serde_json::to_value(&report.audit.secrets).unwrap());
    let page: serde_json::Value = serde_json::from_str(&crate::page_json::answer(Ok(report))).unwrap();
    assert_eq!(page["ok"]["audit"], want);
    assert_eq!(page["ok"]["kind"], "image");
    let error = crate::page_json::answer(Err("bad\n \"file\"".into()));
    assert_eq!(error, r#"{"error":"bad \"file\""}"#);
}

#[test]
fn a_picked_layout_folder_reads_the_same_under_its_folder_name() {
    let files: Vec<(String, Rc<dyn RandomAccess>)> = layout()
        .into_iter()
        .map(|(p, bytes)| (format!("web-layout/{p}"), Rc::new(bytes) as Rc<dyn RandomAccess>))
        .collect();
    let folder = Folder::new("web-layout", files).unwrap();
    let report = explore_source(Rc::new(folder), None, &mut |_: usize, _: usize, _: &str, _: u64| {}).unwrap();
    check_image(&report);
}

#[test]
fn a_folder_without_a_layout_is_refused_in_one_line() {
    let files: Vec<(String, Rc<dyn RandomAccess>)> = vec![("photos/a.jpg".into(), Rc::new(vec![1u8, 2, 3]))];
    let err = Folder::new("photos", files).err().unwrap().to_string();
    assert!(err.contains("photos") && err.contains("oci-layout") && !err.contains('\n'), "{err}");
}

#[test]
fn a_flipped_byte_in_a_layer_names_that_layer_and_reports_nothing() {
    let mut files = layout();
    let (path, bytes) = files.last_mut().unwrap();
    let digest = format!("sha256:{}", path.rsplit('/').next().unwrap());
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let err = explore(tar_of(&files), "web.tar").err().expect("a damaged layer is an error");
    assert!(err.starts_with("layer 1 of 2") && err.contains(&digest), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

#[test]
fn a_truncated_archive_and_a_foreign_file_get_one_line_errors() {
    let archive = tar_of(&layout());
    // Cut inside a header, and at a block boundary inside the last file's bytes (the last
    // entry is one block of data before the two end-of-archive blocks).
    for cut in [archive.len() / 2 + 100, archive.len() - 1024 - 512] {
        let err = explore(archive[..cut].to_vec(), "cut.tar").err().unwrap();
        assert!(err.contains("cut.tar") && err.contains("truncated") && !err.contains('\n'), "{err}");
    }
    let err = explore(b"%PDF-1.7\nnot an archive at all".repeat(40), "notes.pdf").err().unwrap();
    assert!(err.contains("notes.pdf is not a tar archive") && !err.contains('\n'), "{err}");
    // Cut between entries, before index.json: whole blocks, the blobs there, no image to read.
    let headless: Vec<(String, Vec<u8>)> = layout().into_iter().filter(|(p, _)| p != "index.json").collect();
    let err = explore(tar_of(&headless), "cut.tar").err().unwrap();
    assert!(err.contains("cut.tar holds image blobs but no manifest.json or index.json"), "{err}");
}

#[test]
fn a_single_layer_gz_or_tar_is_read_with_its_digests_computed() {
    let (blob, info) = layer(vec![Entry::file("etc/motd", 0o644, b"hello\n".to_vec()), Entry::whiteout("tmp/x")]);
    let report = explore(blob.clone(), "layer.tar.gz").unwrap();
    assert_eq!(report.kind, "layer");
    assert_eq!(report.layers[0].digest, info.digest);
    assert_eq!(report.layers[0].diff_id, info.diff_id);
    assert_eq!(report.layers[0].size, blob.len() as u64);
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(&blob[..]).read_to_end(&mut tar).unwrap();
    let report = explore(tar, "layer.tar").unwrap();
    assert_eq!(
        (report.kind, &report.layers[0].digest),
        ("layer", &info.diff_id),
        "a plain tar's digest is its diff_id"
    );
    assert_eq!(report.merged_view_files, 1);
}

/// The layout with its one image listed twice more in index.json, under two more tags.
fn layout_of_three_tags() -> Vec<(String, Vec<u8>)> {
    let mut files = layout();
    let (_, index) = files.iter_mut().find(|(p, _)| p == "index.json").unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(index).unwrap();
    let entry = value["manifests"][0].clone();
    for tag in ["web:2", "web:3"] {
        let mut again = entry.clone();
        again["annotations"]["org.opencontainers.image.ref.name"] = tag.into();
        value["manifests"].as_array_mut().unwrap().push(again);
    }
    *index = serde_json::to_vec(&value).unwrap();
    files
}

#[test]
fn an_archive_of_several_images_offers_a_choice_then_reads_the_one_chosen() {
    let archive = tar_of(&layout_of_three_tags());
    let report = explore(archive.clone(), "three.tar").unwrap();
    assert_eq!((report.kind, &report.images[..]), ("choose", &["web:1", "web:2", "web:3"].map(String::from)[..]));
    assert!(report.layers.is_empty() && report.source.contains("three.tar holds 3 images"), "{}", report.source);
    let none = &mut |_: usize, _: usize, _: &str, _: u64| {};
    let report = explore_file(Rc::new(archive.clone()), "three.tar", Some("web:2"), None, none).unwrap();
    check_image(&report);
    assert!(report.source.starts_with("oci-archive:three.tar:web:2"), "{}", report.source);
    let err = explore_file(Rc::new(archive), "three.tar", Some("web:9"), None, none).err().unwrap();
    assert!(err.contains("web:9") && err.contains(r#""web:1", "web:2", "web:3""#), "{err}");
}

#[test]
fn a_layout_folder_of_several_images_offers_the_same_choice() {
    let files = || -> Vec<(String, Rc<dyn RandomAccess>)> {
        let files = layout_of_three_tags().into_iter();
        files.map(|(p, bytes)| (format!("three/{p}"), Rc::new(bytes) as Rc<dyn RandomAccess>)).collect()
    };
    let none = &mut |_: usize, _: usize, _: &str, _: u64| {};
    let report = explore_folder("three", files(), None, None, none).unwrap();
    assert_eq!(report.kind, "choose");
    assert_eq!(report.images, ["web:1", "web:2", "web:3"]);
    check_image(&explore_folder("three", files(), Some("web:3"), None, none).unwrap());
}

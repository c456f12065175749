//! Every source, one model: the same image read from its OCI layout, from skopeo-made
//! `docker-archive:` and `oci-archive:` copies (and a `docker save` stream on stdin), from a
//! Docker-25-style archive (an OCI layout and `manifest.json` in one tar), from a real registry
//! with `docker://`, and from the store after a pull, reports the same layers, history and files.
//! imagekit's own archives are read back by skopeo and umoci. A wrong diff_id is refused by
//! every verb that reads layers, naming the layer, and `unpack` then leaves nothing behind.

mod common;
#[path = "registry_support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

/// Run imagekit with `--json` (global), insist on success, parse stdout.
fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(&all)).unwrap()
}

/// The facts every source must agree on: layer digests, diff_ids, history, merged files.
fn facts(source: &str) -> (Vec<String>, Vec<String>, Vec<String>, u64) {
    let layers = json(&["layers", source]);
    let diff_ids = layers["layers"].as_array().unwrap().iter().map(|l| l["diff_id"].to_string()).collect();
    let history = json(&["history", source]);
    let steps = history["entries"].as_array().unwrap().iter().map(|e| e["created_by"].to_string()).collect();
    let files = layers["merged_view_files"].as_u64().unwrap();
    let added = layers["layers"].as_array().unwrap().iter().map(|l| l["added"].to_string()).collect();
    (diff_ids, steps, added, files)
}

fn skopeo_copy(skopeo: &Path, from: &str, to: &str) {
    let out = Command::new(skopeo).args(["copy", "-q", from, to]).output().unwrap();
    assert!(out.status.success(), "skopeo copy {from} {to}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn skopeo_made_archives_read_like_the_layout() {
    let Some(skopeo) = oracle("skopeo") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("oci");
    build_web(tmp.path(), &layout);
    let oci = format!("oci:{}:web:1", layout.display());
    let docker_tar = tmp.path().join("web-docker.tar");
    let oci_tar = tmp.path().join("web-oci.tar");
    skopeo_copy(&skopeo, &oci, &format!("docker-archive:{}:driftwood/web:1", docker_tar.display()));
    skopeo_copy(&skopeo, &oci, &format!("oci-archive:{}:web:1", oci_tar.display()));

    let expected = facts(&oci);
    for source in [format!("docker-archive:{}", docker_tar.display()), format!("oci-archive:{}", oci_tar.display())] {
        assert_eq!(facts(&source), expected, "{source} reads like the layout");
        let history = json(&["history", &source]);
        assert!(history["source"].as_str().unwrap().starts_with(source.split(':').next().unwrap()), "{history}");
    }
    // The classic form has no manifest blob: the one imagekit synthesizes names the same config.
    let from_docker = json(&["history", &format!("docker-archive:{}:driftwood/web:1", docker_tar.display())]);
    assert_eq!(from_docker["image_id"], json(&["history", &oci])["image_id"]);

    // `docker save … | imagekit …`: standard input.
    let out = Command::new(env!("CARGO_BIN_EXE_imagekit"))
        .args(["--json", "layers", "docker-archive:-"])
        .stdin(std::fs::File::open(&docker_tar).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let piped: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(piped["merged_view_files"].as_u64(), Some(expected.3));

    // Unpacked from each source: the same tree.
    let want = tmp.path().join("root-oci");
    ok(&["unpack", &oci, "-o", want.to_str().unwrap()]);
    for (i, source) in [docker_tar, oci_tar].iter().enumerate() {
        let got = tmp.path().join(format!("root-{i}"));
        ok(&["unpack", source.to_str().unwrap(), "-o", got.to_str().unwrap()]);
        assert_eq!(snapshot(&got), snapshot(&want), "unpack of {}", source.display());
    }
}

#[test]
fn imagekit_archives_read_back_by_skopeo_and_umoci() {
    let Some(skopeo) = oracle("skopeo") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("oci");
    build_web(tmp.path(), &layout);
    let oci = format!("oci:{}:web:1", layout.display());
    let manifest_digest = json(&["manifest", &oci])["manifest"]["digest"].as_str().unwrap().to_string();

    let oci_tar = tmp.path().join("mine-oci.tar");
    ok(&["copy", &oci, &format!("oci-archive:{}:web:1", oci_tar.display())]);
    let out =
        Command::new(&skopeo).args(["inspect", &format!("oci-archive:{}:web:1", oci_tar.display())]).output().unwrap();
    let inspected: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(inspected["Digest"].as_str(), Some(manifest_digest.as_str()), "copy keeps the manifest's bytes");

    // Docker 25+'s form: an OCI layout and manifest.json in one tar; skopeo reads its manifest.json.
    let docker_tar = tmp.path().join("mine-docker.tar");
    ok(&["copy", &oci, &format!("docker-archive:{}:driftwood/web:1", docker_tar.display())]);
    let listing = Command::new("tar").arg("-tf").arg(&docker_tar).output().unwrap();
    let names = String::from_utf8_lossy(&listing.stdout);
    for name in ["oci-layout", "index.json", "manifest.json"] {
        assert!(names.lines().any(|l| l == name), "{name} in the archive: {names}");
    }
    let via_skopeo = tmp.path().join("via-skopeo");
    skopeo_copy(
        &skopeo,
        &format!("docker-archive:{}", docker_tar.display()),
        &format!("oci:{}:web:1", via_skopeo.display()),
    );
    assert_eq!(facts(&format!("oci:{}:web:1", via_skopeo.display())).0, facts(&oci).0);
    // imagekit reads it by the name Docker records, and as a bare file.
    assert_eq!(facts(&format!("docker-archive:{}:driftwood/web:1", docker_tar.display())), facts(&oci));
    assert_eq!(facts(docker_tar.to_str().unwrap()), facts(&oci));

    // umoci unpacks the layout inside imagekit's oci-archive to the tree imagekit unpacks.
    let Some(umoci) = oracle("umoci") else { return };
    let extracted = tmp.path().join("extracted");
    std::fs::create_dir(&extracted).unwrap();
    assert!(Command::new("tar").arg("-xf").arg(&oci_tar).arg("-C").arg(&extracted).status().unwrap().success());
    let bundle = tmp.path().join("bundle");
    let status = Command::new(umoci)
        .args(["raw", "unpack", "--rootless", "--image"])
        .arg(format!("{}:web:1", extracted.display()))
        .arg(&bundle)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let ours = tmp.path().join("ours");
    ok(&["unpack", &format!("oci-archive:{}:web:1", oci_tar.display()), "-o", ours.to_str().unwrap()]);
    let strip = |m: std::collections::BTreeMap<String, (char, u32, Vec<u8>)>| {
        m.into_iter().map(|(k, (t, _, c))| (k, (t, c))).collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(strip(snapshot(&bundle)), strip(snapshot(&ours)));
}

/// A layout whose config promises a wrong diff_id for layer 1 (every blob digest still right).
fn layout_with_wrong_diff_id(root: &Path) -> std::path::PathBuf {
    let layout = root.join("oci");
    build_web(root, &layout);
    let l = imagekit::layout::Layout::open(&layout).unwrap();
    let image = l.image(Some("web:1"), None).unwrap();
    let mut config: serde_json::Value = serde_json::from_slice(image.config.bytes()).unwrap();
    config["rootfs"]["diff_ids"][1] = serde_json::json!(imagekit::Digest::of_bytes(b"not this layer").to_string());
    let config_bytes = serde_json::to_vec(&config).unwrap();
    let config_desc = imagekit::Descriptor::for_bytes(imagekit::media::OCI_CONFIG, &config_bytes);
    l.write_blob(&config_bytes).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(image.manifest.bytes()).unwrap();
    manifest["config"] = serde_json::to_value(&config_desc).unwrap();
    let manifest_bytes = serde_json::to_vec(&manifest).unwrap();
    l.write_blob(&manifest_bytes).unwrap();
    l.set_tag("web:1", imagekit::Descriptor::for_bytes(imagekit::media::OCI_MANIFEST, &manifest_bytes)).unwrap();
    layout
}

#[test]
fn a_wrong_diff_id_is_refused_by_every_layer_reader_and_unpack_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = layout_with_wrong_diff_id(tmp.path());
    let src = format!("oci:{}:web:1", layout.display());
    let layer1 = json(&["manifest", &src])["manifest"]["layers"][1]["digest"].as_str().unwrap().to_string();
    let rootfs = tmp.path().join("rootfs");
    for args in [
        vec!["unpack", &src, "-o", rootfs.to_str().unwrap()],
        vec!["layers", &src],
        vec!["audit", &src],
        vec!["libc", &src],
        vec!["extract", &src, "etc/os-release", "--layer", "1"],
    ] {
        let err = fails(&args);
        assert!(err.contains("diff_id of layer 1") && err.contains(&layer1), "{args:?}: {err}");
    }
    assert!(!rootfs.exists(), "nothing at the destination");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".unpack-"))
        .collect();
    assert!(leftovers.is_empty(), "no staging left: {leftovers:?}");
    // Verbs that read no layer say so instead of claiming every blob was checked.
    let out = ok(&["manifest", &src]);
    assert!(out.contains("layers not read") && !out.contains("every blob verified"), "{out}");
}

#[test]
fn a_snapshot_record_names_the_sources_that_hold_bytes() {
    let err = fails(&["layers", "snapshot:nginx:1.27-alpine"]);
    assert!(err.contains("docker-archive:-") && err.contains("docker://"), "{err}");
    let err = fails(&["copy", "snapshot:nginx:1.27-alpine", "oci:/tmp/never"]);
    assert!(err.contains("snapshot record holds none"), "{err}");
}

#[test]
fn pulled_images_are_read_from_the_store_and_docker_reads_the_registry() {
    let Some(registry) = support::Registry::start_logged() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("oci");
    build_web(tmp.path(), &layout);
    let store = tmp.path().join("store");
    let reference = format!("{}/driftwood/web:4", registry.addr);
    ok(&["push", layout.to_str().unwrap(), &reference]);
    let oci = format!("oci:{}:web:1", layout.display());

    // Straight from the registry: nothing is written, and history asks for the manifest and the
    // config only (counted in the registry's own access log, which it writes asynchronously).
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = registry.requests().len();
    let remote = json(&["history", &format!("docker://{reference}")]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let asked: Vec<String> = registry.requests().into_iter().skip(before).collect();
    let blobs = asked.iter().filter(|l| l.contains("/blobs/")).count();
    let manifests = asked.iter().filter(|l| l.contains("/manifests/")).count();
    assert_eq!((manifests, blobs), (1, 1), "one manifest and the config, no layer: {asked:#?}");
    assert!(remote["source"].as_str().unwrap().starts_with("docker://"), "{remote}");
    assert_eq!(remote["image_id"], json(&["history", &oci])["image_id"]);
    assert_eq!(facts(&format!("docker://{reference}")), facts(&oci));
    assert!(!store.exists());

    // After a pull, the bare reference answers from the store, and says so.
    let store_arg = store.to_str().unwrap();
    ok(&["pull", &reference, "--store", store_arg]);
    let pulled = json(&["history", &reference, "--store", store_arg]);
    assert!(pulled["source"].as_str().unwrap().starts_with("store:"), "{pulled}");
    assert_eq!(pulled["image_id"], remote["image_id"]);
    let human = ok(&["layers", &reference, "--store", store_arg]);
    assert!(human.contains("source: store:"), "{human}");
    // A blob damaged on disk since is found by verify and repaired by the next pull.
    let layer = json(&["manifest", &reference, "--store", store_arg])["manifest"]["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = store.join("blobs/sha256").join(layer.trim_start_matches("sha256:"));
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    let err = fails(&["store", "verify", "--store", store_arg]);
    assert!(err.contains("pull the image again"), "{err}");
    let again = json(&["pull", &reference, "--store", store_arg]);
    assert_eq!(again["blobs_fetched"], 1, "only the damaged blob is fetched again: {again}");
    ok(&["store", "verify", "--store", store_arg]);
    // And copies out of the store verify every blob.
    let out = tmp.path().join("copied");
    ok(&["copy", &format!("store:{reference}"), &format!("oci:{}:web:4", out.display()), "--store", store_arg]);
    ok(&["layout", "verify", out.to_str().unwrap()]);
    // And to a registry: the copy reads back the same.
    let elsewhere = format!("{}/driftwood/copied:1", registry.addr);
    ok(&["copy", &format!("oci:{}:web:4", out.display()), &format!("docker://{elsewhere}")]);
    assert_eq!(facts(&format!("docker://{elsewhere}")), facts(&oci));
}

#[test]
fn verbs_claim_only_what_they_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("oci");
    build_web(tmp.path(), &layout);
    let src = format!("oci:{}:web:1", layout.display());
    let layer0 = json(&["manifest", &src])["manifest"]["layers"][0]["digest"].as_str().unwrap().to_string();
    let blob = layout.join("blobs/sha256").join(layer0.trim_start_matches("sha256:"));
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    // Verbs that read only manifest and config still answer, and say the layers were not read.
    for verb in ["manifest", "inspect", "history"] {
        let out = ok(&[verb, &src]);
        assert!(out.contains("not read") && !out.contains("every blob verified"), "{verb}: {out}");
    }
    let out = ok(&["compare", &src, &src]);
    assert!(!out.contains("every blob verified"), "{out}");
    // Verbs that read layers refuse, naming the blob.
    for verb in ["layers", "audit", "libc"] {
        let err = fails(&[verb, &src]);
        assert!(err.contains(&layer0) && err.contains("mismatch"), "{verb}: {err}");
    }
}

#[test]
fn declared_sizes_that_overflow_are_not_printed_as_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("oci");
    build_web(tmp.path(), &layout);
    let l = imagekit::layout::Layout::open(&layout).unwrap();
    let image = l.image(Some("web:1"), None).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(image.manifest.bytes()).unwrap();
    // The largest size a document may declare (Go's int64), three times over: past u64.
    let layers = manifest["layers"].as_array_mut().unwrap();
    while layers.len() < 3 {
        layers.push(layers[0].clone());
    }
    for layer in layers {
        layer["size"] = serde_json::json!(i64::MAX);
    }
    let bytes = serde_json::to_vec(&manifest).unwrap();
    l.write_blob(&bytes).unwrap();
    l.set_tag("huge", imagekit::Descriptor::for_bytes(imagekit::media::OCI_MANIFEST, &bytes)).unwrap();
    let src = format!("oci:{}:huge", layout.display());
    let out = ok(&["manifest", &src]);
    assert!(out.contains("overflow") && !out.contains("total     0 B"), "{out}");
    assert!(json(&["manifest", &src])["manifest"]["total_layer_size"].is_null());
}

/// `docker save` from Docker 25+ (containerd image store), made the way Docker makes it: an OCI
/// layout (here written by skopeo), index.json entries annotated with the image's full name and
/// tag, and a `manifest.json` naming blobs by path, in one tar written by GNU tar.
#[test]
fn a_docker_25_save_built_by_hand_reads_like_the_layout() {
    let Some(skopeo) = oracle("skopeo") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("oci");
    build_web(tmp.path(), &layout);
    let oci = format!("oci:{}:web:1", layout.display());
    let saved = tmp.path().join("saved");
    skopeo_copy(&skopeo, &oci, &format!("oci:{}:1", saved.display()));

    let index_path = saved.join("index.json");
    let mut index: serde_json::Value = serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let entry = &mut index["manifests"][0];
    entry["annotations"] = serde_json::json!({
        "io.containerd.image.name": "docker.io/driftwood/web:1",
        "org.opencontainers.image.ref.name": "1"
    });
    let manifest_digest = entry["digest"].as_str().unwrap().trim_start_matches("sha256:").to_string();
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(saved.join("blobs/sha256").join(&manifest_digest)).unwrap()).unwrap();
    let path_of =
        |d: &serde_json::Value| format!("blobs/sha256/{}", d["digest"].as_str().unwrap().trim_start_matches("sha256:"));
    let docker_manifest = serde_json::json!([{
        "Config": path_of(&manifest["config"]),
        "RepoTags": ["driftwood/web:1"],
        "Layers": manifest["layers"].as_array().unwrap().iter().map(path_of).collect::<Vec<_>>(),
    }]);
    std::fs::write(saved.join("manifest.json"), serde_json::to_vec(&docker_manifest).unwrap()).unwrap();
    let archive = tmp.path().join("docker25.tar");
    let status = Command::new("tar").arg("-cf").arg(&archive).arg("-C").arg(&saved).arg(".").status().unwrap();
    assert!(status.success());

    let expected = facts(&oci);
    // By the name Docker records (short or full), by its tag, or as the only image.
    for source in [
        format!("docker-archive:{}:driftwood/web:1", archive.display()),
        format!("docker-archive:{}:docker.io/driftwood/web:1", archive.display()),
        format!("docker-archive:{}", archive.display()),
    ] {
        assert_eq!(facts(&source), expected, "{source}");
    }
    let err = fails(&["layers", &format!("docker-archive:{}:driftwood/other:2", archive.display())]);
    assert!(err.contains("driftwood/other:2") && err.contains("docker.io/driftwood/web:1"), "{err}");
}

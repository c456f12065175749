//! Independent oracles: every layout `imagekit image build` writes must be accepted by umoci
//! (which also recomputes diff_ids) and skopeo, and umoci's unpacked tree must equal ours.

mod common;

use std::fs;
use std::process::Command;

use common::*;

fn run(tool: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(tool).args(args).output().unwrap_or_else(|e| panic!("running {}: {e}", tool.display()))
}

#[test]
fn umoci_unpacks_what_we_build_to_the_same_tree_as_imagekit() {
    let Some(umoci) = oracle("umoci") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);

    let bundle = tmp.path().join("bundle");
    let mut args = vec!["unpack"];
    if !is_root() {
        args.push("--rootless");
    }
    let image_arg = format!("{}:web:1", layout.display());
    args.extend(["--image", &image_arg, bundle.to_str().unwrap()]);
    let out = run(&umoci, &args);
    assert!(out.status.success(), "umoci unpack refused our layout: {}", String::from_utf8_lossy(&out.stderr));

    let ours = tmp.path().join("rootfs");
    ok(&["unpack", layout.to_str().unwrap(), "-o", ours.to_str().unwrap()]);

    let theirs = snapshot(&bundle.join("rootfs"));
    let mine = snapshot(&ours);
    assert_eq!(mine.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>(), "same paths after whiteouts");
    assert_eq!(mine, theirs, "same kinds, modes, contents and link targets");
    // The whiteouts took effect: the deleted file and directory are gone, the overwrite won.
    assert!(!mine.contains_key("usr/share/doc/big.txt"));
    assert!(!mine.contains_key("var/cache/pkgs"));
    assert_eq!(mine["etc/motd"].2, b"welcome to driftwood\n");
    assert_eq!(mine["tmp"].1, 0o1777);
}

#[test]
fn umoci_and_imagekit_both_reject_a_wrong_diff_id() {
    let Some(umoci) = oracle("umoci") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);
    tamper_first_diff_id(&layout);

    let bundle = tmp.path().join("bundle");
    let image_arg = format!("{}:web:1", layout.display());
    let mut args = vec!["unpack"];
    if !is_root() {
        args.push("--rootless");
    }
    args.extend(["--image", &image_arg, bundle.to_str().unwrap()]);
    let out = run(&umoci, &args);
    assert!(!out.status.success(), "umoci should reject a layer whose diff_id is wrong");

    let err = fails(&["layout", "verify", layout.to_str().unwrap()]);
    assert!(err.contains("diff_id of layer 0"), "{err}");
}

/// Rewrite the config with a wrong first diff_id and re-point manifest and index at it, so
/// every blob is self-consistent and only the diff_id lies.
fn tamper_first_diff_id(layout: &std::path::Path) {
    use imagekit::layout::Layout;
    let l = Layout::open(layout).unwrap();
    let image = l.image(Some("web:1"), None).unwrap();
    let mut config = image.config.value.clone();
    config.rootfs.diff_ids[0] = imagekit::Digest::of_bytes(b"not the layer");
    let config = imagekit::raw::Raw::encode(config);
    l.write_blob(config.bytes()).unwrap();
    let mut manifest = image.manifest.value.clone();
    manifest.config = config.descriptor(imagekit::media::OCI_CONFIG);
    let manifest = imagekit::raw::Raw::encode(manifest);
    l.write_blob(manifest.bytes()).unwrap();
    l.set_tag("web:1", manifest.descriptor(imagekit::media::OCI_MANIFEST)).unwrap();
    // The old manifest and config are now unreferenced; verify still checks their names.
}

#[test]
fn skopeo_reads_our_layout_byte_for_byte() {
    let Some(skopeo) = oracle("skopeo") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);
    let image = imagekit::layout::Layout::open(&layout).unwrap().image(Some("web:1"), None).unwrap();
    let reference = format!("oci:{}:web:1", layout.display());

    let raw = run(&skopeo, &["inspect", "--raw", &reference]);
    assert!(raw.status.success(), "skopeo inspect --raw: {}", String::from_utf8_lossy(&raw.stderr));
    assert_eq!(raw.stdout, image.manifest.bytes(), "skopeo sees exactly our manifest bytes");

    let config = run(&skopeo, &["inspect", "--config", "--raw", &reference]);
    assert!(config.status.success(), "skopeo inspect --config: {}", String::from_utf8_lossy(&config.stderr));
    assert_eq!(config.stdout, image.config.bytes());

    let manifest_file = tmp.path().join("manifest.json");
    fs::write(&manifest_file, image.manifest.bytes()).unwrap();
    let digest = run(&skopeo, &["manifest-digest", manifest_file.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&digest.stdout).trim(), image.descriptor.digest.to_string());

    let inspect = run(&skopeo, &["inspect", &reference]);
    assert!(inspect.status.success(), "skopeo inspect: {}", String::from_utf8_lossy(&inspect.stderr));
    let v: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(v["Digest"], image.descriptor.digest.to_string());
    let layers: Vec<String> = image.manifest.value.layers.iter().map(|l| l.digest.to_string()).collect();
    assert_eq!(v["Layers"], serde_json::json!(layers));
    assert_eq!(v["Os"], "linux");
    assert_eq!(v["Architecture"], "amd64");
}

#[test]
fn gzip_accepts_our_layers_and_sha256sum_agrees_on_diff_ids() {
    let (Some(gzip), Some(sha256sum)) = (oracle("gzip"), oracle("sha256sum")) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);
    let image = imagekit::layout::Layout::open(&layout).unwrap().image(Some("web:1"), None).unwrap();
    for (layer, diff_id) in image.manifest.value.layers.iter().zip(&image.config.value.rootfs.diff_ids) {
        let blob = layout.join("blobs/sha256").join(layer.digest.hex());
        let script = format!("{} -dc {} | {}", gzip.display(), blob.display(), sha256sum.display());
        let out = Command::new("sh").args(["-c", &script]).output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap(), diff_id.hex());
        let out = Command::new(&sha256sum).arg(&blob).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap(), layer.digest.hex());
    }
}

/// Build the fixture for two platforms: one index, two manifests (different configs).
fn build_multi(root: &std::path::Path, layout: &std::path::Path) {
    let (base, app) = web_fixture(root);
    build_two_platforms(&base, &app, layout);
}

#[test]
fn skopeo_picks_each_platform_from_our_index() {
    let Some(skopeo) = oracle("skopeo") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_multi(tmp.path(), &layout);
    let reference = format!("oci:{}:multi:1", layout.display());
    let raw = run(&skopeo, &["inspect", "--raw", &reference]);
    assert!(raw.status.success(), "{}", String::from_utf8_lossy(&raw.stderr));
    let index = imagekit::index::Index::parse(raw.stdout).unwrap();
    assert_eq!(index.value.manifests.len(), 2);
    // skopeo's own digest of the index bytes equals the digest imagekit tagged.
    let index_file = tmp.path().join("index.json");
    fs::write(&index_file, index.bytes()).unwrap();
    let digest = run(&skopeo, &["manifest-digest", index_file.to_str().unwrap()]);
    let tagged = imagekit::layout::Layout::open(&layout).unwrap().resolve(Some("multi:1")).unwrap();
    assert_eq!(String::from_utf8_lossy(&digest.stdout).trim(), tagged.digest.to_string());
    // And of every platform manifest in it.
    for entry in &index.value.manifests {
        let blob = layout.join("blobs/sha256").join(entry.digest.hex());
        let digest = run(&skopeo, &["manifest-digest", blob.to_str().unwrap()]);
        assert_eq!(String::from_utf8_lossy(&digest.stdout).trim(), entry.digest.to_string());
    }
    for (arch, platform) in [("amd64", "linux/amd64"), ("arm64", "linux/arm64/v8")] {
        let out = run(
            &skopeo,
            &["inspect", "--override-os", "linux", "--override-arch", arch, "--config", "--raw", &reference],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let ours: serde_json::Value =
            serde_json::from_str(&ok(&["manifest", layout.to_str().unwrap(), "--platform", platform, "--json"]))
                .unwrap();
        let config_digest = imagekit::Digest::of_bytes(&out.stdout);
        assert_eq!(
            ours["manifest"]["config"]["digest"],
            config_digest.to_string(),
            "skopeo and imagekit pick the same {arch} image"
        );
        let config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(config["architecture"], arch);
    }
}

#[test]
fn umoci_unpacks_the_platform_manifest_imagekit_selects() {
    // umoci 0.4.7 refuses a tag that reaches several manifests ("tag is ambiguous"), so the
    // comparison tags the manifest imagekit selects and has umoci unpack that.
    let Some(umoci) = oracle("umoci") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let layout_dir = tmp.path().join("layout");
    build_multi(tmp.path(), &layout_dir);
    let layout = imagekit::layout::Layout::open(&layout_dir).unwrap();
    let arm = imagekit::Platform::parse("linux/arm64/v8").unwrap();
    let image = layout.image(Some("multi:1"), Some(&arm)).unwrap();
    assert_eq!(image.config.value.architecture, "arm64");
    layout.set_tag("multi:1-arm64", image.descriptor.clone()).unwrap();

    let bundle = tmp.path().join("bundle");
    let image_arg = format!("{}:multi:1-arm64", layout_dir.display());
    let mut args = vec!["unpack"];
    if !is_root() {
        args.push("--rootless");
    }
    args.extend(["--image", &image_arg, bundle.to_str().unwrap()]);
    let out = run(&umoci, &args);
    assert!(out.status.success(), "umoci unpack: {}", String::from_utf8_lossy(&out.stderr));
    let config: serde_json::Value = serde_json::from_slice(&fs::read(bundle.join("config.json")).unwrap()).unwrap();
    assert!(config["process"].is_object(), "umoci wrote a runtime config for the arm64 image");
    let ours = tmp.path().join("rootfs");
    ok(&[
        "unpack",
        layout_dir.to_str().unwrap(),
        "--tag",
        "multi:1",
        "--platform",
        "linux/arm64/v8",
        "-o",
        ours.to_str().unwrap(),
    ]);
    assert_eq!(snapshot(&ours), snapshot(&bundle.join("rootfs")));
}

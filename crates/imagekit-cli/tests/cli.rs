//! The CLI's promises: reproducible builds, verification that names the broken blob, clear
//! one-line errors and exit codes.

mod common;

use std::fs;

use common::*;

#[test]
fn building_twice_gives_the_same_digests() {
    let tmp = tempfile::tempdir().unwrap();
    build_web(tmp.path(), &tmp.path().join("one"));
    let again = tempfile::tempdir().unwrap();
    build_web(again.path(), &again.path().join("two"));
    let one: Vec<_> = blobs(&tmp.path().join("one")).iter().map(|p| p.file_name().unwrap().to_owned()).collect();
    let two: Vec<_> = blobs(&again.path().join("two")).iter().map(|p| p.file_name().unwrap().to_owned()).collect();
    assert_eq!(one, two);
    assert_eq!(
        fs::read(tmp.path().join("one/index.json")).unwrap(),
        fs::read(again.path().join("two/index.json")).unwrap()
    );
}

#[test]
fn digest_prints_like_sha256sum() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("empty");
    fs::write(&f, b"").unwrap();
    let out = ok(&["digest", f.to_str().unwrap()]);
    assert_eq!(
        out,
        format!("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  {}\n", f.display())
    );
}

#[test]
fn verify_passes_on_a_fresh_build() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);
    let out = ok(&["layout", "verify", layout.to_str().unwrap()]);
    assert!(out.starts_with("ok: "), "{out}");
}

#[test]
fn a_flipped_byte_in_any_blob_fails_verify_and_names_the_blob() {
    let tmp = tempfile::tempdir().unwrap();
    let pristine = tmp.path().join("layout");
    build_web(tmp.path(), &pristine);
    let names: Vec<String> =
        blobs(&pristine).iter().map(|p| p.file_name().unwrap().to_string_lossy().to_string()).collect();
    assert!(names.len() >= 5, "3 layers + config + manifest");
    for name in names {
        let copy = tmp.path().join(format!("copy-{name}"));
        copy_dir(&pristine, &copy);
        let blob = copy.join("blobs/sha256").join(&name);
        let mut bytes = fs::read(&blob).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        fs::write(&blob, &bytes).unwrap();
        let err = fails(&["layout", "verify", copy.to_str().unwrap()]);
        assert!(err.contains(&name), "the error names blob {name}: {err}");
        assert!(err.contains("expected") && err.contains("got"), "expected vs actual: {err}");
    }
}

#[test]
fn a_truncated_blob_fails_verify_with_sizes() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);
    let image = imagekit::layout::Layout::open(&layout).unwrap().image(None, None).unwrap();
    let layer = &image.manifest.value.layers[0];
    let blob = layout.join("blobs/sha256").join(layer.digest.hex());
    let bytes = fs::read(&blob).unwrap();
    fs::write(&blob, &bytes[..bytes.len() - 100]).unwrap();
    let err = fails(&["layout", "verify", layout.to_str().unwrap()]);
    assert!(err.contains(layer.digest.hex()) && err.contains(&format!("expected {} bytes", layer.size)), "{err}");
}

#[test]
fn a_missing_blob_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);
    let image = imagekit::layout::Layout::open(&layout).unwrap().image(None, None).unwrap();
    let layer = &image.manifest.value.layers[1];
    fs::remove_file(layout.join("blobs/sha256").join(layer.digest.hex())).unwrap();
    let err = fails(&["layout", "verify", layout.to_str().unwrap()]);
    assert!(err.contains("missing blob") && err.contains(layer.digest.hex()), "{err}");
}

#[test]
fn deleting_in_a_later_layer_grows_the_image() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, app) = web_fixture(tmp.path());
    let small = tmp.path().join("small");
    let (b, a, s) = (base.to_str().unwrap(), app.to_str().unwrap(), small.to_str().unwrap());
    ok(&["image", "build", "--layer", b, "--layer", a, "--tag", "web:1", "-o", s]);
    let deleted = tmp.path().join("deleted");
    let d = deleted.to_str().unwrap();
    ok(&["image", "build", "--layer", b, "--layer", a, "--delete", "usr/share/doc/big.txt", "--tag", "web:1", "-o", d]);
    let size = |layout: &str| -> (u64, u64, u64) {
        let v: serde_json::Value = serde_json::from_str(&ok(&["layers", layout, "--json"])).unwrap();
        (
            v["total_size"].as_u64().unwrap(),
            v["merged_view_size"].as_u64().unwrap(),
            v["deleted_bytes_still_shipped"].as_u64().unwrap(),
        )
    };
    let (small_total, small_view, _) = size(s);
    let (deleted_total, deleted_view, still_shipped) = size(d);
    assert!(deleted_total > small_total, "a deletion adds a layer: {deleted_total} > {small_total}");
    assert_eq!(small_view - deleted_view, 300_000, "the merged view lost the file");
    assert_eq!(still_shipped, 300_000, "but its bytes still ship in the base layer");
}

#[test]
fn layers_reports_added_changed_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);
    let v: serde_json::Value = serde_json::from_str(&ok(&["layers", layout.to_str().unwrap(), "--json"])).unwrap();
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    assert_eq!(layers[1]["changed"], 1, "app overwrites etc/motd: {}", layers[1]);
    assert_eq!(layers[2]["deleted"], 2);
    assert_eq!(layers[2]["added"], 0);
    assert!(layers[2]["created_by"].as_str().unwrap().contains("rm -rf /usr/share/doc/big.txt /var/cache/pkgs"));
}

#[test]
fn usage_errors_exit_2() {
    let out = imagekit(&["image", "build", "--tag", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let out = imagekit(&["no-such-verb"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_platform_is_a_one_line_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, _) = web_fixture(tmp.path());
    let out = tmp.path().join("l");
    let err = fails(&[
        "image",
        "build",
        "--layer",
        base.to_str().unwrap(),
        "--platform",
        "linux",
        "--tag",
        "x",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("platform"), "{err}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn human_tables_print_for_every_inspecting_command() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);
    let l = layout.to_str().unwrap();
    let out = ok(&["layers", l]);
    assert!(out.lines().next().unwrap().starts_with("#  DIGEST"), "{out}");
    assert!(out.contains("imagekit: RUN rm -rf /usr/share/doc/big.txt /var/cache/pkgs"), "{out}");
    assert!(out.contains("Deleted files still shipped in lower layers: 300 kB"), "{out}");
    for args in [vec!["manifest", l], vec!["inspect", l]] {
        let out = ok(&args);
        assert!(out.lines().count() >= 5, "{args:?}: {out}");
    }
    assert!(ok(&["layout", "verify", l]).starts_with("ok: "));
}

#[test]
fn writing_to_a_device_writes_through_it_and_keeps_the_device() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempfile::tempdir().unwrap();
    let compose = tmp.path().join("compose.yaml");
    fs::write(&compose, "services:\n  db:\n    image: postgres:16\n").unwrap();
    ok(&["pin", compose.to_str().unwrap(), "-o", "/dev/null"]);
    let layout = tmp.path().join("layout");
    build_web(tmp.path(), &layout);
    ok(&["extract", layout.to_str().unwrap(), "/etc/motd", "--layer", "0", "-o", "/dev/null"]);
    assert!(fs::metadata("/dev/null").unwrap().file_type().is_char_device(), "/dev/null is still a device");
}

/// Every `` `imagekit VERB `` a message or help text names is a verb the binary has.
#[test]
fn messages_name_only_verbs_that_exist() {
    let help = ok(&["--help"]);
    let verbs: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(verbs.contains(&"layers") && verbs.contains(&"copy"), "{verbs:?}");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join("main.rs"), src.join("target.rs"), src.join("output.rs")];
    files.extend(std::fs::read_dir(src.join("cmd")).unwrap().map(|e| e.unwrap().path()));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, _) in text.match_indices("`imagekit ") {
            let verb: String = text[i + 10..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '-').collect();
            if verb.is_empty() {
                continue; // `imagekit {verb}`: the verb being run
            }
            assert!(
                verbs.contains(&verb.as_str()),
                "{}: names `imagekit {verb}`, which does not exist",
                file.display()
            );
        }
    }
}

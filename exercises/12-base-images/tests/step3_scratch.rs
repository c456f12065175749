//! Step 3: assemble a `FROM scratch` image from a single file, and check it with Topic 08's rules.
//!
//! Run: `cargo test -p ex12-base-images --test step3_scratch`

mod common;

use common::*;
use ex12_base_images::{read_single_file, scratch_image, ScratchImage, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST};
use serde_json::Value;

const STEP: &str = "step3_scratch";
const READ: &str = "the book, 12-base-images/exercise.html#step-3-a-scratch-image \
                    and 08-manifests/index.html#descriptors";

const HELLO: &[u8] = b"\x7fELF pretend this is a static binary";

fn build() -> ScratchImage {
    attempt(STEP, "scratch_image", READ, || scratch_image("hello", HELLO, 0o755)).expect("a valid name")
}

fn json(bytes: &[u8], what: &str) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("{}", teach(STEP, &format!("the {what} is JSON"), "valid JSON", e, "", READ)))
}

/// Topic 08: a descriptor names exact bytes by media type, digest and size.
fn check_descriptor(d: &Value, media_type: &str, bytes: &[u8], what: &str) {
    let expected = serde_json::json!({"mediaType": media_type, "digest": sha256_of(bytes), "size": bytes.len()});
    let got = serde_json::json!({"mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"]});
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            &format!("the manifest's descriptor of the {what}"),
            &expected,
            &got,
            "a client checks size, then digest, of every blob it fetches: both must match the bytes",
            READ
        )
    );
}

#[test]
fn the_manifest_describes_its_blobs_exactly() {
    let image = build();
    let manifest = json(&image.manifest, "manifest");
    assert_eq!(manifest["schemaVersion"], 2);
    assert_eq!(manifest["mediaType"], OCI_MANIFEST);
    check_descriptor(&manifest["config"], OCI_CONFIG, &image.config, "config");
    let layers = manifest["layers"].as_array().expect("layers is an array");
    assert_eq!(layers.len(), 1, "a scratch image with one file has one layer");
    check_descriptor(&layers[0], OCI_LAYER_GZIP, &image.layer, "layer");
}

#[test]
fn the_config_runs_the_file_and_names_the_layer_by_diff_id() {
    let image = build();
    let config = json(&image.config, "config");
    let expected = serde_json::json!({
        "architecture": "amd64", "os": "linux", "entrypoint": ["/hello"],
        "rootfs": {"type": "layers", "diff_ids": [sha256_of(&gunzip(&image.layer))]}
    });
    let got = serde_json::json!({
        "architecture": config["architecture"], "os": config["os"], "entrypoint": config["config"]["Entrypoint"],
        "rootfs": config["rootfs"]
    });
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the config of the scratch image",
            &expected,
            &got,
            "diff_id = SHA-256 of the uncompressed tar; the layer digest is of the gzip blob",
            READ
        )
    );
}

#[test]
fn the_layer_holds_one_executable_file_owned_by_root() {
    let image = build();
    let tar = gunzip(&image.layer);
    let mut archive = tar::Archive::new(&tar[..]);
    let entries: Vec<(String, u32, u64, u64, u64)> = archive
        .entries()
        .expect("a tar")
        .map(|e| {
            let e = e.expect("an entry");
            let h = e.header();
            (
                e.path().unwrap().to_string_lossy().into_owned(),
                h.mode().unwrap() & 0o7777,
                h.uid().unwrap(),
                h.gid().unwrap(),
                h.mtime().unwrap(),
            )
        })
        .collect();
    let expected = vec![("hello".to_string(), 0o755, 0, 0, 0)];
    assert!(
        entries == expected,
        "{}",
        teach(
            STEP,
            "the layer's entries (path, mode, uid, gid, mtime)",
            show(&expected),
            show(&entries),
            "one file, no directories, root-owned, a fixed mtime: the same bytes on every machine",
            READ
        )
    );
    let got = attempt(STEP, "read_single_file", READ, || read_single_file(&image.layer)).expect("one file");
    assert_eq!(got, ("hello".to_string(), HELLO.to_vec()), "the file's content comes back unchanged");
}

#[test]
fn the_same_file_gives_the_same_image() {
    let a = build();
    let b = build();
    assert!(
        a == b,
        "{}",
        teach(
            STEP,
            "two builds of the same file",
            sha256_of(&a.manifest),
            sha256_of(&b.manifest),
            "reproducible: gzip and tar with mtime 0, so the manifest digest is a function of the file alone",
            READ
        )
    );
    let other =
        attempt(STEP, "scratch_image", READ, || scratch_image("hello", b"another binary", 0o755)).expect("valid");
    assert_ne!(sha256_of(&a.manifest), sha256_of(&other.manifest), "another file, another image");
}

#[test]
fn bad_names_and_bad_layers_are_errors() {
    for name in ["", "bin/hello", ".."] {
        let got = attempt(STEP, "scratch_image", READ, || scratch_image(name, HELLO, 0o755));
        assert!(got.is_err(), "scratch_image({name:?}) must be an Err: the file goes at the root, by a plain name");
    }
    assert!(attempt(STEP, "read_single_file", READ, || read_single_file(b"junk")).is_err(), "garbage is an Err");
}

/// A file generated from a seed (name, content, mode): the image holds exactly it, and its
/// manifest describes its own blobs.
#[test]
fn a_generated_file_makes_its_own_scratch_image() {
    let mut rng = Rng::from_env();
    let name_len = rng.range(1, 12) as usize;
    let name = rng.word(name_len);
    let len = rng.range(0, 3000) as usize;
    let content = rng.bytes(len);
    let mode = *rng.pick(&[0o755, 0o700, 0o555]);
    let image = attempt(STEP, "scratch_image", READ, || scratch_image(&name, &content, mode))
        .unwrap_or_else(|e| panic!("scratch_image({name:?}, …) of a valid name failed: {e}"));
    let back = attempt(STEP, "read_single_file", READ, || read_single_file(&image.layer));
    let manifest = json(&image.manifest, "manifest");
    let config = json(&image.config, "config");
    check_descriptor(&manifest["config"], OCI_CONFIG, &image.config, "config");
    check_descriptor(&manifest["layers"][0], OCI_LAYER_GZIP, &image.layer, "layer");
    let entrypoint = config["config"]["Entrypoint"].clone();
    let diff_ids = config["rootfs"]["diff_ids"].clone();
    let expected_entrypoint = serde_json::json!([format!("/{name}")]);
    let expected_diff_ids = serde_json::json!([sha256_of(&gunzip(&image.layer))]);
    assert!(
        back.as_ref().map(|(p, c)| (p.trim_start_matches('/'), c)) == Ok((name.as_str(), &content))
            && entrypoint == expected_entrypoint
            && diff_ids == expected_diff_ids,
        "{}",
        teach(
            STEP,
            &format!("scratch_image of a generated {len}-byte file {name:?} ({})", rng.replay()),
            format!("the file back as written, Entrypoint {expected_entrypoint}, diff_ids {expected_diff_ids}"),
            format!(
                "file {:?}, Entrypoint {entrypoint}, diff_ids {diff_ids}",
                back.as_ref().map(|(p, c)| (p.clone(), c.len()))
            ),
            "one file, run by its path, and the config names the layer by the digest of its tar",
            READ
        )
    );
}

#[test]
fn dot_and_dot_dot_are_not_file_names() {
    for name in [".", ".."] {
        let got = attempt(STEP, "scratch_image", READ, || scratch_image(name, HELLO, 0o755));
        assert!(
            got.is_err(),
            "{}",
            teach(
                STEP,
                &format!("scratch_image({name:?}, …)"),
                "Err(…)",
                "Ok(…)",
                "`/.` is the root directory and `/..` its parent: neither can be the image's one file",
                READ
            )
        );
    }
}

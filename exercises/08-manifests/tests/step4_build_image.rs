//! Step 4: build the config and the manifest for layers of your own, and name both.
//!
//! Run: `cargo test -p ex08-manifests --test step4_build_image`

mod common;

use common::{attempt, driftwood_layers, excerpt, gzip_of, parse_json, sha256_of, show, tar_of, teach, Rng};
use ex08_manifests::{
    build_image, config_json, manifest_json, BuiltImage, Descriptor, Layer, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST,
};
use serde_json::{json, Value};

const STEP: &str = "step4_build_image";
const READ: &str = "the book, 08-manifests/exercise.html#step-4-a-manifest-of-your-own \
                    and 08-manifests/index.html#the-manifest-field-by-field";

fn layers() -> Vec<Layer> {
    driftwood_layers().into_iter().map(|(_, blob, step)| Layer { blob, created_by: step.to_string() }).collect()
}

fn build(layers: &[Layer]) -> std::io::Result<BuiltImage> {
    attempt(STEP, "build_image", READ, || build_image("amd64", "linux", layers))
}

fn built() -> BuiltImage {
    build(&layers()).unwrap_or_else(|e| {
        panic!(
            "{}",
            teach(
                STEP,
                "build_image for two valid gzip layers",
                "Ok(BuiltImage { … })",
                format!("Err({e})"),
                "these blobs are valid gzip: every step of the build should succeed",
                READ,
            )
        )
    })
}

/// Parses bytes your code returned, failing with a teacher's message if they are not JSON.
fn json_of(what: &str, bytes: &[u8]) -> Value {
    parse_json(bytes).unwrap_or_else(|e| {
        panic!(
            "{}",
            teach(
                STEP,
                what,
                "a JSON document",
                format!("{e}: {}", excerpt(bytes, 100)),
                "registries and runtimes parse it",
                READ
            )
        )
    })
}

#[test]
fn config_json_has_exactly_the_fields_of_an_image_config() {
    let diff_ids = vec![sha256_of(b"base"), sha256_of(b"site")];
    let got =
        attempt(STEP, "config_json", READ, || config_json("arm64", "linux", &diff_ids, &["ADD base", "COPY site"]));
    let expected = json!({
        "architecture": "arm64",
        "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "history": [{ "created_by": "ADD base" }, { "created_by": "COPY site" }],
    });
    let got = json_of("config_json(\"arm64\", \"linux\", 2 diff_ids, 2 steps)", &got);
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "config_json(\"arm64\", \"linux\", 2 diff_ids, 2 history steps), parsed",
            expected.to_string(),
            got.to_string(),
            "a runtime reads the platform from architecture/os and checks every unpacked layer \
             against rootfs.diff_ids, in order; `docker history` prints history",
            READ,
        )
    );
}

#[test]
fn manifest_json_has_exactly_the_fields_of_an_oci_manifest() {
    let config = Descriptor { media_type: OCI_CONFIG.into(), digest: sha256_of(b"config"), size: 321 };
    let layer = Descriptor { media_type: OCI_LAYER_GZIP.into(), digest: sha256_of(b"layer"), size: 4096 };
    let got = attempt(STEP, "manifest_json", READ, || manifest_json(&config, std::slice::from_ref(&layer)));
    let expected = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": { "mediaType": OCI_CONFIG, "digest": config.digest, "size": 321 },
        "layers": [{ "mediaType": OCI_LAYER_GZIP, "digest": layer.digest, "size": 4096 }],
    });
    let got = json_of("manifest_json(config, [layer])", &got);
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "manifest_json(config, [one layer]), parsed",
            expected.to_string(),
            got.to_string(),
            "the field names are the image spec's (mediaType, digest, size, schemaVersion): a \
             registry rejects a manifest it cannot read, and size must be a number",
            READ,
        )
    );
}

#[test]
fn the_config_lists_the_diff_ids_of_your_layers() {
    let image = built();
    let diff_ids: Vec<String> = driftwood_layers().iter().map(|(tar, _, _)| sha256_of(tar)).collect();
    let history: Vec<Value> = driftwood_layers().iter().map(|(_, _, step)| json!({ "created_by": step })).collect();
    let expected = json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "history": history,
    });
    let got = json_of("the config of your BuiltImage", &image.config);
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the config build_image wrote for the two Driftwood layers, parsed",
            expected.to_string(),
            got.to_string(),
            "diff_ids are the digests of the *uncompressed* tars (your diff_id), lowest layer first",
            READ,
        )
    );
}

#[test]
fn the_digests_name_the_exact_bytes_you_return() {
    let image = built();
    let expected = (sha256_of(&image.config), sha256_of(&image.manifest));
    let got = (image.config_digest.clone(), image.manifest_digest.clone());
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "(config_digest, manifest_digest) of your BuiltImage",
            show(&expected),
            show(&got),
            "a digest names bytes: hash the very bytes you return (and would upload), never a \
             value parsed or serialized again",
            READ,
        )
    );
}

#[test]
fn the_manifest_describes_the_config_and_every_blob() {
    let image = built();
    let manifest = json_of("the manifest of your BuiltImage", &image.manifest);
    let config_ok = manifest["config"]
        == json!({ "mediaType": OCI_CONFIG, "digest": sha256_of(&image.config), "size": image.config.len() });
    assert!(
        config_ok && manifest["mediaType"] == OCI_MANIFEST && manifest["schemaVersion"] == 2,
        "{}",
        teach(
            STEP,
            "the manifest's schemaVersion, mediaType and config descriptor",
            format!(
                "2, {OCI_MANIFEST:?}, and a config descriptor with the digest and size of the {} config \
                 bytes you returned",
                image.config.len()
            ),
            format!("{}, {}, {}", manifest["schemaVersion"], manifest["mediaType"], manifest["config"]),
            "a client fetches the config by this digest and checks it: if the descriptor does not \
             name your config bytes, the image cannot be pulled",
            READ,
        )
    );
    let expected: Vec<Value> = driftwood_layers()
        .iter()
        .map(|(_, blob, _)| json!({ "mediaType": OCI_LAYER_GZIP, "digest": sha256_of(blob), "size": blob.len() }))
        .collect();
    assert!(
        manifest["layers"] == Value::Array(expected.clone()),
        "{}",
        teach(
            STEP,
            "the manifest's layer descriptors",
            Value::Array(expected).to_string(),
            manifest["layers"].to_string(),
            "the manifest names the *compressed* blobs, in order: what the registry stores and a \
             pull downloads",
            READ,
        )
    );
}

#[test]
fn building_twice_gives_the_same_bytes() {
    let (a, b) = (built(), built());
    assert!(
        a == b,
        "{}",
        teach(
            STEP,
            "two builds of the same layers",
            format!("identical bytes and digests ({})", a.manifest_digest),
            format!("{} then {}", a.manifest_digest, b.manifest_digest),
            "nothing in a config or manifest may depend on the moment or the machine: the same \
             layers must give the same image digest",
            READ,
        )
    );
}

#[test]
fn changing_one_layer_changes_every_name_above_it() {
    let before = built();
    let mut changed = layers();
    let site = tar_of(&[("usr/share/nginx/html/index.html", b"<h1>Driftwood v2</h1>\n")]);
    changed[1].blob = gzip_of(&site);
    let after = build(&changed).unwrap_or_else(|e| panic!("build_image failed on valid layers: {e}"));
    assert!(
        after.config_digest != before.config_digest && after.manifest_digest != before.manifest_digest,
        "{}",
        teach(
            STEP,
            "config and manifest digests after changing the top layer",
            "both different from before",
            show((&before.config_digest, &after.config_digest, &before.manifest_digest, &after.manifest_digest)),
            "the layer's digest is in the manifest and its diff_id in the config, so one changed \
             byte at the bottom changes the image ID and the manifest digest: a digest pins the \
             whole tree",
            READ,
        )
    );
}

#[test]
fn a_blob_that_is_not_gzip_is_an_error() {
    let mut bad = layers();
    bad[0].blob = tar_of(&[("etc/hostname", b"driftwood\n")]);
    let got = build(&bad);
    assert!(
        got.is_err(),
        "{}",
        teach(
            STEP,
            "build_image with an uncompressed tar where a gzip blob belongs",
            "an Err",
            format!("Ok, manifest {}", got.as_ref().map(|i| i.manifest_digest.clone()).unwrap_or_default()),
            "without decompressing the blob there is no diff_id; an image whose config lists a \
             made-up diff_id fails on every machine that pulls it",
            READ,
        )
    );
}

/// Layers generated from a seed: the config lists their diff_ids in order, the manifest their
/// digests, and each digest names the bytes returned.
#[test]
fn a_generated_image_names_its_generated_layers() {
    let mut rng = Rng::from_env();
    let tars: Vec<Vec<u8>> = (0..rng.range(1, 4))
        .map(|_| {
            let len = rng.range(1, 800) as usize;
            tar_of(&[(&format!("opt/{}", rng.word(5)), &rng.bytes(len))])
        })
        .collect();
    let generated: Vec<Layer> =
        tars.iter().map(|t| Layer { blob: gzip_of(t), created_by: format!("RUN {}", rng.word(6)) }).collect();
    let image = build(&generated).unwrap_or_else(|e| panic!("build_image of valid generated layers failed: {e}"));
    let config = json_of("your config", &image.config);
    let manifest = json_of("your manifest", &image.manifest);
    let diff_ids: Vec<String> = tars.iter().map(|t| sha256_of(t)).collect();
    let digests: Vec<String> = generated.iter().map(|l| sha256_of(&l.blob)).collect();
    let got_diff_ids: Vec<String> = config["rootfs"]["diff_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let got_digests: Vec<String> = manifest["layers"]
        .as_array()
        .map(|a| a.iter().filter_map(|l| l["digest"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let names_ok = image.config_digest == sha256_of(&image.config)
        && image.manifest_digest == sha256_of(&image.manifest)
        && manifest["config"]["digest"].as_str() == Some(image.config_digest.as_str());
    assert!(
        got_diff_ids == diff_ids && got_digests == digests && names_ok,
        "{}",
        teach(
            STEP,
            &format!("build_image of {} generated layers ({})", tars.len(), rng.replay()),
            format!("diff_ids {diff_ids:?}, layer digests {digests:?}, and digests of the bytes returned"),
            format!(
                "diff_ids {got_diff_ids:?}, layer digests {got_digests:?}, config and manifest digests \
                 match their bytes: {names_ok}"
            ),
            "the config names each layer's tar, the manifest each layer's blob and the config, \
             always by the exact bytes",
            READ,
        )
    );
}

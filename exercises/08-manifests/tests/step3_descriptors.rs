//! Step 3: descriptors (media type, digest, size) and the diff_id of a compressed layer.
//!
//! Run: `cargo test -p ex08-manifests --test step3_descriptors`

mod common;

use common::{attempt, driftwood_layers, gzip_of, nginx_list, parse_json, sha256_of, show, tar_of, teach, Rng};
use ex08_manifests::{describe, diff_id, Descriptor, DOCKER_MANIFEST, OCI_CONFIG, OCI_LAYER_GZIP};

const STEP: &str = "step3_descriptors";
const READ: &str = "the book, 08-manifests/exercise.html#step-3-descriptors \
                    and 08-manifests/index.html#descriptors";

fn desc(media_type: &str, content: &[u8]) -> Descriptor {
    attempt(STEP, "describe", READ, || describe(media_type, content))
}

fn did(blob: &[u8]) -> std::io::Result<String> {
    attempt(STEP, "diff_id", READ, || diff_id(blob))
}

#[test]
fn describe_gives_media_type_digest_and_size() {
    let config = br#"{"architecture":"amd64","os":"linux"}"#;
    let expected =
        Descriptor { media_type: OCI_CONFIG.to_string(), digest: sha256_of(config), size: config.len() as u64 };
    let got = desc(OCI_CONFIG, config);
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "describe(OCI_CONFIG, a 38-byte config)",
            show(&expected),
            show(&got),
            "a descriptor is the whole of what a manifest knows about a blob: what it is, its \
             exact length and the hash of its exact bytes",
            READ,
        )
    );
}

#[test]
fn describe_agrees_with_the_real_nginx_list() {
    // The linux/amd64 entry of the real nginx:1.23.1 manifest list, read here from the list.
    let list = parse_json(nginx_list()).expect("test fixture: the nginx list is JSON");
    let entry = &list["manifests"][0];
    let expected = Descriptor {
        media_type: entry["mediaType"].as_str().unwrap().to_string(),
        digest: entry["digest"].as_str().unwrap().to_string(),
        size: entry["size"].as_u64().unwrap(),
    };
    let got = desc(DOCKER_MANIFEST, driftwood::raw::NGINX_1_23_1_AMD64_MANIFEST);
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "your descriptor of the real nginx:1.23.1 amd64 manifest, next to the entry Docker Hub's \
             manifest list has for it",
            show(&expected),
            show(&got),
            "the list names the manifest by exactly this digest and size: computing the same \
             descriptor from the bytes is how a client knows it got the right manifest",
            READ,
        )
    );
}

#[test]
fn size_counts_bytes_not_characters() {
    let content = "Driftwood — Ålesund\n".as_bytes();
    let got = desc("text/plain", content).size;
    assert!(
        got == content.len() as u64,
        "{}",
        teach(
            STEP,
            &format!(
                "the size of {:?}: {} characters, {} bytes in UTF-8",
                std::str::from_utf8(content).unwrap(),
                std::str::from_utf8(content).unwrap().chars().count(),
                content.len()
            ),
            content.len(),
            got,
            "a descriptor's size is the blob's length in bytes: what a registry stores and what \
             a client reads before it stops",
            READ,
        )
    );
}

#[test]
fn diff_id_is_the_digest_of_the_uncompressed_tar() {
    for (tar, blob, step) in driftwood_layers() {
        let expected = sha256_of(&tar);
        let got = did(&blob);
        assert!(
            matches!(&got, Ok(d) if *d == expected),
            "{}",
            teach(
                STEP,
                &format!("diff_id of the gzip blob of the layer made by `{step}`"),
                show(&expected),
                show(&got),
                "the config lists layers by diff_id, the digest of the tar *before* compression, so \
                 the content keeps its name however it is compressed for transport",
                READ,
            )
        );
    }
}

#[test]
fn a_layer_has_two_names() {
    let (_, blob, _) = driftwood_layers().remove(0);
    let diff = did(&blob).unwrap_or_default();
    let digest = desc(OCI_LAYER_GZIP, &blob).digest;
    assert!(
        diff != digest && digest == sha256_of(&blob) && diff.starts_with("sha256:"),
        "{}",
        teach(
            STEP,
            "diff_id and descriptor digest of the same layer blob",
            format!("two different digests, the descriptor's being {}", sha256_of(&blob)),
            show((&diff, &digest)),
            "the manifest names the compressed blob (what you download), the config names the \
             uncompressed tar (what you unpack); mixing them up breaks every pull",
            READ,
        )
    );
}

#[test]
fn diff_id_of_something_that_is_not_a_complete_gzip_is_an_error() {
    let tar = tar_of(&[("etc/hostname", b"driftwood\n")]);
    let blob = gzip_of(&tar);
    let cut = &blob[..blob.len() - 12];
    for (what, bytes) in
        [("an uncompressed tar", &tar[..]), ("a gzip blob cut short", cut), ("no bytes at all", &[][..])]
    {
        let got = did(bytes);
        assert!(
            got.is_err(),
            "{}",
            teach(
                STEP,
                &format!("diff_id of {what}"),
                "an Err",
                show(&got),
                "a layer whose blob cannot be decompressed has no diff_id; naming it anyway would \
                 put a false name into the config",
                READ,
            )
        );
    }
}

/// A layer generated from a seed: its descriptor and its diff_id follow from its bytes.
#[test]
fn a_generated_layer_is_described_by_its_blob_and_named_by_its_tar() {
    let mut rng = Rng::from_env();
    let path = format!("srv/{}.txt", rng.word(6));
    let len = rng.range(1, 5000) as usize;
    let content = rng.word(len).into_bytes();
    let tar = tar_of(&[(&path, &content)]);
    let blob = gzip_of(&tar);
    let expected =
        Descriptor { media_type: OCI_LAYER_GZIP.to_string(), digest: sha256_of(&blob), size: blob.len() as u64 };
    let got = desc(OCI_LAYER_GZIP, &blob);
    let got_diff_id = did(&blob).map_err(|e| e.to_string());
    assert!(
        got == expected && got_diff_id.as_ref() == Ok(&sha256_of(&tar)),
        "{}",
        teach(
            STEP,
            &format!("describe and diff_id of a generated {}-byte layer blob ({})", blob.len(), rng.replay()),
            format!("{expected:?} and diff_id Ok({:?})", sha256_of(&tar)),
            format!("{got:?} and diff_id {got_diff_id:?}"),
            "the descriptor names the blob as stored (gzip); the diff_id names the tar inside it",
            READ,
        )
    );
}

//! Step 1: hash the exact bytes of a real manifest and get the digest the registry published.
//!
//! Run: `cargo test -p ex08-manifests --test step1_digest`

mod common;

use common::{attempt, sha256_of, show, teach, Rng};
use driftwood::raw;
use ex08_manifests::sha256_digest;
use exercise_support::digest::{is_sha256_form, SHA256_FORM};

const STEP: &str = "step1_digest";
const READ: &str = "the book, 08-manifests/exercise.html#step-1-the-published-digest \
                    and 08-manifests/index.html#digests-pin-exact-bytes";

fn digest(bytes: &[u8]) -> String {
    attempt(STEP, "sha256_digest", READ, || sha256_digest(bytes))
}

#[test]
fn empty_input_has_the_well_known_digest() {
    let expected = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let got = digest(b"");
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the digest of zero bytes",
            show(expected),
            show(&got),
            "every tool agrees on this value: it is the quickest check that your hash and its \
             formatting are right",
            READ,
        )
    );
}

#[test]
fn the_nginx_1_23_1_manifest_hashes_to_its_published_digest() {
    let expected = raw::NGINX_1_23_1_AMD64_DIGEST;
    let got = digest(raw::NGINX_1_23_1_AMD64_MANIFEST);
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the digest of the real nginx:1.23.1 linux/amd64 manifest (1570 bytes, exactly as \
             Docker Hub served them)",
            show(expected),
            show(&got),
            "this is the digest Docker Hub published for these bytes: `docker pull \
             nginx@sha256:f26fbadb…` asks for exactly this manifest, and anyone can check it",
            READ,
        )
    );
}

#[test]
fn the_nginx_1_22_manifest_hashes_to_its_published_digest() {
    let expected = raw::NGINX_1_22_AMD64_DIGEST;
    let got = digest(raw::NGINX_1_22_AMD64_MANIFEST);
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the digest of the real nginx:1.22 linux/amd64 manifest",
            show(expected),
            show(&got),
            "another manifest of the same size (1570 bytes) and the same shape gets a completely \
             different name: the digest depends on every byte",
            READ,
        )
    );
}

#[test]
fn digest_is_algorithm_colon_lowercase_hex() {
    let got = digest(b"Driftwood");
    let why = "manifests, indexes and registry URLs compare digests as strings: uppercase hex or a \
               dropped leading zero names nothing";
    assert!(is_sha256_form(&got), "{}", teach(STEP, "the form of a digest", SHA256_FORM, show(&got), why, READ));
}

#[test]
fn one_changed_byte_changes_the_digest() {
    let mut edited = raw::NGINX_1_23_1_AMD64_MANIFEST.to_vec();
    // "size": 7653 of the config becomes 7654.
    let at = edited.windows(4).position(|w| w == b"7653").expect("test fixture: the config size is in the manifest");
    edited[at + 3] = b'4';
    let got = digest(&edited);
    let expected = common::sha256_of(&edited);
    assert!(
        got == expected && got != raw::NGINX_1_23_1_AMD64_DIGEST,
        "{}",
        teach(
            STEP,
            "the digest of the nginx manifest with one digit of the config size changed",
            format!("{expected}, not the published digest"),
            show(&got),
            "a registry and a client can only agree on content if any change to the bytes changes \
             the name",
            READ,
        )
    );
}

/// A manifest-shaped document generated from a seed: its digest can only be computed.
#[test]
fn a_generated_document_has_the_digest_of_its_bytes() {
    let mut rng = Rng::from_env();
    for _ in 0..5 {
        let doc = format!(
            "{{\"schemaVersion\":2,\"config\":{{\"digest\":\"sha256:{}\",\"size\":{}}}}}",
            rng.word(64),
            rng.range(1, 99_999)
        );
        let expected = sha256_of(doc.as_bytes());
        let got = digest(doc.as_bytes());
        assert!(
            got == expected,
            "{}",
            teach(
                STEP,
                &format!("the digest of the generated document {doc} ({})", rng.replay()),
                show(&expected),
                show(&got),
                "a digest names exact bytes: `sha256:` and the 64 lowercase hex digits of their hash",
                READ,
            )
        );
    }
}

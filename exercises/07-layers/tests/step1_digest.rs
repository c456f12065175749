//! Step 1: name bytes by their SHA-256, the way every image digest is written.
//!
//! Run: `cargo test -p ex07-layers --test step1_digest`

mod common;

use common::{attempt, show, teach};
use ex07_layers::sha256_digest;

const STEP: &str = "step1_digest";
const READ: &str = "the book, 07-layers/exercise.html#step-1-content-addresses \
                    and 07-layers/index.html#digests-and-diff-ids";

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
            "every tool agrees on this value; you will meet it as the digest of empty blobs",
            READ,
        )
    );
}

#[test]
fn hello_has_its_published_digest() {
    let expected = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    let got = digest(b"hello");
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the digest of b\"hello\" (what `printf hello | sha256sum` prints)",
            show(expected),
            show(&got),
            "a digest is a pure function of the bytes: same bytes, same name, on any machine",
            READ,
        )
    );
}

#[test]
fn digest_is_algorithm_colon_lowercase_hex() {
    let got = digest(b"Driftwood");
    let hex = got.strip_prefix("sha256:");
    let well_formed =
        hex.is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert!(
        well_formed,
        "{}",
        teach(
            STEP,
            "the form of a digest",
            "\"sha256:\" followed by exactly 64 lowercase hex digits",
            show(&got),
            "manifests and registries compare digests as strings: `SHA256:`, uppercase hex or \
             missing zeros name nothing",
            READ,
        )
    );
}

#[test]
fn one_changed_byte_changes_the_digest() {
    let a = digest(b"nginx:1.27-alpine");
    let b = digest(b"nginx:1.27-alpinE");
    let expected = common::sha256_of(b"nginx:1.27-alpinE");
    assert!(
        a != b && b == expected,
        "{}",
        teach(
            STEP,
            "digests of two inputs that differ in one byte",
            format!("two different digests, the second {expected}"),
            show((&a, &b)),
            "content addressing only works if any change to the bytes changes the name",
            READ,
        )
    );
}

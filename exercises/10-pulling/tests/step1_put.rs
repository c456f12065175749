//! Step 1: a store that checks every blob before it gets its name (size, then digest), and
//! answers `has` and `get`.

mod common;

use common::*;
use ex10_pulling::{sha256_digest, Store, StoreError};

const STEP: &str = "step1_put";
const READ: &str = "10-pulling/exercise.html#step-1-put-has-get";

#[test]
fn digests_are_sha256_in_lowercase_hex() {
    for bytes in [&b""[..], b"Driftwood", OS] {
        let got = attempt(STEP, "sha256_digest", READ, || sha256_digest(bytes));
        assert_eq!(
            got,
            sha256_of(bytes),
            "{}",
            teach(
                STEP,
                "the digest of some bytes",
                sha256_of(bytes),
                &got,
                "a blob's name is its digest: any other spelling is another name",
                READ
            )
        );
    }
}

#[test]
fn a_good_blob_is_stored_once_and_read_back() {
    let blob = Blob::new(SITE);
    let mut store = Store::new();
    let has_before = attempt(STEP, "Store::has", READ, || store.has(&blob.digest));
    assert!(
        !has_before,
        "{}",
        teach(STEP, "has() on an empty store", false, true, "an empty store holds nothing", READ)
    );
    let first = attempt(STEP, "Store::put", READ, || store.clone().put(&desc(&blob), &blob.bytes));
    let first = store.put(&desc(&blob), &blob.bytes).map(|new| (new, first.is_ok()));
    assert_eq!(
        first,
        Ok((true, true)),
        "{}",
        teach(
            STEP,
            "put() of bytes that match their descriptor",
            "Ok(true): stored, and new",
            show(&first),
            "a verified blob must be accepted",
            READ
        )
    );
    assert!(
        store.has(&blob.digest),
        "{}",
        teach(STEP, "has() after put()", true, false, "put() stores the blob under its digest", READ)
    );
    let got = attempt(STEP, "Store::get", READ, || store.get(&blob.digest).map(|b| b.to_vec()));
    assert_eq!(
        got,
        Ok(blob.bytes.clone()),
        "{}",
        teach(
            STEP,
            "get() after put()",
            show(SITE),
            show(&got),
            "the store gives back exactly the bytes it verified",
            READ
        )
    );
    let again = store.put(&desc(&blob), &blob.bytes);
    assert_eq!(
        again,
        Ok(false),
        "{}",
        teach(
            STEP,
            "a second put() of the same blob",
            "Ok(false): already there",
            show(&again),
            "same digest, same bytes: a content-addressed store keeps one copy",
            READ
        )
    );
    assert_eq!(
        store.usage(),
        (1, blob.size),
        "{}",
        teach(
            STEP,
            "usage() after two puts of one blob",
            show((1, blob.size)),
            show(store.usage()),
            "stored once",
            READ
        )
    );
}

#[test]
fn a_blob_of_the_wrong_size_is_refused_and_not_stored() {
    let blob = Blob::new(SITE);
    let mut store = Store::new();
    let truncated = &blob.bytes[..blob.bytes.len() - 3];
    let got = attempt(STEP, "Store::put", READ, || store.clone().put(&desc(&blob), truncated));
    let expected = StoreError::SizeMismatch { digest: blob.digest.clone(), expected: blob.size, actual: blob.size - 3 };
    assert_eq!(
        got,
        Err(expected.clone()),
        "{}",
        teach(
            STEP,
            "put() of a download cut 3 bytes short",
            show(&expected),
            show(&got),
            "the size is checked first: a cut-off download must never get the name of the whole blob",
            READ
        )
    );
    let _ = store.put(&desc(&blob), truncated);
    assert!(
        !attempt(STEP, "Store::has", READ, || store.has(&blob.digest)),
        "{}",
        teach(STEP, "has() after a refused put()", false, true, "a refused blob must leave the store unchanged", READ)
    );
    let get = store.get(&blob.digest);
    assert_eq!(
        get,
        Err(StoreError::NotFound(blob.digest.clone())),
        "{}",
        teach(
            STEP,
            "get() of a digest the store lacks",
            show(StoreError::NotFound(blob.digest.clone())),
            show(&get),
            "missing is an error that names the digest",
            READ
        )
    );
}

#[test]
fn a_blob_with_other_bytes_is_refused_naming_both_digests() {
    let blob = Blob::new(SITE);
    let mut flipped = blob.bytes.clone();
    flipped[5] ^= 0x01;
    let mut store = Store::new();
    let got = attempt(STEP, "Store::put", READ, || store.clone().put(&desc(&blob), &flipped));
    let expected = StoreError::DigestMismatch { expected: blob.digest.clone(), actual: sha256_of(&flipped) };
    assert_eq!(
        got,
        Err(expected.clone()),
        "{}",
        teach(
            STEP,
            "put() of bytes with one bit flipped (same size)",
            show(&expected),
            show(&got),
            "only the digest catches this: name both digests so the error can be traced",
            READ
        )
    );
    let _ = store.put(&desc(&blob), &flipped);
    assert_eq!(
        store.usage(),
        (0, 0),
        "{}",
        teach(
            STEP,
            "usage() after a refused put()",
            show((0, 0)),
            show(store.usage()),
            "a wrong blob must not be stored under any name",
            READ
        )
    );
}

/// A blob generated from a seed: stored under its own descriptor, refused under a descriptor
/// one byte off in size, and read back as exactly its bytes.
#[test]
fn a_generated_blob_is_checked_before_it_is_stored() {
    let mut rng = Rng::from_env();
    let len = rng.range(1, 5000) as usize;
    let blob = Blob::new(&rng.bytes(len));
    let mut store = Store::new();
    let wrong = ex10_pulling::Descriptor { digest: blob.digest.clone(), size: blob.size + 1 };
    let refused = attempt(STEP, "Store::put", READ, || store.clone().put(&wrong, &blob.bytes));
    let stored = attempt(STEP, "Store::put", READ, || {
        let first = store.put(&desc(&blob), &blob.bytes);
        let again = store.put(&desc(&blob), &blob.bytes);
        (first, again)
    });
    let back = attempt(STEP, "Store::get", READ, || store.get(&blob.digest).map(<[u8]>::to_vec));
    let ok = matches!(refused, Err(StoreError::SizeMismatch { .. }))
        && stored == (Ok(true), Ok(false))
        && back.as_ref() == Ok(&blob.bytes);
    assert!(
        ok,
        "{}",
        teach(
            STEP,
            &format!("a generated {len}-byte blob ({})", rng.replay()),
            "SizeMismatch under a wrong size; Ok(true) then Ok(false) under its own; get gives the bytes back",
            format!("{refused:?}; {stored:?}; get gives {} bytes", back.as_ref().map_or(0, Vec::len)),
            "a store checks size, then digest, stores a blob once, and gives back exactly what it took",
            READ
        )
    );
}

//! Step 3: a pull: the manifest, then only the missing blobs, each verified, then the name.

mod common;

use common::*;
use ex10_pulling::{pull, Store, StoreError};

const STEP: &str = "step3_pull";
const READ: &str = "10-pulling/exercise.html#step-3-pull";

#[test]
fn a_cold_pull_fetches_every_blob_once_and_records_the_name() {
    let image = web();
    let mut registry = FakeRegistry::new();
    registry.push("driftwood/web:1", &image);
    let mut store = Store::new();
    let got = attempt(STEP, "pull", READ, || pull(&mut registry, &mut store.clone(), "driftwood/web:1"));
    registry.reset_counts();
    let report = pull(&mut registry, &mut store, "driftwood/web:1");
    let report = match report {
        Ok(r) => r,
        Err(e) => panic!(
            "{}",
            teach(STEP, "a pull from a registry that serves correct bytes", "Ok(PullReport { … })", show(e), "", READ)
        ),
    };
    let _ = got;
    let total: u64 = image.blobs().iter().map(|b| b.size).sum();
    assert_eq!(
        (report.digest.as_str(), report.fetched, report.reused, report.bytes_fetched),
        (image.digest().as_str(), 4, 0, total),
        "{}",
        teach(
            STEP,
            "the report of a cold pull",
            show((image.digest(), 4, 0, total)),
            show(&report),
            "the digest is the manifest's; config + 3 layers were all missing",
            READ
        )
    );
    let expected: Vec<String> = image.blobs().iter().map(|b| b.digest.clone()).collect();
    assert_eq!(
        registry.blob_requests,
        expected,
        "{}",
        teach(
            STEP,
            "the blob requests",
            show(&expected),
            show(&registry.blob_requests),
            "one request per missing blob, config first",
            READ
        )
    );
    assert_eq!(
        registry.manifest_requests,
        1,
        "{}",
        teach(STEP, "manifest requests", 1, registry.manifest_requests, "one, by name", READ)
    );
    assert_eq!(
        store.resolve("driftwood/web:1"),
        Some(image.digest().as_str()),
        "{}",
        teach(
            STEP,
            "what the name points to after the pull",
            show(Some(image.digest())),
            show(store.resolve("driftwood/web:1")),
            "the name is recorded, pointing to the manifest's digest",
            READ
        )
    );
    for b in image.blobs() {
        assert!(
            store.has(&b.digest),
            "{}",
            teach(
                STEP,
                "the store after the pull",
                format!("has {}", short(&b.digest)),
                "missing",
                "every blob of the image is stored",
                READ
            )
        );
    }
    assert!(
        store.has(&image.digest()),
        "{}",
        teach(
            STEP,
            "the manifest in the store",
            "stored under its digest",
            "missing",
            "prune and the next pull need it",
            READ
        )
    );
}

#[test]
fn a_registry_that_sends_wrong_bytes_is_caught_and_nothing_is_named() {
    let image = web();
    let mut registry = FakeRegistry::new();
    registry.push("driftwood/web:1", &image);
    let bad = &image.layers[2];
    let mut flipped = bad.bytes.clone();
    flipped[0] ^= 0x01;
    registry.corrupt(&bad.digest, &flipped);
    let mut store = Store::new();
    let got = attempt(STEP, "pull", READ, || pull(&mut registry, &mut store, "driftwood/web:1"));
    let expected = StoreError::DigestMismatch { expected: bad.digest.clone(), actual: sha256_of(&flipped) };
    assert_eq!(
        got,
        Err(expected.clone()),
        "{}",
        teach(
            STEP,
            "a pull whose site layer arrives with one bit flipped",
            show(&expected),
            show(&got),
            "the bad blob must be caught and named",
            READ
        )
    );
    assert!(
        !store.has(&bad.digest),
        "{}",
        teach(STEP, "the bad layer", "not stored", "stored", "a wrong blob never gets a name", READ)
    );
    assert_eq!(
        store.resolve("driftwood/web:1"),
        None,
        "{}",
        teach(
            STEP,
            "the name after a failed pull",
            "None",
            show(store.resolve("driftwood/web:1")),
            "a name must only ever point to a whole image: record it last",
            READ
        )
    );
}

#[test]
fn a_source_error_is_reported() {
    let mut registry = FakeRegistry::new();
    let mut store = Store::new();
    let got = attempt(STEP, "pull", READ, || pull(&mut registry, &mut store, "driftwood/nothing:1"));
    assert!(
        matches!(&got, Err(StoreError::Source(m)) if m.contains("MANIFEST_UNKNOWN")),
        "{}",
        teach(
            STEP,
            "a pull of a name the registry does not know",
            "Err(StoreError::Source(\"MANIFEST_UNKNOWN: …\"))",
            show(&got),
            "pass the source's error on",
            READ
        )
    );
}

/// A generated image: a cold pull fetches each of its blobs once and names its manifest.
#[test]
fn a_generated_image_is_pulled_blob_by_blob() {
    let mut rng = Rng::from_env();
    let (image, _) = two_images_on_one_base(&mut rng);
    let name = format!("generated/{}:{}", rng.word(6), rng.range(1, 99));
    let mut registry = FakeRegistry::new();
    registry.push(&name, &image);
    let mut store = Store::new();
    let report = attempt(STEP, "pull", READ, || pull(&mut registry, &mut store, &name));
    let total: u64 = image.blobs().iter().map(|b| b.size).sum();
    let n = image.blobs().len();
    let expected_requests: Vec<String> = image.blobs().iter().map(|b| b.digest.clone()).collect();
    let got = report.as_ref().map(|r| (r.digest.clone(), r.fetched, r.reused, r.bytes_fetched));
    assert!(
        got == Ok((image.digest(), n, 0, total))
            && registry.blob_requests == expected_requests
            && store.resolve(&name) == Some(image.digest().as_str()),
        "{}",
        teach(
            STEP,
            &format!("a cold pull of a generated image with {n} blobs ({})", rng.replay()),
            format!("Ok(digest {}, {n} fetched, 0 reused, {total} bytes), blobs requested in order, name resolved", short(&image.digest())),
            format!("{got:?}, requests {:?}, name resolves to {:?}", registry.blob_requests, store.resolve(&name)),
            "every blob the manifest lists is fetched once, verified and stored; then the name points to the manifest's digest",
            READ
        )
    );
}

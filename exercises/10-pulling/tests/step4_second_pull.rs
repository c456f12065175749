//! Step 4: the second pull fetches nothing; a second image on the same base fetches only its own.

mod common;

use common::*;
use ex10_pulling::{pull, Store};

const STEP: &str = "step4_second_pull";
const READ: &str = "10-pulling/exercise.html#step-4-the-second-pull";

fn pulled() -> (FakeRegistry, Store) {
    let mut registry = FakeRegistry::new();
    registry.push("driftwood/web:1", &web());
    registry.push("driftwood/maintenance:1", &maintenance());
    let mut store = Store::new();
    attempt(STEP, "pull", READ, || pull(&mut registry, &mut store.clone(), "driftwood/web:1")).unwrap();
    pull(&mut registry, &mut store, "driftwood/web:1").unwrap();
    registry.reset_counts();
    (registry, store)
}

#[test]
fn the_second_pull_of_a_tag_asks_for_the_manifest_and_fetches_no_blob() {
    let (mut registry, mut store) = pulled();
    let before = store.usage();
    let report = pull(&mut registry, &mut store, "driftwood/web:1").unwrap();
    assert_eq!(
        (report.fetched, report.reused, report.bytes_fetched),
        (0, 4, 0),
        "{}",
        teach(
            STEP,
            "(fetched, reused, bytes_fetched) of the second pull",
            "(0, 4, 0)",
            show((report.fetched, report.reused, report.bytes_fetched)),
            "a digest the store holds is those bytes: nothing to download",
            READ
        )
    );
    assert!(
        registry.blob_requests.is_empty(),
        "{}",
        teach(
            STEP,
            "blob requests of the second pull",
            "none",
            show(&registry.blob_requests),
            "content addressing: the store already has every digest",
            READ
        )
    );
    assert_eq!(
        registry.manifest_requests,
        1,
        "{}",
        teach(
            STEP,
            "manifest requests of the second pull",
            1,
            registry.manifest_requests,
            "the tag may have moved: only the registry knows",
            READ
        )
    );
    assert_eq!(
        store.usage(),
        before,
        "{}",
        teach(STEP, "usage() after the second pull", show(before), show(store.usage()), "nothing new was stored", READ)
    );
}

#[test]
fn a_second_image_on_the_same_base_fetches_only_its_own_blobs() {
    let (mut registry, mut store) = pulled();
    let image = maintenance();
    let report = pull(&mut registry, &mut store, "driftwood/maintenance:1").unwrap();
    let expected = vec![image.config.digest.clone(), image.layers[2].digest.clone()];
    assert_eq!(
        registry.blob_requests,
        expected,
        "{}",
        teach(
            STEP,
            "blob requests for driftwood/maintenance:1 after driftwood/web:1",
            show(&expected),
            show(&registry.blob_requests),
            "the OS and nginx layers have the same digests in both images: stored once",
            READ
        )
    );
    assert_eq!(
        (report.fetched, report.reused),
        (2, 2),
        "{}",
        teach(
            STEP,
            "(fetched, reused)",
            "(2, 2)",
            show((report.fetched, report.reused)),
            "config and top layer are new; the base is shared",
            READ
        )
    );
}

#[test]
fn a_moved_tag_fetches_only_what_changed() {
    let (mut registry, mut store) = pulled();
    let new = web_1_1();
    registry.push("driftwood/web:1", &new);
    let report = pull(&mut registry, &mut store, "driftwood/web:1").unwrap();
    assert_eq!(
        (report.digest.as_str(), report.fetched, report.reused),
        (new.digest().as_str(), 2, 2),
        "{}",
        teach(
            STEP,
            "a pull after the tag moved to a rebuild with a new site layer",
            show((new.digest(), 2, 2)),
            show(&report),
            "the new manifest names a new config and site layer; the rest is reused",
            READ
        )
    );
    assert_eq!(
        store.resolve("driftwood/web:1"),
        Some(new.digest().as_str()),
        "{}",
        teach(
            STEP,
            "the name after the pull",
            show(new.digest()),
            show(store.resolve("driftwood/web:1")),
            "the name follows the tag",
            READ
        )
    );
}

/// Two generated images on one base: the second pull downloads only what the first lacked.
#[test]
fn a_generated_second_image_reuses_the_base() {
    let mut rng = Rng::from_env();
    let (first, second) = two_images_on_one_base(&mut rng);
    let mut registry = FakeRegistry::new();
    registry.push("generated/first:1", &first);
    registry.push("generated/second:1", &second);
    let mut store = Store::new();
    attempt(STEP, "pull", READ, || pull(&mut registry, &mut store, "generated/first:1")).expect("first pull");
    registry.reset_counts();
    let report = attempt(STEP, "pull", READ, || pull(&mut registry, &mut store, "generated/second:1"));
    let own: Vec<&Blob> =
        second.blobs().into_iter().filter(|b| !first.blobs().iter().any(|f| f.digest == b.digest)).collect();
    let reused = second.blobs().len() - own.len();
    let bytes: u64 = own.iter().map(|b| b.size).sum();
    let expected_requests: Vec<String> = own.iter().map(|b| b.digest.clone()).collect();
    let got = report.as_ref().map(|r| (r.fetched, r.reused, r.bytes_fetched));
    assert!(
        got == Ok((own.len(), reused, bytes)) && registry.blob_requests == expected_requests,
        "{}",
        teach(
            STEP,
            &format!("pulling a second generated image on the first one's base ({})", rng.replay()),
            format!("Ok({} fetched, {reused} reused, {bytes} bytes), requests {expected_requests:?}", own.len()),
            format!("{got:?}, requests {:?}", registry.blob_requests),
            "blobs are shared by digest: the base the store holds is not downloaded again",
            READ
        )
    );
}

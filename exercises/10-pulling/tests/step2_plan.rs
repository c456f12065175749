//! Step 2: read a manifest's descriptors and plan a pull: which blobs the store lacks.

mod common;

use common::*;
use ex10_pulling::{parse_manifest, plan_pull, Descriptor, Store, StoreError};

const STEP: &str = "step2_plan";
const READ: &str = "10-pulling/exercise.html#step-2-plan-a-pull";

#[test]
fn parse_manifest_reads_config_and_layers_in_order() {
    let image = web();
    let got = attempt(STEP, "parse_manifest", READ, || parse_manifest(&image.manifest));
    let expected: Vec<Descriptor> = image.layers.iter().map(desc).collect();
    match got {
        Ok(m) => {
            assert_eq!(
                m.config,
                desc(&image.config),
                "{}",
                teach(
                    STEP,
                    "the config descriptor",
                    show(desc(&image.config)),
                    show(&m.config),
                    "the config is a blob like any other",
                    READ
                )
            );
            assert_eq!(
                m.layers,
                expected,
                "{}",
                teach(
                    STEP,
                    "the layer descriptors, base first",
                    show(&expected),
                    show(&m.layers),
                    "layers are applied in order",
                    READ
                )
            );
        }
        Err(e) => {
            panic!("{}", teach(STEP, "parse_manifest of a valid manifest", "Ok(Manifest { … })", show(e), "", READ))
        }
    }
}

#[test]
fn parse_manifest_rejects_what_is_not_a_manifest() {
    for (what, bytes) in [
        ("not JSON", &b"<html>502 Bad Gateway</html>"[..]),
        ("no layers", br#"{"config": {"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000", "size": 2}}"#),
        ("a short digest", br#"{"config": {"digest": "sha256:abc", "size": 2}, "layers": []}"#),
        ("no size", br#"{"config": {"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"}, "layers": []}"#),
    ] {
        let got = attempt(STEP, "parse_manifest", READ, || parse_manifest(bytes));
        assert!(
            matches!(got, Err(StoreError::BadManifest(_))),
            "{}",
            teach(STEP, &format!("parse_manifest of {what}"), "Err(StoreError::BadManifest(…))", show(&got), "a pull that trusts a malformed manifest fetches nonsense", READ)
        );
    }
}

#[test]
fn an_empty_store_must_fetch_everything_config_first() {
    let image = web();
    let manifest = parse_manifest(&image.manifest);
    let store = Store::new();
    let got = attempt(STEP, "plan_pull", READ, || plan_pull(&manifest.clone().unwrap(), &store));
    let expected: Vec<Descriptor> = image.blobs().into_iter().map(desc).collect();
    assert_eq!(
        got,
        expected,
        "{}",
        teach(
            STEP,
            "the plan for an empty store",
            show(&expected),
            show(&got),
            "nothing is there yet: config, then layers base first",
            READ
        )
    );
}

#[test]
fn the_plan_skips_what_the_store_has_and_lists_each_digest_once() {
    let image = Image::new("twice", &[OS, NGINX, OS]);
    let manifest = attempt(STEP, "parse_manifest", READ, || parse_manifest(&image.manifest)).unwrap();
    let mut store = Store::new();
    let nginx = Blob::new(NGINX);
    attempt(STEP, "Store::put", READ, || store.clone().put(&desc(&nginx), NGINX)).unwrap();
    store.put(&desc(&nginx), NGINX).unwrap();
    let got = attempt(STEP, "plan_pull", READ, || plan_pull(&manifest, &store));
    let expected = vec![desc(&image.config), desc(&Blob::new(OS))];
    assert_eq!(
        got,
        expected,
        "{}",
        teach(
            STEP,
            "the plan when the store has the nginx layer and the manifest lists OS twice",
            show(&expected),
            show(&got),
            "fetch only what is missing, and never the same digest twice",
            READ
        )
    );
}

/// Two generated images on one base: with the first one stored, the plan for the second lists
/// only its own blobs, config first, each once.
#[test]
fn a_generated_plan_skips_the_shared_base() {
    let mut rng = Rng::from_env();
    let (first, second) = two_images_on_one_base(&mut rng);
    let mut store = Store::new();
    for b in first.blobs() {
        store.put(&desc(b), &b.bytes).expect("test fixture: a valid blob");
    }
    let manifest =
        attempt(STEP, "parse_manifest", READ, || parse_manifest(&second.manifest)).expect("a valid manifest");
    let got = attempt(STEP, "plan_pull", READ, || plan_pull(&manifest, &store));
    let mut expected: Vec<Descriptor> = Vec::new();
    for b in second.blobs() {
        if !store.has(&b.digest) && !expected.contains(&desc(b)) {
            expected.push(desc(b));
        }
    }
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            &format!("plan_pull for a second generated image on a shared base ({})", rng.replay()),
            show(&expected),
            show(&got),
            "fetch what the store lacks, config first, then layers in order, each digest once",
            READ
        )
    );
}

//! Step 5: prune removes exactly the blobs no name reaches.

mod common;

use common::*;
use ex10_pulling::{prune, pull, Store};

const STEP: &str = "step5_prune";
const READ: &str = "10-pulling/exercise.html#step-5-prune";

#[test]
fn prune_keeps_everything_a_name_reaches() {
    let mut registry = FakeRegistry::new();
    registry.push("driftwood/web:1", &web());
    registry.push("driftwood/maintenance:1", &maintenance());
    let mut store = Store::new();
    pull(&mut registry, &mut store, "driftwood/web:1").unwrap();
    pull(&mut registry, &mut store, "driftwood/maintenance:1").unwrap();
    let before = store.usage();
    let got = attempt(STEP, "prune", READ, || prune(&mut store));
    let got = got.map(|r| (r.removed, r.freed_bytes));
    assert_eq!(
        got,
        Ok((vec![], 0)),
        "{}",
        teach(
            STEP,
            "prune when every blob is reachable",
            "Ok(nothing removed, 0 bytes)",
            show(&got),
            "every blob is reached by a name",
            READ
        )
    );
    assert_eq!(
        store.usage(),
        before,
        "{}",
        teach(
            STEP,
            "usage() after prune",
            show(before),
            show(store.usage()),
            "prune must not touch reachable blobs",
            READ
        )
    );
}

#[test]
fn after_a_tag_moves_prune_removes_the_dangling_image_and_keeps_the_shared_base() {
    let old = web();
    let mut registry = FakeRegistry::new();
    registry.push("driftwood/web:1", &old);
    registry.push("driftwood/maintenance:1", &maintenance());
    let mut store = Store::new();
    pull(&mut registry, &mut store, "driftwood/web:1").unwrap();
    pull(&mut registry, &mut store, "driftwood/maintenance:1").unwrap();
    registry.push("driftwood/web:1", &web_1_1());
    pull(&mut registry, &mut store, "driftwood/web:1").unwrap();

    let report = attempt(STEP, "prune", READ, || prune(&mut store)).unwrap();
    let mut expected = vec![old.digest(), old.config.digest.clone(), old.layers[2].digest.clone()];
    expected.sort();
    let freed = old.manifest.len() as u64 + old.config.size + old.layers[2].size;
    assert_eq!(
        (&report.removed, report.freed_bytes),
        (&expected, freed),
        "{}",
        teach(
            STEP,
            "prune after driftwood/web:1 moved to 1.1",
            show((&expected, freed)),
            show((&report.removed, report.freed_bytes)),
            "the old manifest, its config and its old site layer: sorted, with their total size",
            READ
        )
    );
    for b in [OS, NGINX, SITE_1_1, MAINTENANCE] {
        let d = sha256_of(b);
        assert!(
            store.has(&d),
            "{}",
            teach(
                STEP,
                "a layer a name still reaches",
                format!("kept: {}", short(&d)),
                "removed",
                "the OS and nginx layers are shared with the names that remain",
                READ
            )
        );
    }
    let again = prune(&mut store).unwrap();
    assert!(
        again.removed.is_empty(),
        "{}",
        teach(STEP, "a second prune", "nothing to remove", show(&again.removed), "prune is idempotent", READ)
    );
}

#[test]
fn untag_then_prune_frees_only_the_unique_part() {
    let mut registry = FakeRegistry::new();
    registry.push("driftwood/web:1", &web());
    registry.push("driftwood/maintenance:1", &maintenance());
    let mut store = Store::new();
    pull(&mut registry, &mut store, "driftwood/web:1").unwrap();
    pull(&mut registry, &mut store, "driftwood/maintenance:1").unwrap();
    let m = maintenance();
    store.untag("driftwood/maintenance:1").unwrap();
    let report = attempt(STEP, "prune", READ, || prune(&mut store)).unwrap();
    let freed = m.manifest.len() as u64 + m.config.size + m.layers[2].size;
    assert_eq!(
        report.freed_bytes,
        freed,
        "{}",
        teach(
            STEP,
            "bytes freed after removing driftwood/maintenance:1",
            freed,
            report.freed_bytes,
            "only its unique blobs go: the base stays for driftwood/web:1",
            READ
        )
    );
}

/// A tag moved between two generated images: prune removes exactly what only the old image
/// reached, and keeps the shared base.
#[test]
fn a_generated_moved_tag_leaves_only_the_old_top_to_prune() {
    let mut rng = Rng::from_env();
    let (old, new) = two_images_on_one_base(&mut rng);
    let name = format!("generated/{}:latest", rng.word(5));
    let mut registry = FakeRegistry::new();
    registry.push(&name, &old);
    let mut store = Store::new();
    pull(&mut registry, &mut store, &name).expect("first pull");
    registry.push(&name, &new);
    pull(&mut registry, &mut store, &name).expect("second pull");
    let reachable: Vec<String> = new.blobs().iter().map(|b| b.digest.clone()).chain([new.digest()]).collect();
    let mut expected: Vec<(String, u64)> = old
        .blobs()
        .iter()
        .map(|b| (b.digest.clone(), b.size))
        .chain([(old.digest(), old.manifest.len() as u64)])
        .filter(|(d, _)| !reachable.contains(d) && store.has(d))
        .collect();
    expected.sort();
    let freed: u64 = expected.iter().map(|(_, s)| s).sum();
    let removed: Vec<String> = expected.into_iter().map(|(d, _)| d).collect();
    let got = attempt(STEP, "prune", READ, || prune(&mut store)).map(|r| (r.removed, r.freed_bytes));
    assert!(
        got == Ok((removed.clone(), freed)),
        "{}",
        teach(
            STEP,
            &format!("prune after {name} moved between two generated images ({})", rng.replay()),
            show(Ok::<_, ()>((&removed, freed))),
            show(&got),
            "what no name reaches any more is removed, sorted, with its size; the shared base stays",
            READ
        )
    );
}

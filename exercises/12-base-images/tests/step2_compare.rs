//! Step 2: compare real base images by size and shared layers, from the offline snapshot.
//!
//! Run: `cargo test -p ex12-base-images --test step2_compare`

mod common;

use common::*;
use ex12_base_images::{compare, smallest, snapshot_layers, Comparison};

const STEP: &str = "step2_compare";
const READ: &str = "the book, 12-base-images/exercise.html#step-2-comparing-bases \
                    and 12-base-images/index.html#the-spectrum-in-numbers";

fn layers(tag: &str) -> Vec<(String, u64)> {
    attempt(STEP, "snapshot_layers", READ, || snapshot_layers(tag)).unwrap_or_else(|| {
        panic!(
            "{}",
            teach(
                STEP,
                &format!("snapshot_layers({tag:?})"),
                "Some(layers)",
                "None",
                "the snapshot has linux/amd64 layers for this tag",
                READ
            )
        )
    })
}

/// The oracle: the record's layers straight from the driftwood crate.
fn oracle(tag: &str) -> Vec<(String, u64)> {
    let r = driftwood::record(tag).or_else(|| driftwood::latest(tag)).expect("in the snapshot");
    r.amd64().unwrap().layers.as_ref().unwrap().iter().map(|l| (l.digest.to_string(), l.size)).collect()
}

#[test]
fn the_snapshot_gives_each_base_its_layers() {
    for tag in ["alpine:3.21", "debian:bookworm-slim", "nginx:1.27-alpine", "postgres:16", "postgres:16@2023-12-19"] {
        let got = layers(tag);
        let expected = oracle(tag);
        assert!(
            got == expected,
            "{}",
            teach(
                STEP,
                &format!("the layers of {tag}"),
                show(&expected),
                show(&got),
                "linux/amd64, bottom first, (digest, compressed size)",
                READ
            )
        );
    }
    assert_eq!(layers("alpine:3.21").len(), 1, "a base image is one layer");
    let none = attempt(STEP, "snapshot_layers", READ, || snapshot_layers("distroless/static:nonroot"));
    assert!(none.is_none(), "the snapshot has no distroless record: None, never an invented figure");
    let none = attempt(STEP, "snapshot_layers", READ, || snapshot_layers("postgres:16@2023-10-11"));
    assert!(none.is_none(), "that record holds no layer list: None");
}

#[test]
fn postgres_on_trixie_and_on_bookworm_share_nothing() {
    let a = layers("postgres:16");
    let b = layers("postgres:16-bookworm");
    let got = attempt(STEP, "compare", READ, || compare(&a, &b));
    let size_a: u64 = a.iter().map(|l| l.1).sum();
    let size_b: u64 = b.iter().map(|l| l.1).sum();
    let expected = Comparison {
        size_a,
        size_b,
        shared: vec![],
        shared_bytes: 0,
        common_base_layers: 0,
        pull_both: size_a + size_b,
    };
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "postgres:16 (trixie) vs postgres:16-bookworm",
            show(&expected),
            show(&got),
            "a different Debian release is a different bottom layer: nothing is pulled once for both",
            READ
        )
    );
}

#[test]
fn images_on_the_same_base_share_their_bottom_layers() {
    let base = vec![("sha256:base".to_string(), 3_000_000), ("sha256:tools".to_string(), 500_000)];
    let mut a = base.clone();
    a.push(("sha256:api".to_string(), 2_000));
    let mut b = base.clone();
    b.push(("sha256:web".to_string(), 7_000));
    b.push(("sha256:tools".to_string(), 500_000));
    let got = attempt(STEP, "compare", READ, || compare(&a, &b));
    let expected = Comparison {
        size_a: 3_502_000,
        size_b: 4_007_000,
        shared: vec!["sha256:base".into(), "sha256:tools".into()],
        shared_bytes: 3_500_000,
        common_base_layers: 2,
        pull_both: 3_509_000,
    };
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "two images on one base (b repeats a layer)",
            show(&expected),
            show(&got),
            "shared layers are stored and pulled once; the common base is the identical bottom run",
            READ
        )
    );
}

#[test]
fn alpine_is_the_smallest_base_on_record() {
    let got = attempt(STEP, "smallest", READ, || {
        smallest(&["debian:bookworm-slim", "distroless/static", "alpine:3.21", "postgres:16"])
    });
    assert!(
        got == Some("alpine:3.21"),
        "{}",
        teach(
            STEP,
            "the smallest of four (one without a record)",
            show(Some("alpine:3.21")),
            show(got),
            "tags without a record are skipped, not counted as 0",
            READ
        )
    );
    assert_eq!(attempt(STEP, "smallest", READ, || smallest(&["distroless/static"])), None);
}

/// Two generated layer lists on a common base of generated length: every figure of the
/// comparison follows from the lists, built here.
#[test]
fn two_generated_images_on_a_common_base() {
    let mut rng = Rng::from_env();
    let layer = |rng: &mut Rng| (format!("sha256:{}", rng.word(64)), rng.range(1, 50_000_000));
    let base: Vec<(String, u64)> = (0..rng.range(0, 3)).map(|_| layer(&mut rng)).collect();
    let shared_top = layer(&mut rng);
    let mut a = base.clone();
    let mut b = base.clone();
    a.extend((0..rng.range(1, 3)).map(|_| layer(&mut rng)));
    b.extend((0..rng.range(1, 3)).map(|_| layer(&mut rng)));
    // One more layer both have, above their different layers: shared, but not base.
    a.push(shared_top.clone());
    b.push(shared_top.clone());
    let size = |l: &[(String, u64)]| l.iter().map(|(_, s)| s).sum::<u64>();
    let shared: Vec<String> = base.iter().chain([&shared_top]).map(|(d, _)| d.clone()).collect();
    let shared_bytes = size(&base) + shared_top.1;
    let expected = Comparison {
        size_a: size(&a),
        size_b: size(&b),
        shared,
        shared_bytes,
        common_base_layers: base.len(),
        pull_both: size(&a) + size(&b) - shared_bytes,
    };
    let got = attempt(STEP, "compare", READ, || compare(&a, &b));
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            &format!("compare of two generated images with a {}-layer base ({})", base.len(), rng.replay()),
            show(&expected),
            show(&got),
            "shared counts every digest in both; the common base only the identical bottom run; \
             a host pulls each distinct layer once",
            READ
        )
    );
}

#[test]
fn on_a_tie_the_first_tag_given_wins() {
    let tag = "alpine:3.21";
    let id = driftwood::latest(tag).expect("in the snapshot").id.clone();
    for tags in [[id.as_str(), tag], [tag, id.as_str()]] {
        let got = attempt(STEP, "smallest", READ, || smallest(&tags));
        assert!(
            got == Some(tags[0]),
            "{}",
            teach(
                STEP,
                &format!("smallest({tags:?}) (the same image under two names)"),
                show(Some(tags[0])),
                show(got),
                "two images of the same size tie, and a tie goes to the first given",
                READ
            )
        );
    }
}

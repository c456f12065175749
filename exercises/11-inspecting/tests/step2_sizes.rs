//! Step 2: list each layer's files and whiteouts, its size, and what deletions still cost.
//!
//! Run: `cargo test -p ex11-inspecting --test step2_sizes`

mod common;

use common::*;
use ex11_inspecting::{deleted_still_shipped, layer_file_bytes, read_layer, Change, StillShipped};

const STEP: &str = "step2_sizes";
const READ: &str = "the book, 11-inspecting/exercise.html#step-2-sizes-and-waste \
                    and 11-inspecting/index.html#where-the-bytes-go";

fn read(blob: &[u8]) -> Result<Vec<Change>, String> {
    attempt(STEP, "read_layer", READ, || read_layer(blob))
}

fn all_careless() -> Vec<Vec<Change>> {
    careless_layers().iter().map(|b| read(b).expect("a valid layer")).collect()
}

fn file(path: &str, size: usize) -> Change {
    Change::File { path: path.into(), size: size as u64 }
}

fn deleted(path: &str) -> Change {
    Change::Deleted { path: path.into() }
}

#[test]
fn a_layer_lists_its_files_and_its_whiteouts() {
    let layers = careless_layers();
    let got = read(&layers[1]).expect("a valid layer");
    let expected = vec![file("root/.ssh/id_ed25519", FAKE_KEY.len()), file("srv/driftwood-api/.env", FAKE_ENV.len())];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the changes of layer 1 (a directory entry, then two files)",
            show(&expected),
            show(&got),
            "directories carry no content bytes: list regular files and whiteouts only",
            READ
        )
    );
    let got = read(&layers[4]).expect("a valid layer");
    let expected = vec![deleted("root/.ssh/id_ed25519"), deleted("srv/driftwood-api/.env"), deleted("tmp/build.log")];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the changes of layer 4 (three whiteouts)",
            show(&expected),
            show(&got),
            "`dir/.wh.NAME` in a layer deletes `dir/NAME` from the layers below",
            READ
        )
    );
}

#[test]
fn a_blob_that_is_not_a_gzip_tar_is_an_error() {
    assert!(read(b"not a layer").is_err(), "garbage must be an Err, not a panic");
}

#[test]
fn each_layer_weighs_the_sum_of_its_files() {
    let got: Vec<u64> =
        all_careless().iter().map(|l| attempt(STEP, "layer_file_bytes", READ, || layer_file_bytes(l))).collect();
    let expected = vec![10 + 26, (FAKE_KEY.len() + FAKE_ENV.len()) as u64, 5000, 29 + 24, 0];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "file bytes per layer of the careless image",
            show(&expected),
            show(&got),
            "a whiteout is an empty file: deleting adds a layer, it never makes one smaller",
            READ
        )
    );
}

#[test]
fn deleted_files_still_ship_in_the_layer_that_added_them() {
    let layers = all_careless();
    let got = attempt(STEP, "deleted_still_shipped", READ, || deleted_still_shipped(&layers));
    let expected = vec![
        StillShipped { path: "root/.ssh/id_ed25519".into(), added_in: 1, deleted_in: 4, bytes: FAKE_KEY.len() as u64 },
        StillShipped {
            path: "srv/driftwood-api/.env".into(),
            added_in: 1,
            deleted_in: 4,
            bytes: FAKE_ENV.len() as u64,
        },
        StillShipped { path: "tmp/build.log".into(), added_in: 2, deleted_in: 4, bytes: 5000 },
    ];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "what the careless image's deletions still ship",
            show(&expected),
            show(&got),
            "every pull downloads layers 1 and 2 in full, whiteouts or not",
            READ
        )
    );
}

#[test]
fn a_deleted_directory_still_ships_every_file_under_it() {
    let layers = vec![
        vec![file("app/cache/a", 100), file("app/cache/b", 50), file("app/cached", 7)],
        vec![file("app/cache/a", 20)],
        vec![deleted("app/cache")],
    ];
    let got = attempt(STEP, "deleted_still_shipped", READ, || deleted_still_shipped(&layers));
    let expected = vec![
        StillShipped { path: "app/cache/a".into(), added_in: 1, deleted_in: 2, bytes: 120 },
        StillShipped { path: "app/cache/b".into(), added_in: 0, deleted_in: 2, bytes: 50 },
    ];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "a whiteout of a directory",
            show(&expected),
            show(&got),
            "a whiteout of `app/cache` hides everything under it (but not `app/cached`); every \
               version below it still ships",
            READ
        )
    );
}

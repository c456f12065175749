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

#[test]
fn dot_slash_names_and_opaque_markers() {
    let blob = layer(&[
        Entry::DotFile("etc/motd", b"welcome\n"),
        Entry::Dir("var/cache"),
        Entry::Opaque("var/cache"),
        Entry::DotFile("var/cache/fresh", b"1234"),
    ]);
    let got = read(&blob).expect("a valid layer");
    let expected = vec![file("etc/motd", 8), file("var/cache/fresh", 4)];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "a layer written by `tar -C rootfs .` with an opaque whiteout in var/cache",
            show(&expected),
            show(&got),
            "`./etc/motd` and `etc/motd` are one path: clean the leading `./`; `.wh..wh..opq` hides \
             a directory's lower contents but deletes no path of its own, so it is no Change",
            READ
        )
    );
}

#[test]
fn whiteouts_keep_their_order_and_a_second_deletion_finds_nothing() {
    let layers = vec![
        vec![file("srv/zeta", 30), file("srv/alpha", 10)],
        vec![deleted("srv/zeta"), deleted("srv/alpha")],
        vec![deleted("srv/zeta")],
    ];
    let got = attempt(STEP, "deleted_still_shipped", READ, || deleted_still_shipped(&layers));
    let expected = vec![
        StillShipped { path: "srv/zeta".into(), added_in: 0, deleted_in: 1, bytes: 30 },
        StillShipped { path: "srv/alpha".into(), added_in: 0, deleted_in: 1, bytes: 10 },
    ];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "two whiteouts listed z before a, then zeta deleted a second time",
            show(&expected),
            show(&got),
            "list by the layer's own whiteout order, not alphabetically; a path already deleted \
             has nothing left to delete, so a second whiteout of it ships nothing new",
            READ
        )
    );
}

/// Layers built from a seed: random files (some named `./…`), random sizes, then one layer
/// whose whiteouts, in random order, delete some files and one whole directory.
#[test]
fn a_generated_image_lists_its_layers_and_what_its_deletions_ship() {
    let mut rng = Rng::from_env();
    let dirs: Vec<String> = (0..3).map(|_| rng.word(5)).collect();
    let names: Vec<String> = (0..6).map(|_| rng.word(6)).collect();
    let lower_count = rng.range(2, 4) as usize;
    // (path, layer, size) of every file version, and each layer's expected changes.
    let mut written: Vec<(String, usize, u64)> = Vec::new();
    let mut blobs = Vec::new();
    let mut expected_layers = Vec::new();
    for index in 0..lower_count {
        let mut entries: Vec<(String, Vec<u8>, bool)> = Vec::new();
        for _ in 0..rng.range(2, 6) {
            let path = format!("{}/{}", rng.pick(&dirs), rng.pick(&names));
            if entries.iter().any(|(p, ..)| *p == path) {
                continue; // one version of a path per layer, as a real layer has
            }
            let size = rng.range(1, 3000) as usize;
            entries.push((path, vec![b'z'; size], rng.coin()));
        }
        let tar: Vec<Entry> =
            entries.iter().map(|(p, d, dot)| if *dot { Entry::DotFile(p, d) } else { Entry::File(p, d) }).collect();
        blobs.push(layer(&tar));
        expected_layers.push(entries.iter().map(|(p, d, _)| file(p, d.len())).collect::<Vec<_>>());
        written.extend(entries.iter().map(|(p, d, _)| (p.clone(), index, d.len() as u64)));
    }
    // The deleting layer: one whole directory and up to three single files, shuffled.
    let gone_dir = rng.pick(&dirs).clone();
    let mut deletions = vec![gone_dir.clone()];
    for (path, ..) in &written {
        if !path.starts_with(&format!("{gone_dir}/")) && !deletions.contains(path) && deletions.len() < 4 && rng.coin()
        {
            deletions.push(path.clone());
        }
    }
    rng.shuffle(&mut deletions);
    blobs.push(layer(&deletions.iter().map(|p| Entry::Delete(p)).collect::<Vec<_>>()));
    expected_layers.push(deletions.iter().map(|p| deleted(p)).collect());

    let got: Vec<Vec<Change>> = blobs.iter().map(|b| read(b).expect("a valid layer")).collect();
    assert!(
        got == expected_layers,
        "{}",
        teach(
            STEP,
            &format!("read_layer on {} layers ({})", blobs.len(), rng.replay()),
            show(&expected_layers),
            show(&got),
            "regular files with their sizes and whiteouts, in tar order, with a leading `./` removed",
            READ
        )
    );
    let bytes: Vec<u64> = got.iter().map(|l| attempt(STEP, "layer_file_bytes", READ, || layer_file_bytes(l))).collect();
    let expected_bytes: Vec<u64> =
        (0..blobs.len()).map(|i| written.iter().filter(|(_, l, _)| *l == i).map(|(_, _, s)| s).sum()).collect();
    assert!(
        bytes == expected_bytes,
        "{}",
        teach(
            STEP,
            &format!("file bytes per layer ({})", rng.replay()),
            show(&expected_bytes),
            show(&bytes),
            "a layer weighs the sum of its files; its whiteouts weigh nothing",
            READ
        )
    );
    let mut expected = Vec::new();
    for gone in &deletions {
        let mut under: Vec<&(String, usize, u64)> =
            written.iter().filter(|(p, ..)| p == gone || p.starts_with(&format!("{gone}/"))).collect();
        under.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut paths: Vec<&String> = under.iter().map(|(p, ..)| p).collect();
        paths.dedup();
        for path in paths {
            let versions = under.iter().filter(|(p, ..)| p == path);
            let added_in = versions.clone().map(|(_, l, _)| *l).max().unwrap_or(0);
            let bytes = versions.map(|(.., s)| s).sum();
            expected.push(StillShipped { path: path.clone(), added_in, deleted_in: lower_count, bytes });
        }
    }
    let shipped = attempt(STEP, "deleted_still_shipped", READ, || deleted_still_shipped(&got));
    assert!(
        shipped == expected,
        "{}",
        teach(
            STEP,
            &format!("what the deletions of {deletions:?} still ship ({})", rng.replay()),
            show(&expected),
            show(&shipped),
            "in the whiteouts' own order, each deleted path (and every file under a deleted \
             directory, sorted by path) with the last layer that wrote it and all its versions' bytes",
            READ
        )
    );
}

#[test]
fn a_path_written_again_after_a_deletion_counts_from_its_new_version() {
    let layers = vec![
        vec![file("srv/app.log", 700), file("srv/keep", 5)],
        vec![deleted("srv/app.log")],
        vec![file("srv/app.log", 40)],
        vec![deleted("srv/app.log")],
    ];
    let got = attempt(STEP, "deleted_still_shipped", READ, || deleted_still_shipped(&layers));
    let expected = vec![
        StillShipped { path: "srv/app.log".into(), added_in: 0, deleted_in: 1, bytes: 700 },
        StillShipped { path: "srv/app.log".into(), added_in: 2, deleted_in: 3, bytes: 40 },
    ];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "srv/app.log written (700 B), deleted, written again (40 B), deleted again",
            show(&expected),
            show(&got),
            "each deletion reports what it deletes: the second one deletes only the version written \
             after the first deletion, which had already dealt with the 700 bytes",
            READ
        )
    );
}

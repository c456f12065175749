//! Step 4: delete a file the way layers do: by adding a whiteout.
//!
//! Run: `cargo test -p ex07-layers --test step4_whiteout`

mod common;

use common::{attempt, read_tar, show, teach, Rng};
use ex07_layers::{deletion_layer, whiteout_for};

const STEP: &str = "step4_whiteout";
const READ: &str = "the book, 07-layers/exercise.html#step-4-whiteouts \
                    and 07-layers/index.html#whiteouts";

fn whiteout(path: &str) -> String {
    attempt(STEP, "whiteout_for", READ, || whiteout_for(path))
}

fn deletion(paths: &[&str]) -> Vec<u8> {
    attempt(STEP, "deletion_layer", READ, || deletion_layer(paths))
}

fn check_whiteout(path: &str, expected: &str, why: &str) {
    let got = whiteout(path);
    assert!(
        got == expected,
        "{}",
        teach(STEP, &format!("whiteout_for({path:?})"), show(expected), show(&got), why, READ)
    );
}

#[test]
fn whiteout_sits_beside_the_deleted_file() {
    check_whiteout(
        "app/cache/big.bin",
        "app/cache/.wh.big.bin",
        "a whiteout lives in the same directory as what it deletes; only the name gets the \
         `.wh.` prefix",
    );
}

#[test]
fn whiteout_at_the_top_level() {
    check_whiteout("big.bin", ".wh.big.bin", "a path without a `/` is in the root directory: its whiteout is too");
}

#[test]
fn whiteout_prefixes_only_the_last_name() {
    check_whiteout(
        "var/lib/postgresql/data/pg_wal",
        "var/lib/postgresql/data/.wh.pg_wal",
        "the directories above stay as they are: `.wh.` goes in front of the last name only",
    );
}

#[test]
fn whiteout_for_a_directory_deletes_the_directory() {
    check_whiteout("app/cache", "app/.wh.cache", "one whiteout named after a directory deletes the whole directory");
    check_whiteout(
        "app/cache/",
        "app/.wh.cache",
        "a trailing `/` only says the path is a directory: the whiteout is still `app/.wh.cache`",
    );
}

#[test]
fn deletion_layer_holds_one_empty_whiteout_per_path() {
    let tar = deletion(&["app/cache/big.bin", "etc/nginx/conf.d/default.conf"]);
    let entries = read_tar(&tar).unwrap_or_else(|e| {
        panic!(
            "{}",
            teach(
                STEP,
                "reading your deletion layer back with tar::Archive",
                "a valid tar archive",
                format!("an error: {e}"),
                "a deletion layer is an ordinary layer: a tar archive",
                READ,
            )
        )
    });
    let mut files: Vec<(String, usize)> = entries
        .iter()
        .filter(|e| e.kind != tar::EntryType::Directory)
        .map(|e| (e.path.clone(), e.contents.len()))
        .collect();
    files.sort();
    let expected = vec![("app/cache/.wh.big.bin".to_string(), 0), ("etc/nginx/conf.d/.wh.default.conf".to_string(), 0)];
    assert!(
        files == expected,
        "{}",
        teach(
            STEP,
            "(path, size) of the non-directory entries of your deletion layer",
            show(&expected),
            show(&files),
            "a deletion is recorded as an empty file whose name says what to delete; the \
             deleted data itself is not in this layer (and, as step 6 shows, not gone either)",
            READ,
        )
    );
}

#[test]
fn deletion_layer_is_deterministic() {
    let a = deletion(&["app/cache/big.bin", "etc/old.conf"]);
    let b = deletion(&["etc/old.conf", "app/cache/big.bin"]);
    assert!(
        a == b,
        "{}",
        teach(
            STEP,
            "two deletion layers for the same paths given in a different order",
            format!("identical bytes ({} of them)", a.len()),
            format!("{} bytes that differ", b.len()),
            "a deletion layer is a layer like any other: its digest must not depend on the \
             order of the input (build it with your tar_layer)",
            READ,
        )
    );
}

#[test]
fn deletion_layer_holds_the_parent_directories_too() {
    let tar = deletion(&["app/cache/big.bin"]);
    let entries = read_tar(&tar).unwrap_or_default();
    let dirs: Vec<String> =
        entries.iter().filter(|e| e.kind == tar::EntryType::Directory).map(|e| e.path.clone()).collect();
    let expected = vec!["app/".to_string(), "app/cache/".to_string()];
    assert!(
        dirs == expected,
        "{}",
        teach(
            STEP,
            "the directory entries of deletion_layer([\"app/cache/big.bin\"])",
            show(&expected),
            show(&dirs),
            "a deletion layer is a layer like any other, built by your tar_layer: every entry's \
             parent directories come first, so a tool that unpacks it finds app/cache/ to put the \
             whiteout in",
            READ,
        )
    );
}

/// Paths drawn from a seed: each whiteout sits beside the path it deletes.
#[test]
fn generated_paths_get_their_whiteouts() {
    let mut rng = Rng::from_env();
    for _ in 0..20 {
        let depth = rng.range(0, 3) as usize;
        let dirs: Vec<String> = (0..depth).map(|_| rng.word(4)).collect();
        let name = format!("{}.{}", rng.word(5), rng.word(2));
        let parent: String = dirs.iter().map(|d| format!("{d}/")).collect();
        check_whiteout(
            &format!("{parent}{name}"),
            &format!("{parent}.wh.{name}"),
            &format!("({}) `.wh.` goes in front of the last name only, in the same directory", rng.replay()),
        );
    }
}

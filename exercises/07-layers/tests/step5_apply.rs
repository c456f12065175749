//! Step 5: stack layers into the merged view a container sees, honouring whiteouts.
//!
//! Run: `cargo test -p ex07-layers --test step5_apply`
//!
//! The layers here are built by the test itself (`raw_layer`), so this step does not depend on
//! your earlier steps, and some of them put entries in an order your `tar_layer` never would.

mod common;

use std::collections::BTreeMap;

use common::{attempt, raw_layer, show, teach};
use ex07_layers::apply_layers;

const STEP: &str = "step5_apply";
const READ: &str = "the book, 07-layers/exercise.html#step-5-the-merged-view \
                    and 07-layers/index.html#whiteouts";

fn apply(layers: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>> {
    attempt(STEP, "apply_layers", READ, || apply_layers(layers))
}

/// The view as (path, contents as text), easy to compare and to print.
fn view(layers: &[Vec<u8>]) -> Vec<(String, String)> {
    apply(layers).into_iter().map(|(path, contents)| (path, String::from_utf8_lossy(&contents).into_owned())).collect()
}

fn expect(got: Vec<(String, String)>, expected: &[(&str, &str)], what: &str, why: &str) {
    let expected: Vec<(String, String)> = expected.iter().map(|&(p, c)| (p.to_string(), c.to_string())).collect();
    assert!(got == expected, "{}", teach(STEP, what, show(&expected), show(&got), why, READ));
}

fn base() -> Vec<u8> {
    raw_layer(&[
        ("app/", None),
        ("app/main.py", Some(b"v1")),
        ("app/cache/", None),
        ("app/cache/big.bin", Some(b"BIG")),
        ("app/cache/index", Some(b"idx")),
        ("app/cache2/", None),
        ("app/cache2/keep", Some(b"keep")),
        ("etc/", None),
        ("etc/app.conf", Some(b"debug=true")),
    ])
}

#[test]
fn one_layer_gives_its_files_and_no_directories() {
    expect(
        view(&[base()]),
        &[
            ("app/cache/big.bin", "BIG"),
            ("app/cache/index", "idx"),
            ("app/cache2/keep", "keep"),
            ("app/main.py", "v1"),
            ("etc/app.conf", "debug=true"),
        ],
        "the view of a single layer",
        "the view maps file paths (without `./` or a trailing `/`) to contents; directories \
         are implied by the paths and are not entries of their own",
    );
}

#[test]
fn upper_layer_replaces_a_file() {
    let upper = raw_layer(&[("app/", None), ("app/main.py", Some(b"v2"))]);
    expect(
        view(&[base(), upper]),
        &[
            ("app/cache/big.bin", "BIG"),
            ("app/cache/index", "idx"),
            ("app/cache2/keep", "keep"),
            ("app/main.py", "v2"),
            ("etc/app.conf", "debug=true"),
        ],
        "the view after a layer that changes app/main.py",
        "a file in a higher layer hides the same path below it: the container sees the \
         newest copy",
    );
}

#[test]
fn whiteout_deletes_a_file_from_lower_layers() {
    let upper = raw_layer(&[("etc/", None), ("etc/.wh.app.conf", Some(b""))]);
    expect(
        view(&[base(), upper]),
        &[("app/cache/big.bin", "BIG"), ("app/cache/index", "idx"), ("app/cache2/keep", "keep"), ("app/main.py", "v1")],
        "the view after a layer holding etc/.wh.app.conf",
        "`.wh.NAME` deletes NAME in the same directory, and the whiteout itself is not a file \
         of the container",
    );
}

#[test]
fn whiteout_deletes_a_whole_directory_and_nothing_else() {
    let upper = raw_layer(&[("app/", None), ("app/.wh.cache", Some(b""))]);
    expect(
        view(&[base(), upper]),
        &[("app/cache2/keep", "keep"), ("app/main.py", "v1"), ("etc/app.conf", "debug=true")],
        "the view after a layer holding app/.wh.cache",
        "a whiteout named after a directory deletes everything below it, but `app/cache2/` is \
         a different directory: compare whole path components (`app/cache/`), not string \
         prefixes (`app/cache`)",
    );
}

#[test]
fn opaque_directory_hides_lower_contents_but_keeps_its_own() {
    // The new file comes *before* the opaque marker in this archive on purpose.
    let upper = raw_layer(&[
        ("app/", None),
        ("app/cache/", None),
        ("app/cache/fresh", Some(b"new")),
        ("app/cache/.wh..wh..opq", Some(b"")),
    ]);
    expect(
        view(&[base(), upper]),
        &[
            ("app/cache/fresh", "new"),
            ("app/cache2/keep", "keep"),
            ("app/main.py", "v1"),
            ("etc/app.conf", "debug=true"),
        ],
        "the view after a layer that makes app/cache/ opaque and adds app/cache/fresh",
        "`.wh..wh..opq` hides what the LOWER layers put in its directory; files of its own \
         layer stay, wherever they come in the archive (apply a layer's whiteouts to the view \
         first, then add its files)",
    );
}

#[test]
fn whiteout_only_hides_lower_layers() {
    // A layer that both replaces and whites out app/main.py, the file first.
    let upper = raw_layer(&[("app/", None), ("app/main.py", Some(b"v2")), ("app/.wh.main.py", Some(b""))]);
    expect(
        view(&[base(), upper]),
        &[
            ("app/cache/big.bin", "BIG"),
            ("app/cache/index", "idx"),
            ("app/cache2/keep", "keep"),
            ("app/main.py", "v2"),
            ("etc/app.conf", "debug=true"),
        ],
        "the view after a layer holding app/main.py (v2) and then app/.wh.main.py",
        "the image spec says a whiteout applies only to lower layers: a file of the same \
         layer can only be hidden by a whiteout in a later layer",
    );
}

#[test]
fn whiteouts_never_appear_in_the_view() {
    let upper = raw_layer(&[
        ("app/", None),
        ("app/.wh.main.py", Some(b"")),
        ("app/.wh.does-not-exist", Some(b"")),
        ("etc/", None),
        ("etc/.wh..wh..opq", Some(b"")),
    ]);
    let got = view(&[base(), upper]);
    let leaked: Vec<&String> = got.iter().map(|(path, _)| path).filter(|path| path.contains(".wh.")).collect();
    assert!(
        leaked.is_empty() && got.iter().any(|(p, _)| p == "app/cache/index"),
        "{}",
        teach(
            STEP,
            "whiteout files in the merged view",
            "none, and untouched files such as app/cache/index still there",
            show(&got),
            "whiteouts are instructions to the runtime, not files a container should see; a \
             whiteout for something that does not exist is simply harmless",
            READ,
        )
    );
}

#[test]
fn a_later_layer_can_bring_a_file_back() {
    let delete = raw_layer(&[("etc/", None), ("etc/.wh.app.conf", Some(b""))]);
    let restore = raw_layer(&[("etc/", None), ("etc/app.conf", Some(b"debug=false"))]);
    expect(
        view(&[base(), delete, restore]),
        &[
            ("app/cache/big.bin", "BIG"),
            ("app/cache/index", "idx"),
            ("app/cache2/keep", "keep"),
            ("app/main.py", "v1"),
            ("etc/app.conf", "debug=false"),
        ],
        "the view after deleting etc/app.conf in layer 2 and writing it again in layer 3",
        "layers apply strictly in order, lowest first: a deletion is not permanent",
    );
}

//! Step 5: stack layers into the merged view a container sees, honouring whiteouts.
//!
//! Run: `cargo test -p ex07-layers --test step5_apply`
//!
//! The layers here are built by the test itself (`raw_layer`), so this step does not depend on
//! your earlier steps, and some of them put entries in an order your `tar_layer` never would.

mod common;

use std::collections::BTreeMap;

use common::{attempt, raw_layer, show, tar_of, teach, Entry, Rng};
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

#[test]
fn names_written_with_dot_slash_are_the_same_paths() {
    let lower = raw_layer(&[("./", None), ("./etc/", None), ("./etc/motd", Some(b"old")), ("./etc/gone", Some(b"x"))]);
    let upper = raw_layer(&[("./etc/", None), ("./etc/motd", Some(b"new")), ("./etc/.wh.gone", Some(b""))]);
    expect(
        view(&[lower, upper]),
        &[("etc/motd", "new")],
        "two layers written by `tar -C rootfs .` (every name starts with `./`)",
        "`./etc/motd` is the path `etc/motd`: strip the `./` before comparing, replacing or \
         deleting, or the upper layer's file and whiteout miss the lower ones",
    );
}

#[test]
fn a_file_replacing_a_directory_hides_everything_below_it() {
    let upper = raw_layer(&[("app/", None), ("app/cache", Some(b"now a file"))]);
    expect(
        view(&[base(), upper]),
        &[
            ("app/cache", "now a file"),
            ("app/cache2/keep", "keep"),
            ("app/main.py", "v1"),
            ("etc/app.conf", "debug=true"),
        ],
        "an upper layer that writes a regular file where a lower layer had the directory app/cache/",
        "a path is a file or a directory, not both: the upper file replaces the lower directory and \
         everything in it (but not the neighbour app/cache2/)",
    );
}

/// A stack built from a seed: random files in random directories, overwritten, deleted one by
/// one, deleted with their directory, some names written `./…`.
#[test]
fn a_generated_stack_gives_the_view_built_here() {
    let mut rng = Rng::from_env();
    let dirs: Vec<String> = (0..3).map(|_| rng.word(5)).collect();
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    let mut layers = Vec::new();
    for _ in 0..rng.range(2, 5) {
        let mut entries: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        let mut written: BTreeMap<String, String> = BTreeMap::new();
        // Whiteouts first: of a file the view has, or of a whole directory.
        if !expected.is_empty() && rng.coin() {
            let paths: Vec<String> = expected.keys().cloned().collect();
            let victim = rng.pick(&paths).clone();
            let (dir, name) = victim.split_once('/').expect("generated paths are dir/name");
            entries.push((format!("{dir}/.wh.{name}"), Some(Vec::new())));
            expected.remove(&victim);
        }
        if rng.below(4) == 0 {
            let dir = rng.pick(&dirs).clone();
            entries.push((format!(".wh.{dir}"), Some(Vec::new())));
            expected.retain(|path, _| !path.starts_with(&format!("{dir}/")));
        }
        for _ in 0..rng.range(1, 4) {
            let path = format!("{}/{}", rng.pick(&dirs), rng.word(4));
            if written.contains_key(&path) {
                continue; // one entry per path in a layer
            }
            let len = rng.range(1, 12) as usize;
            let contents = rng.word(len);
            entries.push((path.clone(), Some(contents.clone().into_bytes())));
            written.insert(path, contents);
        }
        // Half the layers name their entries `./…`.
        if rng.coin() {
            for (path, _) in &mut entries {
                *path = format!("./{path}");
            }
        }
        rng.shuffle(&mut entries); // whiteouts act on lower layers only, wherever they come
        let borrowed: Vec<(&str, Option<&[u8]>)> = entries.iter().map(|(p, c)| (p.as_str(), c.as_deref())).collect();
        layers.push(raw_layer(&borrowed));
        expected.extend(written);
    }
    let expected: Vec<(String, String)> = expected.into_iter().collect();
    let got = view(&layers);
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            &format!("the view of {} generated layers ({})", layers.len(), rng.replay()),
            show(&expected),
            show(&got),
            "layer by layer: whiteouts delete from the layers below (a file, or a directory and \
             all under it), then the layer's files replace lower ones; `./name` is `name`",
            READ,
        )
    );
}

/// A layer with a symlink, built here: `(path, target)`, after the entries of `raw_layer`.
fn layer_with_link(layer: &[(&str, Option<&[u8]>)], link: (&str, &str)) -> Vec<u8> {
    let mut entries = common::entries(layer);
    entries.push(Entry::Link(link.0, link.1));
    tar_of(&entries)
}

#[test]
fn links_and_directories_replace_lower_files_of_their_name() {
    let lower = raw_layer(&[
        ("etc/", None),
        ("etc/localtime", Some(b"TZif-copy")),
        ("app/", None),
        ("app/logs", Some(b"a file, for now")),
        ("app/static/", None),
        ("app/static/logo.png", Some(b"png")),
    ]);
    let dir_over_file = raw_layer(&[("app/", None), ("app/logs/", None), ("app/logs/today", Some(b"log"))]);
    let link_over_dir = layer_with_link(&[("etc/", None)], ("app/static", "/srv/static"));
    let link_over_file = layer_with_link(&[("etc/", None)], ("etc/localtime", "/usr/share/zoneinfo/UTC"));
    expect(
        view(&[lower, dir_over_file, link_over_dir, link_over_file]),
        &[("app/logs/today", "log")],
        "a directory over a file (app/logs), a symlink over a directory (app/static) and over a \
         file (etc/localtime)",
        "each path is one thing: the upper layer's directory or link replaces the lower file or \
         directory; a link is not a regular file, so the view shows nothing at its path",
    );
}

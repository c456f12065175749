//! Step 2: a deterministic tar. The same files must always give the same bytes.
//!
//! Run: `cargo test -p ex07-layers --test step2_tar`

mod common;

use common::{attempt, read_tar, show, teach, Rng};
use ex07_layers::tar_layer;

const STEP: &str = "step2_tar";
const READ: &str = "the book, 07-layers/exercise.html#step-2-a-deterministic-tar";

/// A few files of the Driftwood web image, in no particular order.
const FILES: &[(&str, &[u8])] = &[
    ("etc/nginx/nginx.conf", b"worker_processes auto;\n"),
    ("usr/share/nginx/html/index.html", b"<h1>Driftwood</h1>\n"),
    ("etc/nginx/conf.d/default.conf", b"server { listen 80; }\n"),
    ("docker-entrypoint.sh", b"#!/bin/sh\nexec \"$@\"\n"),
];

fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    attempt(STEP, "tar_layer", READ, || tar_layer(files))
}

fn entries(tar: &[u8]) -> Vec<common::TarEntry> {
    read_tar(tar).unwrap_or_else(|e| {
        panic!(
            "{}",
            teach(
                STEP,
                "reading your archive back with tar::Archive",
                "a valid tar archive",
                format!("an error: {e}"),
                "a layer that tar cannot read cannot be unpacked by any container runtime",
                READ,
            )
        )
    })
}

#[test]
fn same_files_in_any_order_give_identical_bytes() {
    let first = layer(FILES);
    let mut reversed = FILES.to_vec();
    reversed.reverse();
    let mut rotated = FILES.to_vec();
    rotated.rotate_left(1);
    for (name, other) in [
        ("the same files again", layer(FILES)),
        ("the files in reverse order", layer(&reversed)),
        ("the files rotated by one", layer(&rotated)),
    ] {
        let first_difference =
            first.iter().zip(&other).position(|(a, b)| a != b).unwrap_or(first.len().min(other.len()));
        assert!(
            first == other,
            "{}",
            teach(
                STEP,
                &format!("tar_layer of {name}"),
                format!("the same {} bytes as the first build", first.len()),
                format!(
                    "{} bytes, first difference at byte {first_difference} (header field at \
                     offset {} of its 512-byte block)",
                    other.len(),
                    first_difference % 512
                ),
                "the layer's name is the hash of these bytes: if the order of the input or the \
                 moment of the build leaks into them, the same files get a new digest on every \
                 build and nothing can be shared or cached",
                READ,
            )
        );
    }
}

#[test]
fn entries_are_sorted_with_parent_directories_first() {
    let got: Vec<String> = entries(&layer(FILES)).into_iter().map(|e| e.path).collect();
    let expected = [
        "docker-entrypoint.sh",
        "etc/",
        "etc/nginx/",
        "etc/nginx/conf.d/",
        "etc/nginx/conf.d/default.conf",
        "etc/nginx/nginx.conf",
        "usr/",
        "usr/share/",
        "usr/share/nginx/",
        "usr/share/nginx/html/",
        "usr/share/nginx/html/index.html",
    ];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the paths in your archive, in order",
            show(expected),
            show(&got),
            "a fixed order makes the bytes reproducible, and an extractor must meet a directory \
             (with its mode) before the files inside it; directories are written with a \
             trailing `/`",
            READ,
        )
    );
}

#[test]
fn paths_are_relative() {
    let bad: Vec<String> = entries(&layer(FILES))
        .into_iter()
        .map(|e| e.path)
        .filter(|p| p.starts_with('/') || p.starts_with("./") || p.contains("//"))
        .collect();
    assert!(
        bad.is_empty(),
        "{}",
        teach(
            STEP,
            "paths that are not plain relative paths",
            "none (write `etc/nginx/nginx.conf`, not `/etc/…` or `./etc/…`)",
            show(&bad),
            "a layer is unpacked relative to the container's root; `./` prefixes change the \
             bytes (and so the digest) and absolute paths are rejected by careful runtimes",
            READ,
        )
    );
}

#[test]
fn headers_carry_no_time_owner_or_user_names() {
    for e in entries(&layer(FILES)) {
        let fields = (e.mtime, e.uid, e.gid, e.username.as_str(), e.groupname.as_str());
        assert!(
            fields == (Some(0), Some(0), Some(0), "", ""),
            "{}",
            teach(
                STEP,
                &format!("(mtime, uid, gid, user name, group name) of entry {:?}", e.path),
                show((Some(0), Some(0), Some(0), "", "")),
                show(fields),
                "a timestamp or the builder's user id in a header changes the digest from one \
                 build or machine to the next (`None` means the field is not a number: set it \
                 explicitly with set_mtime / set_uid / set_gid)",
                READ,
            )
        );
    }
}

#[test]
fn files_are_0644_and_directories_0755() {
    for e in entries(&layer(FILES)) {
        let expected = if e.path.ends_with('/') {
            (tar::EntryType::Directory, Some(0o755))
        } else {
            (tar::EntryType::Regular, Some(0o644))
        };
        let got = (e.kind, e.mode);
        assert!(
            got == expected,
            "{}",
            teach(
                STEP,
                &format!("(entry type, mode) of {:?}", e.path),
                format!("{:?} with mode {:o}", expected.0, expected.1.unwrap_or(0)),
                format!("{:?} with mode {:o}", got.0, got.1.unwrap_or(0)),
                "modes come from the build machine's umask unless you fix them, and they are \
                 part of the hashed bytes",
                READ,
            )
        );
    }
}

#[test]
fn files_read_back_with_their_contents() {
    let read_back = entries(&layer(FILES));
    for &(path, contents) in FILES {
        let found = read_back.iter().find(|e| e.path == path);
        assert!(
            found.map(|e| e.contents.as_slice()) == Some(contents),
            "{}",
            teach(
                STEP,
                &format!("the contents of {path:?} read back from your archive"),
                show(String::from_utf8_lossy(contents)),
                show(found.map(|e| String::from_utf8_lossy(&e.contents).into_owned())),
                "the header's size must match the data appended after it, or the file is cut \
                 short or swallows the next header",
                READ,
            )
        );
    }
}

#[test]
fn an_empty_layer_is_still_a_valid_tar() {
    let tar = layer(&[]);
    let read_back = entries(&tar);
    assert!(
        read_back.is_empty() && tar.len() >= 1024 && tar.len().is_multiple_of(512),
        "{}",
        teach(
            STEP,
            "tar_layer(&[])",
            "a tar with no entries: just the end-of-archive marker (at least two 512-byte zero \
             blocks)",
            format!("{} bytes holding {} entries", tar.len(), read_back.len()),
            "a build step can produce a layer with no files in it, and that layer still has \
             to be an archive that every runtime can read",
            READ,
        )
    );
}

/// Files drawn from a seed, given in two random orders: the archive is the same, sorted, with
/// every parent directory once and before its contents, and every file reads back.
#[test]
fn a_generated_tree_is_archived_in_path_order() {
    let mut rng = Rng::from_env();
    let dirs: Vec<String> = (0..3).map(|_| rng.word(4)).collect();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for _ in 0..rng.range(3, 9) {
        let mut path = rng.pick(&dirs).clone();
        for _ in 0..rng.range(0, 2) {
            path = format!("{path}/{}", rng.word(3));
        }
        let path = format!("{path}/{}.txt", rng.word(5));
        if !files.iter().any(|(p, _)| *p == path) {
            let len = rng.range(0, 300) as usize;
            files.push((path, rng.bytes(len)));
        }
    }
    let mut shuffled = files.clone();
    rng.shuffle(&mut shuffled);
    let first: Vec<(&str, &[u8])> = files.iter().map(|(p, d)| (p.as_str(), d.as_slice())).collect();
    let second: Vec<(&str, &[u8])> = shuffled.iter().map(|(p, d)| (p.as_str(), d.as_slice())).collect();
    let (a, b) = (layer(&first), layer(&second));
    assert!(
        a == b,
        "{}",
        teach(
            STEP,
            &format!("tar_layer of {} generated files, in two orders ({})", files.len(), rng.replay()),
            "identical bytes",
            format!("{} and {} bytes that differ", a.len(), b.len()),
            "a layer's name is the hash of its bytes: the order the files were given in must not show",
            READ,
        )
    );
    let mut expected: Vec<String> = Vec::new();
    for (path, _) in &files {
        let parts: Vec<&str> = path.split('/').collect();
        for depth in 1..parts.len() {
            expected.push(format!("{}/", parts[..depth].join("/")));
        }
        expected.push(path.clone());
    }
    expected.sort();
    expected.dedup();
    let read_back = entries(&a);
    let got: Vec<String> = read_back.iter().map(|e| e.path.clone()).collect();
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            &format!("the entry paths of your archive of generated files ({})", rng.replay()),
            show(&expected),
            show(&got),
            "every file and each of its parent directories (once, with a trailing `/`), sorted by path",
            READ,
        )
    );
    for (path, contents) in &files {
        let found = read_back.iter().find(|e| e.path == *path).map(|e| &e.contents);
        assert!(
            found == Some(contents),
            "{}",
            teach(
                STEP,
                &format!("the {} bytes of {path:?} read back ({})", contents.len(), rng.replay()),
                "the bytes given to tar_layer",
                show(found.map(Vec::len)),
                "the header's size must match the data appended after it",
                READ,
            )
        );
    }
}

//! Step 1: which C library does an image ship? Read its files, symlinks included.
//!
//! Run: `cargo test -p ex12-base-images --test step1_libc`

mod common;

use std::collections::BTreeMap;

use common::*;
use ex12_base_images::{detect_libc, merged_files, resolve, Libc, LibcReport, Node};

const STEP: &str = "step1_libc";
const READ: &str = "the book, 12-base-images/exercise.html#step-1-the-c-library \
                    and 12-base-images/index.html#glibc-and-musl";

fn merge(layers: &[Vec<u8>]) -> BTreeMap<String, Node> {
    attempt(STEP, "merged_files", READ, || merged_files(layers)).expect("valid layers")
}

fn detect(files: &BTreeMap<String, Node>) -> LibcReport {
    attempt(STEP, "detect_libc", READ, || detect_libc(files))
}

#[test]
fn layers_merge_with_whiteouts_and_keep_symlinks() {
    let layers = vec![
        layer(&[
            Entry::Dir("etc"),
            Entry::File("etc/a"),
            Entry::Dir("etc/cache"),
            Entry::File("etc/cache/x"),
            Entry::Link("bin/sh", "busybox"),
        ]),
        layer(&[Entry::Delete("etc/cache"), Entry::File("etc/b")]),
    ];
    let got = merge(&layers);
    let expected: BTreeMap<String, Node> =
        [("bin/sh", Node::Symlink("busybox".into())), ("etc", Node::Dir), ("etc/a", Node::File), ("etc/b", Node::File)]
            .into_iter()
            .map(|(p, n)| (p.to_string(), n))
            .collect();
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the merged view of two layers",
            show(&expected),
            show(&got),
            "a whiteout of a directory removes it and everything under it; a symlink keeps its target",
            READ
        )
    );
    assert!(attempt(STEP, "merged_files", READ, || merged_files(&[b"junk".to_vec()])).is_err(), "garbage is an Err");
}

#[test]
fn symlinks_resolve_inside_the_image() {
    let files = merge(&debian_like());
    let got = attempt(STEP, "resolve", READ, || resolve(&files, "/lib64/ld-linux-x86-64.so.2"));
    let expected = Some("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2".to_string());
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "resolving /lib64/ld-linux-x86-64.so.2 on a merged-/usr Debian",
            show(&expected),
            show(&got),
            "lib64 → usr/lib64 (a directory link), then an absolute link that goes through lib → usr/lib",
            READ
        )
    );
    let files = merge(&alpine_like());
    let got = attempt(STEP, "resolve", READ, || resolve(&files, "lib/libc.musl-x86_64.so.1"));
    assert_eq!(got.as_deref(), Some("lib/ld-musl-x86_64.so.1"), "a relative link resolves from its own directory");
    let got = attempt(STEP, "resolve", READ, || resolve(&files, "lib/nothing"));
    assert_eq!(got, None, "a path that does not exist resolves to None");
    let looped = merge(&[layer(&[Entry::Link("a", "b"), Entry::Link("b", "a")])]);
    assert_eq!(attempt(STEP, "resolve", READ, || resolve(&looped, "a")), None, "a symlink loop is None, not a hang");
}

#[test]
fn alpine_is_musl() {
    let got = detect(&merge(&alpine_like()));
    let expected = LibcReport {
        libc: Libc::Musl,
        loader: Some("lib/ld-musl-x86_64.so.1".into()),
        resolves_to: Some("lib/ld-musl-x86_64.so.1".into()),
    };
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the libc of an Alpine-like image",
            show(&expected),
            show(&got),
            "musl's loader is ld-musl-ARCH.so.1",
            READ
        )
    );
}

#[test]
fn debian_is_glibc_through_its_symlinks() {
    let got = detect(&merge(&debian_like()));
    let expected = LibcReport {
        libc: Libc::Glibc,
        loader: Some("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2".into()),
        resolves_to: Some("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2".into()),
    };
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the libc of a Debian-like image (the first loader path in sorted order that resolves to a file)",
            show(&expected),
            show(&got),
            "glibc's loader is ld-linux-ARCH.so.N, often reached through symlinks",
            READ
        )
    );
}

#[test]
fn a_dangling_loader_or_a_lone_binary_is_no_loader() {
    let none = LibcReport { libc: Libc::NoLoader, loader: None, resolves_to: None };
    let scratch = detect(&merge(&[layer(&[Entry::File("hello")])]));
    assert!(
        scratch == none,
        "{}",
        teach(
            STEP,
            "a scratch image with one static binary",
            show(&none),
            show(&scratch),
            "no loader: only static binaries can run there",
            READ
        )
    );
    let dangling = detect(&merge(&[layer(&[Entry::Link(
        "lib64/ld-linux-x86-64.so.2",
        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
    )])]));
    assert!(
        dangling == none,
        "{}",
        teach(
            STEP,
            "a loader symlink that points nowhere",
            show(&none),
            show(&dangling),
            "a dangling link loads nothing: the kernel would say \"No such file or directory\"",
            READ
        )
    );
}

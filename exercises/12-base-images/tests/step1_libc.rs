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
            Entry::File("etc/a", b""),
            Entry::Dir("etc/cache"),
            Entry::File("etc/cache/x", b""),
            Entry::Link("bin/sh", "busybox"),
        ]),
        layer(&[Entry::Delete("etc/cache"), Entry::File("etc/b", b"")]),
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
    let scratch = detect(&merge(&[layer(&[Entry::File("hello", b"")])]));
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

/// A loader at a generated place, reached through a generated chain of links (absolute and
/// relative, through a linked directory); deleted by a later layer, it leaves no loader.
#[test]
fn a_generated_chain_of_links_reaches_the_loader() {
    let mut rng = Rng::from_env();
    let real_dir = format!("opt/{}/{}", rng.word(5), rng.word(4));
    let loader = format!("{real_dir}/ld-musl-x86_64.so.1");
    // `lib` is a link to the real directory, absolute or relative.
    let lib_target = if rng.coin() { format!("/{real_dir}") } else { real_dir.clone() };
    let mut entries = vec![Entry::Dir("opt")];
    let parent = real_dir.rsplit_once('/').map(|(p, _)| p.to_string()).unwrap_or_default();
    entries.push(Entry::Dir(&parent));
    entries.push(Entry::Dir(&real_dir));
    entries.push(Entry::File(&loader, b""));
    entries.push(Entry::Link("lib", &lib_target));
    // A chain usr/bin/sh -> a -> b -> … -> lib/ld-musl-x86_64.so.1, each link named at random.
    let hops: Vec<String> = (0..rng.range(1, 4)).map(|_| format!("usr/{}", rng.word(6))).collect();
    let targets: Vec<String> =
        hops.iter().skip(1).map(|h| format!("/{h}")).chain(["/lib/ld-musl-x86_64.so.1".to_string()]).collect();
    entries.push(Entry::Dir("usr"));
    for (hop, target) in hops.iter().zip(&targets) {
        entries.push(Entry::Link(hop, target));
    }
    let layers = vec![layer(&entries)];
    let files = merge(&layers);
    let got = attempt(STEP, "resolve", READ, || resolve(&files, &hops[0]));
    assert!(
        got.as_deref() == Some(loader.as_str()),
        "{}",
        teach(
            STEP,
            &format!(
                "resolve({:?}) through {} links and the linked directory lib ({})",
                hops[0],
                hops.len(),
                rng.replay()
            ),
            show(Some(&loader)),
            show(&got),
            "follow each link, in the last component and in the directories on the way; an \
             absolute target starts again from the image's root",
            READ
        )
    );
    let report = detect(&files);
    assert!(
        report.libc == Libc::Musl && report.resolves_to.as_deref() == Some(loader.as_str()),
        "{}",
        teach(
            STEP,
            "detect_libc of the generated image",
            show((Libc::Musl, Some(&loader))),
            show(&report),
            "the loader's name says musl, and it resolves to a file",
            READ
        )
    );
    let mut deleted = layers.clone();
    deleted.push(layer(&[Entry::Delete(&real_dir)]));
    let report = detect(&merge(&deleted));
    assert!(
        report.libc == Libc::NoLoader,
        "{}",
        teach(
            STEP,
            &format!("detect_libc after a layer deletes {real_dir:?} ({})", rng.replay()),
            show(Libc::NoLoader),
            show(&report),
            "a whiteout of the directory deletes the loader in it; the links that pointed to it now dangle",
            READ
        )
    );
}

#[test]
fn an_opaque_whiteout_empties_a_directory_and_keeps_it() {
    let lower = layer(&[
        Entry::Dir("var"),
        Entry::Dir("var/cache"),
        Entry::File("var/cache/old", b""),
        Entry::File("var/cachex", b""),
        Entry::File("etc/motd", b""),
    ]);
    let upper = layer(&[
        Entry::Dir("var/cache"),
        Entry::File("var/cache/.wh..wh..opq", b""),
        Entry::File("var/cache/new", b""),
    ]);
    let got: Vec<String> = merge(&[lower.clone(), upper]).into_keys().collect();
    let expected = ["etc/motd", "var", "var/cache", "var/cache/new", "var/cachex"];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the merged paths after an opaque whiteout in var/cache",
            show(expected),
            show(&got),
            "`.wh..wh..opq` hides what the lower layers put *in* its directory; the directory itself, \
             its neighbour var/cachex and what the same layer adds stay",
            READ
        )
    );
    let root_opaque = layer(&[Entry::File(".wh..wh..opq", b""), Entry::File("bin/app", b"")]);
    let got: Vec<String> = merge(&[lower, root_opaque]).into_keys().collect();
    assert!(
        got == ["bin/app"],
        "{}",
        teach(
            STEP,
            "the merged paths after an opaque whiteout at the image's root",
            show(["bin/app"]),
            show(&got),
            "an opaque marker at the top hides every lower path: a layer that starts the file system afresh",
            READ
        )
    );
}

#[test]
fn dot_and_dot_dot_stay_inside_the_image() {
    let files = merge(&[layer(&[
        Entry::Dir("etc"),
        Entry::File("etc/passwd", b""),
        Entry::Dir("usr"),
        Entry::Dir("usr/bin"),
        Entry::Link("usr/bin/sh", "../../bin/busybox"),
        Entry::Dir("bin"),
        Entry::File("bin/busybox", b""),
    ])]);
    for (path, expected) in [
        ("../../etc/passwd", Some("etc/passwd")),
        ("usr/./bin/../../etc/./passwd", Some("etc/passwd")),
        ("usr/bin/sh", Some("bin/busybox")),
        ("./usr/bin/./sh", Some("bin/busybox")),
    ] {
        let got = attempt(STEP, "resolve", READ, || resolve(&files, path));
        assert!(
            got.as_deref() == expected,
            "{}",
            teach(
                STEP,
                &format!("resolve({path:?})"),
                show(expected),
                show(&got),
                "`.` is the directory you are in, `..` its parent, and the image's root is its own \
                 parent: a path can never climb out of the image",
                READ
            )
        );
    }
}

#[test]
fn forty_links_are_followed_and_the_forty_first_is_a_loop() {
    let names: Vec<String> = (0..=41).map(|i| format!("l{i:02}")).collect();
    // l00 -> l01 -> … -> l40 -> target: 40 links; l41 -> l00 adds one more.
    let mut entries = vec![Entry::File("target", b"")];
    let targets: Vec<String> = (1..=40).map(|i| names[i].clone()).chain(["target".to_string()]).collect();
    for (name, target) in names.iter().zip(&targets).take(41) {
        entries.push(Entry::Link(name, target));
    }
    entries.push(Entry::Link(&names[41], &names[0]));
    let files = merge(&[layer(&entries)]);
    let forty = attempt(STEP, "resolve", READ, || resolve(&files, "l01"));
    let forty_one = attempt(STEP, "resolve", READ, || resolve(&files, "l41"));
    assert!(
        forty.as_deref() == Some("target") && forty_one.is_none(),
        "{}",
        teach(
            STEP,
            "resolve through 40 links (from l01) and through 42 (from l41)",
            show((Some("target"), None::<&str>)),
            show((&forty, &forty_one)),
            "the kernel follows up to 40 links and calls more a loop (ELOOP): stop after the 40th",
            READ
        )
    );
}

#[test]
fn libraries_and_documents_named_like_loaders_are_not_loaders() {
    let files = merge(&[layer(&[
        Entry::Dir("usr"),
        Entry::Dir("usr/lib"),
        Entry::File("usr/lib/libz.so.1", b""),
        Entry::Dir("usr/share"),
        Entry::File("usr/share/ld-linux-notes.txt", b""),
        Entry::File("usr/share/ld-musl-notes.txt", b""),
        Entry::File("hello", b""),
    ])]);
    let report = detect(&files);
    let expected = LibcReport { libc: Libc::NoLoader, loader: None, resolves_to: None };
    assert!(
        report == expected,
        "{}",
        teach(
            STEP,
            "detect_libc for a static image with libz.so.1 and two text files",
            show(&expected),
            show(&report),
            "a loader's name is `ld-musl-*.so.1`, or `ld-linux*.so.*` / `ld64.so.*`: both halves of \
             the pattern must match, or any library (or a note about loaders) counts",
            READ
        )
    );
}

//! The union filesystem: whiteouts, opaque directories and replacements, in memory and on disk,
//! which must agree.
#![cfg(feature = "fs")]

mod layers_support;

use std::fs;

use imagekit::apply::{unpack, LayerChanges, NodeKind, Removal, Tree};
use imagekit::layer::{self, EntryKind, Limits};
use layers_support::{gzip, list_dir, list_tree, tar, Listing, Raw};

/// Apply the layers in memory (with contents) and on disk; assert both views agree; return the
/// tree and each layer's changes.
fn apply_both(layers: &[Vec<u8>]) -> (Tree, Vec<LayerChanges>, Listing) {
    let mut tree = Tree::with_contents();
    let changes =
        layers.iter().enumerate().map(|(i, l)| tree.apply_layer(&l[..], i, &Limits::default()).unwrap()).collect();
    let work = tempfile::tempdir().unwrap();
    let paths: Vec<_> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let p = work.path().join(format!("{i}.tar.gz"));
            fs::write(&p, l).unwrap();
            p
        })
        .collect();
    let dest = work.path().join("rootfs");
    let stats = unpack(&paths, &dest, &Limits::default()).unwrap();
    assert_eq!(stats.layers, layers.len());
    let on_disk = list_dir(&dest);
    assert_eq!(list_tree(&tree), on_disk, "the in-memory tree and the unpacked directory differ");
    (tree, changes, on_disk)
}

fn paths(listing: &Listing) -> Vec<&str> {
    listing.keys().map(String::as_str).collect()
}

fn base() -> Vec<u8> {
    gzip(&tar(&[
        Raw::Dir("etc/"),
        Raw::File("etc/passwd", b"root:x:0:0\n"),
        Raw::Dir("etc/nginx/"),
        Raw::File("etc/nginx/nginx.conf", b"worker_processes 1;\n"),
        Raw::Dir("etc/nginx/conf.d/"),
        Raw::File("etc/nginx/conf.d/default.conf", b"server {}\n"),
        Raw::Dir("var/"),
        Raw::Dir("var/cache/"),
        Raw::File("var/cache/big.bin", &[7u8; 10_000]),
        Raw::File("var/cache/small.bin", &[7u8; 300]),
    ]))
}

#[test]
fn whiteouts_delete_files_and_subtrees_and_report_what_they_still_cost() {
    let upper = gzip(&tar(&[
        Raw::File("etc/.wh.passwd", b""),
        Raw::File("var/.wh.cache", b""),
        Raw::File("srv/.wh.never-existed", b""),
    ]));
    let (tree, changes, listing) = apply_both(&[base(), upper]);
    assert_eq!(
        paths(&listing),
        ["etc", "etc/nginx", "etc/nginx/conf.d", "etc/nginx/conf.d/default.conf", "etc/nginx/nginx.conf", "var"]
    );
    let c = &changes[1];
    assert_eq!(
        c.deleted,
        vec![
            Removal { path: "etc/passwd".into(), entries: 1, files: 1, bytes: 11 },
            Removal { path: "var/cache".into(), entries: 3, files: 2, bytes: 10_300 },
        ]
    );
    assert_eq!(c.hidden_bytes(), 10_311);
    // A whiteout creates nothing, not even the parent of what it names.
    assert!(c.added.is_empty() && c.changed.is_empty(), "{c:?}");
    assert!(tree.iter().all(|(p, _)| !p.contains(".wh.")), "a whiteout leaked into the view");
    assert_eq!(changes[0].added.len(), 10);
    assert_eq!(changes[0].summary.entries, 10);
}

#[test]
fn opaque_hides_lower_children_but_keeps_the_same_layers_wherever_the_marker_is() {
    for marker_first in [true, false] {
        let mut entries = vec![
            Raw::Dir("etc/nginx/"),
            Raw::File("etc/nginx/nginx.conf", b"worker_processes auto;\n"),
            Raw::Dir("etc/nginx/conf.d/"),
            Raw::File("etc/nginx/conf.d/driftwood.conf", b"server { listen 80; }\n"),
        ];
        let marker = Raw::File("etc/nginx/.wh..wh..opq", b"");
        if marker_first {
            entries.insert(0, marker);
        } else {
            entries.push(marker);
        }
        let (tree, changes, listing) = apply_both(&[base(), gzip(&tar(&entries))]);
        let nginx: Vec<_> = paths(&listing).into_iter().filter(|p| p.starts_with("etc/nginx")).collect();
        assert_eq!(nginx, ["etc/nginx", "etc/nginx/conf.d", "etc/nginx/conf.d/driftwood.conf", "etc/nginx/nginx.conf"]);
        assert_eq!(
            tree.get("etc/nginx/nginx.conf").unwrap().contents.as_deref(),
            Some(&b"worker_processes auto;\n"[..])
        );
        assert_eq!(tree.get("etc/nginx/nginx.conf").unwrap().layer, 1);
        // Outside the opaque directory nothing changed.
        assert!(tree.get("etc/passwd").is_some());
        let c = &changes[1];
        // nginx.conf, conf.d and conf.d/default.conf from below; the same record either way.
        assert_eq!(
            c.opaque,
            vec![Removal { path: "etc/nginx".into(), entries: 3, files: 2, bytes: 30 }],
            "marker first: {marker_first}"
        );
        assert!(c.changed.contains(&"etc/nginx/nginx.conf".to_string()));
        assert!(c.added.contains(&"etc/nginx/conf.d/driftwood.conf".to_string()));
    }
}

#[test]
fn a_whiteout_only_removes_lower_layers_whatever_the_order() {
    for whiteout_first in [true, false] {
        let mut entries = vec![Raw::Dir("etc/"), Raw::File("etc/passwd", b"new\n")];
        let wh = Raw::File("etc/.wh.passwd", b"");
        if whiteout_first {
            entries.insert(0, wh);
        } else {
            entries.push(wh);
        }
        let (tree, changes, _) = apply_both(&[base(), gzip(&tar(&entries))]);
        assert_eq!(tree.get("etc/passwd").unwrap().contents.as_deref(), Some(&b"new\n"[..]));
        assert!(changes[1].changed.contains(&"etc/passwd".to_string()));
        assert_eq!(changes[1].deleted, vec![Removal { path: "etc/passwd".into(), entries: 1, files: 1, bytes: 11 }]);
    }
}

#[test]
fn files_and_directories_replace_each_other() {
    let upper = gzip(&tar(&[
        Raw::File("var/cache", b"now a file"),
        Raw::Dir("etc/passwd/"),
        Raw::File("etc/passwd/inside", b"now a dir"),
        Raw::File("etc/nginx/nginx.conf/deeper", b"file became a parent"),
    ]));
    let (tree, changes, listing) = apply_both(&[base(), upper]);
    assert_eq!(tree.get("var/cache").unwrap().kind, NodeKind::File);
    assert!(tree.get("var/cache/big.bin").is_none());
    assert_eq!(tree.get("etc/passwd").unwrap().kind, NodeKind::Dir);
    assert_eq!(listing["etc/nginx/nginx.conf"].0, "dir");
    let c = &changes[1];
    for p in ["var/cache", "etc/passwd", "etc/nginx/nginx.conf"] {
        assert!(c.changed.contains(&p.to_string()), "{p} not reported changed: {c:?}");
    }
}

#[test]
fn symlinked_parents_redirect_inside_the_root() {
    let lower = gzip(&tar(&[
        Raw::Dir("usr/"),
        Raw::Dir("usr/lib/"),
        Raw::Symlink("lib", "usr/lib"),
        Raw::Symlink("abs", "/usr/lib"),
    ]));
    let upper = gzip(&tar(&[
        Raw::File("lib/libx.so", b"x"),
        Raw::File("abs/liby.so", b"y"),
        Raw::File("abs/.wh.libx.so", b""),
    ]));
    let (tree, changes, listing) = apply_both(&[lower, upper]);
    assert_eq!(paths(&listing), ["abs", "lib", "usr", "usr/lib", "usr/lib/libx.so", "usr/lib/liby.so"]);
    // The whiteout came from the same layer as libx.so, so it does not hide it.
    assert!(changes[1].deleted.is_empty());
    assert_eq!(tree.get("lib").unwrap().kind, NodeKind::Symlink);
}

#[test]
fn hardlinks_share_contents() {
    let layer = gzip(&tar(&[
        Raw::Dir("bin/"),
        Raw::Mode("bin/busybox", 0o4755, b"ELF"),
        Raw::Hardlink("bin/sh", "./bin/busybox"),
    ]));
    let (tree, _, listing) = apply_both(&[layer]);
    let sh = tree.get("bin/sh").unwrap();
    assert_eq!((sh.kind, sh.mode, sh.link.as_deref()), (NodeKind::Hardlink, 0o4755, Some("bin/busybox")));
    assert_eq!(listing["bin/sh"], ("file", 0o4755, b"ELF".to_vec()));
}

#[test]
fn reader_reports_kinds_and_normalized_paths() {
    let blob = gzip(&tar(&[
        Raw::Dir("./"),
        Raw::Dir("./etc/"),
        Raw::File("./etc/.wh.motd", b""),
        Raw::File("./etc/.wh..wh..opq", b""),
        Raw::File("./etc/.wh..wh.plnk", b""),
        Raw::Symlink("./etc/localtime", "/usr/share/zoneinfo/UTC"),
        Raw::File("etc//hosts", b"127.0.0.1\n"),
    ]));
    let mut seen = Vec::new();
    let summary = layer::for_each_entry(&blob[..], "L", &Limits::default(), |mut e| {
        let mut body = String::new();
        std::io::Read::read_to_string(&mut e, &mut body).unwrap();
        seen.push((e.path.clone(), e.kind, e.link.clone(), body));
        Ok(())
    })
    .unwrap();
    assert_eq!(
        seen,
        vec![
            ("etc".to_string(), EntryKind::Dir, None, String::new()),
            ("etc/motd".to_string(), EntryKind::Whiteout, None, String::new()),
            ("etc".to_string(), EntryKind::Opaque, None, String::new()),
            (
                "etc/localtime".to_string(),
                EntryKind::Symlink,
                Some("/usr/share/zoneinfo/UTC".to_string()),
                String::new()
            ),
            ("etc/hosts".to_string(), EntryKind::File, None, "127.0.0.1\n".to_string()),
        ]
    );
    assert_eq!(summary.entries, 7);
    assert_eq!(summary.diff_id, imagekit::Digest::of_bytes(&layers_support::gunzip(&blob)));
    assert_eq!(summary.compressed_size, blob.len() as u64);
    // Plain tar works too, and gives the same diff_id.
    let tar_bytes = layers_support::gunzip(&blob);
    let (diff_id, n) = layer::diff_id_of_blob(&tar_bytes[..], &Limits::default()).unwrap();
    assert_eq!((diff_id, n), (summary.diff_id, summary.uncompressed_size));
}

#[test]
fn a_layer_of_only_whiteouts_built_in_memory() {
    let mut blob = Vec::new();
    let entries = vec![layer::Entry::whiteout("var/cache"), layer::Entry::opaque("etc/nginx")];
    layer::build_from_entries(entries, &Default::default(), &mut blob).unwrap();
    let (tree, changes, _) = apply_both(&[base(), blob]);
    assert!(tree.get("var/cache").is_none());
    assert!(tree.get("etc/nginx").is_some() && tree.get("etc/nginx/nginx.conf").is_none());
    assert_eq!(changes[1].hidden_bytes(), 10_300 + 20 + 10);
}

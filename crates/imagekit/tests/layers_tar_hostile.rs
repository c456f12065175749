//! Hostile tar *headers* (issue 12): sparse files, duplicate PAX records, paths deep enough to
//! make path handling quadratic, huge extended headers, ids chown cannot set, and the entries
//! that the in-memory tree and the on-disk unpack used to read differently. Each layer is built
//! here byte by byte; each is refused alike in memory and on disk, quickly, changing nothing.
#![cfg(feature = "fs")]

mod layers_support;

use std::fs;
use std::time::{Duration, Instant};

use imagekit::apply::{unpack, NodeKind, Tree};
use imagekit::audit::FileAudit;
use imagekit::layer::{self, Limits};
use layers_support::raw::{self, archive, entry, file, gnu, gnu_long, pax, seal, ustar};
use layers_support::{list_dir, list_tree, refused};

fn within(limit: Duration, what: &str, f: impl FnOnce()) {
    let start = Instant::now();
    f();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?} (limit {limit:?})");
}

// ------------------------------------------------------------------------------------ sparse

/// An old-GNU sparse entry ('S') declaring `real` bytes from one 512-byte chunk of data.
fn gnu_sparse(real: u64) -> Vec<u8> {
    let mut h = gnu(b"disk.img", b'S', 512);
    // First sparse descriptor: offset real-512, 512 bytes; then realsize at 483.
    raw::number(&mut h[386..398], real - 512);
    raw::number(&mut h[398..410], 512);
    raw::number(&mut h[483..495], real);
    archive(&[entry(h, &[b'x'; 512])])
}

#[test]
fn gnu_sparse_files_are_refused_before_anything_is_written() {
    within(Duration::from_secs(5), "refusing a 1 TB sparse file", || {
        let msg = refused(&[gnu_sparse(1 << 40)]);
        assert!(msg.contains("entry \"disk.img\" is a GNU sparse file"), "{msg}");
    });
    let msg = refused(&[gnu_sparse(2 << 30)]);
    assert!(msg.contains("GNU sparse file"), "{msg}");
}

#[test]
fn pax_sparse_forms_are_refused() {
    let forms: [&[(&str, &[u8])]; 3] = [
        // 0.0: repeated offset/numbytes pairs.
        &[("GNU.sparse.size", b"2147483648"), ("GNU.sparse.numblocks", b"1"), ("GNU.sparse.offset", b"0")],
        // 0.1: one map record.
        &[("GNU.sparse.size", b"2147483648"), ("GNU.sparse.numblocks", b"1"), ("GNU.sparse.map", b"0,512")],
        // 1.0: the map is in the data; the real name and size are records.
        &[
            ("GNU.sparse.major", b"1"),
            ("GNU.sparse.minor", b"0"),
            ("GNU.sparse.name", b"disk.img"),
            ("GNU.sparse.realsize", b"2147483648"),
        ],
    ];
    for records in forms {
        let layer = archive(&[pax(b'x', records), file("GNUSparseFile.0/disk.img", &[0u8; 512])]);
        let msg = refused(&[layer]);
        assert!(msg.contains("sparse file (extended header record \"GNU.sparse."), "{msg}");
    }
}

// ------------------------------------------------------------------------ duplicate records

#[test]
fn duplicate_pax_records_are_refused() {
    // Old imagekit read `decoy`; Go, GNU tar and Python create the setuid `etc/cron.d/evil`.
    for key in ["path", "linkpath", "uid", "gid", "mtime"] {
        let (first, second): (&[u8], &[u8]) = match key {
            "path" | "linkpath" => (b"decoy", b"etc/cron.d/evil"),
            "mtime" => (b"1", b"2"),
            _ => (b"1000", b"0"),
        };
        let layer = archive(&[pax(b'x', &[(key, first), (key, second)]), file("decoy", b"* * * * * root sh\n")]);
        let msg = refused(&[layer]);
        assert!(msg.contains(&format!("extended header repeats the record \"{key}\"")), "{msg}");
    }
}

#[test]
fn a_duplicate_size_record_cannot_hide_a_second_stream() {
    // size=0 then size=1024: a reader taking the first sees `decoy` and then the hidden header
    // as the next entry; Go skips 1024 bytes. Either way the layer is refused.
    let hidden = file("etc/shadow", b"root::0:0:::::\n");
    let mut data = hidden.clone();
    data.resize(1024, 0);
    let mut h = ustar(b"decoy", b'0', 0);
    raw::octal(&mut h[124..136], 0);
    let mut layer = pax(b'x', &[("size", b"0"), ("size", b"1024")]);
    layer.extend(seal(h));
    layer.extend(data);
    layer.extend(raw::end());
    let msg = refused(&[layer]);
    assert!(msg.contains("repeats the record \"size\""), "{msg}");
}

#[test]
fn pax_and_gnu_names_that_readers_pick_differently() {
    // A GNU long name and a PAX path for one entry.
    let layer = archive(&[gnu_long(b'L', b"etc/passwd"), pax(b'x', &[("path", b"decoy")]), file("x", b"")]);
    assert!(refused(&[layer]).contains("both a GNU long name and a PAX path"));
    // Two PAX headers before one entry: Go keeps only the second.
    let layer = archive(&[pax(b'x', &[("path", b"decoy")]), pax(b'x', &[("path", b"evil")]), file("x", b"")]);
    assert!(refused(&[layer]).contains("two PAX extended headers for one entry"));
    // A global header setting a path: Go ignores it, GNU tar and Python apply it.
    let layer = archive(&[pax(b'g', &[("path", b"evil")]), file("decoy", b"")]);
    assert!(refused(&[layer]).contains("global extended header sets \"path\""));
    // An empty path record: Go keeps the header's name, the standard unsets it.
    let layer = archive(&[pax(b'x', &[("path", b"")]), file("decoy", b"")]);
    assert!(refused(&[layer]).contains("record \"path\" is empty"));
    // An empty GNU long name or link, or one that starts with NUL: the same disagreement.
    for (typeflag, name) in [(b'L', &b""[..]), (b'L', b"\0etc/passwd"), (b'K', b"")] {
        let layer = archive(&[gnu_long(typeflag, name), file("etc/passwd", b"")]);
        assert!(refused(&[layer]).contains("an empty GNU long name or link"));
    }
}

#[test]
fn data_behind_a_directory_or_after_a_zero_block_is_refused() {
    // Go reads no data after a directory header, so these 1024 bytes are headers to it.
    let hidden = archive(&[file("etc/shadow", b"x")]);
    let mut dir = raw::entry(ustar(b"etc/", b'5', hidden.len() as u64), &hidden);
    dir.extend(raw::end());
    assert!(refused(&[dir]).contains("of type '5' declares 2048 data bytes"));
    // A lone zero block, then a header: Go stops with an error there, GNU tar reads on.
    let mut layer = file("a", b"x");
    layer.extend([0u8; 512]);
    layer.extend(archive(&[file("etc/shadow", b"x")]));
    assert!(refused(&[layer]).contains("a zero block followed by a header"));
}

// --------------------------------------------------------------------------- deep paths

#[test]
fn a_path_of_40000_components_is_refused_at_once() {
    let deep = "a/".repeat(40_000) + "f";
    let layer = archive(&[pax(b'x', &[("path", deep.as_bytes())]), file("f", b"")]);
    within(Duration::from_secs(2), "refusing a 40,000-component path", || {
        let msg = refused(std::slice::from_ref(&layer));
        assert!(msg.contains("path of 80001 bytes (limit max_path_len 2048)"), "{msg}");
        // The message stays one short line, whatever the name's length.
        assert!(msg.len() < 400, "{msg}");
    });
    // Within the length limit, past the depth limit.
    let deep = "a/".repeat(1000) + "f";
    let layer = archive(&[pax(b'x', &[("path", deep.as_bytes())]), file("f", b"")]);
    assert!(refused(&[layer]).contains("path of 1001 components (limit max_path_depth 256)"));
}

#[test]
fn a_thousand_files_at_the_depth_limit_unpack_in_linear_time() {
    let dir = vec!["d"; 255].join("/");
    let parts: Vec<Vec<u8>> = (0..1000)
        .map(|i| {
            let path = format!("{dir}/f{i}");
            let mut e = pax(b'x', &[("path", path.as_bytes())]);
            e.extend(file("placeholder", b"x"));
            e
        })
        .collect();
    let layer = archive(&parts);
    let work = tempfile::tempdir().unwrap();
    let blob = work.path().join("deep.tar");
    fs::write(&blob, &layer).unwrap();
    within(Duration::from_secs(30), "unpacking 1000 files 256 deep", || {
        let stats = unpack(&[&blob], &work.path().join("rootfs"), &Limits::default()).unwrap();
        assert_eq!(stats.files, 1000);
    });
    within(Duration::from_secs(30), "applying 1000 files 256 deep in memory", || {
        let tree = {
            let mut t = Tree::new();
            t.apply_layer(&layer[..], 0, &Limits::default()).unwrap();
            t
        };
        assert_eq!(tree.len(), 255 + 1000);
    });
}

#[test]
fn long_link_targets_are_refused() {
    let target = "t".repeat(5000);
    let mut h = ustar(b"l", b'2', 0);
    raw::set_link(&mut h, b"x");
    let layer = archive(&[pax(b'x', &[("linkpath", target.as_bytes())]), entry(h, b"")]);
    assert!(refused(&[layer]).contains("link target of 5000 bytes (limit max_path_len 2048)"));
}

#[test]
fn names_longer_than_name_max_are_refused_by_both() {
    let long = format!("dir/{}", "n".repeat(256));
    let layer = archive(&[pax(b'x', &[("path", long.as_bytes())]), file("x", b"")]);
    assert!(refused(&[layer]).contains("has a component of 256 bytes (limit 255, the file system's NAME_MAX)"));
    // 255 bytes is a legal name: accepted in memory and on disk alike.
    let ok = format!("dir/{}", "n".repeat(255));
    let layer = archive(&[pax(b'x', &[("path", ok.as_bytes())]), file("x", b"1")]);
    let mut tree = Tree::with_contents();
    tree.apply_layer(&layer[..], 0, &Limits::default()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let blob = work.path().join("l.tar");
    fs::write(&blob, &layer).unwrap();
    unpack(&[&blob], &work.path().join("rootfs"), &Limits::default()).unwrap();
    assert_eq!(list_tree(&tree), list_dir(&work.path().join("rootfs")));
}

// ---------------------------------------------------------------------- extended headers

#[test]
fn extended_headers_are_capped_before_they_are_read() {
    // 4 GiB declared, nothing behind it: refused from the header alone.
    for typeflag in [b'x', b'g', b'L', b'K'] {
        let mut layer = seal(ustar(b"PaxHeaders/x", typeflag, 4 << 30)).to_vec();
        layer.extend(raw::end());
        let msg = refused(&[layer]);
        assert!(msg.contains("extended header of 4294967296 bytes (limit max_extended_header 1048576 bytes)"), "{msg}");
    }
    // 1 MiB + 1 of real records.
    let big = vec![b'v'; 1 << 20];
    let layer = archive(&[pax(b'x', &[("comment", &big)]), file("f", b"")]);
    assert!(refused(&[layer]).contains("limit max_extended_header"));
    // Just under the cap is fine.
    let ok = vec![b'v'; (1 << 20) - 100];
    let layer = archive(&[pax(b'x', &[("comment", &ok)]), file("f", b"x")]);
    Tree::new().apply_layer(&layer[..], 0, &Limits::default()).unwrap();
}

// ------------------------------------------------------------------- ids chown cannot set

#[test]
fn ids_that_chown_cannot_set_are_refused() {
    for (field, at) in [("uid", 108..116), ("gid", 116..124)] {
        for id in [4_294_967_295i64, 4_294_967_296, 1 << 40, -1] {
            let mut h = ustar(b"usr/bin/su", b'0', 1);
            raw::octal(&mut h[100..108], 0o6755);
            raw::base256(&mut h[at.clone()], id);
            let msg = refused(&[archive(&[entry(h, b"x")])]);
            assert!(msg.contains(&format!("entry \"usr/bin/su\": {field} {id} cannot be set")), "{msg}");
        }
        // Through a PAX record too.
        let layer = archive(&[pax(b'x', &[(field, b"4294967295")]), file("usr/bin/su", b"x")]);
        assert!(refused(&[layer]).contains("4294967295 cannot be set"));
    }
}

// ------------------------------------------------------- one set of rules, memory and disk

/// Layer 1: dir etc, symlink l → etc, hardlink h → l. Layer 2: h/shadow, mode 4755.
fn hardlink_to_symlink() -> Vec<Vec<u8>> {
    let mut l = ustar(b"l", b'2', 0);
    raw::set_link(&mut l, b"etc");
    let mut h = ustar(b"h", b'1', 0);
    raw::set_link(&mut h, b"l");
    let one = archive(&[entry(ustar(b"etc/", b'5', 0), b""), entry(l, b""), entry(h, b"")]);
    let mut shadow = ustar(b"h/shadow", b'0', 5);
    raw::octal(&mut shadow[100..108], 0o4755);
    let two = archive(&[entry(shadow, b"root\n")]);
    vec![one, two]
}

#[test]
fn a_hardlink_to_a_symlink_resolves_alike_in_memory_on_disk_and_in_audit() {
    let layers = hardlink_to_symlink();
    let mut tree = Tree::with_contents();
    let mut audit = FileAudit::new();
    for (i, l) in layers.iter().enumerate() {
        tree.apply_layer(&l[..], i, &Limits::default()).unwrap();
        audit.apply_layer(&l[..], &format!("#{i}"), &Limits::default()).unwrap();
    }
    let work = tempfile::tempdir().unwrap();
    let paths: Vec<_> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let p = work.path().join(format!("{i}.tar"));
            fs::write(&p, l).unwrap();
            p
        })
        .collect();
    let dest = work.path().join("rootfs");
    unpack(&paths, &dest, &Limits::default()).unwrap();
    assert_eq!(list_tree(&tree), list_dir(&dest));
    assert_eq!(tree.get("h").map(|n| n.kind), Some(NodeKind::Symlink));
    assert_eq!(tree.get("etc/shadow").map(|n| n.mode), Some(0o4755));
    assert!(tree.get("h/shadow").is_none());
    let report = audit.finish();
    let setid: Vec<&str> = report.setid.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(setid.len(), 1, "{setid:?}");
    assert!(setid[0].trim_start_matches('/') == "etc/shadow", "{setid:?}");
    assert!(dest.join("etc/shadow").exists());
}

#[test]
fn an_empty_symlink_target_is_refused_by_both() {
    let layer = archive(&[entry(ustar(b"l", b'2', 0), b"")]);
    assert!(refused(&[layer]).contains("symlink \"l\" has an empty target"));
}

#[test]
fn a_nul_typeflag_with_a_trailing_slash_is_a_directory_as_go_reads_it() {
    let layer = archive(&[entry(ustar(b"var/", 0, 0), b""), file("var/x", b"1")]);
    let mut tree = Tree::new();
    tree.apply_layer(&layer[..], 0, &Limits::default()).unwrap();
    assert_eq!(tree.get("var").map(|n| (n.kind, n.mode)), Some((NodeKind::Dir, 0o644)));
}

#[test]
fn hardlinked_data_counts_toward_the_expanded_limit() {
    let mut parts = vec![file("big", &[7u8; 4096])];
    for i in 0..10 {
        let mut h = ustar(format!("link{i}").as_bytes(), b'1', 0);
        raw::set_link(&mut h, b"big");
        parts.push(entry(h, b""));
    }
    let layer = archive(&parts);
    let limits = Limits { max_expanded: 4096 * 5, ..Limits::default() };
    let err = layer::for_each_entry(&layer[..], "L", &limits, |_| Ok(())).unwrap_err().to_string();
    assert!(err.contains("entry \"link4\" takes the layer past 20480 expanded bytes (limit max_expanded)"), "{err}");
    layer::for_each_entry(&layer[..], "L", &Limits::default(), |_| Ok(())).unwrap();
}

#[test]
fn unknown_and_contiguous_types_are_refused_as_runtimes_refuse_them() {
    for t in [b'7', b'V', b'M', b'N', b'A'] {
        let layer = archive(&[entry(ustar(b"x", t, 0), b"")]);
        let err = Tree::new().apply_layer(&layer[..], 0, &Limits::default()).unwrap_err().to_string();
        assert!(err.contains("which container runtimes refuse"), "{err}");
    }
}

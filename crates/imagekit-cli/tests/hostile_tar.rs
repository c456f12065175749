//! Hostile tar headers end to end (issue 12): `unpack`, `layers` and `audit` refuse alike, fast,
//! with a one-line error, leaving nothing behind; and where a layer is accepted, what `audit`
//! names is what `unpack` writes.

mod common;

use std::fs;
use std::time::{Duration, Instant};

use common::*;

// ------------------------------------------------------------------- headers, byte by byte

fn octal(field: &mut [u8], v: u64) {
    let text = format!("{v:0width$o}\0", width = field.len() - 1);
    field.copy_from_slice(text.as_bytes());
}

fn header(name: &[u8], typeflag: u8, size: u64) -> [u8; 512] {
    let mut b = [0u8; 512];
    b[..name.len()].copy_from_slice(name);
    octal(&mut b[100..108], 0o644);
    octal(&mut b[108..116], 0);
    octal(&mut b[116..124], 0);
    octal(&mut b[124..136], size.min(0o77777777777));
    octal(&mut b[136..148], 0);
    b[156] = typeflag;
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    b
}

fn entry(mut h: [u8; 512], data: &[u8]) -> Vec<u8> {
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&c| u32::from(c)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(512), 0);
    out
}

fn record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3;
    let mut n = body + 1;
    while n != body + n.to_string().len() {
        n = body + n.to_string().len();
    }
    [format!("{n} {key}=").into_bytes(), value.to_vec(), b"\n".to_vec()].concat()
}

fn pax(records: &[(&str, &[u8])]) -> Vec<u8> {
    let data: Vec<u8> = records.iter().flat_map(|(k, v)| record(k, v)).collect();
    entry(header(b"PaxHeaders/x", b'x', data.len() as u64), &data)
}

fn archive(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = parts.concat();
    out.resize(out.len() + 1024, 0);
    out
}

// ------------------------------------------------------------------------------- the cases

fn cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut sparse = header(b"disk.img", b'S', 512);
    sparse[257..265].copy_from_slice(b"ustar  \0");
    // 1 TB declared in base-256 at the realsize field (octal cannot hold it).
    sparse[483] = 0x80;
    sparse[487..495].copy_from_slice(&(1u64 << 40).to_be_bytes());
    let deep = "a/".repeat(40_000) + "f";
    let mut su = header(b"usr/bin/su", b'0', 1);
    octal(&mut su[100..108], 0o6755);
    su[108..116].fill(0);
    su[108] = 0x80;
    su[112..116].copy_from_slice(&u32::MAX.to_be_bytes());
    let mut big_pax = header(b"PaxHeaders/x", b'x', 0);
    octal(&mut big_pax[124..136], 4 << 30);
    vec![
        ("GNU sparse, 1 TB", archive(&[entry(sparse, &[1; 512])]), "is a GNU sparse file"),
        (
            "duplicate PAX path",
            archive(&[pax(&[("path", b"decoy"), ("path", b"etc/cron.d/evil")]), entry(header(b"decoy", b'0', 0), b"")]),
            "extended header repeats the record \"path\"",
        ),
        (
            "40,000-component PAX path",
            archive(&[pax(&[("path", deep.as_bytes())]), entry(header(b"f", b'0', 0), b"")]),
            "limit max_path_len 2048",
        ),
        ("4 GiB PAX header", archive(&[entry(big_pax, b"")]), "limit max_extended_header"),
        ("setuid file owned by uid 4294967295", archive(&[entry(su, b"x")]), "uid 4294967295 cannot be set"),
    ]
}

#[test]
fn unpack_layers_and_audit_refuse_hostile_headers_alike_and_fast() {
    for (name, tar, needle) in cases() {
        let work = tempfile::tempdir().unwrap();
        let layout = work.path().join("layout");
        layout_with(&layout, &[tar]);
        let l = layout.to_str().unwrap();
        let dest = work.path().join("jail/rootfs");
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let started = Instant::now();
        for args in [vec!["unpack", l, "-o", dest.to_str().unwrap()], vec!["layers", l], vec!["audit", l]] {
            let err = fails(&args);
            assert!(err.contains(needle), "{name}: {args:?}: expected {needle:?} in {err}");
            assert!(err.len() < 600, "{name}: {args:?}: an overlong error: {err}");
        }
        let took = started.elapsed();
        assert!(took < Duration::from_secs(20), "{name}: three refusals took {took:?}");
        assert!(!dest.exists(), "{name}: a refused unpack left {}", dest.display());
        let jail: Vec<_> = fs::read_dir(dest.parent().unwrap()).unwrap().collect();
        assert!(jail.is_empty(), "{name}: leftovers beside the target: {jail:?}");
    }
}

#[test]
fn audit_names_what_unpack_writes_for_a_hardlink_to_a_symlink() {
    let mut l = header(b"l", b'2', 0);
    l[157..160].copy_from_slice(b"etc");
    let mut h = header(b"h", b'1', 0);
    h[157] = b'l';
    let one = archive(&[entry(header(b"etc/", b'5', 0), b""), entry(l, b""), entry(h, b"")]);
    let mut shadow = header(b"h/shadow", b'0', 5);
    octal(&mut shadow[100..108], 0o4755);
    let two = archive(&[entry(shadow, b"root\n")]);
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    layout_with(&layout, &[one, two]);
    let dest = work.path().join("rootfs");
    ok(&["unpack", layout.to_str().unwrap(), "-o", dest.to_str().unwrap()]);
    assert!(dest.join("etc/shadow").is_file());
    assert!(fs::symlink_metadata(dest.join("h")).unwrap().file_type().is_symlink());
    let audit = ok(&["audit", layout.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let text = json.to_string();
    assert!(text.contains("etc/shadow"), "audit does not name etc/shadow: {text}");
    assert!(!text.contains("h/shadow"), "audit names a path unpack did not write: {text}");
}

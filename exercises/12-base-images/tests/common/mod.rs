//! Helpers shared by the step tests of exercise 12.
//!
//! Nothing here calls your code except `attempt`, which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are. It, `teach` and
//! `HINTS` come from `exercise_support::exercise_helpers!`, shared by every exercise (no solution
//! code there); this file keeps what belongs to exercise 12: its fixtures, and the
//! independent checks (hashing, tar, gzip) that stay beside the tests that use them.

#![allow(dead_code)]

exercise_support::exercise_helpers!(number: "12", hints: "exercises/12-base-images/hints.md");

/// One entry of a test layer, built here independently of your code.
pub enum Entry<'a> {
    File(&'a str),
    Dir(&'a str),
    /// A symlink: path, target.
    Link(&'a str, &'a str),
    /// A whiteout deleting this path (`dir/.wh.NAME`).
    Delete(&'a str),
}

/// A gzip-compressed layer, built here independently of your code.
pub fn layer(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(0);
        match entry {
            Entry::File(p) => {
                header.set_mode(0o755);
                header.set_entry_type(tar::EntryType::Regular);
                builder.append_data(&mut header, p, &b""[..]).expect("fixture");
            }
            Entry::Dir(p) => {
                header.set_mode(0o755);
                header.set_entry_type(tar::EntryType::Directory);
                builder.append_data(&mut header, format!("{p}/"), &b""[..]).expect("fixture");
            }
            Entry::Link(p, target) => {
                header.set_mode(0o777);
                header.set_entry_type(tar::EntryType::Symlink);
                builder.append_link(&mut header, p, target).expect("fixture");
            }
            Entry::Delete(p) => {
                header.set_mode(0o644);
                header.set_entry_type(tar::EntryType::Regular);
                let wh = match p.rsplit_once('/') {
                    Some((dir, name)) => format!("{dir}/.wh.{name}"),
                    None => format!(".wh.{p}"),
                };
                builder.append_data(&mut header, wh, &b""[..]).expect("fixture");
            }
        }
    }
    let tar = builder.into_inner().expect("fixture");
    use std::io::Write;
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).expect("fixture");
    gz.finish().expect("fixture")
}

/// An Alpine-like root: musl's loader in /lib, with libc.musl as a relative link to it.
pub fn alpine_like() -> Vec<Vec<u8>> {
    vec![layer(&[
        Entry::Dir("bin"),
        Entry::File("bin/busybox"),
        Entry::Link("bin/sh", "/bin/busybox"),
        Entry::Dir("lib"),
        Entry::File("lib/ld-musl-x86_64.so.1"),
        Entry::Link("lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1"),
    ])]
}

/// A Debian-like root with merged /usr: lib64 -> usr/lib64, whose loader is an absolute link
/// into usr/lib/x86_64-linux-gnu/.
pub fn debian_like() -> Vec<Vec<u8>> {
    vec![layer(&[
        Entry::Link("lib", "usr/lib"),
        Entry::Link("lib64", "usr/lib64"),
        Entry::Dir("usr"),
        Entry::Dir("usr/lib"),
        Entry::Dir("usr/lib/x86_64-linux-gnu"),
        Entry::File("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        Entry::File("usr/lib/x86_64-linux-gnu/libc.so.6"),
        Entry::Dir("usr/lib64"),
        Entry::Link("usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
    ])]
}

/// SHA-256 of `bytes` as `"sha256:<hex>"`, computed here, independently of your code.
pub fn sha256_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Undoes gzip, independently of your code.
pub fn gunzip(blob: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(blob).read_to_end(&mut out).expect("valid gzip");
    out
}

//! Helpers shared by the step tests of exercise 12.
//!
//! Nothing here calls your code except `attempt`, which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are. It, `teach` and
//! `HINTS` come from `exercise_support::exercise_helpers!`, shared by every exercise (no solution
//! code there); so do the independent checks (hashing, tar, gzip), from its `digest` and `layers`
//! features. This file keeps what belongs to exercise 12: its fixtures.

#![allow(dead_code)]

exercise_support::exercise_helpers!(number: "12", hints: "exercises/12-base-images/hints.md");

#[allow(unused_imports)] // the independent checks, shared by the exercises; not every step uses each
pub use exercise_support::digest::sha256_of;
#[allow(unused_imports)] // the independent checks, shared by the exercises; not every step uses each
pub use exercise_support::layers::{layer, Entry};

/// An Alpine-like root: musl's loader in /lib, with libc.musl as a relative link to it.
pub fn alpine_like() -> Vec<Vec<u8>> {
    vec![layer(&[
        Entry::Dir("bin"),
        Entry::File("bin/busybox", b""),
        Entry::Link("bin/sh", "/bin/busybox"),
        Entry::Dir("lib"),
        Entry::File("lib/ld-musl-x86_64.so.1", b""),
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
        Entry::File("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", b""),
        Entry::File("usr/lib/x86_64-linux-gnu/libc.so.6", b""),
        Entry::Dir("usr/lib64"),
        Entry::Link("usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
    ])]
}

/// Undoes gzip, independently of your code.
pub fn gunzip(blob: &[u8]) -> Vec<u8> {
    exercise_support::layers::gunzip(blob).expect("valid gzip")
}

//! Helpers shared by the step tests of exercise 08.
//!
//! Nothing here calls your code except `attempt`, which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are. It, `teach` and
//! `HINTS` come from `exercise_support::exercise_helpers!`, shared by every exercise (no solution
//! code there); so do the independent checks (hashing, tar, gzip), from its `digest` and `layers`
//! features. This file keeps what belongs to exercise 08: its fixtures.

#![allow(dead_code)]

exercise_support::exercise_helpers!(number: "08", hints: "exercises/08-manifests/hints.md");

#[allow(unused_imports)] // the independent checks, shared by the exercises; not every step uses each
pub use exercise_support::digest::sha256_of;
#[allow(unused_imports)] // the independent checks, shared by the exercises; not every step uses each
pub use exercise_support::layers::{gzip_of, Entry};

/// Parses JSON, independently of your code; `Err` says why it is not JSON.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))
}

#[allow(unused_imports)] // a failure-message helper, shared by the exercises
pub use exercise_support::excerpt;

/// A small uncompressed layer, built here: files in the order given, mtime 0, uid/gid 0.
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let entries: Vec<Entry> = files.iter().map(|&(path, data)| Entry::File(path, data)).collect();
    exercise_support::layers::tar_of(&entries)
}

/// The two layers of a tiny Driftwood web image, as `(tar, gzip blob, created_by)`.
pub fn driftwood_layers() -> Vec<(Vec<u8>, Vec<u8>, &'static str)> {
    let base = tar_of(&[
        ("etc/nginx/nginx.conf", b"worker_processes auto;\nevents { worker_connections 1024; }\n"),
        ("etc/os-release", b"NAME=\"Alpine Linux\"\nVERSION_ID=3.21.3\n"),
    ]);
    let site = tar_of(&[("usr/share/nginx/html/index.html", b"<h1>Driftwood</h1>\n")]);
    vec![
        (base.clone(), gzip_of(&base), "ADD alpine-minirootfs.tar.gz / # the base"),
        (site.clone(), gzip_of(&site), "COPY site/ /usr/share/nginx/html/"),
    ]
}

/// The real nginx:1.23.1 manifest list (Docker's multi-platform index), as the quay fixture
/// stores it: re-serialized, so it does not hash to its published digest, but every value (and
/// every platform, in order) is the real one.
pub fn nginx_list() -> &'static [u8] {
    driftwood::raw::NGINX_1_23_1_INDEX_REWRITTEN
}

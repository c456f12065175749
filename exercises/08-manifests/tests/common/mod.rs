//! Helpers shared by the step tests of exercise 08.
//!
//! Nothing here calls your code except `attempt`, which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are. It, `teach` and
//! `HINTS` come from `exercise_support::exercise_helpers!`, shared by every exercise (no solution
//! code there); this file keeps what belongs to exercise 08: its fixtures, and the
//! independent checks (hashing, tar, gzip) that stay beside the tests that use them.

#![allow(dead_code)]

use std::io::Read;

exercise_support::exercise_helpers!(number: "08", hints: "exercises/08-manifests/hints.md");

/// SHA-256 of `bytes` as `"sha256:<hex>"`, computed here, independently of your code.
pub fn sha256_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Parses JSON, independently of your code; `Err` says why it is not JSON.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))
}

#[allow(unused_imports)] // a failure-message helper, shared by the exercises
pub use exercise_support::excerpt;

/// Undoes gzip, independently of your code.
pub fn gunzip(blob: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(blob).read_to_end(&mut out)?;
    Ok(out)
}

/// A small uncompressed layer, built here: files in the order given, mtime 0, uid/gid 0.
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for &(path, data) in files {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(data.len() as u64);
        builder.append_data(&mut header, path, data).expect("test fixture: valid tar entry");
    }
    builder.into_inner().expect("test fixture: tar into a Vec")
}

/// Gzip with mtime 0 and no file name, built here, independently of your code.
pub fn gzip_of(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("test fixture: gzip into a Vec");
    encoder.finish().expect("test fixture: gzip into a Vec")
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

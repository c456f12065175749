//! Helpers shared by the step tests of exercise 07.
//!
//! Nothing here calls your code except `attempt`, which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are. It, `teach` and
//! `HINTS` come from `exercise_support::exercise_helpers!`, shared by every exercise (no solution
//! code there); this file keeps what belongs to exercise 07: its fixtures, and the
//! independent checks (hashing, tar, gzip) that stay beside the tests that use them.

#![allow(dead_code)]

use std::io::Read;

exercise_support::exercise_helpers!(
    number: "07",
    hints: "exercises/07-layers/hints.md",
    on_panic: "A layer function should return its result, not panic, for input like this test's.",
);

/// SHA-256 of `bytes` as `"sha256:<hex>"`, computed here, independently of your code.
pub fn sha256_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Undoes gzip, independently of your code.
pub fn gunzip(blob: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(blob).read_to_end(&mut out)?;
    Ok(out)
}

/// One entry of a tar archive, as read back by the `tar` crate.
#[derive(Debug, Clone)]
pub struct TarEntry {
    /// The path exactly as stored (directories keep their trailing `/`).
    pub path: String,
    pub kind: tar::EntryType,
    pub mode: Option<u32>,
    pub mtime: Option<u64>,
    pub uid: Option<u64>,
    pub gid: Option<u64>,
    /// User and group names; an old-style header without these fields reads as empty.
    pub username: String,
    pub groupname: String,
    pub contents: Vec<u8>,
}

/// Reads every entry of an uncompressed tar archive, or says why it could not.
pub fn read_tar(bytes: &[u8]) -> Result<Vec<TarEntry>, std::io::Error> {
    let mut archive = tar::Archive::new(bytes);
    let mut out = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let header = entry.header().clone();
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents)?;
        let name = |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or(b"")).into_owned();
        out.push(TarEntry {
            path,
            kind: header.entry_type(),
            mode: header.mode().ok(),
            mtime: header.mtime().ok(),
            uid: header.uid().ok(),
            gid: header.gid().ok(),
            username: name(header.username_bytes()),
            groupname: name(header.groupname_bytes()),
            contents,
        });
    }
    Ok(out)
}

/// Builds a test layer from entries exactly in the order given, independently of your code:
/// `(path, Some(contents))` is a file, `(path, None)` a directory (write it as `"etc/"`).
/// The order is kept on purpose, so tests can put a whiteout after the files of its own layer,
/// and so is a leading `./` (as `tar -C rootfs .` writes names).
pub fn raw_layer(entries: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for &(path, contents) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        let data: &[u8] = match contents {
            Some(data) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(0o644);
                data
            }
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                &[]
            }
        };
        header.set_size(data.len() as u64);
        if path.starts_with("./") {
            // `append_data` would drop the `./`: write the name byte for byte.
            let name = &mut header.as_old_mut().name;
            assert!(path.len() < name.len(), "test fixture: tar name too long: {path}");
            name.fill(0);
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, data).expect("test fixture: valid tar entry");
        } else {
            builder.append_data(&mut header, path, data).expect("test fixture: valid tar entry");
        }
    }
    builder.into_inner().expect("test fixture: tar into a Vec")
}

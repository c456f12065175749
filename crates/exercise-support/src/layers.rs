//! Layers built and read by the tests themselves (feature `layers`), independently of the
//! learner's code: one tar builder for every exercise's fixtures, gzip and gunzip, and a tar
//! reader that shows each entry's header as stored.
//!
//! These are oracles, not answers: a learner's `src/lib.rs` cannot use a dev-dependency.

use std::io::{Read, Write};

/// One entry of a test layer. Every entry is written with mtime 0 and uid/gid 0, in the order
/// given (tests put a whiteout wherever they need it).
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    /// A directory, mode 0755, written as `path/`.
    Dir(&'a str),
    /// A regular file, mode 0644; its name is kept byte for byte (a leading `./` too).
    File(&'a str, &'a [u8]),
    /// A regular file whose tar name keeps a leading `./`, as `tar -C dir .` writes it.
    DotFile(&'a str, &'a [u8]),
    /// A symlink, mode 0777: path, target.
    Link(&'a str, &'a str),
    /// A whiteout deleting this path: written as `dir/.wh.NAME`.
    Delete(&'a str),
    /// An opaque whiteout in this directory, `dir/.wh..wh..opq`: the directory stays, the lower
    /// layers' contents of it are hidden.
    Opaque(&'a str),
}

/// An uncompressed layer: a tar of `entries` exactly in the order given.
pub fn tar_of(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        let (path, data, mode, kind): (String, &[u8], u32, tar::EntryType) = match *entry {
            Entry::File(p, d) => (p.to_string(), d, 0o644, tar::EntryType::Regular),
            Entry::Dir(p) => {
                let path = if p.ends_with('/') { p.to_string() } else { format!("{p}/") };
                (path, &[], 0o755, tar::EntryType::Directory)
            }
            Entry::Link(p, target) => {
                header.set_mode(0o777);
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                builder.append_link(&mut header, p, target).expect("test fixture: valid tar symlink");
                continue;
            }
            Entry::Delete(p) => {
                let wh = match p.rsplit_once('/') {
                    Some((dir, name)) => format!("{dir}/.wh.{name}"),
                    None => format!(".wh.{p}"),
                };
                (wh, &[], 0o644, tar::EntryType::Regular)
            }
            Entry::Opaque(dir) => (format!("{dir}/.wh..wh..opq"), &[], 0o644, tar::EntryType::Regular),
            Entry::DotFile(p, d) => (format!("./{p}"), d, 0o644, tar::EntryType::Regular),
        };
        header.set_mode(mode);
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        let name = &mut header.as_old_mut().name;
        if path.len() < name.len() {
            // The name is written byte for byte: `append_data` would drop a leading `./`.
            name.fill(0);
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, data).expect("test fixture: valid tar entry");
        } else {
            // Too long for the header: `append_data` adds a GNU long-name entry.
            builder.append_data(&mut header, path, data).expect("test fixture: valid tar entry");
        }
    }
    builder.into_inner().expect("test fixture: tar into a Vec")
}

/// A gzip-compressed layer: [`gzip_of`] the [`tar_of`] `entries`.
pub fn layer(entries: &[Entry]) -> Vec<u8> {
    gzip_of(&tar_of(entries))
}

/// Gzip with mtime 0 and no file name, built here, independently of the learner's code.
pub fn gzip_of(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("test fixture: gzip into a Vec");
    encoder.finish().expect("test fixture: gzip into a Vec")
}

/// Undoes gzip, independently of the learner's code.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(entries: &[Entry]) -> Vec<(String, tar::EntryType, Option<u32>, Vec<u8>)> {
        let tar = gunzip(&layer(entries)).expect("our own gzip");
        read_tar(&tar).expect("our own tar").into_iter().map(|e| (e.path, e.kind, e.mode, e.contents)).collect()
    }

    #[test]
    fn every_kind_of_entry_is_written_as_named_in_order() {
        use tar::EntryType::{Directory, Regular, Symlink};
        // Each entry, then the path, kind, mode and contents it must read back as.
        let cases: [(Entry, &str, tar::EntryType, u32, &[u8]); 9] = [
            (Entry::Dir("etc"), "etc/", Directory, 0o755, b""),
            (Entry::File("etc/motd", b"hi"), "etc/motd", Regular, 0o644, b"hi"),
            (Entry::Link("bin/sh", "busybox"), "bin/sh", Symlink, 0o777, b""),
            (Entry::Delete("etc/gone"), "etc/.wh.gone", Regular, 0o644, b""),
            (Entry::Delete("top"), ".wh.top", Regular, 0o644, b""),
            (Entry::Opaque("var/cache"), "var/cache/.wh..wh..opq", Regular, 0o644, b""),
            (Entry::DotFile("srv/x", b"x"), "./srv/x", Regular, 0o644, b"x"),
            (Entry::File("./srv/y", b"y"), "./srv/y", Regular, 0o644, b"y"),
            (Entry::Dir("./"), "./", Directory, 0o755, b""),
        ];
        let entries: Vec<Entry> = cases.iter().map(|case| case.0).collect();
        let want: Vec<_> = cases.iter().map(|&(_, p, k, m, c)| (p.to_string(), k, Some(m), c.to_vec())).collect();
        assert_eq!(paths(&entries), want);
    }

    #[test]
    fn a_long_name_survives() {
        let long = format!("srv/{}", "n".repeat(150));
        assert_eq!(paths(&[Entry::File(&long, b"z")])[0].0, long);
    }

    #[test]
    fn the_same_entries_give_the_same_bytes() {
        let entries = [Entry::Dir("etc"), Entry::File("etc/hostname", b"driftwood\n")];
        assert_eq!(layer(&entries), layer(&entries));
        assert!(gunzip(b"not gzip").is_err());
    }
}

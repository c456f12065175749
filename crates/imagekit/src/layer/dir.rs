//! Building a layer from a directory on disk.
//!
//! The walk collects names and metadata only (a few hundred bytes per entry); file contents are
//! streamed into the tar one at a time, so a 200 MB tree never sits in memory.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::tarball::gzip_tar;
use super::{normalize, BuildOptions, LayerInfo};
use crate::error::{Error, IoContext, Result};
use crate::whiteout;

enum Kind {
    Dir,
    /// `inode` is (device, inode) when the file has other names, to find them.
    File {
        size: u64,
        source: PathBuf,
        inode: Option<(u64, u64)>,
    },
    Symlink(String),
    /// A second name for a file already in the layer (same device and inode).
    Hardlink(String),
    /// An empty `.wh.*` marker.
    Marker,
}

struct Item {
    path: String,
    mode: u32,
    kind: Kind,
}

/// Build a layer from the contents of `dir` (not `dir` itself: its children are at the layer's
/// root), plus whiteouts for paths lower layers added.
///
/// Each string in `whiteouts` is a layer path (a leading `/` is allowed):
/// - `a/b` deletes `a/b` (file or whole directory) → entry `a/.wh.b`;
/// - `a/b/*` makes `a/b` opaque (hides everything lower layers put in it, keeps what this layer
///   adds) → entry `a/b/.wh..wh..opq`; a lone `*` makes the root opaque.
///
/// Kept: file permission bits (`mode & 0o7777`), symlink text as is, hardlinks within the tree
/// (the first path in sorted order holds the data). Not kept: owners (always 0:0), mtimes (always
/// `opts.mtime`). Sockets, devices and FIFOs are refused, and so are names starting with `.wh.`
/// (they would read as whiteouts: pass deletions in `whiteouts`).
pub fn build_from_dir(dir: &Path, whiteouts: &[String], opts: &BuildOptions, out: impl Write) -> Result<LayerInfo> {
    let top = fs::metadata(dir).ctx(|| format!("reading {}", dir.display()))?;
    if !top.is_dir() {
        return Err(unsupported(dir, format!("{} is not a directory", dir.display())));
    }
    let mut items = Vec::new();
    walk(dir, dir, "", &mut items)?;
    for spec in whiteouts {
        items.push(Item { path: marker_path(spec)?, mode: 0o644, kind: Kind::Marker });
    }
    items.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = items.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(Error::BadLayer {
            layer: dir.display().to_string(),
            reason: format!("whiteout {:?} given twice", pair[0].path),
        });
    }
    link_hardlinks(&mut items);
    gzip_tar(opts, out, |tar| {
        for item in &items {
            match &item.kind {
                Kind::Dir => tar.dir(&item.path, item.mode)?,
                Kind::File { size, source, .. } => {
                    let mut file = File::open(source).ctx(|| format!("opening {}", source.display()))?;
                    tar.file(&item.path, item.mode, *size, &mut file)?;
                }
                Kind::Symlink(target) => tar.symlink(&item.path, target)?,
                Kind::Hardlink(first) => tar.hardlink(&item.path, item.mode, first)?,
                Kind::Marker => tar.file(&item.path, item.mode, 0, &mut io::empty())?,
            }
        }
        Ok(())
    })
}

fn unsupported(path: &Path, why: String) -> Error {
    Error::io(format!("building a layer from {}", path.display()), io::Error::new(io::ErrorKind::Unsupported, why))
}

/// `a/b` → `a/.wh.b`; `a/b/*` → `a/b/.wh..wh..opq`; `*` → `.wh..wh..opq`.
fn marker_path(spec: &str) -> Result<String> {
    let refuse =
        |why: &str| Error::BadLayer { layer: "(new layer)".into(), reason: format!("whiteout {spec:?} {why}") };
    let trimmed = spec.trim_start_matches('/');
    if trimmed == "*" {
        return Ok(whiteout::OPAQUE.to_string());
    }
    let (target, opaque) = match trimmed.strip_suffix("/*") {
        Some(dir) => (dir, true),
        None => (trimmed, false),
    };
    let target = normalize(target).map_err(refuse)?;
    if target.is_empty() {
        return Err(refuse("names the root: use \"*\" to hide everything below"));
    }
    Ok(if opaque { whiteout::opaque_path(&target) } else { whiteout::whiteout_path(&target) })
}

fn walk(root: &Path, dir: &Path, prefix: &str, items: &mut Vec<Item>) -> Result<()> {
    let listing = fs::read_dir(dir).ctx(|| format!("listing {}", dir.display()))?;
    for dirent in listing {
        let dirent = dirent.ctx(|| format!("listing {}", dir.display()))?;
        let source = dirent.path();
        let name = dirent.file_name();
        let Some(name) = name.to_str() else {
            return Err(unsupported(root, format!("{} is not a UTF-8 name", source.display())));
        };
        if name.starts_with(whiteout::PREFIX) {
            let why = format!(
                "{} starts with {:?}, which marks whiteouts; pass deletions as whiteouts instead",
                source.display(),
                whiteout::PREFIX
            );
            return Err(unsupported(root, why));
        }
        let path = if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
        let meta = fs::symlink_metadata(&source).ctx(|| format!("reading {}", source.display()))?;
        let mode = meta.mode() & 0o7777;
        let ft = meta.file_type();
        let kind = if ft.is_dir() {
            Kind::Dir
        } else if ft.is_file() {
            let inode = (meta.nlink() > 1).then(|| (meta.dev(), meta.ino()));
            Kind::File { size: meta.len(), source: source.clone(), inode }
        } else if ft.is_symlink() {
            let target = fs::read_link(&source).ctx(|| format!("reading link {}", source.display()))?;
            let Some(target) = target.to_str() else {
                return Err(unsupported(root, format!("symlink {} has a non-UTF-8 target", source.display())));
            };
            Kind::Symlink(target.to_string())
        } else {
            let what = if ft.is_socket() {
                "a socket"
            } else if ft.is_fifo() {
                "a FIFO"
            } else if ft.is_char_device() || ft.is_block_device() {
                "a device node"
            } else {
                "of an unknown file type"
            };
            return Err(unsupported(
                root,
                format!("{} is {what}: layers hold only files, directories and links", source.display()),
            ));
        };
        let recurse = matches!(kind, Kind::Dir);
        items.push(Item { path: path.clone(), mode, kind });
        if recurse {
            walk(root, &source, &path, items)?;
        }
    }
    Ok(())
}

/// Turn every later name of a multiply-linked file into a hardlink to the first (sorted) name.
fn link_hardlinks(items: &mut [Item]) {
    let mut first: HashMap<(u64, u64), String> = HashMap::new();
    for item in items.iter_mut() {
        let Kind::File { inode: Some(inode), .. } = item.kind else {
            continue;
        };
        match first.get(&inode) {
            Some(target) => item.kind = Kind::Hardlink(target.clone()),
            None => {
                first.insert(inode, item.path.clone());
            }
        }
    }
}

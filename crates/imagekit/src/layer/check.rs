//! Validating one framed entry: the rules the in-memory tree, the on-disk unpack, audit and the
//! CLI all rely on, decided once here so no two of them can disagree.

use std::collections::HashMap;

use super::fail::{bad, hostile};
use super::frames::{shown, Frame};
use super::{normalize, EntryKind, Limits};
use crate::error::Result;
use crate::whiteout::{self, Whiteout};

/// An entry that passed every check.
pub(crate) struct Checked {
    pub path: String,
    pub name: String,
    pub kind: EntryKind,
    pub mode: u32,
    pub size: u64,
    pub uid: u64,
    pub gid: u64,
    pub link: Option<String>,
}

/// The checks that span a layer: duplicates and the expanded size.
pub(crate) struct Checker<'a> {
    layer: &'a str,
    limits: &'a Limits,
    /// Every path seen, with its size if it is a regular file (for hardlinks to it).
    seen: HashMap<String, u64>,
    expanded: u64,
}

/// (uid_t)-1 means "leave unchanged" to chown(2): an id at or above it cannot be set, and a
/// runtime running as root would leave the file owned by root.
const UNSETTABLE_ID: i64 = u32::MAX as i64;

/// The longest file name Linux file systems accept.
const NAME_MAX: usize = 255;

impl<'a> Checker<'a> {
    pub(crate) fn new(layer: &'a str, limits: &'a Limits) -> Checker<'a> {
        Checker { layer, limits, seen: HashMap::new(), expanded: 0 }
    }

    /// `None` for entries that carry nothing to apply (the root directory, reserved whiteout
    /// names).
    pub(crate) fn check(&mut self, frame: &Frame) -> Result<Option<Checked>> {
        let layer = self.layer;
        let name = match std::str::from_utf8(&frame.name) {
            Ok(s) => s.to_string(),
            Err(_) => return Err(bad(layer, format!("entry {}: path is not UTF-8", shown(&frame.name)))),
        };
        let shown_name = shown(&frame.name);
        self.check_length(&shown_name, "path", name.len())?;
        let path = normalize(&name).map_err(|why| hostile(layer, format!("entry {shown_name} {why}")))?;
        let mut kind = match frame.typeflag {
            b'0' => EntryKind::File,
            b'5' => EntryKind::Dir,
            b'2' => EntryKind::Symlink,
            b'1' => EntryKind::Hardlink,
            b'3' => return Err(hostile(layer, format!("entry {shown_name} is a character device"))),
            b'4' => return Err(hostile(layer, format!("entry {shown_name} is a block device"))),
            b'6' => return Err(bad(layer, format!("entry {shown_name} is a FIFO, which layers here cannot hold"))),
            other => {
                let why =
                    format!("entry {shown_name} has type {:?}, which container runtimes refuse", char::from(other));
                return Err(bad(layer, why));
            }
        };
        if path.is_empty() {
            // `./` itself: there is exactly one root, and a layer may not replace it with a file.
            return match kind {
                EntryKind::Dir => Ok(None),
                _ => Err(hostile(layer, format!("entry {shown_name} replaces the root directory"))),
            };
        }
        self.check_depth(&shown_name, "path", &path)?;
        // A marker is a leaf: `a/.wh.b/x` would put a whiteout name into the merged view.
        if let Some((parent, _)) = path.rsplit_once('/') {
            if parent.split('/').any(|c| c.starts_with(whiteout::PREFIX)) {
                return Err(hostile(layer, format!("entry {shown_name} lies inside a whiteout marker")));
            }
        }
        if self.seen.contains_key(&path) {
            return Err(hostile(layer, format!("entry {shown_name} appears twice in the layer")));
        }
        let uid = self.id(&shown_name, "uid", frame.uid)?;
        let gid = self.id(&shown_name, "gid", frame.gid)?;
        let mut target_path = path.clone();
        match whiteout::classify(&path) {
            Whiteout::None => {}
            Whiteout::Reserved => {
                self.seen.insert(path, 0);
                return Ok(None);
            }
            Whiteout::Opaque(dir) => {
                kind = EntryKind::Opaque;
                target_path = dir;
            }
            Whiteout::Delete(target) => {
                // `.wh..` would delete the parent's parent: normalization never saw it as `..`.
                if target.rsplit('/').next().is_some_and(|n| n == "." || n == "..") {
                    return Err(hostile(
                        layer,
                        format!("whiteout {shown_name} names {target:?}, outside its directory"),
                    ));
                }
                kind = EntryKind::Whiteout;
                target_path = target;
            }
        }
        let link = match kind {
            EntryKind::Symlink | EntryKind::Hardlink => Some(self.link(frame, &shown_name, &path, kind)?),
            _ => None,
        };
        let size = if kind == EntryKind::File { frame.size } else { 0 };
        let expands_to = match (&kind, &link) {
            (EntryKind::Hardlink, Some(target)) => self.seen.get(target).copied().unwrap_or(0),
            _ => size,
        };
        self.expanded = self.expanded.saturating_add(expands_to);
        if self.expanded > self.limits.max_expanded {
            let why = format!(
                "entry {shown_name} takes the layer past {} expanded bytes (limit max_expanded)",
                self.limits.max_expanded
            );
            return Err(hostile(layer, why));
        }
        self.seen.insert(path, size);
        let mode = (frame.mode & 0o7777) as u32;
        Ok(Some(Checked { path: target_path, name, kind, mode, size, uid, gid, link }))
    }

    /// A symlink's target as stored, or a hardlink's normalized layer path.
    fn link(&self, frame: &Frame, shown_name: &str, path: &str, kind: EntryKind) -> Result<String> {
        let layer = self.layer;
        let text = std::str::from_utf8(&frame.linkname)
            .map_err(|_| bad(layer, format!("entry {shown_name}: link target is not UTF-8")))?;
        self.check_length(shown_name, "link target", text.len())?;
        if kind == EntryKind::Symlink {
            if text.is_empty() {
                // symlink(2) refuses an empty target: the unpack would fail where the tree succeeds.
                return Err(hostile(layer, format!("symlink {shown_name} has an empty target")));
            }
            return Ok(text.to_string());
        }
        let target = normalize(text).map_err(|why| {
            hostile(layer, format!("hardlink {shown_name} → {}: target {why}", shown(text.as_bytes())))
        })?;
        if target == path {
            return Err(hostile(layer, format!("hardlink {shown_name} points to itself")));
        }
        if target.is_empty() {
            return Err(hostile(layer, format!("hardlink {shown_name} points at the root directory")));
        }
        self.check_depth(shown_name, "hardlink target", &target)?;
        Ok(target)
    }

    fn check_length(&self, shown_name: &str, what: &str, len: usize) -> Result<()> {
        if len > self.limits.max_path_len {
            let max = self.limits.max_path_len;
            return Err(hostile(
                self.layer,
                format!("entry {shown_name}: {what} of {len} bytes (limit max_path_len {max})"),
            ));
        }
        Ok(())
    }

    /// Depth, and each component within NAME_MAX: a longer name fails on disk
    /// (ENAMETOOLONG) while the in-memory tree would hold it.
    fn check_depth(&self, shown_name: &str, what: &str, path: &str) -> Result<()> {
        if let Some(long) = path.split('/').find(|c| c.len() > NAME_MAX) {
            let why = format!(
                "entry {shown_name}: {what} has a component of {} bytes (limit {NAME_MAX}, the file system's NAME_MAX)",
                long.len()
            );
            return Err(hostile(self.layer, why));
        }
        let depth = path.split('/').count();
        if depth > self.limits.max_path_depth {
            let max = self.limits.max_path_depth;
            let why = format!("entry {shown_name}: {what} of {depth} components (limit max_path_depth {max})");
            return Err(hostile(self.layer, why));
        }
        Ok(())
    }

    fn id(&self, shown_name: &str, what: &str, id: i64) -> Result<u64> {
        if !(0..UNSETTABLE_ID).contains(&id) {
            let why = format!("entry {shown_name}: {what} {id} cannot be set (chown takes 0 to 4294967294)");
            return Err(hostile(self.layer, why));
        }
        Ok(id as u64)
    }
}

//! What the layers carry: [`FileAudit`] applies them one by one and records deleted,
//! overwritten, secret-named, world-writable and set-id files, and the efficiency score (see the
//! parent module for how it is computed).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use serde::Serialize;

use super::is_secret_file_name;
use crate::apply::{LayerChanges, Node, NodeKind, Tree};
use crate::error::Result;
use crate::layer::Limits;
use crate::order::biggest_first;

/// A file a later layer deleted: gone from the container's view, still in the lower blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletedFile {
    pub path: String,
    pub added_in: usize,
    pub deleted_in: usize,
    /// Bytes still shipped (uncompressed).
    pub bytes: u64,
}

/// A file replaced by a later layer: the lower copy still ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverwrittenFile {
    pub path: String,
    pub lower_layer: usize,
    pub upper_layer: usize,
    /// The lower copy's bytes: shipped, never seen.
    pub lower_bytes: u64,
    pub upper_bytes: u64,
}

/// A secret-looking file name, where it was added and whether it is still visible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretFile {
    pub path: String,
    pub layer: usize,
    pub bytes: u64,
    /// Deleted by a later layer (then recoverable from layer `layer` only with `extract`).
    pub deleted_in: Option<usize>,
}

/// A path whose permission bits deserve a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModeFinding {
    pub path: String,
    pub kind: NodeKind,
    /// Permission bits, e.g. `0o4755` → 2541.
    pub mode: u32,
    /// `rwsr-xr-x`-style rendering.
    pub mode_text: String,
    pub uid: u64,
    pub gid: u64,
    /// The layer that last wrote the path.
    pub layer: usize,
}

/// The dive-style score (see the module docs) and the paths that cost the most.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Efficiency {
    /// Σ min / Σ total, 1.0 for an image with no file bytes.
    pub score: f64,
    /// Σ total: every file version's bytes in every layer (uncompressed).
    pub total_bytes: u64,
    /// Σ (total − min): bytes no container can see.
    pub wasted_bytes: u64,
    /// dive's "potential wasted space": Σ total over paths written in two or more layers.
    pub dive_wasted_bytes: u64,
    /// Paths with waste, biggest first (at most [`FileAudit::TOP`]).
    pub top: Vec<PathWaste>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathWaste {
    pub path: String,
    /// Versions (writes and deletions) across layers.
    pub versions: u32,
    pub total_bytes: u64,
    pub wasted_bytes: u64,
}

/// Everything [`FileAudit`] found.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub layers: usize,
    pub deleted: Vec<DeletedFile>,
    pub overwritten: Vec<OverwrittenFile>,
    pub secret_files: Vec<SecretFile>,
    pub world_writable: Vec<ModeFinding>,
    pub setid: Vec<ModeFinding>,
    pub efficiency: Efficiency,
    /// The merged view after the last layer.
    #[serde(skip)]
    pub tree: Tree,
}

#[derive(Debug, Clone, Copy)]
struct Version {
    kind: NodeKind,
    size: u64,
    layer: usize,
}

impl Version {
    fn of(node: &Node) -> Version {
        Version { kind: node.kind, size: node.size, layer: node.layer }
    }

    /// Bytes this entry stores in its layer: a hardlink shares another entry's.
    fn stored(&self) -> u64 {
        if self.kind == NodeKind::File {
            self.size
        } else {
            0
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PathStat {
    versions: u32,
    total: u64,
    min: u64,
}

/// Apply layers bottom-up with [`FileAudit::apply_layer`], then [`FileAudit::finish`].
#[derive(Debug, Default)]
pub struct FileAudit {
    tree: Tree,
    /// The merged view before the current layer, for the diff.
    live: BTreeMap<String, Version>,
    layers: usize,
    ledger: Ledger,
}

/// What the diffs found so far.
#[derive(Debug, Default)]
struct Ledger {
    stats: HashMap<String, PathStat>,
    deleted: Vec<DeletedFile>,
    overwritten: Vec<OverwrittenFile>,
    secret_files: Vec<SecretFile>,
}

impl FileAudit {
    /// How many paths [`Efficiency::top`] lists.
    pub const TOP: usize = 20;

    pub fn new() -> FileAudit {
        FileAudit::default()
    }

    /// Apply the next layer (gzip or plain tar); `name` names it in errors.
    pub fn apply_layer(&mut self, blob: impl Read, name: &str, limits: &Limits) -> Result<LayerChanges> {
        let index = self.layers;
        let changes = self.tree.apply_layer_named(blob, index, name, limits)?;
        self.layers += 1;
        self.diff(index);
        Ok(changes)
    }

    /// The merged view so far: what each path is after the layers applied up to now (the
    /// explorer reads the kinds of the paths a layer just wrote from it).
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Compare the merged view before and after layer `layer`.
    fn diff(&mut self, layer: usize) {
        let mut before = std::mem::take(&mut self.live).into_iter().peekable();
        let mut after = BTreeMap::new();
        for (path, node) in self.tree.iter() {
            // Paths before this one that are gone now: deleted by this layer.
            while let Some((old_path, _)) = before.peek() {
                if old_path.as_str() >= path {
                    break;
                }
                let (old_path, old) = before.next().expect("peeked");
                self.ledger.gone(old_path, old, layer);
            }
            let now = Version::of(node);
            let old = match before.peek() {
                Some((p, _)) if p == path => before.next().map(|(_, v)| v),
                _ => None,
            };
            if node.layer == layer {
                self.ledger.written(path, now, old, layer);
            }
            after.insert(path.to_string(), now);
        }
        for (old_path, old) in before {
            self.ledger.gone(old_path, old, layer);
        }
        self.live = after;
    }
}

impl Ledger {
    fn written(&mut self, path: &str, now: Version, old: Option<Version>, layer: usize) {
        let had_stats = self.stats.contains_key(path);
        if now.kind != NodeKind::Dir || had_stats {
            self.version(path, now.stored());
        }
        if let Some(old) = old.filter(|o| o.kind == NodeKind::File && o.size > 0 && o.layer < layer) {
            self.overwritten.push(OverwrittenFile {
                path: path.to_string(),
                lower_layer: old.layer,
                upper_layer: layer,
                lower_bytes: old.size,
                upper_bytes: now.stored(),
            });
        }
        if now.kind == NodeKind::File && is_secret_file_name(path) {
            self.secret_files.push(SecretFile { path: path.to_string(), layer, bytes: now.size, deleted_in: None });
        }
    }

    fn gone(&mut self, path: String, old: Version, layer: usize) {
        if old.kind == NodeKind::Dir && !self.stats.contains_key(&path) {
            return;
        }
        self.version(&path, 0);
        if old.kind == NodeKind::File {
            if let Some(s) = self.secret_files.iter_mut().rev().find(|s| s.path == path && s.deleted_in.is_none()) {
                s.deleted_in = Some(layer);
            }
            if old.size > 0 {
                self.deleted.push(DeletedFile { path, added_in: old.layer, deleted_in: layer, bytes: old.size });
            }
        }
    }

    fn version(&mut self, path: &str, size: u64) {
        let s = self.stats.entry(path.to_string()).or_default();
        s.min = if s.versions == 0 { size } else { s.min.min(size) };
        s.versions += 1;
        s.total += size;
    }
}

impl FileAudit {
    /// The findings, once every layer is applied.
    pub fn finish(self) -> FileReport {
        let (mut total, mut min, mut dive) = (0u64, 0u64, 0u64);
        let mut top = Vec::new();
        let ledger = self.ledger;
        for (path, s) in &ledger.stats {
            total += s.total;
            min += s.min;
            if s.versions >= 2 {
                dive += s.total;
            }
            if s.total > s.min {
                top.push(PathWaste {
                    path: path.clone(),
                    versions: s.versions,
                    total_bytes: s.total,
                    wasted_bytes: s.total - s.min,
                });
            }
        }
        let mut top = biggest_first(top, |p| (p.wasted_bytes, &p.path));
        top.truncate(Self::TOP);
        let efficiency = Efficiency {
            score: if total == 0 { 1.0 } else { min as f64 / total as f64 },
            total_bytes: total,
            wasted_bytes: total - min,
            dive_wasted_bytes: dive,
            top,
        };
        let mut world_writable = Vec::new();
        let mut setid = Vec::new();
        for (path, node) in self.tree.iter() {
            let finding = || ModeFinding {
                path: path.to_string(),
                kind: node.kind,
                mode: node.mode,
                mode_text: mode_text(node.kind, node.mode),
                uid: node.uid,
                gid: node.gid,
                layer: node.layer,
            };
            let sticky = node.mode & 0o1000 != 0;
            match node.kind {
                NodeKind::File if node.mode & 0o002 != 0 => world_writable.push(finding()),
                NodeKind::Dir if node.mode & 0o002 != 0 && !sticky => world_writable.push(finding()),
                _ => {}
            }
            if node.kind == NodeKind::File && node.mode & 0o6000 != 0 {
                setid.push(finding());
            }
        }
        let deleted = biggest_first(ledger.deleted, |d| (d.bytes, &d.path));
        let overwritten = biggest_first(ledger.overwritten, |o| (o.lower_bytes, &o.path));
        FileReport {
            layers: self.layers,
            deleted,
            overwritten,
            secret_files: ledger.secret_files,
            world_writable,
            setid,
            efficiency,
            tree: self.tree,
        }
    }
}

/// `ls -l` style permission text: `rwsr-xr-x`, `rwxrwxrwt`.
pub fn mode_text(kind: NodeKind, mode: u32) -> String {
    let t = match kind {
        NodeKind::Dir => 'd',
        NodeKind::Symlink => 'l',
        _ => '-',
    };
    let mut s = String::from(t);
    for (shift, special, set_char) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let x = bits & 1 != 0;
        s.push(match (mode & special != 0, x) {
            (true, true) => set_char,
            (true, false) => set_char.to_ascii_uppercase(),
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{write_tar, BuildOptions, Entry};

    fn layer(entries: Vec<Entry>) -> Vec<u8> {
        let mut out = Vec::new();
        write_tar(entries, &BuildOptions { mtime: 0, level: 6, threads: 1 }, &mut out).unwrap();
        out
    }

    #[test]
    fn file_audit_finds_deleted_overwritten_and_mode_problems() {
        let mut audit = FileAudit::new();
        let limits = Limits::default();
        let l0 = layer(vec![
            Entry::file("etc/big", 0o644, vec![1u8; 1000]),
            Entry::file("root/.ssh/id_rsa", 0o600, vec![2u8; 100]),
            Entry::file("bin/su", 0o4755, vec![3u8; 10]),
            Entry::file("srv/open", 0o666, vec![4u8; 10]),
            Entry::dir("tmp", 0o1777),
            Entry::dir("var/drop", 0o777),
            Entry::file("cache/a", 0o644, vec![5u8; 50]),
        ]);
        let l1 = layer(vec![Entry::file("etc/big", 0o644, vec![6u8; 10]), Entry::whiteout("root/.ssh/id_rsa")]);
        let l2 = layer(vec![Entry::whiteout("cache")]);
        for (i, l) in [l0, l1, l2].iter().enumerate() {
            audit.apply_layer(&l[..], &format!("#{i}"), &limits).unwrap();
        }
        let r = audit.finish();
        assert_eq!(
            r.deleted,
            [
                DeletedFile { path: "root/.ssh/id_rsa".into(), added_in: 0, deleted_in: 1, bytes: 100 },
                DeletedFile { path: "cache/a".into(), added_in: 0, deleted_in: 2, bytes: 50 },
            ]
        );
        assert_eq!(r.overwritten.len(), 1);
        assert_eq!((r.overwritten[0].path.as_str(), r.overwritten[0].lower_bytes), ("etc/big", 1000));
        assert_eq!(r.secret_files[0].deleted_in, Some(1));
        let ww: Vec<&str> = r.world_writable.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(ww, ["srv/open", "var/drop"], "/tmp has the sticky bit");
        assert_eq!(r.setid.len(), 1);
        assert_eq!(r.setid[0].mode_text, "-rwsr-xr-x");
        // total = 1000 + 10 (etc/big) + 100 + 0 (id_rsa) + 10 + 10 + 50 + 0 (cache/a);
        // min = 10 + 0 + 10 + 10 + 0.
        let e = &r.efficiency;
        assert_eq!((e.total_bytes, e.wasted_bytes), (1180, 1150));
        assert!((e.score - 30.0 / 1180.0).abs() < 1e-12);
        assert_eq!(e.dive_wasted_bytes, 1010 + 100 + 50);
        assert_eq!(e.top[0].path, "etc/big");
    }

    #[test]
    fn a_clean_image_scores_one_and_finds_nothing() {
        let mut audit = FileAudit::new();
        let l0 = layer(vec![Entry::file("a", 0o644, "x"), Entry::dir("tmp", 0o1777)]);
        let l1 = layer(vec![Entry::file("b", 0o755, "y")]);
        audit.apply_layer(&l0[..], "#0", &Limits::default()).unwrap();
        audit.apply_layer(&l1[..], "#1", &Limits::default()).unwrap();
        let r = audit.finish();
        assert!(r.deleted.is_empty() && r.overwritten.is_empty() && r.world_writable.is_empty() && r.setid.is_empty());
        assert_eq!(r.efficiency.score, 1.0);
    }
}

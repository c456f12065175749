//! The merged view in memory: what a container would see after mounting the layers.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;

use super::resolve::{resolve, resolve_dir, Found, Lookup};
use super::{LayerChanges, Removal};
use crate::error::{Error, Result};
use crate::layer::{for_each_entry, EntryKind, LayerEntry, Limits};
use crate::order::by_path;

/// What a path is in the merged view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    File,
    Dir,
    Symlink,
    /// Another name for a file: shares its contents, stores no bytes of its own in its layer.
    Hardlink,
}

/// One path of the merged view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Node {
    pub kind: NodeKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Content bytes (files and hardlinks; 0 otherwise).
    pub size: u64,
    /// Index of the layer that last wrote this path.
    pub layer: usize,
    /// Symlink target as stored, or the path a hardlink shares its contents with.
    pub link: Option<String>,
    /// File contents, kept only by a [`Tree::with_contents`] tree.
    #[serde(skip)]
    pub contents: Option<Vec<u8>>,
}

impl Node {
    fn implicit_dir(layer: usize) -> Node {
        Node { kind: NodeKind::Dir, mode: 0o755, uid: 0, gid: 0, size: 0, layer, link: None, contents: None }
    }
}

/// The union of layers applied so far: path → [`Node`]. Paths are normalized layer paths; the
/// root itself is implicit. Apply layers bottom-up with [`Tree::apply_layer`].
#[derive(Debug, Clone, Default)]
pub struct Tree {
    nodes: BTreeMap<String, Node>,
    keep_contents: bool,
}

impl Tree {
    /// A tree that records metadata only.
    pub fn new() -> Tree {
        Tree::default()
    }

    /// A tree that also keeps every file's contents in memory (small images, tests, the book).
    pub fn with_contents() -> Tree {
        Tree { keep_contents: true, ..Tree::default() }
    }

    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// All paths in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(path, node)| (path.as_str(), node))
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Apply one layer blob on top; `layer_index` is recorded on every path it writes and names
    /// the layer in errors (`#2`). On error the tree may be partly updated: start again from a
    /// clone if that matters.
    pub fn apply_layer(&mut self, blob: impl Read, layer_index: usize, limits: &Limits) -> Result<LayerChanges> {
        self.apply_layer_named(blob, layer_index, &format!("#{layer_index}"), limits)
    }

    /// [`Tree::apply_layer`] with a name for errors (a digest, a file name).
    pub fn apply_layer_named(
        &mut self,
        blob: impl Read,
        layer_index: usize,
        name: &str,
        limits: &Limits,
    ) -> Result<LayerChanges> {
        let mut pass = Pass::new(layer_index, name);
        let summary = for_each_entry(blob, name, limits, |entry| self.apply_entry(&mut pass, entry))?;
        Ok(pass.finish(summary))
    }

    fn apply_entry(&mut self, pass: &mut Pass, mut entry: LayerEntry<'_>) -> Result<()> {
        match entry.kind {
            EntryKind::Whiteout => {
                let target = resolve(self, &entry.path, &pass.name, &entry.name)?;
                if let Some(removal) = self.remove_lower(pass, &target, true) {
                    pass.deleted.push(removal);
                }
            }
            EntryKind::Opaque => {
                let dir = resolve_dir(self, &entry.path, &pass.name, &entry.name)?;
                if dir.is_empty() || self.nodes.get(&dir).is_some_and(|n| n.kind == NodeKind::Dir) {
                    let removal = self.remove_lower(pass, &dir, false);
                    pass.opaque.push(removal.unwrap_or(Removal { path: dir, ..Removal::default() }));
                }
            }
            EntryKind::File | EntryKind::Dir | EntryKind::Symlink | EntryKind::Hardlink => {
                let path = resolve(self, &entry.path, &pass.name, &entry.name)?;
                let node = self.node_for(pass, &mut entry)?;
                self.make_parents(pass, &path);
                self.put(pass, path, node);
            }
        }
        Ok(())
    }

    fn node_for(&self, pass: &Pass, entry: &mut LayerEntry<'_>) -> Result<Node> {
        let mut node = Node {
            kind: NodeKind::File,
            mode: entry.mode,
            uid: entry.uid,
            gid: entry.gid,
            size: entry.size,
            layer: pass.layer,
            link: entry.link.clone(),
            contents: None,
        };
        match entry.kind {
            EntryKind::Dir => node.kind = NodeKind::Dir,
            EntryKind::Symlink => node.kind = NodeKind::Symlink,
            EntryKind::Hardlink => {
                let link = entry.link.as_deref().unwrap_or_default();
                let target = resolve(self, link, &pass.name, &entry.name)?;
                let hostile = |why: &str| Error::HostileLayer {
                    layer: pass.name.clone(),
                    reason: format!("hardlink {:?} points to {link:?}, which {why}", entry.name),
                };
                let shared = match self.nodes.get(&target) {
                    None => return Err(hostile("does not exist")),
                    Some(n) if n.kind == NodeKind::Dir => return Err(hostile("is a directory")),
                    Some(n) => n,
                };
                node = if shared.kind == NodeKind::Symlink {
                    // link(2) does not follow a symlink: the new name is the same symlink, as the
                    // on-disk unpack (and every runtime) makes it. Resolving through it later
                    // must follow it there and here alike.
                    Node { layer: pass.layer, ..shared.clone() }
                } else {
                    // One inode, two names: the link has the target's metadata and contents.
                    Node { kind: NodeKind::Hardlink, layer: pass.layer, link: Some(target), ..shared.clone() }
                };
            }
            _ if self.keep_contents => {
                let mut bytes = Vec::with_capacity(entry.size.min(64 << 20) as usize);
                entry
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(format!("reading {:?} in layer {}", entry.name, pass.name), e))?;
                node.contents = Some(bytes);
            }
            _ => {}
        }
        Ok(node)
    }

    /// Make every ancestor of `path` a directory: missing ones appear (0755), and a
    /// non-directory in the way is replaced, as extracting the tar would do.
    fn make_parents(&mut self, pass: &mut Pass, path: &str) {
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            end += i;
            let dir = &path[..end];
            match self.nodes.get(dir) {
                Some(n) if n.kind == NodeKind::Dir => {}
                _ => self.put(pass, dir.to_string(), Node::implicit_dir(pass.layer)),
            }
            end += 1;
        }
    }

    /// Write one node, replacing what was there (a directory keeps its children only when it
    /// stays a directory).
    fn put(&mut self, pass: &mut Pass, path: String, node: Node) {
        let was_below =
            pass.removed.contains(&path) || (self.nodes.contains_key(&path) && !pass.written.contains(&path));
        let old_dir = self.nodes.get(&path).is_some_and(|n| n.kind == NodeKind::Dir);
        if old_dir && node.kind != NodeKind::Dir {
            for key in self.descendants(&path) {
                if let Some(old) = self.nodes.remove(&key) {
                    pass.replaced_lower(&key, old);
                }
            }
        }
        if let Some(old) = self.nodes.insert(path.clone(), node) {
            pass.replaced_lower(&path, old);
        }
        if pass.written.insert(path.clone()) {
            if was_below {
                pass.changed.push(path.clone());
            } else {
                pass.added.push(path.clone());
            }
            pass.protect_ancestors(&path);
        }
    }

    fn descendants(&self, dir: &str) -> Vec<String> {
        if dir.is_empty() {
            return self.nodes.keys().cloned().collect();
        }
        // Keys under `dir/` sort between `dir/` and `dir0` ('0' follows '/').
        self.nodes.range(format!("{dir}/")..format!("{dir}0")).map(|(k, _)| k.clone()).collect()
    }

    /// Remove what lower layers put at `path` (with `itself`) and below it, keeping what this
    /// layer wrote (whiteouts only act on lower layers, whatever the order in the tar).
    fn remove_lower(&mut self, pass: &mut Pass, path: &str, itself: bool) -> Option<Removal> {
        let mut keys = self.descendants(path);
        if itself {
            if !self.nodes.contains_key(path) {
                return None;
            }
            keys.push(path.to_string());
        }
        let mut removal = Removal { path: path.to_string(), ..Removal::default() };
        for key in keys {
            if pass.written.contains(&key) || pass.ancestors.contains(&key) {
                continue;
            }
            if let Some(node) = self.nodes.remove(&key) {
                removal.count(&node);
                pass.removed.insert(key);
            }
        }
        // Lower versions this layer already overwrote count as removed too, so the record is
        // the same whether the marker comes before or after the writes in the tar.
        for node in pass.take_replaced(path, itself) {
            removal.count(&node);
        }
        (removal.entries > 0).then_some(removal)
    }
}

impl Lookup for Tree {
    fn lookup(&self, path: &str) -> Result<Found> {
        if path.is_empty() {
            return Ok(Found::Dir);
        }
        Ok(match self.nodes.get(path) {
            None => Found::Missing,
            Some(n) => match n.kind {
                NodeKind::Dir => Found::Dir,
                NodeKind::Symlink => Found::Symlink(n.link.clone().unwrap_or_default()),
                NodeKind::File | NodeKind::Hardlink => Found::Other,
            },
        })
    }
}

impl Removal {
    fn count(&mut self, node: &Node) {
        self.entries += 1;
        if node.kind == NodeKind::File {
            self.files += 1;
            self.bytes += node.size;
        }
    }
}

/// Book-keeping while one layer is applied.
struct Pass {
    layer: usize,
    name: String,
    /// Paths this layer created or replaced: its own whiteouts leave them alone.
    written: HashSet<String>,
    /// Parents of written paths: kept by this layer's whiteouts too, or the writes would vanish.
    ancestors: HashSet<String>,
    /// Paths this layer's whiteouts removed: writing one again is a change, not an addition.
    removed: HashSet<String>,
    /// Lower-layer nodes this layer overwrote (contents dropped), for a later whiteout to count.
    replaced: BTreeMap<String, Node>,
    added: Vec<String>,
    changed: Vec<String>,
    deleted: Vec<Removal>,
    opaque: Vec<Removal>,
}

impl Pass {
    fn new(layer: usize, name: &str) -> Pass {
        Pass {
            layer,
            name: name.to_string(),
            written: HashSet::new(),
            ancestors: HashSet::new(),
            removed: HashSet::new(),
            replaced: BTreeMap::new(),
            added: Vec::new(),
            changed: Vec::new(),
            deleted: Vec::new(),
            opaque: Vec::new(),
        }
    }

    /// Remember `old` if it came from a lower layer (not an earlier write of this one).
    fn replaced_lower(&mut self, path: &str, mut old: Node) {
        if old.layer != self.layer && !self.written.contains(path) {
            old.contents = None;
            self.replaced.insert(path.to_string(), old);
        }
    }

    /// Take the remembered lower nodes at `path` (with `itself`) and below it.
    fn take_replaced(&mut self, path: &str, itself: bool) -> Vec<Node> {
        let mut keys: Vec<String> = if path.is_empty() {
            self.replaced.keys().cloned().collect()
        } else {
            self.replaced.range(format!("{path}/")..format!("{path}0")).map(|(k, _)| k.clone()).collect()
        };
        if itself && self.replaced.contains_key(path) {
            keys.push(path.to_string());
        }
        keys.iter().filter_map(|k| self.replaced.remove(k)).collect()
    }

    fn protect_ancestors(&mut self, path: &str) {
        let mut p = path;
        while let Some((parent, _)) = p.rsplit_once('/') {
            if !self.ancestors.insert(parent.to_string()) {
                break;
            }
            p = parent;
        }
    }

    fn finish(self, summary: crate::layer::LayerSummary) -> LayerChanges {
        LayerChanges {
            layer: self.layer,
            summary,
            added: by_path(self.added, |p| p),
            changed: by_path(self.changed, |p| p),
            deleted: by_path(self.deleted, |r| &r.path),
            opaque: by_path(self.opaque, |r| &r.path),
        }
    }
}

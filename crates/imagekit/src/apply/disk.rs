//! The merged view on disk: unpacking layers into a directory.
//!
//! Two promises:
//!
//! 1. Nothing is ever written outside the destination. Parents are resolved by
//!    [`resolve`](super::resolve) with `symlink_metadata`, so the OS never follows a symlink that
//!    came from a tarball; the last component is created with `O_EXCL` (`create_new`), which
//!    refuses to follow a symlink too; hardlink targets must resolve inside the root and exist.
//! 2. A bad layer loses nothing. Layers are applied in a fresh temporary directory beside the
//!    destination, which is renamed into place only when every layer applied; on error it is
//!    removed.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::resolve::{resolve, resolve_dir, Found, Lookup};
use super::staging::Staging;
use crate::digest::copy_large;
use crate::error::{Error, IoContext, Result};
use crate::layer::{for_each_entry, join, EntryKind, LayerEntry, LayerSummary, Limits};

/// Counts over all layers unpacked.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct UnpackStats {
    pub layers: usize,
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hardlinks: u64,
    /// Whiteout and opaque markers applied.
    pub whiteouts: u64,
    /// Paths (files or whole subtrees) the markers removed.
    pub removed: u64,
    /// File bytes written.
    pub bytes: u64,
}

/// Apply the layer blobs at `layers` (gzip or plain tar), bottom first, into `dest`, which must
/// not exist or be an empty directory.
pub fn unpack(layers: &[impl AsRef<Path>], dest: &Path, limits: &Limits) -> Result<UnpackStats> {
    let mut unpacker = Unpacker::new(dest, limits)?;
    for layer in layers {
        let path = layer.as_ref();
        let file = File::open(path).ctx(|| format!("opening layer {}", path.display()))?;
        unpacker.apply(file, &path.display().to_string())?;
    }
    unpacker.finish()
}

/// Unpacking step by step, for layers that come from readers (a registry, a layout).
pub struct Unpacker {
    dest: PathBuf,
    /// The staging directory; dropping it (on error) removes everything unpacked so far.
    staging: Staging,
    root: PathBuf,
    limits: Limits,
    /// Ownership is only ours to set when we are root.
    as_root: bool,
    /// Directory modes, applied last: a read-only directory must stay writable while later
    /// layers write into it.
    dir_modes: BTreeMap<String, u32>,
    stats: UnpackStats,
}

impl Unpacker {
    /// Check `dest` and create the staging directory beside it.
    pub fn new(dest: &Path, limits: &Limits) -> Result<Unpacker> {
        match fs::symlink_metadata(dest) {
            Ok(meta) if meta.is_dir() => {
                let mut listing = fs::read_dir(dest).ctx(|| format!("listing {}", dest.display()))?;
                if listing.next().is_some() {
                    let e = io::Error::new(io::ErrorKind::AlreadyExists, "choose a path that does not exist yet");
                    return Err(Error::io(format!("destination {} is not empty", dest.display()), e));
                }
            }
            Ok(_) => {
                let e = io::Error::new(io::ErrorKind::AlreadyExists, "choose a path that does not exist yet");
                return Err(Error::io(format!("destination {} is not a directory", dest.display()), e));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("reading {}", dest.display()), e)),
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).ctx(|| format!("creating {}", parent.display()))?;
        // Leftovers of unpacks killed before they finished go first (see `staging`).
        let staging = Staging::create(&parent)?;
        let root = staging.path().to_path_buf();
        let as_root = fs::metadata(&root).ctx(|| format!("reading {}", root.display()))?.uid() == 0;
        Ok(Unpacker {
            dest: dest.to_path_buf(),
            staging,
            root,
            limits: limits.clone(),
            as_root,
            dir_modes: BTreeMap::new(),
            stats: UnpackStats::default(),
        })
    }

    /// Apply the next layer. `name` names it in errors.
    pub fn apply(&mut self, blob: impl Read, name: &str) -> Result<LayerSummary> {
        let mut pass = Pass { name: name.to_string(), written: HashSet::new(), ancestors: HashSet::new() };
        let limits = self.limits.clone();
        let summary = for_each_entry(blob, name, &limits, |entry| self.apply_entry(&mut pass, entry))?;
        self.stats.layers += 1;
        Ok(summary)
    }

    /// Set directory modes and move the result to the destination.
    pub fn finish(self) -> Result<UnpackStats> {
        // Children before parents (reverse sorted order), so a read-only parent is set last.
        for (rel, mode) in self.dir_modes.iter().rev() {
            let path = self.root.join(rel);
            match fs::set_permissions(&path, Permissions::from_mode(*mode)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(Error::io(format!("setting the mode of {}", path.display()), e))
                }
                _ => {}
            }
        }
        fs::set_permissions(&self.root, Permissions::from_mode(0o755))
            .ctx(|| format!("setting the mode of {}", self.root.display()))?;
        let staged = self.staging.keep();
        if let Err(e) = fs::rename(&staged, &self.dest) {
            let _ = fs::remove_dir_all(&staged);
            return Err(Error::io(format!("moving the unpacked tree to {}", self.dest.display()), e));
        }
        Ok(self.stats)
    }

    fn view(&self) -> Disk<'_> {
        Disk { root: &self.root, dirs: &self.dir_modes }
    }

    fn apply_entry(&mut self, pass: &mut Pass, mut entry: LayerEntry<'_>) -> Result<()> {
        let layer = pass.name.clone();
        match entry.kind {
            EntryKind::Whiteout => {
                let target = resolve(&self.view(), &entry.path, &layer, &entry.name)?;
                self.stats.whiteouts += 1;
                self.remove_lower(pass, &target, true)
            }
            EntryKind::Opaque => {
                let dir = resolve_dir(&self.view(), &entry.path, &layer, &entry.name)?;
                self.stats.whiteouts += 1;
                self.remove_lower(pass, &dir, false)
            }
            EntryKind::File | EntryKind::Dir | EntryKind::Symlink | EntryKind::Hardlink => {
                let rel = resolve(&self.view(), &entry.path, &layer, &entry.name)?;
                // Check a hardlink's target before touching anything at `rel`.
                let link_source = match entry.kind {
                    EntryKind::Hardlink => Some(self.hardlink_source(pass, &entry)?),
                    _ => None,
                };
                self.make_parents(pass, &rel)?;
                self.write(pass, &rel, &mut entry, link_source)
                    .map_err(|e| e.into_error(|| format!("unpacking {:?} from layer {layer}", entry.name)))
            }
        }
    }

    /// The existing, non-directory path inside the root that a hardlink entry shares.
    fn hardlink_source(&self, pass: &Pass, entry: &LayerEntry<'_>) -> Result<PathBuf> {
        let link = entry.link.as_deref().unwrap_or_default();
        let target = resolve(&self.view(), link, &pass.name, &entry.name)?;
        let hostile = |why: &str| Error::HostileLayer {
            layer: pass.name.clone(),
            reason: format!("hardlink {:?} points to {link:?}, which {why}", entry.name),
        };
        match self.view().lookup(&target)? {
            Found::Missing => Err(hostile("does not exist")),
            Found::Dir => Err(hostile("is a directory")),
            Found::Symlink(_) | Found::Other => Ok(self.root.join(target)),
        }
    }

    /// Make every ancestor of `rel` a real directory: create missing ones, replace files.
    fn make_parents(&mut self, pass: &mut Pass, rel: &str) -> Result<()> {
        let mut end = 0;
        while let Some(i) = rel[end..].find('/') {
            end += i;
            let dir = &rel[..end];
            let path = self.root.join(dir);
            match self.view().lookup(dir)? {
                Found::Dir => {}
                found => {
                    if !matches!(found, Found::Missing) {
                        fs::remove_file(&path).ctx(|| format!("replacing {} by a directory", path.display()))?;
                    }
                    fs::create_dir(&path).ctx(|| format!("creating {}", path.display()))?;
                    self.dir_modes.insert(dir.to_string(), 0o755);
                    pass.wrote(dir);
                    self.stats.dirs += 1;
                }
            }
            end += 1;
        }
        Ok(())
    }

    fn write(
        &mut self,
        pass: &mut Pass,
        rel: &str,
        entry: &mut LayerEntry<'_>,
        link_source: Option<PathBuf>,
    ) -> Result<(), WriteError> {
        let path = self.root.join(rel);
        let existing = match fs::symlink_metadata(&path) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        let keep_dir = entry.kind == EntryKind::Dir && existing.as_ref().is_some_and(|m| m.is_dir());
        if let Some(meta) = existing.filter(|_| !keep_dir) {
            if meta.is_dir() {
                fs::remove_dir_all(&path)?;
                self.forget_dir_modes(rel);
            } else {
                fs::remove_file(&path)?;
            }
        }
        let ids = self.owner(entry)?;
        match entry.kind {
            EntryKind::Dir => {
                if !keep_dir {
                    fs::create_dir(&path)?;
                }
                self.chown(&path, ids)?;
                self.dir_modes.insert(rel.to_string(), entry.mode);
                self.stats.dirs += 1;
            }
            EntryKind::File => {
                // `create_new` is O_CREAT|O_EXCL: it fails rather than follow a symlink.
                let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
                self.stats.bytes += copy_large(entry.contents(), &mut file)?;
                drop(file);
                self.chown(&path, ids)?;
                // After chown, which clears set-id bits.
                fs::set_permissions(&path, Permissions::from_mode(entry.mode))?;
                self.stats.files += 1;
            }
            EntryKind::Symlink => {
                std::os::unix::fs::symlink(entry.link.as_deref().unwrap_or_default(), &path)?;
                self.chown(&path, ids)?;
                self.stats.symlinks += 1;
            }
            EntryKind::Hardlink => {
                // link(2) does not follow a symlink at the source; the source's parents are
                // already resolved inside the root.
                let source = link_source.expect("hardlink source checked");
                fs::hard_link(&source, &path)?;
                self.stats.hardlinks += 1;
            }
            EntryKind::Whiteout | EntryKind::Opaque => {
                unreachable!("markers are applied elsewhere")
            }
        }
        pass.wrote(rel);
        Ok(())
    }

    fn owner(&self, entry: &LayerEntry<'_>) -> Result<Option<(u32, u32)>, WriteError> {
        if !self.as_root {
            return Ok(None);
        }
        let id = |v: u64| u32::try_from(v).map_err(|_| WriteError::Bad(format!("uid/gid {v} is out of range")));
        Ok(Some((id(entry.uid)?, id(entry.gid)?)))
    }

    fn chown(&self, path: &Path, ids: Option<(u32, u32)>) -> io::Result<()> {
        match ids {
            Some((uid, gid)) => std::os::unix::fs::lchown(path, Some(uid), Some(gid)),
            None => Ok(()),
        }
    }

    /// A removed directory's pending mode must not land on whatever takes its name next.
    fn forget_dir_modes(&mut self, rel: &str) {
        self.dir_modes.remove(rel);
        let below: Vec<String> =
            self.dir_modes.range(format!("{rel}/")..format!("{rel}0")).map(|(k, _)| k.clone()).collect();
        for key in below {
            self.dir_modes.remove(&key);
        }
    }

    /// Remove what lower layers put at `rel` (with `itself`) and below it, keeping what this
    /// layer already wrote: whiteouts act on lower layers only, whatever the tar order.
    fn remove_lower(&mut self, pass: &Pass, rel: &str, itself: bool) -> Result<()> {
        let path = self.root.join(rel);
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => return Ok(()),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        if itself && !pass.protects(rel) {
            let removed = if meta.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
            removed.ctx(|| format!("removing {}", path.display()))?;
            self.forget_dir_modes(rel);
            self.stats.removed += 1;
            return Ok(());
        }
        if meta.is_dir() {
            for child in fs::read_dir(&path).ctx(|| format!("listing {}", path.display()))? {
                let child = child.ctx(|| format!("listing {}", path.display()))?;
                let name = child.file_name();
                let name = name.to_str().ok_or_else(|| {
                    Error::io(format!("listing {}", path.display()), io::Error::other("non-UTF-8 name"))
                })?;
                self.remove_lower(pass, &join(rel, name), true)?;
            }
        }
        Ok(())
    }
}

/// Errors while writing one entry, before the entry's name is attached.
enum WriteError {
    Io(io::Error),
    Bad(String),
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        WriteError::Io(e)
    }
}

impl WriteError {
    fn into_error(self, context: impl FnOnce() -> String) -> Error {
        match self {
            WriteError::Io(e) => Error::io(context(), e),
            WriteError::Bad(why) => Error::io(context(), io::Error::new(io::ErrorKind::InvalidData, why)),
        }
    }
}

/// What one layer has written so far.
struct Pass {
    name: String,
    written: HashSet<String>,
    ancestors: HashSet<String>,
}

impl Pass {
    fn wrote(&mut self, rel: &str) {
        self.written.insert(rel.to_string());
        let mut p = rel;
        while let Some((parent, _)) = p.rsplit_once('/') {
            if !self.ancestors.insert(parent.to_string()) {
                break;
            }
            p = parent;
        }
    }

    fn protects(&self, rel: &str) -> bool {
        self.written.contains(rel) || self.ancestors.contains(rel)
    }
}

/// The staging directory as the resolver sees it.
struct Disk<'a> {
    root: &'a Path,
    /// Every directory this unpack created and has not removed: a real directory, never a
    /// symlink, so its lookup needs no system call. Without this, each entry would cost one
    /// `lstat` per ancestor, each walking the whole prefix: quadratic in the depth.
    dirs: &'a BTreeMap<String, u32>,
}

impl Lookup for Disk<'_> {
    fn lookup(&self, rel: &str) -> Result<Found> {
        if rel.is_empty() || self.dirs.contains_key(rel) {
            return Ok(Found::Dir);
        }
        let path = self.root.join(rel);
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
                return Ok(Found::Missing)
            }
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        Ok(if meta.is_dir() {
            Found::Dir
        } else if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).ctx(|| format!("reading link {}", path.display()))?;
            Found::Symlink(target.to_string_lossy().into_owned())
        } else {
            Found::Other
        })
    }
}

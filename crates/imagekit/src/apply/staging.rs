//! The staging directory an unpack writes into, beside its destination, and what a killed
//! unpack leaves behind.
//!
//! A lock file is made first (`.unpack-XXXX.lock`, held with `flock` for as long as the unpack
//! runs), then the directory named after it (`.unpack-XXXX`). So a staging directory whose lock
//! file is missing or free belongs to a process that is gone: the next unpack into the same
//! parent removes it before it starts, and nothing of a `kill -9` stays for long.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};

const PREFIX: &str = ".unpack-";
const LOCK: &str = ".lock";

pub(super) struct Staging {
    /// None once the directory was moved into place.
    dir: Option<PathBuf>,
    lock_path: PathBuf,
    _lock: File,
}

impl Staging {
    pub(super) fn create(parent: &Path) -> Result<Staging> {
        clean_leftovers(parent)?;
        let lock = tempfile::Builder::new()
            .prefix(PREFIX)
            .suffix(LOCK)
            .tempfile_in(parent)
            .ctx(|| format!("creating a staging lock in {}", parent.display()))?;
        lock.as_file().lock().ctx(|| format!("locking {}", lock.path().display()))?;
        let (file, path) = lock.keep().map_err(|e| Error::io("keeping the staging lock", e.error))?;
        let name = path.file_name().expect("a file").to_string_lossy().to_string();
        let dir = parent.join(name.strip_suffix(LOCK).expect("named with the suffix"));
        if let Err(e) = fs::create_dir(&dir) {
            let _ = fs::remove_file(&path);
            return Err(Error::io(format!("creating {}", dir.display()), e));
        }
        Ok(Staging { dir: Some(dir), lock_path: path, _lock: file })
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.as_deref().expect("not yet kept")
    }

    /// Give up ownership of the directory (it is about to be renamed into place).
    pub(super) fn keep(mut self) -> PathBuf {
        self.dir.take().expect("kept once")
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = fs::remove_dir_all(dir);
        }
        let _ = fs::remove_file(&self.lock_path);
    }
}

/// Remove the staging directories (and locks) of unpacks that are no longer running; returns
/// the directories removed.
pub fn clean_leftovers(parent: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let entries = match fs::read_dir(parent) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(Error::io(format!("listing {}", parent.display()), e)),
    };
    for entry in entries {
        let entry = entry.ctx(|| format!("listing {}", parent.display()))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.starts_with(PREFIX) {
            continue;
        }
        if let Some(dir_name) = name.strip_suffix(LOCK) {
            // A lock whose directory is gone: the unpack was killed after it made the lock and
            // before the directory, or after it removed the directory. Free means abandoned.
            // (A process that made its lock a moment ago and has not taken it yet would lose
            // it here; its staging directory is then unprotected and a concurrent unpack may
            // remove it, which makes that unpack fail loudly, never write a wrong tree.)
            let orphan = !parent.join(dir_name).exists();
            if orphan && File::open(entry.path()).is_ok_and(|lock| lock.try_lock().is_ok()) {
                let _ = fs::remove_file(entry.path());
            }
            continue;
        }
        let lock_path = parent.join(format!("{name}{LOCK}"));
        let abandoned = match File::open(&lock_path) {
            Ok(lock) => lock.try_lock().is_ok(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(_) => false,
        };
        if abandoned && entry.file_type().is_ok_and(|t| t.is_dir()) {
            fs::remove_dir_all(entry.path()).ctx(|| format!("removing {}", entry.path().display()))?;
            let _ = fs::remove_file(&lock_path);
            removed.push(entry.path());
        }
    }
    Ok(removed)
}

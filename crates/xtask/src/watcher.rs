//! Saved files, as the kernel reports them (inotify through `notify`), for `watch` and `serve`.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use crate::util::{Context, Result};

/// A save often touches files in a burst (editors write, rename, chmod): one change is reported
/// once the burst has been quiet for this long.
const SETTLE: Duration = Duration::from_millis(150);

/// Watches files and folders (recursively) for writes, creations, removals and renames.
pub struct Changes {
    _watcher: notify::RecommendedWatcher,
    events: Receiver<()>,
}

impl Changes {
    pub fn watch(paths: &[PathBuf]) -> Result<Changes> {
        let (send, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            // Reads are events too (cargo opens every source it compiles): only changes count.
            if event.is_ok_and(|e| !matches!(e.kind, EventKind::Access(_))) {
                let _ = send.send(());
            }
        })
        .context("starting the file watcher")?;
        for path in paths.iter().filter(|p| p.exists()) {
            watcher.watch(path, RecursiveMode::Recursive).with_context(|| format!("watching {}", path.display()))?;
        }
        Ok(Changes { _watcher: watcher, events })
    }

    /// Has anything changed since the last call? (Does not wait, except for a burst to settle.)
    pub fn changed(&self) -> bool {
        self.events.try_recv().is_ok() && self.settle()
    }

    /// Waits for the next change; false once the watcher is gone.
    pub fn next(&self) -> bool {
        self.events.recv().is_ok() && self.settle()
    }

    fn settle(&self) -> bool {
        while self.events.recv_timeout(SETTLE).is_ok() {}
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_a_save_once_and_ignores_reads() {
        let dir = std::env::temp_dir().join(format!("xtask-watcher-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("lib.rs");
        std::fs::write(&file, "fn a() {}").unwrap();
        let changes = Changes::watch(std::slice::from_ref(&dir)).unwrap();
        std::fs::read_to_string(&file).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert!(!changes.changed(), "a read counted as a change");
        std::fs::write(&file, "fn b() {}").unwrap();
        std::fs::write(&file, "fn c() {}").unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert!(changes.changed(), "a save went unnoticed");
        assert!(!changes.changed(), "one burst of saves was reported twice");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

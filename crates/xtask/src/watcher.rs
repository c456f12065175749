//! Saved files, as the kernel reports them (inotify through `notify`), for `watch` and `serve`;
//! and `serve`'s rebuilding of the book's WebAssembly modules when their Rust sources change.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use crate::util::{Context, Result};
use crate::{explorer, widget};

/// A module of the book built from Rust (the digest widget, the image explorer): what it is
/// called, what it is built from, and how to build it again.
struct Module {
    name: &'static str,
    sources: Vec<PathBuf>,
    build: fn(&Path) -> Result,
}

/// The book's WebAssembly modules in this checkout. Each is built from its crate and from
/// imagekit's core, so an edit to either rebuilds it.
fn modules(root: &Path) -> Vec<Module> {
    let core = root.join("crates/imagekit/src");
    let mut out = Vec::new();
    if widget::present(root) {
        let dir = widget::crate_dir(root);
        let sources = vec![dir.join("src"), dir.join("Cargo.toml"), core.clone()];
        out.push(Module { name: "the widget", sources, build: |root| widget::build(root).map(drop) });
    }
    if explorer::present(root) {
        let dir = explorer::crate_dir(root);
        let sources = vec![dir.join("src"), dir.join("js"), dir.join("Cargo.toml"), core];
        out.push(Module { name: "the explorer", sources, build: |root| explorer::build_worker(root).map(drop) });
    }
    out
}

/// While `serve` runs: rebuilds each WebAssembly module of the book when its sources change,
/// one thread each. mdbook watches src/ (the generated scripts land in src/widget/gen/ and
/// src/explorer/gen/, which their own .gitignore keeps out of git but not out of mdbook's
/// sight, so open pages reload), book.toml's extra-watch-dirs and theme/; it cannot know that
/// a Rust edit changes a module. A failed build is reported and the page keeps the last good one.
pub fn rebuild_modules_on_change(root: &Path) -> Result {
    for module in modules(root) {
        let changes = Changes::watch(&module.sources)?;
        let root = root.to_path_buf();
        std::thread::spawn(move || {
            while changes.next() {
                println!("\nserve: {}'s sources changed; rebuilding its module", module.name);
                match (module.build)(&root) {
                    Ok(()) => println!("serve: {} rebuilt (open pages reload if its module changed)", module.name),
                    Err(e) => {
                        eprintln!("serve: {} did not build (the page keeps the last good one): {e:#}", module.name)
                    }
                }
            }
        });
    }
    Ok(())
}

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

    #[test]
    fn serve_rebuilds_both_modules_from_their_crates_and_the_core() {
        let root = crate::util::root();
        let modules = modules(&root);
        assert_eq!(modules.iter().map(|m| m.name).collect::<Vec<_>>(), ["the widget", "the explorer"]);
        for m in &modules {
            assert!(m.sources.iter().all(|p| p.exists()), "{}: {:?}", m.name, m.sources);
            assert!(m.sources.contains(&root.join("crates/imagekit/src")), "{}: the core", m.name);
        }
    }
}

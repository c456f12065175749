//! `mdbook serve` on a copy of the book's sources, as `cargo xtask serve` runs it (figures from the
//! cache, the same watched folders), for `bench book` and for the `reload` test stage. A copy, so
//! that edits made to measure or test a reload never touch the repository's files.
//!
//! `cargo xtask test reload` (and the stage `reload` of `cargo xtask test`) opens served pages in
//! headless Chromium (`crates/xtask/browser/reload.test.cjs`), saves an edit to the page's
//! markdown, to an exercise's hints.md, and to the widget's and the explorer's generated modules
//! (what `serve` rewrites when their Rust changes: watcher.rs), and requires each
//! open page to reload by itself over mdBook's websocket and show the edit.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::figures::{Figures, Session};
use crate::util::{self, bail, Context, Result};
use crate::widget;

/// The reload test, relative to the root.
const SCRIPT: &str = "crates/xtask/browser/reload.test.cjs";
/// Waiting longer than this is a failure (of startup or of a reload), not a slow measurement.
const TIMEOUT: Duration = Duration::from_secs(60);
/// What the copy holds: everything `mdbook serve` reads or watches.
const PARTS: [&str; 6] = ["book.toml", "src", "theme", "demo", "exercises", ".gitignore"];

/// A running `mdbook serve` of a copy of the book, killed when dropped.
pub struct Served {
    child: Child,
    /// The copy's root (book.toml, src/, …); the book is rendered into `copy/book/`.
    pub copy: PathBuf,
    /// `http://127.0.0.1:PORT/`.
    pub origin: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Copies the book's sources under target/served/NAME and serves them on a free port once
    /// mdBook watches for changes.
    pub fn start(root: &Path, name: &'static str) -> Result<Served> {
        let bin_dir = util::build_cli(root)?;
        if widget::present(root) {
            widget::build(root)?;
        }
        if crate::explorer::present(root) {
            crate::explorer::build(root, &bin_dir)?;
        }
        let work = util::target_dir(root).join("served").join(name);
        util::fresh_dir(&work)?;
        let copy = work.join("book-src");
        fs::create_dir_all(&copy).with_context(|| format!("creating {}", copy.display()))?;
        // `cp -a` keeps modification times, so the copy's figures are the repository's cached ones.
        let mut cp = Command::new("cp");
        cp.arg("-a");
        for part in PARTS {
            cp.arg(root.join(part));
        }
        util::run(cp.arg(&copy))?;
        let scratch = work.join("scratch");
        util::fresh_dir(&scratch)?;
        let figures = Figures::prepare(&copy, Session { name, fresh: false, log: None }, &bin_dir, &scratch)?;
        figures.prerun(&copy)?;

        let port = testbed::free_port().context("finding a free port")?;
        let log = work.join("mdbook-serve.log");
        let log_file = fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new("mdbook")
            .args(["serve", "--hostname", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(&copy)
            .envs(figures.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .with_context(|| "starting mdbook serve")?;
        let served = Served { child, copy, origin: format!("http://127.0.0.1:{port}/") };
        // mdBook's poll watcher says "Watching", its native one "Listening".
        let watching = |l: &str| l.contains("Watching for changes") || l.contains("Listening for changes");
        wait_for(|| fs::read_to_string(&log).is_ok_and(|l| watching(&l)), "mdbook serve to start")?;
        Ok(served)
    }

    /// Appends a line holding `text` to `source` (relative to the copy), as a save in an editor.
    pub fn append(&self, source: &str, text: &str) -> Result {
        let path = self.copy.join(source);
        let mut content = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if !content.ends_with('\n') {
            content.push('\n');
        }
        content.push_str(text);
        content.push('\n');
        fs::write(&path, content).with_context(|| format!("writing {}", path.display()))
    }
}

/// Polls `done` every 10 ms; fails after a minute.
pub fn wait_for(mut done: impl FnMut() -> bool, what: &str) -> Result {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > TIMEOUT {
            bail!("gave up waiting for {what} after {} s", TIMEOUT.as_secs());
        }
        util::check_interrupted()?;
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// `cargo xtask test reload`: open pages reload by themselves after edits to a page, an
/// exercise's hints and the widget's module.
pub fn check_reload(root: &Path) -> Result {
    let Some(chromium) = widget::browser_tools(root, "reload test")? else {
        return Ok(());
    };
    let served = Served::start(root, "reload-test")?;
    util::run(
        Command::new("node")
            .arg(root.join(SCRIPT))
            .env("NODE_PATH", widget::node_dir(root).join("node_modules"))
            .env("CHROMIUM", chromium)
            .env("SERVE_ORIGIN", &served.origin)
            .env("COPY_DIR", &served.copy),
    )
}

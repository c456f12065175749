//! `cargo xtask test browser` (and the `browser` stage of `cargo xtask test`): a reader's walk
//! through the whole built book in headless Chromium, `crates/xtask/browser/walk.test.cjs`. Every
//! page the sidebar lists, then print.html: no console errors or failed requests, figures and
//! images rendered, code blocks filled by cmdrun, one h1 and the chapter's title, working anchors,
//! the digest widget hashing what is typed, speaker notes folded and never printed, and search.
//!
//! Same tools as the widget's browser test (widget.rs): node with playwright-core from
//! target/widget-node/, and Debian's Chromium. `WALK_SELF_TEST=1` first walks a copy of the book
//! with faults injected and fails unless each is reported.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, bail, Result};
use crate::widget;

/// The walk, relative to the root.
const SCRIPT: &str = "crates/xtask/browser/walk.test.cjs";

/// The built book: `XTASK_BOOK_DIR` when set (to walk a copy while book/ is being rebuilt),
/// else book/.
fn book_dir(root: &Path) -> PathBuf {
    match std::env::var_os("XTASK_BOOK_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("book"),
    }
}

/// Walks every page of the built book in headless Chromium. `self_test` (the test stage, so CI)
/// first proves the walk fails on a copy with faults injected (~15 s more).
pub fn walk(root: &Path, self_test: bool) -> Result {
    let book = book_dir(root);
    if !book.join("index.html").is_file() {
        bail!("{}/index.html is missing: run `cargo xtask build` first", util::rel(root, &book));
    }
    let Some(chromium) = widget::browser_tools(root, "book walk")? else {
        return Ok(());
    };
    let mut node = Command::new("node");
    node.arg(root.join(SCRIPT))
        .env("NODE_PATH", widget::node_dir(root).join("node_modules"))
        .env("CHROMIUM", chromium)
        .env("BOOK_DIR", &book);
    if self_test {
        node.env("WALK_SELF_TEST", "1");
    }
    util::run(&mut node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_script_is_where_walk_runs_it() {
        assert!(util::root().join(SCRIPT).is_file());
    }
}

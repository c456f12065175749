//! `cargo xtask build` / `serve`: the book, with the `imagekit` binary its cmdrun lines run.
//!
//! mdbook-cmdrun 0.7.3 never fails a build: it ignores exit codes (unless a line asks with `-0`
//! or `--strict`, and even then it only writes `**cmdrun error**` into the page) and drops stderr.
//! So `build` checks for itself:
//!
//! - cmdrun runs each command as `sh -c COMMAND`, finding `sh` on PATH. During the build a small
//!   `sh` placed first on PATH hands it to xtask (figures.rs), which runs it (or replays the
//!   page's cached figures) and logs its folder, exit status, stdout and stderr. Each command
//!   must exit 0 (or the code its line expects) and print something.
//! - The rendered pages must not contain cmdrun's error marker, nor an unexpanded `<!-- cmdrun`.
//! - The rendered prose (outside code) must not contain placeholders: TODO, TBD, lorem ipsum,
//!   coming soon.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup;
use crate::util::{self, anyhow, bail, Context, Result};
use crate::widget;
use crate::{cmdrun, figures, html};

/// The book's output folder (mdBook's default `build-dir`).
const BOOK_DIR: &str = "book";

/// A fresh `IMAGEKIT_SCRATCH` folder: the book's commands write their demo images there.
fn fresh_scratch(root: &Path, name: &str) -> Result<PathBuf> {
    let dir = util::target_dir(root).join(name);
    util::fresh_dir(&dir)?;
    Ok(dir)
}

fn require_tools(root: &Path) -> Result {
    if !root.join("book.toml").is_file() {
        bail!("{} not found", root.join("book.toml").display());
    }
    let missing = setup::missing_of(root, |name| name.starts_with("mdbook"));
    if missing.is_empty() {
        Ok(())
    } else {
        Err(anyhow!("missing book tools: {} (run `cargo xtask setup`)", missing.join(", ")))
    }
}

/// `cargo xtask build [--fresh]`: the CLI, the widget, then the book, then the checks.
/// `fresh`: run every cmdrun line instead of replaying unchanged pages (see figures.rs).
pub fn build(root: &Path, fresh: bool) -> Result {
    require_tools(root)?;
    let bin_dir = util::build_cli(root)?;
    if widget::present(root) {
        widget::build(root)?;
    }
    // Issue 15: the explorer page's worker and preloaded image (src/explorer/gen/).
    if crate::explorer::present(root) {
        crate::explorer::build(root, &bin_dir)?;
    }
    // Issue 14: the exercise pages include their code from these views of the stubs.
    crate::stub_pages::write_views(root)?;
    let scratch = fresh_scratch(root, "book-scratch")?;
    let log_dir = util::target_dir(root).join("xtask").join("cmdrun-log");
    util::fresh_dir(&log_dir)?;
    let session = figures::Session { name: "build", fresh, log: Some(log_dir.clone()) };
    let figures = figures::Figures::prepare(root, session, &bin_dir, &scratch)?;
    let start = std::time::Instant::now();
    let pages = figures.prerun(root)?;
    if pages > 0 {
        println!("figures: ran {pages} page(s) in {}, two at a time", util::secs(start.elapsed()));
    }

    let mut mdbook = Command::new("mdbook");
    mdbook.arg("build").current_dir(root).envs(figures.env.iter().map(|(k, v)| (k, v)));
    util::run(&mut mdbook)?;
    // issue 13: the quizzes' asset links in print.html (crates/bookkit/src/quiz_print.rs).
    crate::quiz_print::fix_print_links(&root.join(BOOK_DIR))?;

    check(root, &root.join(BOOK_DIR), &log_dir)
}

/// The `book` stage of `cargo xtask test`: a fresh build (every figure runs), then a build that
/// replays every page, which must render every page byte for byte the same: the cache must never
/// show what a fresh build would not.
pub fn build_then_replay(root: &Path) -> Result {
    build(root, true)?;
    let fresh = rendered_pages(root)?;
    println!("\nbook: again, replaying the figures just recorded");
    build(root, false)?;
    let replayed = rendered_pages(root)?;
    let differ: Vec<String> = fresh
        .iter()
        .filter(|(path, text)| replayed.iter().find(|(p, _)| p == path).map(|(_, t)| t) != Some(text))
        .map(|(path, _)| util::rel(root, path))
        .collect();
    if differ.is_empty() && fresh.len() == replayed.len() {
        println!("book: all {} pages are the same when replayed", fresh.len());
        Ok(())
    } else {
        Err(anyhow!("replayed figures changed {} page(s): {}", differ.len(), differ.join(", ")))
    }
}

fn rendered_pages(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    cmdrun::files_with_ext(&root.join(BOOK_DIR), "html", &mut files)?;
    files
        .into_iter()
        .map(|f| fs::read_to_string(&f).with_context(|| format!("reading {}", f.display())).map(|t| (f, t)))
        .collect()
}

/// `cargo xtask serve`: setup, the CLI, and `mdbook serve` with live reload. Unchanged pages'
/// figures come from the cache (figures.rs), so the first build and each reload take well
/// under a second once a build has run; serve has its own scratch folder and session, so a
/// `cargo xtask build` meanwhile does not disturb it.
pub fn serve(root: &Path) -> Result {
    setup::setup(root)?;
    require_tools(root)?;
    let bin_dir = util::build_cli(root)?;
    if widget::present(root) {
        widget::build(root)?;
    }
    // Issue 15: the explorer page's worker and preloaded image (src/explorer/gen/).
    if crate::explorer::present(root) {
        crate::explorer::build(root, &bin_dir)?;
    }
    crate::stub_pages::write_views(root)?; // issue 14: the exercise pages' code
    let scratch = fresh_scratch(root, "serve-scratch")?;
    println!("\nserving the book at http://127.0.0.1:3000 (live reload; Ctrl-C to stop)\n");
    let session = figures::Session { name: "serve", fresh: false, log: None };
    let figures = figures::Figures::prepare(root, session, &bin_dir, &scratch)?;
    figures.prerun(root)?;
    crate::watcher::rebuild_modules_on_change(root)?;
    let mut mdbook = Command::new("mdbook");
    mdbook
        .args(["serve", "--hostname", "127.0.0.1", "--port", "3000"])
        .current_dir(root)
        .envs(figures.env.iter().map(|(k, v)| (k, v)));
    util::run(&mut mdbook)
}

fn indent(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let shown = &lines[lines.len().saturating_sub(15)..];
    let mut out = String::new();
    if shown.len() < lines.len() {
        out.push_str("      …\n");
    }
    for l in shown {
        out.push_str("      ");
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// The rendered page for a source page: `src/07-x/index.md` → `book/07-x/index.html`.
fn html_for(root: &Path, book: &Path, page: &Path) -> PathBuf {
    let rel = page.strip_prefix(root.join("src")).unwrap_or(page);
    book.join(rel).with_extension("html")
}

/// Checks the built book; lists every problem found, then fails if there was any.
pub fn check(root: &Path, book: &Path, log_dir: &Path) -> Result {
    let mut problems = Vec::new();

    // 1. Every command the build ran: its exit status and its output.
    let mut pages = Vec::new();
    cmdrun::files_with_ext(&root.join("src"), "md", &mut pages)?;
    let mut lines = Vec::new();
    for page in &pages {
        let text = fs::read_to_string(page).with_context(|| format!("reading {}", page.display()))?;
        lines.extend(cmdrun::cmdrun_lines(page, &text));
    }
    let runs = figures::read_log(log_dir);
    let same_dir =
        |a: &Path, b: &Path| a == b || a.canonicalize().ok().is_some_and(|a| b.canonicalize().ok() == Some(a));
    for ran in &runs {
        let line =
            lines.iter().find(|l| l.command == ran.command && l.page.parent().is_some_and(|d| same_dir(d, &ran.cwd)));
        let place = match line {
            Some(l) => format!("{}:{}", util::rel(root, &l.page), l.line),
            None => format!("a page in {}", util::rel(root, &ran.cwd)),
        };
        let expected = line.and_then(|l| l.expected).unwrap_or(0);
        let mut what = Vec::new();
        if ran.status != Some(expected) {
            match ran.status {
                Some(code) => what.push(format!("exited with {code} (expected {expected})")),
                None => what.push("was killed".to_string()),
            }
        }
        if ran.stdout.trim().is_empty() {
            what.push("printed nothing on stdout (cmdrun drops stderr: add `2>&1` to show an error)".to_string());
        }
        if !what.is_empty() {
            let mut p = format!("{place}: `{}` {}", ran.command, what.join(" and "));
            if !ran.stderr.trim().is_empty() {
                p.push_str("\n    stderr:\n");
                p.push_str(indent(&ran.stderr).trim_end());
            }
            problems.push(p);
        }
    }
    for l in &lines {
        // Without a flag cmdrun ignores the exit status, and passes the command uncollapsed
        // while figures.rs's pre-run collapses whitespace as cmdrun does for flagged lines.
        if l.expected.is_none() {
            problems.push(format!(
                "{}:{}: `{}`: start the line with `cmdrun --strict` (or `--expect-return-code N`)",
                util::rel(root, &l.page),
                l.line,
                l.command
            ));
        }
        let rendered = html_for(root, book, &l.page).is_file();
        let ran = runs.iter().any(|r| r.command == l.command && l.page.parent().is_some_and(|d| same_dir(d, &r.cwd)));
        if rendered && !ran {
            problems.push(format!(
                "{}:{}: `{}` was not run by mdbook-cmdrun (is [preprocessor.cmdrun] in book.toml?)",
                util::rel(root, &l.page),
                l.line,
                l.command
            ));
        }
    }

    // 2. The rendered pages.
    let mut html = Vec::new();
    cmdrun::files_with_ext(book, "html", &mut html)?;
    if html.is_empty() {
        problems.push(format!("no HTML pages in {}", book.display()));
    }
    let mut checked = 0;
    for file in &html {
        // print.html repeats every page: its problems are reported on the pages themselves.
        if file.file_name().is_some_and(|n| n == "print.html") {
            continue;
        }
        checked += 1;
        let text = fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let name = util::rel(root, file);
        for marker in ["cmdrun error", "Fail to run shell"] {
            for at in find_all(&text, marker) {
                problems.push(format!("{name}: {}", html::snippet(&text, at)));
            }
        }
        for marker in ["<!-- cmdrun", "&lt;!-- cmdrun"] {
            for at in find_all(&text, marker) {
                let line = text[at..].lines().next().unwrap_or_default();
                problems.push(format!(
                    "{name}: a cmdrun comment was not run (cmdrun reads only one-line \
                     `<!-- cmdrun … -->`): {}",
                    html::decode(line).trim()
                ));
            }
        }
        for (word, at) in html::placeholders(&text) {
            problems.push(format!("{name}: placeholder text \"{word}\": …{}…", html::snippet(&text, at)));
        }
    }

    // 3. Links and anchors, print.html, speaker notes, search, empty blocks (checks.rs).
    problems.extend(crate::checks::check(root, book)?);

    if problems.is_empty() {
        let replayed = runs.iter().filter(|r| r.replayed).count();
        println!(
            "book: {} cmdrun figure(s) as expected ({} run, {replayed} replayed from unchanged pages; \
             `cargo xtask build --fresh` runs all); {checked} page(s) checked; open {}",
            runs.len(),
            runs.len() - replayed,
            book.join("index.html").display()
        );
        Ok(())
    } else {
        for p in &problems {
            eprintln!("  - {p}");
        }
        Err(anyhow!("the book has {} problem(s) (listed above)", problems.len()))
    }
}

fn find_all<'a>(text: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    text.match_indices(needle).map(|(i, _)| i)
}

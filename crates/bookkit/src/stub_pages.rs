//! Exercise pages show their code from the exercise's stub (issue 14): each step's section of
//! `exercises/NN-topic/src/lib.rs` is a region between `// ANCHOR: stepN_name` and
//! `// ANCHOR_END: stepN_name`, and `src/NN-topic/exercise.md` shows it with
//! `{{#include ../stubs/NN-topic.rs:stepN_name}}`, so a page cannot drift from its stub.
//!
//! The page includes a *view* of the stub, `src/stubs/NN-topic.rs`, that `cargo xtask build` and
//! `serve` write before mdBook runs (git-ignored), not `exercises/NN-topic/src/lib.rs` itself:
//! `src/lib.rs` is the learner's file. Once `cargo xtask solve NN` has copied the solution over
//! it (the solution has no anchors), or a learner has deleted an anchor line, mdBook would warn
//! and show nothing where the code was. So the view is the work tree's `src/lib.rs` while it
//! keeps every anchor of the committed stub (`git show HEAD:exercises/NN-topic/src/lib.rs`), so
//! an author sees an edited stub at the next build, and the committed stub otherwise: the page
//! never shows solution code, and never loses its code. Without git, the work tree's copy.
//!
//! [`check`] (a book check, run by `cargo xtask build` and `test`) fails when a region of a stub
//! is not on its page, a page includes an anchor the stub lacks or another file, a step has no
//! region, or a page shows Rust code written by hand.
//!
//! The figure cache (figures/page.rs) needs nothing from this: mdBook expands includes itself on
//! every build, and a page's figure key depends only on its cmdrun lines and the files they name.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::hint_pages::exercise_dirs;
use crate::util::{self, Context, Result};

/// Where the views are written, relative to the root; src/ so that `mdbook serve`'s copy of
/// the sources (served.rs) holds them too.
pub const VIEW_DIR: &str = "src/stubs";

/// The region names of a stub, in order (`// ANCHOR: name`).
pub fn anchors(text: &str) -> Vec<String> {
    marked(text, "ANCHOR:")
}

fn marked(text: &str, marker: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("//")?.trim().strip_prefix(marker).map(|n| n.trim().to_string()))
        .collect()
}

/// The text a page shows for exercise `dir`, and where it came from.
pub fn view(root: &Path, dir: &Path) -> Result<(String, &'static str)> {
    let lib = dir.join("src/lib.rs");
    let work = fs::read_to_string(&lib).with_context(|| format!("reading {}", lib.display()))?;
    let rel = util::rel(root, &lib);
    let committed = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", &format!("HEAD:{rel}")])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok());
    Ok(match committed {
        Some(head) if !keeps_anchors(&work, &head) => (head, "the committed stub"),
        _ => (work, "the work tree"),
    })
}

/// `work` has every region `head` has.
fn keeps_anchors(work: &str, head: &str) -> bool {
    let (starts, ends) = (anchors(work), marked(work, "ANCHOR_END:"));
    anchors(head).iter().all(|a| starts.contains(a) && ends.contains(a))
}

/// Writes every exercise's view (only where it changed, so `mdbook serve` is not woken for
/// nothing); says which came from the committed stub.
pub fn write_views(root: &Path) -> Result {
    let out = root.join(VIEW_DIR);
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for dir in exercise_dirs(root) {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let (text, from) = view(root, &dir)?;
        if from != "the work tree" {
            println!(
                "book: {name}'s src/lib.rs lacks some of the stub's `// ANCHOR:` lines (solved, or edited): \
                 its page shows {from}"
            );
        }
        let path = out.join(format!("{name}.rs"));
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}

/// Every problem found, over all exercises.
pub fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for dir in exercise_dirs(root) {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let page = root.join("src").join(&name).join("exercise.md");
        let (Ok(text), Ok((stub, _))) = (fs::read_to_string(&page), view(root, &dir)) else {
            problems.push(format!("{}: cannot read it or exercises/{name}/src/lib.rs", util::rel(root, &page)));
            continue;
        };
        problems.extend(check_page(root, &dir, &page, &text, &stub));
    }
    problems
}

fn check_page(root: &Path, dir: &Path, page: &Path, text: &str, stub: &str) -> Vec<String> {
    let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let page_name = util::rel(root, page);
    let stub_name = util::rel(root, &dir.join("src/lib.rs"));
    let wanted = format!("{{{{#include ../stubs/{name}.rs:ANCHOR}}}}");
    let regions = anchors(stub);
    let ends = marked(stub, "ANCHOR_END:");
    let mut problems = Vec::new();
    for region in &regions {
        if !ends.contains(region) {
            problems.push(format!("{stub_name}: `// ANCHOR: {region}` has no `// ANCHOR_END: {region}`"));
        }
    }

    // The page's Rust blocks: each one include, of a region of this exercise's stub.
    let mut shown: Vec<String> = Vec::new();
    let mut block: Option<(usize, bool)> = None; // (first line, holds an include)
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let trimmed = line.trim();
        if let Some((start, included)) = block {
            if trimmed == "```" {
                if !included {
                    problems.push(format!(
                        "{page_name}:{start}: Rust code written by hand: show the stub's code with {wanted}"
                    ));
                }
                block = None;
            } else if let Some(rest) = trimmed.strip_prefix("{{#include ").and_then(|r| r.strip_suffix("}}")) {
                block = Some((start, true));
                let (path, anchor) = rest.trim().rsplit_once(':').unwrap_or((rest.trim(), ""));
                if path != format!("../stubs/{name}.rs") {
                    problems.push(format!("{page_name}:{n}: includes {path}: show the stub's code with {wanted}"));
                } else if anchor.is_empty() {
                    problems.push(format!("{page_name}:{n}: includes all of {path}: name one of its regions"));
                } else if !regions.iter().any(|r| r == anchor) {
                    problems.push(format!("{page_name}:{n}: no region `{anchor}` in {stub_name}"));
                } else {
                    shown.push(anchor.to_string());
                }
            }
        } else if trimmed.starts_with("```rust") {
            block = Some((n, false));
        }
    }
    for region in &regions {
        if !shown.contains(region) {
            problems.push(format!(
                "{stub_name}: region `{region}` is not on {page_name}: add {}",
                wanted.replace("ANCHOR", region)
            ));
        }
    }

    // Every step has a region in its section of the stub (`// Step N (tests/stepN_….rs)`).
    let mut sections: Vec<(Vec<String>, bool)> = Vec::new();
    for line in stub.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("// Step") {
            let steps =
                trimmed.split("tests/").skip(1).filter_map(|s| s.split(".rs").next()).map(str::to_string).collect();
            sections.push((steps, false));
        } else if trimmed.starts_with("// ANCHOR:") {
            if let Some(last) = sections.last_mut() {
                last.1 = true;
            }
        }
    }
    for step in crate::hint_pages::steps(dir) {
        match sections.iter().find(|(steps, _)| steps.contains(&step)) {
            None => problems.push(format!("{stub_name}: no `// Step N (tests/{step}.rs)` section for {step}")),
            Some((_, false)) => problems
                .push(format!("{stub_name}: the section of {step} has no `// ANCHOR:` region for its page to show")),
            Some(_) => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const STUB: &str = "\
use std::fmt;

// ANCHOR: shared
pub const X: u8 = 1;
// ANCHOR_END: shared

// ----
// Step 1 (tests/step1_a.rs)
// ----

// ANCHOR: step1_a
pub fn a() {
    todo!()
}
// ANCHOR_END: step1_a

// ----
// Steps 2 and 3 (tests/step2_b.rs, tests/step3_c.rs)
// ----

// ANCHOR: step2_b
pub fn b() {
    todo!()
}
// ANCHOR_END: step2_b
";

    /// A throwaway exercise `exercises/07-demo` with three steps.
    fn fixture(tag: &str) -> (PathBuf, PathBuf) {
        let root = std::env::temp_dir().join(format!("xtask-stub-pages-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let dir = root.join("exercises/07-demo");
        fs::create_dir_all(dir.join("tests")).unwrap();
        for step in ["step1_a", "step2_b", "step3_c"] {
            fs::write(dir.join(format!("tests/{step}.rs")), "").unwrap();
        }
        (root, dir)
    }

    #[test]
    fn a_page_that_includes_every_region_agrees() {
        let (root, dir) = fixture("agrees");
        let page = root.join("src/07-demo/exercise.md");
        let text = "# Ex\n\n```rust,ignore\n{{#include ../stubs/07-demo.rs:shared}}\n```\n\n\
                    ```rust,ignore\n{{#include ../stubs/07-demo.rs:step1_a}}\n```\n\n```sh\ncargo test\n```\n\n\
                    ```rust,ignore\n{{#include ../stubs/07-demo.rs:step2_b}}\n```\n";
        assert_eq!(check_page(&root, &dir, &page, text, STUB), Vec::<String>::new());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn finds_a_page_that_drifts_from_its_stub() {
        let (root, dir) = fixture("drift");
        let page = root.join("src/07-demo/exercise.md");
        let text = "# Ex\n\n```rust,ignore\npub fn a();\n```\n\n\
                    ```rust,ignore\n{{#include ../../exercises/07-demo/src/lib.rs:step1_a}}\n```\n\n\
                    ```rust,ignore\n{{#include ../stubs/07-demo.rs:step9_z}}\n```\n\n\
                    ```rust,ignore\n{{#include ../stubs/07-demo.rs:step2_b}}\n```\n";
        let stub = STUB.replace("// ANCHOR: step1_a\n", "").replace("// ANCHOR_END: shared\n", "");
        let problems = check_page(&root, &dir, &page, text, &stub);
        let expected = [
            "exercises/07-demo/src/lib.rs: `// ANCHOR: shared` has no `// ANCHOR_END: shared`",
            "src/07-demo/exercise.md:3: Rust code written by hand",
            "src/07-demo/exercise.md:8: includes ../../exercises/07-demo/src/lib.rs",
            "src/07-demo/exercise.md:12: no region `step9_z` in exercises/07-demo/src/lib.rs",
            "exercises/07-demo/src/lib.rs: region `shared` is not on src/07-demo/exercise.md",
            "exercises/07-demo/src/lib.rs: the section of step1_a has no `// ANCHOR:` region",
        ];
        assert_eq!(problems.len(), expected.len(), "{}", problems.join("\n"));
        for (problem, start) in problems.iter().zip(expected) {
            assert!(problem.starts_with(start), "\n{problem}\ndoes not start with\n{start}");
        }
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn a_stub_that_lost_its_anchors_is_not_what_the_page_shows() {
        assert!(keeps_anchors(STUB, STUB));
        assert!(keeps_anchors(&STUB.replace("todo!()", "42"), STUB));
        assert!(!keeps_anchors("pub fn a() { 42 }\n", STUB)); // a solution: no anchors
        assert!(!keeps_anchors(&STUB.replace("// ANCHOR_END: step2_b\n", ""), STUB));
    }

    /// The workbook's own pages show every region of their stubs.
    #[test]
    fn the_workbook_pages_show_their_stubs() {
        let problems = check(&util::root());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

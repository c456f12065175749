//! Every step of an exercise (`exercises/NN-topic/tests/stepN_*.rs`) has its hints on the
//! exercise page (`src/NN-topic/exercise.md`), as one line
//! `<!-- cmdrun --strict ../../exercises/show-hints ../../exercises/NN-topic/hints.md stepN_* -->`
//! that names this exercise's `hints.md` and a step that exists, and no hint is written on the page
//! by hand (`hints.md` is the one source: `watch` and `progress` show it too). The page's code comes
//! from the stub through `{{#include}}`, so only the hints can drift. Each problem is one line
//! naming the page (and line) and what is wrong.

use std::fs;
use std::path::{Path, PathBuf};

use crate::cmdrun::{self, Line};
use crate::util;

/// Every problem found, over all exercises.
pub fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for dir in exercise_dirs(root) {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let page = root.join("src").join(&name).join("exercise.md");
        let page_name = util::rel(root, &page);
        match fs::read_to_string(&page) {
            Ok(text) => problems.extend(check_hints(root, &dir, &page, &page_name, &text)),
            Err(e) => problems.push(format!("{page_name}: cannot read the page of exercise {name}: {e}")),
        }
    }
    problems
}

/// `exercises/NN-*` folders that are crates, in order. (Listed here rather than with
/// `exercises::all`, which also puts back files a running `verify` has swapped out.)
pub(crate) fn exercise_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("exercises"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            let numbered =
                name.len() > 3 && name.as_bytes()[..2].iter().all(u8::is_ascii_digit) && name.as_bytes()[2] == b'-';
            numbered && p.join("Cargo.toml").is_file()
        })
        .collect();
    dirs.sort();
    dirs
}

/// `tests/stepN_*.rs` file stems, sorted.
pub(crate) fn steps(dir: &Path) -> Vec<String> {
    let mut steps: Vec<String> = fs::read_dir(dir.join("tests"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").filter(|s| s.starts_with("step")).map(str::to_string)
        })
        .collect();
    steps.sort();
    steps
}

fn check_hints(root: &Path, dir: &Path, page: &Path, page_name: &str, text: &str) -> Vec<String> {
    let steps = steps(dir);
    let page_dir = page.parent().unwrap_or(root);
    let hints_file = dir.join("hints.md");
    let hints_name = util::rel(root, &hints_file);
    let mut problems = Vec::new();
    // Step → the line that shows its hints.
    let mut shown: Vec<(String, usize)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.contains("<summary>Hint") {
            let n = i + 1;
            problems.push(format!(
                "{page_name}:{n}: a hint written by hand: hints live in {hints_name}; show them with \
                 `<!-- cmdrun --strict ../../exercises/show-hints ../../{hints_name} STEP -->`"
            ));
        }
    }
    for Line { line: n, command, expected, .. } in cmdrun::cmdrun_lines(page, text) {
        let words: Vec<&str> = command.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| w.ends_with("show-hints")) else { continue };
        let strict = if expected == Some(0) { "--strict " } else { "" };
        let place = format!("{page_name}:{n}: `cmdrun {strict}{command}`");
        if expected != Some(0) {
            problems.push(format!("{place} lacks `--strict`: a failure would go unnoticed in the page"));
        }
        let script = page_dir.join(words[at]);
        if !is_executable(&script) {
            problems.push(format!("{place}: {} is not an executable file", util::rel(root, &script)));
        }
        let &[file, step] = &words[at + 1..] else {
            problems.push(format!("{place}: show-hints takes two arguments, the hints file and the step"));
            continue;
        };
        if !same_file(&page_dir.join(file), &hints_file) {
            problems.push(format!("{place} names {file}, not this exercise's hints (../../{hints_name})"));
        }
        if !steps.iter().any(|s| s == step) {
            problems.push(format!(
                "{place}: no step {step} in {} (the steps are {})",
                util::rel(root, &dir.join("tests")),
                steps.join(", ")
            ));
        } else if let Some((_, first)) = shown.iter().find(|(s, _)| s == step) {
            problems.push(format!("{place} shows the hints of {step} again (line {first} does already)"));
        } else {
            shown.push((step.to_string(), n));
        }
    }
    for step in &steps {
        if !shown.iter().any(|(s, _)| s == step) {
            problems.push(format!(
                "{page_name}: no hints for {step} (tests/{step}.rs): add \
                 `<!-- cmdrun --strict ../../exercises/show-hints ../../{hints_name} {step} -->` to its section"
            ));
        }
    }
    problems
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway repository: `exercises/07-demo` with two steps, and its page.
    struct Fixture(PathBuf);

    impl Fixture {
        fn new(tag: &str, page: &str) -> Fixture {
            let root = std::env::temp_dir().join(format!("xtask-hint-pages-{tag}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&root);
            let ex = root.join("exercises/07-demo");
            fs::create_dir_all(ex.join("tests")).unwrap();
            fs::create_dir_all(root.join("src/07-demo")).unwrap();
            fs::write(ex.join("Cargo.toml"), "[package]\nname = \"ex07-demo\"\n").unwrap();
            fs::write(ex.join("tests/step1_a.rs"), "").unwrap();
            fs::write(ex.join("tests/step2_b.rs"), "").unwrap();
            fs::write(ex.join("hints.md"), "# Hints\n").unwrap();
            fs::write(root.join("src/07-demo/exercise.md"), page).unwrap();
            fs::copy(util::root().join("exercises/show-hints"), root.join("exercises/show-hints")).unwrap();
            Fixture(root)
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_page_with_every_step_s_hints_has_no_problems() {
        let page = "# Ex\n\n## Step 1\n\n\
                    <!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step1_a -->\n\n\
                    ## Step 2\n\n\
                    <!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step2_b -->\n";
        let fixture = Fixture::new("agrees", page);
        assert_eq!(check(&fixture.0), Vec::<String>::new());
    }

    #[test]
    fn finds_hints_that_drift() {
        let page = "# Ex\n\n## Step 1\n\n\
                    <details>\n<summary>Hint 1</summary>\n\nBy hand.\n\n</details>\n\n\
                    <!-- cmdrun ../../exercises/show-hints ../../exercises/08-other/hints.md step1_a -->\n\
                    <!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step9_z -->\n\
                    <!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step1_a -->\n";
        let fixture = Fixture::new("drift", page);
        let problems = check(&fixture.0);
        let expected = [
            "src/07-demo/exercise.md:6: a hint written by hand",
            "src/07-demo/exercise.md:12: `cmdrun ../../exercises/show-hints ../../exercises/08-other/hints.md step1_a` lacks `--strict`",
            "src/07-demo/exercise.md:12: `cmdrun ../../exercises/show-hints ../../exercises/08-other/hints.md step1_a` names \
             ../../exercises/08-other/hints.md, not this exercise's hints (../../exercises/07-demo/hints.md)",
            "src/07-demo/exercise.md:13: `cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step9_z`: \
             no step step9_z in exercises/07-demo/tests (the steps are step1_a, step2_b)",
            "src/07-demo/exercise.md:14: `cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step1_a` \
             shows the hints of step1_a again (line 12 does already)",
            "src/07-demo/exercise.md: no hints for step2_b (tests/step2_b.rs): add \
             `<!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step2_b -->` to its section",
        ];
        assert_eq!(problems.len(), expected.len(), "{}", problems.join("\n"));
        for (problem, start) in problems.iter().zip(expected) {
            assert!(problem.starts_with(start), "\n{problem}\ndoes not start with\n{start}");
            assert!(!problem.contains('\n'), "{problem}");
        }
    }

    /// The workbook's own pages show every step's hints.
    #[test]
    fn the_workbook_pages_show_every_step_s_hints() {
        let problems = check(&util::root());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

//! The progressive hints beside each exercise: `exercises/NN-topic/hints.md`.
//!
//! One section per step, named after its test file, each with numbered hints:
//!
//! ```text
//! ## step1_digest
//!
//! ### Hint 1
//!
//! Where to look.
//!
//! ### Hint 2
//!
//! How to do it.
//! ```
//!
//! Text before the first `## ` heading (the file's title and intro) belongs to no step. Headings
//! inside fenced code blocks are text, not sections.
//!
//! The book's exercise pages show the same hints through `exercises/show-hints` (a POSIX sh + awk
//! script that mdbook-cmdrun runs), which follows these rules too: change both together. The tests
//! in `exercise_pages.rs` compare the two on every `hints.md` and on a file full of edge cases.

use std::path::Path;

/// The hints of one step, in order (Hint 1 first), each trimmed.
#[derive(Debug, PartialEq, Eq)]
pub struct StepHints {
    /// `step1_digest`.
    pub step: String,
    pub hints: Vec<String>,
}

/// Reads every step's hints from the text of a `hints.md`.
pub fn parse(text: &str) -> Vec<StepHints> {
    let mut steps: Vec<StepHints> = Vec::new();
    // The hint being written, if any (text under a `## step` before any `### Hint` is dropped).
    let mut current: Option<String> = None;
    let mut in_fence = false;
    let finish = |steps: &mut Vec<StepHints>, current: &mut Option<String>| {
        if let (Some(step), Some(text)) = (steps.last_mut(), current.take()) {
            step.hints.push(text.trim().to_string());
        }
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if let Some(name) = line.strip_prefix("## ") {
                finish(&mut steps, &mut current);
                steps.push(StepHints { step: name.trim().to_string(), hints: Vec::new() });
                continue;
            }
            if line.starts_with("### ") {
                finish(&mut steps, &mut current);
                if !steps.is_empty() {
                    current = Some(String::new());
                }
                continue;
            }
            if line.starts_with("# ") {
                finish(&mut steps, &mut current);
                continue;
            }
        }
        if let Some(text) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    finish(&mut steps, &mut current);
    steps
}

/// The hints for `step` in the exercise folder `dir` (empty if there are none).
pub fn for_step(dir: &Path, step: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("hints.md")).unwrap_or_default();
    parse(&text).into_iter().find(|s| s.step == step).map(|s| s.hints).unwrap_or_default()
}

/// `text` indented by `prefix` on every line, for showing a hint under a heading.
pub fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| if l.is_empty() { String::new() } else { format!("{prefix}{l}") })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HINTS: &str = "# Hints for exercise 07

One section per step.

## step1_digest

### Hint 1

Look at `sha2`.
Two lines.

### Hint 2

Use `format!`:

```rust
## not a heading
### nor this
```

## step2_tar

Intro text that is no hint.

### Hint 1

Sort the paths.
";

    #[test]
    fn reads_steps_and_hints_in_order() {
        let steps = parse(HINTS);
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].step, "step1_digest");
        assert_eq!(
            steps[0].hints,
            ["Look at `sha2`.\nTwo lines.", "Use `format!`:\n\n```rust\n## not a heading\n### nor this\n```"]
        );
        assert_eq!(steps[1], StepHints { step: "step2_tar".into(), hints: vec!["Sort the paths.".into()] });
    }

    #[test]
    fn no_sections_means_no_hints() {
        assert!(parse("# Title\n\nJust text.\n").is_empty());
        assert!(parse("").is_empty());
    }

    #[test]
    fn every_exercise_has_two_hints_per_step() {
        // Lists the folders itself: `exercises::all` would also put back files that a running
        // `verify` has swapped out.
        let root = crate::util::root();
        let mut dirs: Vec<_> = std::fs::read_dir(root.join("exercises"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("Cargo.toml").is_file() && p.join("tests").is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let hints =
                std::fs::read_to_string(dir.join("hints.md")).unwrap_or_else(|e| panic!("{name}: hints.md: {e}"));
            let parsed = parse(&hints);
            for entry in std::fs::read_dir(dir.join("tests")).unwrap().flatten() {
                let file = entry.file_name().to_string_lossy().into_owned();
                let Some(step) = file.strip_suffix(".rs").filter(|s| s.starts_with("step")) else { continue };
                let found = parsed.iter().find(|s| s.step == step);
                assert!(
                    found.is_some_and(|s| s.hints.len() >= 2 && s.hints.iter().all(|h| !h.is_empty())),
                    "exercises/{name}/hints.md: step {step} needs `## {step}` with `### Hint 1` and `### Hint 2`"
                );
            }
        }
    }
}

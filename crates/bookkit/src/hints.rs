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
//! Each `### ` heading starts the next hint (Hint 1, Hint 2, … whatever it says); a `# ` heading
//! ends the hint before it. If a step appears twice, the first one counts. The book's exercise
//! pages show the hints through `exercises/show-hints`, a thin wrapper over [`show`]
//! (`cargo xtask hints FILE STEP`): this is the only parser.

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

/// `cargo xtask hints FILE STEP`: prints a step's hints as the exercise pages show them, one
/// collapsed `<details>` block per hint. Errors are one `show-hints: FILE: …` line (exit 1, nothing
/// on stdout): mdbook-cmdrun drops stderr, and `--strict` fails the page on the exit status.
pub fn show(file: &Path, step: &str) -> ! {
    let result =
        std::fs::read_to_string(file).map_err(|e| format!("cannot read it: {e}")).and_then(|text| render(&text, step));
    match result {
        Ok(markdown) => {
            print!("{markdown}");
            std::process::exit(0)
        }
        Err(msg) => {
            eprintln!("show-hints: {}: {msg}", file.display());
            std::process::exit(1)
        }
    }
}

/// The markdown for `step`'s hints in the text of a hints.md.
fn render(text: &str, step: &str) -> Result<String, String> {
    let steps = parse(text);
    let Some(found) = steps.iter().find(|s| s.step == step) else {
        return Err(format!("no step `{step}` (no `## {step}` heading)"));
    };
    if found.hints.is_empty() {
        return Err(format!("step `{step}` has no hints (no `### Hint 1` under `## {step}`)"));
    }
    if let Some(i) = found.hints.iter().position(String::is_empty) {
        return Err(format!("step `{step}`: Hint {} is empty", i + 1));
    }
    let blocks: Vec<String> = found
        .hints
        .iter()
        .enumerate()
        .map(|(i, hint)| format!("<details>\n<summary>Hint {}</summary>\n\n{hint}\n\n</details>\n", i + 1))
        .collect();
    Ok(blocks.join("\n"))
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
    fn renders_a_step_as_the_pages_show_it() {
        assert_eq!(
            render(HINTS, "step2_tar").unwrap(),
            "<details>\n<summary>Hint 1</summary>\n\nSort the paths.\n\n</details>\n"
        );
        let two = render(HINTS, "step1_digest").unwrap();
        assert!(two.starts_with("<details>\n<summary>Hint 1</summary>\n\nLook at `sha2`.\nTwo lines.\n\n</details>\n\n<details>\n<summary>Hint 2</summary>"), "{two}");
        assert_eq!(render(HINTS, "step9").unwrap_err(), "no step `step9` (no `## step9` heading)");
        let bare = "## step1\n\nno hints here\n## step2\n### Hint 1\n\n### Hint 2\nx\n";
        assert_eq!(render(bare, "step1").unwrap_err(), "step `step1` has no hints (no `### Hint 1` under `## step1`)");
        assert_eq!(render(bare, "step2").unwrap_err(), "step `step2`: Hint 1 is empty");
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

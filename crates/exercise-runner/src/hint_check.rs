//! The rules every `exercises/NN-topic/hints.md` keeps, checked by `cargo xtask verify`:
//!
//! - every step (each `tests/stepN_*.rs`) has a section with three rungs or more: where to read;
//!   the idea, with a small example that is not the exercise's code; an outline in prose or
//!   pseudo-code;
//! - no hint shares a line of code with `solution/lib.rs`: a stuck learner should get the next
//!   idea, not the answer to transcribe.
//!
//! "Code" in a hint is each line of a fenced block and each inline `code` span. A solution line
//! counts when it is code (not a comment), says something (twelve characters or more once
//! spaces are squeezed), and is not also in the stub, whose signatures and types are the
//! exercise's public API and may be quoted. Two pieces of code are the same line when one holds
//! the other: a hint that quotes a solution line, or a long fragment of one, is caught.

use std::collections::BTreeSet;

use crate::exercises::discovery::read;
use crate::exercises::Exercise;
use crate::hints;
use crate::util::Result;

/// Rungs each step needs.
pub const RUNGS: usize = 3;
/// Shorter code than this is a name or a keyword, not a line of the solution.
const MIN_LINE: usize = 12;
/// A hint's code fragment this long, found inside a solution line, is a piece of the answer.
const MIN_FRAGMENT: usize = 30;

/// What is wrong with an exercise's hints (empty when nothing is), given the stub it ships.
pub fn problems(ex: &Exercise, stub: &str) -> Result<Vec<String>> {
    let text = read(&ex.dir.join("hints.md"))?;
    let solution = read(&ex.solution())?;
    let sections = hints::parse(&text);
    let mut out = Vec::new();
    for step in ex.steps() {
        match sections.iter().find(|s| s.step == step) {
            None => out.push(format!("hints.md has no section `## {step}`")),
            Some(s) if s.hints.len() < RUNGS => {
                out.push(format!("hints.md, `{step}`: {} hint(s); every step needs {RUNGS} rungs", s.hints.len()))
            }
            Some(_) => {}
        }
    }
    let answer = solution_lines(&solution, stub);
    for section in &sections {
        for (n, hint) in section.hints.iter().enumerate() {
            for code in code_in(hint) {
                if let Some(line) = answer.iter().find(|line| same_line(&code, line)) {
                    out.push(format!(
                        "hints.md, `{}` hint {}: `{code}` shares a line with solution/lib.rs (`{line}`)",
                        section.step,
                        n + 1
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Whitespace runs squeezed to one space, ends trimmed.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The solution's lines of code that the stub does not also have.
fn solution_lines(solution: &str, stub: &str) -> Vec<String> {
    let public: BTreeSet<String> = stub.lines().map(squeeze).collect();
    solution
        .lines()
        .map(squeeze)
        .filter(|l| !l.starts_with("//") && !l.starts_with("#[") && l.chars().count() >= MIN_LINE)
        .filter(|l| !public.contains(l))
        .collect()
}

/// The code of a hint: each line of its fenced blocks, and each inline `code` span elsewhere.
fn code_in(hint: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    let mut prose = String::new();
    for line in hint.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(squeeze(line));
        } else {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    // Inline spans may wrap across lines of the Markdown source.
    out.extend(prose.split('`').skip(1).step_by(2).map(squeeze));
    out.retain(|c| !c.is_empty());
    out
}

/// Whether a hint's code and a solution line are the same line of code.
fn same_line(code: &str, line: &str) -> bool {
    (code.chars().count() >= MIN_LINE && code.contains(line))
        || (code.chars().count() >= MIN_FRAGMENT && line.contains(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_fenced_lines_and_inline_spans() {
        let hint = "Use `a.iter()` and\n`b.map(\n f)`:\n\n```text\nfor x in list:\n    total += x\n```\n";
        assert_eq!(code_in(hint), vec!["for x in list:", "total += x", "a.iter()", "b.map( f)"]);
    }

    #[test]
    fn a_quoted_solution_line_is_caught_and_a_stub_line_is_not() {
        let solution =
            "pub fn f(x: u64) -> u64 {\n    // a comment that is long enough\n    x.checked_mul(2).unwrap_or(0)\n}\n";
        let stub = "pub fn f(x: u64) -> u64 {\n    todo!()\n}\n";
        let lines = solution_lines(solution, stub);
        assert_eq!(lines, vec!["x.checked_mul(2).unwrap_or(0)"]);
        assert!(same_line("let y = x.checked_mul(2).unwrap_or(0);", &lines[0]));
        assert!(!same_line("checked_mul", &lines[0]), "a method's name is a pointer, not the answer");
        assert!(!same_line("pub fn f(x: u64) -> u64 {", &lines[0]));
    }

    /// The rules hold for the exercises of this repository (`verify` checks them too, with the
    /// stub as committed).
    #[test]
    fn every_exercise_keeps_the_hint_rules() {
        // Not `exercises::all`: that would also put back a file a running `verify` or `mutants`
        // holds aside, under its feet.
        let root = crate::util::root();
        let mut all = Vec::new();
        let mut dirs: Vec<_> = std::fs::read_dir(root.join("exercises")).unwrap().flatten().map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs.into_iter().filter(|d| d.join("hints.md").is_file()) {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let ex = Exercise { number: name[..2].to_string(), package: String::new(), name, dir };
            let stub = read(&ex.lib()).unwrap();
            all.extend(problems(&ex, &stub).unwrap().into_iter().map(|p| format!("{}: {p}", ex.name)));
        }
        assert!(all.is_empty(), "{}", all.join("\n"));
    }

    #[test]
    fn a_long_fragment_of_a_solution_line_is_caught() {
        let line = "let total: u64 = paths.values().map(|(t, _)| t).sum();";
        assert!(same_line("paths.values().map(|(t, _)| t).sum()", line));
        assert!(!same_line("paths.values()", line));
    }
}

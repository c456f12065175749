//! `cargo xtask progress`: each exercise's state, next failing step, page and first hint.

use std::path::Path;

use super::discovery::*;
use super::libtest::*;
use crate::util::{self, Result};

/// `cargo xtask progress`.
pub fn progress(root: &Path) -> Result {
    let exercises = all(root)?;
    if exercises.is_empty() {
        println!("no exercises under exercises/ yet");
        return Ok(());
    }
    let mut rows = Vec::new();
    let (mut done, mut started, mut fresh) = (0, 0, 0);
    let mut first_open: Option<&Exercise> = None;
    // The first open exercise's next step (for its hint), and the exercises that pass.
    let mut open_step: Option<String> = None;
    let mut finished: Vec<&Exercise> = Vec::new();
    for ex in &exercises {
        let done_before = done;
        let mut step: Option<String> = None;
        let current = read(&ex.lib())?;
        let steps = ex.steps();
        let page = ex.page_url(root).unwrap_or_else(|| "-".into());
        let first_step = steps.first().map_or_else(|| "-".into(), |s| format!("tests/{s}.rs"));
        let (state, next, page) = if Some(&current) == ex.committed_stub(root).as_ref() {
            fresh += 1;
            step = steps.first().cloned();
            ("not started".to_string(), first_step, page)
        } else if read(&ex.solution()).is_ok_and(|s| s == current) {
            done += 1;
            (
                "solution shown".to_string(),
                format!("`cargo xtask reset {}` brings your work back", ex.number),
                String::new(),
            )
        } else {
            eprintln!("testing {}…", ex.name);
            let run = run_tests(root, ex)?;
            let total = run.passed() + run.failed();
            if !run.compiled() {
                started += 1;
                ("does not compile".to_string(), format!("see `cargo test -p {}`", ex.package), page)
            } else if run.failed() == 0 && run.with_tests().iter().all(|b| b.finished) {
                done += 1;
                finished.push(ex);
                (format!("done ({total} tests pass)"), "-".into(), String::new())
            } else {
                step = run.with_tests().into_iter().find(|b| b.failed > 0 || !b.finished).map(|b| b.name.clone());
                let next = run.with_tests().into_iter().find(|b| b.failed > 0 || !b.finished).map_or_else(
                    || "-".to_string(),
                    |b| {
                        if b.name.starts_with("step") {
                            format!("tests/{}.rs", b.name)
                        } else {
                            b.name.clone()
                        }
                    },
                );
                started += 1;
                (format!("failing {} of {total}", run.failed()), next, page)
            }
        };
        if done == done_before && first_open.is_none() {
            first_open = Some(ex);
            open_step = step;
        }
        rows.push([ex.name.clone(), state, next, page]);
    }

    let header = ["exercise", "state", "next step", "book page"].map(String::from);
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        println!("{}", line.trim_end());
    }
    println!("\n{done} of {} done, {started} in progress, {fresh} not started", exercises.len());
    if let Some(ex) = first_open {
        println!("next: edit {}, check it with `cargo test -p {}`", util::rel(root, &ex.lib()), ex.package);
        let hints = ex.dir.join("hints.md");
        let hint = open_step.as_ref().and_then(|s| crate::hints::for_step(&ex.dir, s).into_iter().next());
        if let (Some(step), Some(hint)) = (&open_step, hint) {
            println!("\nHint 1 for {step}:\n{}", crate::hints::indent(&hint, "  "));
            println!(
                "\nmore hints: `cargo xtask watch {}` (re-runs on every save), or {}",
                ex.number,
                util::rel(root, &hints)
            );
        } else if hints.is_file() {
            println!("stuck? see {}", util::rel(root, &hints));
        }
    }
    for ex in finished {
        println!("{} passes: compare with the reference solution in {}", ex.name, util::rel(root, &ex.solution()));
    }
    Ok(())
}

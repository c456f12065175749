//! `cargo xtask verify`: each exercise's tests fail on the stub, pass on the solution, and clippy
//! is clean; the learner's file is swapped out and always put back.

use std::fs;
use std::path::Path;

use super::discovery::*;
use super::libtest::*;
use crate::util::{self, anyhow, bail, Context, Result};

/// Holds the learner's `src/lib.rs` aside while other content is swapped in; puts it back when
/// restored or dropped (on error, or unwinding after Ctrl-C).
pub struct Swap<'a> {
    ex: &'a Exercise,
    original: String,
    /// What we last wrote: if the file holds something else at the end, someone edited it
    /// meanwhile, and that edit is kept too.
    last_put: String,
    restored: bool,
}

impl<'a> Swap<'a> {
    pub fn begin(ex: &'a Exercise) -> Result<Self> {
        util::catch_interrupts();
        let original = read(&ex.lib())?;
        write(&ex.verify_backup(), &original)?;
        Ok(Swap { ex, last_put: original.clone(), original, restored: false })
    }

    pub fn put(&mut self, content: &str) -> Result {
        write(&self.ex.lib(), content)?;
        self.last_put = content.to_string();
        Ok(())
    }

    pub fn put_back(&mut self) -> Result {
        self.restored = true;
        let now = read(&self.ex.lib()).unwrap_or_default();
        if now != self.last_put && now != self.original {
            let aside = keep_aside(self.ex, &now)?;
            eprintln!(
                "note: {} was edited while verify ran; that version is kept in {}",
                self.ex.lib().display(),
                aside.display()
            );
        }
        write(&self.ex.lib(), &self.original)?;
        let backup = self.ex.verify_backup();
        fs::remove_file(&backup).with_context(|| format!("removing {}", backup.display()))?;
        // Tidy: only removes the folder when nothing else is kept there.
        let _ = fs::remove_dir(self.ex.saved_dir());
        Ok(())
    }
}

impl Drop for Swap<'_> {
    fn drop(&mut self) {
        if !self.restored {
            if let Err(e) = self.put_back() {
                eprintln!(
                    "error: could not put back {}: {e}\n  your file is safe in {}",
                    self.ex.lib().display(),
                    self.ex.verify_backup().display()
                );
            }
        }
    }
}

/// Checks one exercise; returns its problems (empty when it is sound).
fn verify_one(root: &Path, ex: &Exercise, worktree: bool) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let current = read(&ex.lib())?;
    let (stub, from) = match (worktree, ex.committed_stub(root)) {
        (false, Some(stub)) => {
            if stub != current {
                println!(
                    "  note: {} differs from git HEAD; checking the committed stub \
                     (`--worktree` checks the file as it is)",
                    util::rel(root, &ex.lib())
                );
            }
            (stub, "git HEAD")
        }
        _ => (current, "working tree"),
    };
    let solution = read(&ex.solution())?;
    let steps = ex.steps();
    if steps.is_empty() {
        problems.push("no tests/step*.rs files".to_string());
    }
    // Three hint rungs a step, and no hint shares a line with the solution (issue 13).
    problems.extend(crate::hint_check::problems(ex, &stub)?.into_iter().map(|p| format!("hints: {p}")));

    let mut swap = Swap::begin(ex)?;

    // The stub: every test fails.
    swap.put(&stub)?;
    let run = run_tests(root, ex)?;
    if !run.compiled() {
        problems.push(format!("the stub ({from}) does not compile:\n{}", run.excerpt()));
    } else {
        for bin in run.with_tests() {
            if bin.passed > 0 {
                problems.push(format!(
                    "stub: {} of {} test(s) in {} pass on the stub (every test must fail until \
                     the learner writes the code)",
                    bin.passed,
                    bin.total(),
                    bin.name
                ));
            }
        }
        for step in &steps {
            if !run.with_tests().iter().any(|b| &b.name == step) {
                problems.push(format!("tests/{step}.rs ran no test"));
            }
        }
        println!("  stub ({from}): {} of {} test(s) fail", run.failed(), run.passed() + run.failed());
    }

    // The solution: every test passes, and clippy is clean.
    swap.put(&solution)?;
    let run = run_tests(root, ex)?;
    if !run.compiled() {
        problems.push(format!("the solution does not compile:\n{}", run.excerpt()));
    } else {
        let bad: Vec<String> = run
            .with_tests()
            .iter()
            .filter(|b| b.failed > 0 || !b.finished)
            .map(|b| {
                if b.finished {
                    format!("{} ({} of {} fail)", b.name, b.failed, b.total())
                } else {
                    format!("{} (crashed)", b.name)
                }
            })
            .collect();
        if !bad.is_empty() || !run.status.success() {
            problems.push(format!("solution: tests fail: {}\n{}", bad.join(", "), run.excerpt()));
        }
        println!("  solution: {} of {} test(s) pass", run.passed(), run.passed() + run.failed());
    }
    let mut clippy = util::cargo(root);
    clippy.args(["clippy", "--color", "never", "-p", &ex.package, "--all-targets", "--", "-D", "warnings"]);
    let (status, output) = util::combined(clippy)?;
    if status.success() {
        println!("  clippy (solution): clean");
    } else {
        let tail: Vec<&str> = output.lines().collect();
        let tail = tail[tail.len().saturating_sub(40)..].join("\n      ");
        problems.push(format!("clippy on the solution:\n      {tail}"));
    }

    if ex.dir.join("examples/real_registry.rs").is_file() {
        if let Err(e) = solution_against_a_real_registry(root, ex) {
            problems.push(format!("the solution against a real registry: {e}"));
        }
    }

    swap.put_back()?;
    Ok(problems)
}

/// The learners' tests use an in-process blob source; this runs the solution's
/// `examples/real_registry.rs` against a real registry too: push an image built from the
/// demo fixtures, pull it twice through the solution, and expect the second pull to fetch
/// no blob.
fn solution_against_a_real_registry(root: &Path, ex: &Exercise) -> Result {
    let outcome = crate::registry::with_registry(root, |addr| {
        let work = util::target_dir(root).join("xtask-verify").join(&ex.name);
        let _ = fs::remove_dir_all(&work);
        let layout = work.join("layout");
        let base = root.join("demo/driftwood-web/base");
        let reference = format!("{addr}/driftwood/verify:1");
        let imagekit = |args: &[&str]| {
            let mut cmd = util::cargo(root);
            cmd.args(["run", "--quiet", "-p", "imagekit-cli", "--"]).args(args);
            util::combined(cmd)
        };
        let layout_arg = layout.to_string_lossy().to_string();
        let base_arg = base.to_string_lossy().to_string();
        let build = ["image", "build", "--layer", &base_arg, "--tag", "verify:1", "-o", &layout_arg];
        for args in [&build[..], &["push", &layout_arg, &reference]] {
            let (status, output) = imagekit(args)?;
            if !status.success() {
                bail!("imagekit {} failed:\n{output}", args.join(" "));
            }
        }
        let mut example = util::cargo(root);
        example.args([
            "run",
            "--quiet",
            "-p",
            &ex.package,
            "--example",
            "real_registry",
            "--",
            addr,
            "driftwood/verify:1",
        ]);
        let (status, output) = util::combined(example)?;
        let second = output.lines().find(|l| l.starts_with("second pull:")).unwrap_or_default().to_string();
        if !status.success() || !second.contains(" 0 blob(s) fetched") {
            bail!("expected the second pull to fetch 0 blobs; the example printed:\n{output}");
        }
        Ok(second)
    })?;
    if let Some(second) = outcome {
        println!("  solution against a real registry: {second}");
    }
    Ok(())
}

/// `cargo xtask verify [--worktree] [NN…]`.
pub fn verify(root: &Path, only: &[String], worktree: bool) -> Result {
    let exercises =
        if only.is_empty() { all(root)? } else { only.iter().map(|a| find(root, a)).collect::<Result<Vec<_>>>()? };
    if exercises.is_empty() {
        println!("verify: no exercises under exercises/ yet");
        return Ok(());
    }
    let mut failed = Vec::new();
    for ex in &exercises {
        println!("verify {} ({})", ex.name, ex.package);
        let problems = verify_one(root, ex, worktree)?;
        if problems.is_empty() {
            println!("  ok");
        } else {
            for p in &problems {
                println!("  FAIL: {p}");
            }
            failed.push(ex.name.clone());
        }
    }
    if failed.is_empty() {
        println!(
            "verify: all {} exercise(s) sound: tests fail on the stubs, pass on the solutions, \
             clippy clean",
            exercises.len()
        );
        Ok(())
    } else {
        Err(anyhow!("verify: {} of {} exercise(s) have problems: {}", failed.len(), exercises.len(), failed.join(", ")))
    }
}

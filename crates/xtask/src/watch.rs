//! `cargo xtask watch [NN]`: re-runs an exercise's tests whenever its files change and shows only
//! the first failing step, with its message and a hint.
//!
//! Saves under the exercise's `src/` and `tests/` come from the kernel (see `watcher.rs`).
//! Keys are read a line at a time from stdin: `h` shows the next hint, `n` moves to the next
//! exercise, `r` re-runs, `q` quits. `--once` runs the tests once, shows the result and exits
//! (for scripts and CI).

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::exercises::libtest::{self, TestRun};
use crate::exercises::{self, discovery, Exercise};
use crate::hints;
use crate::util::{self, Result};
use crate::watcher::Changes;

/// How often the loop looks for a key or a saved file (both arrive on channels: this is latency,
/// not work).
const POLL: Duration = Duration::from_millis(50);

/// `cargo xtask watch [--once] [NN]`.
pub fn watch(root: &Path, exercise: Option<&str>, once: bool) -> Result {
    let all = exercises::all(root)?;
    if all.is_empty() {
        println!("no exercises under exercises/ yet");
        return Ok(());
    }
    let mut index = match exercise {
        None => first_unfinished(root, &all)?,
        Some(nn) => {
            let ex = exercises::find(root, nn)?;
            all.iter().position(|e| e.name == ex.name).unwrap_or(0)
        }
    };

    if once {
        let mut state = State::default();
        let run = libtest::run_tests(root, &all[index])?;
        state.show(root, &all, index, &run, false);
        return Ok(());
    }

    let keys = read_keys();
    'exercise: loop {
        let ex = &all[index];
        let mut state = State::default();
        let changes = Changes::watch(&[ex.dir.join("src"), ex.dir.join("tests")])?;
        let mut rerun = true;
        loop {
            if std::mem::take(&mut rerun) {
                clear_screen();
                println!("watching {} (re-runs when you save a file in src/ or tests/)", util::rel(root, &ex.dir));
                println!("testing…");
                let run = libtest::run_tests(root, ex)?;
                state.show(root, &all, index, &run, true);
            }
            match keys.recv_timeout(POLL) {
                Ok(key) => match key.trim() {
                    "q" | "quit" => return Ok(()),
                    "n" | "next" => {
                        if index + 1 < all.len() {
                            index += 1;
                            continue 'exercise;
                        }
                        println!("{} is the last exercise.", all[index].name);
                    }
                    "h" | "hint" => state.next_hint(root, ex),
                    "r" | "" => rerun = true,
                    other => println!("unknown key {other:?}: {KEYS}"),
                },
                Err(RecvTimeoutError::Timeout) => {}
                // stdin closed: keep watching files, without keys.
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(POLL),
            }
            rerun |= changes.changed();
        }
    }
}

const KEYS: &str = "keys (then Enter): h next hint · n next exercise · r re-run · q quit";

/// Lines from stdin, read on a thread of their own.
fn read_keys() -> Receiver<String> {
    let (send, recv) = mpsc::channel();
    std::thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    recv
}

fn clear_screen() {
    if io::stdout().is_terminal() {
        print!("\x1b[2J\x1b[H");
        let _ = io::stdout().flush();
    }
}

/// The first exercise whose tests do not all pass yet (the last one if every one passes).
fn first_unfinished(root: &Path, all: &[Exercise]) -> Result<usize> {
    for (i, ex) in all.iter().enumerate() {
        let current = discovery::read(&ex.lib())?;
        if Some(&current) == ex.committed_stub(root).as_ref() {
            return Ok(i);
        }
        eprintln!("checking {}…", ex.name);
        let run = libtest::run_tests(root, ex)?;
        if !passes(&run) {
            return Ok(i);
        }
    }
    println!("Every exercise passes already. Watching the last one.");
    Ok(all.len() - 1)
}

fn passes(run: &TestRun) -> bool {
    run.compiled() && run.status.success() && run.with_tests().iter().all(|b| b.failed == 0 && b.finished)
}

/// What the learner has been shown for the current exercise.
#[derive(Default)]
struct State {
    /// The first failing step last time, and how many of its hints have been shown.
    step: Option<String>,
    hints_shown: usize,
}

impl State {
    fn show(&mut self, root: &Path, all: &[Exercise], index: usize, run: &TestRun, keys: bool) {
        let ex = &all[index];
        let steps = ex.steps();
        if !run.compiled() {
            println!("\n✗ {} does not compile yet. The compiler says:\n", util::rel(root, &ex.lib()));
            println!("{}", hints::indent(&compiler_error(&run.output), "    "));
            println!("\nFix this first: no step can run until the crate compiles.");
            if keys {
                println!("\n{KEYS}");
            }
            return;
        }
        let failing = run.with_tests().into_iter().find(|b| b.failed > 0 || !b.finished).map(|b| b.name.clone());
        // The step line: ✓ passed, ✗ the one to work on, · still to come.
        let marks: Vec<String> = steps
            .iter()
            .map(|s| {
                let mark = match &failing {
                    Some(f) if f == s => "✗",
                    Some(f) if discovery::step_number(s) > discovery::step_number(f) => "·",
                    _ => "✓",
                };
                format!("{mark} {s}")
            })
            .collect();
        println!("\n{}: {}", ex.name, marks.join("  "));

        // Steps that pass now and did not before.
        if let Some(before) = &self.step {
            if failing.as_ref() != Some(before) {
                let newly: Vec<&String> = steps
                    .iter()
                    .filter(|s| {
                        discovery::step_number(s) >= discovery::step_number(before)
                            && failing.as_ref().is_none_or(|f| discovery::step_number(s) < discovery::step_number(f))
                    })
                    .collect();
                if !newly.is_empty() {
                    let names: Vec<&str> = newly.iter().map(|s| s.as_str()).collect();
                    let verb = if names.len() == 1 { "passes" } else { "pass" };
                    println!("\n✓ {} {verb} now. Well done!", names.join(", "));
                }
            }
        }

        match failing {
            None => {
                self.step = None;
                let total = run.passed();
                println!("\n✓ All {} steps of {} pass ({total} tests).", steps.len(), ex.name);
                println!(
                    "  Compare your code with the reference solution: {}\n    diff {} {}",
                    util::rel(root, &ex.solution()),
                    util::rel(root, &ex.lib()),
                    util::rel(root, &ex.solution())
                );
                match all.get(index + 1) {
                    Some(next) if keys => println!("  Next exercise: {} (press n, then Enter)", next.name),
                    Some(next) => println!("  Next exercise: {} (`cargo xtask watch {}`)", next.name, next.number),
                    None => println!("  That was the last exercise of the chapter."),
                }
            }
            Some(step) => {
                if self.step.as_ref() != Some(&step) {
                    self.step = Some(step.clone());
                    self.hints_shown = 0;
                }
                let bin = run.with_tests().into_iter().find(|b| b.name == step);
                let counts = bin.map_or(String::new(), |b| {
                    if b.finished {
                        format!(" ({} of {} tests fail)", b.failed, b.total())
                    } else {
                        " (the test binary crashed)".to_string()
                    }
                });
                println!("\n✗ {step}{counts}: cargo test -p {} --test {step}", ex.package);
                let message = first_failure(&run.output, &step);
                println!("{}", hints::indent(&message, "  "));
                let all_hints = hints::for_step(&ex.dir, &step);
                self.hints_shown = self.hints_shown.max(1).min(all_hints.len());
                for (i, hint) in all_hints.iter().take(self.hints_shown).enumerate() {
                    print_hint(ex, &step, i, all_hints.len(), hint);
                }
            }
        }
        if keys {
            println!("\n{KEYS}");
        }
    }

    fn next_hint(&mut self, root: &Path, ex: &Exercise) {
        let Some(step) = &self.step else {
            println!("Every step passes: no hint needed. Press n for the next exercise.");
            return;
        };
        let all_hints = hints::for_step(&ex.dir, step);
        if self.hints_shown < all_hints.len() {
            print_hint(ex, step, self.hints_shown, all_hints.len(), &all_hints[self.hints_shown]);
            self.hints_shown += 1;
        } else {
            println!(
                "\nThat was the last hint for {step}. Re-read the book section named in the message \
                 above; if you are still stuck, ask, or look at {} (it holds every step's answer).",
                util::rel(root, &ex.solution())
            );
        }
        println!("\n{KEYS}");
    }
}

fn print_hint(ex: &Exercise, step: &str, i: usize, of: usize, hint: &str) {
    println!("\nHint {} of {of} for {step} (from {}/hints.md):", i + 1, ex.name);
    println!("{}", hints::indent(hint, "  "));
}

/// The text cargo printed for one test binary: from its `Running tests/STEP.rs` line to the next
/// binary's.
fn section<'a>(output: &'a str, step: &str) -> &'a str {
    let marker = format!("Running tests/{step}.rs");
    let Some(start) = output.find(&marker) else { return "" };
    let rest = &output[start..];
    let end = rest[marker.len()..]
        .find("     Running ")
        .or_else(|| rest[marker.len()..].find("   Doc-tests "))
        .map_or(rest.len(), |i| i + marker.len());
    &rest[..end]
}

/// The message of the first failing test of `step`, without libtest's and the panic hook's
/// framing (`---- name stdout ----`, `thread '…' panicked at …`, the backtrace note).
fn first_failure(output: &str, step: &str) -> String {
    let text = section(output, step);
    let mut lines = text.lines().skip_while(|l| !(l.starts_with("---- ") && l.ends_with(" stdout ----")));
    let Some(head) = lines.next() else {
        // No failure block: the binary crashed (a stack overflow, an abort) before reporting.
        let tail: Vec<&str> = text.lines().collect();
        return format!(
            "The test binary stopped without a result. Its last lines:\n{}",
            tail[tail.len().saturating_sub(15)..].join("\n")
        );
    };
    let test = head.trim_start_matches("---- ").trim_end_matches(" stdout ----");
    let mut body = Vec::new();
    for line in lines {
        if (line.starts_with("---- ") && line.ends_with(" ----")) || line == "failures:" {
            break;
        }
        if (line.starts_with("thread '") && line.contains(" panicked at ")) || line.starts_with("note: run with") {
            continue;
        }
        body.push(line);
    }
    while body.first().is_some_and(|l| l.trim().is_empty()) {
        body.remove(0);
    }
    while body.last().is_some_and(|l| l.trim().is_empty()) {
        body.pop();
    }
    format!("test `{test}`:\n{}", body.join("\n"))
}

/// The compiler's first error, up to 30 lines.
fn compiler_error(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("error")).unwrap_or(0);
    let mut out = Vec::new();
    for (i, line) in lines[start..].iter().enumerate() {
        if i > 0 && (line.starts_with("error") || line.starts_with("warning")) {
            break;
        }
        out.push(*line);
        if out.len() >= 30 {
            out.push("…");
            break;
        }
    }
    out.join("\n").trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "     Running tests/step1_digest.rs (target/debug/deps/step1_digest-1)

running 2 tests
test a ... ok
test b ... ok

test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

     Running tests/step2_tar.rs (target/debug/deps/step2_tar-2)

running 2 tests
test paths_are_relative ... FAILED
test sorted ... FAILED

failures:

---- paths_are_relative stdout ----

thread 'paths_are_relative' (14895) panicked at exercises/07-layers/tests/common/mod.rs:73:17:

step2_tar: `layer_tar` is not written yet.
  Read:           the book

note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- sorted stdout ----

thread 'sorted' (14896) panicked at exercises/07-layers/tests/common/mod.rs:73:17:
other

failures:
    paths_are_relative
    sorted

test result: FAILED. 0 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

error: test failed, to rerun pass `-p ex07-layers --test step2_tar`
     Running tests/step3_crash.rs (target/debug/deps/step3_crash-3)

running 1 test
thread 'main' has overflowed its stack
";

    #[test]
    fn shows_only_the_first_failure_of_a_step() {
        assert_eq!(
            first_failure(OUTPUT, "step2_tar"),
            "test `paths_are_relative`:\nstep2_tar: `layer_tar` is not written yet.\n  Read:           the book"
        );
    }

    #[test]
    fn a_crash_shows_the_last_lines() {
        let text = first_failure(OUTPUT, "step3_crash");
        assert!(text.starts_with("The test binary stopped without a result."), "{text}");
        assert!(text.contains("has overflowed its stack"), "{text}");
        assert!(!text.contains("step2_tar"), "{text}");
    }

    #[test]
    fn compiler_errors_stop_at_the_next_diagnostic() {
        let out = "   Compiling x\nerror[E0308]: mismatched types\n --> src/lib.rs:3:5\n  |\n\
                   error: aborting due to 1 previous error\n";
        assert_eq!(compiler_error(out), "error[E0308]: mismatched types\n --> src/lib.rs:3:5\n  |");
    }
}

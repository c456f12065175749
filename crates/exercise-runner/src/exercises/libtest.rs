//! Running an exercise's tests and reading libtest's output.

use std::path::Path;
use std::process::ExitStatus;

use super::discovery::*;
use crate::util::{self, Result};

/// One test binary's results.
pub struct Binary {
    /// `step1_digest`, `unittests`, `doc-tests`.
    pub name: String,
    pub passed: usize,
    pub failed: usize,
    /// False when the binary started but printed no `test result:` line (it crashed).
    pub finished: bool,
}

impl Binary {
    pub fn total(&self) -> usize {
        self.passed + self.failed
    }
}

pub struct TestRun {
    pub status: ExitStatus,
    pub binaries: Vec<Binary>,
    pub output: String,
}

impl TestRun {
    pub fn compiled(&self) -> bool {
        !self.binaries.is_empty() || self.status.success()
    }
    /// Binaries that ran at least one test (or crashed), in step order.
    pub fn with_tests(&self) -> Vec<&Binary> {
        let mut bins: Vec<&Binary> = self.binaries.iter().filter(|b| b.total() > 0 || !b.finished).collect();
        bins.sort_by_key(|b| (step_number(&b.name), b.name.clone()));
        bins
    }
    pub fn passed(&self) -> usize {
        self.binaries.iter().map(|b| b.passed).sum()
    }
    pub fn failed(&self) -> usize {
        self.binaries.iter().map(|b| b.failed).sum()
    }
    /// The compiler's or the tests' complaint, shortened for a message.
    pub fn excerpt(&self) -> String {
        let lines: Vec<&str> = self.output.lines().collect();
        let from = if self.compiled() {
            lines.len().saturating_sub(40)
        } else {
            lines.iter().position(|l| l.starts_with("error")).unwrap_or(0).min(lines.len().saturating_sub(40))
        };
        let shown: Vec<String> = lines[from..].iter().take(40).map(|l| format!("      {l}")).collect();
        shown.join("\n")
    }
}

pub fn parse_counts(result: &str) -> (usize, usize) {
    // "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; …"
    let mut passed = 0;
    let mut failed = 0;
    for part in result.split([';', '.']) {
        let mut words = part.split_whitespace();
        if let (Some(n), Some(what)) = (words.next(), words.next()) {
            if let Ok(n) = n.parse() {
                match what {
                    "passed" => passed = n,
                    "failed" => failed = n,
                    _ => {}
                }
            }
        }
    }
    (passed, failed)
}

pub fn parse_test_output(output: &str) -> Vec<Binary> {
    let mut binaries: Vec<Binary> = Vec::new();
    for line in output.lines() {
        let line = line.trim();
        let name = if let Some(rest) = line.strip_prefix("Running ") {
            // "Running tests/step1_digest.rs (target/debug/deps/step1_digest-…)"
            // "Running unittests src/lib.rs (…)"
            let target = rest.split(" (").next().unwrap_or(rest);
            if target.starts_with("unittests") {
                Some("unittests".to_string())
            } else {
                Path::new(target).file_stem().map(|s| s.to_string_lossy().into_owned())
            }
        } else if line.starts_with("Doc-tests ") {
            Some("doc-tests".to_string())
        } else {
            None
        };
        if let Some(name) = name {
            binaries.push(Binary { name, passed: 0, failed: 0, finished: false });
        } else if let Some(result) = line.strip_prefix("test result: ") {
            if let Some(bin) = binaries.last_mut() {
                (bin.passed, bin.failed) = parse_counts(result);
                bin.finished = true;
            }
        }
    }
    binaries
}

pub fn run_tests(root: &Path, ex: &Exercise) -> Result<TestRun> {
    let mut cmd = util::cargo(root);
    cmd.args(["test", "--color", "never", "--no-fail-fast", "-p", &ex.package]).env("RUST_BACKTRACE", "0");
    let (status, output) = util::combined(cmd)?;
    Ok(TestRun { status, binaries: parse_test_output(&output), output })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const OUTPUT: &str = "   Compiling ex07-layers v0.1.0 (/w/exercises/07-layers)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 1.10s
     Running unittests src/lib.rs (target/debug/deps/ex07_layers-1)

running 0 tests

test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

     Running tests/step10_whiteouts.rs (target/debug/deps/step10_whiteouts-2)

running 1 test
test opaque ... FAILED

test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

     Running tests/step2_tar.rs (target/debug/deps/step2_tar-3)

running 3 tests
test a ... ok
test b ... FAILED
test c ... ok

test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

     Running tests/step3_crash.rs (target/debug/deps/step3_crash-4)

running 1 test
error: test failed, to rerun pass `--test step3_crash`
   Doc-tests ex07_layers

running 0 tests

test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";

    #[test]
    fn reads_libtest_output() {
        let bins = parse_test_output(OUTPUT);
        let got: Vec<(&str, usize, usize, bool)> =
            bins.iter().map(|b| (b.name.as_str(), b.passed, b.failed, b.finished)).collect();
        assert_eq!(
            got,
            [
                ("unittests", 0, 0, true),
                ("step10_whiteouts", 0, 1, true),
                ("step2_tar", 2, 1, true),
                ("step3_crash", 0, 0, false),
                ("doc-tests", 0, 0, true),
            ]
        );
    }

    #[test]
    fn orders_steps_by_number() {
        let run = TestRun {
            status: Command::new("true").status().unwrap(),
            binaries: parse_test_output(OUTPUT),
            output: String::new(),
        };
        let names: Vec<&str> = run.with_tests().iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["step2_tar", "step3_crash", "step10_whiteouts"]);
    }
}

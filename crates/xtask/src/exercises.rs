//! The exercise crates: `verify`, `progress`, `solve`, `reset`.
//!
//! Each `exercises/NN-topic` holds the learner's `src/lib.rs` (a stub of `todo!()`s to begin
//! with), `solution/lib.rs`, and `tests/stepN_*.rs`. Whatever a command swaps into `src/lib.rs`,
//! the learner's own file is never lost:
//!
//! - `solve` keeps it in `.saved/lib.rs`, and `reset` puts it back;
//! - `verify` keeps it in `.saved/verify-in-progress.rs` while it works, puts it back when done,
//!   on error and on Ctrl-C; if it was killed outright, the next xtask command puts it back;
//! - any other file that would be overwritten is first moved to `.saved/lib.rs.<unix time>`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::fail;
use crate::util::{self, Context, Error, Result};

pub struct Exercise {
    /// `exercises/07-layers`, absolute.
    pub dir: PathBuf,
    /// `07-layers`.
    pub name: String,
    /// `07`.
    pub number: String,
    /// `ex07-layers`.
    pub package: String,
}

impl Exercise {
    pub(crate) fn lib(&self) -> PathBuf {
        self.dir.join("src/lib.rs")
    }
    pub(crate) fn solution(&self) -> PathBuf {
        self.dir.join("solution/lib.rs")
    }
    fn saved_dir(&self) -> PathBuf {
        self.dir.join(".saved")
    }
    fn saved(&self) -> PathBuf {
        self.saved_dir().join("lib.rs")
    }
    fn verify_backup(&self) -> PathBuf {
        self.saved_dir().join("verify-in-progress.rs")
    }

    /// The stub as committed (`git show HEAD:…`), if this is a git checkout that tracks it.
    pub(crate) fn committed_stub(&self, root: &Path) -> Option<String> {
        let rel = self.lib().strip_prefix(root).ok()?.to_str()?.to_string();
        let out = Command::new("git")
            .current_dir(root)
            .args(["show", &format!("HEAD:{rel}")])
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `tests/stepN_*.rs` file stems, in step order.
    pub(crate) fn steps(&self) -> Vec<String> {
        let mut steps: Vec<String> = fs::read_dir(self.dir.join("tests"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let stem = name.strip_suffix(".rs")?;
                stem.starts_with("step").then(|| stem.to_string())
            })
            .collect();
        steps.sort_by_key(|s| (step_number(s), s.clone()));
        steps
    }

    /// The book's exercise page: `src/07-layers/exercise.md` → its URL under `cargo xtask serve`.
    pub(crate) fn page_url(&self, root: &Path) -> Option<String> {
        let prefix = format!("{}-", self.number);
        let mut dirs: Vec<String> = fs::read_dir(root.join("src"))
            .ok()?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&prefix))
            .collect();
        dirs.sort();
        dirs.into_iter()
            .find(|d| root.join("src").join(d).join("exercise.md").is_file())
            .map(|d| format!("http://127.0.0.1:3000/{d}/exercise.html"))
    }
}

pub(crate) fn step_number(stem: &str) -> u32 {
    let digits: String = stem.trim_start_matches("step").chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(u32::MAX)
}

pub(crate) fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).context(|| format!("reading {}", path.display()))
}

/// Writes through a temporary file and a rename, so a crash leaves the old or the new file.
fn write(path: &Path, content: &str) -> Result {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).context(|| format!("creating {}", dir.display()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.xtask-tmp"));
    fs::write(&tmp, content).context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).context(|| format!("writing {}", path.display()))
}

/// Moves `content` to a new `.saved/lib.rs.<unix time>` and returns that path.
fn keep_aside(ex: &Exercise, content: &str) -> Result<PathBuf> {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut path = ex.saved_dir().join(format!("lib.rs.{secs}"));
    let mut n = 1;
    while path.exists() {
        path = ex.saved_dir().join(format!("lib.rs.{secs}-{n}"));
        n += 1;
    }
    write(&path, content)?;
    Ok(path)
}

/// Puts back a learner's file left by a `verify` that was killed before it could restore it.
fn recover(root: &Path, ex: &Exercise) -> Result {
    let backup = ex.verify_backup();
    if backup.is_file() {
        write(&ex.lib(), &read(&backup)?)?;
        fs::remove_file(&backup).context(|| format!("removing {}", backup.display()))?;
        eprintln!("note: put back {} from an interrupted `cargo xtask verify`", util::rel(root, &ex.lib()));
    }
    Ok(())
}

fn package_name(manifest: &Path) -> Result<String> {
    let text = read(manifest)?;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some((key, value)) = line.split_once('=') {
                if key.trim() == "name" {
                    return Ok(value.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    fail!("{}: no [package] name", manifest.display())
}

/// Every `exercises/NN-*` crate, in order.
pub fn all(root: &Path) -> Result<Vec<Exercise>> {
    let dir = root.join("exercises");
    let mut found = Vec::new();
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(_) => return Ok(found),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let numbered =
            name.len() > 3 && name.as_bytes()[..2].iter().all(u8::is_ascii_digit) && name.as_bytes()[2] == b'-';
        if !numbered || !path.join("Cargo.toml").is_file() {
            continue;
        }
        let ex = Exercise {
            package: package_name(&path.join("Cargo.toml"))?,
            number: name[..2].to_string(),
            name,
            dir: path,
        };
        recover(root, &ex)?;
        found.push(ex);
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// The exercise named by `arg`: `07`, `7`, `07-layers` or `ex07-layers`.
pub fn find(root: &Path, arg: &str) -> Result<Exercise> {
    let all = all(root)?;
    let number = arg.parse::<u32>().ok().map(|n| format!("{n:02}"));
    let names: Vec<String> = all.iter().map(|e| e.number.clone()).collect();
    all.into_iter().find(|e| Some(&e.number) == number.as_ref() || e.name == arg || e.package == arg).ok_or_else(|| {
        Error::Usage(format!(
            "no exercise {arg:?} (exercises: {})",
            if names.is_empty() { "none yet".to_string() } else { names.join(", ") }
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// Running an exercise's tests and reading libtest's output.

/// One test binary's results.
pub(crate) struct Binary {
    /// `step1_digest`, `unittests`, `doc-tests`.
    pub(crate) name: String,
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    /// False when the binary started but printed no `test result:` line (it crashed).
    pub(crate) finished: bool,
}

impl Binary {
    pub(crate) fn total(&self) -> usize {
        self.passed + self.failed
    }
}

pub(crate) struct TestRun {
    pub(crate) status: ExitStatus,
    pub(crate) binaries: Vec<Binary>,
    pub(crate) output: String,
}

impl TestRun {
    pub(crate) fn compiled(&self) -> bool {
        !self.binaries.is_empty() || self.status.success()
    }
    /// Binaries that ran at least one test (or crashed), in step order.
    pub(crate) fn with_tests(&self) -> Vec<&Binary> {
        let mut bins: Vec<&Binary> = self.binaries.iter().filter(|b| b.total() > 0 || !b.finished).collect();
        bins.sort_by_key(|b| (step_number(&b.name), b.name.clone()));
        bins
    }
    pub(crate) fn passed(&self) -> usize {
        self.binaries.iter().map(|b| b.passed).sum()
    }
    pub(crate) fn failed(&self) -> usize {
        self.binaries.iter().map(|b| b.failed).sum()
    }
    /// The compiler's or the tests' complaint, shortened for a message.
    fn excerpt(&self) -> String {
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

fn parse_counts(result: &str) -> (usize, usize) {
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

fn parse_test_output(output: &str) -> Vec<Binary> {
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

pub(crate) fn run_tests(root: &Path, ex: &Exercise) -> Result<TestRun> {
    let mut cmd = util::cargo(root);
    cmd.args(["test", "--color", "never", "--no-fail-fast", "-p", &ex.package]).env("RUST_BACKTRACE", "0");
    let (status, output) = util::combined(cmd)?;
    Ok(TestRun { status, binaries: parse_test_output(&output), output })
}

// ---------------------------------------------------------------------------------------------
// verify

/// Holds the learner's `src/lib.rs` aside while other content is swapped in; puts it back when
/// restored or dropped (on error, or unwinding after Ctrl-C).
pub(crate) struct Swap<'a> {
    ex: &'a Exercise,
    original: String,
    /// What we last wrote: if the file holds something else at the end, someone edited it
    /// meanwhile, and that edit is kept too.
    last_put: String,
    restored: bool,
}

impl<'a> Swap<'a> {
    pub(crate) fn begin(ex: &'a Exercise) -> Result<Self> {
        util::catch_interrupts();
        let original = read(&ex.lib())?;
        write(&ex.verify_backup(), &original)?;
        Ok(Swap { ex, last_put: original.clone(), original, restored: false })
    }

    pub(crate) fn put(&mut self, content: &str) -> Result {
        write(&self.ex.lib(), content)?;
        self.last_put = content.to_string();
        Ok(())
    }

    pub(crate) fn put_back(&mut self) -> Result {
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
        fs::remove_file(&backup).context(|| format!("removing {}", backup.display()))?;
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
    // issue 13: three hint rungs a step, and no hint shares a line with the solution.
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
                return fail!("imagekit {} failed:\n{output}", args.join(" "));
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
            return fail!("expected the second pull to fetch 0 blobs; the example printed:\n{output}");
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
        fail!("verify: {} of {} exercise(s) have problems: {}", failed.len(), exercises.len(), failed.join(", "))
    }
}

// ---------------------------------------------------------------------------------------------
// solve / reset

/// `cargo xtask solve NN`.
pub fn solve(root: &Path, arg: &str) -> Result {
    let ex = find(root, arg)?;
    let lib = ex.lib();
    let current = read(&lib)?;
    let solution = read(&ex.solution())?;
    if current == solution {
        println!("{}: the solution is already in {}", ex.name, util::rel(root, &lib));
        if ex.saved().is_file() {
            println!(
                "  your own work is kept in {}; `cargo xtask reset {}` puts it back",
                util::rel(root, &ex.saved()),
                ex.number
            );
        }
        return Ok(());
    }
    let saved = ex.saved();
    if saved.is_file() {
        // An earlier `solve` saved the learner's work there, and `reset` will bring that back;
        // what is in src/lib.rs now (say, a solution edited during a demo) is kept elsewhere.
        if read(&saved)? != current {
            let aside = keep_aside(&ex, &current)?;
            println!(
                "  {} was changed since the last solve: kept it in {}",
                util::rel(root, &lib),
                util::rel(root, &aside)
            );
        }
    } else {
        write(&saved, &current)?;
    }
    write(&lib, &solution)?;
    println!(
        "{}: the solution is now in {}\n  your work is saved in {}\n  \
         `cargo xtask reset {}` puts it back",
        ex.name,
        util::rel(root, &lib),
        util::rel(root, &saved),
        ex.number
    );
    Ok(())
}

/// `cargo xtask reset NN`.
pub fn reset(root: &Path, arg: &str) -> Result {
    let ex = find(root, arg)?;
    let lib = ex.lib();
    let current = read(&lib)?;
    let solution = read(&ex.solution())?;
    let stub = ex.committed_stub(root);
    let saved = ex.saved();

    let (new, what) = if saved.is_file() {
        let content = read(&saved)?;
        (content, format!("put back your saved work from {}", util::rel(root, &saved)))
    } else if let Some(stub) = stub.clone() {
        (stub, "nothing was saved: put the fresh stub back (from git HEAD)".to_string())
    } else {
        return fail!(
            "{}: nothing saved in {} and no committed stub to go back to (not a git checkout?)",
            ex.name,
            util::rel(root, &saved)
        );
    };

    if current == new {
        println!("{}: {} is already that file; nothing to do", ex.name, util::rel(root, &lib));
    } else {
        // Never drop work: keep the current file unless it is the solution or the stub.
        if current != solution && Some(&current) != stub.as_ref() {
            let aside = keep_aside(&ex, &current)?;
            println!("  {} held changes of your own: kept them in {}", util::rel(root, &lib), util::rel(root, &aside));
        }
        write(&lib, &new)?;
        println!("{}: {what}", ex.name);
    }
    if saved.is_file() {
        fs::remove_file(&saved).context(|| format!("removing {}", saved.display()))?;
        let _ = fs::remove_dir(ex.saved_dir());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// progress

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

#[cfg(test)]
mod tests {
    use super::*;

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

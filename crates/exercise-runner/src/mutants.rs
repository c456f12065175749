//! `cargo xtask mutants [NN…]`: mutation testing of each exercise's step tests.
//!
//! The promise of an exercise is "your code is right when `cargo test` passes". cargo-mutants
//! checks the tests behind that promise: it makes small changes to the reference solution (a
//! `+` for a `-`, a body replaced by `Default::default()`, …) and runs the step tests on each.
//! A mutant the tests still pass ("survivor") is wrong code the tests would accept, unless it
//! cannot change what a learner's code must do (an *equivalent* mutant).
//!
//! For each exercise this swaps the solution into `src/lib.rs` (the learner's file is kept
//! aside and put back, as `verify` does), runs the pinned cargo-mutants on that file in place,
//! and compares the survivors with `exercises/NN-topic/mutants-equivalent.txt`: one line per
//! equivalent mutant, `<mutant as cargo-mutants names it, without file:line:col> | <why>`.
//! A survivor the list does not name fails the command; so does a caught share below 95 %.
//!
//! The generated inputs of the tests use a fixed seed here (`EXERCISE_SEED`), so a run is
//! reproducible and the list does not depend on luck.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::exercises::discovery::read;
use crate::exercises::{self, Exercise};
use crate::util::{self, anyhow, bail, Context, Result};

/// The cargo-mutants release these lists were made with; installed on demand.
pub const CARGO_MUTANTS_VERSION: &str = "27.1.0";
/// The caught share (of the viable mutants) each exercise must reach.
const MIN_CAUGHT_PERCENT: f64 = 95.0;
/// The seed of the tests' generated inputs during a mutants run.
const SEED: &str = "20261204";
/// Where each exercise's equivalent mutants are listed.
const EQUIVALENTS: &str = "mutants-equivalent.txt";

/// What one exercise's run found.
struct Outcome {
    name: String,
    caught: usize,
    timeouts: usize,
    missed: Vec<String>,
    unviable: usize,
    seconds: f64,
}

impl Outcome {
    fn viable(&self) -> usize {
        self.caught + self.timeouts + self.missed.len()
    }
    /// Caught or timed out: either way the tests did not pass on the mutant.
    fn caught_percent(&self) -> f64 {
        match self.viable() {
            0 => 100.0,
            n => 100.0 * (self.caught + self.timeouts) as f64 / n as f64,
        }
    }
}

/// `cargo xtask mutants [NN…]`.
pub fn mutants(root: &Path, only: &[String]) -> Result {
    ensure_installed(root)?;
    let exercises: Vec<Exercise> = if only.is_empty() {
        exercises::all(root)?
    } else {
        only.iter().map(|a| exercises::find(root, a)).collect::<Result<_>>()?
    };
    let mut outcomes = Vec::new();
    let mut problems = Vec::new();
    for ex in &exercises {
        util::header(&format!("mutants {} ({})", ex.name, ex.package));
        let outcome = run_one(root, ex)?;
        let equivalent = read_equivalents(&ex.dir.join(EQUIVALENTS))?;
        for survivor in &outcome.missed {
            if !equivalent.iter().any(|e| e == survivor) {
                problems.push(format!("{}: a mutant survived that {EQUIVALENTS} does not list: {survivor}", ex.name));
            }
        }
        if outcome.caught_percent() < MIN_CAUGHT_PERCENT {
            problems.push(format!(
                "{}: the tests catch {:.1} % of the viable mutants; at least {MIN_CAUGHT_PERCENT} % are needed",
                ex.name,
                outcome.caught_percent()
            ));
        }
        outcomes.push(outcome);
    }
    let table = table(&outcomes);
    println!("\n{table}");
    let summary = util::target_dir(root).join("mutants/summary.md");
    fs::create_dir_all(summary.parent().unwrap_or(root)).with_context(|| "creating target/mutants")?;
    fs::write(&summary, &table).with_context(|| format!("writing {}", summary.display()))?;
    println!("(also in {})", util::rel(root, &summary));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(anyhow!("mutants:\n  {}", problems.join("\n  ")))
    }
}

/// Installs the pinned cargo-mutants when `cargo mutants --version` does not report it.
fn ensure_installed(root: &Path) -> Result {
    let found = util::cargo(root).args(["mutants", "--version"]).output().ok();
    let version = found.filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if version.as_deref().is_some_and(|v| v.split_whitespace().any(|w| w == CARGO_MUTANTS_VERSION)) {
        return Ok(());
    }
    println!("installing cargo-mutants {CARGO_MUTANTS_VERSION} (cargo install, ~3 min)…");
    util::run(util::cargo(root).args(["install", "--locked", "--version", CARGO_MUTANTS_VERSION, "cargo-mutants"]))
}

/// Runs cargo-mutants on one exercise with its solution in place, and reads the outcome.
fn run_one(root: &Path, ex: &Exercise) -> Result<Outcome> {
    let out_dir = util::target_dir(root).join("mutants").join(&ex.number);
    util::fresh_dir(&out_dir)?;
    let lib = util::rel(root, &ex.lib());
    let mut swap = crate::exercises::verify::Swap::begin(ex)?;
    swap.put(&read(&ex.solution())?)?;
    let started = Instant::now();
    let mut cmd = util::cargo(root);
    cmd.args(["mutants", "--in-place", "--no-shuffle", "--colors", "never", "-p", &ex.package, "-f", &lib])
        .arg("--output")
        .arg(&out_dir)
        .env("EXERCISE_SEED", SEED);
    let status = run_quietly(cmd)?;
    let seconds = started.elapsed().as_secs_f64();
    swap.put_back()?;
    // cargo-mutants exits 2 when mutants survive and 3 on timeouts: both are findings, read
    // below; anything else (1: usage, 4: the tests fail on the solution itself) is an error.
    if !matches!(status.code(), Some(0 | 2 | 3)) {
        bail!(
            "{}: cargo mutants failed ({status}); its log is in {}",
            ex.name,
            util::rel(root, &out_dir.join("mutants.out"))
        );
    }
    let list = |file: &str| -> Result<Vec<String>> {
        let path = out_dir.join("mutants.out").join(file);
        let text = fs::read_to_string(&path).unwrap_or_default();
        Ok(text.lines().filter(|l| !l.trim().is_empty()).map(|l| without_location(l).to_string()).collect())
    };
    Ok(Outcome {
        name: ex.name.clone(),
        caught: list("caught.txt")?.len(),
        timeouts: list("timeout.txt")?.len(),
        missed: list("missed.txt")?,
        unviable: list("unviable.txt")?.len(),
        seconds,
    })
}

/// Runs a command, showing only its last line of progress: cargo-mutants prints one per mutant.
fn run_quietly(cmd: Command) -> Result<std::process::ExitStatus> {
    println!("$ {}", util::show(&cmd));
    let (status, output) = util::combined(cmd)?;
    for line in output.lines().filter(|l| l.starts_with("MISSED") || l.contains("mutants tested")) {
        println!("  {line}");
    }
    Ok(status)
}

/// `exercises/11-inspecting/src/lib.rs:123:9: replace … with …` → `replace … with …`.
fn without_location(line: &str) -> &str {
    let mut rest = line;
    // The path, then the line and the column, each followed by a colon.
    for _ in 0..3 {
        match rest.split_once(':') {
            Some((_, after)) => rest = after,
            None => return line.trim(),
        }
    }
    rest.trim()
}

/// The mutants of an exercise's list of equivalents (the part before ` | `), comments and blank
/// lines left out. A missing file lists none.
fn read_equivalents(path: &Path) -> Result<Vec<String>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => bail!("reading {}: {e}", path.display()),
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(" | ") {
            Some((mutant, why)) if !why.trim().is_empty() => out.push(mutant.trim().to_string()),
            _ => bail!("{}:{}: write `<mutant> | <why it is equivalent>`", path.display(), n + 1),
        }
    }
    Ok(out)
}

/// The figures as a Markdown table.
fn table(outcomes: &[Outcome]) -> String {
    let mut out = String::from(
        "| exercise | mutants (viable) | caught | timed out | survived | caught % | time |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for o in outcomes {
        out.push_str(&format!(
            "| {} | {} ({}) | {} | {} | {} | {:.1} | {:.0} s |\n",
            o.name,
            o.viable() + o.unviable,
            o.viable(),
            o.caught,
            o.timeouts,
            o.missed.len(),
            o.caught_percent(),
            o.seconds
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_dropped_from_mutant_names() {
        assert_eq!(
            without_location("exercises/11-inspecting/src/lib.rs:123:9: replace covers -> bool with true"),
            "replace covers -> bool with true"
        );
        assert_eq!(without_location("no location here"), "no location here");
    }

    #[test]
    fn equivalents_need_a_reason() {
        let dir = std::env::temp_dir().join(format!("xtask-mutants-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.txt");
        fs::write(&good, "# comment\n\nreplace a with b | never reached by any input\n").unwrap();
        assert_eq!(read_equivalents(&good).unwrap(), vec!["replace a with b".to_string()]);
        let bad = dir.join("bad.txt");
        fs::write(&bad, "replace a with b\n").unwrap();
        assert!(read_equivalents(&bad).is_err());
        assert!(read_equivalents(&dir.join("absent.txt")).unwrap().is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_caught_share_counts_timeouts_as_caught() {
        let o =
            Outcome { name: "x".into(), caught: 18, timeouts: 1, missed: vec!["m".into()], unviable: 3, seconds: 1.0 };
        assert_eq!(o.viable(), 20);
        assert!((o.caught_percent() - 95.0).abs() < 1e-9);
    }
}

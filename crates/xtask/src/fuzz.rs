//! `cargo xtask fuzz [TARGET] [--time S]`: run the cargo-fuzz targets in fuzz/ (issue 12), each
//! for S seconds (default 60), and print executions per target.
//!
//! Each target keeps its corpus in target/fuzz/corpus/TARGET (kept between runs, so fuzzing
//! resumes where it stopped) and starts from the committed seeds in fuzz/seeds/: real layers of
//! the Driftwood demo image, the repository's raw manifests, references. A crash stops the run
//! with the input's path; copy it into a regression test.
//!
//! Needs the nightly toolchain and cargo-fuzz (libFuzzer needs nightly's sanitizer flags); both
//! are checked first, with the command that installs what is missing.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::{self, anyhow, bail, Context, Result};

/// The targets' names, for the command line.
pub const TARGET_NAMES: [&str; 7] =
    ["layer_read", "apply_tree", "apply_disk", "differential", "documents", "reference", "registry_responses"];

/// Every target, with the seed folders it starts from.
const TARGETS: [(&str, &[&str]); 7] = [
    ("layer_read", &["layers"]),
    ("apply_tree", &["multi", "layers"]),
    ("apply_disk", &["multi", "layers"]),
    ("differential", &["multi", "layers"]),
    ("documents", &["documents"]),
    ("reference", &["references"]),
    ("registry_responses", &["responses"]),
];

pub fn run(root: &Path, only: Option<&str>, seconds: u64) -> Result {
    check_tools()?;
    let fuzz_dir = root.join("fuzz");
    let work = util::target_dir(root).join("fuzz");
    let mut rows = Vec::new();
    for (target, seeds) in TARGETS.iter().filter(|(t, _)| only.is_none_or(|o| o == *t)) {
        util::check_interrupted()?;
        util::header(&format!("fuzz {target} for {seconds} s"));
        let corpus = work.join("corpus").join(target);
        let artifacts = work.join("artifacts").join(target);
        for dir in [&corpus, &artifacts] {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut cmd = Command::new("cargo");
        cmd.current_dir(&fuzz_dir)
            .args(["+nightly", "fuzz", "run", target])
            .arg(&corpus)
            .args(seeds.iter().map(|s| fuzz_dir.join("seeds").join(s)))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .args(["-max_len=262144", "-rss_limit_mb=1536", "-print_final_stats=1"]);
        let (status, log) = util::combined(cmd)?;
        let runs = final_runs(&log);
        let tail: Vec<&str> = log.lines().rev().take(12).collect();
        for line in tail.iter().rev() {
            eprintln!("  {line}");
        }
        if !status.success() {
            let artifact =
                log.lines().find_map(|l| l.split("Test unit written to ").nth(1)).unwrap_or("(see the log above)");
            bail!(
                "fuzz target {target} failed after {runs} executions; input: {artifact} \
                 (reproduce: cd fuzz && cargo +nightly fuzz run {target} {artifact})"
            );
        }
        rows.push((target.to_string(), runs));
    }
    // The rate is over the fuzzing time only; building the target is not counted.
    println!("\n{:<14} {:>12} {:>10} {:>10}", "target", "executions", "seconds", "exec/s");
    for (target, runs) in &rows {
        println!("{target:<14} {runs:>12} {seconds:>10} {:>10.0}", *runs as f64 / seconds.max(1) as f64);
    }
    Ok(())
}

fn check_tools() -> Result {
    let has_nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_nightly {
        bail!("fuzzing needs the nightly toolchain: rustup toolchain install nightly");
    }
    if testbed::which("cargo-fuzz").is_none() {
        return Err(anyhow!("fuzzing needs cargo-fuzz: cargo install cargo-fuzz --locked"));
    }
    Ok(())
}

/// Executions: libFuzzer's final "Done N runs", or after a crash its last "#N" status line.
fn final_runs(log: &str) -> u64 {
    let done = log.lines().rev().find_map(|l| l.trim().strip_prefix("Done ")?.split_whitespace().next()?.parse().ok());
    done.or_else(|| log.lines().rev().find_map(|l| l.trim().strip_prefix('#')?.split_whitespace().next()?.parse().ok()))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_a_name_on_the_command_line() {
        let names: Vec<&str> = TARGETS.iter().map(|(t, _)| *t).collect();
        assert_eq!(names, TARGET_NAMES);
    }

    #[test]
    fn reads_libfuzzer_final_count() {
        let log = "#1024\tpulse  cov: 10\nDone 123456 runs in 61 second(s)\n";
        assert_eq!(final_runs(log), 123456);
        assert_eq!(final_runs("#2\tINITED cov: 5\n#4096\tpulse cov: 9\n==1== ERROR: deadly signal"), 4096);
        assert_eq!(final_runs("crashed"), 0);
    }
}

//! `cargo xtask bench` (no part named): imagekit against the standard tools, on data generated here.
//!
//! (a) SHA-256 of a 512 MiB file: `imagekit digest`, `openssl dgst -sha256`, `sha256sum`.
//! (b) A gzipped layer from a ~200 MB tree: `imagekit layer build`, `tar -czf`, `tar | pigz -p2`.
//! (c) A pull of that tree as a 5-layer image from a local `docker-registry`: `imagekit pull`
//!     against `skopeo copy docker://… oci:…`, cold and warm, with blob GETs from the access log.
//!
//! Both inputs come from a seeded generator, so every run (and every machine) measures the same
//! bytes; they are kept under target/bench/ and reused. Each command's best of 3 is reported,
//! on stdout and in target/bench/results.md.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;

use xtask::util::{self, Context, Result};

use crate::measure::RUNS;
use crate::{digest, layer, pull};

pub fn bench(root: &Path) -> Result {
    let imagekit = util::build_cli(root)?.join("imagekit");
    let dir = util::target_dir(root).join("bench");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    let mut md = String::from("# imagekit benchmarks\n\n");
    md.push_str(&machine(root));
    print!("{md}");

    let digest = digest::digest_bench(&imagekit, &dir)?;
    print!("{digest}");
    md.push_str(&digest);

    let layer = layer::layer_bench(&imagekit, &dir)?;
    print!("{layer}");
    md.push_str(&layer);

    if let Some(pull) = pull::pull_bench(&imagekit, &dir)? {
        print!("{pull}");
        md.push_str(&pull);
    }

    let results = dir.join("results.md");
    fs::write(&results, &md).with_context(|| format!("writing {}", results.display()))?;
    println!("written to {}", util::rel(root, &results));
    Ok(())
}

fn first_line(cmd: &mut Command) -> String {
    cmd.output()
        .map(|o| {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text).lines().next().unwrap_or("").trim().to_string()
        })
        .unwrap_or_default()
}

pub(crate) fn machine(root: &Path) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let (key, value) = l.split_once(':')?;
            (key.trim() == "model name").then(|| value.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let sha_ni = fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "sha_ni"));
    let date = first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]));
    let commit = util::output(Command::new("git").current_dir(root).args(["describe", "--always", "--dirty"]))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "- date: {date}");
    let _ = writeln!(out, "- machine: {cpus} CPU(s) (`nproc`), {model}{}", if sha_ni { ", SHA-NI" } else { "" });
    let _ = writeln!(
        out,
        "- imagekit: release build{}",
        if commit.is_empty() { String::new() } else { format!(" of {commit}") }
    );
    let mut tools = Vec::new();
    for (name, arg) in [
        ("openssl", "version"),
        ("sha256sum", "--version"),
        ("tar", "--version"),
        ("gzip", "--version"),
        ("pigz", "--version"),
    ] {
        if util::which(name).is_some() {
            tools.push(first_line(Command::new(name).arg(arg)));
        }
    }
    let _ = writeln!(out, "- tools: {}", tools.join("; "));
    let _ = writeln!(out, "- method: best of {RUNS} runs each, wall-clock time, inputs already in the page cache");
    out.push('\n');
    out
}

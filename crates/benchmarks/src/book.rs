//! `cargo xtask bench book`: what an author or instructor waits for.
//!
//! (a) `cargo xtask build --fresh` (every cmdrun line runs) and `cargo xtask build` (unchanged
//!     pages replay their figures), each run three times, as the user runs them.
//! (b) `mdbook serve` on a copy of the book (so the repository's files are never touched): the
//!     time from saving an edit to the rendered page holding it, for a prose edit of a topic page
//!     and for an edit of an exercise's hints.md (which reruns that exercise page's figures).
//!     The browser's reload follows the rebuild over mdbook's websocket at once.
//!
//! Results are medians and maxima, on stdout and in target/bench/book.md.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use xtask::served::{self, Served};
use xtask::util::{self, anyhow, Context, Result};

const BUILD_RUNS: usize = 3;
const EDITS: usize = 5;

pub fn bench(root: &Path) -> Result {
    let mut md = String::from("# Book build and serve reload\n\n");
    md.push_str(&build_bench()?);
    md.push_str(&serve_bench(root)?);
    let out = util::target_dir(root).join("bench").join("book.md");
    fs::create_dir_all(out.parent().unwrap_or(root)).with_context(|| "creating target/bench")?;
    fs::write(&out, &md).with_context(|| format!("writing {}", out.display()))?;
    println!("\n{md}\nwritten to {}", util::rel(root, &out));
    Ok(())
}

fn build_bench() -> Result<String> {
    let xtask = util::xtask_binary()?;
    // A first build makes sure the CLI and the widget are built: the issue measures the book.
    quiet_run(&xtask, &["build"])?;
    let mut table = String::from("| build | median | max |\n|---|---:|---:|\n");
    for (label, args) in [
        ("`cargo xtask build --fresh` (every figure runs)", &["build", "--fresh"][..]),
        ("`cargo xtask build` (unchanged pages replay)", &["build"][..]),
    ] {
        let mut times = Vec::new();
        for _ in 0..BUILD_RUNS {
            let start = Instant::now();
            quiet_run(&xtask, args)?;
            times.push(start.elapsed());
        }
        table.push_str(&report(label, &mut times));
    }
    Ok(table + "\n")
}

/// Runs xtask with `args`, its output kept; prints the output only if it fails.
fn quiet_run(xtask: &Path, args: &[&str]) -> Result {
    let mut cmd = Command::new(xtask);
    cmd.args(args);
    let (status, output) = util::combined(cmd)?;
    if status.success() {
        Ok(())
    } else {
        eprintln!("{output}");
        Err(anyhow!("a benchmarked build failed ({status})"))
    }
}

/// Prints "LABEL: 1.23 s, max 1.50 s" (median and maximum) and returns the table row.
fn report(label: &str, times: &mut [Duration]) -> String {
    times.sort();
    let median = format!("{:.2} s", times[times.len() / 2].as_secs_f64());
    let max = format!("{:.2} s", times[times.len() - 1].as_secs_f64());
    println!("{label}: {median}, max {max}");
    format!("| {label} | {median} | {max} |\n")
}

fn serve_bench(root: &Path) -> Result<String> {
    let served = Served::start(root, "bench-serve")?;
    let mut table =
        String::from("| `serve`: from saving an edit to the page rebuilt | median | max |\n|---|---:|---:|\n");
    for (label, source, page) in [
        ("prose of a topic page (src/07-layers/index.md)", "src/07-layers/index.md", "book/07-layers/index.html"),
        (
            "an exercise's hints (exercises/07-layers/hints.md, on its page)",
            "exercises/07-layers/hints.md",
            "book/07-layers/exercise.html",
        ),
    ] {
        let mut times = Vec::new();
        for n in 0..EDITS {
            times.push(time_edit(&served, source, page, n)?);
            // Edits a second apart, as a person saves: each is its own rebuild.
            std::thread::sleep(Duration::from_millis(1200));
        }
        table.push_str(&report(label, &mut times));
    }
    Ok(table)
}

/// Appends a sentence to `source` and waits until the rendered `page` contains it.
fn time_edit(served: &Served, source: &str, page: &str, n: usize) -> Result<Duration> {
    let probe = format!("Reload probe {n} {}.", std::process::id());
    let start = Instant::now();
    served.append(source, &probe)?;
    let rendered = served.copy.join(page);
    served::wait_for(
        || fs::read_to_string(&rendered).is_ok_and(|html| html.contains(&probe)),
        &format!("{page} to show the edit"),
    )?;
    Ok(start.elapsed())
}

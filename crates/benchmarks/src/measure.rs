//! Timing commands fairly: best of a few runs, inputs in the page cache.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use xtask::util::{self, Context, Result};

/// Each command runs this many times; the best is reported.
pub const RUNS: usize = 3;

/// Runs the command `RUNS` times; returns the best time and the last run's stdout.
pub fn best_of(make: impl Fn() -> Command) -> Result<(Duration, String)> {
    let mut best = Duration::MAX;
    let mut stdout = String::new();
    for _ in 0..RUNS {
        let mut cmd = make();
        let start = Instant::now();
        stdout = util::output(&mut cmd)?;
        best = best.min(start.elapsed());
    }
    Ok((best, stdout))
}

pub fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

pub fn missing_tool(name: &str) -> bool {
    if util::which(name).is_some() {
        return false;
    }
    println!("skipping `{name}`: not installed (apt-get install {name})");
    true
}

/// Reads the file once so every tool finds it in the page cache.
pub fn warm(path: &Path) -> Result {
    let mut file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    while file.read(&mut buf).with_context(|| format!("reading {}", path.display()))? > 0 {}
    Ok(())
}

/// Reads every file under `dir` (GNU tar skips reading when writing to /dev/null: no shortcut).
pub fn warm_tree(dir: &Path) -> Result {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry.with_context(|| format!("reading {}", dir.display()))?.path();
        if path.is_dir() {
            warm_tree(&path)?;
        } else {
            warm(&path)?;
        }
    }
    Ok(())
}

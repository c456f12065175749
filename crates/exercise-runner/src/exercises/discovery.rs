//! Finding the exercises, and reading and writing their files without losing the learner's.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::util::{self, anyhow, Context, Result, Usage};

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
    pub fn lib(&self) -> PathBuf {
        self.dir.join("src/lib.rs")
    }
    pub fn solution(&self) -> PathBuf {
        self.dir.join("solution/lib.rs")
    }
    pub fn saved_dir(&self) -> PathBuf {
        self.dir.join(".saved")
    }
    pub fn saved(&self) -> PathBuf {
        self.saved_dir().join("lib.rs")
    }
    pub fn verify_backup(&self) -> PathBuf {
        self.saved_dir().join("verify-in-progress.rs")
    }

    /// The stub as committed (`git show HEAD:…`), if this is a git checkout that tracks it.
    pub fn committed_stub(&self, root: &Path) -> Option<String> {
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
    pub fn steps(&self) -> Vec<String> {
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
    pub fn page_url(&self, root: &Path) -> Option<String> {
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

pub fn step_number(stem: &str) -> u32 {
    let digits: String = stem.trim_start_matches("step").chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(u32::MAX)
}

pub fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// Writes through a temporary file and a rename, so a crash leaves the old or the new file.
pub fn write(path: &Path, content: &str) -> Result {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.xtask-tmp"));
    fs::write(&tmp, content).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// Moves `content` to a new `.saved/lib.rs.<unix time>` and returns that path.
pub fn keep_aside(ex: &Exercise, content: &str) -> Result<PathBuf> {
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
pub fn recover(root: &Path, ex: &Exercise) -> Result {
    let backup = ex.verify_backup();
    if backup.is_file() {
        write(&ex.lib(), &read(&backup)?)?;
        fs::remove_file(&backup).with_context(|| format!("removing {}", backup.display()))?;
        eprintln!("note: put back {} from an interrupted `cargo xtask verify`", util::rel(root, &ex.lib()));
    }
    Ok(())
}

pub fn package_name(manifest: &Path) -> Result<String> {
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
    Err(anyhow!("{}: no [package] name", manifest.display()))
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
        Usage(format!(
            "no exercise {arg:?} (exercises: {})",
            if names.is_empty() { "none yet".to_string() } else { names.join(", ") }
        ))
        .into()
    })
}

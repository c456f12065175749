//! One command's result: run live with `/bin/sh`, recorded, replayed, and logged for the book checks.

use std::ffi::OsString;
use std::fs;
use std::io::{self};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cmdrun::{self, Line};

use super::vars::*;

/// What `book::check` needs of each command a build ran.
pub struct Ran {
    pub cwd: PathBuf,
    pub command: String,
    /// None: killed by a signal.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub replayed: bool,
}

/// The runs logged under `log`, in the order they happened.
pub fn read_log(log: &Path) -> Vec<Ran> {
    let mut runs = Vec::new();
    for i in 0.. {
        let dir = log.join(i.to_string());
        if !dir.is_dir() {
            break;
        }
        let read = |name: &str| fs::read_to_string(dir.join(name)).unwrap_or_default();
        runs.push(Ran {
            cwd: PathBuf::from(read("cwd").trim_end_matches('\n')),
            command: cmdrun::squash(&read("command")),
            status: read("status").trim().parse().ok(),
            stdout: read("stdout"),
            stderr: read("stderr"),
            replayed: dir.join("replayed").exists(),
        });
    }
    runs
}

/// One command's result, as run or as recorded.
pub struct Output {
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn exit_code(&self) -> i32 {
        self.status.unwrap_or(128 + 9)
    }

    pub fn write_to(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)?;
        fs::write(dir.join("stdout"), &self.stdout)?;
        fs::write(dir.join("stderr"), &self.stderr)?;
        // Written last: an entry without it is incomplete.
        fs::write(dir.join("status"), self.status.map_or("killed".to_string(), |s| s.to_string()))
    }

    pub fn read_from(dir: &Path) -> Option<Output> {
        let status = fs::read_to_string(dir.join("status")).ok()?;
        Some(Output {
            status: status.trim().parse().ok(),
            stdout: fs::read(dir.join("stdout")).ok()?,
            stderr: fs::read(dir.join("stderr")).ok()?,
        })
    }

    /// What `book::check` accepts: the expected exit status and something on stdout.
    pub fn as_expected(&self, line: &Line) -> bool {
        self.status == Some(line.expected.unwrap_or(0)) && !String::from_utf8_lossy(&self.stdout).trim().is_empty()
    }
}

/// Runs `command` with `/bin/sh -c`, outside the shim (its own `sh -c` calls go to /bin/sh):
/// here, or in `dir` with `env` (a pre-run).
pub fn run_live_in(command: &str, place: Option<(&Path, &[(String, OsString)])>) -> Output {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c").arg(command).stdin(Stdio::null());
    if let Some((dir, env)) = place {
        cmd.current_dir(dir).envs(env.iter().map(|(k, v)| (k, v)));
    }
    for name in ALL_VARS {
        cmd.env_remove(name);
    }
    match cmd.output() {
        Ok(out) => {
            use std::os::unix::process::ExitStatusExt;
            let status = out.status.code().or_else(|| out.status.signal().map(|s| 128 + s));
            // A signal is reported as killed, not as a code a line could expect.
            let status = if out.status.code().is_some() { status } else { None };
            Output { status, stdout: out.stdout, stderr: out.stderr }
        }
        Err(e) => Output {
            status: Some(127),
            stdout: Vec::new(),
            stderr: format!("xtask: running /bin/sh: {e}\n").into_bytes(),
        },
    }
}

pub fn log_run(log: &Path, cwd: &Path, command: &str, output: &Output, replayed: bool) -> io::Result<()> {
    fs::create_dir_all(log)?;
    // Numbered in order; `create_dir` claims a number even if two commands log at once.
    let mut n = fs::read_dir(log)?.count();
    let dir = loop {
        let dir = log.join(n.to_string());
        match fs::create_dir(&dir) {
            Ok(()) => break dir,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => n += 1,
            Err(e) => return Err(e),
        }
    };
    fs::write(dir.join("cwd"), cwd.display().to_string())?;
    fs::write(dir.join("command"), command)?;
    if replayed {
        fs::write(dir.join("replayed"), "")?;
    }
    output.write_to(&dir)
}

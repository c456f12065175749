//! Errors, the repository root, and running commands with clear messages.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What went wrong: a message for the user (`error: …`), a usage mistake (exit 2), or Ctrl-C.
#[derive(Debug)]
pub enum Error {
    Failed(String),
    Usage(String),
    Interrupted,
}

pub type Result<T = ()> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Failed(msg) | Error::Usage(msg) => f.write_str(msg),
            Error::Interrupted => f.write_str("interrupted"),
        }
    }
}

/// `Err(Error::Failed(format!(…)))`.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        Err($crate::util::Error::Failed(format!($($arg)*)))
    };
}

/// Adds what we were doing to an I/O (or any displayable) error.
pub trait Context<T> {
    fn context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: fmt::Display> Context<T> for std::result::Result<T, E> {
    fn context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| Error::Failed(format!("{}: {e}", what().into())))
    }
}

/// The repository root: this crate lives in `crates/xtask`.
pub fn root() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    dir.canonicalize().unwrap_or(dir)
}

/// Cargo's target directory (`CARGO_TARGET_DIR` if set, else `<root>/target`).
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

/// `path` relative to the root, for messages.
pub fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// A `cargo` command (the same cargo that runs us) in the repository root.
pub fn cargo(root: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root);
    cmd
}

/// How a command reads in messages: `cargo build --release -p imagekit-cli`.
pub fn show(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    // The CARGO variable holds a full path; the user knows it as `cargo`.
    let program = match program.file_name() {
        Some(name) if name == "cargo" => OsStr::new("cargo"),
        _ => program.as_os_str(),
    };
    std::iter::once(program)
        .chain(cmd.get_args())
        .map(|a| {
            let a = a.to_string_lossy();
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'') {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn spawn_error(cmd: &Command, e: io::Error) -> Error {
    let program = cmd.get_program().to_string_lossy();
    if e.kind() == io::ErrorKind::NotFound {
        let hint = match program.as_ref() {
            "mdbook" | "mdbook-cmdrun" | "wasm-bindgen" => " (run `cargo xtask setup`)",
            "umoci" | "skopeo" | "pigz" => " (apt-get install umoci skopeo pigz)",
            _ => "",
        };
        Error::Failed(format!("`{program}` not found on PATH{hint}"))
    } else {
        Error::Failed(format!("could not run `{}`: {e}", show(cmd)))
    }
}

fn status_error(cmd: &Command, status: ExitStatus) -> Error {
    Error::Failed(format!("`{}` failed ({status})", show(cmd)))
}

/// Runs a command with inherited stdio, announcing it first; fails unless it exits 0.
pub fn run(cmd: &mut Command) -> Result {
    eprintln!("$ {}", show(cmd));
    let status = cmd.status().map_err(|e| spawn_error(cmd, e))?;
    check_interrupted()?;
    if status.success() {
        Ok(())
    } else {
        Err(status_error(cmd, status))
    }
}

/// Runs a command and returns its stdout; fails (showing its stderr) unless it exits 0.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| spawn_error(cmd, e))?;
    check_interrupted()?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut err = status_error(cmd, out.status).to_string();
        if !stderr.trim().is_empty() {
            err.push_str(":\n");
            err.push_str(stderr.trim_end());
        }
        Err(Error::Failed(err))
    }
}

/// Runs a command with stdout and stderr merged into one stream (in the order written, as a
/// terminal would show them) and returns the exit status and that text, whatever the status.
pub fn combined(mut cmd: Command) -> Result<(ExitStatus, String)> {
    let (mut reader, writer) = io::pipe().context(|| "creating a pipe")?;
    let writer2 = writer.try_clone().context(|| "creating a pipe")?;
    cmd.stdin(Stdio::null()).stdout(writer).stderr(writer2);
    let mut child = cmd.spawn().map_err(|e| spawn_error(&cmd, e))?;
    // `cmd` holds our copies of the pipe's write end: drop them so that reading ends with the child.
    drop(cmd);
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).context(|| "reading a command's output")?;
    let status = child.wait().context(|| "waiting for a command")?;
    check_interrupted()?;
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// Is `name` an executable on PATH?
pub fn which(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// PATH with `dirs` in front.
pub fn path_with(dirs: &[&Path]) -> std::ffi::OsString {
    let old = std::env::var_os("PATH").unwrap_or_default();
    let all: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).chain(std::env::split_paths(&old)).collect();
    std::env::join_paths(all).unwrap_or(old)
}

/// Every file under `dirs` (or each path itself, if a file) with its mtime and size, sorted: two
/// snapshots differ when a file was saved, added or removed.
pub fn file_stamps(dirs: &[PathBuf]) -> Vec<(PathBuf, std::time::SystemTime, u64)> {
    fn walk(path: &Path, out: &mut Vec<(PathBuf, std::time::SystemTime, u64)>) {
        let Ok(meta) = std::fs::metadata(path) else { return };
        if meta.is_dir() {
            let Ok(entries) = std::fs::read_dir(path) else { return };
            for entry in entries.flatten() {
                walk(&entry.path(), out);
            }
        } else {
            out.push((path.to_path_buf(), meta.modified().unwrap_or(std::time::UNIX_EPOCH), meta.len()));
        }
    }
    let mut files = Vec::new();
    for dir in dirs {
        walk(dir, &mut files);
    }
    files.sort();
    files
}

/// Removes `dir` if present and creates it empty.
pub fn fresh_dir(dir: &Path) -> Result {
    if dir.exists() {
        std::fs::remove_dir_all(dir).context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).context(|| format!("creating {}", dir.display()))
}

/// `1.234s`, `2m05s`.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// A header line for a stage of work.
pub fn header(text: &str) {
    let _ = io::stdout().flush();
    if io::stderr().is_terminal() {
        eprintln!("\n\x1b[1m==> {text}\x1b[0m");
    } else {
        eprintln!("\n==> {text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C: while exercise files are swapped, SIGINT/SIGTERM/SIGHUP must not kill us before we put
// the learner's file back. A handler only sets a flag (children still get the terminal's SIGINT
// and stop; a handler, unlike SIG_IGN, is reset in them by exec). We check the flag after each
// command and unwind through the guards that restore files.

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signum: i32) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

extern "C" {
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
}

/// Catches SIGHUP, SIGINT and SIGTERM from now on (idempotent).
pub fn catch_interrupts() {
    const SIGHUP: i32 = 1;
    const SIGINT: i32 = 2;
    const SIGTERM: i32 = 15;
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if !INSTALLED.swap(true, Ordering::SeqCst) {
        for signum in [SIGHUP, SIGINT, SIGTERM] {
            // SAFETY: `signal` is the C library's; the handler only stores to an atomic, which is
            // async-signal-safe.
            unsafe {
                signal(signum, on_signal);
            }
        }
    }
}

/// `Err(Interrupted)` once a caught signal has arrived.
pub fn check_interrupted() -> Result {
    if INTERRUPTED.load(Ordering::SeqCst) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

//! The base of the workbook's tooling (xtask, bookkit, exercise-runner, benchmarks): errors, the
//! repository root, running commands with clear messages, Ctrl-C while files are swapped, and the
//! demo registry's lifecycle (`registry`).

pub mod registry;

use std::ffi::OsStr;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use anyhow::{anyhow, bail, Context};

/// Every xtask function's result: `Ok(())` unless said otherwise; errors carry what was being
/// done (`.with_context`) and print as one `error: …: cause` line.
pub type Result<T = ()> = anyhow::Result<T>;

/// A usage mistake the argument parser cannot see (an exercise or topic that does not exist):
/// printed like clap's own and exits 2.
#[derive(Debug)]
pub struct Usage(pub String);

/// Ctrl-C (or SIGTERM, SIGHUP) arrived: exits 130 once the swapped files are back.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Usage {}
impl std::error::Error for Interrupted {}

/// The repository root: this crate lives in `crates/devkit`.
pub fn root() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    dir.canonicalize().unwrap_or(dir)
}

/// `cargo run` gives the program it runs the variables of that program's package
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, …). Passed on to the cargo commands xtask runs, they
/// made every crate whose build script watches one of them (ring watches `CARGO_MANIFEST_DIR`)
/// build again, and again when the learner next ran cargo by hand: 30-45 s each time. Children
/// see the environment the learner's shell had. `CARGO` (which cargo) stays. Both binaries that
/// `cargo run` starts (xtask, and the benchmarks it runs the same way) call this first.
pub fn forget_cargo_run_env() {
    let set_by_cargo_run = |name: &str| {
        name.starts_with("CARGO_PKG_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_RUSTC_CURRENT_DIR"
            )
    };
    let names: Vec<_> =
        std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).filter(|k| set_by_cargo_run(k)).collect();
    for name in names {
        // Sound: called first thing in `main`, before any thread starts.
        std::env::remove_var(name);
    }
}

/// The xtask binary that is running this work: `$XTASK_BIN`, which `cargo xtask` sets for
/// everything it starts (the benchmarks, the figures' commands), else this process itself. The
/// book's figure shim hands commands back to it, so it must be xtask, not the benchmarks binary.
pub fn xtask_binary() -> Result<PathBuf> {
    match std::env::var_os("XTASK_BIN") {
        Some(bin) if Path::new(&bin).is_file() => Ok(PathBuf::from(bin)),
        _ => std::env::current_exe().context("finding the xtask binary"),
    }
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

/// Builds the `imagekit` binary in release mode and returns the folder that holds it.
pub fn build_cli(root: &Path) -> Result<PathBuf> {
    run(cargo(root).args(["build", "--release", "-p", "imagekit-cli"]))?;
    let bin_dir = target_dir(root).join("release");
    if !bin_dir.join("imagekit").is_file() {
        bail!("`cargo build --release -p imagekit-cli` did not produce {}", bin_dir.join("imagekit").display());
    }
    Ok(bin_dir)
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

fn spawn_error(cmd: &Command, e: io::Error) -> anyhow::Error {
    let program = cmd.get_program().to_string_lossy();
    if e.kind() == io::ErrorKind::NotFound {
        let hint = match program.as_ref() {
            "mdbook" | "mdbook-cmdrun" | "wasm-bindgen" => " (run `cargo xtask setup`)",
            "umoci" | "skopeo" | "pigz" => " (apt-get install umoci skopeo pigz)",
            _ => "",
        };
        anyhow!("`{program}` not found on PATH{hint}")
    } else {
        anyhow!("could not run `{}`: {e}", show(cmd))
    }
}

fn status_error(cmd: &Command, status: ExitStatus) -> anyhow::Error {
    anyhow!("`{}` failed ({status})", show(cmd))
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
        Err(anyhow!(err))
    }
}

/// Runs a command with stdout and stderr merged into one stream (in the order written, as a
/// terminal would show them) and returns the exit status and that text, whatever the status.
pub fn combined(mut cmd: Command) -> Result<(ExitStatus, String)> {
    let (mut reader, writer) = io::pipe().with_context(|| "creating a pipe")?;
    let writer2 = writer.try_clone().with_context(|| "creating a pipe")?;
    cmd.stdin(Stdio::null()).stdout(writer).stderr(writer2);
    let mut child = cmd.spawn().map_err(|e| spawn_error(&cmd, e))?;
    // `cmd` holds our copies of the pipe's write end: drop them so that reading ends with the child.
    drop(cmd);
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).with_context(|| "reading a command's output")?;
    let status = child.wait().with_context(|| "waiting for a command")?;
    check_interrupted()?;
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

pub use testbed::which;

/// PATH with `dirs` in front.
pub fn path_with(dirs: &[&Path]) -> std::ffi::OsString {
    let old = std::env::var_os("PATH").unwrap_or_default();
    let all: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).chain(std::env::split_paths(&old)).collect();
    std::env::join_paths(all).unwrap_or(old)
}

/// Removes `dir` if present and creates it empty.
pub fn fresh_dir(dir: &Path) -> Result {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
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
// the learner's file back. The handler (ctrlc's thread, not a signal context) only sets a flag;
// children still get the terminal's SIGINT and stop. We check the flag after each command and
// unwind through the guards that restore files.

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Catches SIGINT, SIGTERM and SIGHUP from now on (idempotent).
pub fn catch_interrupts() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if !INSTALLED.swap(true, Ordering::SeqCst) {
        // Fails only if another handler is installed, which xtask never does.
        let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    }
}

/// `Err(Interrupted)` once a caught signal has arrived.
pub fn check_interrupted() -> Result {
    if INTERRUPTED.load(Ordering::SeqCst) {
        Err(Interrupted.into())
    } else {
        Ok(())
    }
}

//! `cargo xtask registry start|stop|status`: a real registry on loopback for live demos and for
//! topic 10's page (demo/10-pulling/prepare and stop run these verbs).
//!
//! Debian's `docker-registry` (the CNCF distribution registry 2.8.2), started by the test bed
//! (`testbed::Registry`, as the tests and benchmarks start it) as
//! `docker-registry serve DIR/config.yml` on 127.0.0.1 and a free port, with its data under
//! `DIR/data` and its log in `DIR/registry.log`. DIR is `target/registry` unless `--dir` names
//! another. `DIR/state` holds `pid=` and `addr=` so that `stop` and `status` (and the book
//! build) find it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use testbed::registry::BINARY;
use testbed::{ping, Registry, RegistryOptions};

use crate as util;
use crate::{bail, Context, Result};

/// Where a registry lives and how it was asked to run.
#[derive(clap::Args, Clone, Default)]
pub struct Where {
    /// Its folder (config, data, log, state); target/registry if left out
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Say nothing unless something fails
    #[arg(long)]
    pub quiet: bool,
}

/// `registry start`'s own flags.
#[derive(clap::Args, Clone, Default)]
pub struct StartFlags {
    /// Stop by itself after this many minutes, even if nobody stops it
    #[arg(long, value_name = "MINUTES")]
    pub stop_after: Option<u64>,
    /// Log every request (for the page's `registry-requests`)
    #[arg(long)]
    pub access_log: bool,
}

/// A running registry, as recorded in the state file.
pub struct Running {
    pub pid: u32,
    pub addr: String,
}

/// Absolute: the folder is matched against the registry's command line by `stop`.
fn dir(root: &Path, at: &Where) -> PathBuf {
    let dir = at.dir.clone().unwrap_or_else(|| util::target_dir(root).join("registry"));
    std::path::absolute(&dir).unwrap_or(dir)
}

pub fn start(root: &Path, at: &Where, flags: &StartFlags) -> Result {
    let dir = dir(root, at);
    if let Some(running) = running(&dir) {
        if !at.quiet {
            println!("registry already running at {} (pid {})", running.addr, running.pid);
        }
        return Ok(());
    }
    let binary = match testbed::oracle(BINARY, BINARY) {
        testbed::Oracle::Present(binary) => binary,
        testbed::Oracle::Skipped(_) | testbed::Oracle::Required(_) => {
            bail!("{BINARY} is not installed: `apt-get install docker-registry` (Debian's CNCF distribution registry 2.8.2)")
        }
    };
    // Its own process group: Ctrl-C in this terminal later does not take the registry with it.
    let options = RegistryOptions {
        own_process_group: true,
        access_log: flags.access_log,
        lifetime: flags.stop_after.map(|minutes| Duration::from_secs(minutes * 60)),
        ..RegistryOptions::default()
    };
    let registry = Registry::start(&binary, &dir, &options)?;
    let addr = registry.addr.clone();
    let pid = registry.detach();
    let state = dir.join("state");
    fs::write(&state, format!("pid={pid}\naddr={addr}\n")).with_context(|| format!("writing {}", state.display()))?;
    if !at.quiet {
        println!("registry running at {addr} (pid {pid}); data in {}", util::rel(root, &dir.join("data")));
        println!("  push:  imagekit push LAYOUT {addr}/driftwood/web:1");
        println!("  pull:  imagekit pull {addr}/driftwood/web:1");
        println!("  stop:  cargo xtask registry stop");
    }
    Ok(())
}

pub fn stop(root: &Path, at: &Where) -> Result {
    let dir = dir(root, at);
    let state = dir.join("state");
    let say = |line: String| {
        if !at.quiet {
            println!("{line}")
        }
    };
    let Some((pid, addr)) = read_state(&state) else {
        say(format!("registry is not running (no {})", util::rel(root, &state)));
        return Ok(());
    };
    if is_registry_process(pid, &dir) {
        // Under `--stop-after`, `pid` is coreutils' `timeout`, which passes the signal on to the
        // registry at once but notices its exit only about 1.5 s later: wait for the registry.
        let children = fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        let waited: Vec<u32> = children.split_whitespace().filter_map(|c| c.parse().ok()).chain([pid]).collect();
        let killed = Command::new("kill").arg(pid.to_string()).status().context("running kill")?;
        if !killed.success() {
            bail!("could not stop the registry at {addr} (pid {pid}): kill failed ({killed})");
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive(waited[0]) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        say(format!("stopped the registry at {addr}"));
    } else {
        say(format!("the registry at {addr} was no longer running"));
    }
    fs::remove_file(&state).with_context(|| format!("removing {}", state.display()))?;
    Ok(())
}

pub fn status(root: &Path, at: &Where) -> Result {
    match running(&dir(root, at)) {
        Some(r) => println!("registry running at {} (pid {}); http://{}/v2/ answers", r.addr, r.pid, r.addr),
        None => println!("registry is not running (start it with `cargo xtask registry start`)"),
    }
    Ok(())
}

/// The registry recorded in `dir`'s state file, if its process is alive and answers.
pub fn running(dir: &Path) -> Option<Running> {
    let (pid, addr) = read_state(&dir.join("state"))?;
    (is_registry_process(pid, dir) && ping(&addr)).then_some(Running { pid, addr })
}

fn read_state(path: &Path) -> Option<(u32, String)> {
    let text = fs::read_to_string(path).ok()?;
    let mut pid = None;
    let mut addr = None;
    for line in text.lines() {
        match line.split_once('=') {
            Some(("pid", v)) => pid = v.trim().parse().ok(),
            Some(("addr", v)) => addr = Some(v.trim().to_string()),
            _ => {}
        }
    }
    Some((pid?, addr?))
}

/// Is `pid` a live docker-registry serving `dir`'s config (not a recycled pid, nor another
/// folder's registry)?
fn is_registry_process(pid: u32, dir: &Path) -> bool {
    let config = dir.join("config.yml");
    fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
        let cmdline = String::from_utf8_lossy(&c);
        cmdline.contains(BINARY) && cmdline.contains(&*config.to_string_lossy()) && alive(pid)
    })
}

/// A process that exists and is not a zombie.
fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

/// Run `f` with the address of a running registry: the one already started with
/// `cargo xtask registry start`, or one started for the call and stopped after it.
/// `Ok(None)` (with a message) when the package is missing and oracles are not required.
pub fn with_registry<T>(root: &Path, f: impl FnOnce(&str) -> Result<T>) -> Result<Option<T>> {
    let at = Where { dir: None, quiet: false };
    if let Some(running) = running(&dir(root, &at)) {
        return f(&running.addr).map(Some);
    }
    match testbed::oracle(BINARY, BINARY) {
        testbed::Oracle::Present(_) => {}
        testbed::Oracle::Skipped(msg) => {
            println!("  skipped: {msg}");
            return Ok(None);
        }
        testbed::Oracle::Required(msg) => bail!("{msg}"),
    }
    start(root, &at, &StartFlags::default())?;
    let Some(running) = running(&dir(root, &at)) else {
        bail!("the registry started but does not answer");
    };
    let result = f(&running.addr);
    stop(root, &at)?;
    result.map(Some)
}

//! `cargo xtask registry start|stop|status`: a real registry on loopback for live demos.
//!
//! Debian's `docker-registry` (the CNCF distribution registry 2.8.2) runs as
//! `docker-registry serve target/registry/config.yml` on 127.0.0.1 and a free port, with its data
//! under `target/registry/data`. `target/registry/state` holds `pid=` and `addr=` so `stop` and
//! `status` (and the book build) find it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use testbed::registry::BINARY;
use testbed::{ping, Registry, RegistryOptions};

use crate::util::{self, bail, Context, Result};

/// A running registry, as recorded in the state file.
pub struct Running {
    pub pid: u32,
    pub addr: String,
}

fn dir(root: &Path) -> PathBuf {
    util::target_dir(root).join("registry")
}

pub fn start(root: &Path) -> Result {
    if let Some(running) = running(root) {
        println!("registry already running at {} (pid {})", running.addr, running.pid);
        return Ok(());
    }
    let binary = match testbed::oracle(BINARY, BINARY) {
        testbed::Oracle::Present(binary) => binary,
        testbed::Oracle::Skipped(_) | testbed::Oracle::Required(_) => {
            bail!("{BINARY} is not installed: `apt-get install docker-registry` (Debian's CNCF distribution registry 2.8.2)")
        }
    };
    let dir = dir(root);
    // Its own process group: Ctrl-C in this terminal later does not take the registry with it.
    let options = RegistryOptions { own_process_group: true, ..RegistryOptions::default() };
    let registry = Registry::start(&binary, &dir, &options)?;
    let addr = registry.addr.clone();
    let pid = registry.detach();
    let state = dir.join("state");
    fs::write(&state, format!("pid={pid}\naddr={addr}\n")).with_context(|| format!("writing {}", state.display()))?;
    println!("registry running at {addr} (pid {pid}); data in {}", util::rel(root, &dir.join("data")));
    println!("  push:  imagekit push LAYOUT {addr}/driftwood/web:1");
    println!("  pull:  imagekit pull {addr}/driftwood/web:1");
    println!("  stop:  cargo xtask registry stop");
    Ok(())
}

pub fn stop(root: &Path) -> Result {
    let state = dir(root).join("state");
    let Some((pid, addr)) = read_state(&state) else {
        println!("registry is not running (no {})", util::rel(root, &state));
        return Ok(());
    };
    if is_registry_process(pid) {
        util::run(Command::new("kill").arg(pid.to_string()))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Path::new(&format!("/proc/{pid}")).exists() && !is_zombie(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        println!("stopped the registry at {addr} (pid {pid})");
    } else {
        println!("the registry at {addr} (pid {pid}) was no longer running");
    }
    fs::remove_file(&state).with_context(|| format!("removing {}", state.display()))?;
    Ok(())
}

pub fn status(root: &Path) -> Result {
    match running(root) {
        Some(r) => {
            println!("registry running at {} (pid {}); http://{}/v2/ answers", r.addr, r.pid, r.addr);
            Ok(())
        }
        None => {
            println!("registry is not running (start it with `cargo xtask registry start`)");
            Ok(())
        }
    }
}

/// The registry recorded in the state file, if its process is alive and answers.
pub fn running(root: &Path) -> Option<Running> {
    let (pid, addr) = read_state(&dir(root).join("state"))?;
    (is_registry_process(pid) && ping(&addr)).then_some(Running { pid, addr })
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

/// Is `pid` a live docker-registry (not a recycled pid of something else)?
fn is_registry_process(pid: u32) -> bool {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains(BINARY) && !is_zombie(pid))
        .unwrap_or(false)
}

fn is_zombie(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
}

/// Run `f` with the address of a running registry: the one already started with
/// `cargo xtask registry start`, or one started for the call and stopped after it.
/// `Ok(None)` (with a message) when the package is missing and oracles are not required.
pub fn with_registry<T>(root: &Path, f: impl FnOnce(&str) -> Result<T>) -> Result<Option<T>> {
    if let Some(running) = running(root) {
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
    start(root)?;
    let Some(running) = running(root) else {
        bail!("the registry started but does not answer");
    };
    let result = f(&running.addr);
    stop(root)?;
    result.map(Some)
}

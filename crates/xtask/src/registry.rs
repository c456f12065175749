//! `cargo xtask registry start|stop|status`: a real registry on loopback for live demos.
//!
//! Debian's `docker-registry` (the CNCF distribution registry 2.8.2) runs as
//! `docker-registry serve target/registry/config.yml` on 127.0.0.1 and a free port, with its data
//! under `target/registry/data`. `target/registry/state` holds `pid=` and `addr=` so `stop` and
//! `status` (and the book build) find it.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fail;
use crate::util::{self, Context, Result};

const BINARY: &str = "docker-registry";

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
    let Some(binary) =
        util::which(BINARY).or_else(|| Some(PathBuf::from("/usr/bin/docker-registry")).filter(|p| p.is_file()))
    else {
        return fail!(
            "{BINARY} is not installed: `apt-get install docker-registry` (Debian's CNCF distribution registry 2.8.2)"
        );
    };
    let dir = dir(root);
    fs::create_dir_all(dir.join("data")).context(|| format!("creating {}", dir.display()))?;
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let config = dir.join("config.yml");
    fs::write(&config, config_yml(&dir.join("data"), &addr)).context(|| format!("writing {}", config.display()))?;
    let log_path = dir.join("registry.log");
    let log = fs::File::create(&log_path).context(|| format!("creating {}", log_path.display()))?;
    let log2 = log.try_clone().context(|| "opening the registry log")?;
    let mut command = Command::new(&binary);
    command.arg("serve").arg(&config).stdin(Stdio::null()).stdout(log).stderr(log2);
    // Its own process group: Ctrl-C in this terminal later does not take the registry with it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().context(|| format!("starting {}", binary.display()))?;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().context(|| "waiting for the registry")? {
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            return fail!("{BINARY} exited ({status}) before answering; its log says: {}", log.trim());
        }
        if ping(&addr) {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return fail!("{BINARY} did not answer on http://{addr}/v2/ within 15 s (log: {})", log_path.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let state = dir.join("state");
    fs::write(&state, format!("pid={}\naddr={addr}\n", child.id()))
        .context(|| format!("writing {}", state.display()))?;
    println!("registry running at {addr} (pid {}); data in {}", child.id(), util::rel(root, &dir.join("data")));
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
    fs::remove_file(&state).context(|| format!("removing {}", state.display()))?;
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

/// Bind port 0 on loopback and let the kernel choose; the port is free once the listener drops.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context(|| "finding a free port on 127.0.0.1")?;
    Ok(listener.local_addr().context(|| "reading the bound port")?.port())
}

/// Does `GET /v2/` answer 200 (or 401) at `addr`?
pub fn ping(addr: &str) -> bool {
    let Ok(sock) = addr.parse::<SocketAddr>() else { return false };
    let Ok(mut stream) = TcpStream::connect_timeout(&sock, Duration::from_millis(500)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(format!("GET /v2/ HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && (head.ends_with(b" 200") || head.ends_with(b" 401"))
}

fn config_yml(data: &Path, addr: &str) -> String {
    format!(
        "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\nhealth:\n  storagedriver:\n    enabled: false\n",
        data.display()
    )
}

/// Run `f` with the address of a running registry: the one already started with
/// `cargo xtask registry start`, or one started for the call and stopped after it.
/// `Ok(None)` (with a message) when the package is missing and oracles are not required.
pub fn with_registry<T>(root: &Path, f: impl FnOnce(&str) -> Result<T>) -> Result<Option<T>> {
    if let Some(running) = running(root) {
        return f(&running.addr).map(Some);
    }
    if util::which(BINARY).is_none() && !Path::new("/usr/bin/docker-registry").is_file() {
        if std::env::var("IMAGEKIT_REQUIRE_ORACLES").as_deref() == Ok("1") {
            return fail!("{BINARY} is required (IMAGEKIT_REQUIRE_ORACLES=1): `apt-get install docker-registry`");
        }
        println!("  skipped: {BINARY} is not installed (`apt-get install docker-registry`)");
        return Ok(None);
    }
    start(root)?;
    let Some(running) = running(root) else {
        return fail!("the registry started but does not answer");
    };
    let result = f(&running.addr);
    stop(root)?;
    result.map(Some)
}

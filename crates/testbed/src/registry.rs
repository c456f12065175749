//! Debian's `docker-registry` (the CNCF distribution registry 2.8.2) on 127.0.0.1 and a free port,
//! with its config, data and log in a folder of the caller's choosing.

use std::fs;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The executable Debian's package installs.
pub const BINARY: &str = "docker-registry";

/// How to run the registry.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Log each request (for [`Registry::blob_gets`]); off, the log holds only warnings.
    pub access_log: bool,
    /// Put the registry in a process group of its own, so that Ctrl-C in the terminal that
    /// started it does not stop it (for a registry that outlives its starter).
    pub own_process_group: bool,
    /// How long to wait for `GET /v2/` to answer.
    pub startup: Duration,
    /// Run under coreutils' `timeout`, so that the registry exits by itself after this long
    /// even when whoever started it never stops it (a book build that fails half-way).
    pub lifetime: Option<Duration>,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            access_log: false,
            own_process_group: false,
            startup: Duration::from_secs(15),
            lifetime: None,
        }
    }
}

/// A running `docker-registry serve`, stopped when dropped (unless [`Registry::detach`]ed).
pub struct Registry {
    child: Option<Child>,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Its stdout and stderr (with the access log when asked for).
    pub log: PathBuf,
}

impl Registry {
    /// Starts the registry at `binary` with `dir/config.yml`, `dir/data` and `dir/registry.log`.
    /// A port can be taken between choosing it and the registry binding it: three tries.
    pub fn start(binary: &Path, dir: &Path, options: &RegistryOptions) -> io::Result<Registry> {
        fs::create_dir_all(dir.join("data"))?;
        let log = dir.join("registry.log");
        let mut last_error = None;
        for _ in 0..3 {
            let addr = format!("127.0.0.1:{}", crate::free_port()?);
            let config = dir.join("config.yml");
            fs::write(&config, config_yml(&dir.join("data"), &addr, options.access_log))?;
            let out = fs::File::create(&log)?;
            let mut command = match options.lifetime {
                Some(lifetime) => {
                    let mut timeout = Command::new("timeout");
                    timeout.arg(format!("{}s", lifetime.as_secs().max(1))).arg(binary);
                    timeout
                }
                None => Command::new(binary),
            };
            command.arg("serve").arg(&config).stdin(Stdio::null()).stdout(out.try_clone()?).stderr(out);
            if options.own_process_group {
                std::os::unix::process::CommandExt::process_group(&mut command, 0);
            }
            let child =
                command.spawn().map_err(|e| io::Error::new(e.kind(), format!("starting {}: {e}", binary.display())))?;
            let mut registry = Registry { child: Some(child), addr, log: log.clone() };
            match registry.wait_until_up(options.startup) {
                Ok(()) => return Ok(registry),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("docker-registry did not start")))
    }

    fn wait_until_up(&mut self, within: Duration) -> io::Result<()> {
        let deadline = Instant::now() + within;
        let child = self.child.as_mut().expect("a registry being started has its process");
        loop {
            if let Some(status) = child.try_wait()? {
                let log = fs::read_to_string(&self.log).unwrap_or_default();
                return Err(io::Error::other(format!(
                    "{BINARY} exited ({status}) before answering; its log says: {}",
                    log.trim()
                )));
            }
            if ping(&self.addr) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "{BINARY} did not answer on http://{}/v2/ within {} s (log: {})",
                    self.addr,
                    within.as_secs(),
                    self.log.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The registry's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Leaves the registry running after this value goes; returns its pid.
    pub fn detach(mut self) -> u32 {
        let pid = self.pid();
        self.child = None;
        pid
    }

    /// The requests (`GET` and `HEAD` of `/v2/…`) the access log holds so far, in order (with
    /// `access_log`): a verb's requests are the lines added while it ran.
    pub fn requests(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .map(|t| {
                t.lines()
                    .filter(|l| l.contains("\"GET /v2/") || l.contains("\"HEAD /v2/"))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many `GET …/blobs/sha256:…` requests the access log holds so far (with `access_log`).
    pub fn blob_gets(&self) -> usize {
        fs::read_to_string(&self.log).map(|t| count_blob_gets(&t)).unwrap_or(0)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn count_blob_gets(log: &str) -> usize {
    log.lines().filter(|l| l.contains("\"GET /v2/") && l.contains("/blobs/sha256:")).count()
}

/// Does `GET /v2/` at `addr` answer 200 (or 401, a registry that wants a login)?
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

fn config_yml(data: &Path, addr: &str, access_log: bool) -> String {
    let disabled = !access_log;
    format!(
        "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: {disabled}\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\nhealth:\n  storagedriver:\n    enabled: false\n",
        data.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_blob_gets() {
        let log = r#"127.0.0.1 - - "GET /v2/a/blobs/sha256:00 HTTP/1.1" 200
127.0.0.1 - - "HEAD /v2/a/blobs/sha256:00 HTTP/1.1" 200
127.0.0.1 - - "GET /v2/a/manifests/1 HTTP/1.1" 200
127.0.0.1 - - "GET /v2/b/blobs/sha256:11 HTTP/1.1" 200"#;
        assert_eq!(count_blob_gets(log), 2);
    }

    #[test]
    fn config_turns_the_access_log_on_only_when_asked() {
        let on = config_yml(Path::new("/d"), "127.0.0.1:1", true);
        assert!(on.contains("disabled: false") && on.contains("rootdirectory: /d") && on.contains("addr: 127.0.0.1:1"));
        assert!(config_yml(Path::new("/d"), "127.0.0.1:1", false).contains("disabled: true"));
    }

    #[test]
    fn nothing_listening_is_no_registry() {
        let port = crate::free_port().unwrap();
        assert!(!ping(&format!("127.0.0.1:{port}")));
        assert!(!ping("not an address"));
    }

    #[test]
    fn a_real_registry_starts_answers_and_stops() {
        let binary = match crate::oracle(BINARY, BINARY) {
            crate::Oracle::Present(path) => path,
            crate::Oracle::Skipped(msg) => return eprintln!("SKIPPED: {msg}"),
            crate::Oracle::Required(msg) => panic!("{msg}"),
        };
        let dir = std::env::temp_dir().join(format!("testbed-registry-{}", std::process::id()));
        let options = RegistryOptions { access_log: true, ..RegistryOptions::default() };
        let registry = Registry::start(&binary, &dir, &options).unwrap();
        let addr = registry.addr.clone();
        assert!(ping(&addr));
        drop(registry);
        assert!(!ping(&addr), "the registry still answers after being dropped");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_registry_with_a_lifetime_stops_by_itself() {
        let binary = match crate::oracle(BINARY, BINARY) {
            crate::Oracle::Present(path) => path,
            crate::Oracle::Skipped(msg) => return eprintln!("SKIPPED: {msg}"),
            crate::Oracle::Required(msg) => panic!("{msg}"),
        };
        let dir = std::env::temp_dir().join(format!("testbed-registry-lifetime-{}", std::process::id()));
        let options = RegistryOptions { lifetime: Some(Duration::from_secs(1)), ..RegistryOptions::default() };
        let mut registry = Registry::start(&binary, &dir, &options).unwrap();
        let addr = registry.addr.clone();
        let mut starter = registry.child.take().expect("a started registry has its process");
        let deadline = Instant::now() + Duration::from_secs(10);
        while ping(&addr) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!ping(&addr), "the registry still answers 10 s after its 1 s lifetime");
        let _ = starter.kill();
        let _ = starter.wait();
        let _ = fs::remove_dir_all(&dir);
    }
}

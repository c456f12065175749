//! Helpers for the registry tests: a real `docker-registry` on a free loopback port with a temp
//! dir (started by the workspace's `testbed`), a loopback proxy that can throttle or flip a byte,
//! images built with `imagekit image build`, and a blob checker that hashes every file in a store.

#![allow(dead_code)]

use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common;

/// A `docker-registry serve` of its own (the workspace's test bed), stopped when dropped.
pub struct Registry {
    pub addr: String,
    _registry: testbed::Registry,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// None (with a SKIPPED message) when docker-registry is missing, unless
    /// IMAGEKIT_REQUIRE_ORACLES=1, which makes that a failure.
    pub fn start() -> Option<Registry> {
        Registry::start_with(&testbed::RegistryOptions::default())
    }

    /// [`Registry::start`] with the registry's access log on, for counting requests.
    pub fn start_logged() -> Option<Registry> {
        Registry::start_with(&testbed::RegistryOptions { access_log: true, ..testbed::RegistryOptions::default() })
    }

    fn start_with(options: &testbed::RegistryOptions) -> Option<Registry> {
        let binary = match testbed::oracle("docker-registry", "docker-registry") {
            testbed::Oracle::Present(binary) => binary,
            testbed::Oracle::Skipped(msg) => {
                eprintln!("SKIPPED: {msg}");
                return None;
            }
            testbed::Oracle::Required(msg) => panic!("{msg}"),
        };
        let dir = tempfile::tempdir().unwrap();
        let registry = testbed::Registry::start(&binary, dir.path(), options)
            .unwrap_or_else(|e| panic!("docker-registry did not come up on a loopback port: {e}"));
        Some(Registry { addr: registry.addr.clone(), _registry: registry, _dir: dir })
    }

    /// The requests the registry's access log holds so far (with [`Registry::start_logged`]).
    pub fn requests(&self) -> Vec<String> {
        self._registry.requests()
    }
}

/// What the proxy does to responses.
#[derive(Clone)]
pub enum Mode {
    /// Forward, `chunk` bytes at a time with `delay` between chunks (a slow network).
    Throttle { chunk: usize, delay: Duration },
    /// Flip one bit of the response body byte at `offset` for request paths containing `path`.
    Flip { path: String, offset: usize },
}

/// A loopback HTTP proxy in front of `upstream` (one request per connection: it forwards each
/// request with `Connection: close` and copies the answer back, tampered with as `mode` says).
pub struct Proxy {
    pub addr: String,
}

impl Proxy {
    pub fn start(upstream: &str, mode: Mode) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let upstream = upstream.to_string();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (upstream, mode) = (upstream.clone(), mode.clone());
                std::thread::spawn(move || {
                    let _ = forward(client, &upstream, &mode);
                });
            }
        });
        Proxy { addr }
    }
}

fn read_head(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    Ok(head)
}

fn forward(mut client: TcpStream, upstream: &str, mode: &Mode) -> std::io::Result<()> {
    let head = String::from_utf8_lossy(&read_head(&mut client)?).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut rewritten: Vec<&str> =
        head.trim_end().split("\r\n").filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
    rewritten.push("Connection: close");
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(format!("{}\r\n\r\n", rewritten.join("\r\n")).as_bytes())?;
    // Pulls send no request bodies; anything else is not proxied.
    let response_head = read_head(&mut server)?;
    client.write_all(&response_head)?;
    let ok = response_head.starts_with(b"HTTP/1.1 200") || response_head.starts_with(b"HTTP/1.0 200");
    let mut buf = vec![0u8; 64 << 10];
    let mut body_pos = 0usize;
    loop {
        let limit = match mode {
            Mode::Throttle { chunk, .. } => (*chunk).min(buf.len()),
            Mode::Flip { .. } => buf.len(),
        };
        let n = server.read(&mut buf[..limit])?;
        if n == 0 {
            break;
        }
        if let Mode::Flip { path: wanted, offset } = mode {
            if ok && path.contains(wanted.as_str()) && (body_pos..body_pos + n).contains(offset) {
                buf[offset - body_pos] ^= 0x01;
            }
        }
        body_pos += n;
        client.write_all(&buf[..n])?;
        if let Mode::Throttle { delay, .. } = mode {
            std::thread::sleep(*delay);
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}

/// Directories for two images that share their base layers: `base` (300 kB of incompressible
/// data and more), then `app1` or `app2` on top.
pub fn fixtures(root: &Path, big: usize) -> (PathBuf, PathBuf, PathBuf) {
    let base = root.join("base");
    let os = root.join("os");
    let app1 = root.join("app1");
    let app2 = root.join("app2");
    common::write(&os.join("etc/os-release"), b"NAME=\"Driftwood Test Linux\"\n", 0o644);
    common::write(&base.join("usr/lib/libbig.so"), &common::pseudo_random(big), 0o644);
    common::write(&app1.join("srv/www/index.html"), b"<h1>Driftwood web</h1>\n", 0o644);
    common::write(&app2.join("srv/api/main.js"), b"console.log('api');\n", 0o644);
    (base, app1, app2)
}

/// Build `web:1` (os, base, app1) and `api:1` (os, base, app2) into two layouts.
pub fn build_two(root: &Path, big: usize) -> (PathBuf, PathBuf) {
    let (base, app1, app2) = fixtures(root, big);
    let os = root.join("os");
    let web = root.join("web-layout");
    let api = root.join("api-layout");
    for (app, tag, out) in [(&app1, "web:1", &web), (&app2, "api:1", &api)] {
        common::ok(&[
            "image",
            "build",
            "--layer",
            os.to_str().unwrap(),
            "--layer",
            base.to_str().unwrap(),
            "--layer",
            app.to_str().unwrap(),
            "--tag",
            tag,
            "-o",
            out.to_str().unwrap(),
        ]);
    }
    (web, api)
}

/// Run imagekit with `--json` appended, insist on success, parse stdout.
pub fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&common::ok(&all)).unwrap()
}

/// Every file under `store/blobs/sha256` hashes to its own name; returns how many there are.
pub fn check_blobs(store: &Path) -> usize {
    let dir = store.join("blobs/sha256");
    let Ok(entries) = fs::read_dir(&dir) else { return 0 };
    let mut n = 0;
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        let (digest, _) = imagekit::Digest::of_reader(fs::File::open(entry.path()).unwrap()).unwrap();
        assert_eq!(digest.hex(), name, "blob file {name} holds content whose digest is {digest}");
        n += 1;
    }
    n
}

/// The imagekit binary, as a Command (for children the test kills).
pub fn imagekit_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_imagekit"));
    cmd.env_remove("SOURCE_DATE_EPOCH");
    cmd
}

//! Your store against a real registry: `cargo run -p ex10-pulling --example real_registry -- ADDR NAME:TAG`
//!
//! Start one with `cargo xtask registry start` (it prints ADDR, e.g. 127.0.0.1:40123), push an
//! image to it (`imagekit push LAYOUT ADDR/driftwood/web:1`), then run this example twice with
//! `driftwood/web:1`: the first pull fetches every blob, the second none. It works once your
//! `src/lib.rs` passes every step (or after `cargo xtask solve 10`).
//!
//! The `BlobSource` here speaks HTTP/1.0 over a plain `TcpStream`: enough for a registry on
//! loopback that serves blobs itself (the distribution registry with filesystem storage does);
//! no TLS, no redirects, no tokens. The manifest request sends an OCI `Accept` header, without
//! which the registry answers 404 (see the topic page).

use std::io::{Read, Write};
use std::net::TcpStream;

use ex10_pulling::{prune, pull, BlobSource, Store};

struct Registry {
    addr: String,
    /// The repository the blobs are fetched from (blob paths name it).
    repo: String,
    requests: usize,
}

impl Registry {
    fn get(&mut self, path: &str, accept: &str) -> Result<Vec<u8>, String> {
        self.requests += 1;
        let mut stream = TcpStream::connect(&self.addr).map_err(|e| format!("{}: {e}", self.addr))?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {}\r\nAccept: {accept}\r\n\r\n", self.addr);
        stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(|e| e.to_string())?;
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no end of headers")?;
        let head = String::from_utf8_lossy(&response[..split]).to_string();
        let body = response[split + 4..].to_vec();
        let status = head.lines().next().unwrap_or_default();
        if !status.contains(" 200 ") {
            return Err(format!("GET {path}: {status}: {}", String::from_utf8_lossy(&body)));
        }
        Ok(body)
    }
}

impl BlobSource for Registry {
    fn fetch_manifest(&mut self, reference: &str) -> Result<Vec<u8>, String> {
        let (repo, tag) = reference.rsplit_once(':').ok_or("expected NAME:TAG")?;
        self.get(
            &format!("/v2/{repo}/manifests/{tag}"),
            "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
        )
    }

    fn fetch_blob(&mut self, digest: &str) -> Result<Vec<u8>, String> {
        let path = format!("/v2/{}/blobs/{digest}", self.repo);
        self.get(&path, "*/*")
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, name] = args.as_slice() else {
        eprintln!("usage: real_registry ADDR NAME:TAG   (e.g. 127.0.0.1:40123 driftwood/web:1)");
        std::process::exit(2);
    };
    let repo = name.rsplit_once(':').map(|(r, _)| r).unwrap_or(name);
    let mut registry = Registry { addr: addr.clone(), repo: repo.to_string(), requests: 0 };
    let mut store = Store::new();
    for attempt in ["first pull", "second pull"] {
        let before = registry.requests;
        match pull(&mut registry, &mut store, name) {
            Ok(r) => println!(
                "{attempt}: {} — {} blob(s) fetched, {} reused, {} bytes; {} request(s)",
                r.digest,
                r.fetched,
                r.reused,
                r.bytes_fetched,
                registry.requests - before
            ),
            Err(e) => {
                eprintln!("error: {attempt}: {e}");
                std::process::exit(1);
            }
        }
    }
    let (blobs, bytes) = store.usage();
    println!("store: {blobs} blob(s), {bytes} bytes");
    match prune(&mut store) {
        Ok(p) => println!("prune: {} removed (every blob is reached by {name})", p.removed.len()),
        Err(e) => eprintln!("error: prune: {e}"),
    }
}

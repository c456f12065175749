//! The client against a tiny registry in this process (std::net on 127.0.0.1, hand-written HTTP):
//! the bearer-token dance as Docker Hub does it, and content that lies.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use super::*;
use crate::index::Index;
use crate::manifest::Manifest;
use crate::media;
use crate::raw::Raw;
use crate::store::Store;

struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, body: Vec<u8>) -> Response {
        Response { status, headers: Vec::new(), body }
    }
    fn header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
}

type Handler = dyn Fn(&Request, u16) -> Response + Send + Sync;

/// Serve `handler` on a free loopback port (one request per connection); returns the port and
/// the log of requests ("GET /v2/…").
fn serve(handler: Arc<Handler>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (handler, log) = (handler.clone(), log2.clone());
            std::thread::spawn(move || handle(stream, &*handler, port, &log));
        }
    });
    (port, log)
}

fn handle(stream: TcpStream, handler: &Handler, port: u16, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    log.lock().unwrap().push(format!("{method} {path}"));
    let response = handler(&Request { method, path, headers }, port);
    let mut out = stream;
    let mut head =
        format!("HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n", response.status, response.body.len());
    for (k, v) in &response.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&response.body);
}

/// A one-layer image: (manifest bytes, config bytes, layer bytes).
fn image() -> (Raw<Manifest>, Vec<u8>, Vec<u8>) {
    let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.to_vec();
    let layer: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let manifest = Manifest::new(
        Descriptor::for_bytes(media::OCI_CONFIG, &config),
        vec![Descriptor::for_bytes(media::OCI_LAYER_GZIP, &layer)],
    );
    (Raw::encode(manifest), config, layer)
}

/// A registry that wants a bearer token for everything under /v2/, like Docker Hub.
fn token_registry(
    manifest: Vec<u8>,
    blobs: Vec<Vec<u8>>,
    corrupt: Option<Digest>,
) -> impl Fn(&Request, u16) -> Response + Send + Sync {
    move |req: &Request, port: u16| {
        assert_eq!(req.method, "GET", "a pull only reads");
        if req.path.starts_with("/token?") {
            let q = &req.path["/token?".len()..];
            if q != "service=test-registry&scope=repository%3Ademo%2Fapp%3Apull" {
                return Response::new(400, format!("unexpected query {q}").into_bytes());
            }
            return Response::new(200, br#"{"token":"s3cret","expires_in":300}"#.to_vec());
        }
        if req.headers.get("authorization").map(String::as_str) != Some("Bearer s3cret") {
            let challenge = format!(
                "Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"test-registry\",scope=\"repository:demo/app:pull\""
            );
            return Response::new(
                401,
                br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.to_vec(),
            )
            .header("WWW-Authenticate", &challenge);
        }
        if req.path == "/v2/demo/app/manifests/v1" {
            assert!(req.headers["accept"].contains(media::OCI_MANIFEST), "the Accept header lists OCI types");
            return Response::new(200, manifest.clone())
                .header("Content-Type", media::OCI_MANIFEST)
                .header("Docker-Content-Digest", &Digest::of_bytes(&manifest).to_string());
        }
        for blob in &blobs {
            let digest = Digest::of_bytes(blob);
            if req.path == format!("/v2/demo/app/blobs/{digest}") {
                let mut body = blob.clone();
                if corrupt.as_ref() == Some(&digest) {
                    let mid = body.len() / 2;
                    body[mid] ^= 0x20;
                }
                return Response::new(200, body);
            }
        }
        Response::new(404, br#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}"#.to_vec())
    }
}

#[test]
fn bearer_token_flow_then_pull_then_warm_pull() {
    let (manifest, config, layer) = image();
    let (port, log) = serve(Arc::new(token_registry(manifest.bytes().to_vec(), vec![config, layer.clone()], None)));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let client = Client::new(Options::default());
    let reference = Reference::parse(&format!("127.0.0.1:{port}/demo/app:v1")).unwrap();

    let report = pull(&client, &store, &reference, &PullOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.digest, *manifest.digest());
    assert_eq!((report.blobs_fetched, report.blobs_reused), (2, 0));
    assert_eq!(report.requests.token_requests, 1, "one token, cached for the blobs");
    assert_eq!(report.requests.manifest_requests, 2, "401, then the retry with the token");
    assert_eq!(report.requests.blob_requests, 2, "the token was already there for the blobs");
    assert_eq!(report.blob_bytes, layer.len() as u64 + report.blobs[0].size);
    assert_eq!(store.resolve(&format!("127.0.0.1:{port}/demo/app:v1")).unwrap().digest, *manifest.digest());
    let first = log.lock().unwrap().clone();
    assert_eq!(first[0], "GET /v2/demo/app/manifests/v1");
    assert!(first[1].starts_with("GET /token?"), "{first:?}");
    assert_eq!(first[2], "GET /v2/demo/app/manifests/v1");

    // Warm: the same client asks for the manifest once (token cached) and fetches no blob.
    let again = pull(&client, &store, &reference, &PullOptions::default(), &mut |_| {}).unwrap();
    assert_eq!((again.blobs_fetched, again.blobs_reused), (0, 2));
    assert_eq!(again.requests.manifest_requests, 1);
    assert_eq!(again.requests.blob_requests, 0);
    assert_eq!(again.requests.token_requests, 0);

    // By digest, present: nothing is asked at all.
    let by_digest = Reference::parse(&format!("127.0.0.1:{port}/demo/app@{}", manifest.digest())).unwrap();
    let n = log.lock().unwrap().len();
    let pinned = pull(&client, &store, &by_digest, &PullOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(log.lock().unwrap().len(), n, "a pull by a digest the store holds asks the registry nothing");
    assert_eq!(pinned.requests, RequestCounts::default());
    store.verify().unwrap();
}

#[test]
fn a_blob_with_a_flipped_byte_is_refused_and_not_stored() {
    let (manifest, config, layer) = image();
    let bad = Digest::of_bytes(&layer);
    let (port, _) = serve(Arc::new(token_registry(manifest.bytes().to_vec(), vec![config, layer], Some(bad.clone()))));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let client = Client::new(Options::default());
    let reference = Reference::parse(&format!("127.0.0.1:{port}/demo/app:v1")).unwrap();
    let err = pull(&client, &store, &reference, &PullOptions::default(), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("digest mismatch") && err.contains(&bad.to_string()), "{err}");
    assert!(!store.has(&bad));
    assert!(store.tags().unwrap().is_empty(), "no tag for an incomplete image");
    assert_eq!(std::fs::read_dir(dir.path().join("ingest")).unwrap().count(), 0);
}

#[test]
fn a_manifest_that_does_not_match_its_header_is_refused() {
    let (manifest, _, _) = image();
    let bytes = manifest.bytes().to_vec();
    let claimed = Digest::of_bytes(b"something else");
    let claimed2 = claimed.clone();
    let (port, _) = serve(Arc::new(move |_: &Request, _| {
        Response::new(200, bytes.clone())
            .header("Content-Type", media::OCI_MANIFEST)
            .header("Docker-Content-Digest", &claimed2.to_string())
    }));
    let client = Client::new(Options::default());
    let repo = Repository { registry: format!("127.0.0.1:{port}"), name: "demo/app".into() };
    let err = client.get_manifest(&repo, "v1").unwrap_err().to_string();
    assert!(err.contains("Docker-Content-Digest") && err.contains(&claimed.to_string()), "{err}");
    // Asked by digest, the bytes must be those of the digest, header or not.
    let err = client.get_manifest(&repo, &claimed.to_string()).unwrap_err().to_string();
    assert!(err.contains("digest mismatch") && err.contains(&claimed.to_string()), "{err}");
}

#[test]
fn basic_auth_is_reported_not_attempted_and_errors_carry_the_registry_code() {
    let (port, _) = serve(Arc::new(|req: &Request, _| {
        if req.path.contains("private") {
            Response::new(401, Vec::new()).header("WWW-Authenticate", "Basic realm=\"Registry\"")
        } else {
            Response::new(404, br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#.to_vec())
        }
    }));
    let client = Client::new(Options::default());
    let repo = Repository { registry: format!("localhost:{port}"), name: "private/app".into() };
    let err = client.get_manifest(&repo, "v1").unwrap_err().to_string();
    assert!(err.contains("basic credentials"), "{err}");
    let repo = Repository { registry: format!("localhost:{port}"), name: "demo/app".into() };
    let err = client.get_manifest(&repo, "v1").unwrap_err().to_string();
    assert_eq!(
        err,
        format!("GET http://localhost:{port}/v2/demo/app/manifests/v1: HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)")
    );
}

#[test]
fn pull_picks_the_platform_from_an_index() {
    let (manifest, config, layer) = image();
    let mut entry = manifest.descriptor(media::OCI_MANIFEST);
    entry.platform = Some(crate::Platform::parse("linux/amd64").unwrap());
    let mut other = Descriptor::for_bytes(media::OCI_MANIFEST, b"arm64 manifest, never fetched");
    other.platform = Some(crate::Platform::parse("linux/arm64").unwrap());
    let index = Raw::encode(Index::new(vec![other, entry]));
    let (index_bytes, manifest_bytes) = (index.bytes().to_vec(), manifest.bytes().to_vec());
    let blobs = [config, layer];
    let (port, log) = serve(Arc::new(move |req: &Request, _| {
        let path = req.path.as_str();
        let found = if path.ends_with("/manifests/multi") {
            Some((index_bytes.clone(), media::OCI_INDEX))
        } else if path.ends_with(&format!("/manifests/{}", Digest::of_bytes(&manifest_bytes))) {
            Some((manifest_bytes.clone(), media::OCI_MANIFEST))
        } else {
            blobs.iter().find(|b| path.ends_with(&Digest::of_bytes(b).to_string())).map(|b| (b.clone(), "x"))
        };
        match found {
            Some((body, ct)) => Response::new(200, body).header("Content-Type", ct),
            None => Response::new(404, Vec::new()),
        }
    }));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let client = Client::new(Options::default());
    let reference = Reference::parse(&format!("127.0.0.1:{port}/demo/multi:multi")).unwrap();
    let report = pull(&client, &store, &reference, &PullOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.digest, *index.digest());
    assert_eq!(report.manifest, *manifest.digest());
    assert_eq!(report.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(report.requests.manifest_requests, 2);
    assert!(!log.lock().unwrap().iter().any(|l| l.contains("arm64")));
    let err = pull(
        &client,
        &store,
        &reference,
        &PullOptions { platform: Some(crate::Platform::parse("linux/s390x").unwrap()) },
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no manifest for platform linux/s390x"), "{err}");
    store.verify().unwrap();
}

#[test]
fn plain_http_only_for_loopback_unless_asked() {
    for host in ["localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000", "localhost", "LOCALHOST:1"] {
        assert!(is_loopback(host), "{host}");
    }
    for host in ["docker.io", "ghcr.io", "10.0.0.1:5000", "localhost.example.com", "[fe80::1]:5000", "128.0.0.1"] {
        assert!(!is_loopback(host), "{host}");
    }
    let client = Client::new(Options::default());
    assert_eq!(client.base_url("127.0.0.1:5000"), "http://127.0.0.1:5000");
    assert_eq!(client.base_url("docker.io"), "https://registry-1.docker.io");
    assert_eq!(client.base_url("ghcr.io"), "https://ghcr.io");
    let insecure = Client::new(Options { plain_http: true, ..Options::default() });
    assert_eq!(insecure.base_url("registry.lan:5000"), "http://registry.lan:5000");
}

/// A registry that answers at once and then sends its body a byte every 50 ms: each read
/// gets data in time, so only an overall deadline ends the request.
#[test]
fn a_trickling_registry_meets_the_overall_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 2 {
                    line.clear();
                }
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                for _ in 0..100_000 {
                    if stream.write_all(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            });
        }
    });
    let options = Options { deadline: Some(std::time::Duration::from_secs(1)), ..Options::default() };
    let client = Client::new(options);
    let repo = Repository { registry: format!("127.0.0.1:{port}"), name: "slow".into() };
    let desc = Descriptor::for_bytes(media::OCI_LAYER_GZIP, b"never sent");
    let started = std::time::Instant::now();
    let outcome = client.open_blob(&repo, &desc).and_then(|mut r| {
        let mut sink = Vec::new();
        r.read_to_end(&mut sink).map_err(|e| Error::Protocol(e.to_string()))
    });
    assert!(outcome.is_err(), "the body never completes in time");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "stopped by the deadline: {:?}", started.elapsed());
}

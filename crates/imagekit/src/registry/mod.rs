//! A client for the OCI distribution API (spec 1.1): what `docker pull` and `docker push` say to
//! a registry, and nothing more. Model: go-containerregistry's `remote/`.
//!
//! | request | what for |
//! |---|---|
//! | `GET /v2/` | is this a registry, and does it want a token? |
//! | `GET /v2/<name>/manifests/<tag or digest>` | the manifest or index, with an `Accept` header listing what we understand |
//! | `GET /v2/<name>/blobs/<digest>` | a config or layer, returned as a reader; pull copies it into the store, verified |
//! | `HEAD /v2/<name>/blobs/<digest>` | does the registry already hold this blob? (push skips it) |
//! | `POST /v2/<name>/blobs/uploads/` then `PUT <location>?digest=…` | upload a blob (monolithic) |
//! | `PUT /v2/<name>/manifests/<ref>` | publish a manifest; `Content-Type` is its media type |
//!
//! Every byte is checked: a manifest against the `Docker-Content-Digest` header and the digest it
//! was asked by, a blob against its descriptor while it streams to disk. Plain HTTP is used only
//! for loopback registries (`localhost`, `127.0.0.0/8`, `::1`) or with `plain_http`, as Docker
//! allows by default; everything else is HTTPS (rustls, Mozilla's roots).
//!
//! Error type: [`Error`] wraps the library's [`crate::Error`] (digest mismatches and the like)
//! and adds what HTTP can go wrong; every message is one line naming method, URL and cause.

pub mod auth;
mod pull;
mod push;
mod source;
mod wire;

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use ureq::http;

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::reference::Reference;
use crate::store::MAX_MANIFEST_SIZE;

pub use pull::{pull, store_key, BlobOutcome, PullEvent, PullOptions, PullReport};
pub use push::{push, PushEvent, PushReport};
pub use source::RegistrySource;
use wire::{header, status_error, transport};
pub use wire::{is_loopback, manifest_media_type};

/// What a manifest request accepts: OCI index, OCI manifest, Docker list, Docker manifest.
/// (distribution 2.8 serves OCI manifests only to clients that ask for them: 404 otherwise.)
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.docker.distribution.manifest.v2+json";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Content that is wrong (digest or size mismatch, malformed JSON, a store problem).
    #[error(transparent)]
    Image(#[from] crate::Error),
    /// The registry answered with an error status; `detail` carries its error code and message.
    #[error("{method} {url}: HTTP {status}{detail}")]
    Status { method: String, url: String, status: u16, detail: String },
    /// The request did not get an answer (connection refused, TLS, timeout, cut short).
    #[error("{method} {url}: {cause}")]
    Transport { method: String, url: String, cause: String },
    /// Authentication the client cannot do, or a token endpoint that does not give a token.
    #[error("{0}")]
    Auth(String),
    /// An answer that breaks the protocol (no Location after an upload starts, …).
    #[error("{0}")]
    Protocol(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How the client talks to registries.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Use plain HTTP even for registries that are not on loopback (Docker's `insecure-registries`).
    pub plain_http: bool,
    /// Connect timeout (default 10 s).
    pub connect_timeout: Option<Duration>,
    /// The deadline of one whole request, body included (default [`REQUEST_DEADLINE`]).
    pub deadline: Option<Duration>,
}

/// How long one registry request, body included, may take before it is abandoned.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(600);

/// A repository on a registry: `127.0.0.1:5000` + `driftwood/web`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub registry: String,
    pub name: String,
}

impl Repository {
    pub fn of(reference: &Reference) -> Repository {
        Repository { registry: reference.registry.clone(), name: reference.repository.clone() }
    }
}

impl std::fmt::Display for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.name)
    }
}

/// Request counts, for reports ("manifest requests: 1") and tests ("a warm pull asks nothing").
#[derive(Debug, Default)]
pub struct Counters {
    pub manifest_requests: AtomicU64,
    pub blob_requests: AtomicU64,
    pub token_requests: AtomicU64,
    pub other_requests: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RequestCounts {
    pub manifest_requests: u64,
    pub blob_requests: u64,
    pub token_requests: u64,
    pub other_requests: u64,
}

/// A manifest or index as the registry sent it.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub digest: Digest,
}

impl FetchedManifest {
    pub fn descriptor(&self) -> Descriptor {
        Descriptor::new(&self.media_type, self.digest.clone(), self.bytes.len() as u64)
    }
}

pub struct Client {
    /// Through the environment's proxy settings, for remote registries.
    agent: ureq::Agent,
    /// Never through a proxy, for loopback registries.
    direct: ureq::Agent,
    options: Options,
    /// (registry, scope) → bearer token.
    tokens: Mutex<HashMap<(String, String), String>>,
    counters: Counters,
}

/// Opens a blob for upload; may be called more than once (a retry after a 401 starts over).
pub type OpenBlob<'a> = dyn Fn() -> crate::Result<Box<dyn Read + 'a>> + 'a;

/// A request body that can be sent again (after a 401, the request is repeated with a token).
enum Body<'a, 'b> {
    Empty,
    Bytes(&'a [u8]),
    Stream { len: u64, open: &'a OpenBlob<'b> },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Manifest,
    Blob,
    Other,
}

impl Client {
    pub fn new(options: Options) -> Client {
        let build = |proxy: Option<ureq::Proxy>| {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .user_agent(concat!("imagekit/", env!("CARGO_PKG_VERSION")))
                .timeout_connect(Some(options.connect_timeout.unwrap_or(Duration::from_secs(10))))
                .timeout_per_read(Some(Duration::from_secs(120)))
                // An overall deadline per request: a registry trickling a byte a second cannot
                // hold a command forever (a 200 MB layer at 1 MB/s still fits).
                .timeout_global(Some(options.deadline.unwrap_or(REQUEST_DEADLINE)))
                .proxy(proxy)
                .build()
                .new_agent()
        };
        Client {
            agent: build(ureq::Proxy::try_from_env()),
            direct: build(None),
            options,
            tokens: Mutex::new(HashMap::new()),
            counters: Counters::default(),
        }
    }

    /// Requests made so far.
    pub fn counts(&self) -> RequestCounts {
        let c = &self.counters;
        RequestCounts {
            manifest_requests: c.manifest_requests.load(Ordering::Relaxed),
            blob_requests: c.blob_requests.load(Ordering::Relaxed),
            token_requests: c.token_requests.load(Ordering::Relaxed),
            other_requests: c.other_requests.load(Ordering::Relaxed),
        }
    }

    /// `http://127.0.0.1:5000` or `https://registry-1.docker.io`: where the API of `registry` lives.
    pub fn base_url(&self, registry: &str) -> String {
        let host = if registry == crate::reference::DEFAULT_REGISTRY { "registry-1.docker.io" } else { registry };
        let scheme = if self.options.plain_http || is_loopback(registry) { "http" } else { "https" };
        format!("{scheme}://{host}")
    }

    /// `GET /v2/`: is there a registry at all? A 401 counts as yes (it wants a token).
    pub fn ping(&self, registry: &str) -> Result<()> {
        let url = format!("{}/v2/", self.base_url(registry));
        let response = self.run(registry, "GET", &url, &[], &Body::Empty, None, Kind::Other)?;
        match response.status().as_u16() {
            200 | 401 => Ok(()),
            _ => Err(status_error("GET", &url, response)),
        }
    }

    /// `GET` a manifest or index by tag or digest and verify it: against the digest when asked
    /// by digest, else against `Docker-Content-Digest` when the registry sends one.
    pub fn get_manifest(&self, repo: &Repository, reference: &str) -> Result<FetchedManifest> {
        let url = format!("{}/v2/{}/manifests/{reference}", self.base_url(&repo.registry), repo.name);
        let response = self.run(
            &repo.registry,
            "GET",
            &url,
            &[("Accept", MANIFEST_ACCEPT)],
            &Body::Empty,
            Some(repo),
            Kind::Manifest,
        )?;
        if response.status() != 200 {
            return Err(status_error("GET", &url, response));
        }
        let header_digest = header(&response, "docker-content-digest");
        let content_type = header(&response, "content-type");
        let mut bytes = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_MANIFEST_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| transport("GET", &url, e))?;
        if bytes.len() as u64 > MAX_MANIFEST_SIZE {
            return Err(Error::Protocol(format!(
                "GET {url}: manifest is larger than the {MAX_MANIFEST_SIZE}-byte limit"
            )));
        }
        let digest = Digest::of_bytes(&bytes);
        let what = format!("manifest {repo}:{reference}");
        if let Ok(asked) = Digest::parse(reference) {
            asked.verify(&what, &bytes)?;
        }
        if let Some(claimed) = header_digest {
            let claimed = Digest::parse(claimed.trim()).map_err(crate::Error::from)?;
            if claimed != digest {
                return Err(crate::Error::DigestMismatch {
                    what: format!("{what} (Docker-Content-Digest header vs the bytes received)"),
                    expected: claimed,
                    actual: digest,
                }
                .into());
            }
        }
        let media_type = manifest_media_type(content_type.as_deref(), &bytes);
        Ok(FetchedManifest { bytes, media_type, digest })
    }

    /// `GET` a manifest named by a descriptor (an index entry) and check size and digest.
    pub fn get_manifest_for(&self, repo: &Repository, desc: &Descriptor) -> Result<FetchedManifest> {
        let fetched = self.get_manifest(repo, &desc.digest.to_string())?;
        desc.verify(&format!("manifest {}", desc.digest), &fetched.bytes)?;
        Ok(FetchedManifest { media_type: desc.media_type.clone(), ..fetched })
    }

    /// `HEAD` a blob: does the registry hold it?
    pub fn has_blob(&self, repo: &Repository, digest: &Digest) -> Result<bool> {
        let url = format!("{}/v2/{}/blobs/{digest}", self.base_url(&repo.registry), repo.name);
        let response = self.run(&repo.registry, "HEAD", &url, &[], &Body::Empty, Some(repo), Kind::Other)?;
        match response.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(status_error("HEAD", &url, response)),
        }
    }

    /// `GET` a blob: a reader of its bytes as they arrive, not yet verified (wrap it in a
    /// [`crate::verify::VerifyingReader`], or hand it to [`Store::put`], which verifies).
    pub fn open_blob(&self, repo: &Repository, desc: &Descriptor) -> Result<Box<dyn Read + Send + 'static>> {
        let url = format!("{}/v2/{}/blobs/{}", self.base_url(&repo.registry), repo.name, desc.digest);
        let response = self.run(&repo.registry, "GET", &url, &[], &Body::Empty, Some(repo), Kind::Blob)?;
        if response.status() != 200 {
            return Err(status_error("GET", &url, response));
        }
        Ok(Box::new(response.into_body().into_reader()))
    }

    /// Upload a blob: `POST /v2/<name>/blobs/uploads/`, then `PUT <location>?digest=…` with the
    /// whole body (the monolithic form). `open` yields the bytes (it may be called twice, if the
    /// registry asks for a token half-way).
    pub fn upload_blob(&self, repo: &Repository, desc: &Descriptor, open: &OpenBlob<'_>) -> Result<()> {
        let base = self.base_url(&repo.registry);
        let url = format!("{base}/v2/{}/blobs/uploads/", repo.name);
        let response =
            self.run(&repo.registry, "POST", &url, &[("Content-Length", "0")], &Body::Empty, Some(repo), Kind::Other)?;
        if response.status() != 202 {
            return Err(status_error("POST", &url, response));
        }
        let location = header(&response, "location")
            .ok_or_else(|| Error::Protocol(format!("POST {url}: 202 without a Location header")))?;
        let location = if location.starts_with("http://") || location.starts_with("https://") {
            location
        } else {
            format!("{base}{}{location}", if location.starts_with('/') { "" } else { "/" })
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let put_url = format!("{location}{sep}digest={}", auth::encode_query(&desc.digest.to_string()));
        let response = self.run(
            &repo.registry,
            "PUT",
            &put_url,
            &[("Content-Type", "application/octet-stream")],
            &Body::Stream { len: desc.size, open },
            Some(repo),
            Kind::Other,
        )?;
        if response.status() != 201 {
            return Err(status_error("PUT", &put_url, response));
        }
        Ok(())
    }

    /// `PUT` a manifest or index under a tag or digest; returns the digest the registry reports
    /// (checked against the bytes' own).
    pub fn put_manifest(&self, repo: &Repository, reference: &str, media_type: &str, bytes: &[u8]) -> Result<Digest> {
        let url = format!("{}/v2/{}/manifests/{reference}", self.base_url(&repo.registry), repo.name);
        let response = self.run(
            &repo.registry,
            "PUT",
            &url,
            &[("Content-Type", media_type)],
            &Body::Bytes(bytes),
            Some(repo),
            Kind::Manifest,
        )?;
        if response.status() != 201 {
            return Err(status_error("PUT", &url, response));
        }
        let ours = Digest::of_bytes(bytes);
        if let Some(theirs) = header(&response, "docker-content-digest") {
            let theirs = Digest::parse(theirs.trim()).map_err(crate::Error::from)?;
            if theirs != ours {
                return Err(crate::Error::DigestMismatch {
                    what: format!("manifest pushed to {repo}:{reference} (registry's Docker-Content-Digest)"),
                    expected: ours,
                    actual: theirs,
                }
                .into());
            }
        }
        Ok(ours)
    }

    /// Send one request; on a `401` with a bearer challenge, get a token and send it again.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        registry: &str,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &Body<'_, '_>,
        repo: Option<&Repository>,
        kind: Kind,
    ) -> Result<http::Response<ureq::Body>> {
        let push = !matches!(method, "GET" | "HEAD");
        let scope = match repo {
            Some(r) => format!("repository:{}:{}", r.name, if push { "pull,push" } else { "pull" }),
            None => String::new(),
        };
        let key = (registry.to_string(), scope.clone());
        let agent = if is_loopback(registry) { &self.direct } else { &self.agent };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let counter = match kind {
                Kind::Manifest => &self.counters.manifest_requests,
                Kind::Blob => &self.counters.blob_requests,
                Kind::Other => &self.counters.other_requests,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let token = self.tokens.lock().expect("token cache lock").get(&key).cloned();
            let mut request = http::Request::builder().method(method).uri(url);
            for (k, v) in headers {
                request = request.header(*k, *v);
            }
            if let Some(token) = &token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            let bad_request =
                |e: http::Error| Error::Protocol(format!("{method} {url}: cannot build the request: {e}"));
            let response = match body {
                Body::Empty => agent.run(request.body(()).map_err(bad_request)?),
                Body::Bytes(bytes) => agent.run(request.body(*bytes).map_err(bad_request)?),
                Body::Stream { len, open } => {
                    let mut reader = open()?;
                    let request = request.header("Content-Length", len.to_string());
                    agent.run(request.body(ureq::SendBody::from_reader(&mut reader)).map_err(bad_request)?)
                }
            }
            .map_err(|e| transport(method, url, e))?;
            if response.status() != 401 || attempt > 1 {
                return Ok(response);
            }
            let Some(challenge) = header(&response, "www-authenticate").and_then(|h| auth::Challenge::parse(&h)) else {
                return Ok(response);
            };
            if !challenge.is_bearer() {
                return Err(Error::Auth(format!(
                    "{method} {url}: the registry asks for {} credentials; imagekit only does anonymous bearer tokens",
                    challenge.scheme
                )));
            }
            let token = self.fetch_token(&challenge, &scope)?;
            self.tokens.lock().expect("token cache lock").insert(key.clone(), token);
        }
    }

    fn fetch_token(&self, challenge: &auth::Challenge, scope: &str) -> Result<String> {
        let url = challenge
            .token_url(scope)
            .ok_or_else(|| Error::Auth(format!("bearer challenge without a realm: {:?}", challenge.params)))?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::Auth(format!("token realm {url:?} is not an http(s) URL")));
        }
        self.counters.token_requests.fetch_add(1, Ordering::Relaxed);
        let host = url.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or("");
        let agent = if is_loopback(host) { &self.direct } else { &self.agent };
        let response = agent.get(&url).call().map_err(|e| transport("GET", &url, e))?;
        if response.status() != 200 {
            return Err(status_error("GET", &url, response));
        }
        let mut bytes = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(1 << 20)
            .read_to_end(&mut bytes)
            .map_err(|e| transport("GET", &url, e))?;
        auth::token_from_json(&bytes)
            .ok_or_else(|| Error::Auth(format!("GET {url}: the answer holds no \"token\" or \"access_token\"")))
    }
}

/// Counts (and reports) what passes through a reader.
#[cfg(test)]
mod tests;

//! # Exercise 09: Tags vs Digests (reference solution)
//!
//! A tag is a name that moves; a digest is a name that cannot. This is the reference solution
//! of the exercise on the book page `09-tags/exercise.html` (source: `src/09-tags/exercise.md`).
//! `cargo xtask solve 09` puts it in place of `src/lib.rs`; `cargo xtask reset 09` brings the
//! learner's file back.

use std::fmt;

/// The registry of a reference that names none.
pub const DEFAULT_REGISTRY: &str = "docker.io";
/// The tag of a reference that names neither a tag nor a digest.
pub const DEFAULT_TAG: &str = "latest";
/// The longest name (registry and repository, as written) a reference may have.
pub const NAME_MAX: usize = 255;

// ---------------------------------------------------------------------------------------------
// Step 1 (tests/step1_references.rs)
// ---------------------------------------------------------------------------------------------

/// An image reference, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io`, `ghcr.io`, `localhost:5000`, …
    pub registry: String,
    /// `library/nginx`, `bitnami/redis`, …
    pub repository: String,
    /// The tag; `latest` when neither a tag nor a digest was written.
    pub tag: Option<String>,
    /// `sha256:…` when the reference pins a digest.
    pub digest: Option<String>,
}

/// `registry/repository[:tag][@digest]`.
impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Parses and normalizes an image reference: `nginx` → `docker.io/library/nginx:latest`.
///
/// Book: `09-tags/exercise.html#step-1-reading-a-reference`.
pub fn parse_reference(input: &str) -> Result<Reference, RefError> {
    if input.is_empty() {
        return Err(RefError::Empty);
    }
    let (rest, digest) = match input.split_once('@') {
        Some((rest, digest)) => (rest, Some(check_digest(digest)?)),
        None => (input, None),
    };
    // A ':' after the last '/' starts the tag; one before it belongs to a registry's port.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].find(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        check_tag(tag)?;
    }
    if name.len() > NAME_MAX {
        return Err(RefError::NameTooLong(name.len()));
    }
    let (registry, path) = match name.split_once('/') {
        Some((first, path)) if is_registry(first) => (Some(first), path),
        _ => (None, name),
    };
    if let Some(registry) = registry {
        check_registry(registry)?;
    }
    if path.is_empty() {
        return Err(RefError::MissingRepository);
    }
    for component in path.split('/') {
        if component.is_empty() {
            return Err(RefError::EmptyComponent(path.to_string()));
        }
    }
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(RefError::Uppercase(path.to_string()));
    }
    if let Some(bad) = path.split('/').find(|c| !is_path_component(c)) {
        return Err(RefError::InvalidComponent(bad.to_string()));
    }

    let registry = match registry {
        None | Some("index.docker.io") => DEFAULT_REGISTRY,
        Some(registry) => registry,
    };
    let repository =
        if registry == DEFAULT_REGISTRY && !path.contains('/') { format!("library/{path}") } else { path.to_string() };
    let tag = match (tag, &digest) {
        (Some(tag), _) => Some(tag.to_string()),
        (None, None) => Some(DEFAULT_TAG.to_string()),
        (None, Some(_)) => None,
    };
    Ok(Reference { registry: registry.to_string(), repository, tag, digest })
}

/// Whether the first component of a name is a registry host: it has a `.` or a `:`, is
/// `localhost`, or has an uppercase letter (a repository name cannot; a host name can).
fn is_registry(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost" || first.bytes().any(|b| b.is_ascii_uppercase())
}

/// `[a-z0-9]+` joined by one `.`, one `_`, two `_` or any number of `-`.
fn is_path_component(component: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = component.as_bytes();
    let mut i = 0;
    loop {
        // One run of letters and digits...
        let start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == bytes.len() {
            return true;
        }
        // ...then one separator before the next run.
        let sep_start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        match &component[sep_start..i] {
            "." | "_" | "__" => {}
            sep if sep.bytes().all(|b| b == b'-') => {}
            _ => return false,
        }
    }
}

/// `host` or `host:port`; host is DNS labels joined by `.`, or an IPv6 address in brackets.
fn check_registry(registry: &str) -> Result<(), RefError> {
    let bad = || RefError::InvalidRegistry(registry.to_string());
    let (host, port) = if let Some(inner) = registry.strip_prefix('[') {
        let (ip, after) = inner.split_once(']').ok_or_else(bad)?;
        if ip.is_empty() || !ip.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return Err(bad());
        }
        match after {
            "" => ("", None),
            _ => ("", Some(after.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (registry, None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if !registry.starts_with('[') && !host.split('.').all(label_ok) {
        return Err(bad());
    }
    Ok(())
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn check_tag(tag: &str) -> Result<(), RefError> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let ok = match tag.as_bytes() {
        [first, rest @ ..] => {
            tag.len() <= 128 && word(*first) && rest.iter().all(|&b| word(b) || b == b'.' || b == b'-')
        }
        [] => false,
    };
    if ok {
        Ok(())
    } else {
        Err(RefError::InvalidTag(tag.to_string()))
    }
}

/// `sha256:` + 64 or `sha512:` + 128 lowercase hex digits.
fn check_digest(digest: &str) -> Result<String, RefError> {
    let bad = || RefError::InvalidDigest(digest.to_string());
    let (algorithm, hex) = digest.split_once(':').ok_or_else(bad)?;
    let length = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        "" => return Err(bad()),
        other => return Err(RefError::UnsupportedAlgorithm(other.to_string())),
    };
    if hex.len() != length || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(bad());
    }
    Ok(digest.to_string())
}

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_bad_references.rs)
// ---------------------------------------------------------------------------------------------

/// What is wrong with a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    Empty,
    NameTooLong(usize),
    InvalidRegistry(String),
    MissingRepository,
    EmptyComponent(String),
    Uppercase(String),
    InvalidComponent(String),
    InvalidTag(String),
    InvalidDigest(String),
    UnsupportedAlgorithm(String),
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefError::Empty => write!(f, "empty reference: name an image, e.g. nginx:1.27-alpine"),
            RefError::NameTooLong(n) => write!(f, "name is {n} characters long; the limit is {NAME_MAX}"),
            RefError::InvalidRegistry(r) => {
                write!(f, "invalid registry {r:?}: expected a host name or host:port")
            }
            RefError::MissingRepository => write!(f, "no repository name after the registry"),
            RefError::EmptyComponent(path) => {
                write!(f, "empty path component in {path:?}: two slashes in a row, or a slash at an end")
            }
            RefError::Uppercase(path) => write!(f, "repository name must be lowercase: {path:?}"),
            RefError::InvalidComponent(c) => write!(
                f,
                "invalid repository name component {c:?}: lowercase letters and digits, joined by \
                 '.', '_', '__' or dashes"
            ),
            RefError::InvalidTag(t) => {
                write!(f, "invalid tag {t:?}: 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'")
            }
            RefError::InvalidDigest(d) => {
                write!(f, "invalid digest {d:?}: expected sha256: and 64 lowercase hex digits (or sha512: and 128)")
            }
            RefError::UnsupportedAlgorithm(a) => {
                write!(f, "unsupported digest algorithm {a:?}: use sha256 (or sha512)")
            }
        }
    }
}

impl std::error::Error for RefError {}

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_resolve.rs)
// ---------------------------------------------------------------------------------------------

/// What `tag` pointed to on `date` (`YYYY-MM-DD`), according to the driftwood timeline: the
/// index digest, or the linux/amd64 manifest digest where the index was not recorded. `None`
/// before the first recorded move, for a tag the timeline does not know, or a malformed date.
///
/// Book: `09-tags/exercise.html#step-3-what-a-tag-pointed-to`.
pub fn resolve(tag: &str, date: &str) -> Option<String> {
    let found = driftwood::resolve_on(tag, date)?;
    found.index_digest.as_ref().or(found.amd64_manifest_digest.as_ref()).map(|d| d.to_string())
}

// ---------------------------------------------------------------------------------------------
// Step 4 (tests/step4_pin.rs)
// ---------------------------------------------------------------------------------------------

/// A reference pinned to a digest, and the day the digest was looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    pub reference: Reference,
    pub date: String,
}

/// Why a set of references could not be pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinError {
    InvalidDate(String),
    Reference { input: String, error: RefError },
    NotRecorded { reference: String, date: String },
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinError::InvalidDate(d) => write!(f, "invalid date {d:?}: write YYYY-MM-DD"),
            PinError::Reference { input, error } => write!(f, "cannot pin {input:?}: {error}"),
            PinError::NotRecorded { reference, date } => {
                write!(f, "the timeline does not know what {reference} pointed to on {date}")
            }
        }
    }
}

impl std::error::Error for PinError {}

/// `registry/repository:tag` of a reference with a tag.
fn tagged_name(reference: &Reference) -> Option<String> {
    let tag = reference.tag.as_ref()?;
    Some(format!("{}/{}:{tag}", reference.registry, reference.repository))
}

/// Pins every reference to the digest its tag pointed to on `date`.
///
/// Book: `09-tags/exercise.html#step-4-pinning`.
pub fn pin(refs: &[&str], date: &str) -> Result<Vec<Pinned>, PinError> {
    if !driftwood::is_iso_date(date) {
        return Err(PinError::InvalidDate(date.to_string()));
    }
    let mut pinned = Vec::with_capacity(refs.len());
    for input in refs {
        let mut reference =
            parse_reference(input).map_err(|error| PinError::Reference { input: input.to_string(), error })?;
        if reference.digest.is_none() {
            // Without a digest, the parser always gives a tag.
            let name = tagged_name(&reference).expect("a reference without a digest has a tag");
            let digest = resolve(&name, date)
                .ok_or_else(|| PinError::NotRecorded { reference: name, date: date.to_string() })?;
            reference.digest = Some(digest);
        }
        pinned.push(Pinned { reference, date: date.to_string() });
    }
    Ok(pinned)
}

// ---------------------------------------------------------------------------------------------
// Step 5 (tests/step5_drift.rs)
// ---------------------------------------------------------------------------------------------

/// Why a pinned tag now points elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftReason {
    VersionBump { from: String, to: String },
    BaseRebuild,
    Unknown,
}

/// One tag of a lock that has moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub reference: String,
    pub locked: String,
    pub now: String,
    pub reason: DriftReason,
}

/// The version of the timeline entry of `tag` that names `digest` (index or amd64 manifest).
fn version_of(tag: &str, digest: &str) -> Option<String> {
    let names = |m: &driftwood::TagMove| {
        [&m.index_digest, &m.amd64_manifest_digest].into_iter().flatten().any(|d| d.to_string() == digest)
    };
    driftwood::moves_for(tag).into_iter().find(|m| names(m))?.version.clone()
}

/// The tags of `lock` that point elsewhere on `date`, in lock order, each with its reason.
///
/// Book: `09-tags/exercise.html#step-5-drift`.
pub fn drift(lock: &[Pinned], date: &str) -> Vec<Drift> {
    let mut drifts = Vec::new();
    for pinned in lock {
        let (Some(name), Some(locked)) = (tagged_name(&pinned.reference), pinned.reference.digest.as_ref()) else {
            continue; // a digest-only reference has no tag that could move
        };
        let Some(now) = resolve(&name, date) else {
            continue; // the timeline says nothing about this tag on that day
        };
        if &now == locked {
            continue;
        }
        let from = version_of(&name, locked);
        let to = driftwood::resolve_on(&name, date).and_then(|m| m.version.clone());
        let reason = match (from, to) {
            (Some(from), Some(to)) if from != to => DriftReason::VersionBump { from, to },
            (Some(_), Some(_)) => DriftReason::BaseRebuild,
            _ => DriftReason::Unknown,
        };
        drifts.push(Drift { reference: name, locked: locked.clone(), now, reason });
    }
    drifts
}

//! # Exercise 10: A Content-Addressed Store
//!
//! A local image store keeps blobs under the SHA-256 of their bytes and a small table of names
//! (`registry/repository:tag`) that point to manifest digests. That is enough to make a pull
//! fetch only what is missing, and to know which blobs no name reaches any more. In this
//! exercise you build such a store in memory, check every blob before it gets its name, plan a
//! pull, run it against a blob source that counts what it is asked, and prune.
//!
//! Read the exercise page in the book first: `10-pulling/exercise.html` (source:
//! `src/10-pulling/exercise.md`). The topic page `10-pulling/index.html` explains the ideas.
//!
//! ```text
//! cargo test -p ex10-pulling --test step1_put      # one step
//! cargo test -p ex10-pulling                       # everything
//! cargo xtask watch 10                             # re-run on every save, with hints
//! ```
//!
//! Hints for every step are in `exercises/10-pulling/hints.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sha2::{Digest as _, Sha256};

/// What a descriptor says about a blob: its digest (`sha256:` + 64 lowercase hex digits) and its
/// size in bytes. (A real descriptor also has a media type; this exercise does not need it.)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Descriptor {
    pub digest: String,
    pub size: u64,
}

/// The parts of an image manifest a pull needs: the config and the layers, base first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

/// Everything that can go wrong in this exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The bytes have another length than the descriptor says.
    SizeMismatch { digest: String, expected: u64, actual: u64 },
    /// The bytes hash to another digest than the descriptor says.
    DigestMismatch { expected: String, actual: String },
    /// The store has no blob with this digest, or no such name.
    NotFound(String),
    /// A manifest that is not JSON, or lacks `config` or `layers`, or has a bad descriptor.
    BadManifest(String),
    /// The blob source failed (network error, unknown name…).
    Source(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::SizeMismatch { digest, expected, actual } => {
                write!(f, "blob {digest}: expected {expected} bytes, got {actual}")
            }
            StoreError::DigestMismatch { expected, actual } => {
                write!(f, "blob content does not match its digest: expected {expected}, got {actual}")
            }
            StoreError::NotFound(what) => write!(f, "not in the store: {what}"),
            StoreError::BadManifest(why) => write!(f, "bad manifest: {why}"),
            StoreError::Source(why) => write!(f, "blob source: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Where a pull gets its bytes: a registry in real life, a counting fake in the tests.
pub trait BlobSource {
    /// The manifest bytes a name (`driftwood/web:1`) or a digest points to, exactly as served.
    fn fetch_manifest(&mut self, reference: &str) -> Result<Vec<u8>, String>;
    /// The bytes of the blob with this digest, exactly as served (maybe wrong: check them).
    fn fetch_blob(&mut self, digest: &str) -> Result<Vec<u8>, String>;
}

/// What a pull did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullReport {
    /// The manifest's digest, which the name now points to.
    pub digest: String,
    /// Blobs (config and layers) downloaded by this pull.
    pub fetched: usize,
    /// Blobs (config and layers) the store already had.
    pub reused: usize,
    /// Bytes of the blobs downloaded (the manifest not included).
    pub bytes_fetched: u64,
}

/// What prune removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneReport {
    /// The digests removed, sorted.
    pub removed: Vec<String>,
    /// Their total size in bytes.
    pub freed_bytes: u64,
}

// ---------------------------------------------------------------------------------------------
// Step 1 (tests/step1_put.rs)
// ---------------------------------------------------------------------------------------------

/// `"sha256:"` followed by the 64 lowercase hex digits of the SHA-256 of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// An in-memory content-addressed store: blobs by digest, and names → manifest digests.
#[derive(Debug, Default, Clone)]
pub struct Store {
    blobs: BTreeMap<String, Vec<u8>>,
    names: BTreeMap<String, String>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// Stores `bytes` under `expected.digest`, but only if they are exactly what the descriptor
    /// says: first the size, then the digest. Returns `Ok(true)` when the blob is new, `Ok(false)`
    /// when the store already had it. On any error the store is unchanged.
    pub fn put(&mut self, expected: &Descriptor, bytes: &[u8]) -> Result<bool, StoreError> {
        if bytes.len() as u64 != expected.size {
            return Err(StoreError::SizeMismatch {
                digest: expected.digest.clone(),
                expected: expected.size,
                actual: bytes.len() as u64,
            });
        }
        let actual = sha256_digest(bytes);
        if actual != expected.digest {
            return Err(StoreError::DigestMismatch { expected: expected.digest.clone(), actual });
        }
        if self.blobs.contains_key(&actual) {
            return Ok(false);
        }
        self.blobs.insert(actual, bytes.to_vec());
        Ok(true)
    }

    /// Does the store hold a blob with this digest?
    pub fn has(&self, digest: &str) -> bool {
        self.blobs.contains_key(digest)
    }

    /// The bytes of the blob with this digest.
    pub fn get(&self, digest: &str) -> Result<&[u8], StoreError> {
        self.blobs.get(digest).map(Vec::as_slice).ok_or_else(|| StoreError::NotFound(digest.to_string()))
    }

    /// How many blobs the store holds, and their total size in bytes.
    pub fn usage(&self) -> (usize, u64) {
        (self.blobs.len(), self.blobs.values().map(|b| b.len() as u64).sum())
    }

    /// Points `name` to the manifest `digest` (replacing what it pointed to). The manifest must
    /// be in the store: a name always names a whole image.
    pub fn tag(&mut self, name: &str, digest: &str) -> Result<(), StoreError> {
        if !self.has(digest) {
            return Err(StoreError::NotFound(digest.to_string()));
        }
        self.names.insert(name.to_string(), digest.to_string());
        Ok(())
    }

    /// Removes a name (its blobs stay until [`prune`]); returns the digest it pointed to.
    pub fn untag(&mut self, name: &str) -> Result<String, StoreError> {
        self.names.remove(name).ok_or_else(|| StoreError::NotFound(name.to_string()))
    }

    /// The digest a name points to, if any.
    pub fn resolve(&self, name: &str) -> Option<&str> {
        self.names.get(name).map(String::as_str)
    }
}

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_plan.rs)
// ---------------------------------------------------------------------------------------------

fn descriptor(value: &serde_json::Value, what: &str) -> Result<Descriptor, StoreError> {
    let digest = value["digest"]
        .as_str()
        .filter(|d| d.len() == 71 && d.starts_with("sha256:") && d[7..].bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .ok_or_else(|| StoreError::BadManifest(format!("{what}: no valid sha256 digest")))?;
    let size = value["size"].as_u64().ok_or_else(|| StoreError::BadManifest(format!("{what}: no size")))?;
    Ok(Descriptor { digest: digest.to_string(), size })
}

/// Reads the config and layer descriptors out of an image manifest's JSON bytes.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, StoreError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| StoreError::BadManifest(format!("not JSON: {e}")))?;
    let config = descriptor(&value["config"], "config")?;
    let layers = value["layers"]
        .as_array()
        .ok_or_else(|| StoreError::BadManifest("no layers array".to_string()))?
        .iter()
        .enumerate()
        .map(|(i, l)| descriptor(l, &format!("layers[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Manifest { config, layers })
}

/// The blobs a pull of `manifest` must fetch: the config and the layers the store lacks, config
/// first, then layers base first, each digest once.
pub fn plan_pull(manifest: &Manifest, store: &Store) -> Vec<Descriptor> {
    let mut seen = BTreeSet::new();
    std::iter::once(&manifest.config)
        .chain(&manifest.layers)
        .filter(|d| !store.has(&d.digest) && seen.insert(d.digest.clone()))
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Steps 3 and 4 (tests/step3_pull.rs, tests/step4_second_pull.rs)
// ---------------------------------------------------------------------------------------------

/// Pulls `name` from `source` into `store`: the manifest (always: the name may have moved),
/// then only the blobs [`plan_pull`] lists, each checked by [`Store::put`]; the name is
/// recorded last, only when every blob is in the store.
pub fn pull(source: &mut dyn BlobSource, store: &mut Store, name: &str) -> Result<PullReport, StoreError> {
    let bytes = source.fetch_manifest(name).map_err(StoreError::Source)?;
    let manifest = parse_manifest(&bytes)?;
    let digest = sha256_digest(&bytes);
    let missing = plan_pull(&manifest, store);
    let mut bytes_fetched = 0;
    for blob in &missing {
        let data = source.fetch_blob(&blob.digest).map_err(StoreError::Source)?;
        store.put(blob, &data)?;
        bytes_fetched += blob.size;
    }
    store.put(&Descriptor { digest: digest.clone(), size: bytes.len() as u64 }, &bytes)?;
    store.tag(name, &digest)?;
    let total = 1 + manifest.layers.iter().map(|l| &l.digest).collect::<BTreeSet<_>>().len();
    Ok(PullReport { digest, fetched: missing.len(), reused: total - missing.len(), bytes_fetched })
}

// ---------------------------------------------------------------------------------------------
// Step 5 (tests/step5_prune.rs)
// ---------------------------------------------------------------------------------------------

/// Removes every blob that no name reaches (a name reaches its manifest, and the manifest its
/// config and layers). Returns what was removed, sorted by digest, and the bytes freed.
pub fn prune(store: &mut Store) -> Result<PruneReport, StoreError> {
    let mut keep = BTreeSet::new();
    for digest in store.names.values() {
        let manifest = parse_manifest(store.get(digest)?)?;
        keep.insert(digest.clone());
        keep.insert(manifest.config.digest);
        keep.extend(manifest.layers.into_iter().map(|l| l.digest));
    }
    let removed: Vec<String> = store.blobs.keys().filter(|d| !keep.contains(*d)).cloned().collect();
    let mut freed_bytes = 0;
    for digest in &removed {
        if let Some(bytes) = store.blobs.remove(digest) {
            freed_bytes += bytes.len() as u64;
        }
    }
    Ok(PruneReport { removed, freed_bytes })
}

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
//! Replace each `todo!(…)` with your code. Hints for every step are in
//! `exercises/10-pulling/hints.md`.

// The ANCHOR and ANCHOR_END comments mark the code the book's exercise page shows; they change
// nothing here. (Delete them if you like: the page then shows the stub as committed.)

// The stubs below do not use their parameters yet. Delete this line once every step passes.
#![allow(unused_variables)]

use std::collections::BTreeMap;
use std::fmt;

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

// ANCHOR: blob_source
/// Where a pull gets its bytes: a registry in real life, a counting fake in the tests.
pub trait BlobSource {
    /// The manifest bytes a name (`driftwood/web:1`) or a digest points to, exactly as served.
    fn fetch_manifest(&mut self, reference: &str) -> Result<Vec<u8>, String>;
    /// The bytes of the blob with this digest, exactly as served (maybe wrong: check them).
    fn fetch_blob(&mut self, digest: &str) -> Result<Vec<u8>, String>;
}
// ANCHOR_END: blob_source

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

// ANCHOR: step1_put
/// `"sha256:"` followed by the 64 lowercase hex digits of the SHA-256 of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    todo!("what does a digest string look like? (exercises 07 and 08 wrote one)")
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
        todo!("check the size, then the digest; only then insert (Ok(false) if already there)")
    }

    /// Does the store hold a blob with this digest?
    pub fn has(&self, digest: &str) -> bool {
        todo!("where did put keep the blob?")
    }

    /// The bytes of the blob with this digest.
    pub fn get(&self, digest: &str) -> Result<&[u8], StoreError> {
        todo!("look the digest up in self.blobs; NotFound(digest) if absent")
    }

    /// How many blobs the store holds, and their total size in bytes.
    pub fn usage(&self) -> (usize, u64) {
        (self.blobs.len(), self.blobs.values().map(|b| b.len() as u64).sum())
    }

    /// Points `name` to the manifest `digest` (replacing what it pointed to). The manifest must
    /// be in the store: a name always names a whole image.
    pub fn tag(&mut self, name: &str, digest: &str) -> Result<(), StoreError> {
        todo!("refuse a digest the store lacks (NotFound), else insert name -> digest into self.names")
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
// ANCHOR_END: step1_put

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_plan.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step2_plan
/// Reads the config and layer descriptors out of an image manifest's JSON bytes.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, StoreError> {
    todo!("which fields of a manifest does a pull need, and what makes one bad? (exercise page, step 2)")
}

/// The blobs a pull of `manifest` must fetch: the config and the layers the store lacks, config
/// first, then layers base first, each digest once.
pub fn plan_pull(manifest: &Manifest, store: &Store) -> Vec<Descriptor> {
    todo!("config then layers, skipping digests the store has and digests already planned")
}
// ANCHOR_END: step2_plan

// ---------------------------------------------------------------------------------------------
// Steps 3 and 4 (tests/step3_pull.rs, tests/step4_second_pull.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step3_pull
/// Pulls `name` from `source` into `store`: the manifest (always: the name may have moved),
/// then only the blobs [`plan_pull`] lists, each checked by [`Store::put`]; the name is
/// recorded last, only when every blob is in the store.
pub fn pull(source: &mut dyn BlobSource, store: &mut Store, name: &str) -> Result<PullReport, StoreError> {
    todo!("in which order, so that a failed pull names nothing? (topic page, Figure 1)")
}
// ANCHOR_END: step3_pull

// ---------------------------------------------------------------------------------------------
// Step 5 (tests/step5_prune.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step5_prune
/// Removes every blob that no name reaches (a name reaches its manifest, and the manifest its
/// config and layers). Returns what was removed, sorted by digest, and the bytes freed.
pub fn prune(store: &mut Store) -> Result<PruneReport, StoreError> {
    todo!("which blobs can a name still reach? (exercise page, step 5)")
}
// ANCHOR_END: step5_prune

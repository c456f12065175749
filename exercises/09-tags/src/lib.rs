//! # Exercise 09: Tags vs Digests
//!
//! `nginx:1.27-alpine` is not an image. It is a name that a registry maps to an image today and
//! may map to another one tomorrow; `nginx@sha256:…` names one image forever. In this exercise
//! you read image references the way `docker pull` does, reject the malformed ones with clear
//! errors, look up what a tag pointed to on a given day in the real timeline of the Driftwood
//! images, pin a set of references to digests, and explain why a lock file has drifted.
//!
//! Read the exercise page in the book first: `09-tags/exercise.html`
//! (source: `src/09-tags/exercise.md`). The topic page `09-tags/index.html` explains the ideas
//! behind each step.
//!
//! Work through the steps in order. Each function below says which test checks it:
//!
//! ```text
//! cargo test -p ex09-tags --test step1_references     # one step
//! cargo test -p ex09-tags                             # everything
//! cargo xtask watch 09                                # re-run on every save, with hints
//! ```
//!
//! Replace each `todo!(…)` with your code. Hints for every step are in
//! `exercises/09-tags/hints.md`.

// The ANCHOR and ANCHOR_END comments mark the code the book's exercise page shows; they change
// nothing here. (Delete them if you like: the page then shows the stub as committed.)

// The stubs below do not use their parameters yet. Delete this line once every step passes.
#![allow(unused_variables)]

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

// ANCHOR: step1_references
/// An image reference, normalized: every part that `docker pull` would fill in is filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io`, `ghcr.io`, `localhost:5000`, …
    pub registry: String,
    /// `library/nginx`, `bitnami/redis`, …
    pub repository: String,
    /// The tag; `latest` when neither a tag nor a digest was written, `None` for a reference
    /// that names only a digest.
    pub tag: Option<String>,
    /// `sha256:…` when the reference pins a digest.
    pub digest: Option<String>,
}

/// The normalized form, `registry/repository[:tag][@digest]`:
///
/// ```text
/// docker.io/library/nginx:latest
/// ghcr.io/a/b:tag@sha256:…
/// docker.io/library/nginx@sha256:…
/// ```
///
/// Book: `09-tags/exercise.html#step-1-reading-a-reference`.
impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("write! registry/repository, then :tag and @digest when they are Some")
    }
}

/// Parses and normalizes an image reference, following the grammar of distribution/reference:
///
/// ```text
/// reference  := name [ ":" tag ] [ "@" digest ]
/// name       := [ registry "/" ] path
/// registry   := host [ ":" port ]      host: labels of [A-Za-z0-9-] joined by "."
///                                      or an IPv6 address in brackets: [::1], [fd00::2]
/// path       := component ( "/" component )*
/// component  := [a-z0-9]+ ( separator [a-z0-9]+ )*     separator: "." | "_" | "__" | "-"+
/// tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
/// digest     := "sha256:" 64 lowercase hex digits | "sha512:" 128 lowercase hex digits
/// ```
///
/// and normalizing the way `docker pull` does:
///
/// - the first component of the name (when a `/` follows it) is a registry only if it contains
///   a `.` or a `:`, is `localhost`, or contains an uppercase letter (a repository name cannot
///   have one, a host name can: `Driftwood/api` names the host `Driftwood`); otherwise the
///   registry is [`DEFAULT_REGISTRY`] (`index.docker.io` is written `docker.io` too);
/// - on `docker.io`, a repository of one component gets `library/` in front (the official
///   images): `nginx` → `library/nginx`;
/// - without a tag and without a digest, the tag is [`DEFAULT_TAG`]; with only a digest, there
///   is no tag;
/// - a `:` after the last `/` starts the tag; one before it is a registry's port.
///
/// ```text
/// nginx                      -> docker.io/library/nginx:latest
/// bitnami/redis              -> docker.io/bitnami/redis:latest
/// localhost:5000/x           -> localhost:5000/x:latest
/// Driftwood/api              -> Driftwood/api:latest
/// ghcr.io/a/b:tag@sha256:…   -> ghcr.io/a/b:tag@sha256:…
/// ```
///
/// Errors: see [`RefError`] (step 2).
///
/// Book: `09-tags/exercise.html#step-1-reading-a-reference` and `09-tags/index.html#references`.
pub fn parse_reference(input: &str) -> Result<Reference, RefError> {
    todo!("which `:` starts the tag, and when is the first component a registry? (exercise page, step 1)")
}
// ANCHOR_END: step1_references

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_bad_references.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step2_bad_references
/// What is wrong with a reference. Each variant holds the offending part *as written* in the
/// input, so the message can show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// The input is the empty string.
    Empty,
    /// The name (registry and repository, before `:tag` and `@digest`) is longer than
    /// [`NAME_MAX`] characters; holds its length.
    NameTooLong(usize),
    /// The registry (the first component, when it is one) is not `host` or `host:port`:
    /// `my_registry.io`, `localhost:abc`. Holds the registry as written.
    InvalidRegistry(String),
    /// Nothing is left for the repository: `docker.io/`, `:latest`, `@sha256:…`.
    MissingRepository,
    /// The repository path has an empty component: `//`, `nginx/`, `docker.io//nginx`. Holds
    /// the path as written (`"//"`, `"nginx/"`, `"/nginx"`).
    EmptyComponent(String),
    /// The repository path has an uppercase letter: `Nginx`, `library/Nginx` (an uppercase
    /// letter in a first component followed by `/` makes it a registry instead). Holds the path
    /// as written.
    Uppercase(String),
    /// A path component breaks the grammar: `ngin$x`, `nginx-`, `a..b`. Holds that component.
    InvalidComponent(String),
    /// The tag breaks the grammar: empty (`nginx:`), starting with `.` or `-`, longer than 128
    /// characters, or with a character not allowed. Holds the tag as written.
    InvalidTag(String),
    /// The digest is not `algorithm:hex`, or its hex part is not lowercase or not the length
    /// its algorithm needs. Holds the digest as written (everything after `@`).
    InvalidDigest(String),
    /// The digest's algorithm is neither `sha256` nor `sha512` (`md5:…`, `sha1:…`). Holds the
    /// algorithm.
    UnsupportedAlgorithm(String),
}

/// One line that names the problem and shows the offending part: what went wrong and how a
/// good value looks.
///
/// Book: `09-tags/exercise.html#step-2-rejecting-bad-references`.
impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("match on self and write! one line per variant, showing the value it holds")
    }
}

impl std::error::Error for RefError {}
// ANCHOR_END: step2_bad_references

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_resolve.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step3_resolve
/// What `tag` (`postgres:16`, `docker.io/library/nginx:1.27-alpine`) pointed to on `date`
/// (`YYYY-MM-DD`), according to the real timeline in `driftwood::timeline()`: the latest
/// recorded move of that tag on or before that day (on a day with several moves, the last one).
///
/// Returns the **index digest** of that move, or the **linux/amd64 manifest digest** where the
/// timeline did not record the index (postgres:16 before December 2023). `None` before the
/// first recorded move, for a tag the timeline does not know, or for a malformed date.
///
/// Book: `09-tags/exercise.html#step-3-what-a-tag-pointed-to` and `09-tags/index.html#the-timeline`.
pub fn resolve(tag: &str, date: &str) -> Option<String> {
    todo!("ask the driftwood crate's timeline; which of a move's two digests names the tag? (doc comment above)")
}
// ANCHOR_END: step3_resolve

// ---------------------------------------------------------------------------------------------
// Step 4 (tests/step4_pin.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step4_pin
/// A reference pinned to a digest, and the day the digest was looked up. Its `reference` has
/// both the tag (for people) and the digest (for machines):
/// `docker.io/library/nginx:1.27-alpine@sha256:4efa…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    pub reference: Reference,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// Why a set of references could not be pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinError {
    /// The date is not a `YYYY-MM-DD` calendar date. Holds it as written.
    InvalidDate(String),
    /// A reference did not parse. Holds the input as written and the parse error.
    Reference { input: String, error: RefError },
    /// The timeline has no move of this tag on or before `date`. Holds the normalized
    /// `registry/repository:tag` and the date.
    NotRecorded { reference: String, date: String },
}

/// One line naming the date, the input or the reference that failed (and, for a reference that
/// did not parse, why).
///
/// Book: `09-tags/exercise.html#step-4-pinning`.
impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("match on self and write! one line per variant")
    }
}

impl std::error::Error for PinError {}

/// Pins every reference of `refs` to what its tag pointed to on `date`, in the order given.
///
/// - the date must be a calendar date (`driftwood::is_iso_date`), else [`PinError::InvalidDate`];
/// - each reference is parsed with your [`parse_reference`];
/// - a reference that already has a digest keeps it, unchanged: it is pinned already;
/// - otherwise its digest is what [`resolve`] says for `registry/repository:tag` on `date`;
/// - the first reference that fails stops the whole pin with its error.
///
/// Book: `09-tags/exercise.html#step-4-pinning` and `09-tags/index.html#pinning`.
pub fn pin(refs: &[&str], date: &str) -> Result<Vec<Pinned>, PinError> {
    todo!("which references need a digest, and what stops the whole pin? (doc comment above)")
}
// ANCHOR_END: step4_pin

// ---------------------------------------------------------------------------------------------
// Step 5 (tests/step5_drift.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step5_drift
/// Why a pinned tag now points elsewhere, judged from the `version` of the timeline's moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftReason {
    /// The version changed, e.g. nginx `1.27.2` → `1.27.3`.
    VersionBump { from: String, to: String },
    /// Same version, new digest: the image was rebuilt, usually on a newer base image (postgres:16
    /// in October 2023 followed each new debian:bookworm-slim).
    BaseRebuild,
    /// The timeline cannot tell: the locked digest is not in it, or a version is missing.
    Unknown,
}

/// One tag of a lock that has moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// `registry/repository:tag`, normalized: `docker.io/library/postgres:16`.
    pub reference: String,
    /// The digest in the lock.
    pub locked: String,
    /// What the tag points to now (on the date checked), as [`resolve`] says.
    pub now: String,
    pub reason: DriftReason,
}

/// The entries of `lock` whose tag points to another digest on `date`, in lock order.
///
/// - entries without a tag (digest-only) never drift, and entries whose tag the timeline does
///   not know on `date` are left out: there is nothing to compare;
/// - `now` is what your [`resolve`] gives for `registry/repository:tag` on `date`; equal to the
///   locked digest means no drift;
/// - the reason compares two versions: the `version` of the timeline move of that tag whose
///   index or amd64 digest is the locked digest (`driftwood::moves_for`), and the `version` of
///   the move the tag resolves to on `date` (`driftwood::resolve_on`). Both known and different:
///   [`DriftReason::VersionBump`]; both known and equal: [`DriftReason::BaseRebuild`]; anything
///   else: [`DriftReason::Unknown`].
///
/// Book: `09-tags/exercise.html#step-5-drift` and `09-tags/index.html#drift`.
pub fn drift(lock: &[Pinned], date: &str) -> Vec<Drift> {
    todo!("which entries can drift at all, and what decides the reason? (doc comment above)")
}
// ANCHOR_END: step5_drift

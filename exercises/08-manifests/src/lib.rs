//! # Exercise 08: Manifests and Digests by Hand
//!
//! A registry does not store "images". It stores blobs named by the SHA-256 of their bytes, and
//! small JSON documents that point to them: a manifest names one image's config and layers, and
//! a multi-platform index names one manifest per platform. In this exercise you hash a real
//! nginx manifest and get its published digest, see why re-serializing JSON breaks that digest,
//! build a config and a manifest for layers of your own, pick the right manifest out of a
//! multi-platform index, and check fetched bytes against their descriptor.
//!
//! Read the exercise page in the book first: `08-manifests/exercise.html`
//! (source: `src/08-manifests/exercise.md`). The topic page `08-manifests/index.html` explains
//! the ideas behind each step.
//!
//! Work through the steps in order. Each function below says which test checks it:
//!
//! ```text
//! cargo test -p ex08-manifests --test step1_digest     # one step
//! cargo test -p ex08-manifests                         # everything
//! cargo xtask watch 08                                 # re-run on every save, with hints
//! ```
//!
//! Replace each `todo!(…)` with your code. Hints for every step are in
//! `exercises/08-manifests/hints.md`.

// The ANCHOR and ANCHOR_END comments mark the code the book's exercise page shows; they change
// nothing here. (Delete them if you like: the page then shows the stub as committed.)

// The stubs below do not use their parameters yet. Delete this line once every step passes.
#![allow(unused_variables)]

use std::fmt;

/// Media type of an OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of an OCI image index (a multi-platform image).
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Media type of an OCI image config.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Media type of a gzip-compressed OCI layer.
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Media type of a Docker schema2 image manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Media type of a Docker manifest list (Docker's multi-platform index).
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

// ---------------------------------------------------------------------------------------------
// Step 1 (tests/step1_digest.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step1_digest
/// Names content by its bytes: `"sha256:"` followed by the 64 lowercase hex digits of the
/// SHA-256 of `bytes`.
///
/// ```text
/// sha256_digest(driftwood::raw::NGINX_1_23_1_AMD64_MANIFEST)
///     == "sha256:f26fbadb0acab4a21ecb4e337a326907e61fbec36c9a9b52e725669d99ed1261"
/// ```
///
/// Book: `08-manifests/exercise.html#step-1-the-published-digest` and
/// `08-manifests/index.html#digests-pin-exact-bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    todo!("what does a digest string look like? (exercise page, step 1; the sha2 crate hashes)")
}
// ANCHOR_END: step1_digest

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_reserialize.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step2_reserialize
/// Parses `raw` as JSON and writes it back compactly: no whitespace between tokens, object keys
/// in their original order. An error if `raw` is not JSON.
///
/// Book: `08-manifests/exercise.html#step-2-same-meaning-different-bytes`.
pub fn compact_json(raw: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    todo!("what survives a parse and a write-back, and what does not? (exercise page, step 2)")
}

/// Parses `raw` as JSON and writes it back pretty-printed the way `serde_json` does (two-space
/// indent), object keys in their original order. An error if `raw` is not JSON.
///
/// Book: `08-manifests/exercise.html#step-2-same-meaning-different-bytes`.
pub fn pretty_json(raw: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    todo!("the same round trip as compact_json, written for people (serde_json docs)")
}

/// Whether `a` and `b` are JSON documents with the same meaning: equal values, whatever the
/// whitespace, the order of the keys inside objects, or how strings are escaped (`"a\/b"` and
/// `"a/b"` are the same string). Arrays keep their order: `[1,2]` and `[2,1]` differ, as the
/// order of layers does. `false` when either input is not JSON.
///
/// Book: `08-manifests/exercise.html#step-2-same-meaning-different-bytes`.
pub fn same_meaning(a: &[u8], b: &[u8]) -> bool {
    todo!("what does \"the same meaning\" compare, and what if one side is not JSON?")
}
// ANCHOR_END: step2_reserialize

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_descriptors.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step3_descriptors
/// A content descriptor: what a manifest or index says about a blob it points to. In JSON it is
/// `{"mediaType": …, "digest": …, "size": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// What the blob is (`application/vnd.oci.image.config.v1+json`, …).
    pub media_type: String,
    /// `"sha256:…"` of the blob's exact bytes.
    pub digest: String,
    /// Length of the blob in bytes.
    pub size: u64,
}

/// The descriptor of `content`: `media_type` as given, the digest and the size of the bytes.
///
/// Book: `08-manifests/exercise.html#step-3-descriptors` and `08-manifests/index.html#descriptors`.
pub fn describe(media_type: &str, content: &[u8]) -> Descriptor {
    todo!("what three facts name content exactly? (exercise page, step 3)")
}

/// The diff_id of a gzip-compressed layer blob: the digest of the *uncompressed* tar inside it.
/// An error if `layer_blob` is not a complete gzip stream.
///
/// Book: `08-manifests/exercise.html#step-3-descriptors`.
pub fn diff_id(layer_blob: &[u8]) -> std::io::Result<String> {
    todo!("which bytes does a diff_id name: the blob, or what is inside it?")
}
// ANCHOR_END: step3_descriptors

// ---------------------------------------------------------------------------------------------
// Step 4 (tests/step4_build_image.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step4_build_image
/// The image config JSON for an image whose layers have these diff_ids (lowest first):
///
/// ```text
/// {"architecture": "amd64", "os": "linux",
///  "rootfs": {"type": "layers", "diff_ids": ["sha256:…", …]},
///  "history": [{"created_by": "COPY app/ /app/"}, …]}
/// ```
///
/// `history` holds one `{"created_by": …}` object per entry of `history`, in order.
///
/// Book: `08-manifests/exercise.html#step-4-a-manifest-of-your-own` and
/// `08-manifests/index.html#the-manifest-field-by-field`.
pub fn config_json(architecture: &str, os: &str, diff_ids: &[String], history: &[&str]) -> Vec<u8> {
    todo!("which fields does an image config need here? (doc comment above)")
}

/// The OCI image manifest JSON:
///
/// ```text
/// {"schemaVersion": 2,
///  "mediaType": "application/vnd.oci.image.manifest.v1+json",
///  "config": {"mediaType": …, "digest": …, "size": …},
///  "layers": [{"mediaType": …, "digest": …, "size": …}, …]}
/// ```
///
/// Book: `08-manifests/exercise.html#step-4-a-manifest-of-your-own` and
/// `08-manifests/index.html#the-manifest-field-by-field`.
pub fn manifest_json(config: &Descriptor, layers: &[Descriptor]) -> Vec<u8> {
    todo!("which fields does an OCI manifest have, and how is a descriptor written? (doc comment above)")
}

/// One layer of an image you build: the compressed blob and the build step that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// The gzip-compressed tar, exactly as it would be uploaded.
    pub blob: Vec<u8>,
    /// The build step, for the config's history (`"COPY app/ /app/"`).
    pub created_by: String,
}

/// An image you built: the exact bytes of its config and manifest, and their digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltImage {
    /// The config JSON, exactly as it would be uploaded.
    pub config: Vec<u8>,
    /// The digest of `config`: the image ID.
    pub config_digest: String,
    /// The manifest JSON, exactly as it would be uploaded.
    pub manifest: Vec<u8>,
    /// The digest of `manifest`: what `image@sha256:…` pins.
    pub manifest_digest: String,
}

/// Builds the config and the manifest for `layers` (lowest first): the config lists each
/// layer's diff_id and `created_by`; the manifest describes the config (media type
/// [`OCI_CONFIG`]) and each blob (media type [`OCI_LAYER_GZIP`]). An error if a blob is not
/// gzip.
///
/// Book: `08-manifests/exercise.html#step-4-a-manifest-of-your-own`.
pub fn build_image(architecture: &str, os: &str, layers: &[Layer]) -> std::io::Result<BuiltImage> {
    todo!("which name depends on which bytes? Build from the bottom up (exercise page, step 4)")
}
// ANCHOR_END: step4_build_image

// ---------------------------------------------------------------------------------------------
// Step 5 (tests/step5_platform.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step5_platform
/// Why no manifest could be chosen from an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformError {
    /// The platform asked for is not `os/architecture` or `os/architecture/variant`.
    InvalidPlatform(String),
    /// The index is not JSON, has no `manifests` array, or the chosen entry lacks a field.
    Malformed(String),
    /// No entry matches. `offered` lists the runnable platforms of the index in index order,
    /// written like `wanted` (`linux/arm/v7`), attestation entries left out.
    NotFound { wanted: String, offered: Vec<String> },
}

/// One line that says what went wrong. For [`PlatformError::NotFound`] it names the platform
/// wanted and every platform offered, so the reader sees at once what to ask for instead.
impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("match on self and write! one line per variant")
    }
}

impl std::error::Error for PlatformError {}

/// Picks the manifest for `platform` from `index`, the raw bytes of an OCI image index or a
/// Docker manifest list, and returns the descriptor of that entry (its `mediaType`, `digest`
/// and `size`, as the index gives them).
///
/// - `platform` is `os/architecture` or `os/architecture/variant`: `"linux/amd64"`,
///   `"linux/arm/v7"`, `"linux/arm64"`;
/// - an entry matches when its `platform.os` and `platform.architecture` are equal and the
///   variants are equal, where a missing variant means the default one: `v8` for `arm64`, `v7`
///   for `arm` (so `linux/arm64` matches an entry with variant `v8`, and the reverse);
/// - the first matching entry wins;
/// - entries whose platform is `unknown/unknown` are attestation manifests (provenance, SBOM):
///   never chosen, never offered; entries without a platform are skipped too.
///
/// Book: `08-manifests/exercise.html#step-5-choosing-a-platform` and
/// `08-manifests/index.html#the-multi-platform-index`.
pub fn choose_manifest(index: &[u8], platform: &str) -> Result<Descriptor, PlatformError> {
    todo!("what makes two platforms equal, and which entries are not images? (exercise page, step 5)")
}
// ANCHOR_END: step5_platform

// ---------------------------------------------------------------------------------------------
// Step 6 (tests/step6_verify.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step6_verify
/// Why content does not match its descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DescriptorError {
    /// The content's length is not the descriptor's size.
    SizeMismatch { expected: u64, actual: u64 },
    /// The content hashes to another digest than the descriptor's.
    DigestMismatch { expected: String, actual: String },
    /// The descriptor's digest is not `sha256:` followed by 64 lowercase hex digits.
    Malformed(String),
}

/// One line that names both values: what the descriptor says and what the content is.
impl fmt::Display for DescriptorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("match on self and write! a line that shows expected and actual")
    }
}

impl std::error::Error for DescriptorError {}

/// Checks `content` against `descriptor`, in this order:
///
/// 1. the descriptor's digest must be `sha256:` followed by 64 lowercase hex digits, else
///    [`DescriptorError::Malformed`] (with the digest in its message);
/// 2. the size: `content.len()` must equal `descriptor.size`, else
///    [`DescriptorError::SizeMismatch`];
/// 3. the digest of `content` must equal `descriptor.digest`, else
///    [`DescriptorError::DigestMismatch`].
///
/// Book: `08-manifests/exercise.html#step-6-verify-what-you-fetched` and
/// `08-manifests/index.html#descriptors`.
pub fn verify(descriptor: &Descriptor, content: &[u8]) -> Result<(), DescriptorError> {
    todo!("which check is cheapest, and which error does each failed check give? (DescriptorError)")
}
// ANCHOR_END: step6_verify

//! # Exercise 08: Manifests and Digests by Hand (reference solution)
//!
//! A manifest is a small JSON document that names a config and a list of layers by digest; a
//! multi-platform index names one manifest per platform. This is the reference solution of the
//! exercise on the book page `08-manifests/exercise.html` (source: `src/08-manifests/exercise.md`).
//! `cargo xtask solve 08` puts it in place of `src/lib.rs`; `cargo xtask reset 08` brings the
//! learner's file back.

use std::fmt;
use std::io::Read;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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

/// `"sha256:"` followed by the 64 lowercase hex digits of the SHA-256 of `bytes`.
///
/// Book: `08-manifests/exercise.html#step-1-the-published-digest`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_reserialize.rs)
// ---------------------------------------------------------------------------------------------

/// Parses `raw` as JSON and writes it back compactly (no whitespace), keys in their original
/// order.
///
/// Book: `08-manifests/exercise.html#step-2-same-meaning-different-bytes`.
pub fn compact_json(raw: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    let value: Value = serde_json::from_slice(raw)?;
    serde_json::to_vec(&value)
}

/// Parses `raw` as JSON and writes it back pretty-printed the way `serde_json` does (two-space
/// indent), keys in their original order.
///
/// Book: `08-manifests/exercise.html#step-2-same-meaning-different-bytes`.
pub fn pretty_json(raw: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    let value: Value = serde_json::from_slice(raw)?;
    serde_json::to_vec_pretty(&value)
}

/// Whether two byte strings are JSON documents with the same meaning: equal values, whatever
/// the whitespace, the order of object keys or the escaping of strings. Arrays keep their order.
/// `false` when either is not JSON.
///
/// Book: `08-manifests/exercise.html#step-2-same-meaning-different-bytes`.
pub fn same_meaning(a: &[u8], b: &[u8]) -> bool {
    match (serde_json::from_slice::<Value>(a), serde_json::from_slice::<Value>(b)) {
        // `Value`'s equality ignores the order of object keys, even with `preserve_order`.
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_descriptors.rs)
// ---------------------------------------------------------------------------------------------

/// A content descriptor: what a manifest or index says about a blob it points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// What the blob is (`application/vnd.oci.image.config.v1+json`, …).
    pub media_type: String,
    /// `"sha256:…"` of the blob's exact bytes.
    pub digest: String,
    /// Length of the blob in bytes.
    pub size: u64,
}

/// The descriptor of `content`: its media type as given, its digest and its size.
///
/// Book: `08-manifests/exercise.html#step-3-descriptors`.
pub fn describe(media_type: &str, content: &[u8]) -> Descriptor {
    Descriptor { media_type: media_type.to_string(), digest: sha256_digest(content), size: content.len() as u64 }
}

/// The diff_id of a gzip-compressed layer blob: the digest of the *uncompressed* tar. An error
/// if the blob is not a complete gzip stream.
///
/// Book: `08-manifests/exercise.html#step-3-descriptors`.
pub fn diff_id(layer_blob: &[u8]) -> std::io::Result<String> {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(layer_blob).read_to_end(&mut tar)?;
    Ok(sha256_digest(&tar))
}

// ---------------------------------------------------------------------------------------------
// Step 4 (tests/step4_build_image.rs)
// ---------------------------------------------------------------------------------------------

/// The image config JSON:
/// `{"architecture","os","rootfs":{"type":"layers","diff_ids":[…]},"history":[{"created_by":…},…]}`.
///
/// Book: `08-manifests/exercise.html#step-4-a-manifest-of-your-own`.
pub fn config_json(architecture: &str, os: &str, diff_ids: &[String], history: &[&str]) -> Vec<u8> {
    let history: Vec<Value> = history.iter().map(|step| json!({ "created_by": step })).collect();
    let config = json!({
        "architecture": architecture,
        "os": os,
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "history": history,
    });
    serde_json::to_vec(&config).expect("a JSON value always serializes")
}

/// The JSON of one descriptor, with the field names of the image spec.
fn descriptor_json(d: &Descriptor) -> Value {
    json!({ "mediaType": d.media_type, "digest": d.digest, "size": d.size })
}

/// The OCI image manifest JSON: schemaVersion 2, the OCI manifest media type, the config
/// descriptor and the layer descriptors in order.
///
/// Book: `08-manifests/exercise.html#step-4-a-manifest-of-your-own`.
pub fn manifest_json(config: &Descriptor, layers: &[Descriptor]) -> Vec<u8> {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": descriptor_json(config),
        "layers": layers.iter().map(descriptor_json).collect::<Vec<_>>(),
    });
    serde_json::to_vec(&manifest).expect("a JSON value always serializes")
}

/// One layer of an image you build: the compressed blob and the step that made it.
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
    pub config: Vec<u8>,
    /// `sha256_digest(&config)`: the image ID.
    pub config_digest: String,
    pub manifest: Vec<u8>,
    /// `sha256_digest(&manifest)`: what `image@sha256:…` pins.
    pub manifest_digest: String,
}

/// Builds the config and the manifest for `layers` (lowest first).
///
/// Book: `08-manifests/exercise.html#step-4-a-manifest-of-your-own`.
pub fn build_image(architecture: &str, os: &str, layers: &[Layer]) -> std::io::Result<BuiltImage> {
    let diff_ids = layers.iter().map(|l| diff_id(&l.blob)).collect::<std::io::Result<Vec<_>>>()?;
    let history: Vec<&str> = layers.iter().map(|l| l.created_by.as_str()).collect();
    let config = config_json(architecture, os, &diff_ids, &history);
    let layer_descriptors: Vec<Descriptor> = layers.iter().map(|l| describe(OCI_LAYER_GZIP, &l.blob)).collect();
    let manifest = manifest_json(&describe(OCI_CONFIG, &config), &layer_descriptors);
    Ok(BuiltImage {
        config_digest: sha256_digest(&config),
        config,
        manifest_digest: sha256_digest(&manifest),
        manifest,
    })
}

// ---------------------------------------------------------------------------------------------
// Step 5 (tests/step5_platform.rs)
// ---------------------------------------------------------------------------------------------

/// Why no manifest could be chosen from an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformError {
    /// The platform asked for is not `os/architecture[/variant]`.
    InvalidPlatform(String),
    /// The index is not JSON, has no `manifests` array, or the chosen entry lacks a field.
    Malformed(String),
    /// No entry matches; `offered` lists the runnable platforms in index order.
    NotFound { wanted: String, offered: Vec<String> },
}

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlatformError::InvalidPlatform(p) => {
                write!(f, "{p:?} is not a platform: write os/architecture[/variant], e.g. linux/arm64")
            }
            PlatformError::Malformed(why) => write!(f, "malformed index: {why}"),
            PlatformError::NotFound { wanted, offered } if offered.is_empty() => {
                write!(f, "no manifest for {wanted}: the index offers no runnable platform")
            }
            PlatformError::NotFound { wanted, offered } => {
                write!(f, "no manifest for {wanted}: the index offers {}", offered.join(", "))
            }
        }
    }
}

impl std::error::Error for PlatformError {}

/// `(os, architecture, variant)` with the default variants filled in: arm64 means v8, arm
/// means v7.
fn normalized<'a>(os: &'a str, architecture: &'a str, variant: Option<&'a str>) -> (&'a str, &'a str, Option<&'a str>) {
    let variant = match (architecture, variant) {
        ("arm64", None) => Some("v8"),
        ("arm", None) => Some("v7"),
        (_, v) => v,
    };
    (os, architecture, variant)
}

/// Picks the manifest for `platform` (`"linux/amd64"`, `"linux/arm/v7"`, `"linux/arm64"`) from
/// the index (OCI image index or Docker manifest list) in `index`. The first matching entry
/// wins; a missing variant means the default one (v8 for arm64, v7 for arm); attestation
/// entries (`unknown/unknown`) are never chosen.
///
/// Book: `08-manifests/exercise.html#step-5-choosing-a-platform`.
pub fn choose_manifest(index: &[u8], platform: &str) -> Result<Descriptor, PlatformError> {
    let parts: Vec<&str> = platform.split('/').collect();
    let (os, architecture, variant) = match parts.as_slice() {
        [os, arch] => (*os, *arch, None),
        [os, arch, variant] => (*os, *arch, Some(*variant)),
        _ => return Err(PlatformError::InvalidPlatform(platform.to_string())),
    };
    if parts.iter().any(|p| p.is_empty()) {
        return Err(PlatformError::InvalidPlatform(platform.to_string()));
    }
    let wanted = normalized(os, architecture, variant);

    let index: Value = serde_json::from_slice(index).map_err(|e| PlatformError::Malformed(e.to_string()))?;
    let entries = index["manifests"].as_array().ok_or_else(|| {
        PlatformError::Malformed("no \"manifests\" array (is this a manifest rather than an index?)".to_string())
    })?;

    let mut offered = Vec::new();
    for entry in entries {
        let p = &entry["platform"];
        let (Some(os), Some(arch)) = (p["os"].as_str(), p["architecture"].as_str()) else {
            continue; // an entry without a platform runs nowhere
        };
        if os == "unknown" && arch == "unknown" {
            continue; // an attestation manifest (provenance, SBOM), not an image
        }
        let variant = p["variant"].as_str();
        if normalized(os, arch, variant) == wanted {
            let field = |name: &str| PlatformError::Malformed(format!("the {platform} entry has no valid {name:?}"));
            return Ok(Descriptor {
                media_type: entry["mediaType"].as_str().ok_or_else(|| field("mediaType"))?.to_string(),
                digest: entry["digest"].as_str().ok_or_else(|| field("digest"))?.to_string(),
                size: entry["size"].as_u64().ok_or_else(|| field("size"))?,
            });
        }
        offered.push(match variant {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
        });
    }
    Err(PlatformError::NotFound { wanted: platform.to_string(), offered })
}

// ---------------------------------------------------------------------------------------------
// Step 6 (tests/step6_verify.rs)
// ---------------------------------------------------------------------------------------------

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

impl fmt::Display for DescriptorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DescriptorError::SizeMismatch { expected, actual } => {
                write!(f, "size mismatch: the descriptor says {expected} bytes, the content has {actual}")
            }
            DescriptorError::DigestMismatch { expected, actual } => {
                write!(f, "digest mismatch: the descriptor says {expected}, the content hashes to {actual}")
            }
            DescriptorError::Malformed(why) => write!(f, "malformed descriptor: {why}"),
        }
    }
}

impl std::error::Error for DescriptorError {}

/// Checks `content` against `descriptor`, in this order: the digest's form, the size, the
/// digest.
///
/// Book: `08-manifests/exercise.html#step-6-verify-what-you-fetched`.
pub fn verify(descriptor: &Descriptor, content: &[u8]) -> Result<(), DescriptorError> {
    let well_formed = descriptor
        .digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    if !well_formed {
        return Err(DescriptorError::Malformed(format!(
            "digest {:?} is not \"sha256:\" followed by 64 lowercase hex digits",
            descriptor.digest
        )));
    }
    let actual_size = content.len() as u64;
    if actual_size != descriptor.size {
        return Err(DescriptorError::SizeMismatch { expected: descriptor.size, actual: actual_size });
    }
    let actual = sha256_digest(content);
    if actual != descriptor.digest {
        return Err(DescriptorError::DigestMismatch { expected: descriptor.digest.clone(), actual });
    }
    Ok(())
}

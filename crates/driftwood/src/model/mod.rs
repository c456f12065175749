//! The typed shape of the snapshot: one [`ImageRecord`] per recorded state of an image, and the
//! [`TagMove`]s of the timeline. Every type mirrors a JSON object under `data/` one to one
//! (`deny_unknown_fields`: a misspelt key in the data is a load error, not a silent `None`).

use std::collections::BTreeMap;

use imagekit::Digest;
use serde::{Deserialize, Serialize};

mod meta;
mod platform;
mod provenance;
mod timeline;

pub use meta::{BuildState, DescriptorFacts, LocalRecord, MetaArch, MetaBuild, MetaObservation, Package};
pub use platform::Platform;
pub use provenance::{DateRule, Provenance, ProvenanceKind, ProvenanceMap, RecordDate, Source, SourceKind};
pub(crate) use timeline::TimelineFile;
pub use timeline::{SourceRef, TagMove};

/// One recorded state of one image: what a tag pointed to at one time, as one public record saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRecord {
    /// Always [`RECORD_SCHEMA`](crate::RECORD_SCHEMA).
    pub schema: String,
    /// `TAG@YYYY-MM-DD` (or `TAG@unknown`), e.g. `nginx:1.27-alpine@2025-01-08`.
    pub id: String,
    /// The tag the source record is about, as it prints it (short Docker Hub form, `library/` dropped).
    pub tag: String,
    /// Other tags that pointed to the same image, each with how we know.
    pub also_tags: Vec<AlsoTag>,
    /// When, and by which rule the date was chosen.
    pub date: RecordDate,
    /// The headline version (nginx, PostgreSQL package, Alpine release, Debian suite).
    pub version: Option<String>,
    /// Version facts (ENV values of the build, base release).
    pub versions: BTreeMap<String, String>,
    /// The base: the first history line as printed, or the parent tag.
    pub base: Option<String>,
    /// Where the record came from.
    pub source: Source,
    /// The multi-platform index the tag resolved to (`None` when it was not recorded).
    pub index: Option<IndexInfo>,
    /// Per-platform images that were recorded (linux/amd64 always first when present).
    pub images: Vec<PlatformImage>,
    /// Runtime configuration of the linux/amd64 image, as far as the record shows it.
    pub config: Option<ImageConfig>,
    /// Build history of the linux/amd64 image (config `history`), in order.
    pub history: Option<Vec<HistoryEntry>>,
    /// A `docker inspect`-style local record of this image or of a sibling build.
    pub local_record: Option<LocalRecord>,
    /// docker-library/meta build facts (postgres:16 in 2023).
    pub meta_build: Option<MetaBuild>,
    /// Which values are transcribed, derived, inferred or recomputed.
    pub provenance: ProvenanceMap,
    /// What to keep in mind when using this record.
    pub caveats: Vec<String>,
}

/// A further tag for the same image, with its provenance (often [`ProvenanceKind::Inferred`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlsoTag {
    pub tag: String,
    pub provenance: Provenance,
}

/// A multi-platform index (OCI image index or Docker manifest list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexInfo {
    pub digest: Digest,
    pub media_type: String,
    /// "Platforms: N" as the record prints it.
    pub platform_count_as_printed: u32,
    /// Every entry in index order, attestation manifests included (`unknown/unknown`).
    pub platforms: Vec<Platform>,
}

impl IndexInfo {
    /// Entries that are runnable images (not attestation manifests).
    pub fn image_platforms(&self) -> impl Iterator<Item = &Platform> {
        self.platforms.iter().filter(|p| !p.is_attestation())
    }

    /// Number of attestation manifests (`unknown/unknown` entries).
    pub fn attestation_count(&self) -> usize {
        self.platforms.iter().filter(|p| p.is_attestation()).count()
    }

    /// Whether the index has an image for `platform` (e.g. `"linux/arm64/v8"`).
    pub fn has_platform(&self, platform: &str) -> bool {
        self.platforms.iter().any(|p| p.to_string() == platform)
    }
}

/// One platform's image: its manifest, config and layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformImage {
    pub platform: Platform,
    pub manifest: ManifestInfo,
    /// The config blob's digest: the image ID.
    pub config_digest: Option<Digest>,
    /// Compressed transfer size as the record prints it: the sum of the layer sizes (config excluded).
    pub total_size: Option<u64>,
    pub layers: Option<Vec<Layer>>,
    /// The attestation manifest that goes with this image, when recorded.
    pub attestation: Option<Attestation>,
}

impl PlatformImage {
    /// Σ layer sizes, computed here (compare with [`total_size`](Self::total_size)).
    pub fn layer_size_sum(&self) -> Option<u64> {
        self.layers.as_ref().map(|ls| ls.iter().map(|l| l.size).sum())
    }
}

/// What is known about a platform manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestInfo {
    pub digest: Digest,
    /// Byte size, when a descriptor recorded it.
    pub size: Option<u64>,
    /// Media type, only when a reliable source recorded it.
    pub media_type: Option<String>,
    /// What repo-info printed (from a constant in its generator: unreliable).
    pub media_type_as_printed: Option<String>,
    /// Our best inference when no reliable source recorded it.
    pub media_type_inferred: Option<String>,
}

/// A layer (or attestation blob) descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub digest: Digest,
    /// Compressed size in bytes, as stored in the registry.
    pub size: u64,
    pub media_type: String,
    /// The blob's HTTP Last-Modified, when the record printed it.
    pub last_modified: Option<HttpTime>,
}

/// A timestamp that came from an HTTP date: both spellings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTime {
    /// `2025-01-07T02:28:35Z`
    pub iso: String,
    /// `Tue, 07 Jan 2025 02:28:35 GMT`
    pub http: String,
}

/// A BuildKit attestation manifest (in-toto provenance / SBOM layers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    pub manifest_digest: Digest,
    pub config_digest: Option<Digest>,
    pub total_size: Option<u64>,
    pub layers: Vec<Layer>,
}

/// The runtime part of an image config (`config` in the OCI image config), as far as recorded.
/// `None` means unset (or not shown by the record; see the record's provenance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageConfig {
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub env: Option<Vec<String>>,
    pub labels: Option<BTreeMap<String, String>>,
    pub exposed_ports: Option<Vec<String>>,
    pub user: Option<String>,
    pub stop_signal: Option<String>,
    pub volumes: Option<Vec<String>>,
    pub working_dir: Option<String>,
}

impl ImageConfig {
    /// Value of an environment variable, if recorded.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env.as_ref()?.iter().find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    }
}

/// One entry of the image config's `history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    /// `2024-11-26T18:42:08Z` (second precision).
    pub created: String,
    /// The same time as the record printed it (RFC 1123).
    pub created_http: String,
    /// As repo-info renders it (see the record's provenance for how that differs from the config).
    pub created_by: String,
    /// `true` for metadata-only steps (ENV, CMD, LABEL, …) that add no layer.
    pub empty_layer: bool,
}

impl HistoryEntry {
    /// The Dockerfile instruction word (`RUN`, `COPY`, `ENV`, …).
    pub fn instruction(&self) -> &str {
        self.created_by.split_whitespace().next().unwrap_or("")
    }
}

/// The layer-making history entry of one layer, with the metadata-only entries just before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerHistory<'a> {
    pub index: usize,
    pub layer: &'a Layer,
    /// Empty-layer entries since the previous layer, then the entry that made this layer (last).
    pub entries: &'a [HistoryEntry],
}

impl<'a> LayerHistory<'a> {
    /// The entry that produced this layer.
    pub fn step(&self) -> &'a HistoryEntry {
        self.entries.last().expect("a layer group ends with its layer-making entry")
    }
}

//! The typed shape of the snapshot: one [`ImageRecord`] per recorded state of an image, and the
//! [`TagMove`]s of the timeline. Every type mirrors a JSON object under `data/` one to one
//! (`deny_unknown_fields`: a misspelt key in the data is a load error, not a silent `None`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use imagekit::Digest;
use serde::{Deserialize, Serialize};

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

/// The date of a record and the rule that chose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDate {
    /// `YYYY-MM-DD`, or `None` when unknown.
    pub iso: Option<String>,
    /// The original text when the date came from an HTTP header (`Wed, 08 Jan 2025 06:09:04 GMT`).
    pub http: Option<String>,
    /// Full timestamp (`2025-01-08T06:09:04Z`, or a git commit time with its offset).
    pub at: Option<String>,
    pub rule: DateRule,
}

/// How a record or a tag move is dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateRule {
    /// The newest blob `Last Modified` printed in a repo-info record: the registry's HTTP
    /// Last-Modified header, a proxy for push time (the record's commit date is not available).
    NewestBlobLastModified,
    /// The commit date of a docker-library/meta commit, in the committer's offset.
    MetaCommitDate,
    /// No date could be recovered.
    Unknown,
}

impl DateRule {
    /// One sentence for tables and the book.
    pub fn describe(self) -> &'static str {
        match self {
            DateRule::NewestBlobLastModified => {
                "newest blob Last-Modified in the repo-info record (push-time proxy, not a build time)"
            }
            DateRule::MetaCommitDate => "docker-library/meta commit date (committer's offset)",
            DateRule::Unknown => "unknown",
        }
    }
}

/// Where a record came from: a file in a public git repository at one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// `owner/name` on GitHub.
    pub repo: String,
    pub path: String,
    /// Full 40-hex commit.
    pub commit: String,
    pub kind: SourceKind,
}

/// What kind of public record a [`Source`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// docker-library/repo-info `repos/*/remote/*.md` (or a fork): registry facts rendered as markdown.
    RepoInfoRemote,
    /// docker-library/repo-info `repos/*/local/*.md`: `docker inspect` of a pulled image.
    RepoInfoLocal,
    /// docker-library/meta `builds.json`: the official-images build system's records.
    DockerLibraryMeta,
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

/// `os/architecture[/variant]`, written as a string in the data (`linux/arm/v7`, `unknown/unknown`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// BuildKit attestation manifests (provenance, SBOM) sit in the index as `unknown/unknown`.
    pub fn is_attestation(&self) -> bool {
        self.os == "unknown" && self.architecture == "unknown"
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Platform, String> {
        let parts: Vec<&str> = s.split('/').collect();
        let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => {
                Ok(Platform { os: os.to_string(), architecture: arch.to_string(), variant: None })
            }
            [os, arch, variant] if ok(os) && ok(arch) && ok(variant) => {
                Ok(Platform { os: os.to_string(), architecture: arch.to_string(), variant: Some(variant.to_string()) })
            }
            _ => Err(format!("platform {s:?} is not OS/ARCH[/VARIANT]")),
        }
    }
}

impl Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Platform, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
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

/// A repo-info "local" record: `docker inspect` facts of an image pulled by repo-info's bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalRecord {
    pub source: Source,
    pub title_as_printed: String,
    pub image_id: Digest,
    pub created: String,
    pub virtual_size_as_printed: String,
    pub platform: Platform,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub env: Option<Vec<String>>,
    pub labels: Option<BTreeMap<String, String>>,
    /// Whether it is the same image as the record (image ID == config digest).
    pub matches_this_image: bool,
    pub match_note: String,
    pub package_manager: Option<String>,
    pub packages: Option<Vec<Package>>,
}

/// An installed OS package as a local record lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub installed_size_as_printed: String,
    pub license: String,
}

/// What docker-library/meta's `builds.json` recorded about one build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaBuild {
    pub build_id: String,
    /// `https://github.com/docker-library/postgres.git#COMMIT:DIR`
    pub source: String,
    pub git_commit: String,
    /// Where the per-arch manifest was pushed before being copied into `library/…`.
    pub staging_repo: String,
    /// Every meta commit that showed this build, oldest first.
    pub observations: Vec<MetaObservation>,
    /// Per-architecture entries, when a full builds.json entry set was kept (else empty).
    pub arches: Vec<MetaArch>,
}

/// One meta commit's view of a build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaObservation {
    pub commit: String,
    pub date: String,
    /// Commit time with offset, when known.
    pub at: Option<String>,
    pub state: BuildState,
    pub staging_index_digest: Option<Digest>,
    pub parent_index_digest: Digest,
    pub parent_index_media_type: String,
    pub parent_amd64_manifest_digest: Digest,
}

/// Whether meta had only queued the build or recorded its pushed manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildState {
    Queued,
    Pushed,
}

/// One architecture of a meta build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaArch {
    pub platform: Platform,
    pub build_id: String,
    pub staging_image: String,
    pub manifest: DescriptorFacts,
    pub staging_index: DescriptorFacts,
    pub parent_manifest: DescriptorFacts,
    pub parent_index: DescriptorFacts,
}

/// Digest, size and media type of a blob, as a descriptor recorded them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DescriptorFacts {
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
}

/// How a value got into the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvenanceKind {
    /// Copied from a stored public record, unchanged in meaning.
    Transcribed,
    /// Computed here from bytes we hold (e.g. the raw test vectors' digests).
    Recomputed,
    /// Mechanically derived from transcribed values by a stated rule (ISO dates from HTTP dates,
    /// Env from ENV history lines, `empty_layer` from the instruction word).
    Derived,
    /// A judgement that no stored record states (which tag pointed where, a likely media type).
    Inferred,
}

/// A provenance kind with the reason or rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub kind: ProvenanceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A record's provenance: a default and per-field exceptions, keyed by field path
/// (`images.total_size`, `config.env`, …; see [`FIELD_PATHS`](crate::FIELD_PATHS)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceMap {
    pub default: Provenance,
    pub fields: BTreeMap<String, Provenance>,
}

/// One entry of the timeline: on `date`, `tag` pointed to this index / amd64 manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagMove {
    pub tag: String,
    /// `YYYY-MM-DD`, or `None` when unknown (`"unknown"` in the data).
    #[serde(with = "unknown_date")]
    pub date: Option<String>,
    /// Full timestamp, when known.
    pub at: Option<String>,
    /// The HTTP date it came from, if any.
    pub date_http: Option<String>,
    pub date_rule: DateRule,
    pub version: Option<String>,
    /// `None` when the multi-arch index was not recorded.
    pub index_digest: Option<Digest>,
    pub amd64_manifest_digest: Option<Digest>,
    pub source: SourceRef,
    /// The id of the [`ImageRecord`] with the details, if there is one.
    pub record: Option<String>,
    /// When the record was about another tag (a patch tag), that tag.
    pub recorded_tag: Option<String>,
    pub provenance: Provenance,
    pub note: Option<String>,
}

impl TagMove {
    /// The full record behind this move, if the snapshot has one.
    pub fn record(&self) -> Option<&'static ImageRecord> {
        crate::record(self.record.as_deref()?)
    }
}

/// A file at a commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub repo: String,
    pub path: String,
    pub commit: String,
}

/// The timeline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimelineFile {
    pub schema: String,
    pub about: String,
    pub moves: Vec<TagMove>,
}

mod unknown_date {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(date: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(date.as_deref().unwrap_or("unknown"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let s = String::deserialize(d)?;
        Ok(if s == "unknown" { None } else { Some(s) })
    }
}

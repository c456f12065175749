//! The side records of an image: repo-info's `docker inspect` ("local") record and
//! docker-library/meta's build facts.

use std::collections::BTreeMap;

use imagekit::Digest;
use serde::{Deserialize, Serialize};

use super::platform::Platform;
use super::provenance::Source;

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

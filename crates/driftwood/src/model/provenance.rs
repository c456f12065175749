//! Where the snapshot's values come from: the public record (repository, file, commit), how a
//! record is dated, and per-field provenance (transcribed, recomputed, derived, inferred).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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

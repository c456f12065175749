//! The timeline: which index and amd64 manifest each tag pointed to, and when.

use imagekit::Digest;
use serde::{Deserialize, Serialize};

use super::provenance::{DateRule, Provenance};
use crate::ImageRecord;

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

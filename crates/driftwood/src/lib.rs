//! driftwood: an offline, typed snapshot of the real images the course app "Driftwood" depends on.
//!
//! Driftwood runs `nginx:1.27-alpine` and `postgres:16`; their bases are `alpine:3.20`/`3.21` and
//! `debian:bookworm-slim`. This crate carries what public records say about those images (index and
//! manifest digests, platforms, config digests, layers, build history, how the tags moved) in the
//! workbook's own JSON format under `data/`, compiled in with `include_str!` and parsed once.
//! Nothing here talks to a registry: every value was transcribed from a stored public record, and
//! each record says which one (repo, path, commit) and which of its values are transcribed,
//! derived, inferred or recomputed ([`ProvenanceKind`]). See the crate README for the table.
//!
//! ```
//! let nginx = driftwood::latest("docker.io/library/nginx:1.27-alpine").unwrap();
//! assert_eq!(nginx.version.as_deref(), Some("1.27.5"));
//! let amd64 = nginx.amd64().unwrap();
//! assert_eq!(amd64.total_size, amd64.layer_size_sum());
//!
//! // A tag moves, a digest doesn't.
//! let then = driftwood::resolve_on("postgres:16", "2024-06-01").unwrap();
//! assert_eq!(then.version.as_deref(), Some("16.1-1.pgdg120+1 (bookworm)"));
//! ```
//!
//! Raw manifest bytes whose SHA-256 is the published digest live in [`raw`].

mod date;
mod model;
pub mod raw;

use std::collections::HashSet;
use std::sync::OnceLock;

pub use date::{http_date_to_iso, is_iso_date, weekday};
pub use model::*;

/// `schema` of every record file.
pub const RECORD_SCHEMA: &str = "driftwood/record/v1";
/// `schema` of `timeline.json`.
pub const TIMELINE_SCHEMA: &str = "driftwood/timeline/v1";

/// Field paths a record's [`ProvenanceMap`] may name (`images.*` applies to every platform image).
pub const FIELD_PATHS: &[&str] = &[
    "tag",
    "also_tags",
    "date",
    "version",
    "versions",
    "base",
    "index",
    "index.digest",
    "index.media_type",
    "index.platforms",
    "images",
    "images.manifest.digest",
    "images.manifest.media_type",
    "images.manifest.media_type_as_printed",
    "images.manifest.media_type_inferred",
    "images.config_digest",
    "images.total_size",
    "images.layers",
    "images.layers.last_modified",
    "images.attestation",
    "images.attestation.config_digest",
    "images.attestation.total_size",
    "config",
    "config.entrypoint",
    "config.cmd",
    "config.env",
    "config.labels",
    "config.exposed_ports",
    "config.user",
    "config.stop_signal",
    "config.volumes",
    "config.working_dir",
    "history",
    "history.created",
    "history.created_by",
    "history.empty_layer",
    "local_record",
    "meta_build",
];

macro_rules! record_files {
    ($($name:literal),* $(,)?) => {
        /// `(file name, contents)` of every record under `data/records/`.
        const RECORD_FILES: &[(&str, &str)] = &[$(($name, include_str!(concat!("../data/records/", $name)))),*];
    };
}

record_files![
    "nginx_1.27.0-alpine_2024-05-30.json",
    "nginx_1.27-alpine_2024-11-12.json",
    "nginx_1.27-alpine_2025-01-08.json",
    "nginx_1.27.5-alpine_2025-04-16.json",
    "postgres_16_2023-09-29.json",
    "postgres_16_2023-10-11.json",
    "postgres_16_2023-10-31.json",
    "postgres_16_2023-12-19.json",
    "postgres_16_unknown.json",
    "postgres_16_2026-01-13.json",
    "postgres_16_2026-09-19.json",
    "postgres_16-bookworm_2026-09-19.json",
    "debian_bookworm-slim_2026-01-13.json",
    "alpine_3.20_2025-12-08.json",
    "alpine_3.21_2026-09-17.json",
];

const TIMELINE_FILE: &str = include_str!("../data/timeline.json");

/// File names under `data/records/` that are compiled in (tests check nothing else is there).
pub fn record_file_names() -> impl Iterator<Item = &'static str> {
    RECORD_FILES.iter().map(|(name, _)| *name)
}

/// The embedded data failed to parse or to pass its structural checks.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("data/{file}: {source}")]
    Json {
        file: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("data/{file}: {reason}")]
    Invalid { file: String, reason: String },
}

/// The whole snapshot: records and timeline.
#[derive(Debug, Clone)]
pub struct Snapshot {
    records: Vec<ImageRecord>,
    timeline: Vec<TagMove>,
    about: String,
}

impl Snapshot {
    pub fn records(&self) -> &[ImageRecord] {
        &self.records
    }

    pub fn timeline(&self) -> &[TagMove] {
        &self.timeline
    }

    /// The timeline's own description of what a move is and how moves are dated.
    pub fn timeline_about(&self) -> &str {
        &self.about
    }
}

/// Parse and check the embedded data (a fresh copy; the accessors below share one parsed copy).
pub fn load() -> Result<Snapshot, LoadError> {
    let mut records = Vec::with_capacity(RECORD_FILES.len());
    for (file, text) in RECORD_FILES {
        let file = format!("records/{file}");
        let record: ImageRecord =
            serde_json::from_str(text).map_err(|source| LoadError::Json { file: file.clone(), source })?;
        check_record(&record).map_err(|reason| LoadError::Invalid { file: file.clone(), reason })?;
        records.push(record);
    }
    let mut seen = HashSet::new();
    for r in &records {
        if !seen.insert(r.id.as_str()) {
            return Err(LoadError::Invalid {
                file: "records/".into(),
                reason: format!("duplicate record id {}", r.id),
            });
        }
    }
    let file = "timeline.json".to_string();
    let timeline: TimelineFile =
        serde_json::from_str(TIMELINE_FILE).map_err(|source| LoadError::Json { file: file.clone(), source })?;
    check_timeline(&timeline, &seen).map_err(|reason| LoadError::Invalid { file, reason })?;
    Ok(Snapshot { records, timeline: timeline.moves, about: timeline.about })
}

fn check_record(r: &ImageRecord) -> Result<(), String> {
    if r.schema != RECORD_SCHEMA {
        return Err(format!("schema {:?}, expected {RECORD_SCHEMA:?}", r.schema));
    }
    if normalize_tag(&r.tag).as_deref() != Some(r.tag.as_str()) {
        return Err(format!("tag {:?} is not in short normalized form", r.tag));
    }
    for t in &r.also_tags {
        if normalize_tag(&t.tag).as_deref() != Some(t.tag.as_str()) {
            return Err(format!("also_tags entry {:?} is not in short normalized form", t.tag));
        }
    }
    match (&r.date.iso, r.date.rule) {
        (None, DateRule::Unknown) => {}
        (Some(d), rule) if rule != DateRule::Unknown && is_iso_date(d) => {}
        (d, rule) => return Err(format!("date {d:?} does not fit rule {rule:?}")),
    }
    let expected_id = format!("{}@{}", r.tag, r.date.iso.as_deref().unwrap_or("unknown"));
    if r.id != expected_id {
        return Err(format!("id {:?} should be {expected_id:?}", r.id));
    }
    if let Some(index) = &r.index {
        if index.platforms.len() != index.platform_count_as_printed as usize {
            return Err(format!(
                "index lists {} platforms but the record printed {}",
                index.platforms.len(),
                index.platform_count_as_printed
            ));
        }
    }
    if let Some(first) = r.images.first() {
        if first.platform.to_string() != "linux/amd64" {
            return Err(format!("images[0] is {}, expected linux/amd64", first.platform));
        }
    }
    for key in r.provenance.fields.keys() {
        if !FIELD_PATHS.contains(&key.as_str()) {
            return Err(format!("provenance names unknown field {key:?}"));
        }
    }
    Ok(())
}

fn check_timeline(t: &TimelineFile, record_ids: &HashSet<&str>) -> Result<(), String> {
    if t.schema != TIMELINE_SCHEMA {
        return Err(format!("schema {:?}, expected {TIMELINE_SCHEMA:?}", t.schema));
    }
    for (i, m) in t.moves.iter().enumerate() {
        let at = || format!("moves[{i}] ({} {:?})", m.tag, m.date);
        if normalize_tag(&m.tag).as_deref() != Some(m.tag.as_str()) {
            return Err(format!("{}: tag is not in short normalized form", at()));
        }
        match (&m.date, m.date_rule) {
            (None, DateRule::Unknown) => {}
            (Some(d), rule) if rule != DateRule::Unknown && is_iso_date(d) => {}
            _ => return Err(format!("{}: date does not fit rule {:?}", at(), m.date_rule)),
        }
        if let Some(id) = &m.record {
            if !record_ids.contains(id.as_str()) {
                return Err(format!("{}: no record {id:?}", at()));
            }
        }
        if m.index_digest.is_none() && m.amd64_manifest_digest.is_none() {
            return Err(format!("{}: neither an index nor an amd64 manifest digest", at()));
        }
        // Order: each tag's entries are contiguous, oldest first, undated last.
        if let Some(prev) = i.checked_sub(1).map(|j| &t.moves[j]) {
            if prev.tag == m.tag {
                let key = |x: &TagMove| (x.date.is_none(), x.date.clone(), x.at.clone());
                if key(prev) > key(m) {
                    return Err(format!("{}: out of date order", at()));
                }
            } else if t.moves[..i].iter().any(|x| x.tag == m.tag) {
                return Err(format!("{}: the entries of {} are not contiguous", at(), m.tag));
            }
        }
    }
    Ok(())
}

fn snapshot() -> &'static Snapshot {
    static SNAPSHOT: OnceLock<Snapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| load().unwrap_or_else(|e| panic!("driftwood: the embedded data is invalid: {e}")))
}

/// Every record, in data order (grouped by image, oldest first).
pub fn records() -> &'static [ImageRecord] {
    snapshot().records()
}

/// The timeline of tag moves, grouped by tag, oldest first within a tag; undated entries last.
pub fn timeline() -> &'static [TagMove] {
    snapshot().timeline()
}

/// A record by id, e.g. `nginx:1.27-alpine@2025-01-08`. The tag part may be any spelling
/// [`normalize_tag`] accepts, and may be one of the record's [`also_tags`](ImageRecord::also_tags)
/// (`nginx:1.27-alpine@2025-04-16` finds the record filed as `nginx:1.27.5-alpine@2025-04-16`).
pub fn record(id: &str) -> Option<&'static ImageRecord> {
    if let Some(r) = records().iter().find(|r| r.id == id) {
        return Some(r);
    }
    let (tag, when) = id.rsplit_once('@')?;
    let tag = normalize_tag(tag)?;
    records().iter().find(|r| r.date.iso.as_deref().unwrap_or("unknown") == when && r.has_tag(&tag))
}

/// The newest dated record for a tag (`nginx:1.27-alpine`, `docker.io/library/postgres:16`, …),
/// counting records filed under another tag that list it in `also_tags`.
pub fn latest(tag: &str) -> Option<&'static ImageRecord> {
    let tag = normalize_tag(tag)?;
    records()
        .iter()
        .filter(|r| r.date.iso.is_some() && r.has_tag(&tag))
        .max_by(|a, b| (&a.date.iso, &a.date.at).cmp(&(&b.date.iso, &b.date.at)))
}

/// All records for a tag (including via `also_tags`), oldest first; undated ones last.
pub fn records_for(tag: &str) -> Vec<&'static ImageRecord> {
    let Some(tag) = normalize_tag(tag) else {
        return Vec::new();
    };
    let mut out: Vec<_> = records().iter().filter(|r| r.has_tag(&tag)).collect();
    out.sort_by(|a, b| {
        let key = |r: &ImageRecord| (r.date.iso.is_none(), r.date.iso.clone(), r.date.at.clone());
        key(a).cmp(&key(b))
    });
    out
}

/// The timeline entries of one tag, oldest first (undated last).
pub fn moves_for(tag: &str) -> Vec<&'static TagMove> {
    let Some(tag) = normalize_tag(tag) else {
        return Vec::new();
    };
    timeline().iter().filter(|m| m.tag == tag).collect()
}

/// What `tag` pointed to on `date` (`YYYY-MM-DD`): the latest dated move on or before that day
/// (on a day with several moves, the last one). `None` before the first recorded move, for an
/// unknown tag or a malformed date. Undated moves are never returned.
pub fn resolve_on(tag: &str, date: &str) -> Option<&'static TagMove> {
    if !is_iso_date(date) {
        return None;
    }
    // The timeline is sorted by date within a tag (checked at load), so the answer is the first
    // dated move on or before `date` counting from the end.
    moves_for(tag).into_iter().rev().find(|m| m.date.as_deref().is_some_and(|d| d <= date))
}

/// Reduce a Docker Hub reference to the short form the snapshot uses: `docker.io/library/nginx:1.27-alpine`,
/// `library/nginx:1.27-alpine` and `nginx:1.27-alpine` all become `nginx:1.27-alpine`; a missing
/// tag means `latest`. Returns `None` for digest references (`@sha256:…`) and empty input.
pub fn normalize_tag(reference: &str) -> Option<String> {
    let r = reference.trim();
    if r.is_empty() || r.contains('@') || r.chars().any(char::is_whitespace) {
        return None;
    }
    let r =
        ["docker.io/", "index.docker.io/", "registry-1.docker.io/"].iter().find_map(|p| r.strip_prefix(p)).unwrap_or(r);
    let r = r.strip_prefix("library/").unwrap_or(r);
    let (name, tag) = match r.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (r, "latest"),
    };
    if name.is_empty() || tag.is_empty() {
        return None;
    }
    Some(format!("{name}:{tag}"))
}

impl ImageRecord {
    /// The record's tag followed by its `also_tags`.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.tag.as_str()).chain(self.also_tags.iter().map(|t| t.tag.as_str()))
    }

    /// Does this record describe `tag` (short normalized form)?
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags().any(|t| t == tag)
    }

    /// The linux/amd64 image, if recorded.
    pub fn amd64(&self) -> Option<&PlatformImage> {
        self.image("linux/amd64")
    }

    /// The image for a platform such as `"linux/arm64/v8"`.
    pub fn image(&self, platform: &str) -> Option<&PlatformImage> {
        self.images.iter().find(|i| i.platform.to_string() == platform)
    }

    /// Provenance of a field path (see [`FIELD_PATHS`]): the most specific entry, falling back
    /// to enclosing paths (`config.env` → `config`) and then to the record's default.
    pub fn provenance_of(&self, field: &str) -> &Provenance {
        let mut path = field;
        loop {
            if let Some(p) = self.provenance.fields.get(path) {
                return p;
            }
            match path.rsplit_once('.') {
                Some((parent, _)) => path = parent,
                None => return &self.provenance.default,
            }
        }
    }

    /// The amd64 build history grouped by layer: each layer with the metadata-only entries
    /// before it and the entry that made it. `None` without history, layers, or when the count of
    /// layer-making entries differs from the number of layers.
    pub fn layer_history(&self) -> Option<Vec<LayerHistory<'_>>> {
        let history = self.history.as_deref()?;
        let layers = self.amd64()?.layers.as_deref()?;
        let mut groups = Vec::with_capacity(layers.len());
        let mut start = 0;
        for (i, entry) in history.iter().enumerate() {
            if !entry.empty_layer {
                let index = groups.len();
                groups.push(LayerHistory { index, layer: layers.get(index)?, entries: &history[start..=i] });
                start = i + 1;
            }
        }
        (groups.len() == layers.len()).then_some(groups)
    }

    /// Metadata-only history entries after the last layer (postgres: ENTRYPOINT, STOPSIGNAL, EXPOSE, CMD).
    pub fn history_after_last_layer(&self) -> &[HistoryEntry] {
        let Some(history) = self.history.as_deref() else {
            return &[];
        };
        let end = history.iter().rposition(|e| !e.empty_layer).map_or(0, |i| i + 1);
        &history[end..]
    }
}

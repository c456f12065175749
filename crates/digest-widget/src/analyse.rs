//! What the bytes are: their digest and size, the kind of JSON document (manifest, index,
//! config) and why, the descriptors inside, and where the first JSON error is.

use imagekit::digest::Digest;
use imagekit::media::{self, Kind};

use crate::json;
use crate::out::Out;

/// Above this many bytes the widget hashes but does not parse (a 50 MB paste stays responsive).
pub const MAX_ANALYSED: usize = 8 << 20;

/// `sha256:<hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    Digest::of_bytes(bytes).to_string()
}

/// Where the first JSON error is. `line` and `column` count from 1, in characters;
/// `offset` is in UTF-16 code units (what a `<textarea>`'s selection uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// One descriptor found inside a manifest or index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `config`, `layer 1`, `manifest 3`, `subject`.
    pub role: String,
    pub media_type: String,
    pub digest: String,
    pub size: String,
    /// `linux/arm64/v8`, or empty.
    pub platform: String,
    /// Why this entry is not a valid descriptor (empty if it is one).
    pub problem: String,
}

/// Everything the widget shows about a piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub digest: String,
    pub size: usize,
    /// `manifest`, `index`, `config`, `json` (valid, but not an image document), `invalid`,
    /// `empty`, or `large` (not parsed: over [`MAX_ANALYSED`]).
    pub kind: String,
    /// The document's own `mediaType`, or empty.
    pub media_type: String,
    /// A sentence for the reader: what these bytes are and how that was decided.
    pub summary: String,
    pub error: Option<JsonError>,
    pub rows: Vec<Row>,
}

/// Hash and describe `text` (its UTF-8 bytes, exactly as given).
pub fn analyse(text: &str) -> Analysis {
    let bytes = text.as_bytes();
    let mut out = Analysis {
        digest: digest_of(bytes),
        size: bytes.len(),
        kind: String::new(),
        media_type: String::new(),
        summary: String::new(),
        error: None,
        rows: Vec::new(),
    };
    if bytes.is_empty() {
        out.kind = "empty".into();
        out.summary = "No bytes: this is the digest of the empty string, which every SHA-256 tool agrees on.".into();
        return out;
    }
    if bytes.len() > MAX_ANALYSED {
        out.kind = "large".into();
        out.summary = format!(
            "{} bytes: hashed, but too large to parse here (the widget parses up to {} MiB).",
            bytes.len(),
            MAX_ANALYSED >> 20
        );
        return out;
    }
    let value = match json::parse(text) {
        Ok(v) => v,
        Err(e) => {
            let error = json_error(text, &e);
            out.kind = "invalid".into();
            out.summary = format!(
                "Not valid JSON (line {}, column {}): {}. The digest still names these exact bytes; \
                 a registry would refuse them as a manifest.",
                error.line, error.column, error.message
            );
            out.error = Some(error);
            return out;
        }
    };
    if !value.is_object() {
        out.kind = "json".into();
        out.summary = "Valid JSON, but not an object: not an image manifest, index or config.".into();
        return out;
    }
    let has = |key: &str| value.get(key).is_some();
    let declared = value.get("mediaType").and_then(json::Node::as_str).unwrap_or_default();
    out.media_type = declared.clone();
    let (kind, how) = match media::kind(&declared) {
        Kind::Manifest => ("manifest", format!("its mediaType says so: {}", media::describe(&declared))),
        Kind::Index => ("index", format!("its mediaType says so: {}", media::describe(&declared))),
        Kind::Config => ("config", format!("its mediaType says so: {}", media::describe(&declared))),
        _ if !declared.is_empty() => {
            ("json", format!("its mediaType \"{declared}\" is not a manifest, index or config"))
        }
        // OCI manifests and indexes may omit mediaType; guess from the shape, and say so.
        _ if has("manifests") => ("index", "no mediaType, but it has a \"manifests\" list".into()),
        _ if has("config") && has("layers") => {
            ("manifest", "no mediaType, but it has \"config\" and \"layers\"".into())
        }
        _ if has("rootfs") => ("config", "no mediaType, but it has \"rootfs\" (configs carry none)".into()),
        _ => ("json", "valid JSON with no mediaType and no known shape".into()),
    };
    out.kind = kind.into();
    out.summary = match kind {
        "json" => format!("Valid JSON, not an image document: {how}."),
        _ => format!("An image {kind}: {how}."),
    };
    let list = |key: &str| value.get(key).and_then(json::Node::as_array).unwrap_or_default();
    match kind {
        "manifest" => {
            if let Some(c) = value.get("config") {
                out.rows.push(row("config", c));
            }
            for (i, l) in list("layers").iter().enumerate() {
                out.rows.push(row(&format!("layer {}", i + 1), l));
            }
            if let Some(s) = value.get("subject") {
                out.rows.push(row("subject", s));
            }
        }
        "index" => {
            for (i, m) in list("manifests").iter().enumerate() {
                out.rows.push(row(&format!("manifest {}", i + 1), m));
            }
        }
        "config" => {
            // A config points at nothing by digest except its layers' diff_ids: show those.
            let ids = value.get("rootfs").and_then(|r| r.get("diff_ids")).and_then(json::Node::as_array);
            for (i, id) in ids.unwrap_or_default().iter().enumerate() {
                let text = id.as_str().unwrap_or_default();
                let problem = match Digest::parse(&text) {
                    Ok(_) => String::new(),
                    Err(e) => e.to_string(),
                };
                out.rows.push(Row {
                    role: format!("diff_id {}", i + 1),
                    media_type: "(uncompressed layer tar)".into(),
                    digest: text,
                    size: String::new(),
                    platform: String::new(),
                    problem,
                });
            }
        }
        _ => {}
    }
    out
}

/// One table row. Checked by hand rather than through `Descriptor`'s serde derive: the same
/// rules (media type string, valid digest, size a non-negative integer), a smaller `.wasm`.
fn row(role: &str, value: &json::Node) -> Row {
    let field = |key: &str| value.get(key);
    let text = |key: &str| match field(key) {
        Some(json::Node::Scalar(s)) if s.starts_with('"') => json::unquote(s),
        Some(json::Node::Scalar(s)) => s.to_string(),
        _ => String::new(),
    };
    let mut problem = String::new();
    let mut add = |why: &str| {
        problem.push_str(if problem.is_empty() { "not a valid descriptor: " } else { "; " });
        problem.push_str(why);
    };
    if !value.is_object() {
        add("not a JSON object");
    }
    if field("mediaType").and_then(json::Node::as_str).is_none() {
        add("no mediaType string");
    }
    match field("digest").and_then(json::Node::as_str) {
        Some(d) => {
            if let Err(e) = Digest::parse(&d) {
                add(&e.to_string());
            }
        }
        None => add("no digest string"),
    }
    if field("size").and_then(json::Node::as_u64).is_none() {
        add("size is not a non-negative integer");
    }
    let platform = match field("platform") {
        Some(p) => {
            let part = |k: &str| p.get(k).and_then(json::Node::as_str).unwrap_or_default();
            let mut s = format!("{}/{}", part("os"), part("architecture"));
            if !part("variant").is_empty() {
                s = format!("{s}/{}", part("variant"));
            }
            s
        }
        None => String::new(),
    };
    Row {
        role: role.to_string(),
        media_type: text("mediaType"),
        digest: text("digest"),
        size: text("size"),
        platform,
        problem,
    }
}

fn json_error(text: &str, e: &json::Error) -> JsonError {
    let at = e.at.min(text.len());
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    JsonError {
        message: e.message.to_string(),
        line: before.matches('\n').count() + 1,
        // Characters = bytes that do not continue a UTF-8 sequence.
        column: text[line_start..at].bytes().filter(|b| b & 0xc0 != 0x80).count() + 1,
        offset: before.encode_utf16().count(),
    }
}

impl Analysis {
    pub fn to_json(&self) -> String {
        let error = match &self.error {
            Some(e) => Out::default()
                .str("message", &e.message)
                .num("line", e.line as u64)
                .num("column", e.column as u64)
                .num("offset", e.offset as u64)
                .end(),
            None => "null".into(),
        };
        let mut rows = String::from("[");
        for r in &self.rows {
            if rows.len() > 1 {
                rows.push(',');
            }
            rows.push_str(
                &Out::default()
                    .str("role", &r.role)
                    .str("media_type", &r.media_type)
                    .str("digest", &r.digest)
                    .str("size", &r.size)
                    .str("platform", &r.platform)
                    .str("problem", &r.problem)
                    .end(),
            );
        }
        rows.push(']');
        Out::default()
            .str("digest", &self.digest)
            .num("size", self.size as u64)
            .str("kind", &self.kind)
            .str("media_type", &self.media_type)
            .str("summary", &self.summary)
            .raw("error", &error)
            .raw("rows", &rows)
            .end()
    }
}

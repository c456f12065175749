//! The workbook's digest widget: what the page computes, in plain Rust.
//!
//! The book's Topics 08 and 09 embed a widget that hashes a manifest as the reader edits it,
//! checks a pasted digest, reformats the JSON to show that the digest follows the bytes and not
//! the meaning, lists the descriptors inside, and hashes local files (with a gzip layer's diff_id)
//! in chunks. Everything here is ordinary Rust over `imagekit`'s core, tested natively; the
//! `wasm` module only wraps it for JavaScript (`wasm-bindgen`), and `theme/widget/digest-widget.js`
//! does the DOM work.
//!
//! Results cross into JavaScript as small JSON strings, written by hand ([`Out`]): serde and
//! serde-wasm-bindgen would cost kilobytes of the `.wasm`'s 100 KB budget.

use std::io::{self, Write};

use imagekit::digest::{Digest, Sha256Writer};
use imagekit::layer::Limits;
use imagekit::media::{self, Kind};

pub mod gunzip;
pub mod json;
#[cfg(target_arch = "wasm32")]
mod wasm;

/// The bytes the widget starts with: a real Docker schema2 manifest whose SHA-256 is published.
pub const ORIGINAL: &[u8] = driftwood::raw::NGINX_1_23_1_AMD64_MANIFEST;
/// The published digest of [`ORIGINAL`].
pub const ORIGINAL_DIGEST: &str = driftwood::raw::NGINX_1_23_1_AMD64_DIGEST;
/// What [`ORIGINAL`] is, for the widget's caption.
pub const ORIGINAL_NAME: &str = "docker.io/library/nginx:1.23.1, linux/amd64 (Docker schema2 manifest)";

/// Above this many bytes the widget hashes but does not parse (a 50 MB paste stays responsive).
pub const MAX_ANALYSED: usize = 8 << 20;

/// `sha256:<hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    Digest::of_bytes(bytes).to_string()
}

// ---------------------------------------------------------------------------------------------
// What the bytes are

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

// ---------------------------------------------------------------------------------------------
// Same JSON, other bytes

/// The reformatting buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Two-space indentation, keys in their original order.
    Pretty,
    /// No whitespace at all.
    Compact,
    /// Keys sorted at every level, two-space indentation (what `jq -S .` prints).
    Sorted,
}

impl Style {
    pub fn parse(s: &str) -> Option<Style> {
        match s {
            "pretty" => Some(Style::Pretty),
            "compact" => Some(Style::Compact),
            "sorted" => Some(Style::Sorted),
            _ => None,
        }
    }
}

/// The same JSON value written another way; `None` if `text` is not valid JSON. Numbers and
/// strings keep their exact spelling: only whitespace (and, sorted, member order) changes.
pub fn reformat(text: &str, style: Style) -> Option<String> {
    let value = json::parse(text).ok()?;
    Some(match style {
        Style::Pretty => value.write(2, false),
        Style::Compact => value.write(0, false),
        Style::Sorted => value.write(2, true),
    })
}

// ---------------------------------------------------------------------------------------------
// Checking a pasted digest

/// The verdict on an expected digest pasted by the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// `empty`, `invalid`, `match` or `mismatch`.
    pub state: String,
    pub message: String,
}

/// Compare what the reader pasted with the digest of the bytes. Surrounding whitespace is
/// forgiven (copying from a terminal adds some); anything else must follow the digest grammar.
pub fn check_expected(expected: &str, actual: &str) -> Check {
    let expected = expected.trim();
    let check = |state: &str, message: String| Check { state: state.into(), message };
    if expected.is_empty() {
        return check("empty", String::new());
    }
    // A bare 64-hex string is how `sha256sum` prints: accept it as sha256, and say so.
    let (spelled, note) = if !expected.contains(':') && expected.len() == 64 {
        (format!("sha256:{expected}"), " (read as sha256:, since it has no algorithm prefix)")
    } else {
        (expected.to_string(), "")
    };
    match Digest::parse(&spelled) {
        Err(e) => check("invalid", format!("Not a digest: {e}.")),
        Ok(d) if d.to_string() == actual => check("match", format!("Match: these bytes are the ones {d} names{note}.")),
        Ok(d) => check(
            "mismatch",
            format!("Mismatch: {d} names other bytes{note}. A client pinned to it would refuse these."),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Hashing files in chunks

/// Incremental SHA-256 of any blob, fed chunk by chunk.
pub struct BlobHasher {
    inner: Sha256Writer<io::Sink>,
}

impl Default for BlobHasher {
    fn default() -> Self {
        BlobHasher { inner: Sha256Writer::new(io::sink()) }
    }
}

impl BlobHasher {
    pub fn update(&mut self, chunk: &[u8]) {
        // Writing to a hashing sink cannot fail.
        let _ = self.inner.write_all(chunk);
    }

    pub fn bytes(&self) -> u64 {
        self.inner.written()
    }

    /// `sha256:<hex>` of everything fed so far.
    pub fn finish(self) -> String {
        self.inner.finish().0.to_string()
    }
}

/// What hashing a layer blob found: its digest always; its diff_id when it is a good gzip stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerResult {
    pub digest: String,
    pub size: u64,
    /// Did the blob start with the gzip magic bytes?
    pub gzip: bool,
    /// SHA-256 of the decompressed stream (empty when there is none: see `problem`).
    pub diff_id: String,
    pub uncompressed_size: u64,
    /// Why there is no diff_id (empty when there is one).
    pub problem: String,
    /// Anything else worth saying (e.g. "an uncompressed tar: its diff_id is its digest").
    pub note: String,
}

/// Incremental digest + diff_id of a layer blob: the blob is hashed as stored, and, if it is
/// gzip, decompressed and hashed again, in the same pass, within [`Limits`] (a decompression
/// bomb stops the diff_id, not the digest).
pub struct LayerHasher {
    blob: Sha256Writer<io::Sink>,
    /// The first bytes (up to 512), to tell gzip from the rest and to recognize a tar.
    head: Vec<u8>,
    state: Layer,
    limits: Limits,
}

// One per hasher, so the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
enum Layer {
    /// Not enough bytes yet to see the magic.
    Undecided,
    Gzip {
        gunzip: gunzip::Gunzip,
        tar: Sha256Writer<io::Sink>,
        problem: Option<String>,
    },
    /// Not gzip: only the digest is computed.
    NotGzip,
}

impl Default for LayerHasher {
    fn default() -> Self {
        LayerHasher::new(Limits::default())
    }
}

impl LayerHasher {
    pub fn new(limits: Limits) -> Self {
        LayerHasher { blob: Sha256Writer::new(io::sink()), head: Vec::new(), state: Layer::Undecided, limits }
    }

    pub fn bytes(&self) -> u64 {
        self.blob.written()
    }

    pub fn update(&mut self, chunk: &[u8]) {
        let _ = self.blob.write_all(chunk);
        if self.head.len() < 512 {
            let room = 512 - self.head.len();
            self.head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        }
        match self.state {
            Layer::Undecided if self.head.len() >= 2 => {
                if self.head.starts_with(&[0x1f, 0x8b]) {
                    let tar = Sha256Writer::new(io::sink());
                    self.state = Layer::Gzip { gunzip: gunzip::Gunzip::default(), tar, problem: None };
                    // Undecided until now means at most one byte came before this chunk.
                    let before = self.blob.written() as usize - chunk.len();
                    let mut all = self.head[..before].to_vec();
                    all.extend_from_slice(chunk);
                    self.inflate(&all);
                } else {
                    self.state = Layer::NotGzip;
                }
            }
            Layer::Gzip { .. } => self.inflate(chunk),
            _ => {}
        }
    }

    fn inflate(&mut self, chunk: &[u8]) {
        let Layer::Gzip { gunzip, tar, problem } = &mut self.state else { return };
        if problem.is_some() {
            return;
        }
        let limits = &self.limits;
        let consumed = self.blob.written().max(1);
        let mut over = None;
        let result = gunzip.update(chunk, &mut |out: &[u8]| {
            if over.is_some() {
                return;
            }
            let _ = tar.write_all(out);
            let produced = tar.written();
            if produced > limits.max_uncompressed {
                over = Some(format!(
                    "refused: decompresses past {} bytes (imagekit's limit for one layer)",
                    limits.max_uncompressed
                ));
            } else if produced > Limits::RATIO_GRACE && produced / consumed > limits.max_ratio {
                over = Some(format!("refused: expands more than {}:1 (a decompression bomb?)", limits.max_ratio));
            }
        });
        *problem = over.or(result.err());
    }

    pub fn finish(self) -> LayerResult {
        let size = self.blob.written();
        let digest = self.blob.finish().0.to_string();
        let mut out = LayerResult {
            digest,
            size,
            gzip: false,
            diff_id: String::new(),
            uncompressed_size: 0,
            problem: String::new(),
            note: String::new(),
        };
        match self.state {
            Layer::Undecided | Layer::NotGzip => {
                out.problem = "not a gzip stream".into();
                let head = &self.head;
                out.note = if size == 0 {
                    "The file is empty.".into()
                } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                    "It starts like zstd, which this widget does not decompress.".into()
                } else if size >= 512 && size.is_multiple_of(512) && looks_like_tar(head) {
                    "It looks like an uncompressed tar: for such a layer the diff_id is the digest itself.".into()
                } else {
                    "It does not start with the gzip magic bytes 1f 8b, so there is nothing to decompress.".into()
                };
            }
            Layer::Gzip { gunzip, tar, problem } => {
                out.gzip = true;
                match problem.map_or_else(|| gunzip.finish(), Err) {
                    Ok(()) => {
                        let (diff_id, n, _) = tar.finish();
                        out.diff_id = diff_id.to_string();
                        out.uncompressed_size = n;
                    }
                    Err(why) => {
                        out.uncompressed_size = tar.written();
                        out.problem = why;
                    }
                }
            }
        }
        out
    }
}

fn looks_like_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
}

// ---------------------------------------------------------------------------------------------
// JSON for JavaScript

/// A JSON object, written field by field.
pub struct Out(String);

impl Default for Out {
    fn default() -> Self {
        Out("{".into())
    }
}

impl Out {
    fn key(mut self, key: &str) -> Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        quote(&mut self.0, key);
        self.0.push(':');
        self
    }

    pub fn str(self, key: &str, value: &str) -> Self {
        let mut o = self.key(key);
        quote(&mut o.0, value);
        o
    }

    pub fn num(self, key: &str, value: u64) -> Self {
        let mut o = self.key(key);
        o.0.push_str(&value.to_string());
        o
    }

    pub fn bool(self, key: &str, value: bool) -> Self {
        let mut o = self.key(key);
        o.0.push_str(if value { "true" } else { "false" });
        o
    }

    /// `value` must already be JSON.
    pub fn raw(self, key: &str, value: &str) -> Self {
        let mut o = self.key(key);
        o.0.push_str(value);
        o
    }

    pub fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from_digit(c as u32 >> 4, 16).unwrap_or('0'));
                out.push(char::from_digit(c as u32 & 15, 16).unwrap_or('0'));
            }
            c => out.push(c),
        }
    }
    out.push('"');
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

impl Check {
    pub fn to_json(&self) -> String {
        Out::default().str("state", &self.state).str("message", &self.message).end()
    }
}

impl LayerResult {
    pub fn to_json(&self) -> String {
        Out::default()
            .str("digest", &self.digest)
            .num("size", self.size)
            .bool("gzip", self.gzip)
            .str("diff_id", &self.diff_id)
            .num("uncompressed_size", self.uncompressed_size)
            .str("problem", &self.problem)
            .str("note", &self.note)
            .end()
    }
}

#[cfg(test)]
mod tests;

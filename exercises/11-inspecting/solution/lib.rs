//! # Exercise 11: Audit an Image by Hand (reference solution)
//!
//! Same public API as `src/lib.rs`. `cargo xtask solve 11` swaps it in; `cargo xtask reset 11`
//! puts your own work back.

use std::collections::BTreeMap;
use std::io::Read;

// ---------------------------------------------------------------------------------------------
// Step 1 (tests/step1_history.rs)
// ---------------------------------------------------------------------------------------------

/// One entry of an image config's `history` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The build step, as the builder recorded it (`""` when the entry has none).
    pub created_by: String,
    /// `true` for steps that changed only the config (ENV, CMD, LABEL, …) and made no layer.
    pub empty_layer: bool,
}

/// One row of `docker history`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// The first 12 hex digits of the image ID (no `sha256:`, as `docker history` prints it
    /// without `--no-trunc`) on the last row, `"<missing>"` on every other row.
    pub image: String,
    pub created_by: String,
    /// The index of the layer this step made (0 = the bottom layer); `None` for an empty entry.
    pub layer: Option<usize>,
}

/// Reads the `history` array of an image config. A missing `created_by` is `""`, a missing
/// `empty_layer` is `false`; a config without `history` has none. Not JSON, or a `history` that
/// is not an array: `Err`.
pub fn parse_history(config_json: &[u8]) -> Result<Vec<HistoryEntry>, String> {
    let config: serde_json::Value = serde_json::from_slice(config_json).map_err(|e| format!("config: {e}"))?;
    let history = match config.get("history") {
        None | Some(serde_json::Value::Null) => return Ok(Vec::new()),
        Some(serde_json::Value::Array(h)) => h,
        Some(other) => return Err(format!("config: history is not an array: {other}")),
    };
    Ok(history
        .iter()
        .map(|h| HistoryEntry {
            created_by: h.get("created_by").and_then(|v| v.as_str()).unwrap_or("").to_string(),
            empty_layer: h.get("empty_layer").and_then(|v| v.as_bool()).unwrap_or(false),
        })
        .collect())
}

/// Matches history to layers the way `docker history` does: the n-th entry that is not
/// `empty_layer` made layer n. Only the last row names an image (`image_id`, `sha256:…`,
/// shortened to its first 12 hex digits); the others are `<missing>`. When the number of layer-making
/// entries differs from `layer_count`, the history cannot be trusted to match: `Err`.
pub fn match_history(history: &[HistoryEntry], layer_count: usize, image_id: &str) -> Result<Vec<HistoryRow>, String> {
    let makers = history.iter().filter(|h| !h.empty_layer).count();
    if makers != layer_count {
        return Err(format!("{makers} history entries make layers, but the image has {layer_count} layers"));
    }
    let hex = image_id.strip_prefix("sha256:").unwrap_or(image_id);
    let short = hex[..hex.len().min(12)].to_string();
    let mut next = 0;
    let last = history.len().saturating_sub(1);
    Ok(history
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let layer = if h.empty_layer {
                None
            } else {
                next += 1;
                Some(next - 1)
            };
            let image = if i == last { short.clone() } else { "<missing>".to_string() };
            HistoryRow { image, created_by: h.created_by.clone(), layer }
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_sizes.rs)
// ---------------------------------------------------------------------------------------------

/// What one layer says about one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A regular file with this many bytes of content.
    File { path: String, size: u64 },
    /// A whiteout: the path (and everything under it) is deleted from the layers below.
    Deleted { path: String },
}

/// A file deleted by a later layer that still ships in a lower one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StillShipped {
    pub path: String,
    /// The last layer below the deletion that wrote the file.
    pub added_in: usize,
    pub deleted_in: usize,
    /// Bytes of every version of the file in the layers below the deletion.
    pub bytes: u64,
}

fn clean(path: &str) -> String {
    path.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/').to_string()
}

/// Lists one gzip-compressed layer: its regular files (with their sizes) and its whiteouts
/// (`dir/.wh.NAME` deletes `dir/NAME`), in tar order. Paths lose a leading `./` or `/`.
/// Directories, links and opaque whiteouts (`.wh..wh..opq`) are left out. Not gzip or not tar:
/// `Err`.
pub fn read_layer(blob: &[u8]) -> Result<Vec<Change>, String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(blob));
    let mut out = Vec::new();
    for entry in archive.entries().map_err(|e| format!("layer: {e}"))? {
        let entry = entry.map_err(|e| format!("layer: {e}"))?;
        let path = entry.path().map_err(|e| format!("layer: {e}"))?.to_string_lossy().into_owned();
        let path = clean(&path);
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (Some(d), n),
            None => (None, path.as_str()),
        };
        if name == ".wh..wh..opq" {
            continue;
        }
        if let Some(target) = name.strip_prefix(".wh.") {
            let path = match dir {
                Some(d) => format!("{d}/{target}"),
                None => target.to_string(),
            };
            out.push(Change::Deleted { path });
        } else if entry.header().entry_type().is_file() {
            out.push(Change::File { path, size: entry.header().size().map_err(|e| format!("layer: {e}"))? });
        }
    }
    Ok(out)
}

/// The bytes of file content in one layer: the sum of its files' sizes (whiteouts weigh 0).
pub fn layer_file_bytes(changes: &[Change]) -> u64 {
    changes.iter().map(|c| if let Change::File { size, .. } = c { *size } else { 0 }).sum()
}

fn covers(deleted: &str, path: &str) -> bool {
    path == deleted || path.strip_prefix(deleted).is_some_and(|rest| rest.starts_with('/'))
}

/// Every file that a whiteout deletes while a lower layer still ships it, ordered by
/// `deleted_in`, then by the order of the whiteouts in that layer, then by path. A whiteout of a
/// directory deletes every file under it. `bytes` adds up every version below the deletion.
pub fn deleted_still_shipped(layers: &[Vec<Change>]) -> Vec<StillShipped> {
    let mut out = Vec::new();
    for (j, layer) in layers.iter().enumerate() {
        for change in layer {
            let Change::Deleted { path: deleted } = change else { continue };
            // path → (last layer that wrote it, bytes of all versions), below layer j
            let mut found: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
            for (i, lower) in layers[..j].iter().enumerate() {
                for c in lower {
                    match c {
                        Change::File { path, size } if covers(deleted, path) => {
                            let e = found.entry(path.as_str()).or_insert((i, 0));
                            e.0 = i;
                            e.1 += size;
                        }
                        // Deleted and written again later counts from the new version only.
                        Change::Deleted { path: d } => found.retain(|p, _| !covers(d, p)),
                        _ => {}
                    }
                }
            }
            for (path, (added_in, bytes)) in found {
                out.push(StillShipped { path: path.to_string(), added_in, deleted_in: j, bytes });
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_secrets.rs)
// ---------------------------------------------------------------------------------------------

/// A secret found in a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// `"Env"`, `"Labels"` or `"history[N]"` (N = the index of the history entry).
    pub place: String,
    /// The variable's name (`"API_TOKEN"`), or `"URL"` for credentials in a URL.
    pub name: String,
}

/// A file whose name says it holds a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFile {
    pub path: String,
    /// The layer that wrote it.
    pub layer: usize,
    /// The later layer that deleted it, if one did (it still ships in `layer`).
    pub deleted_in: Option<usize>,
}

/// Whether a variable name reads like it holds a secret: it contains PASSWORD, PASSWD, SECRET,
/// TOKEN, APIKEY, API_KEY, ACCESS_KEY or PRIVATE_KEY, ignoring case.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"]
        .iter()
        .any(|w| upper.contains(w))
}

/// Whether `text` holds a URL with a password in it: `scheme://user:password@host`.
pub fn has_url_credentials(text: &str) -> bool {
    text.split("://").skip(1).any(|rest| {
        let authority = rest.split(['/', ' ', '"', '\'']).next().unwrap_or("");
        match authority.rsplit_once('@') {
            Some((userinfo, _)) => userinfo.split_once(':').is_some_and(|(_, pass)| !pass.is_empty()),
            None => false,
        }
    })
}

fn assignments(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split_whitespace().filter_map(|word| {
        let (name, value) = word.split_once('=')?;
        let name = name.trim_start_matches('|').trim_start_matches(|c: char| c.is_ascii_digit());
        let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        ok.then_some((name, value))
    })
}

/// Secrets in a config, in this order: `config.Env` (a `NAME=value` with a secret-looking name
/// and a non-empty value, or a value with URL credentials), `config.Labels` (the same rules on
/// key and value), then each `history[N].created_by` (every `NAME=value` word in it, as `ENV`
/// lines and `RUN` steps with build arguments, `|1 NAME=value /bin/sh -c …`, record them; and
/// URL credentials). One `Secret` per finding; a URL finding is named `"URL"`.
pub fn secrets_in_config(config_json: &[u8]) -> Result<Vec<Secret>, String> {
    let config: serde_json::Value = serde_json::from_slice(config_json).map_err(|e| format!("config: {e}"))?;
    let mut out = Vec::new();
    let mut check = |place: &str, name: &str, value: &str| {
        if is_secret_name(name) && !value.is_empty() {
            out.push(Secret { place: place.to_string(), name: name.to_string() });
        } else if has_url_credentials(value) {
            out.push(Secret { place: place.to_string(), name: "URL".to_string() });
        }
    };
    let runtime = config.get("config");
    if let Some(env) = runtime.and_then(|c| c.get("Env")).and_then(|e| e.as_array()) {
        for kv in env.iter().filter_map(|v| v.as_str()) {
            let (name, value) = kv.split_once('=').unwrap_or((kv, ""));
            check("Env", name, value);
        }
    }
    if let Some(labels) = runtime.and_then(|c| c.get("Labels")).and_then(|l| l.as_object()) {
        for (name, value) in labels {
            check("Labels", name, value.as_str().unwrap_or(""));
        }
    }
    for (i, entry) in parse_history(config_json)?.iter().enumerate() {
        let place = format!("history[{i}]");
        let mut named = false;
        for (name, value) in assignments(&entry.created_by) {
            if is_secret_name(name) && !value.is_empty() {
                out.push(Secret { place: place.clone(), name: name.to_string() });
                named = true;
            }
        }
        if !named && has_url_credentials(&entry.created_by) {
            out.push(Secret { place, name: "URL".to_string() });
        }
    }
    Ok(out)
}

/// Whether a file's name says it holds a credential: `id_rsa`, `id_dsa`, `id_ecdsa`,
/// `id_ed25519`, `.env`, `.netrc`, `.npmrc`, `.pgpass`, `credentials`, or a name ending in
/// `.pem` or `.key`.
pub fn is_secret_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".env", ".netrc", ".npmrc", ".pgpass", "credentials"].contains(&name)
        || name.ends_with(".pem")
        || name.ends_with(".key")
}

/// Secret-looking files in every layer, bottom layer first, in tar order within a layer, each
/// with the first later layer that deleted it (a whiteout of the file or of a directory above it).
pub fn secret_files(layers: &[Vec<Change>]) -> Vec<SecretFile> {
    let mut out = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        for change in layer {
            let Change::File { path, .. } = change else { continue };
            if !is_secret_file(path) {
                continue;
            }
            let deleted_in = layers.iter().enumerate().skip(i + 1).find_map(|(j, later)| {
                later.iter().any(|c| matches!(c, Change::Deleted { path: d } if covers(d, path))).then_some(j)
            });
            out.push(SecretFile { path: path.clone(), layer: i, deleted_in });
        }
    }
    out
}

/// The content of the regular file `path` (with or without a leading `/`) in one gzip-compressed
/// layer, whatever later layers did to it: `Ok(None)` when that layer has no such file.
pub fn extract_file(blob: &[u8], path: &str) -> Result<Option<Vec<u8>>, String> {
    let wanted = clean(path);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(blob));
    for entry in archive.entries().map_err(|e| format!("layer: {e}"))? {
        let mut entry = entry.map_err(|e| format!("layer: {e}"))?;
        let name = clean(&entry.path().map_err(|e| format!("layer: {e}"))?.to_string_lossy());
        if name == wanted && entry.header().entry_type().is_file() {
            let mut data = Vec::new();
            entry.read_to_end(&mut data).map_err(|e| format!("layer: {e}"))?;
            return Ok(Some(data));
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------------
// Step 4 (tests/step4_efficiency.rs)
// ---------------------------------------------------------------------------------------------

/// The efficiency of an image's layers, as `dive` computes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Efficiency {
    /// Σ over paths of the sum of all its versions' sizes.
    pub total_bytes: u64,
    /// `total_bytes` − Σ over paths of its smallest version: bytes that can never be seen.
    pub wasted_bytes: u64,
    /// Σ smallest ÷ Σ total, between 0.0 and 1.0; 1.0 for an image with no file bytes.
    pub score: f64,
}

/// Scores the layers: every file and every whiteout is a version of its path. A whiteout is a
/// version of size 0 of the path it names and of every path under it that a lower layer wrote
/// (deleting a directory deletes its files). For each path, its total is the sum of its
/// versions' sizes and its smallest is the smallest version.
pub fn efficiency(layers: &[Vec<Change>]) -> Efficiency {
    let mut paths: BTreeMap<&str, (u64, u64)> = BTreeMap::new(); // path → (total, smallest)
    for change in layers.iter().flatten() {
        let (path, size) = match change {
            Change::File { path, size } => (path.as_str(), *size),
            Change::Deleted { path } => {
                // Everything under a deleted directory gets a 0-byte version too.
                for (lower, (_, smallest)) in paths.iter_mut() {
                    if covers(path, lower) {
                        *smallest = 0;
                    }
                }
                (path.as_str(), 0)
            }
        };
        let e = paths.entry(path).or_insert((0, u64::MAX));
        e.0 += size;
        e.1 = e.1.min(size);
    }
    let total: u64 = paths.values().map(|(t, _)| t).sum();
    let smallest: u64 = paths.values().map(|(_, s)| s).sum();
    let score = if total == 0 { 1.0 } else { smallest as f64 / total as f64 };
    Efficiency { total_bytes: total, wasted_bytes: total - smallest, score }
}

//! # Exercise 11: Audit an Image by Hand
//!
//! Before you run an image, read it. In this exercise you match a config's history to its
//! layers the way `docker history` does, list what each layer adds and deletes and what the
//! deletions still cost, find the secrets a careless build leaves in the config and in deleted
//! files (and read a deleted file back), and compute `dive`'s efficiency score.
//!
//! Read the exercise page in the book first: `11-inspecting/exercise.html`
//! (source: `src/11-inspecting/exercise.md`). The topic page `11-inspecting/index.html` explains
//! the ideas behind each step.
//!
//! ```text
//! cargo test -p ex11-inspecting --test step1_history   # one step
//! cargo test -p ex11-inspecting                        # everything
//! cargo xtask watch 11                                 # re-run on every save, with hints
//! ```
//!
//! Replace each `todo!(…)` with your code. Hints for every step are in
//! `exercises/11-inspecting/hints.md`.

// The ANCHOR and ANCHOR_END comments mark the code the book's exercise page shows; they change
// nothing here. (Delete them if you like: the page then shows the stub as committed.)

// The stubs below do not use their parameters yet. Delete this line once every step passes.
#![allow(unused_variables)]

// ---------------------------------------------------------------------------------------------
// Step 1 (tests/step1_history.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step1_history
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
    todo!("which fields may be missing, and what does a missing one mean? (doc comment above)")
}

/// Matches history to layers the way `docker history` does: the n-th entry that is not
/// `empty_layer` made layer n. Only the last row names an image (`image_id`, `sha256:…`,
/// shortened to its first 12 hex digits); the others are `<missing>`. When the number of layer-making
/// entries differs from `layer_count`, the history cannot be trusted to match: `Err`.
pub fn match_history(history: &[HistoryEntry], layer_count: usize, image_id: &str) -> Result<Vec<HistoryRow>, String> {
    todo!("which entries made a layer, and how does docker history shorten an image ID? (exercise page, step 1)")
}
// ANCHOR_END: step1_history

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_sizes.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step2_sizes
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

/// Lists one gzip-compressed layer: its regular files (with their sizes) and its whiteouts
/// (`dir/.wh.NAME` deletes `dir/NAME`), in tar order. Paths lose a leading `./` or `/`.
/// Directories, links and opaque whiteouts (`.wh..wh..opq`) are left out. Not gzip or not tar:
/// `Err`.
pub fn read_layer(blob: &[u8]) -> Result<Vec<Change>, String> {
    todo!("which entries are changes, and which part of a whiteout's name is marked? (exercise page, step 2)")
}

/// The bytes of file content in one layer: the sum of its files' sizes (whiteouts weigh 0).
pub fn layer_file_bytes(changes: &[Change]) -> u64 {
    todo!("what does a whiteout weigh?")
}

/// Every file that a whiteout deletes while a lower layer still ships it, ordered by
/// `deleted_in`, then by the order of the whiteouts in that layer, then by path. A whiteout of a
/// directory deletes every file under it. `bytes` adds up every version below the deletion.
pub fn deleted_still_shipped(layers: &[Vec<Change>]) -> Vec<StillShipped> {
    todo!("which lower files does a whiteout cover, and which versions of them still ship? (doc comment above)")
}
// ANCHOR_END: step2_sizes

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_secrets.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step3_secrets
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
    todo!("which words give a secret away, whatever their case? (doc comment above)")
}

/// Whether `text` holds a URL with a password in it: `scheme://user:password@host`.
pub fn has_url_credentials(text: &str) -> bool {
    todo!("where in a URL does a password sit? (exercise page, step 3)")
}

/// Secrets in a config, in this order: `config.Env` (a `NAME=value` with a secret-looking name
/// and a non-empty value, or a value with URL credentials), `config.Labels` (the same rules on
/// key and value), then each `history[N].created_by` (every `NAME=value` word in it, as `ENV`
/// lines and `RUN` steps with build arguments, `|1 NAME=value /bin/sh -c …`, record them; and
/// URL credentials). One `Secret` per finding; a URL finding is named `"URL"`.
pub fn secrets_in_config(config_json: &[u8]) -> Result<Vec<Secret>, String> {
    todo!("which three places leak, in which order, and what counts as a finding? (doc comment above)")
}

/// Whether a file's name says it holds a credential: `id_rsa`, `id_dsa`, `id_ecdsa`,
/// `id_ed25519`, `.env`, `.netrc`, `.npmrc`, `.pgpass`, `credentials`, or a name ending in
/// `.pem` or `.key`.
pub fn is_secret_file(path: &str) -> bool {
    todo!("which part of the path gives a credential file away? (doc comment above)")
}

/// Secret-looking files in every layer, bottom layer first, in tar order within a layer, each
/// with the first later layer that deleted it (a whiteout of the file or of a directory above it).
pub fn secret_files(layers: &[Vec<Change>]) -> Vec<SecretFile> {
    todo!("which later layers can delete a file, and what counts as covering it?")
}

/// The content of the regular file `path` (with or without a leading `/`) in one gzip-compressed
/// layer, whatever later layers did to it: `Ok(None)` when that layer has no such file.
pub fn extract_file(blob: &[u8], path: &str) -> Result<Option<Vec<u8>>, String> {
    todo!("how do a tar name and the path asked for compare? (exercise page, step 3)")
}
// ANCHOR_END: step3_secrets

// ---------------------------------------------------------------------------------------------
// Step 4 (tests/step4_efficiency.rs)
// ---------------------------------------------------------------------------------------------

// ANCHOR: step4_efficiency
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
    todo!("group every version by path (what versions does a whiteout add?), then compare totals with smallests")
}
// ANCHOR_END: step4_efficiency

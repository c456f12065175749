//! Auditing an image before trusting it: what its config and history leak, and what its layers
//! still carry.
//!
//! Two halves, both pure logic (no I/O of their own, so they compile to wasm):
//!
//! - [`secrets`] / [`config_secrets`]: secret-looking `NAME=value` assignments and `user:pass@`
//!   URL credentials in `Env`, label values and every history `created_by`. History is part of
//!   the config: a build argument or `ENV` secret stays in the image even when no file holds it.
//! - [`FileAudit`]: applies the layers one by one (through the union model of [`crate::apply`])
//!   and records what each layer did to every path: files deleted by a later layer (their bytes
//!   still ship in the lower blob), files overwritten across layers, secret-looking file names
//!   (present or deleted), world-writable files, set-id binaries, and a dive-style efficiency score.
//!
//! ## Efficiency (as dive computes it)
//!
//! Every version of a path that a layer writes counts its size (files; links and directories
//! count 0), and a deletion counts as a version of size 0. For each path,
//! `total` = Σ sizes of its versions and `min` = the smallest. Then
//!
//! ```text
//! efficiency = Σ min / Σ total  =  1 − wasted / total,   wasted = Σ (total − min)
//! ```
//!
//! which is dive's `filetree.Efficiency` (wagoodman/dive, `dive/filetree/efficiency.go`): a file
//! written once scores 1; a file overwritten wastes the bigger copies; a file deleted later wastes
//! all of its bytes. One deliberate difference: dive sizes a whiteout of a *directory* as the
//! directory's contents both in `min` and in `total`, so deleting a whole directory never lowers
//! its score; here each file under a deleted directory gets its own 0-size version, so it does.
//! dive's "potential wasted space" is Σ `total` over paths seen in two or more layers (the kept
//! copy included); it is reported as [`Efficiency::dive_wasted_bytes`] beside the stricter
//! [`Efficiency::wasted_bytes`].

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use serde::Serialize;

use crate::apply::{LayerChanges, Node, NodeKind, Tree};
use crate::config::ImageConfig;
use crate::error::Result;
use crate::layer::Limits;

// ------------------------------------------------------------------------------------- secrets

/// A secret found in the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretFinding {
    /// Where: `Env`, `Labels[key]`, `history[3].created_by`.
    pub place: String,
    /// The variable or flag name, or `URL user:password` for URL credentials.
    pub name: String,
    /// The value with all but a few characters masked.
    pub masked: String,
    /// Why it was flagged.
    pub rule: SecretRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretRule {
    /// `NAME=value` (or `--name=value`, `ENV NAME value`) where NAME reads like a secret.
    SecretName,
    /// `scheme://user:password@host`.
    UrlCredentials,
}

/// Whether a variable or flag name reads like it holds a secret: PASSWORD, PASSWD, SECRET,
/// TOKEN, CREDENTIAL(S), API_KEY, `*_KEY`, PASS, PWD. Not secrets: `PWD`/`OLDPWD` (the shell's
/// directories), names ending in FILE/PATH/DIR/ID/NAME/USER (they point at or name a secret:
/// `POSTGRES_PASSWORD_FILE`, `AWS_ACCESS_KEY_ID`), names ending in a checksum word (SHA512, MD5,
/// CHECKSUM…: nginx's `KEY_SHA512` is the hash of its public signing key), and a bare `key` or
/// `GPG_KEYS` — official Dockerfiles use those for public GPG fingerprints (postgres: `key='B97B0AFC…'`).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.trim_start_matches('-').to_ascii_uppercase();
    if upper == "PWD" || upper == "OLDPWD" {
        return false;
    }
    let words: Vec<&str> = upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let Some(last) = words.last() else { return false };
    let names_not_holds = ["FILE", "PATH", "DIR", "ID", "NAME", "USER", "USERNAME", "TYPE", "LENGTH", "MODE"];
    // Checksums of a key are public too (nginx: `KEY_SHA512="e09fa32f…"`).
    let digests = ["MD5", "SUM", "CHECKSUM", "HASH", "FINGERPRINT", "FPR"];
    if names_not_holds.contains(last) || digests.contains(last) || last.starts_with("SHA") {
        return false;
    }
    let strong = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "CREDENTIALS", "APIKEY", "PRIVATEKEY"];
    if words.iter().any(|w| strong.iter().any(|s| w.ends_with(s)) || *w == "PASS" || *w == "PWD") {
        return true;
    }
    let public = ["GPG", "PGP", "PUBLIC", "PUB", "SIGNING"];
    words.len() > 1 && words.contains(&"KEY") && !words.iter().any(|w| public.contains(w))
}

/// Mask a secret: a few characters stay so a person can recognise it, the rest become `*`.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let stars = |k: usize| "*".repeat(k.clamp(3, 8));
    match n {
        0..=3 => "***".into(),
        4..=7 => format!("{}{}", chars[0], stars(n - 1)),
        _ => format!(
            "{}{}{}",
            chars[..2].iter().collect::<String>(),
            stars(n - 4),
            chars[n - 2..].iter().collect::<String>()
        ),
    }
}

/// A literal worth flagging: not empty, not a `$VAR` reference.
fn literal(value: &str) -> bool {
    let v = value.trim_matches(|c| c == '"' || c == '\'');
    !v.is_empty() && !v.starts_with('$')
}

/// `(name, value)` pairs in shell-like text: `NAME=value`, `--name=value`, `--name value`,
/// Dockerfile `ENV NAME value`, and URL credentials (name `URL user:password`).
pub fn secrets_in_text(text: &str) -> Vec<(String, String, SecretRule)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // NAME=value, with NAME preceded by a separator (or `--`).
    let mut i = 0;
    while let Some(eq) = text[i..].find('=').map(|k| k + i) {
        let mut start = eq;
        while start > 0 && is_name_byte(bytes[start - 1]) {
            start -= 1;
        }
        let name = &text[start..eq];
        let before = if start == 0 { b' ' } else { bytes[start - 1] };
        let value = value_at(&text[eq + 1..]);
        if !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && b" \t\n;&|(`\"'".contains(&before)
            && is_secret_name(name)
            && literal(value)
        {
            out.push((name.trim_start_matches('-').to_string(), unquote(value).to_string(), SecretRule::SecretName));
        }
        i = eq + 1;
    }
    // `--password hunter2` and the old `ENV NAME value` form.
    let words: Vec<&str> = text.split_whitespace().collect();
    for pair in words.windows(2) {
        let (flag, value) = (pair[0], pair[1]);
        if flag.starts_with("--")
            && !flag.contains('=')
            && is_secret_name(flag)
            && !value.starts_with('-')
            && literal(value)
        {
            out.push((flag.trim_start_matches('-').to_string(), unquote(value).to_string(), SecretRule::SecretName));
        }
    }
    if let [env, name, value, ..] = words.as_slice() {
        if env.eq_ignore_ascii_case("ENV") && !name.contains('=') && is_secret_name(name) && literal(value) {
            let rest = text.splitn(3, char::is_whitespace).nth(2).unwrap_or(value).trim();
            out.push((name.to_string(), unquote(rest).to_string(), SecretRule::SecretName));
        }
    }
    for (user, host, password) in url_credentials(text) {
        out.push((format!("URL {user}:…@{host}"), password, SecretRule::UrlCredentials));
    }
    out
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

/// The value after `=`: a quoted string, or up to whitespace or a shell separator.
fn value_at(rest: &str) -> &str {
    if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        return match rest[1..].find(q) {
            Some(end) => &rest[..end + 2],
            None => rest,
        };
    }
    let end = rest.find(|c: char| c.is_whitespace() || ";&|)`".contains(c)).unwrap_or(rest.len());
    &rest[..end]
}

fn unquote(v: &str) -> &str {
    v.trim_matches(|c| c == '"' || c == '\'')
}

/// `(user, host, password)` for every `scheme://user:password@host` in `text`.
fn url_credentials(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("://") {
        let rest = &text[at + 3..];
        let authority_end = rest.find(|c: char| c.is_whitespace() || "/?#\"'`;)".contains(c)).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let Some((userinfo, host)) = authority.rsplit_once('@') else { continue };
        let Some((user, password)) = userinfo.split_once(':') else { continue };
        if literal(password) {
            out.push((user.to_string(), host.to_string(), password.to_string()));
        }
    }
    out
}

/// Secrets in environment entries (`NAME=value`), label values and history lines.
pub fn secrets<'a>(
    env: &[String],
    labels: impl IntoIterator<Item = (&'a str, &'a str)>,
    history: impl IntoIterator<Item = &'a str>,
) -> Vec<SecretFinding> {
    let mut out = Vec::new();
    let mut push = |place: String, (name, value, rule): (String, String, SecretRule)| {
        out.push(SecretFinding { place, name, masked: mask(&value), rule });
    };
    for entry in env {
        let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
        if is_secret_name(name) && literal(value) {
            push("Env".into(), (name.to_string(), value.to_string(), SecretRule::SecretName));
        }
        for (user, host, password) in url_credentials(value) {
            push(format!("Env {name}"), (format!("URL {user}:…@{host}"), password, SecretRule::UrlCredentials));
        }
    }
    for (key, value) in labels {
        for (user, host, password) in url_credentials(value) {
            push(format!("Labels[{key}]"), (format!("URL {user}:…@{host}"), password, SecretRule::UrlCredentials));
        }
    }
    for (i, line) in history.into_iter().enumerate() {
        for hit in secrets_in_text(line) {
            push(format!("history[{i}].created_by"), hit);
        }
    }
    out
}

/// [`secrets`] over an image config: its Env, Labels and every history entry's `created_by`.
pub fn config_secrets(config: &ImageConfig) -> Vec<SecretFinding> {
    let rc = config.config.clone().unwrap_or_default();
    let labels = rc.labels.unwrap_or_default();
    let history: Vec<&str> = config.history.iter().map(|h| h.created_by.as_deref().unwrap_or("")).collect();
    secrets(&rc.env.unwrap_or_default(), labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), history)
}

/// File names that usually hold credentials: private keys, token files, `.env`.
pub fn is_secret_file_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let exact = [
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        ".env",
        ".netrc",
        ".npmrc",
        ".pypirc",
        ".pgpass",
        ".git-credentials",
        ".htpasswd",
        "credentials.json",
    ];
    exact.contains(&name)
        || path.ends_with(".aws/credentials")
        || path.ends_with(".docker/config.json")
        || [".key", ".p12", ".pfx", ".jks", ".keystore"].iter().any(|ext| name.ends_with(ext) && name.len() > ext.len())
}

// ---------------------------------------------------------------------------------------- files

/// A file a later layer deleted: gone from the container's view, still in the lower blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletedFile {
    pub path: String,
    pub added_in: usize,
    pub deleted_in: usize,
    /// Bytes still shipped (uncompressed).
    pub bytes: u64,
}

/// A file replaced by a later layer: the lower copy still ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverwrittenFile {
    pub path: String,
    pub lower_layer: usize,
    pub upper_layer: usize,
    /// The lower copy's bytes: shipped, never seen.
    pub lower_bytes: u64,
    pub upper_bytes: u64,
}

/// A secret-looking file name, where it was added and whether it is still visible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretFile {
    pub path: String,
    pub layer: usize,
    pub bytes: u64,
    /// Deleted by a later layer (then recoverable from layer `layer` only with `extract`).
    pub deleted_in: Option<usize>,
}

/// A path whose permission bits deserve a look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModeFinding {
    pub path: String,
    pub kind: NodeKind,
    /// Permission bits, e.g. `0o4755` → 2541.
    pub mode: u32,
    /// `rwsr-xr-x`-style rendering.
    pub mode_text: String,
    pub uid: u64,
    pub gid: u64,
    /// The layer that last wrote the path.
    pub layer: usize,
}

/// The dive-style score (see the module docs) and the paths that cost the most.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Efficiency {
    /// Σ min / Σ total, 1.0 for an image with no file bytes.
    pub score: f64,
    /// Σ total: every file version's bytes in every layer (uncompressed).
    pub total_bytes: u64,
    /// Σ (total − min): bytes no container can see.
    pub wasted_bytes: u64,
    /// dive's "potential wasted space": Σ total over paths written in two or more layers.
    pub dive_wasted_bytes: u64,
    /// Paths with waste, biggest first (at most [`FileAudit::TOP`]).
    pub top: Vec<PathWaste>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathWaste {
    pub path: String,
    /// Versions (writes and deletions) across layers.
    pub versions: u32,
    pub total_bytes: u64,
    pub wasted_bytes: u64,
}

/// Everything [`FileAudit`] found.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub layers: usize,
    pub deleted: Vec<DeletedFile>,
    pub overwritten: Vec<OverwrittenFile>,
    pub secret_files: Vec<SecretFile>,
    pub world_writable: Vec<ModeFinding>,
    pub setid: Vec<ModeFinding>,
    pub efficiency: Efficiency,
    /// The merged view after the last layer.
    #[serde(skip)]
    pub tree: Tree,
}

#[derive(Debug, Clone, Copy)]
struct Version {
    kind: NodeKind,
    size: u64,
    layer: usize,
}

impl Version {
    fn of(node: &Node) -> Version {
        Version { kind: node.kind, size: node.size, layer: node.layer }
    }

    /// Bytes this entry stores in its layer: a hardlink shares another entry's.
    fn stored(&self) -> u64 {
        if self.kind == NodeKind::File {
            self.size
        } else {
            0
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PathStat {
    versions: u32,
    total: u64,
    min: u64,
}

/// Apply layers bottom-up with [`FileAudit::apply_layer`], then [`FileAudit::finish`].
#[derive(Debug, Default)]
pub struct FileAudit {
    tree: Tree,
    /// The merged view before the current layer, for the diff.
    live: BTreeMap<String, Version>,
    layers: usize,
    ledger: Ledger,
}

/// What the diffs found so far.
#[derive(Debug, Default)]
struct Ledger {
    stats: HashMap<String, PathStat>,
    deleted: Vec<DeletedFile>,
    overwritten: Vec<OverwrittenFile>,
    secret_files: Vec<SecretFile>,
}

impl FileAudit {
    /// How many paths [`Efficiency::top`] lists.
    pub const TOP: usize = 20;

    pub fn new() -> FileAudit {
        FileAudit::default()
    }

    /// Apply the next layer (gzip or plain tar); `name` names it in errors.
    pub fn apply_layer(&mut self, blob: impl Read, name: &str, limits: &Limits) -> Result<LayerChanges> {
        let index = self.layers;
        let changes = self.tree.apply_layer_named(blob, index, name, limits)?;
        self.layers += 1;
        self.diff(index);
        Ok(changes)
    }

    /// The merged view so far: what each path is after the layers applied up to now (the
    /// explorer reads the kinds of the paths a layer just wrote from it).
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Compare the merged view before and after layer `layer`.
    fn diff(&mut self, layer: usize) {
        let mut before = std::mem::take(&mut self.live).into_iter().peekable();
        let mut after = BTreeMap::new();
        for (path, node) in self.tree.iter() {
            // Paths before this one that are gone now: deleted by this layer.
            while let Some((old_path, _)) = before.peek() {
                if old_path.as_str() >= path {
                    break;
                }
                let (old_path, old) = before.next().expect("peeked");
                self.ledger.gone(old_path, old, layer);
            }
            let now = Version::of(node);
            let old = match before.peek() {
                Some((p, _)) if p == path => before.next().map(|(_, v)| v),
                _ => None,
            };
            if node.layer == layer {
                self.ledger.written(path, now, old, layer);
            }
            after.insert(path.to_string(), now);
        }
        for (old_path, old) in before {
            self.ledger.gone(old_path, old, layer);
        }
        self.live = after;
    }
}

impl Ledger {
    fn written(&mut self, path: &str, now: Version, old: Option<Version>, layer: usize) {
        let had_stats = self.stats.contains_key(path);
        if now.kind != NodeKind::Dir || had_stats {
            self.version(path, now.stored());
        }
        if let Some(old) = old.filter(|o| o.kind == NodeKind::File && o.size > 0 && o.layer < layer) {
            self.overwritten.push(OverwrittenFile {
                path: path.to_string(),
                lower_layer: old.layer,
                upper_layer: layer,
                lower_bytes: old.size,
                upper_bytes: now.stored(),
            });
        }
        if now.kind == NodeKind::File && is_secret_file_name(path) {
            self.secret_files.push(SecretFile { path: path.to_string(), layer, bytes: now.size, deleted_in: None });
        }
    }

    fn gone(&mut self, path: String, old: Version, layer: usize) {
        if old.kind == NodeKind::Dir && !self.stats.contains_key(&path) {
            return;
        }
        self.version(&path, 0);
        if old.kind == NodeKind::File {
            if let Some(s) = self.secret_files.iter_mut().rev().find(|s| s.path == path && s.deleted_in.is_none()) {
                s.deleted_in = Some(layer);
            }
            if old.size > 0 {
                self.deleted.push(DeletedFile { path, added_in: old.layer, deleted_in: layer, bytes: old.size });
            }
        }
    }

    fn version(&mut self, path: &str, size: u64) {
        let s = self.stats.entry(path.to_string()).or_default();
        s.min = if s.versions == 0 { size } else { s.min.min(size) };
        s.versions += 1;
        s.total += size;
    }
}

impl FileAudit {
    /// The findings, once every layer is applied.
    pub fn finish(self) -> FileReport {
        let (mut total, mut min, mut dive) = (0u64, 0u64, 0u64);
        let mut top = Vec::new();
        let ledger = self.ledger;
        for (path, s) in &ledger.stats {
            total += s.total;
            min += s.min;
            if s.versions >= 2 {
                dive += s.total;
            }
            if s.total > s.min {
                top.push(PathWaste {
                    path: path.clone(),
                    versions: s.versions,
                    total_bytes: s.total,
                    wasted_bytes: s.total - s.min,
                });
            }
        }
        top.sort_by(|a, b| b.wasted_bytes.cmp(&a.wasted_bytes).then_with(|| a.path.cmp(&b.path)));
        top.truncate(Self::TOP);
        let efficiency = Efficiency {
            score: if total == 0 { 1.0 } else { min as f64 / total as f64 },
            total_bytes: total,
            wasted_bytes: total - min,
            dive_wasted_bytes: dive,
            top,
        };
        let mut world_writable = Vec::new();
        let mut setid = Vec::new();
        for (path, node) in self.tree.iter() {
            let finding = || ModeFinding {
                path: path.to_string(),
                kind: node.kind,
                mode: node.mode,
                mode_text: mode_text(node.kind, node.mode),
                uid: node.uid,
                gid: node.gid,
                layer: node.layer,
            };
            let sticky = node.mode & 0o1000 != 0;
            match node.kind {
                NodeKind::File if node.mode & 0o002 != 0 => world_writable.push(finding()),
                NodeKind::Dir if node.mode & 0o002 != 0 && !sticky => world_writable.push(finding()),
                _ => {}
            }
            if node.kind == NodeKind::File && node.mode & 0o6000 != 0 {
                setid.push(finding());
            }
        }
        let mut deleted = ledger.deleted;
        deleted.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
        let mut overwritten = ledger.overwritten;
        overwritten.sort_by(|a, b| b.lower_bytes.cmp(&a.lower_bytes).then_with(|| a.path.cmp(&b.path)));
        FileReport {
            layers: self.layers,
            deleted,
            overwritten,
            secret_files: ledger.secret_files,
            world_writable,
            setid,
            efficiency,
            tree: self.tree,
        }
    }
}

/// `ls -l` style permission text: `rwsr-xr-x`, `rwxrwxrwt`.
pub fn mode_text(kind: NodeKind, mode: u32) -> String {
    let t = match kind {
        NodeKind::Dir => 'd',
        NodeKind::Symlink => 'l',
        _ => '-',
    };
    let mut s = String::from(t);
    for (shift, special, set_char) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let x = bits & 1 != 0;
        s.push(match (mode & special != 0, x) {
            (true, true) => set_char,
            (true, false) => set_char.to_ascii_uppercase(),
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{write_tar, BuildOptions, Entry};

    #[test]
    fn secret_names_and_the_names_that_are_not() {
        for yes in [
            "DB_PASSWORD",
            "PGPASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "GITHUB_TOKEN",
            "API_KEY",
            "aws_secret_access_key",
            "STRIPE_KEY",
            "DB_PASS",
            "--password",
            "REGISTRY_CREDENTIALS",
            "APIKEY",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "PWD",
            "OLDPWD",
            "PATH",
            "key",
            "GPG_KEYS",
            "GPG_KEY",
            "POSTGRES_PASSWORD_FILE",
            "AWS_ACCESS_KEY_ID",
            "KEYSERVER",
            "TOKENIZERS_PARALLELISM",
            "BYPASS",
            "NGINX_VERSION",
            "KEY_SHA512",
            "TOKEN_MD5",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn masking_keeps_a_few_characters() {
        assert_eq!(mask("hunter2"), "h******");
        assert_eq!(mask("s3cr3t-token-value"), "s3********ue");
        assert_eq!(mask("ab"), "***");
        assert!(!mask("correct-horse-battery").contains("horse"));
    }

    #[test]
    fn finds_assignments_flags_env_lines_and_url_credentials() {
        let hits = secrets_in_text(
            "RUN |2 NPM_TOKEN=abc123xyz DEBUG=1 /bin/sh -c curl https://deploy:pa55word@git.example.com/x.git && \
             mysql --password=hunter22 && psql --password 'topsecret' && export API_KEY=\"k-123456\"",
        );
        let names: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(names, ["NPM_TOKEN", "password", "API_KEY", "password", "URL deploy:…@git.example.com"]);
        assert_eq!(hits[2].1, "k-123456");
        assert_eq!(hits[4].1, "pa55word");
        let env_form = secrets_in_text("ENV DB_PASSWORD hunter2 hunter3");
        assert_eq!(env_form, [("DB_PASSWORD".into(), "hunter2 hunter3".into(), SecretRule::SecretName)]);
    }

    #[test]
    fn references_and_public_keys_are_not_secrets() {
        assert!(
            secrets_in_text("RUN key='B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8'; gpg --recv-keys \"$key\"").is_empty()
        );
        assert!(secrets_in_text("RUN echo $DB_PASSWORD && TOKEN=${TOKEN} make").is_empty());
        assert!(secrets_in_text("ENV PGDATA=/var/lib/postgresql/data PWD=/").is_empty());
        assert!(secrets_in_text("git clone https://github.com/x/y.git https://user@host/").is_empty());
    }

    #[test]
    fn config_secrets_name_their_place() {
        let env =
            vec!["PATH=/bin".to_string(), "DB_PASSWORD=hunter2".into(), "DSN=postgres://app:s3cret@db/app".into()];
        let found = secrets(&env, [], ["ADD rootfs.tar /", "RUN TOKEN=abcdef123 make"]);
        let places: Vec<(&str, &str)> = found.iter().map(|f| (f.place.as_str(), f.name.as_str())).collect();
        assert_eq!(places, [("Env", "DB_PASSWORD"), ("Env DSN", "URL app:…@db"), ("history[1].created_by", "TOKEN")]);
    }

    fn layer(entries: Vec<Entry>) -> Vec<u8> {
        let mut out = Vec::new();
        write_tar(entries, &BuildOptions { mtime: 0, level: 6, threads: 1 }, &mut out).unwrap();
        out
    }

    #[test]
    fn file_audit_finds_deleted_overwritten_and_mode_problems() {
        let mut audit = FileAudit::new();
        let limits = Limits::default();
        let l0 = layer(vec![
            Entry::file("etc/big", 0o644, vec![1u8; 1000]),
            Entry::file("root/.ssh/id_rsa", 0o600, vec![2u8; 100]),
            Entry::file("bin/su", 0o4755, vec![3u8; 10]),
            Entry::file("srv/open", 0o666, vec![4u8; 10]),
            Entry::dir("tmp", 0o1777),
            Entry::dir("var/drop", 0o777),
            Entry::file("cache/a", 0o644, vec![5u8; 50]),
        ]);
        let l1 = layer(vec![Entry::file("etc/big", 0o644, vec![6u8; 10]), Entry::whiteout("root/.ssh/id_rsa")]);
        let l2 = layer(vec![Entry::whiteout("cache")]);
        for (i, l) in [l0, l1, l2].iter().enumerate() {
            audit.apply_layer(&l[..], &format!("#{i}"), &limits).unwrap();
        }
        let r = audit.finish();
        assert_eq!(
            r.deleted,
            [
                DeletedFile { path: "root/.ssh/id_rsa".into(), added_in: 0, deleted_in: 1, bytes: 100 },
                DeletedFile { path: "cache/a".into(), added_in: 0, deleted_in: 2, bytes: 50 },
            ]
        );
        assert_eq!(r.overwritten.len(), 1);
        assert_eq!((r.overwritten[0].path.as_str(), r.overwritten[0].lower_bytes), ("etc/big", 1000));
        assert_eq!(r.secret_files[0].deleted_in, Some(1));
        let ww: Vec<&str> = r.world_writable.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(ww, ["srv/open", "var/drop"], "/tmp has the sticky bit");
        assert_eq!(r.setid.len(), 1);
        assert_eq!(r.setid[0].mode_text, "-rwsr-xr-x");
        // total = 1000 + 10 (etc/big) + 100 + 0 (id_rsa) + 10 + 10 + 50 + 0 (cache/a);
        // min = 10 + 0 + 10 + 10 + 0.
        let e = &r.efficiency;
        assert_eq!((e.total_bytes, e.wasted_bytes), (1180, 1150));
        assert!((e.score - 30.0 / 1180.0).abs() < 1e-12);
        assert_eq!(e.dive_wasted_bytes, 1010 + 100 + 50);
        assert_eq!(e.top[0].path, "etc/big");
    }

    #[test]
    fn a_clean_image_scores_one_and_finds_nothing() {
        let mut audit = FileAudit::new();
        let l0 = layer(vec![Entry::file("a", 0o644, "x"), Entry::dir("tmp", 0o1777)]);
        let l1 = layer(vec![Entry::file("b", 0o755, "y")]);
        audit.apply_layer(&l0[..], "#0", &Limits::default()).unwrap();
        audit.apply_layer(&l1[..], "#1", &Limits::default()).unwrap();
        let r = audit.finish();
        assert!(r.deleted.is_empty() && r.overwritten.is_empty() && r.world_writable.is_empty() && r.setid.is_empty());
        assert_eq!(r.efficiency.score, 1.0);
    }
}

//! # Exercise 12: Choose a Base (reference solution)
//!
//! Same public API as `src/lib.rs`. `cargo xtask solve 12` swaps it in; `cargo xtask reset 12`
//! puts your own work back.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------------------------
// Step 1 (tests/step1_libc.rs)
// ---------------------------------------------------------------------------------------------

/// What a path is in the merged filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File,
    Dir,
    /// A symbolic link, with its target as stored (absolute or relative).
    Symlink(String),
}

/// Which C library an image ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libc {
    Musl,
    Glibc,
    /// No dynamic loader: only static binaries can run (a scratch-style image).
    NoLoader,
}

/// What [`detect_libc`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibcReport {
    pub libc: Libc,
    /// The loader's path as named in the image (`lib/ld-musl-x86_64.so.1`), `None` for
    /// [`Libc::NoLoader`].
    pub loader: Option<String>,
    /// The regular file that path resolves to through symlinks.
    pub resolves_to: Option<String>,
}

fn clean(path: &str) -> String {
    path.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/').to_string()
}

fn covers(deleted: &str, path: &str) -> bool {
    path == deleted || path.strip_prefix(deleted).is_some_and(|rest| rest.starts_with('/'))
}

/// Applies gzip-compressed layers in order, bottom first, and returns the merged filesystem:
/// every path (no leading `/`) with what it is. A whiteout `dir/.wh.NAME` removes `dir/NAME` and
/// everything under it; an opaque whiteout `dir/.wh..wh..opq` removes everything under `dir` that
/// lower layers put there. Not gzip or not tar: `Err`.
pub fn merged_files(layers: &[Vec<u8>]) -> Result<BTreeMap<String, Node>, String> {
    let mut files = BTreeMap::new();
    for blob in layers {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&blob[..]));
        let mut added: Vec<(String, Node)> = Vec::new();
        for entry in archive.entries().map_err(|e| format!("layer: {e}"))? {
            let entry = entry.map_err(|e| format!("layer: {e}"))?;
            let path = clean(&entry.path().map_err(|e| format!("layer: {e}"))?.to_string_lossy());
            let (dir, name) = match path.rsplit_once('/') {
                Some((d, n)) => (d.to_string(), n.to_string()),
                None => (String::new(), path.clone()),
            };
            if name == ".wh..wh..opq" {
                files.retain(|p: &String, _| !(dir.is_empty() || covers(&dir, p)) || p == &dir);
                continue;
            }
            if let Some(target) = name.strip_prefix(".wh.") {
                let gone = if dir.is_empty() { target.to_string() } else { format!("{dir}/{target}") };
                files.retain(|p: &String, _| !covers(&gone, p));
                continue;
            }
            let kind = entry.header().entry_type();
            let node = if kind.is_dir() {
                Node::Dir
            } else if kind.is_symlink() {
                let target = entry.link_name().map_err(|e| format!("layer: {e}"))?.unwrap_or_default();
                Node::Symlink(target.to_string_lossy().into_owned())
            } else {
                Node::File
            };
            added.push((path, node));
        }
        for (path, node) in added {
            files.insert(path, node);
        }
    }
    Ok(files)
}

/// Follows symlinks, in the last component and in every directory on the way, inside the image
/// (an absolute target starts again from the image's root; `..` never leaves it). Returns the
/// path the chain ends at, if something exists there; `None` for a dangling link or a loop
/// (more than 40 links).
pub fn resolve(files: &BTreeMap<String, Node>, path: &str) -> Option<String> {
    let mut pending: Vec<String> = clean(path).split('/').filter(|s| !s.is_empty()).rev().map(String::from).collect();
    let mut done: Vec<String> = Vec::new();
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        match part.as_str() {
            "." => continue,
            ".." => {
                done.pop();
                continue;
            }
            _ => {}
        }
        done.push(part);
        let here = done.join("/");
        match files.get(&here)? {
            Node::Symlink(target) => {
                hops += 1;
                if hops > 40 {
                    return None;
                }
                done.pop();
                if target.starts_with('/') {
                    done.clear();
                }
                pending.extend(target.split('/').filter(|s| !s.is_empty()).rev().map(String::from));
            }
            Node::File | Node::Dir => {}
        }
    }
    Some(done.join("/"))
}

fn loader_kind(name: &str) -> Option<Libc> {
    if name.starts_with("ld-musl-") && name.ends_with(".so.1") {
        Some(Libc::Musl)
    } else if (name.starts_with("ld-linux") || name.starts_with("ld64.so.")) && name.contains(".so.") {
        Some(Libc::Glibc)
    } else {
        None
    }
}

/// Finds the dynamic loader: the first path, in sorted order, whose file name is
/// `ld-musl-*.so.1` (musl) or `ld-linux*.so.*` / `ld64.so.*` (glibc) and that resolves to a
/// regular file. None found: [`Libc::NoLoader`].
pub fn detect_libc(files: &BTreeMap<String, Node>) -> LibcReport {
    for path in files.keys() {
        let name = path.rsplit('/').next().unwrap_or(path);
        let Some(libc) = loader_kind(name) else { continue };
        if let Some(target) = resolve(files, path) {
            if files.get(&target) == Some(&Node::File) {
                return LibcReport { libc, loader: Some(path.clone()), resolves_to: Some(target) };
            }
        }
    }
    LibcReport { libc: Libc::NoLoader, loader: None, resolves_to: None }
}

// ---------------------------------------------------------------------------------------------
// Step 2 (tests/step2_compare.rs)
// ---------------------------------------------------------------------------------------------

/// Two images side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Compressed bytes of each image (Σ of its layer sizes).
    pub size_a: u64,
    pub size_b: u64,
    /// Layer digests found in both images, in `a`'s order.
    pub shared: Vec<String>,
    /// Bytes of the shared layers (counted once).
    pub shared_bytes: u64,
    /// How many bottom layers are identical and in the same order: the common base.
    pub common_base_layers: usize,
    /// Bytes a host pulls to have both: each distinct layer once.
    pub pull_both: u64,
}

/// The linux/amd64 layers (digest, compressed size) of a snapshot record: `tag` is a tag
/// (`postgres:16`, its newest record) or a record id (`postgres:16@2023-12-19`). `None` when the
/// snapshot has no such record or the record holds no layer list.
pub fn snapshot_layers(tag: &str) -> Option<Vec<(String, u64)>> {
    let record = driftwood::record(tag).or_else(|| driftwood::latest(tag))?;
    let layers = record.amd64()?.layers.as_ref()?;
    Some(layers.iter().map(|l| (l.digest.to_string(), l.size)).collect())
}

/// Compares two images given as layer lists (digest, size), bottom first.
pub fn compare(a: &[(String, u64)], b: &[(String, u64)]) -> Comparison {
    let size_a = a.iter().map(|l| l.1).sum();
    let size_b = b.iter().map(|l| l.1).sum();
    let mut shared = Vec::new();
    let mut shared_bytes = 0;
    for (digest, size) in a {
        if b.iter().any(|(d, _)| d == digest) && !shared.contains(digest) {
            shared.push(digest.clone());
            shared_bytes += size;
        }
    }
    let common_base_layers = a.iter().zip(b).take_while(|(x, y)| x.0 == y.0).count();
    let mut distinct: BTreeMap<&str, u64> = BTreeMap::new();
    for (d, s) in a.iter().chain(b) {
        distinct.insert(d, *s);
    }
    Comparison { size_a, size_b, shared, shared_bytes, common_base_layers, pull_both: distinct.values().sum() }
}

/// The tag whose image is smallest to pull, among tags the snapshot has layers for (ties: the
/// first given). `None` when none has.
pub fn smallest<'a>(tags: &[&'a str]) -> Option<&'a str> {
    let mut best: Option<(&str, u64)> = None;
    for tag in tags {
        if let Some(layers) = snapshot_layers(tag) {
            let size: u64 = layers.iter().map(|l| l.1).sum();
            if best.is_none_or(|(_, s)| size < s) {
                best = Some((tag, size));
            }
        }
    }
    best.map(|(t, _)| t)
}

// ---------------------------------------------------------------------------------------------
// Step 3 (tests/step3_scratch.rs)
// ---------------------------------------------------------------------------------------------

/// Media types of an OCI image.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// A complete single-layer image: the three blobs, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScratchImage {
    /// The gzip-compressed tar with one regular file.
    pub layer: Vec<u8>,
    /// The image config (JSON).
    pub config: Vec<u8>,
    /// The image manifest (JSON) pointing to the config and the layer.
    pub manifest: Vec<u8>,
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Builds a `FROM scratch` image whose only file is `/NAME` with `content` and permission bits
/// `mode`: a tar with that one entry (uid/gid 0, mtime 0), gzip (mtime 0), a config for
/// linux/amd64 with `Entrypoint: ["/NAME"]` and the layer's diff_id, and an OCI manifest.
/// The same inputs always give the same bytes. A `name` that is empty, `.`, `..` or holds `/`:
/// `Err`.
pub fn scratch_image(name: &str, content: &[u8], mode: u32) -> Result<ScratchImage, String> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(format!("{name:?} is not a file name"));
    }
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_size(content.len() as u64);
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_data(&mut header, name, content).map_err(|e| format!("tar: {e}"))?;
    let tar = builder.into_inner().map_err(|e| format!("tar: {e}"))?;
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).map_err(|e| format!("gzip: {e}"))?;
    let layer = gz.finish().map_err(|e| format!("gzip: {e}"))?;

    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": { "Entrypoint": [format!("/{name}")] },
        "rootfs": { "type": "layers", "diff_ids": [sha256(&tar)] },
        "history": [{ "created_by": format!("COPY {name} /{name}") }],
    }))
    .map_err(|e| format!("config: {e}"))?;
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": { "mediaType": OCI_CONFIG, "digest": sha256(&config), "size": config.len() },
        "layers": [{ "mediaType": OCI_LAYER_GZIP, "digest": sha256(&layer), "size": layer.len() }],
    }))
    .map_err(|e| format!("manifest: {e}"))?;
    Ok(ScratchImage { layer, config, manifest })
}

/// Reads back the single file of a scratch image's layer: its path and content.
pub fn read_single_file(layer: &[u8]) -> Result<(String, Vec<u8>), String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(layer));
    let mut found = None;
    for entry in archive.entries().map_err(|e| format!("layer: {e}"))? {
        let mut entry = entry.map_err(|e| format!("layer: {e}"))?;
        if !entry.header().entry_type().is_file() {
            return Err("the layer holds something other than a regular file".into());
        }
        if found.is_some() {
            return Err("the layer holds more than one file".into());
        }
        let path = clean(&entry.path().map_err(|e| format!("layer: {e}"))?.to_string_lossy());
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|e| format!("layer: {e}"))?;
        found = Some((path, data));
    }
    found.ok_or_else(|| "the layer is empty".to_string())
}

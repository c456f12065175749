//! One dropped file, read once: an image (oci-archive, `docker save` in either form, an OCI
//! layout folder) or a single layer tar.
//!
//! Every byte goes through imagekit: [`ArchiveSource`] indexes the tar in place, [`Image`]
//! resolves index → manifest → config and reads each layer with its blob digest and diff_id
//! checked in the same pass, [`FileAudit`] applies the layers (whiteouts, opaque directories)
//! and records what they hid. Nothing here parses a tar or hashes a layer itself.

use std::rc::Rc;

use imagekit::apply::{LayerChanges, NodeKind, Tree};
use imagekit::archive::{ArchiveSource, RandomAccess};
use imagekit::audit::{self, FileAudit};
use imagekit::digest::Sha256Reader;
use imagekit::image::{Image, Source};
use imagekit::layer::Limits;
use imagekit::media::{self, Kind};
use imagekit::{Error, Platform};

use crate::chunked::{Cursor, Shared};
use crate::folder::Folder;
use crate::report::{AuditRow, Change, ConfigRow, DocumentRow, FileRow, HistoryRow, LayerRow, PlatformRow, Report};

/// Told as the reading goes, for the page's progress bar.
pub trait Observer {
    /// Layer `index` of `count` (its blob digest and stored size) is about to be read.
    fn layer(&mut self, index: usize, count: usize, digest: &str, size: u64);
}

impl<F: FnMut(usize, usize, &str, u64)> Observer for F {
    fn layer(&mut self, index: usize, count: usize, digest: &str, size: u64) {
        self(index, count, digest, size)
    }
}

/// Read `bytes` (named `name` in messages) as an archive, or else as a single layer; `image`
/// picks one of the images an archive holds (as [`ArchiveSource::image_names`] names them; an
/// archive of several with none picked answers a [`Report::choose`]), `platform` picks from a
/// multi-platform index (default linux/amd64, else the first offered). The error is one line
/// naming what failed; on error nothing is reported as verified.
pub fn explore_file(
    bytes: Rc<dyn RandomAccess>,
    name: &str,
    image: Option<&str>,
    platform: Option<&str>,
    observer: &mut dyn Observer,
) -> Result<Report, String> {
    let mut magic = [0u8; 2];
    let gzip = bytes.read_at(&mut magic, 0).map_err(|e| format!("reading {name}: {e}"))? == 2 && magic == [0x1f, 0x8b];
    if gzip {
        return explore_layer(&*bytes, name, observer).map_err(|e| one_line(&e));
    }
    // Every tar `docker save`, skopeo, imagekit or GNU tar writes has a ustar header: without
    // one this is some other kind of file, better named as such than by the tar reader's error.
    let mut header = [0u8; 263];
    let read = bytes.read_at(&mut header, 0).map_err(|e| format!("reading {name}: {e}"))?;
    if read < header.len() || &header[257..262] != b"ustar" {
        return Err(format!(
            "{name} is not a tar archive nor a gzip layer: open a `docker save` tar, an oci-archive, \
             a layer .tar or .tar.gz, or an OCI layout folder"
        ));
    }
    match ArchiveSource::from_random_access(Box::new(Shared(Rc::clone(&bytes))), name, image) {
        Ok(source) => explore_source(Rc::new(source), platform, observer),
        // `docker save` of several tags, an oci-archive of several refs: the reader chooses.
        Err(Error::NotFound(why)) if image.is_none() => {
            match ArchiveSource::image_names(Box::new(Shared(Rc::clone(&bytes))), name) {
                Ok(names) if names.len() > 1 => {
                    Ok(Report::choose(format!("{name} holds {} images", names.len()), names))
                }
                _ => Err(one_line(&Error::NotFound(why).to_string())),
            }
        }
        // A tar that holds no image at all may be one layer (`docker save` always has a
        // manifest.json, an oci-archive an oci-layout): read it as that, or say what it is not.
        Err(Error::InvalidLayout { reason, .. }) if reason.starts_with("not an OCI archive") => {
            let report = explore_layer(&*bytes, name, observer).map_err(|layer_error| {
                format!(
                    "{name} is neither an image archive (no manifest.json, no oci-layout and index.json) \
                     nor a layer tar ({layer_error})"
                )
            })?;
            // An image archive's own files read as a layer: its manifest.json or index.json is
            // missing, as when `docker save` output (manifest.json comes last) was cut short.
            let blobs = |p: &str| p == "oci-layout" || p.ends_with("/layer.tar") || p.starts_with("blobs/sha256/");
            if report.merged.iter().any(|f| blobs(&f.path)) {
                return Err(format!(
                    "{name} holds image blobs but no manifest.json or index.json: an archive cut short?"
                ));
            }
            Ok(report)
        }
        // Every tar is whole 512-byte blocks: a file that is not was cut short (or is no tar).
        Err(e) if !bytes.len().is_multiple_of(512) => Err(one_line(&format!(
            "{name} is truncated: its {} bytes are not a whole number of 512-byte tar blocks ({e})",
            bytes.len()
        ))),
        Err(e) => Err(one_line(&e.to_string())),
    }
}

/// Messages may quote bytes of a damaged file: the page shows them on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A picked OCI layout folder (`files` by their path, the folder's name leading), as
/// [`explore_file`] reads an archive: `image` picks one of its tags when it holds several.
pub fn explore_folder(
    name: &str,
    files: Vec<(String, Rc<dyn RandomAccess>)>,
    image: Option<&str>,
    platform: Option<&str>,
    observer: &mut dyn Observer,
) -> Result<Report, String> {
    let mut folder = Folder::new(name, files).map_err(|e| one_line(&e.to_string()))?;
    if image.is_some() {
        folder.select(image).map_err(|e| one_line(&e.to_string()))?;
    } else if !folder.selected() {
        let tags = folder.tags();
        return Ok(Report::choose(format!("{name} holds {} images", tags.len()), tags));
    }
    explore_source(Rc::new(folder), platform, observer)
}

/// An image from any imagekit source: the archive readers, or the page's layout folder.
pub fn explore_source(
    source: Rc<dyn Source>,
    platform: Option<&str>,
    observer: &mut dyn Observer,
) -> Result<Report, String> {
    let image = resolve(source, platform).map_err(|e| e.to_string())?;
    let config = &image.config.value;
    let count = image.layers().len();
    // Checked before any layer is read: a config that lists fewer diff_ids than layers is refused.
    if count > 0 {
        image.diff_id(0).map_err(|e| e.to_string())?;
    }
    let created_by = created_by_layer(&image);
    let limits = Limits::default();
    let mut audit = FileAudit::new();
    let mut layers = Vec::with_capacity(count);
    for (i, desc) in image.layers().iter().enumerate() {
        observer.layer(i, count, &desc.digest.to_string(), desc.size);
        let changes = image
            .read_layer(i, |blob, name| {
                let changes = audit.apply_layer(blob, name, &limits)?;
                let diff_id = changes.summary.diff_id.clone();
                Ok((changes, diff_id))
            })
            .map_err(|e| format!("layer {i} of {count} ({}) failed verification: {e}", desc.digest))?;
        let mut row = layer_row(&changes, audit.tree());
        row.digest = desc.digest.clone();
        row.media_type = desc.media_type.clone();
        row.size = desc.size;
        row.created_by = created_by.get(i).cloned().flatten();
        layers.push(row);
    }
    let files = audit.finish();
    let (merged, merged_view_files, merged_view_size) = merged_view(&files.tree);
    Ok(Report {
        kind: "image",
        source: image.source().describe(),
        platforms: platforms(&image),
        manifest: Some(DocumentRow {
            digest: image.descriptor.digest.clone(),
            media_type: image.descriptor.media_type.clone(),
            size: image.descriptor.size,
        }),
        config: Some(config_row(&image)),
        history: config
            .history_layers()
            .into_iter()
            .enumerate()
            .map(|(index, (layer, h))| HistoryRow {
                index,
                created: h.created.clone(),
                created_by: h.created_by.clone(),
                comment: h.comment.clone(),
                empty_layer: h.empty_layer,
                layer: layer.filter(|&l| l < count),
            })
            .collect(),
        history_note: match (config.history.is_empty(), config.history_mismatch()) {
            (true, _) => Some("the config has no history: nothing records how these layers were made".into()),
            (false, Some(m)) => Some(format!("history and layers disagree: {m}")),
            _ => None,
        },
        total_size: layers.iter().map(|l| l.size).sum(),
        total_uncompressed_size: layers.iter().map(|l| l.uncompressed_size).sum(),
        deleted_bytes_still_shipped: layers.iter().map(|l| l.deleted_bytes_still_shipped).sum(),
        layers,
        merged,
        merged_view_files,
        merged_view_size,
        audit: AuditRow { secrets: audit::config_secrets(config), files: Some(files) },
        images: Vec::new(),
    })
}

/// The image for `platform`; with none asked, linux/amd64 if offered, else the first platform.
fn resolve(source: Rc<dyn Source>, platform: Option<&str>) -> imagekit::Result<Image> {
    if let Some(p) = platform {
        return Image::resolve(source, Some(&Platform::parse(p)?));
    }
    match Image::resolve(Rc::clone(&source), None) {
        Err(Error::NotFound(why)) if media::kind(&source.top()?.media_type) == Kind::Index => {
            let top = source.top()?;
            let index = imagekit::index::Index::parse(imagekit::image::read_document(&*source, &top)?)?;
            let first = index.value.platforms().first().map(|p| (*p).clone()).ok_or(Error::NotFound(why))?;
            Image::resolve(source, Some(&first))
        }
        other => other,
    }
}

/// Each layer's `created_by`, from the history entries that made layers.
fn created_by_layer(image: &Image) -> Vec<Option<String>> {
    let config = &image.config.value;
    let mut by_layer = vec![None; image.layers().len()];
    for (layer, h) in config.history_layers() {
        if let Some(slot) = layer.and_then(|i| by_layer.get_mut(i)) {
            *slot = h.created_by.clone();
        }
    }
    by_layer
}

fn platforms(image: &Image) -> Vec<PlatformRow> {
    let chosen = &image.descriptor.digest;
    match &image.index {
        Some(index) => index
            .value
            .manifests
            .iter()
            .filter_map(|d| {
                d.platform.as_ref().map(|p| PlatformRow {
                    platform: p.to_string(),
                    digest: Some(d.digest.clone()),
                    chosen: &d.digest == chosen,
                })
            })
            .collect(),
        None => vec![PlatformRow { platform: image.platform(), digest: Some(chosen.clone()), chosen: true }],
    }
}

fn config_row(image: &Image) -> ConfigRow {
    let c = &image.config.value;
    let run = c.config.clone().unwrap_or_default();
    ConfigRow {
        digest: Some(image.id().clone()),
        os: c.os.clone(),
        architecture: match &c.variant {
            Some(v) => format!("{}/{v}", c.architecture),
            None => c.architecture.clone(),
        },
        created: c.created.clone(),
        entrypoint: run.entrypoint,
        cmd: run.cmd,
        env: run.env.unwrap_or_default(),
        user: run.user,
        working_dir: run.working_dir,
        exposed_ports: run.exposed_ports.map(|p| p.into_keys().collect()).unwrap_or_default(),
        labels: run.labels.map(|l| l.into_iter().collect()).unwrap_or_default(),
    }
}

/// A layer's row and changed paths, read from the merged view just after it was applied. The
/// digest, media type, size and created_by are the caller's to set from the layer's descriptor
/// and history (a lone layer has no descriptor: its blob's own digest and length are used).
fn layer_row(changes: &LayerChanges, tree: &Tree) -> LayerRow {
    let mut files = Vec::with_capacity(changes.added.len() + changes.changed.len());
    let (mut added, mut changed) = (0, 0);
    for (paths, mark) in [(&changes.added, "added"), (&changes.changed, "changed")] {
        for path in paths {
            let node = tree.get(path);
            // Count files, not the directories a layer re-declares as parents of what it adds
            // (as `imagekit layers` counts).
            if node.is_some_and(|n| n.kind != NodeKind::Dir) {
                if mark == "added" {
                    added += 1;
                } else {
                    changed += 1;
                }
            }
            files.push(Change {
                path: path.clone(),
                mark,
                kind: node.map(|n| n.kind),
                size: node.map_or(0, |n| n.size),
                removed: 0,
            });
        }
    }
    for (removals, mark) in [(&changes.deleted, "deleted"), (&changes.opaque, "opaque")] {
        for r in removals {
            files.push(Change { path: r.path.clone(), mark, kind: None, size: r.bytes, removed: r.entries });
        }
    }
    // Left in the order imagekit lists them (added, changed, deleted, opaque; each sorted by
    // path): the page's tree sorts each folder's children itself, and one sort fewer is about
    // 4 KB less WebAssembly.
    LayerRow {
        index: changes.layer,
        digest: changes.summary.diff_id.clone(),
        diff_id: changes.summary.diff_id.clone(),
        media_type: String::new(),
        size: changes.summary.compressed_size,
        uncompressed_size: changes.summary.uncompressed_size,
        entries: changes.summary.entries,
        added,
        changed,
        deleted: changes.deleted.len() + changes.opaque.len(),
        deleted_bytes_still_shipped: changes.hidden_bytes(),
        created_by: None,
        files,
    }
}

/// Every path of the merged view; the count and bytes of its regular files.
fn merged_view(tree: &Tree) -> (Vec<FileRow>, usize, u64) {
    let rows: Vec<FileRow> = tree
        .iter()
        .map(|(path, n)| FileRow {
            path: path.to_string(),
            kind: n.kind,
            size: n.size,
            mode: n.mode,
            layer: n.layer,
            link: n.link.clone(),
        })
        .collect();
    let files = rows.iter().filter(|r| r.kind == NodeKind::File);
    let (count, bytes) = files.fold((0, 0), |(c, b), r| (c + 1, b + r.size));
    (rows, count, bytes)
}

/// A single layer tar (or .tar.gz): no config promises a diff_id, so both digests are computed
/// and shown as such, with the layer's files, whiteouts and findings.
fn explore_layer(bytes: &dyn RandomAccess, name: &str, observer: &mut dyn Observer) -> Result<Report, String> {
    observer.layer(0, 1, name, bytes.len());
    let mut audit = FileAudit::new();
    let mut blob = Sha256Reader::new(Cursor::new(bytes));
    let changes = audit.apply_layer(&mut blob, name, &Limits::default()).map_err(|e| e.to_string())?;
    std::io::copy(&mut blob, &mut std::io::sink()).map_err(|e| format!("reading {name}: {e}"))?;
    let (digest, size, _) = blob.finish();
    let mut row = layer_row(&changes, audit.tree());
    row.digest = digest;
    row.size = size;
    row.media_type =
        if changes.summary.uncompressed_size == size { media::OCI_LAYER_TAR } else { media::OCI_LAYER_GZIP }.into();
    let files = audit.finish();
    let (merged, merged_view_files, merged_view_size) = merged_view(&files.tree);
    Ok(Report {
        kind: "layer",
        source: format!("layer tar {name}"),
        platforms: Vec::new(),
        manifest: None,
        config: None,
        history: Vec::new(),
        history_note: None,
        total_size: row.size,
        total_uncompressed_size: row.uncompressed_size,
        deleted_bytes_still_shipped: row.deleted_bytes_still_shipped,
        layers: vec![row],
        merged,
        merged_view_files,
        merged_view_size,
        audit: AuditRow { secrets: Vec::new(), files: Some(files) },
        images: Vec::new(),
    })
}

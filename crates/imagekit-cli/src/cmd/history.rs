//! `imagekit history LAYOUT|REF`: the config's build history, matched to the layers it made.
//!
//! History and layers are two lists that only line up once the metadata-only steps
//! (`empty_layer: true`: ENV, CMD, LABEL, EXPOSE…) are skipped. The IMAGE column reads like
//! `docker history`: `<missing>` for every step but the last, because a pulled image is layers
//! plus one config — only the image itself has an ID (the config's digest).

use imagekit::image::Image;
use imagekit::Digest;
use serde::Serialize;

use crate::output::{self, Table};
use crate::target::{self, SourceArgs, Target};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: SourceArgs,
    /// Do not shorten the CREATED BY text.
    #[arg(long)]
    no_trunc: bool,
}

/// What `docker history` prints as IMAGE for a step that has no image ID of its own.
pub const MISSING: &str = "<missing>";

#[derive(Serialize)]
struct History {
    source: String,
    /// The config's digest, when known.
    image_id: Option<Digest>,
    entries: Vec<Row>,
    /// Layers no history entry accounts for (a config whose history and rootfs disagree).
    layers_without_history: Vec<LayerRef>,
    layer_count: usize,
    /// Σ compressed layer sizes.
    total_size: Option<u64>,
    /// Why the history is missing or does not line up, when it does not.
    note: Option<String>,
}

#[derive(Serialize)]
struct Row {
    /// Position in the config's `history` (oldest first).
    index: usize,
    /// `<missing>`, or the image ID on the last entry.
    image: String,
    created: Option<String>,
    created_by: Option<String>,
    comment: Option<String>,
    empty_layer: bool,
    /// The layer this entry made (None for metadata-only entries).
    layer: Option<LayerRef>,
}

#[derive(Serialize, Clone)]
struct LayerRef {
    index: usize,
    digest: Digest,
    /// Compressed blob size.
    size: u64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let history = match args.source.open()? {
        Target::Image { image, source } => from_image(&image, &source),
        Target::Snapshot { reference, record } => from_record(&reference.familiar(), record),
    };
    if output::json_mode() {
        return output::json(&history);
    }
    print(&history, args.no_trunc)
}

fn from_image(image: &Image, source: &str) -> History {
    let config = &image.config.value;
    let layers: Vec<LayerRef> = image
        .manifest
        .value
        .layers
        .iter()
        .enumerate()
        .map(|(index, d)| LayerRef { index, digest: d.digest.clone(), size: d.size })
        .collect();
    let image_id = image.config.digest().clone();
    let last = config.history.len().saturating_sub(1);
    let mut used = 0;
    let entries = config
        .history_layers()
        .into_iter()
        .enumerate()
        .map(|(index, (layer, h))| {
            let layer = layer.and_then(|i| layers.get(i).cloned());
            used += layer.is_some() as usize;
            Row {
                index,
                image: if index == last { output::short(&image_id) } else { MISSING.into() },
                created: h.created.clone(),
                created_by: h.created_by.clone(),
                comment: h.comment.clone(),
                empty_layer: h.empty_layer,
                layer,
            }
        })
        .collect();
    let note = match (config.history.is_empty(), config.history_mismatch()) {
        (true, _) => Some("the config has no history: nothing records how these layers were made".to_string()),
        (false, Some(m)) => Some(format!("history and layers disagree: {m}")),
        _ => None,
    };
    History {
        source: format!("{source}; config and manifest verified, layers not read"),
        image_id: Some(image_id),
        entries,
        layers_without_history: layers.iter().skip(used).cloned().collect(),
        layer_count: layers.len(),
        total_size: output::total_size(image.layers()),
        note,
    }
}

fn from_record(name: &str, record: &'static driftwood::ImageRecord) -> History {
    let amd64 = record.amd64();
    let layers: Vec<LayerRef> = amd64
        .and_then(|i| i.layers.as_ref())
        .map(|ls| {
            ls.iter().enumerate().map(|(index, l)| LayerRef { index, digest: l.digest.clone(), size: l.size }).collect()
        })
        .unwrap_or_default();
    let image_id = amd64.and_then(|i| i.config_digest.clone());
    let source = format!(
        "offline snapshot record {} of {name}, linux/amd64 (transcribed from {})",
        record.id,
        target::source_line(record)
    );
    let total_size = amd64.and_then(|i| i.layer_size_sum());
    let Some(history) = record.history.as_deref() else {
        let note = format!(
            "the snapshot record {} holds no build history{}",
            record.id,
            if layers.is_empty() {
                " and no layers"
            } else {
                ": its layers are listed without the steps that made them"
            }
        );
        return History {
            source,
            image_id,
            entries: Vec::new(),
            layer_count: layers.len(),
            layers_without_history: layers,
            total_size,
            note: Some(note),
        };
    };
    let last = history.len().saturating_sub(1);
    let mut next = 0;
    let entries = history
        .iter()
        .enumerate()
        .map(|(index, h)| {
            let layer = if h.empty_layer {
                None
            } else {
                next += 1;
                layers.get(next - 1).cloned()
            };
            Row {
                index,
                image: match (&image_id, index == last) {
                    (Some(id), true) => output::short(id),
                    _ => MISSING.into(),
                },
                created: Some(h.created.clone()),
                created_by: Some(h.created_by.clone()),
                comment: None,
                empty_layer: h.empty_layer,
                layer,
            }
        })
        .collect();
    let note = (record.layer_history().is_none()).then(|| {
        format!("history and layers disagree: {next} history entries make layers, the record lists {}", layers.len())
    });
    let prov = record.provenance_of("history.created_by").note.clone();
    let note = note.or_else(|| {
        Some(prov.map_or("history text as repo-info renders it, not the raw config".into(), |p| {
            format!("history text: {p}")
        }))
    });
    History {
        source,
        image_id,
        entries,
        layers_without_history: layers.iter().skip(next).cloned().collect(),
        layer_count: layers.len(),
        total_size,
        note,
    }
}

/// One line, whitespace runs collapsed, shortened to `max` characters unless `max` is 0.
pub fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if max == 0 || flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn print(h: &History, no_trunc: bool) -> anyhow::Result<()> {
    println!("source  {}", h.source);
    if let Some(id) = &h.image_id {
        println!("image   {id} (image ID = the config's digest)");
    }
    if !h.entries.is_empty() {
        let mut t = Table::new(&[">#", "IMAGE", "CREATED", "LAYER", ">SIZE", "CREATED BY"]);
        for r in &h.entries {
            let (layer, size) = match &r.layer {
                Some(l) => (format!("{} {}", l.index, output::short(&l.digest)), output::size(l.size)),
                None if r.empty_layer => ("(empty_layer)".to_string(), "0 B".to_string()),
                None => ("(no layer listed)".to_string(), "-".to_string()),
            };
            let by = r.created_by.as_deref().map_or("-".to_string(), |b| one_line(b, if no_trunc { 0 } else { 60 }));
            t.row(vec![
                r.index.to_string(),
                r.image.clone(),
                r.created.clone().unwrap_or_else(|| "-".into()),
                layer,
                size,
                by,
            ]);
        }
        t.print()?;
    }
    if !h.layers_without_history.is_empty() {
        let mut t = Table::new(&[">LAYER", "DIGEST", ">SIZE"]);
        for l in &h.layers_without_history {
            t.row(vec![l.index.to_string(), l.digest.to_string(), output::size(l.size)]);
        }
        println!("\nlayers without a history entry:");
        t.print()?;
    }
    let made = h.entries.iter().filter(|r| r.layer.is_some()).count();
    let empty = h.entries.iter().filter(|r| r.empty_layer).count();
    if !h.entries.is_empty() {
        println!(
            "\n{} history entries: {made} made layers, {empty} changed only metadata (empty_layer); {} layers{}.",
            h.entries.len(),
            h.layer_count,
            h.total_size.map_or(String::new(), |s| format!(", {} to pull (compressed)", output::size(s)))
        );
        println!(
            "Oldest first. SIZE is the compressed layer blob. {MISSING}: like `docker history`, only the image \
             itself has an ID (its config digest); the steps before it were built elsewhere and arrive as layers, \
             not as images, so they have none."
        );
    }
    if let Some(note) = &h.note {
        println!("note: {note}");
    }
    Ok(())
}

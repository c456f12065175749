//! `imagekit layers SOURCE`: each layer of an image, what it did to the merged view, and what
//! it costs. The point of Topic 07 in one table: a layer that deletes a file adds a few bytes
//! of whiteout and removes nothing from the layers below, so the image never shrinks.

use imagekit::apply::{NodeKind, Tree};
use imagekit::layer::Limits;
use imagekit::Digest;
use serde::Serialize;

use crate::output::{self, Table};
use crate::target::SourceArgs;

#[derive(clap::Args)]
pub struct Args {
    /// Any source that holds layer bytes (oci:DIR, oci-archive:FILE, docker-archive:FILE, docker://REF, store:REF).
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Serialize)]
struct LayerRow {
    index: usize,
    digest: Digest,
    diff_id: Digest,
    size: u64,
    uncompressed_size: u64,
    added: usize,
    changed: usize,
    deleted: usize,
    /// Uncompressed bytes of the files this layer deleted: still stored (and pulled) below.
    deleted_bytes_still_shipped: u64,
    created_by: Option<String>,
}

#[derive(Serialize)]
struct Summary {
    /// Which source answered.
    source: String,
    manifest: Digest,
    layers: Vec<LayerRow>,
    /// What a pull transfers for layers: the sum of compressed blob sizes.
    total_size: u64,
    total_uncompressed_size: u64,
    /// Bytes of the files a container actually sees in the merged view.
    merged_view_size: u64,
    merged_view_files: usize,
    deleted_bytes_still_shipped: u64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (image, source) = args.source.open()?.into_image("layers")?;
    let limits = Limits::default();
    let created_by: Vec<Option<String>> = {
        let config = &image.config.value;
        let mut by_layer = vec![None; config.rootfs.diff_ids.len()];
        for (layer, h) in config.history_layers() {
            if let Some(slot) = layer.and_then(|i| by_layer.get_mut(i)) {
                *slot = h.created_by.clone();
            }
        }
        by_layer
    };

    let mut tree = Tree::new();
    let mut rows = Vec::new();
    for (i, desc) in image.layers().iter().enumerate() {
        // Blob digest and diff_id are both checked in the pass that applies the layer.
        let changes = image.read_layer(i, |blob, name| {
            let changes = tree.apply_layer_named(blob, i, name, &limits)?;
            let diff_id = changes.summary.diff_id.clone();
            Ok((changes, diff_id))
        })?;
        // Count files, not the directories a layer re-declares as parents of what it adds.
        let files =
            |paths: &[String]| paths.iter().filter(|p| tree.get(p).is_some_and(|n| n.kind != NodeKind::Dir)).count();
        rows.push(LayerRow {
            index: i,
            digest: desc.digest.clone(),
            diff_id: changes.summary.diff_id.clone(),
            size: desc.size,
            uncompressed_size: changes.summary.uncompressed_size,
            added: files(&changes.added),
            changed: files(&changes.changed),
            deleted: changes.deleted.len() + changes.opaque.len(),
            deleted_bytes_still_shipped: changes.hidden_bytes(),
            created_by: created_by.get(i).cloned().flatten(),
        });
    }
    let files = tree.iter().filter(|(_, n)| n.kind == NodeKind::File);
    let (merged_view_files, merged_view_size) =
        files.fold((0, 0), |(count, bytes), (_, n)| (count + 1, bytes + n.size));
    let summary = Summary {
        source,
        manifest: image.descriptor.digest.clone(),
        total_size: rows.iter().map(|r| r.size).sum(),
        total_uncompressed_size: rows.iter().map(|r| r.uncompressed_size).sum(),
        merged_view_size,
        merged_view_files,
        deleted_bytes_still_shipped: rows.iter().map(|r| r.deleted_bytes_still_shipped).sum(),
        layers: rows,
    };
    if output::json_mode() {
        return output::json(&summary);
    }
    print_table(&summary)
}

fn print_table(s: &Summary) -> anyhow::Result<()> {
    // diff_ids are in --json; the table keeps to what this command is about: sizes and changes.
    let mut table = Table::new(&[
        ">#",
        "DIGEST",
        ">SIZE",
        ">UNPACKED",
        ">ADDED",
        ">CHANGED",
        ">DELETED",
        ">STILL SHIPPED",
        "CREATED BY",
    ]);
    for r in &s.layers {
        table.row(vec![
            r.index.to_string(),
            output::short(&r.digest),
            output::size(r.size),
            output::size(r.uncompressed_size),
            r.added.to_string(),
            r.changed.to_string(),
            r.deleted.to_string(),
            if r.deleted == 0 { "-".to_string() } else { output::size(r.deleted_bytes_still_shipped) },
            r.created_by.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    table.print()?;
    println!("\nsource: {}; every blob and diff_id verified", s.source);
    println!(
        "{} layers: {} to pull ({} unpacked); the merged view holds {} files, {}.",
        s.layers.len(),
        output::size(s.total_size),
        output::size(s.total_uncompressed_size),
        s.merged_view_files,
        output::size(s.merged_view_size)
    );
    if s.deleted_bytes_still_shipped > 0 {
        println!(
            "Deleted files still shipped in lower layers: {} (uncompressed). Deleting never shrinks an image.",
            output::size(s.deleted_bytes_still_shipped)
        );
    }
    Ok(())
}

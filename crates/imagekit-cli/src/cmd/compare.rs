//! `imagekit compare A B`: two images side by side — size, layer count, the layers they share
//! (same digest: stored and pulled once) and their common base (the longest shared prefix of
//! layers, which is what a shared `FROM` buys; with diff_ids, its ChainID too).

use anyhow::Context;
use imagekit::chain::chain_ids;
use imagekit::Digest;
use serde::Serialize;

use crate::cmd::store::StoreDir;
use crate::output::{self, Table};
use crate::target::{self, SourceArgs, Target};

#[derive(clap::Args)]
pub struct Args {
    /// First image: any source (oci:DIR, docker-archive:FILE, docker://REF, store:REF…) or a
    /// snapshot reference (postgres:16, alpine:3.21@2026-09-17).
    a: String,
    /// Second image.
    b: String,
    /// The tag inside a layout (applies to both sides that are layouts; optional when a layout holds one image).
    #[arg(long)]
    tag: Option<String>,
    /// For snapshot references: the records on or before this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    at: Option<String>,
    /// The platform to pick from multi-platform indexes (default linux/amd64).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    platform: Option<String>,
    #[command(flatten)]
    store: StoreDir,
}

#[derive(Serialize)]
struct Side {
    name: String,
    source: String,
    /// The base as the record's history names it (snapshot records only).
    base: Option<String>,
    layers: Vec<LayerInfo>,
    layer_count: usize,
    /// Σ compressed layer sizes: what a pull transfers.
    size: u64,
    /// From the config (layouts); the snapshot does not record them.
    diff_ids: Option<Vec<Digest>>,
}

#[derive(Serialize, Clone)]
struct LayerInfo {
    digest: Digest,
    size: u64,
}

#[derive(Serialize)]
struct Shared {
    digest: Digest,
    size: u64,
    index_a: usize,
    index_b: usize,
}

#[derive(Serialize)]
struct Comparison {
    a: Side,
    b: Side,
    shared_layers: Vec<Shared>,
    shared_bytes: u64,
    /// Layers 0..n are identical (by digest) in both.
    common_base_layers: usize,
    common_base_bytes: u64,
    /// ChainID of the common base, when both sides have diff_ids.
    common_base_chain_id: Option<Digest>,
    /// What pulling both costs when shared layers are fetched once.
    both_size: u64,
    notes: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let a = side(&args.a, &args)?;
    let b = side(&args.b, &args)?;
    let c = compare(a, b);
    if output::json_mode() {
        return output::json(&c);
    }
    print(&c)
}

fn side(arg: &str, args: &Args) -> anyhow::Result<Side> {
    let mut source = SourceArgs::of(arg, args.tag.as_deref(), args.at.as_deref());
    source.platform = args.platform.clone();
    source.store = args.store.clone();
    match source.open()? {
        Target::Image { image, source } => {
            let m = &image.manifest.value;
            Ok(Side {
                name: arg.to_string(),
                source: format!("{source} (manifest {})", output::short(&image.descriptor.digest)),
                base: None,
                layers: m.layers.iter().map(|l| LayerInfo { digest: l.digest.clone(), size: l.size }).collect(),
                layer_count: m.layers.len(),
                size: output::total_size(&m.layers).unwrap_or(u64::MAX),
                diff_ids: Some(image.config.value.rootfs.diff_ids.clone()),
            })
        }
        Target::Snapshot { reference, record } => {
            let layers = record.amd64().and_then(|i| i.layers.as_ref()).with_context(|| {
                format!(
                    "the snapshot record {} of {} has no layer list (source: {}); choose a dated record with layers",
                    record.id,
                    reference.familiar(),
                    target::source_line(record)
                )
            })?;
            let layers: Vec<LayerInfo> =
                layers.iter().map(|l| LayerInfo { digest: l.digest.clone(), size: l.size }).collect();
            Ok(Side {
                name: arg.to_string(),
                source: format!("snapshot record {}, linux/amd64 ({})", record.id, target::source_line(record)),
                base: record.base.clone(),
                layer_count: layers.len(),
                size: layers.iter().map(|l| l.size).sum(),
                layers,
                diff_ids: None,
            })
        }
    }
}

fn compare(a: Side, b: Side) -> Comparison {
    let mut shared = Vec::new();
    for (ia, la) in a.layers.iter().enumerate() {
        if let Some(ib) = b.layers.iter().position(|lb| lb.digest == la.digest) {
            if !shared.iter().any(|s: &Shared| s.digest == la.digest) {
                shared.push(Shared { digest: la.digest.clone(), size: la.size, index_a: ia, index_b: ib });
            }
        }
    }
    let prefix = a.layers.iter().zip(&b.layers).take_while(|(x, y)| x.digest == y.digest).count();
    let common_base_bytes = a.layers[..prefix].iter().map(|l| l.size).sum();
    let mut notes = Vec::new();
    let chain = match (&a.diff_ids, &b.diff_ids) {
        _ if prefix == 0 => None,
        (Some(da), Some(db)) if da.len() >= prefix && db.len() >= prefix && da[..prefix] == db[..prefix] => {
            chain_ids(&da[..prefix]).pop()
        }
        (Some(_), Some(_)) => {
            notes.push("the shared layers' diff_ids differ between the two configs: no common ChainID".into());
            None
        }
        _ => {
            notes.push("ChainID needs the configs' diff_ids, which the snapshot records do not hold".into());
            None
        }
    };
    let shared_bytes: u64 = shared.iter().map(|s| s.size).sum();
    if shared.is_empty() {
        let bases = match (&a.base, &b.base) {
            (Some(x), Some(y)) => format!(" (bases per history: {x:?} vs {y:?})"),
            _ => String::new(),
        };
        notes.push(format!(
            "no layer in common: nothing is stored or pulled once for both{bases}. A different base \
             shares nothing, and neither does the same base rebuilt: a new rootfs tarball is new bytes, \
             so a new digest"
        ));
    }
    Comparison {
        both_size: a.size + b.size - shared_bytes,
        a,
        b,
        shared_bytes,
        shared_layers: shared,
        common_base_layers: prefix,
        common_base_bytes,
        common_base_chain_id: chain,
        notes,
    }
}

fn print(c: &Comparison) -> anyhow::Result<()> {
    let mut t = Table::new(&["", "IMAGE", ">LAYERS", ">SIZE", "SOURCE"]);
    for (label, s) in [("A", &c.a), ("B", &c.b)] {
        t.row(vec![label.into(), s.name.clone(), s.layer_count.to_string(), output::size(s.size), s.source.clone()]);
    }
    t.print()?;
    for (label, s) in [("A", &c.a), ("B", &c.b)] {
        if let Some(base) = &s.base {
            println!("base of {label}: {base}");
        }
    }
    if c.shared_layers.is_empty() {
        println!("\nshared layers: none; pulling both transfers {}, each layer once", output::size(c.both_size));
    } else {
        println!(
            "\nshared layers: {} ({}); pulling both transfers {} instead of {}",
            c.shared_layers.len(),
            output::size(c.shared_bytes),
            output::size(c.both_size),
            output::size(c.a.size + c.b.size)
        );
    }
    if !c.shared_layers.is_empty() {
        let mut t = Table::new(&["DIGEST", ">SIZE", ">IN A", ">IN B"]);
        for s in &c.shared_layers {
            t.row(vec![s.digest.to_string(), output::size(s.size), s.index_a.to_string(), s.index_b.to_string()]);
        }
        t.print()?;
    }
    if c.common_base_layers > 0 {
        println!(
            "common base: the first {} layer(s), {}{}",
            c.common_base_layers,
            output::size(c.common_base_bytes),
            c.common_base_chain_id.as_ref().map_or(String::new(), |id| format!(", ChainID {id}"))
        );
    } else {
        println!("common base: none (the bottom layers differ)");
    }
    for n in &c.notes {
        println!("note: {n}");
    }
    Ok(())
}

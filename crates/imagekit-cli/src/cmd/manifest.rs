//! `imagekit manifest SOURCE`: walk index → platform → manifest → config and layers.

use anyhow::Context;
use imagekit::image::Image;
use imagekit::media;
use imagekit::{Descriptor, Digest, Platform};
use serde::Serialize;

use crate::output::{self, Table};
use crate::target::{self, SourceArgs, Target};

#[derive(clap::Args)]
pub struct Args {
    /// Which platform an index picks: the first matching entry wins (default linux/amd64).
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Serialize)]
struct Walk {
    source: String,
    index: Option<IndexView>,
    platform: String,
    manifest: ManifestView,
}

#[derive(Serialize)]
struct IndexView {
    digest: Digest,
    media_type: String,
    size: Option<u64>,
    entries: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    platform: String,
    digest: Option<Digest>,
    media_type: Option<String>,
    size: Option<u64>,
    attestation: bool,
    chosen: bool,
}

#[derive(Serialize)]
struct ConfigView {
    digest: Digest,
    size: Option<u64>,
}

#[derive(Serialize)]
struct ManifestView {
    digest: Digest,
    media_type: Option<String>,
    size: Option<u64>,
    config: Option<ConfigView>,
    layers: Vec<Descriptor>,
    /// None when the declared sizes overflow (no real image does).
    total_layer_size: Option<u64>,
    /// Where the values came from: "computed from the bytes" or the snapshot's source.
    provenance: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let wanted = Platform::parse(args.source.platform.as_deref().unwrap_or("linux/amd64"))?;
    let walk = match args.source.open()? {
        Target::Image { image, source } => from_image(&image, &source, &wanted),
        Target::Snapshot { reference, record } => from_snapshot(&reference.familiar(), record, &wanted)?,
    };
    if output::json_mode() {
        return output::json(&walk);
    }
    print(&walk)
}

fn from_image(image: &Image, source: &str, wanted: &Platform) -> Walk {
    let index = image.index.as_ref().map(|raw| IndexView {
        digest: image.top.digest.clone(),
        media_type: image.top.media_type.clone(),
        size: Some(image.top.size),
        entries: raw
            .value
            .manifests
            .iter()
            .map(|d| Entry {
                platform: d.platform.as_ref().map_or("-".into(), |p| p.to_string()),
                digest: Some(d.digest.clone()),
                media_type: Some(d.media_type.clone()),
                size: Some(d.size),
                attestation: imagekit::index::is_attestation(d),
                chosen: d.digest == image.descriptor.digest,
            })
            .collect(),
    });
    let m = &image.manifest.value;
    Walk {
        source: source.to_string(),
        index,
        platform: if image.index.is_some() { wanted.to_string() } else { image.platform() },
        manifest: ManifestView {
            digest: image.manifest.digest().clone(),
            media_type: Some(m.effective_media_type().to_string()),
            size: Some(image.manifest.bytes().len() as u64),
            config: Some(ConfigView { digest: m.config.digest.clone(), size: Some(m.config.size) }),
            layers: m.layers.clone(),
            total_layer_size: output::total_size(&m.layers),
            provenance: "computed from the index, manifest and config bytes (each verified against its digest); \
                         layers not read (`imagekit layers` reads and checks them)"
                .into(),
        },
    }
}

fn from_snapshot(name: &str, record: &'static driftwood::ImageRecord, wanted: &Platform) -> anyhow::Result<Walk> {
    let wanted_str = wanted.to_string();
    // The index lists platforms in order; the first that satisfies the request wins.
    let chosen_platform = record.index.as_ref().and_then(|i| {
        i.platforms.iter().find(|p| !p.is_attestation() && to_platform(p).is_some_and(|p| p.satisfies(wanted))).cloned()
    });
    let image = match &chosen_platform {
        Some(p) => record.image(&p.to_string()),
        None => record.images.iter().find(|i| to_platform(&i.platform).is_some_and(|p| p.satisfies(wanted))),
    };
    let image = image.with_context(|| {
        let recorded: Vec<String> = record.images.iter().map(|i| i.platform.to_string()).collect();
        match (&chosen_platform, &record.index) {
            (Some(p), _) => format!(
                "the index of {name} lists {p}, but the snapshot records the manifests of {} only",
                recorded.join(", ")
            ),
            (None, Some(index)) => {
                let offered: Vec<String> = index.image_platforms().map(|p| p.to_string()).collect();
                format!(
                    "no manifest for platform {wanted_str} in the index of {name} (it offers: {})",
                    offered.join(", ")
                )
            }
            (None, None) => {
                format!("no manifest for platform {wanted_str} in {name} (the snapshot has {})", recorded.join(", "))
            }
        }
    })?;
    let index = record.index.as_ref().map(|i| IndexView {
        digest: i.digest.clone(),
        media_type: i.media_type.clone(),
        size: None,
        entries: i
            .platforms
            .iter()
            .map(|p| {
                let known = record.image(&p.to_string()).filter(|_| !p.is_attestation());
                Entry {
                    platform: p.to_string(),
                    digest: known.map(|k| k.manifest.digest.clone()),
                    media_type: None,
                    size: None,
                    attestation: p.is_attestation(),
                    chosen: Some(p) == chosen_platform.as_ref(),
                }
            })
            .collect(),
    });
    let layers: Vec<Descriptor> =
        image.layers.iter().flatten().map(|l| Descriptor::new(&l.media_type, l.digest.clone(), l.size)).collect();
    let config = image.config_digest.clone().map(|digest| ConfigView { digest, size: None });
    Ok(Walk {
        source: format!("offline snapshot record {} (transcribed from {})", record.id, target::source_line(record)),
        index,
        platform: image.platform.to_string(),
        manifest: ManifestView {
            digest: image.manifest.digest.clone(),
            media_type: image.manifest.media_type.clone().or_else(|| image.manifest.media_type_inferred.clone()),
            size: image.manifest.size,
            config,
            total_layer_size: output::total_size(&layers),
            layers,
            provenance: format!(
                "transcribed, not recomputed: {}",
                record.provenance_of("images").note.clone().unwrap_or_default()
            ),
        },
    })
}

fn to_platform(p: &driftwood::Platform) -> Option<Platform> {
    Platform::parse(&p.to_string()).ok()
}

fn print(w: &Walk) -> anyhow::Result<()> {
    println!("source    {}", w.source);
    if let Some(index) = &w.index {
        let images = index.entries.iter().filter(|e| !e.attestation).count();
        println!(
            "index     {}  {}  ({} entries: {} platforms, {} attestations)",
            index.digest,
            media::describe(&index.media_type),
            index.entries.len(),
            images,
            index.entries.len() - images
        );
        let mut t = Table::new(&["", "PLATFORM", "MANIFEST", ">SIZE"]);
        for e in &index.entries {
            t.row(vec![
                if e.chosen { "→".into() } else { " ".into() },
                if e.attestation { format!("{} (attestation)", e.platform) } else { e.platform.clone() },
                e.digest.as_ref().map_or("(not in the record)".into(), |d| d.to_string()),
                e.size.map_or("-".into(), output::size),
            ]);
        }
        t.print()?;
        println!("→ first entry matching {}", w.platform);
    }
    let m = &w.manifest;
    println!(
        "manifest  {}  {}{}",
        m.digest,
        m.media_type.as_deref().map_or("(media type not recorded)", media::describe),
        m.size.map_or(String::new(), |s| format!(", {s} bytes"))
    );
    if let Some(c) = &m.config {
        let size = c.size.map_or(String::new(), |s| format!(", {s} bytes"));
        println!("config    {}  (the image ID{size})", c.digest);
    }
    if m.layers.is_empty() {
        println!("layers    not recorded in this record (it holds the manifest digest only)");
        println!("values    {}", m.provenance);
        return Ok(());
    }
    let mut t = Table::new(&[">#", "LAYER DIGEST", ">SIZE", "MEDIA TYPE"]);
    for (i, l) in m.layers.iter().enumerate() {
        t.row(vec![i.to_string(), l.digest.to_string(), output::size(l.size), l.media_type.clone()]);
    }
    t.print()?;
    match m.total_layer_size {
        Some(total) => println!("total     {} in {} layers ({total} bytes)", output::size(total), m.layers.len()),
        None => println!("total     {} in {} layers", output::size_or_overflow(None), m.layers.len()),
    }
    println!("values    {}", m.provenance);
    Ok(())
}

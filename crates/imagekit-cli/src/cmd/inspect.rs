//! `imagekit inspect REF|LAYOUT`: what an image is, in one screen — like `skopeo inspect`, but
//! working offline on the Driftwood snapshot, with every value's origin stated.

use imagekit::layout::Layout;

use crate::output;
use crate::target::{self, Target};

#[derive(clap::Args)]
pub struct Args {
    /// A reference in the offline snapshot (e.g. nginx:1.27-alpine, postgres:16) or an OCI layout.
    target: String,
    /// The record on or before this date (YYYY-MM-DD) instead of the newest.
    #[arg(long, value_name = "DATE")]
    at: Option<String>,
    /// The tag inside a layout.
    #[arg(long)]
    tag: Option<String>,
    /// Print JSON (for a snapshot reference: the whole record with its provenance).
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match target::open(&args.target, args.at.as_deref())? {
        Target::Snapshot { reference, record } => {
            if args.json {
                return output::json(record);
            }
            print_record(&reference.to_string(), record);
            Ok(())
        }
        Target::Layout { path, layout } => {
            inspect_layout(&layout, &path.display().to_string(), args.tag.as_deref(), args.json)
        }
    }
}

fn line(label: &str, value: impl std::fmt::Display) {
    // A platform label can be longer than the column (linux/arm64/v8): keep a space after it.
    println!("{label:<11} {value}");
}

fn print_record(name: &str, r: &driftwood::ImageRecord) {
    line("name", name);
    let date = r.date.iso.as_deref().unwrap_or("unknown");
    line("record", format!("{} (dated {date}: {})", r.id, r.date.rule.describe()));
    if let Some(v) = &r.version {
        line("version", v);
    }
    if let Some(b) = &r.base {
        line("base", b);
    }
    if let Some(i) = &r.index {
        let platforms: Vec<String> = i.image_platforms().map(|p| p.to_string()).collect();
        line("index", format!("{}  {}", i.digest, imagekit::media::describe(&i.media_type)));
        line(
            "",
            format!(
                "{} platforms: {}; {} attestation manifests",
                platforms.len(),
                platforms.join(", "),
                i.attestation_count()
            ),
        );
    }
    for image in &r.images {
        line(&image.platform.to_string(), format!("manifest {}", image.manifest.digest));
        if let Some(c) = &image.config_digest {
            line("", format!("image ID {c} (the config's digest)"));
        }
        if let (Some(layers), Some(total)) = (&image.layers, image.total_size) {
            line("", format!("{} layers, {} to pull ({total} bytes, compressed)", layers.len(), output::size(total)));
        }
        if let Some(a) = &image.attestation {
            line("", format!("attestation manifest {}", a.manifest_digest));
        }
    }
    if let Some(c) = &r.config {
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_default();
        if let Some(v) = &c.entrypoint {
            line("entrypoint", json(v));
        }
        if let Some(v) = &c.cmd {
            line("cmd", json(v));
        }
        if let Some(v) = &c.user {
            line("user", v);
        }
        if let Some(v) = &c.working_dir {
            line("workdir", v);
        }
        for (i, e) in c.env.iter().flatten().enumerate() {
            line(if i == 0 { "env" } else { "" }, e);
        }
        if let Some(v) = &c.exposed_ports {
            line("ports", v.join(", "));
        }
        if let Some(v) = &c.volumes {
            line("volumes", v.join(", "));
        }
        for (i, (k, v)) in c.labels.iter().flatten().enumerate() {
            line(if i == 0 { "labels" } else { "" }, format!("{k}={v}"));
        }
        if let Some(v) = &c.stop_signal {
            line("stop signal", v);
        }
    }
    if let Some(h) = &r.history {
        let empty = h.iter().filter(|e| e.empty_layer).count();
        line(
            "history",
            format!(
                "{} entries ({} made layers, {empty} metadata only): imagekit history {name}",
                h.len(),
                h.len() - empty
            ),
        );
    }
    line("source", format!("transcribed from {}", target::source_line(r)));
    for c in &r.caveats {
        line("caveat", c);
    }
}

fn inspect_layout(layout: &Layout, name: &str, tag: Option<&str>, json: bool) -> anyhow::Result<()> {
    let image = layout.image(tag, None)?;
    let config = &image.config.value;
    if json {
        return output::json(&serde_json::json!({
            "layout": name,
            "tags": layout.tags()?,
            "manifest": image.descriptor,
            "config_digest": image.config.digest(),
            "config": config,
            "total_size": image.manifest.value.layers_size(),
        }));
    }
    line("layout", name);
    line("tags", layout.tags()?.join(", "));
    line(
        "manifest",
        format!("{}  {}", image.descriptor.digest, imagekit::media::describe(&image.descriptor.media_type)),
    );
    line("image ID", format!("{} (the config's digest)", image.config.digest()));
    let platform = format!(
        "{}/{}{}",
        config.os,
        config.architecture,
        config.variant.as_deref().map_or(String::new(), |v| format!("/{v}"))
    );
    line("platform", platform);
    line(
        "layers",
        format!("{}, {} to pull", image.manifest.value.layers.len(), output::size(image.manifest.value.layers_size())),
    );
    if let Some(rc) = &config.config {
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_default();
        if let Some(v) = &rc.entrypoint {
            line("entrypoint", json(v));
        }
        if let Some(v) = &rc.cmd {
            line("cmd", json(v));
        }
        for (i, e) in rc.env.iter().flatten().enumerate() {
            line(if i == 0 { "env" } else { "" }, e);
        }
    }
    line("values", "computed from the bytes in the layout (every blob verified)");
    Ok(())
}

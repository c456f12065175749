//! `imagekit inspect REF|LAYOUT`: what an image is, in one screen — like `skopeo inspect`, but
//! working offline on the Driftwood snapshot, with every value's origin stated.

use imagekit::image::Image;

use crate::output;
use crate::target::{self, SourceArgs, Target};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: SourceArgs,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let json = output::json_mode();
    match args.source.open()? {
        Target::Snapshot { reference, record } => {
            if json {
                return output::json(record);
            }
            print_record(&reference.to_string(), record);
            Ok(())
        }
        Target::Image { image, source } => inspect_image(&image, &source, json),
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

fn inspect_image(image: &Image, source: &str, json: bool) -> anyhow::Result<()> {
    let config = &image.config.value;
    let total = output::total_size(image.layers());
    if json {
        return output::json(&serde_json::json!({
            "source": source,
            "top": image.top,
            "manifest": image.descriptor,
            "config_digest": image.config.digest(),
            "config": config,
            "total_size": total,
            "verified": "manifest and config (layers not read: `imagekit layers` or `unpack` reads and checks them)",
        }));
    }
    line("source", source);
    if image.top.digest != image.descriptor.digest {
        line("index", format!("{}  {}", image.top.digest, imagekit::media::describe(&image.top.media_type)));
    }
    line(
        "manifest",
        format!("{}  {}", image.descriptor.digest, imagekit::media::describe(&image.descriptor.media_type)),
    );
    line("image ID", format!("{} (the config's digest)", image.config.digest()));
    line("platform", image.platform());
    line("layers", format!("{}, {} to pull", image.layers().len(), output::size_or_overflow(total)));
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
    line("verified", "manifest and config bytes against their digests; layers not read (`imagekit layers` reads them)");
    Ok(())
}

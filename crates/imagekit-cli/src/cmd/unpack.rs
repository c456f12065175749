//! `imagekit unpack LAYOUT -o ROOTFS`: apply an image's layers in order, honouring whiteouts.

use std::path::PathBuf;

use imagekit::layer::Limits;
use imagekit::layout::Layout;

use crate::cmd::ImageSelector;

#[derive(clap::Args)]
pub struct Args {
    /// The OCI image layout directory.
    layout: PathBuf,
    /// Where to create the merged root filesystem (must not exist, or be empty).
    #[arg(short, long, value_name = "ROOTFS")]
    output: PathBuf,
    #[command(flatten)]
    image: ImageSelector,
    /// Refuse a layer that expands past this many bytes (decompression-bomb guard).
    #[arg(long, value_name = "BYTES")]
    max_layer_size: Option<u64>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let layout = Layout::open(&args.layout)?;
    let image = layout.image(args.image.tag.as_deref(), args.image.platform()?.as_ref())?;
    let mut limits = Limits::default();
    if let Some(max) = args.max_layer_size {
        limits.max_uncompressed = max;
    }
    crate::output::progress(format_args!(
        "unpacking {} layer(s) into {} …",
        image.manifest.value.layers.len(),
        args.output.display()
    ));
    let stats = layout.unpack(&image, &args.output, &limits)?;
    if args.json {
        return crate::output::json(&serde_json::json!({
            "rootfs": args.output.display().to_string(),
            "manifest": image.descriptor.digest,
            "stats": stats,
        }));
    }
    println!(
        "unpacked {} layer(s) of {} into {}: {} files, {} directories, {} symlinks, {} hardlinks, {} whiteouts removing {} paths; {} written",
        stats.layers,
        image.descriptor.digest,
        args.output.display(),
        stats.files,
        stats.dirs,
        stats.symlinks,
        stats.hardlinks,
        stats.whiteouts,
        stats.removed,
        crate::output::size(stats.bytes)
    );
    Ok(())
}

//! `imagekit unpack SOURCE -o ROOTFS`: apply an image's layers in order, honouring whiteouts.

use std::path::PathBuf;

use imagekit::layer::Limits;

use crate::target::SourceArgs;

#[derive(clap::Args)]
pub struct Args {
    /// Any source that holds layer bytes (oci:DIR, oci-archive:FILE, docker-archive:FILE, docker://REF, store:REF).
    #[command(flatten)]
    source: SourceArgs,
    /// Where to create the merged root filesystem (must not exist, or be empty).
    #[arg(short, long, value_name = "ROOTFS")]
    output: PathBuf,
    /// Refuse a layer that expands past this many bytes: its tar, and what it would write
    /// (hardlinks counted at their target's size); a decompression-bomb and disk guard.
    #[arg(long, value_name = "BYTES")]
    max_layer_size: Option<u64>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (image, source) = args.source.open()?.into_image("unpack")?;
    let mut limits = Limits::default();
    if let Some(max) = args.max_layer_size {
        limits.max_uncompressed = max;
        limits.max_expanded = max;
    }
    // Every blob and diff_id is checked in the pass that writes; on any error nothing is left.
    let bar = crate::output::bar(image.layers().len() as u64, false);
    bar.set_message(format!("unpacking into {}", args.output.display()));
    let stats =
        imagekit::unpack::unpack_with_progress(&image, &args.output, &limits, &mut |i, _| bar.set_position(i as u64));
    bar.finish_and_clear();
    let stats = stats?;
    if crate::output::json_mode() {
        return crate::output::json(&serde_json::json!({
            "source": source,
            "rootfs": args.output.display().to_string(),
            "manifest": image.descriptor.digest,
            "stats": stats,
        }));
    }
    println!("source: {source}; every blob and diff_id verified");
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

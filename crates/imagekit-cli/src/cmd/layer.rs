//! `imagekit layer build DIR -o OUT.tar.gz`: one deterministic layer from a directory.

use std::path::PathBuf;

use anyhow::Context;
use imagekit::layer::{self, BuildOptions};
use imagekit::Digest;
use serde::Serialize;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Build a gzip layer from a directory: sorted entries, fixed mtime (SOURCE_DATE_EPOCH or 0),
    /// uid/gid 0, no user names; the same directory always gives the same bytes.
    Build(BuildArgs),
}

#[derive(clap::Args)]
pub struct BuildArgs {
    /// The directory whose contents become the layer (paths are relative to it).
    dir: PathBuf,
    /// Where to write the layer blob (.tar.gz).
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(Serialize)]
struct Built {
    file: String,
    digest: Digest,
    diff_id: Digest,
    size: u64,
    uncompressed_size: u64,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    let Command::Build(args) = command;
    let opts = BuildOptions::from_env();
    let file = std::fs::File::create(&args.output).with_context(|| format!("creating {}", args.output.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let spinner = crate::output::spinner(format!("building a layer from {}:", args.dir.display()), true);
    let info = layer::build_from_dir(&args.dir, &[], &opts, &mut spinner.wrap_write(&mut out))?;
    spinner.finish_and_clear();
    out.into_inner().map_err(|e| e.into_error()).with_context(|| format!("writing {}", args.output.display()))?;
    let built = Built {
        file: args.output.display().to_string(),
        digest: info.digest,
        diff_id: info.diff_id,
        size: info.size,
        uncompressed_size: info.uncompressed_size,
    };
    if crate::output::json_mode() {
        return crate::output::json(&built);
    }
    println!("layer    {}", built.file);
    println!("digest   {}   (SHA-256 of the .tar.gz: names the blob in manifests and registries)", built.digest);
    println!("diff_id  {}   (SHA-256 of the tar inside: listed in the config's rootfs)", built.diff_id);
    println!(
        "size     {} compressed, {} uncompressed ({} / {} bytes)",
        crate::output::size(built.size),
        crate::output::size(built.uncompressed_size),
        built.size,
        built.uncompressed_size
    );
    Ok(())
}

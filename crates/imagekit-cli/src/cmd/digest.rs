//! `imagekit digest FILE…`: the SHA-256 digest of files, in the form registries use.

use std::fs::File;
use std::io;
use std::path::PathBuf;

use anyhow::Context;
use imagekit::Digest;
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Files to hash; `-` reads standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Serialize)]
struct Row {
    file: String,
    digest: Digest,
    size: u64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for file in &args.files {
        let name = file.display().to_string();
        let (digest, size) = if name == "-" {
            Digest::of_reader(io::stdin().lock()).context("reading standard input")?
        } else {
            let f = File::open(file).with_context(|| format!("opening {name}"))?;
            Digest::of_reader(f).with_context(|| format!("reading {name}"))?
        };
        if !crate::output::json_mode() {
            // Same layout as sha256sum: digest, two spaces, name.
            println!("{digest}  {name}");
        }
        rows.push(Row { file: name, digest, size });
    }
    if crate::output::json_mode() {
        crate::output::json(&rows)?;
    }
    Ok(())
}

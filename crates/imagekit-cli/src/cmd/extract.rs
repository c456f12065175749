//! `imagekit extract SOURCE PATH --layer N`: one file out of one layer's blob — including a file
//! a later layer deleted. A whiteout hides a file from the container, not from anyone who pulls
//! the image: this is how a "deleted" secret comes back.
//!
//! The blob is verified while it streams (size, digest, and the config's diff_id); the file goes
//! to a temporary file first and reaches stdout or `-o OUT` only once the whole blob checked out.

use std::fs;
use std::io::{self, Seek, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use imagekit::digest::Sha256Writer;
use imagekit::image::Image;
use imagekit::layer::{EntryKind, Limits};
use imagekit::Digest;
use serde::Serialize;

use crate::target::SourceArgs;

#[derive(clap::Args)]
pub struct Args {
    /// Any source that holds layer bytes (oci:DIR, oci-archive:FILE, docker-archive:FILE, docker://REF, store:REF).
    #[command(flatten)]
    source: SourceArgs,
    /// The file's path in the image (`/root/.ssh/id_rsa` or `root/.ssh/id_rsa`).
    path: String,
    /// Which layer to read it from (0 = the bottom layer; see `imagekit layers` or `imagekit audit`).
    #[arg(long, value_name = "N")]
    layer: usize,
    /// Write the file here instead of stdout (created with the file's permission bits, set-id bits dropped).
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

#[derive(Serialize)]
struct Extracted {
    path: String,
    layer: usize,
    layer_digest: Digest,
    size: u64,
    mode: u32,
    sha256: Digest,
    output: String,
}

/// A file found in a layer, spooled to a temporary file.
pub struct Found {
    pub file: fs::File,
    pub size: u64,
    pub mode: u32,
    pub sha256: Digest,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (image, _) = args.source.open()?.into_image("extract")?;
    let wanted = args.path.trim_start_matches('/').trim_end_matches('/').to_string();
    let layers = &image.manifest.value.layers;
    let desc = layers.get(args.layer).with_context(|| {
        format!(
            "--layer {}: the image has {} layers (0..={})",
            args.layer,
            layers.len(),
            layers.len().saturating_sub(1)
        )
    })?;
    let spool = match args.output.as_deref().and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => tempfile::NamedTempFile::new_in(dir),
        _ => tempfile::NamedTempFile::new(),
    }
    .context("creating a temporary file")?;
    let found = read_file(&image, args.layer, &wanted, spool.reopen()?)?;
    let Some(mut found) = found else {
        let holders = layers_holding(&image, &wanted)?;
        bail!(
            "/{wanted} is not a file in layer {} ({}); {}",
            args.layer,
            desc.digest,
            if holders.is_empty() {
                "no layer of this image has it".to_string()
            } else {
                format!("it is in layer(s) {}", holders.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "))
            }
        );
    };
    found.file.rewind()?;
    match &args.output {
        None => {
            let mut out = io::stdout().lock();
            io::copy(&mut found.file, &mut out)?;
            out.flush()?;
        }
        Some(out) => {
            fs::set_permissions(spool.path(), fs::Permissions::from_mode(found.mode & 0o777))?;
            crate::output::install_file(spool, out)?;
            let info = Extracted {
                path: format!("/{wanted}"),
                layer: args.layer,
                layer_digest: desc.digest.clone(),
                size: found.size,
                mode: found.mode,
                sha256: found.sha256,
                output: out.display().to_string(),
            };
            if crate::output::json_mode() {
                return crate::output::json(&info);
            }
            println!(
                "extracted {} ({}, mode {:04o}, {}) from layer {} ({}) to {}",
                info.path,
                crate::output::size(info.size),
                info.mode,
                info.sha256,
                info.layer,
                crate::output::short(&info.layer_digest),
                info.output
            );
        }
    }
    Ok(())
}

/// Read layer `index` of `image` to its end, verifying the blob and its diff_id, and copy the
/// regular file at `wanted` (a normalized layer path) into `spool`. `None` when the layer has no
/// such file. A hardlink is followed to the entry in the same layer that holds the data.
pub fn read_file(image: &Image, index: usize, wanted: &str, spool: fs::File) -> anyhow::Result<Option<Found>> {
    let mut target = wanted.to_string();
    for _ in 0..2 {
        let mut writer = Some(spool.try_clone()?);
        let mut found: Option<(u64, u32, Digest)> = None;
        let mut hardlink: Option<String> = None;
        image.for_each_entry(index, &Limits::default(), |mut entry| {
            if entry.path != target {
                return Ok(());
            }
            match entry.kind {
                EntryKind::File => {
                    let file = writer.take().expect("one entry per path");
                    let mut hashing = Sha256Writer::new(io::BufWriter::new(file));
                    io::copy(entry.contents(), &mut hashing)
                        .map_err(|e| imagekit::Error::io(format!("copying {:?}", entry.name), e))?;
                    let (digest, size, buffered) = hashing.finish();
                    buffered
                        .into_inner()
                        .map_err(|e| imagekit::Error::io("writing a temporary file", e.into_error()))?;
                    found = Some((size, entry.mode, digest));
                }
                EntryKind::Hardlink => hardlink = entry.link.clone(),
                _ => {}
            }
            Ok(())
        })?;
        if let Some((size, mode, sha256)) = found {
            return Ok(Some(Found { file: spool, size, mode, sha256 }));
        }
        match hardlink {
            Some(link) => target = link,
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// Layers (indexes) whose tar holds a regular file at `wanted`.
fn layers_holding(image: &Image, wanted: &str) -> anyhow::Result<Vec<usize>> {
    let mut out = Vec::new();
    for i in 0..image.layers().len() {
        let mut hit = false;
        image.for_each_entry(i, &Limits::default(), |e| {
            hit |= e.path == wanted && matches!(e.kind, EntryKind::File | EntryKind::Hardlink);
            Ok(())
        })?;
        if hit {
            out.push(i);
        }
    }
    Ok(out)
}

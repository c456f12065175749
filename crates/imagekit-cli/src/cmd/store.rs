//! `imagekit store ls|df|prune|rm|verify`: the local store that `imagekit pull` fills.

use std::path::PathBuf;

use anyhow::Context;
use imagekit::reference::Reference;
use imagekit::registry::store_key;
use imagekit::store::Store;

use crate::output::{self, Table};

/// Where the store is: `--store DIR`, else `$IMAGEKIT_STORE`, else `~/.local/share/imagekit/store`.
#[derive(clap::Args, Debug, Clone)]
pub struct StoreDir {
    /// The store directory (default: $IMAGEKIT_STORE, else ~/.local/share/imagekit/store).
    #[arg(long = "store", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

impl StoreDir {
    pub fn open(&self) -> anyhow::Result<Store> {
        let dir = match &self.dir {
            Some(d) => d.clone(),
            None => Store::default_dir()
                .context("no store directory: pass --store DIR or set IMAGEKIT_STORE (HOME is not set)")?,
        };
        Ok(Store::open(&dir)?)
    }
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// List the tags in the store and what they point to.
    Ls(Args),
    /// What the store holds: per image, shared between images, unreferenced, in total.
    Df(Args),
    /// Remove every blob no tag reaches (and leftovers of interrupted pulls); report what was freed.
    Prune(Args),
    /// Remove a tag (its blobs stay until `prune`).
    Rm(RmArgs),
    /// Hash every blob and compare it with its name; check that every tag reaches a whole image.
    Verify(Args),
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreDir,
}

#[derive(clap::Args)]
pub struct RmArgs {
    /// The reference, as `store ls` shows it (or any spelling that normalizes to it).
    reference: String,
    #[command(flatten)]
    store: StoreDir,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Ls(args) => ls(args),
        Command::Df(args) => df(args),
        Command::Prune(args) => prune(args),
        Command::Rm(args) => rm(args),
        Command::Verify(args) => verify(args),
    }
}

fn ls(args: Args) -> anyhow::Result<()> {
    let store = args.store.open()?;
    let usage = store.df()?;
    if crate::output::json_mode() {
        return output::json(&usage.images);
    }
    let mut table = Table::new(&["REFERENCE", "DIGEST", "TYPE", ">BLOBS", ">SIZE"]);
    for image in &usage.images {
        table.row(vec![
            image.reference.clone(),
            output::short(&image.digest),
            imagekit::media::describe(&image.media_type).to_string(),
            image.blobs.to_string(),
            output::size(image.bytes),
        ]);
    }
    table.print()?;
    Ok(())
}

fn df(args: Args) -> anyhow::Result<()> {
    let store = args.store.open()?;
    let usage = store.df()?;
    if crate::output::json_mode() {
        return output::json(&usage);
    }
    println!("store {}", usage.root);
    let mut table = Table::new(&["REFERENCE", "DIGEST", ">BLOBS", ">SIZE", ">SHARED", ">UNIQUE"]);
    for image in &usage.images {
        table.row(vec![
            image.reference.clone(),
            output::short(&image.digest),
            image.blobs.to_string(),
            output::size(image.bytes),
            output::size(image.shared_bytes),
            output::size(image.unique_bytes),
        ]);
    }
    table.print()?;
    println!(
        "\nshared: {} blob(s), {} stored once for several images",
        usage.shared.len(),
        output::size(usage.shared_bytes)
    );
    for blob in &usage.shared {
        println!("  {}  {:>8}  used by {}", output::short(&blob.digest), output::size(blob.size), blob.tags.join(", "));
    }
    println!(
        "unreferenced: {} blob(s), {} (no tag reaches them: `imagekit store prune` removes them)",
        usage.unreferenced.len(),
        output::size(usage.unreferenced_bytes)
    );
    if usage.ingest_files > 0 {
        println!(
            "interrupted downloads: {} file(s), {} under ingest/",
            usage.ingest_files,
            output::size(usage.ingest_bytes)
        );
    }
    println!(
        "total: {} blob(s), {} on disk ({} if nothing were shared)",
        usage.blobs,
        output::size(usage.bytes),
        output::size(usage.logical_bytes)
    );
    Ok(())
}

fn prune(args: Args) -> anyhow::Result<()> {
    let store = args.store.open()?;
    output::progress("waiting until no other imagekit process uses the store …");
    let report = store.prune()?;
    if crate::output::json_mode() {
        return output::json(&report);
    }
    for blob in &report.removed {
        println!("removed {}  {}", blob.digest, output::size(blob.size));
    }
    println!(
        "freed {} in {} blob(s){}; kept {} blob(s), {}",
        output::size(report.freed_bytes),
        report.removed.len(),
        if report.ingest_removed > 0 {
            format!(" (+ {} in {} interrupted download(s))", output::size(report.ingest_bytes), report.ingest_removed)
        } else {
            String::new()
        },
        report.kept_blobs,
        output::size(report.kept_bytes)
    );
    Ok(())
}

fn rm(args: RmArgs) -> anyhow::Result<()> {
    let store = args.store.open()?;
    let tags = store.tags()?;
    let key = if tags.contains_key(&args.reference) {
        args.reference.clone()
    } else {
        store_key(&Reference::parse(&args.reference)?)
    };
    let desc = store.untag(&key)?;
    if crate::output::json_mode() {
        return output::json(&serde_json::json!({ "untagged": key, "digest": desc.digest }));
    }
    println!("untagged {key} ({}); its blobs stay until `imagekit store prune`", desc.digest);
    Ok(())
}

fn verify(args: Args) -> anyhow::Result<()> {
    let store = args.store.open()?;
    let report = store.verify()?;
    if crate::output::json_mode() {
        return output::json(
            &serde_json::json!({ "store": store.root().display().to_string(), "ok": true, "checked": report }),
        );
    }
    println!(
        "ok: {} — {} blob(s), {} verified; {} tag(s) reach whole images",
        store.root().display(),
        report.blobs,
        output::size(report.bytes),
        report.tags
    );
    if report.leftovers > 0 {
        println!(
            "leftovers: {} file(s), {}, in ingest/ from interrupted pulls; the next pull (or prune) removes them",
            report.leftovers,
            output::size(report.leftover_bytes)
        );
    }
    Ok(())
}

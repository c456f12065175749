//! `imagekit layout verify LAYOUT`: check every blob and every reference of an OCI layout.

use std::path::PathBuf;

use imagekit::layer::Limits;
use imagekit::layout::Layout;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Check every blob's size and digest, every reference, and every layer's diff_id.
    /// Exits 1 naming the first mismatch (expected vs actual).
    Verify(VerifyArgs),
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The OCI image layout directory.
    layout: PathBuf,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    let Command::Verify(args) = command;
    let layout = Layout::open(&args.layout)?;
    let report = layout.verify(&Limits::default())?;
    if crate::output::json_mode() {
        return crate::output::json(
            &serde_json::json!({ "layout": args.layout.display().to_string(), "ok": true, "checked": report }),
        );
    }
    println!(
        "ok: {} — {} index(es), {} manifest(s), {} config(s), {} layer(s), {} other blob(s); {} verified",
        args.layout.display(),
        report.indexes,
        report.manifests,
        report.configs,
        report.layers,
        report.other_blobs,
        crate::output::size(report.bytes)
    );
    if !report.leftovers.is_empty() {
        let bytes: u64 = report.leftovers.iter().map(|l| l.size).sum();
        println!(
            "leftovers: {} temporary file(s), {}, of writes that were interrupted; the next write removes them",
            report.leftovers.len(),
            crate::output::size(bytes)
        );
    }
    Ok(())
}

//! `imagekit`: the workbook's command line. Instructors type it; the book's cmdrun lines run it.
//!
//! Conventions: inspecting verbs take `--json`; errors go to stderr as `error: …` with their
//! causes on the same line; exit 0 ok, 1 failure, 2 usage.

mod cmd;
mod output;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "imagekit",
    version,
    about = "Build, verify, unpack and inspect container images",
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the SHA-256 digest of files (`-` for stdin), as `sha256:<hex>  FILE`.
    Digest(cmd::digest::Args),
    /// Build single layers.
    #[command(subcommand)]
    Layer(cmd::layer::Command),
    /// Build images into OCI image layouts.
    #[command(subcommand)]
    Image(cmd::image::Command),
    /// Work with OCI image layouts.
    #[command(subcommand)]
    Layout(cmd::layout::Command),
    /// Apply an image's layers, in order and with whiteouts, into a root filesystem.
    Unpack(cmd::unpack::Args),
    /// List an image's layers: sizes, files added/changed/deleted, what deletions still cost.
    Layers(cmd::layers::Args),
}

fn main() {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let sub = matches.subcommand().map(|(_, m)| m).expect("a subcommand is required");
    let result = match cli.command {
        Command::Digest(args) => cmd::digest::run(args),
        Command::Layer(c) => cmd::layer::run(c),
        Command::Image(c) => cmd::image::run(c, sub),
        Command::Layout(c) => cmd::layout::run(c),
        Command::Unpack(args) => cmd::unpack::run(args),
        Command::Layers(args) => cmd::layers::run(args),
    };
    if let Err(e) = result {
        // `{:#}` joins the cause chain on one line: "error: reading x: permission denied".
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

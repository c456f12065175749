//! `imagekit`: the workbook's command line. Instructors type it; the book's cmdrun lines run it.
//!
//! Conventions: `--json` is global (every inspecting verb honours it); errors go to stderr as `error: …` with their
//! causes on the same line; exit 0 ok, 1 failure, 2 usage.

mod cmd;
mod compose;
mod output;
mod target;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "imagekit",
    version,
    about = "Build, verify, unpack and inspect container images",
    max_term_width = 100
)]
struct Cli {
    /// Print JSON instead of text (every inspecting verb).
    #[arg(long, global = true)]
    json: bool,
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
    /// Walk index → platform → manifest → config and layers (a layout, or a snapshot reference).
    Manifest(cmd::manifest::Args),
    /// Summarize an image: digests, platforms, config, provenance (works offline on the snapshot).
    Inspect(cmd::inspect::Args),
    /// Image references: parse and normalize.
    #[command(subcommand, name = "ref")]
    Ref(cmd::reference::Command),
    /// Pin a compose file's `image:` references to digests (name:tag@sha256:…).
    Pin(cmd::pin::Args),
    /// Report pins that no longer match what their tag points to on a date, and why.
    Drift(cmd::drift::Args),
    /// Upload an image from an OCI layout to a registry (blobs, then manifests, then the tag).
    Push(cmd::push::Args),
    /// Fetch an image from a registry into the local store, only the blobs it lacks.
    Pull(cmd::pull::Args),
    /// The local store that pulls fill: ls, df, prune, rm, verify.
    #[command(subcommand)]
    Store(cmd::store::Command),
    /// Build history matched to layers: empty_layer steps marked, each layer's size, <missing> explained.
    History(cmd::history::Args),
    /// The image config, readable: Env, Entrypoint, Cmd, User, ports, labels, diff_ids (`--json`: exact bytes).
    Config(cmd::config::Args),
    /// Audit an image: secrets in config/history, deleted and overwritten files, modes, efficiency.
    Audit(cmd::audit::Args),
    /// Recover one file from one layer's blob, even one a later layer deleted (stdout or -o).
    Extract(cmd::extract::Args),
    /// Which C library (musl, glibc, none) and dynamic loader an image ships.
    Libc(cmd::libc::Args),
    /// Copy an image between sources (oci:, oci-archive:, docker-archive:, store:, docker://), every blob verified.
    Copy(cmd::copy::Args),
    /// Compare two images: size, layer count, shared layers, common base (layouts or snapshot records).
    Compare(cmd::compare::Args),
}

fn main() {
    // Die quietly on a closed pipe (`imagekit … | head`), as Unix tools do, instead of
    // panicking in `println!`: Rust ignores SIGPIPE by default.
    sigpipe::reset();
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    output::set_json_mode(cli.json);
    let sub = matches.subcommand().map(|(_, m)| m).expect("a subcommand is required");
    let result = match cli.command {
        Command::Digest(args) => cmd::digest::run(args),
        Command::Layer(c) => cmd::layer::run(c),
        Command::Image(c) => cmd::image::run(c, sub),
        Command::Layout(c) => cmd::layout::run(c),
        Command::Unpack(args) => cmd::unpack::run(args),
        Command::Layers(args) => cmd::layers::run(args),
        Command::Manifest(args) => cmd::manifest::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Ref(c) => cmd::reference::run(c),
        Command::Pin(args) => cmd::pin::run(args),
        Command::Drift(args) => cmd::drift::run(args),
        Command::Push(args) => cmd::push::run(args),
        Command::Pull(args) => cmd::pull::run(args),
        Command::Store(c) => cmd::store::run(c),
        Command::History(args) => cmd::history::run(args),
        Command::Config(args) => cmd::config::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Extract(args) => cmd::extract::run(args),
        Command::Libc(args) => cmd::libc::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Copy(args) => cmd::copy::run(args),
    };
    if let Err(e) = result {
        // `{:#}` joins the cause chain on one line: "error: reading x: permission denied".
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

//! The workbook's benchmarks (`cargo xtask bench [PART]`, which runs this binary): imagekit, the
//! book's tooling and the in-page WebAssembly, each against the standard tool in the same run,
//! reported as ratios (docs/benchmarks.md). A crate of its own so that the task runner stays a
//! small tool; it reuses xtask's library for running commands, building imagekit and the book's
//! WebAssembly.

mod book;
mod digest;
mod explorer;
mod generators;
mod layer;
mod measure;
mod pull;
mod sources;
mod tools;
mod widget;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask bench",
    bin_name = "cargo xtask bench",
    about = "Benchmarks against the standard tools; without a part: digest, layer build and pull \
             against openssl, sha256sum, gzip, pigz, skopeo"
)]
struct Cli {
    #[command(subcommand)]
    part: Option<Part>,
}

#[derive(Subcommand)]
enum Part {
    /// The image explorer: .wasm size, the 199 MB bench image in the page vs imagekit layers +
    /// audit natively, peak wasm memory
    Explorer,
    /// The image model: unpack vs umoci, docker-archive vs skopeo, docker:// requests
    Sources,
    /// Book build (every figure run, and replayed) and serve's reload time
    Book,
    /// The digest widget: .wasm size, keystroke latency, in-page hashing speed
    Widget,
}

fn main() -> ExitCode {
    xtask::util::forget_cargo_run_env();
    let cli = Cli::parse();
    let root = &xtask::util::root();
    let result = match cli.part {
        None => tools::bench(root),
        Some(Part::Sources) => sources::bench(root),
        Some(Part::Book) => book::bench(root),
        Some(Part::Widget) => widget::bench(root),
        Some(Part::Explorer) => explorer::bench(root),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

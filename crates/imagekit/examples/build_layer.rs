//! Build a layer from a directory and report time, size and digests: a quick way to compare
//! with `tar -cf - -C DIR . | pigz -p2 | wc -c`.
//!
//! `cargo run --release -p imagekit --example build_layer -- DIR [THREADS] [OUT] [LEVEL]`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: build_layer DIR [THREADS] [OUT]")?;
    let mut opts = imagekit::layer::BuildOptions::from_env();
    if let Some(t) = args.next() {
        opts.threads = t.parse()?;
    }
    let out: Box<dyn std::io::Write> = match args.next().filter(|p| p != "-") {
        Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(path)?)),
        None => Box::new(std::io::sink()),
    };
    if let Some(level) = args.next() {
        opts.level = level.parse()?;
    }
    let start = Instant::now();
    let info = imagekit::layer::build_from_dir(dir.as_ref(), &[], &opts, out)?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "threads={} level={} time={secs:.2}s tar={} gzip={} ({:.1} MB/s of tar)\ndigest={}\ndiff_id={}",
        opts.threads,
        opts.level,
        info.uncompressed_size,
        info.size,
        info.uncompressed_size as f64 / secs / 1e6,
        info.digest,
        info.diff_id
    );
    Ok(())
}

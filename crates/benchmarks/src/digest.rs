//! (a) SHA-256 of a 512 MiB file: `imagekit digest`, `openssl dgst -sha256`, `sha256sum`.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::generators::{Rng, GENERATOR};
use crate::measure::*;
use xtask::util::{self, bail, Context, Result};

const DIGEST_FILE_BYTES: u64 = 512 << 20;

pub fn random_file(dir: &Path) -> Result<PathBuf> {
    let path = dir.join(format!("random-512MiB-{GENERATOR}.bin"));
    if fs::metadata(&path).is_ok_and(|m| m.len() == DIGEST_FILE_BYTES) {
        return Ok(path);
    }
    eprintln!("writing {} (512 MiB of pseudo-random data)…", path.display());
    let tmp = path.with_extension("tmp");
    let mut file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut rng = Rng(0xD21F_7D05);
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..(DIGEST_FILE_BYTES >> 20) {
        rng.fill(&mut buf);
        file.write_all(&buf).with_context(|| format!("writing {}", tmp.display()))?;
    }
    drop(file);
    fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

pub fn digest_bench(imagekit: &Path, dir: &Path) -> Result<String> {
    util::header("digest: SHA-256 of 512 MiB");
    let file = random_file(dir)?;
    warm(&file)?;

    // (tool, command shown, time, hex digest)
    let mut rows: Vec<(&str, String, Duration, String)> = Vec::new();
    let (time, out) = best_of(|| {
        let mut c = Command::new(imagekit);
        c.arg("digest").arg(&file);
        c
    })?;
    // `sha256:<hex>  FILE`
    let hex = out.split_whitespace().next().unwrap_or("").trim_start_matches("sha256:");
    rows.push(("imagekit", "imagekit digest FILE".into(), time, hex.into()));

    if !missing_tool("openssl") {
        let (time, out) = best_of(|| {
            let mut c = Command::new("openssl");
            c.args(["dgst", "-sha256"]).arg(&file);
            c
        })?;
        // `SHA2-256(FILE)= <hex>`
        let hex = out.rsplit("= ").next().unwrap_or("").trim();
        rows.push(("openssl", "openssl dgst -sha256 FILE".into(), time, hex.into()));
    }
    if !missing_tool("sha256sum") {
        let (time, out) = best_of(|| {
            let mut c = Command::new("sha256sum");
            c.arg(&file);
            c
        })?;
        let hex = out.split_whitespace().next().unwrap_or("");
        rows.push(("sha256sum", "sha256sum FILE".into(), time, hex.into()));
    }

    let reference = &rows[0].3;
    for (tool, _, _, hex) in &rows {
        if hex != reference || hex.len() != 64 {
            bail!("digests disagree: imagekit says {reference:?}, {tool} says {hex:?}");
        }
    }

    let openssl = rows.iter().find(|r| r.0 == "openssl").map(|r| r.2.as_secs_f64());
    let mut md = String::from(
        "## Digest: SHA-256 of 512 MiB of pseudo-random data\n\n\
         | tool | command | best of 3 | GB/s | speed vs openssl |\n\
         | --- | --- | ---: | ---: | ---: |\n",
    );
    for (tool, command, time, _) in &rows {
        let secs = time.as_secs_f64();
        let _ = writeln!(
            md,
            "| {tool} | `{command}` | {secs:.3} s | {:.2} | {} |",
            DIGEST_FILE_BYTES as f64 / secs / 1e9,
            openssl.map_or("-".into(), |o| format!("{:.2}×", o / secs))
        );
    }
    let _ = writeln!(md, "\nAll {} digests agree: `sha256:{reference}`.\n", rows.len());
    Ok(md)
}

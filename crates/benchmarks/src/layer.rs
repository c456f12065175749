//! (b) A gzipped layer from the ~200 MB tree: `imagekit layer build`, `tar -czf`, `tar | pigz -p2`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::generators::layer_tree;
use crate::measure::*;
use xtask::util::{self, bail, Context, Result};

pub fn layer_bench(imagekit: &Path, dir: &Path) -> Result<String> {
    util::header("layer build: a gzipped tar of ~200 MB");
    let (tree, files, tree_bytes) = layer_tree(dir)?;
    let out = dir.join("out");
    util::fresh_dir(&out)?;
    warm_tree(&tree)?;

    // (tool, command shown, time, output size)
    let mut rows: Vec<(&str, String, Duration, u64)> = Vec::new();

    let blob = out.join("imagekit.tar.gz");
    let (time, printed) = best_of(|| {
        let mut c = Command::new(imagekit);
        c.args(["layer", "build"]).arg(&tree).arg("-o").arg(&blob);
        c
    })?;
    check_layer(&blob, &printed)?;
    rows.push(("imagekit", "imagekit layer build TREE -o OUT".into(), time, size(&blob)?));

    let gz = out.join("tar-gzip.tar.gz");
    let (time, _) = best_of(|| {
        let mut c = Command::new("tar");
        c.arg("-czf").arg(&gz).arg("-C").arg(&tree).arg(".");
        c
    })?;
    rows.push(("tar + gzip", "tar -czf OUT -C TREE .".into(), time, size(&gz)?));

    if !missing_tool("pigz") {
        let pz = out.join("pigz.tar.gz");
        let script = format!("set -o pipefail; tar -cf - -C {} . | pigz -p2 > {}", quote(&tree), quote(&pz));
        let (time, _) = best_of(|| {
            let mut c = Command::new("bash");
            c.args(["-c", &script]);
            c
        })?;
        rows.push(("tar + pigz", "tar -cf - -C TREE . | pigz -p2 > OUT".into(), time, size(&pz)?));
    }

    let pigz = rows.iter().find(|r| r.0 == "tar + pigz").map(|r| (r.2, r.3));
    let mut md = format!(
        "## Layer build: gzipped tar of {files} files, {:.1} MB\n\n\
         The tree: many small config and text files, generated source code, repetitive logs, \
         and about 20% random bytes.\n\n\
         | tool | command | best of 3 | MB/s | output | speed vs pigz | size vs pigz |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: |\n",
        tree_bytes as f64 / 1e6
    );
    for (tool, command, time, out_bytes) in &rows {
        let secs = time.as_secs_f64();
        let (speed, ratio) = match pigz {
            Some((t, s)) => {
                (format!("{:.2}×", t.as_secs_f64() / secs), format!("{:.3}×", *out_bytes as f64 / s as f64))
            }
            None => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            md,
            "| {tool} | `{}` | {secs:.2} s | {:.1} | {:.1} MB | {speed} | {ratio} |",
            command.replace('|', "\\|"),
            tree_bytes as f64 / 1e6 / secs,
            *out_bytes as f64 / 1e6
        );
    }
    md.push_str(
        "\nimagekit's layer was checked: the digest and diff_id it printed match \
         `sha256sum` of the blob and of its decompressed tar.\n",
    );
    Ok(md)
}

pub fn size(path: &Path) -> Result<u64> {
    fs::metadata(path).map(|m| m.len()).with_context(|| format!("reading {}", path.display()))
}

/// The digest (SHA-256 of the blob) and diff_id (SHA-256 of the tar) imagekit printed must be
/// the blob's.
pub fn check_layer(blob: &Path, printed: &str) -> Result {
    let digest = util::output(Command::new("sha256sum").arg(blob))?;
    let digest = digest.split_whitespace().next().unwrap_or("");
    let script = format!("set -o pipefail; gzip -dc {} | sha256sum", quote(blob));
    let diff_id = util::output(Command::new("bash").args(["-c", &script]))?;
    let diff_id = diff_id.split_whitespace().next().unwrap_or("");
    for (what, hex) in [("digest", digest), ("diff_id", diff_id)] {
        if hex.len() != 64 || !printed.contains(hex) {
            bail!("`imagekit layer build` did not print the layer's {what} sha256:{hex}; it printed:\n{printed}");
        }
    }
    Ok(())
}

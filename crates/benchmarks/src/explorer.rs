//! `cargo xtask bench explorer`: the image explorer's module size, and the bench image explored
//! end to end in the page against imagekit natively, with the peak wasm memory.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::widget::{gzip_len, kb};
use xtask::explorer::{build, GENERATED, WASM_BUDGET};
use xtask::util::{self, bail, Context, Result};
use xtask::widget;

/// `cargo xtask bench explorer`: the module's size, and the bench image (the ~200 MB tree of
/// `cargo xtask bench` in five layers) as a `docker-archive`, explored end to end in the page
/// against `imagekit layers` + `imagekit audit` on the same file, with the peak wasm memory.
pub fn bench(root: &Path) -> Result {
    let bin_dir = util::build_cli(root)?;
    let built = build(root, &bin_dir)?;
    let imagekit = bin_dir.join("imagekit");
    let Some(chromium) = widget::browser_tools(root, "explorer benchmark")? else {
        bail!("the explorer benchmark needs node, npm and chromium");
    };
    let dir = util::target_dir(root).join("bench");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let (tree, _, tree_bytes) = crate::generators::layer_tree(&dir)?;
    let work = dir.join("explorer");
    util::fresh_dir(&work)?;
    let mut image = Command::new(&imagekit);
    image.args(["image", "build"]);
    for sub in ["etc", "usr/share", "usr/src", "usr/lib", "var/log"] {
        image.arg("--layer").arg(tree.join(sub));
    }
    util::output(image.args(["--tag", "bench:1", "-o"]).arg(work.join("layout")))?;
    // skopeo writes the classic `docker save` form: each layer an uncompressed tar, so the
    // archive is the tree's ~200 MB, as `docker save` of this image would be.
    let Some(skopeo) = util::which("skopeo") else {
        bail!("the explorer benchmark needs skopeo (apt-get install skopeo)");
    };
    let archive = work.join("bench.docker-archive.tar");
    util::output(
        Command::new(skopeo)
            .args(["copy", "--quiet"])
            .arg(format!("oci:{}:bench:1", work.join("layout").display()))
            .arg(format!("docker-archive:{}:bench:1", archive.display())),
    )?;
    let archive_bytes = fs::metadata(&archive).with_context(|| "reading the archive's size")?.len();

    // Natively: both verbs, as a reader would run them, best of 3.
    let source = format!("docker-archive:{}", archive.display());
    let mut native = std::time::Duration::MAX;
    for _ in 0..3 {
        let start = std::time::Instant::now();
        for verb in ["layers", "audit"] {
            util::output(Command::new(&imagekit).args(["--json", verb]).arg(&source))?;
        }
        native = native.min(start.elapsed());
    }
    let site = root.join("book");
    if !site.join("explorer/gen/image-explorer-wasm.js").is_file() {
        bail!("book/explorer/ is missing: run `cargo xtask build` first");
    }
    let out = util::output(
        Command::new("node")
            .arg(root.join("crates/xtask/browser/explorer.bench.cjs"))
            .env("NODE_PATH", widget::node_dir(root).join("node_modules"))
            .env("CHROMIUM", chromium)
            .env("BOOK_DIR", &site)
            .env("ARCHIVE", &archive),
    )?;
    // The script prints `ms memory longest_task` for its best of 3.
    let numbers: Vec<f64> = out.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    let [page_ms, memory, longest] = numbers[..] else {
        bail!("the explorer benchmark printed {out:?}, not `ms memory longest_task`");
    };
    let native_ms = native.as_secs_f64() * 1000.0;
    let mb = |b: f64| b / 1e6;
    let mut md = String::from("## Image explorer\n\n");
    let _ = writeln!(md, "| file | raw | gzip |\n|---|---:|---:|");
    let wasm_len = fs::metadata(&built.wasm).map_or(0, |m| m.len());
    let _ = writeln!(
        md,
        "| image_explorer.wasm ({}) | {} | {} |",
        if built.optimized { "wasm-opt -Oz" } else { "no wasm-opt" },
        kb(wasm_len),
        kb(gzip_len(&built.wasm)?)
    );
    let script = root.join(GENERATED);
    let _ = writeln!(
        md,
        "| gen/image-explorer-wasm.js (glue + base64 module + worker) | {} | {} |",
        kb(fs::metadata(&script).map_or(0, |m| m.len())),
        kb(gzip_len(&script)?)
    );
    let _ = writeln!(
        md,
        "\nBudget for the `.wasm`: {} KB raw after wasm-opt; {}.\n",
        WASM_BUDGET / 1024,
        if wasm_len <= WASM_BUDGET { "within" } else { "over" }
    );
    let _ = writeln!(
        md,
        "The bench image: the {:.1} MB layer-build tree of `cargo xtask bench` in five layers, as a classic \
         `docker-archive` (skopeo copy; uncompressed layers, as `docker save` writes them) of {:.1} MB.\n",
        mb(tree_bytes as f64),
        mb(archive_bytes as f64)
    );
    let _ = writeln!(md, "| what | best of 3 | vs native |\n|---|---:|---:|");
    let _ = writeln!(
        md,
        "| `imagekit --json layers` + `imagekit --json audit`, native | {:.2} s | 1.00× |",
        native_ms / 1000.0
    );
    let _ = writeln!(
        md,
        "| the explorer page in Chromium (drop to tables, one pass) | {:.2} s | {:.2}× |",
        page_ms / 1000.0,
        page_ms / native_ms
    );
    let _ = writeln!(
        md,
        "\nPeak WebAssembly memory in the worker: {:.1} MB. Longest main-thread task during the runs: {:.0} ms \
         (the Long Tasks API reports tasks over 50 ms; 0 = none).",
        mb(memory),
        longest
    );
    print!("{md}");
    let results = dir.join("explorer.md");
    fs::write(&results, &md).with_context(|| format!("writing {}", results.display()))?;
    println!("written to {}", util::rel(root, &results));
    Ok(())
}

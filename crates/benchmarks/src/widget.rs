//! `cargo xtask bench widget`: the digest widget's shipped sizes, keystroke latency and in-page
//! hashing speed, on a one-page site holding the widget's snippet.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::util::{self, bail, Context, Result};
use xtask::widget::{build, chromium, crate_dir, install_node_tools, node_dir, work_dir, GENERATED, WASM_BUDGET};

/// `cargo xtask bench widget`: sizes, keystroke latency and in-page throughput (on a one-page
/// site holding the widget's snippet, so that it does not depend on the rest of the book).
pub fn bench(root: &Path) -> Result {
    let built = build(root)?;
    let site = bench_site(root)?;
    if !install_node_tools(root)? {
        bail!("the widget benchmark needs node and npm");
    }
    let Some(chromium) = chromium() else {
        bail!("the widget benchmark needs chromium (apt-get install chromium)");
    };
    let imagekit = util::build_cli(root)?.join("imagekit");
    let dir = util::target_dir(root).join("bench");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    let mut md = String::from("## Digest widget\n\n");
    let _ = writeln!(md, "Shipped files (gzip -9 for the compressed size):\n");
    let _ = writeln!(md, "| file | raw | gzip |\n|---|---:|---:|");
    let files = [
        (
            if built.optimized { "digest_widget.wasm (wasm-opt -Oz)" } else { "digest_widget.wasm (no wasm-opt)" },
            built.wasm.clone(),
        ),
        ("gen/digest-widget-wasm.js (glue + base64 module)", built.script.clone()),
        ("theme/widget/digest-widget.js (hand-written)", root.join("theme/widget/digest-widget.js")),
        ("theme/widget/digest-widget.css", root.join("theme/widget/digest-widget.css")),
        ("theme/widget/panel.css (shared with the explorer)", root.join("theme/widget/panel.css")),
    ];
    for (name, path) in &files {
        let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let _ = writeln!(md, "| {name} | {} | {} |", kb(bytes.len() as u64), kb(gzip_len(path)?));
    }
    let _ = writeln!(
        md,
        "\nBudget for the `.wasm`: {} KB raw; {}.\n",
        WASM_BUDGET / 1024,
        if fs::metadata(&built.wasm).map_or(0, |m| m.len()) <= WASM_BUDGET { "within" } else { "over" }
    );
    print!("{md}");
    let out = util::output(
        Command::new("node")
            .arg(crate_dir(root).join("tests/browser/bench.cjs"))
            .env("NODE_PATH", node_dir(root).join("node_modules"))
            .env("CHROMIUM", chromium)
            .env("BOOK_DIR", &site)
            .env("WIDGET_SCRATCH", &dir)
            .env("IMAGEKIT", &imagekit),
    )?;
    print!("{out}");
    md.push_str(&out);
    let results = dir.join("widget.md");
    fs::write(&results, &md).with_context(|| format!("writing {}", results.display()))?;
    println!("written to {}", util::rel(root, &results));
    Ok(())
}

/// A one-page site with the widget's snippet, as the book embeds it (`08-manifests/index.html`
/// beside `widget/`): the benchmark measures the widget, without waiting for the whole book.
fn bench_site(root: &Path) -> Result<PathBuf> {
    let site = work_dir(root).join("bench-site");
    util::fresh_dir(&site)?;
    for dir in ["08-manifests", "widget/gen", "theme/widget"] {
        fs::create_dir_all(site.join(dir)).with_context(|| format!("creating {dir} in the bench site"))?;
    }
    for name in ["theme/widget/digest-widget.js", "theme/widget/panel.css", "theme/widget/digest-widget.css"] {
        fs::copy(root.join(name), site.join(name)).with_context(|| format!("copying {name}"))?;
    }
    fs::copy(root.join(GENERATED), site.join("widget/gen/digest-widget-wasm.js"))
        .with_context(|| format!("copying {GENERATED}"))?;
    let snippet = fs::read_to_string(root.join("src/widget/digest-widget.html"))
        .with_context(|| "reading src/widget/digest-widget.html")?;
    // As mdBook's page template loads additional-css and additional-js.
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>digest widget bench</title>\n\
         <link rel=\"stylesheet\" href=\"../theme/widget/panel.css\">\n\
         <link rel=\"stylesheet\" href=\"../theme/widget/digest-widget.css\"></head>\n\
         <body><main>\n{snippet}</main>\n<script src=\"../theme/widget/digest-widget.js\"></script></body></html>\n"
    );
    fs::write(site.join("08-manifests/index.html"), page).with_context(|| "writing the bench page")?;
    Ok(site)
}

pub fn kb(n: u64) -> String {
    format!("{:.1} KB", n as f64 / 1024.0)
}

pub fn gzip_len(path: &Path) -> Result<u64> {
    let out = Command::new("gzip").arg("-9c").arg(path).output().context("running gzip")?;
    if !out.status.success() {
        bail!("gzip -9c {} failed", path.display());
    }
    Ok(out.stdout.len() as u64)
}

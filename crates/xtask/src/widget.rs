//! The digest widget (crates/digest-widget): build it into the book, test it, benchmark it.
//!
//! `build` compiles the crate to wasm32, runs wasm-bindgen (`--target no-modules`), shrinks the
//! module with wasm-opt (npm's `binaryen`: Debian's binaryen 108 breaks wasm-bindgen's externref
//! table), and writes `src/widget/gen/digest-widget-wasm.js` (git-ignored): the glue plus the
//! module as base64. Inlined bytes, not a `.wasm` beside it, because a page opened from disk
//! (`file://`) cannot `fetch()` a `.wasm` in Chromium. mdBook copies `src/widget/` into `book/`
//! unhashed; the page script (`theme/widget/digest-widget.js`, book.toml's additional-js) finds
//! `widget/gen/` from its own URL, on every page depth, from `serve` and from disk.
//!
//! Node tools (`binaryen` for wasm-opt, `playwright-core` for the browser test) go to
//! `target/widget-node/` from the pinned `crates/digest-widget/tests/package.json`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, anyhow, bail, Context, Result};

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
/// The generated script the widget's loader looks for (relative to the root).
pub const GENERATED: &str = "src/widget/gen/digest-widget-wasm.js";
/// Size budget of the shipped `.wasm` (raw bytes), from the issue.
pub const WASM_BUDGET: u64 = 100 * 1024;

/// What `build` produced.
pub struct Built {
    /// The optimized module, as embedded.
    pub wasm: PathBuf,
    /// The generated script (glue + base64 module).
    pub script: PathBuf,
    pub optimized: bool,
}

pub fn crate_dir(root: &Path) -> PathBuf {
    root.join("crates/digest-widget")
}

pub fn work_dir(root: &Path) -> PathBuf {
    util::target_dir(root).join("widget")
}

pub fn node_dir(root: &Path) -> PathBuf {
    util::target_dir(root).join("widget-node")
}

/// Is there a widget in this checkout (the crate exists)?
pub fn present(root: &Path) -> bool {
    crate_dir(root).join("Cargo.toml").is_file()
}

/// `npm install` the pinned node tools into target/widget-node/ unless they are there already.
/// Returns false (after saying why) when node or npm is missing.
pub fn install_node_tools(root: &Path) -> Result<bool> {
    if util::which("node").is_none() || util::which("npm").is_none() {
        println!(
            "widget: node/npm not found: skipping wasm-opt and the browser test's tools (apt-get install nodejs npm)"
        );
        return Ok(false);
    }
    let dir = node_dir(root);
    let pinned = crate_dir(root).join("tests/package.json");
    let wanted = fs::read_to_string(&pinned).with_context(|| format!("reading {}", pinned.display()))?;
    let installed = dir.join("package.json");
    let have = fs::read_to_string(&installed).unwrap_or_default();
    let complete = ["binaryen", "playwright-core"].iter().all(|p| dir.join("node_modules").join(p).is_dir());
    if have == wanted && complete {
        return Ok(true);
    }
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    fs::write(&installed, &wanted).with_context(|| format!("writing {}", installed.display()))?;
    println!("widget: installing node tools (binaryen, playwright-core) into {}", util::rel(root, &dir));
    util::run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--no-save"]).current_dir(&dir))?;
    Ok(true)
}

pub(crate) fn wasm_opt(root: &Path) -> Option<PathBuf> {
    let p = node_dir(root).join("node_modules/.bin/wasm-opt");
    p.is_file().then_some(p)
}

/// Compile the widget and write the generated script the book loads.
pub fn build(root: &Path) -> Result<Built> {
    let script = root.join(GENERATED);
    let module = compile(root, "digest-widget", PROFILE, &work_dir(root), &script, &[])?;
    if let Some(fresh) = &module.fresh {
        publish(root, "widget", &module, &script, &generated_script(&fresh.glue, &fresh.bytes), WASM_BUDGET)?;
    }
    Ok(Built { wasm: module.wasm, script, optimized: module.optimized })
}

/// A crate's WebAssembly module after the steps every module of the book takes (the widget's,
/// the explorer's: explorer.rs): `cargo build` for wasm32 in `profile`, wasm-bindgen
/// (`--target no-modules`), wasm-opt -Oz.
pub(crate) struct Module {
    /// The optimized module, as embedded (`work/<crate>.opt.wasm`).
    pub wasm: PathBuf,
    pub optimized: bool,
    /// Set when the module was made again (its script must be written again).
    pub fresh: Option<Fresh>,
    stamp_file: PathBuf,
    /// What the stamp covers: the raw module, the script, the files inlined beside it.
    inputs: Vec<PathBuf>,
}

pub(crate) struct Fresh {
    /// wasm-bindgen's glue.
    pub glue: String,
    /// The optimized module's bytes.
    pub bytes: Vec<u8>,
}

/// Build `package`'s module into `work`. wasm-bindgen and wasm-opt take seconds: they are
/// skipped when cargo left the module as it was, `script` (the generated script) is as last
/// written, and so are the files of `also` (inlined beside the module). Then `fresh` is None.
pub(crate) fn compile(
    root: &Path,
    package: &str,
    profile: &str,
    work: &Path,
    script: &Path,
    also: &[&Path],
) -> Result<Module> {
    util::run(util::cargo(root).args(["build", "-p", package, "--lib", "--profile", profile, "--target", TARGET]))?;
    let stem = package.replace('-', "_");
    let raw = util::target_dir(root).join(TARGET).join(profile).join(format!("{stem}.wasm"));
    fs::create_dir_all(work).with_context(|| format!("creating {}", work.display()))?;
    let wasm = work.join(format!("{stem}.opt.wasm"));
    let stamp_file = work.join("stamp");
    let optimized = wasm_opt(root).is_some();
    let inputs: Vec<PathBuf> = [raw.as_path(), script].iter().chain(also).map(|p| p.to_path_buf()).collect();
    let module =
        |fresh| Module { wasm: wasm.clone(), optimized, fresh, stamp_file: stamp_file.clone(), inputs: inputs.clone() };
    if wasm.is_file() && fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp_of(&inputs, optimized)) {
        return Ok(module(None));
    }
    let web = work.join("web");
    util::fresh_dir(&web)?;
    util::run(
        Command::new("wasm-bindgen")
            .args(["--target", "no-modules", "--no-typescript", "--out-dir"])
            .arg(&web)
            .arg(&raw),
    )?;
    let glue = fs::read_to_string(web.join(format!("{stem}.js"))).with_context(|| "reading wasm-bindgen's glue")?;
    let optimized = optimize(root, &web.join(format!("{stem}_bg.wasm")), &wasm)?;
    let bytes = fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
    Ok(Module { optimized, ..module(Some(Fresh { glue, bytes })) })
}

/// Write a freshly built module's generated `script` (`text`), stamp what it was made from,
/// and say so; over `budget` (raw bytes of the `.wasm`) is a note.
pub(crate) fn publish(root: &Path, name: &str, module: &Module, script: &Path, text: &str, budget: u64) -> Result {
    let len = module.fresh.as_ref().map_or(0, |f| f.bytes.len() as u64);
    write_if_changed(script, text)?;
    // The script is in the stamp: stamped now that it is written.
    let stamp = stamp_of(&module.inputs, module.optimized);
    fs::write(&module.stamp_file, stamp).with_context(|| format!("writing {}", module.stamp_file.display()))?;
    println!(
        "{name}: {} ({len} bytes .wasm{}, {} bytes script)",
        util::rel(root, script),
        if module.optimized { ", wasm-opt -Oz" } else { "" },
        text.len()
    );
    if len > budget {
        println!("{name}: note: the .wasm is over its {} KB budget (see docs/benchmarks.md)", budget / 1024);
    }
    Ok(())
}

/// Shrink `bound` (wasm-bindgen's output) into `opt` with wasm-opt -Oz, or copy it when wasm-opt
/// is not installed; true when optimized. Shared with the image explorer (explorer.rs).
pub(crate) fn optimize(root: &Path, bound: &Path, opt: &Path) -> Result<bool> {
    match wasm_opt(root) {
        Some(tool) => {
            util::run(
                Command::new(tool)
                    .args(["-Oz", "--enable-reference-types", "--enable-bulk-memory"])
                    .args(["--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals"])
                    .args(["--enable-multivalue", "--strip-debug", "--strip-producers"])
                    .arg(bound)
                    .arg("-o")
                    .arg(opt),
            )?;
            Ok(true)
        }
        None => {
            println!("wasm-opt not installed (run `cargo xtask setup`): shipping the module unoptimized");
            fs::copy(bound, opt).with_context(|| format!("copying {}", bound.display()))?;
            Ok(false)
        }
    }
}

/// The test stages' size check of a module built with wasm-opt (node's tools are installed by
/// then): over `budget` raw bytes fails when `enforced`, else it is a note (the explorer's,
/// until it is under its budget: docs/benchmarks.md).
pub(crate) fn check_budget(name: &str, wasm: &Path, budget: u64, enforced: bool) -> Result {
    let len = fs::metadata(wasm).with_context(|| format!("reading {}", wasm.display()))?.len();
    let kb = budget / 1024;
    if len <= budget {
        println!("{name}: the .wasm is {len} bytes, within its {kb} KB budget");
    } else if enforced {
        bail!("{name}: the .wasm is {len} bytes, over its {kb} KB budget ({budget} bytes)");
    } else {
        println!(
            "{name}: note: the .wasm is {len} bytes, over its {kb} KB budget (not enforced yet: docs/benchmarks.md)"
        );
    }
    Ok(())
}

/// What the generated script was made from, and the script as written: each file's size and
/// mtime (a missing file stamps as missing), and whether wasm-opt was there to shrink the module.
fn stamp_of(files: &[PathBuf], optimized: bool) -> String {
    let mut stamp = String::new();
    for file in files {
        let meta = fs::metadata(file).ok();
        let mtime =
            meta.as_ref().and_then(|m| m.modified().ok()).and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        let _ = writeln!(stamp, "{} {:?} {:?}", file.display(), meta.map(|m| m.len()), mtime);
    }
    let _ = writeln!(stamp, "wasm-opt {optimized}");
    stamp
}

/// The glue wrapped so that it defines one global, `DigestWidgetWasm`, holding wasm-bindgen's
/// init function and the module's bytes.
fn generated_script(glue: &str, wasm: &[u8]) -> String {
    let mut s = String::with_capacity(glue.len() + wasm.len() * 4 / 3 + 512);
    s.push_str(
        "// Generated by `cargo xtask build` from crates/digest-widget (wasm-bindgen --target no-modules,\n\
         // module inlined as base64 so that the book also works from file://). Do not edit.\n\
         (function () {\n",
    );
    s.push_str(glue);
    s.push_str("\nvar WASM_BASE64 = \"");
    s.push_str(&base64(wasm));
    s.push_str(
        "\";\n\
         window.DigestWidgetWasm = {\n\
         \x20   bindgen: wasm_bindgen,\n\
         \x20   bytes: function () {\n\
         \x20       var bin = atob(WASM_BASE64), out = new Uint8Array(bin.length);\n\
         \x20       for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);\n\
         \x20       return out;\n\
         \x20   }\n\
         };\n\
         })();\n",
    );
    s
}

pub(crate) fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn write_if_changed(path: &Path, text: &str) -> Result {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// CI sets IMAGEKIT_REQUIRE_ORACLES=1: a missing browser or node is then a failure, not a skip.
/// Debian's Chromium (`chromium`; Ubuntu names it `chromium-browser`), for playwright-core.
pub fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|c| util::which(c))
}

/// The tools of a browser test (`stage` names it in messages): Chromium's path when node's
/// playwright-core and Chromium are both there; None after printing that the stage is SKIPPED,
/// or an error when IMAGEKIT_REQUIRE_ORACLES=1 (CI) says nothing may be skipped.
pub fn browser_tools(root: &Path, stage: &str) -> Result<Option<PathBuf>> {
    let missing = if !install_node_tools(root)? {
        ("node and npm", "nodejs npm")
    } else if let Some(chromium) = chromium() {
        return Ok(Some(chromium));
    } else {
        ("chromium", "chromium")
    };
    let (what, packages) = missing;
    if testbed::oracles_required() {
        Err(anyhow!("{what} required for the {stage} (IMAGEKIT_REQUIRE_ORACLES=1; apt-get install {packages})"))
    } else {
        println!("{stage}: SKIPPED: {what} not found (apt-get install {packages})");
        Ok(None)
    }
}

/// `cargo xtask test`, stage `widget`: the module under node, then the built book in Chromium.
/// Expects the book to be built (the `book` stage runs first).
pub fn test(root: &Path) -> Result {
    let book = root.join("book");
    if !book.join("widget/gen/digest-widget-wasm.js").is_file() {
        bail!("book/widget/gen/digest-widget-wasm.js is missing: run `cargo xtask build` first");
    }
    if !install_node_tools(root)? {
        return if testbed::oracles_required() {
            Err(anyhow!("node and npm are required for the widget tests (IMAGEKIT_REQUIRE_ORACLES=1)"))
        } else {
            println!("widget: SKIPPED (node/npm missing)");
            Ok(())
        };
    }
    check_budget("widget", &build(root)?.wasm, WASM_BUDGET, true)?;
    let imagekit = util::build_cli(root)?.join("imagekit");

    // 1. The wasm module under node (wasm-bindgen's nodejs target), checked against sha256sum.
    let node_build = work_dir(root).join("node");
    util::fresh_dir(&node_build)?;
    let raw = util::target_dir(root).join(TARGET).join(PROFILE).join("digest_widget.wasm");
    util::run(
        Command::new("wasm-bindgen")
            .args(["--target", "nodejs", "--no-typescript", "--out-dir"])
            .arg(&node_build)
            .arg(&raw),
    )?;
    let scratch = work_dir(root).join("test-scratch");
    util::fresh_dir(&scratch)?;
    util::run(
        Command::new("node")
            .arg(crate_dir(root).join("tests/node/check.cjs"))
            .env("WIDGET_NODE_BUILD", &node_build)
            .env("WIDGET_SCRATCH", &scratch)
            .env("IMAGEKIT", &imagekit),
    )?;

    // 2. The book in headless Chromium, served on 127.0.0.1 and opened from disk.
    let Some(chromium) = browser_tools(root, "widget's browser test")? else {
        return Ok(());
    };
    util::run(
        Command::new("node")
            .arg(crate_dir(root).join("tests/browser/widget.test.cjs"))
            .env("NODE_PATH", node_dir(root).join("node_modules"))
            .env("CHROMIUM", chromium)
            .env("BOOK_DIR", &book)
            .env("WIDGET_SCRATCH", &scratch)
            .env("IMAGEKIT", &imagekit),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn over_budget_fails_only_where_enforced() {
        let file = std::env::temp_dir().join(format!("xtask-budget-{}.wasm", std::process::id()));
        fs::write(&file, [0u8; 2048]).unwrap();
        assert!(check_budget("m", &file, 4096, true).is_ok(), "within");
        let err = check_budget("m", &file, 1024, true).unwrap_err().to_string();
        assert!(err.contains("2048 bytes, over its 1 KB budget"), "{err}");
        assert!(check_budget("m", &file, 1024, false).is_ok(), "a note where not enforced");
        fs::remove_file(&file).unwrap();
    }
}

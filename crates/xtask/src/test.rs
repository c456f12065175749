//! `cargo xtask test`: everything the project checks, in stages, stopping at the first failure.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{self, anyhow, bail, Interrupted, Result};
use crate::{book, browser, demo, exercises, served, setup, widget};

enum Step {
    Cargo(&'static [&'static str]),
    Verify,
    Book,
    Demo,
    Widget,
    Explorer,
    Browser,
    Reload,
}

const STAGES: &[(&str, Step)] = &[
    ("format", Step::Cargo(&["fmt", "--all", "--", "--check"])),
    ("clippy", Step::Cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])),
    ("tests", Step::Cargo(&["test"])),
    // No file or network I/O in the core: it must build for the in-page widget.
    (
        "wasm",
        Step::Cargo(&[
            "check",
            "-p",
            "imagekit",
            "-p",
            "driftwood",
            "-p",
            "digest-widget",
            "-p",
            "image-explorer",
            "--no-default-features",
            "--target",
            "wasm32-unknown-unknown",
        ]),
    ),
    ("exercises", Step::Verify),
    ("book", Step::Book),
    // An instructor's live demo: topic 07's page commands, in a fresh scratch folder.
    ("demo", Step::Demo),
    // The digest widget: its module under node, then the built book in headless Chromium.
    ("widget", Step::Widget),
    // Issue 15: the explorer page in headless Chromium against imagekit --json.
    ("explorer", Step::Explorer),
    // A reader's walk: every page of the built book in headless Chromium.
    ("browser", Step::Browser),
    // Live reload: open pages on `mdbook serve` (of a copy) reload after edits.
    ("reload", Step::Reload),
];

impl Step {
    fn describe(&self) -> String {
        match self {
            Step::Cargo(args) => format!("cargo {}", args.join(" ")),
            Step::Verify => "cargo xtask verify: tests fail on each stub, pass on its solution; clippy clean".into(),
            Step::Book => {
                "cargo xtask build --fresh (every cmdrun line runs), book checks; then a replaying build must match it"
                    .into()
            }
            Step::Demo => "cargo xtask demo 07 --no-pause: the page's live commands, from scratch".into(),
            Step::Explorer => "image explorer: the built page in headless Chromium, against imagekit --json".into(),
            Step::Widget => "digest widget: wasm module under node, the built book in headless Chromium".into(),
            Step::Reload => "live reload: pages open on mdbook serve show edits to a page, hints.md, the widget".into(),
            Step::Browser => "book walk: each page and print.html in headless Chromium, as a reader sees it".into(),
        }
    }

    fn run(&self, root: &Path) -> Result {
        match self {
            Step::Cargo(args) => util::run(util::cargo(root).args(*args)),
            Step::Verify => exercises::verify::verify(root, &[], false),
            Step::Book => book::build_then_replay(root),
            Step::Demo => demo::demo(root, "07", true),
            Step::Widget => widget::test(root),
            Step::Explorer => crate::explorer::test(root),
            Step::Browser => browser::walk(root, true),
            Step::Reload => served::check_reload(root),
        }
    }
}

pub fn test(root: &Path) -> Result {
    let missing = setup::missing(root);
    if !missing.is_empty() {
        bail!("missing tools: {} (run `cargo xtask setup`; CI does)", missing.join(", "));
    }

    let total = Instant::now();
    let mut times: Vec<(Duration, bool)> = Vec::new();
    let mut failure = None;
    for (i, (name, step)) in STAGES.iter().enumerate() {
        util::header(&format!("[{}/{}] {name}: {}", i + 1, STAGES.len(), step.describe()));
        let start = Instant::now();
        let result = step.run(root);
        times.push((start.elapsed(), result.is_ok()));
        if let Err(e) = result {
            failure = Some((name, e));
            break;
        }
    }

    util::header("summary");
    for (i, (name, _)) in STAGES.iter().enumerate() {
        match times.get(i) {
            Some((time, true)) => println!("  ok    {name:<10} {:>8}", util::secs(*time)),
            Some((time, false)) => println!("  FAIL  {name:<10} {:>8}", util::secs(*time)),
            None => println!("  skip  {name:<10}"),
        }
    }
    match failure {
        None => {
            println!("xtask test: all {} stages passed in {}", STAGES.len(), util::secs(total.elapsed()));
            // The plain closing line CI reads.
            println!("stages: {} passed, 0 failed", STAGES.len());
            Ok(())
        }
        Some((_, e)) if e.is::<Interrupted>() => Err(e),
        Some((name, e)) => {
            let passed = times.iter().filter(|(_, ok)| *ok).count();
            println!("stages: {passed} passed, 1 failed");
            Err(anyhow!("stage `{name}` failed: {e:#}"))
        }
    }
}

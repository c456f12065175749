//! Progress on long work (layer build, image build, copy): drawn on a terminal, absent when
//! stderr is piped or with `--json`, so scripts and the book's figures see clean output.
//! The terminal is a real one: util-linux's `script` runs imagekit on a pseudo-terminal.

mod common;

use std::path::Path;
use std::process::Command;

use common::{oracle, pseudo_random, write};

/// A tree slow enough to build (16 MiB of incompressible bytes) that a spinner ticks at least once.
fn tree(dir: &Path) {
    write(&dir.join("data/blob.bin"), &pseudo_random(16 << 20), 0o644);
    write(&dir.join("etc/app.conf"), b"port = 8080\n", 0o644);
}

/// What a terminal would show (stdout and stderr together), as `script` records it.
fn on_a_terminal(script: &Path, args: &[&str]) -> String {
    let mut line = String::from(env!("CARGO_BIN_EXE_imagekit"));
    for a in args {
        line.push_str(" '");
        line.push_str(a);
        line.push('\'');
    }
    let out = Command::new(script).args(["-qefc", &line, "/dev/null"]).output().expect("running script");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{line} failed on a terminal:\n{text}");
    text
}

fn piped(args: &[&str]) -> String {
    let out = common::imagekit(args);
    assert!(out.status.success(), "imagekit {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn long_work_shows_progress_on_a_terminal_and_nothing_when_piped() {
    let Some(script) = oracle("script") else { return };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("tree");
    tree(&src);
    let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let src = src.to_string_lossy().into_owned();

    // Layer build: a spinner with the bytes written so far.
    let shown = on_a_terminal(&script, &["layer", "build", &src, "-o", &out("t.tar.gz")]);
    assert!(shown.contains("building a layer from") && shown.contains("written"), "no spinner:\n{shown}");
    let quiet = piped(&["layer", "build", &src, "-o", &out("p.tar.gz")]);
    assert!(quiet.is_empty(), "piped stderr holds progress: {quiet:?}");

    // Image build: a spinner naming the steps.
    let build = |layout: &str| ["image", "build", "--layer", &src, "--tag", "p:1", "-o", layout].map(str::to_owned);
    let shown = on_a_terminal(&script, &build(&out("t-layout")).each_ref().map(String::as_str));
    assert!(shown.contains("building 1 step(s)"), "no spinner:\n{shown}");
    let quiet = piped(&build(&out("p-layout")).each_ref().map(String::as_str));
    assert!(quiet.is_empty(), "piped stderr holds progress: {quiet:?}");

    // Copy: a bar per blob, then a line saying what became of it.
    let per_blob = |text: &str| text.lines().filter(|l| l.trim_end().ends_with("  copied")).count();
    let from = format!("oci:{}:p:1", out("p-layout"));
    let shown = on_a_terminal(&script, &["copy", &from, &format!("oci:{}:p:1", out("t-copy"))]);
    assert_eq!(per_blob(&shown), 2, "a line per blob (layer, config):\n{shown}");
    let quiet = piped(&["copy", &from, &format!("oci:{}:p:1", out("p-copy"))]);
    assert!(quiet.is_empty(), "piped stderr holds progress: {quiet:?}");

    // --json on a terminal: the document only, no progress around it.
    let shown = on_a_terminal(&script, &["--json", "copy", &from, &format!("oci:{}:p:1", out("j-copy"))]);
    assert!(shown.trim_start().starts_with('{') && per_blob(&shown) == 0, "progress with --json:\n{shown}");
}

//! `cargo xtask …`: the workbook's task runner (see `cargo xtask help`).

mod bench;
mod book;
mod book_bench;
mod browser;
mod checks;
mod demo;
mod exercise_pages;
mod exercises;
mod figures;
mod hint_check; // issue 13: run by `verify`
mod hints;
mod mutants; // issue 13: `cargo xtask mutants`
mod quiz_print; // issue 13: run by `build`
mod registry;
mod served;
mod setup;
mod test;
mod util;
mod watch;
mod widget;

use std::process::ExitCode;

use util::{Error, Result};

const USAGE: &str = "usage: cargo xtask <command>

for learners:
  serve               install what is missing, build imagekit, and serve the book at
                      http://127.0.0.1:3000 with live reload
  progress            each exercise's state, its next failing step, its book page and a hint
  watch [NN]          re-run an exercise's tests on every save; shows the first failing step
                      and its hints (keys: h hint, n next exercise, q quit; --once: run once)
  solve NN            put exercise NN's solution in place (your work is saved)
  reset NN            put your saved work back (or the fresh stub if nothing was saved)

for instructors and developers:
  setup               install the pinned tools that are missing (mdbook, mdbook-cmdrun, …)
  build [--fresh]     build imagekit and the book into book/, failing on any cmdrun error;
                      pages whose commands and inputs are unchanged replay their recorded
                      figures (--fresh runs every command)
  build widget        only the digest widget's module (src/widget/gen/, git-ignored)
  test                everything CI checks: fmt, clippy, tests, verify, book
  test widget         only the digest widget's stage (node + headless Chromium; needs a built book)
  test browser        only the book walk: every page in headless Chromium (needs a built book;
                      XTASK_BOOK_DIR walks another copy, WALK_SELF_TEST=1 proves it catches faults)
  test reload         only the live-reload test: pages open on `mdbook serve` of a copy of the
                      book reload by themselves after edits to a page, hints.md, the widget
  verify [--worktree] [NN…]
                      every exercise: its tests fail on the stub (as committed, or as it is
                      with --worktree), pass on the solution, and clippy is clean
  mutants [NN…]       cargo-mutants on each solution against its step tests: every survivor
                      must be listed in exercises/NN-*/mutants-equivalent.txt, 95 % caught
  bench               digest and layer-build benchmarks against openssl, sha256sum, gzip, pigz
  bench book          book build (every figure run, and replayed) and serve's reload time
  bench widget        the digest widget: .wasm size, keystroke latency, in-page hashing speed
  demo NN [--no-pause] run topic NN's live commands (its page's cmdrun lines) in a fresh
                      target/demo-scratch/NN, one step at a time
  registry start|stop|status
                      a real registry (Debian's docker-registry) on 127.0.0.1 and a free port,
                      data under target/registry/, for `imagekit push` and `imagekit pull` demos
";

fn main() -> ExitCode {
    forget_cargo_run_env();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Usage(msg)) => {
            if !msg.is_empty() {
                eprintln!("error: {msg}\n");
            }
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
        Err(Error::Interrupted) => {
            eprintln!("error: interrupted");
            ExitCode::from(130)
        }
        Err(Error::Failed(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo run` gives the program it runs the variables of that program's package
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, …). Passed on to the cargo commands xtask runs, they
/// made every crate whose build script watches one of them (ring watches `CARGO_MANIFEST_DIR`)
/// build again, and again when the learner next ran cargo by hand: 30-45 s each time. Children
/// see the environment the learner's shell had. `CARGO` (which cargo) stays.
fn forget_cargo_run_env() {
    let set_by_cargo_run = |name: &str| {
        name.starts_with("CARGO_PKG_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_RUSTC_CURRENT_DIR"
            )
    };
    let names: Vec<_> =
        std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()).filter(|k| set_by_cargo_run(k)).collect();
    for name in names {
        // Sound: nothing else runs yet (no threads before this point in `main`).
        std::env::remove_var(name);
    }
}

fn run(args: &[String]) -> Result {
    let root = util::root();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let no_more = |rest: &[&str]| match rest {
        [] => Ok(()),
        _ => Err(Error::Usage(format!("unexpected argument {:?}", rest[0]))),
    };
    match args.as_slice() {
        ["help" | "-h" | "--help", ..] => {
            print!("{USAGE}");
            Ok(())
        }
        ["setup", rest @ ..] => no_more(rest).and_then(|()| setup::setup(&root)),
        ["build", "widget", rest @ ..] => no_more(rest).and_then(|()| widget::build(&root).map(|_| ())),
        ["build", "--fresh"] => book::build(&root, true),
        ["build", rest @ ..] => no_more(rest).and_then(|()| book::build(&root, false)),
        // The book's `sh` shim hands each cmdrun command here (figures.rs); not for people.
        ["__figure", command] => {
            let code = figures::run(command);
            std::process::exit(code)
        }
        ["serve", rest @ ..] => no_more(rest).and_then(|()| book::serve(&root)),
        ["test", "widget", rest @ ..] => no_more(rest).and_then(|()| widget::test(&root)),
        ["test", "reload", rest @ ..] => no_more(rest).and_then(|()| served::check_reload(&root)),
        ["test", "browser", rest @ ..] => no_more(rest).and_then(|()| browser::walk(&root, false)),
        ["test", rest @ ..] => no_more(rest).and_then(|()| test::test(&root)),
        ["verify", rest @ ..] => {
            let worktree = rest.contains(&"--worktree");
            let only: Vec<String> = rest.iter().filter(|a| **a != "--worktree").map(|a| a.to_string()).collect();
            if let Some(flag) = only.iter().find(|a| a.starts_with('-')) {
                return Err(Error::Usage(format!("unknown option {flag:?}")));
            }
            exercises::verify(&root, &only, worktree)
        }
        ["watch", rest @ ..] => watch::watch(&root, rest),
        ["demo", rest @ ..] => demo::demo(&root, rest),
        ["progress", rest @ ..] => no_more(rest).and_then(|()| exercises::progress(&root)),
        ["solve", nn] => exercises::solve(&root, nn),
        ["reset", nn] => exercises::reset(&root, nn),
        ["solve" | "reset", ..] => {
            Err(Error::Usage(format!("`{}` takes one exercise number, e.g. `cargo xtask {} 07`", args[0], args[0])))
        }
        // issue 13: mutation testing of the exercises (crates/xtask/src/mutants.rs)
        ["mutants", rest @ ..] => mutants::mutants(&root, &rest.iter().map(|a| a.to_string()).collect::<Vec<_>>()),
        ["bench", "book", rest @ ..] => no_more(rest).and_then(|()| book_bench::bench(&root)),
        ["bench", "widget", rest @ ..] => no_more(rest).and_then(|()| widget::bench(&root)),
        ["bench", rest @ ..] => no_more(rest).and_then(|()| bench::bench(&root)),
        ["registry", "start"] => registry::start(&root),
        ["registry", "stop"] => registry::stop(&root),
        ["registry", "status"] => registry::status(&root),
        ["registry", ..] => Err(Error::Usage("`registry` takes start, stop or status".into())),
        [] => Err(Error::Usage(String::new())),
        [other, ..] => Err(Error::Usage(format!("unknown command {other:?}"))),
    }
}

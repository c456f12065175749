//! `cargo xtask …`: the workbook's task runner (see `cargo xtask --help`).

use xtask::{
    book, browser, demo, exercises, explorer, figures, fuzz, hints, mutants, quiz, registry, served, setup, test, util,
    watch, widget,
};

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The workbook's task runner: serve the book, check exercises, and everything CI checks",
    after_help = "Learners: serve, progress, watch, solve, reset. Instructors and developers: the rest."
)]
struct Cli {
    #[command(subcommand)]
    command: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Install what is missing, build imagekit, and serve the book at http://127.0.0.1:3000 with
    /// live reload
    Serve,
    /// Each exercise's state, its next failing step, its book page and a hint
    Progress,
    /// Re-run an exercise's tests on every save; shows the first failing step and its hints
    /// (keys: h hint, n next exercise, q quit)
    Watch {
        /// Run the tests once, show the result and exit
        #[arg(long)]
        once: bool,
        /// The exercise (07, 7, 07-layers); the first unfinished one if left out
        exercise: Option<String>,
    },
    /// Put exercise NN's solution in place (your work is saved)
    Solve { exercise: String },
    /// Put your saved work back (or the fresh stub if nothing was saved)
    Reset { exercise: String },
    /// Install the pinned tools that are missing (mdbook, mdbook-cmdrun, …)
    Setup,
    /// Build imagekit and the book into book/, failing on any cmdrun error; pages whose commands
    /// and inputs are unchanged replay their recorded figures
    #[command(args_conflicts_with_subcommands = true)]
    Build {
        /// Run every figure's command (replay nothing)
        #[arg(long)]
        fresh: bool,
        #[command(subcommand)]
        part: Option<BuildPart>,
    },
    /// Everything CI checks: fmt, clippy, tests, verify, book, browser walk, widget, reload
    Test {
        #[command(subcommand)]
        stage: Option<TestStage>,
    },
    /// Every exercise: its tests fail on the stub, pass on the solution, and clippy is clean
    Verify {
        /// Check the stub as it is in the work tree, not as committed
        #[arg(long)]
        worktree: bool,
        /// Only these exercises (07, 7, 07-layers)
        exercises: Vec<String>,
    },
    /// cargo-mutants on each exercise's solution against its step tests: every survivor must be
    /// listed in exercises/NN-*/mutants-equivalent.txt, and 95 % caught
    Mutants {
        /// Only these exercises (07, 7, 07-layers)
        exercises: Vec<String>,
    },
    /// Benchmarks against the standard tools (crates/benchmarks): without a part, digest,
    /// layer build and pull against openssl, sha256sum, gzip, pigz, skopeo; `bench --help` lists
    /// the parts
    #[command(disable_help_flag = true)]
    Bench {
        /// The part (explorer, sources, book, widget) and its flags, passed to the benchmarks
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run the cargo-fuzz targets in fuzz/ (needs nightly and cargo-fuzz); prints executions per
    /// target. A crash stops the run and names the input
    Fuzz {
        /// One target (layer_read, apply_tree, apply_disk, differential, documents, reference,
        /// registry_responses);
        /// all of them if left out
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(fuzz::TARGET_NAMES))]
        target: Option<String>,
        /// Seconds per target
        #[arg(long, default_value_t = 60, value_name = "S")]
        time: u64,
    },
    /// Run topic NN's live commands (its page's cmdrun lines) in a fresh
    /// target/demo-scratch/NN, one step at a time
    Demo {
        /// Run every step without waiting for Enter
        #[arg(long)]
        no_pause: bool,
        topic: String,
    },
    /// A real registry (Debian's docker-registry) on 127.0.0.1 and a free port, data under
    /// target/registry/, for `imagekit push` and `imagekit pull` demos
    Registry {
        #[command(subcommand)]
        action: RegistryAction,
    },
    /// Print one step's hints from a hints.md as the exercise pages show them (what
    /// exercises/show-hints runs)
    Hints { file: std::path::PathBuf, step: String },
    /// Print a topic's checks for understanding as the printed book shows them (what
    /// demo/quiz-answers runs)
    Quiz {
        #[command(subcommand)]
        form: QuizForm,
    },
}

#[derive(Subcommand)]
enum QuizForm {
    /// The questions with lettered choices, and a link to where the answers are
    Questions {
        /// Where the answers are, as the page links it (../answers.md#answers-07)
        answers_link: String,
        /// The quiz files, in page order
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Each question's answer, with its letter, and why it is right
    Answers {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum BuildPart {
    /// Only the digest widget's module (src/widget/gen/, git-ignored)
    Widget,
    /// Only the image explorer's worker and demo image (src/explorer/gen/, git-ignored)
    Explorer,
}

#[derive(Subcommand)]
enum TestStage {
    /// Only the digest widget's stage (node + headless Chromium; needs a built book)
    Widget,
    /// Only the image explorer's stage (headless Chromium against imagekit --json; needs a
    /// built book)
    Explorer,
    /// Only the book walk: every page in headless Chromium (needs a built book; XTASK_BOOK_DIR
    /// walks another copy, WALK_SELF_TEST=1 proves it catches faults)
    Browser,
    /// Only the live-reload test: pages open on `mdbook serve` of a copy of the book reload by
    /// themselves after edits to a page, hints.md, the widget
    Reload,
}

#[derive(Subcommand)]
enum RegistryAction {
    /// Start one (a no-op when one is running in that folder)
    Start {
        #[command(flatten)]
        at: registry::Where,
        #[command(flatten)]
        flags: registry::StartFlags,
    },
    /// Stop the one started in that folder
    Stop {
        #[command(flatten)]
        at: registry::Where,
    },
    /// Whether one runs in that folder, and where it answers
    Status {
        #[command(flatten)]
        at: registry::Where,
    },
}

fn main() -> ExitCode {
    // Started as the book's `sh` (figures::shim): before anything touches the environment, which
    // a command passed on to /bin/sh must get as it was.
    if let Some(code) = figures::shim() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    util::forget_cargo_run_env();
    // What the benchmarks and the figures' commands run when they need xtask (util::xtask_binary).
    if let Ok(me) = std::env::current_exe() {
        // Sound: nothing else runs yet (no threads before this point in `main`).
        std::env::set_var(figures::XTASK_FOR_COMMANDS, me);
    }
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<util::Interrupted>() => {
            eprintln!("error: interrupted");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(if e.is::<util::Usage>() { 2 } else { 1 })
        }
    }
}

fn run(verb: Verb) -> util::Result {
    let root = &util::root();
    match verb {
        Verb::Serve => book::serve(root),
        Verb::Progress => exercises::progress::progress(root),
        Verb::Watch { once, exercise } => watch::watch(root, exercise.as_deref(), once),
        Verb::Solve { exercise } => exercises::solve::solve(root, &exercise),
        Verb::Reset { exercise } => exercises::solve::reset(root, &exercise),
        Verb::Setup => setup::setup(root),
        Verb::Build { part: Some(BuildPart::Widget), .. } => widget::build(root).map(drop),
        Verb::Build { part: Some(BuildPart::Explorer), .. } => {
            util::build_cli(root).and_then(|bin| explorer::build(root, &bin)).map(drop)
        }
        Verb::Build { fresh, part: None } => book::build(root, fresh),
        Verb::Test { stage: None } => test::test(root),
        Verb::Test { stage: Some(TestStage::Widget) } => widget::test(root),
        Verb::Test { stage: Some(TestStage::Explorer) } => explorer::test(root),
        Verb::Test { stage: Some(TestStage::Browser) } => browser::walk(root, false),
        Verb::Test { stage: Some(TestStage::Reload) } => served::check_reload(root),
        Verb::Verify { worktree, exercises } => exercises::verify::verify(root, &exercises, worktree),
        Verb::Mutants { exercises } => mutants::mutants(root, &exercises),
        Verb::Bench { args } => {
            util::run(util::cargo(root).args(["run", "--quiet", "-p", "benchmarks", "--"]).args(args))
        }
        Verb::Fuzz { target, time } => fuzz::run(root, target.as_deref(), time),
        Verb::Demo { no_pause, topic } => demo::demo(root, &topic, no_pause),
        Verb::Registry { action: RegistryAction::Start { at, flags } } => registry::start(root, &at, &flags),
        Verb::Registry { action: RegistryAction::Stop { at } } => registry::stop(root, &at),
        Verb::Registry { action: RegistryAction::Status { at } } => registry::status(root, &at),
        Verb::Hints { file, step } => hints::show(&file, &step),
        Verb::Quiz { form: QuizForm::Questions { answers_link, files } } => {
            quiz::questions_markdown(&answers_link, &files).map(|text| print!("{text}"))
        }
        Verb::Quiz { form: QuizForm::Answers { files } } => quiz::answers_markdown(&files).map(|text| print!("{text}")),
    }
}

//! The environment variables through which `build`/`serve` configure the shim (the
//! xtask binary started as `sh`).

/// The session folder (cursors, recordings in progress). Its presence turns the shim on.
pub const SESSION: &str = "XTASK_FIGURES";
/// The cache folder, shared by `build` and `serve`.
pub const CACHE: &str = "XTASK_FIGURES_CACHE";
/// The xtask binary the shim hands commands to.
pub const RUNNER: &str = "XTASK_FIGURES_RUNNER";
/// The `imagekit` binary the figures run (part of every page's key).
pub const IMAGEKIT: &str = "XTASK_FIGURES_IMAGEKIT";
/// Set: run every line, replay nothing (the cache is still refreshed).
pub const FRESH: &str = "XTASK_FIGURES_FRESH";
/// The book's root (the folder holding book.toml, src/ and demo/): the repository, or a copy of
/// its book (`cargo xtask bench book` serves one).
pub const ROOT: &str = "XTASK_FIGURES_ROOT";
/// This build's id: a page pre-run by this build (see [`prerun`]) is logged as run, not replayed.
pub const BUILD: &str = "XTASK_FIGURES_BUILD";
/// Set (by `build`): a folder where each command's folder, status and output are logged for
/// `book::check`, one numbered folder per command.
pub const LOG: &str = "XTASK_CMDRUN_LOG";
/// The xtask binary again, for the book's commands themselves (through `demo/xtask`):
/// `exercises/show-hints` hands its work to `xtask hints`, topic 10's `prepare` and `stop` to
/// `xtask registry`. Unlike the variables above, the commands keep it.
pub const XTASK_FOR_COMMANDS: &str = "XTASK_BIN";

pub const ALL_VARS: [&str; 8] = [SESSION, CACHE, RUNNER, IMAGEKIT, FRESH, BUILD, ROOT, LOG];

//! The workbook's task runner as a library: the verbs of `cargo xtask` (src/main.rs is their
//! clap entry) and what the benchmarks (crates/benchmarks) share with them. The heavy lifting
//! lives in the workspace's own crates: `devkit` (commands, root, Ctrl-C, the demo registry),
//! `bookkit` (the figure cache, hints, book checks) and `exercise-runner` (the exercises' verbs);
//! they are re-exported under the names xtask's modules use.

pub mod book;
pub mod browser;
pub mod demo;
pub mod explorer;
pub mod fuzz;
pub mod served;
pub mod setup;
pub mod test;
pub mod watch;
pub mod watcher;
pub mod widget;

pub use bookkit::{checks, cmdrun, figures, hints, html, quiz, quiz_print, stub_pages};
pub use devkit as util;
pub use devkit::registry;
pub use exercise_runner::{exercises, mutants};

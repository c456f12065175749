//! The workbook's task runner as a library: the verbs of `cargo xtask` (src/main.rs is their
//! clap entry) and the helpers the benchmarks (crates/benchmarks) share with them.

pub mod book;
pub mod browser;
pub mod checks;
pub mod cmdrun;
pub mod demo;
pub mod exercises;
pub mod explorer;
pub mod figures;
pub mod fuzz;
pub mod hint_check;
pub mod hint_pages;
pub mod hints;
pub mod html;
pub mod mutants;
pub mod quiz_print;
pub mod registry;
pub mod served;
pub mod setup;
pub mod test;
pub mod util;
pub mod watch;
pub mod watcher;
pub mod widget;

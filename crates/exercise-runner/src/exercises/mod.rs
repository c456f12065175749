//! The exercise crates: finding them (here), running their tests (`libtest`), and the verbs
//! `verify`, `progress`, `solve` and `reset`.
//!
//! Each `exercises/NN-topic` holds the learner's `src/lib.rs` (a stub of `todo!()`s to begin
//! with), `solution/lib.rs`, and `tests/stepN_*.rs`. Whatever a command swaps into `src/lib.rs`,
//! the learner's own file is never lost:
//!
//! - `solve` keeps it in `.saved/lib.rs`, and `reset` puts it back;
//! - `verify` keeps it in `.saved/verify-in-progress.rs` while it works, puts it back when done,
//!   on error and on Ctrl-C; if it was killed outright, the next xtask command puts it back;
//! - any other file that would be overwritten is first moved to `.saved/lib.rs.<unix time>`.

pub mod discovery;
pub mod libtest;
pub mod progress;
pub mod solve;
pub mod verify;

pub use discovery::{all, find, Exercise};

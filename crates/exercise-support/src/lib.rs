//! Helpers shared by the step tests of the exercises (`exercises/07-layers` … `12-base-images`).
//!
//! # Why this crate exists
//!
//! A learner's first contact with an exercise is a failing test. A raw `not yet implemented`
//! panic says nothing about what to do next, so every exercise's tests run the learner's code
//! through [`Exercise::attempt`], which turns a `todo!()` into a message that names the function,
//! the book section to read and where the hints are; [`Exercise::teach`] writes assertion
//! failures the same way: what was checked, what was expected, what came back, why it matters.
//! These helpers used to be copied into each exercise's `tests/common/mod.rs`; they live here
//! once ([`exercise_helpers!`] writes an exercise's `HINTS`, `attempt` and `teach` in one line),
//! and each exercise keeps only what is its own (its number, hints file and fixtures). The
//! independent oracles the tests check answers against (hashing, tar, gzip) live here once too,
//! behind features: `digest` (`sha256_of`, the form of a digest) and `layers` (one
//! layer builder, `layers::Entry`, gzip, gunzip and a tar reader).
//!
//! # What it does not hold
//!
//! **No solution code.** Nothing here computes a digest, builds a layer, parses a manifest or
//! does anything else an exercise asks for: it only runs the learner's functions and formats
//! messages, and (behind its features) builds and reads test inputs with `sha2`, `tar` and
//! `flate2`. Keep it that way, so reading this crate never gives an answer away. An exercise
//! pulls it in as a dev-dependency, which the learner's `src/lib.rs` cannot use. Its default
//! build has no dependencies, and it must never depend on `imagekit` (the answers).

mod generate;

#[cfg(feature = "digest")]
pub mod digest;
#[cfg(feature = "layers")]
pub mod layers;

pub use generate::{Rng, SEED_VAR};

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt::{Debug, Display};
use std::panic::{self, UnwindSafe};
use std::sync::Once;

/// What most exercises tell a learner whose function panicked on a test's input.
pub const RETURN_DONT_PANIC: &str =
    "Return a value (an `Err` for bad input) instead of panicking on input like this test's.";

/// The parts of the failure messages that differ from one exercise to the next.
#[derive(Debug, Clone, Copy)]
pub struct Exercise {
    /// The exercise number as the learner types it: `cargo xtask watch {number}`.
    pub number: &'static str,
    /// Where the hints live, relative to the workspace root (e.g. `exercises/07-layers/hints.md`).
    pub hints: &'static str,
    /// One line of advice when the learner's function panicked (not a `todo!`), e.g.
    /// [`RETURN_DONT_PANIC`].
    pub on_panic: &'static str,
}

thread_local! {
    /// True while [`Exercise::attempt`] runs learner code on this thread.
    static INSIDE_ATTEMPT: Cell<bool> = const { Cell::new(false) };
    /// Where the learner's code panicked, captured by the panic hook.
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once per test binary) a panic hook that stays quiet for panics inside
/// [`Exercise::attempt`]: `attempt` reports those itself, with a hint, so the raw `todo!` message
/// is not the first thing a learner reads. Every other panic (a failed assertion) is printed as
/// usual.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default_hook = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if INSIDE_ATTEMPT.with(Cell::get) {
                let location = info.location().map(|l| l.to_string());
                PANIC_LOCATION.with(|slot| *slot.borrow_mut() = location);
            } else {
                default_hook(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

impl Exercise {
    /// Runs the learner's function `function` for test file `step` (e.g. `"step1_digest"`).
    ///
    /// If it is still a `todo!()`, the test fails with a message that names the function, the
    /// book section to read (`read`) and where the hints are. If it panics for another reason,
    /// the test fails saying so, with the original message and where it happened.
    pub fn attempt<T>(&self, step: &str, function: &str, read: &str, f: impl FnOnce() -> T + UnwindSafe) -> T {
        install_quiet_hook();
        let was_inside = INSIDE_ATTEMPT.with(|c| c.replace(true));
        let result = panic::catch_unwind(f);
        INSIDE_ATTEMPT.with(|c| c.set(was_inside));
        match result {
            Ok(value) => value,
            Err(payload) => panic!("{}", self.explain_panic(step, function, read, &*payload)),
        }
    }

    /// The message [`Exercise::attempt`] fails with when the learner's function panicked.
    fn explain_panic(&self, step: &str, function: &str, read: &str, payload: &(dyn Any + Send)) -> String {
        let Exercise { number, hints, on_panic } = *self;
        let message = payload_text(payload);
        let location =
            PANIC_LOCATION.with(|slot| slot.borrow_mut().take()).map(|l| format!(" at {l}")).unwrap_or_default();
        if let Some(rest) = message.strip_prefix("not yet implemented") {
            let stub_hint = rest.trim_start_matches(':').trim();
            let stub_hint =
                if stub_hint.is_empty() { String::new() } else { format!("\n  Its stub says:  {stub_hint}") };
            return format!(
                "\n{step}: `{function}` is not written yet.\
                 \n  Read:           {read}{stub_hint}\
                 \n  Hints:          `cargo xtask watch {number}`, or {hints} (section `{step}`)\n"
            );
        }
        format!(
            "\n{step}: your `{function}` panicked{location}:\
             \n  {message}\
             \n  {on_panic}\
             \n  Read:           {read}\
             \n  Hints:          `cargo xtask watch {number}`, or {hints} (section `{step}`)\n"
        )
    }

    /// A failure message in the voice of a teacher: what was checked, what was expected, what
    /// came back, why it matters and where to read about it.
    ///
    /// `expected` and `got` are shown as written: wrap data in [`show`] to see it in Rust syntax.
    pub fn teach(
        &self,
        step: &str,
        what: &str,
        expected: impl Display,
        got: impl Display,
        why: &str,
        read: &str,
    ) -> String {
        let Exercise { number, hints, .. } = *self;
        format!(
            "\n{step}: {what}\
             \n  expected: {expected}\
             \n  got:      {got}\
             \n  Why it matters: {why}\
             \n  Read: {read}\
             \n  Hints: `cargo xtask watch {number}`, or {hints} (section `{step}`)\n"
        )
    }
}

/// The helpers every exercise's `tests/common/mod.rs` starts with, written once:
///
/// ```ignore
/// exercise_support::exercise_helpers!(number: "07", hints: "exercises/07-layers/hints.md");
/// ```
///
/// defines, in the calling module, `HINTS` (the hints file, for failure messages), `attempt`
/// (runs one of the learner's functions: see [`Exercise::attempt`]) and `teach` (a failure
/// message: see [`Exercise::teach`]), and re-exports [`show`] and [`Rng`] for the step tests.
/// `on_panic: "…"` replaces [`RETURN_DONT_PANIC`], the advice to a learner whose function
/// panicked. What is left in each exercise's `common` is its own: its fixtures, built on the
/// oracles of the `digest` and `layers` features.
#[macro_export]
macro_rules! exercise_helpers {
    (number: $number:literal, hints: $hints:literal $(,)?) => {
        $crate::exercise_helpers!(number: $number, hints: $hints, on_panic: $crate::RETURN_DONT_PANIC);
    };
    (number: $number:literal, hints: $hints:literal, on_panic: $on_panic:expr $(,)?) => {
        #[allow(unused_imports)] // re-exported for the step tests; not every one of them uses them
        pub use $crate::{show, Rng};

        /// Where the hints live, for failure messages.
        pub const HINTS: &str = $hints;

        /// This exercise, as the failure messages of [`attempt`] and [`teach`] name it.
        const EXERCISE: $crate::Exercise = $crate::Exercise { number: $number, hints: HINTS, on_panic: $on_panic };

        /// Runs the learner's function `function` for test file `step` (e.g. `"step1_digest"`):
        /// a `todo!()` becomes a message naming the function, the book section to read (`read`)
        /// and the hints; another panic is reported with its message and where it happened.
        pub fn attempt<T>(step: &str, function: &str, read: &str, f: impl FnOnce() -> T) -> T {
            EXERCISE.attempt(step, function, read, ::std::panic::AssertUnwindSafe(f))
        }

        /// A failure message in the voice of a teacher: what was checked, what was expected,
        /// what came back, why it matters and where to read about it. Wrap data in `show` to
        /// see it in Rust syntax.
        pub fn teach(
            step: &str,
            what: &str,
            expected: impl ::std::fmt::Display,
            got: impl ::std::fmt::Display,
            why: &str,
            read: &str,
        ) -> String {
            EXERCISE.teach(step, what, expected, got, why, read)
        }
    };
}

/// Bytes as text for a failure message (lossy, in Rust string syntax), cut after `max`
/// characters.
pub fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= max {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut:?}… ({} bytes in all)", bytes.len())
    }
}

/// A value in Rust syntax (`{:?}`), for the expected/got lines of [`Exercise::teach`].
pub fn show(value: impl Debug) -> String {
    format!("{value:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EX: Exercise = Exercise { number: "07", hints: "exercises/07-layers/hints.md", on_panic: RETURN_DONT_PANIC };

    fn failure_of<T: Debug>(f: impl FnOnce() -> T + UnwindSafe) -> String {
        let payload = panic::catch_unwind(f).expect_err("attempt should have failed the test");
        payload_text(&*payload)
    }

    #[test]
    fn a_value_passes_through() {
        assert_eq!(EX.attempt("step1_digest", "f", "the book", || 42), 42);
    }

    #[test]
    fn a_todo_becomes_a_pointer_to_the_book_and_the_hints() {
        let text = failure_of(|| EX.attempt("step1_digest", "sha256_digest", "the book", || -> u8 { todo!() }));
        assert_eq!(
            text,
            "\nstep1_digest: `sha256_digest` is not written yet.\
             \n  Read:           the book\
             \n  Hints:          `cargo xtask watch 07`, or exercises/07-layers/hints.md (section `step1_digest`)\n"
        );
    }

    #[test]
    fn a_todo_message_is_passed_on() {
        let text = failure_of(|| EX.attempt("step2_tar", "layer_tar", "the book", || -> u8 { todo!("sort first") }));
        assert!(text.contains("\n  Its stub says:  sort first\n"), "{text}");
    }

    #[test]
    fn another_panic_is_reported_with_its_message_location_and_advice() {
        let text = failure_of(|| EX.attempt("step2_tar", "layer_tar", "the book", || -> u8 { panic!("boom") }));
        assert!(text.starts_with("\nstep2_tar: your `layer_tar` panicked at "), "{text}");
        assert!(text.contains("src/lib.rs:"), "{text}");
        assert!(text.contains(":\n  boom\n  Return a value (an `Err` for bad input)"), "{text}");
        assert!(text.ends_with("(section `step2_tar`)\n"), "{text}");
    }

    mod helpers {
        crate::exercise_helpers!(number: "09", hints: "exercises/09-tags/hints.md");
    }

    #[test]
    fn the_helpers_macro_names_its_exercise() {
        assert_eq!(helpers::HINTS, "exercises/09-tags/hints.md");
        assert_eq!(helpers::attempt("step1_parse", "parse", "the book", || 3), 3);
        let text = helpers::teach("step1_parse", "the registry", helpers::show(1), 2, "why", "the book");
        assert!(
            text.contains("`cargo xtask watch 09`, or exercises/09-tags/hints.md (section `step1_parse`)"),
            "{text}"
        );
        let text = failure_of(|| helpers::attempt("step1_parse", "parse", "the book", || -> u8 { panic!("boom") }));
        assert!(text.contains("\n  boom\n  Return a value (an `Err` for bad input)"), "{text}");
    }

    #[test]
    fn an_excerpt_is_cut_with_the_length_in_all() {
        assert_eq!(excerpt(b"abc", 5), "\"abc\"");
        assert_eq!(excerpt(b"abcdef", 3), "\"abc\"\u{2026} (6 bytes in all)");
    }

    #[test]
    fn teach_names_the_exercise() {
        let text = EX.teach("step1_digest", "the digest", show("a"), show("b"), "it matters", "the book");
        assert_eq!(
            text,
            "\nstep1_digest: the digest\n  expected: \"a\"\n  got:      \"b\"\n  Why it matters: it matters\
             \n  Read: the book\n  Hints: `cargo xtask watch 07`, or exercises/07-layers/hints.md (section `step1_digest`)\n"
        );
    }
}

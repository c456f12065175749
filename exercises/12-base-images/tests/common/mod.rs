//! Helpers shared by the step tests of exercise 12.
//!
//! Nothing here calls your code except [`attempt`], which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are.

#![allow(dead_code)]

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt::{Debug, Display};
use std::panic::{self, UnwindSafe};
use std::sync::Once;

/// Where the hints live, for failure messages.
pub const HINTS: &str = "exercises/12-base-images/hints.md";

thread_local! {
    /// True while [`attempt`] runs learner code on this thread.
    static INSIDE_ATTEMPT: Cell<bool> = const { Cell::new(false) };
    /// Where the learner's code panicked, captured by the panic hook.
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once per test binary) a panic hook that stays quiet for panics inside [`attempt`]:
/// `attempt` reports those itself, with a hint, so the raw `todo!` message is not the first
/// thing a learner reads. Every other panic (a failed assertion) is printed as usual.
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

/// Runs the learner's function `function` for test file `step` (e.g. `"step1_libc"`).
///
/// If it is still a `todo!()`, the test fails with a message that names the function, the book
/// section to read (`read`) and where the hints are. If it panics for another reason, the test
/// fails saying so, with the original message and where it happened.
pub fn attempt<T>(step: &str, function: &str, read: &str, f: impl FnOnce() -> T + UnwindSafe) -> T {
    install_quiet_hook();
    let was_inside = INSIDE_ATTEMPT.with(|c| c.replace(true));
    let result = panic::catch_unwind(f);
    INSIDE_ATTEMPT.with(|c| c.set(was_inside));
    match result {
        Ok(value) => value,
        Err(payload) => {
            let message = payload_text(&*payload);
            let location =
                PANIC_LOCATION.with(|slot| slot.borrow_mut().take()).map(|l| format!(" at {l}")).unwrap_or_default();
            if let Some(rest) = message.strip_prefix("not yet implemented") {
                let stub_hint = rest.trim_start_matches(':').trim();
                let stub_hint =
                    if stub_hint.is_empty() { String::new() } else { format!("\n  Its stub says:  {stub_hint}") };
                panic!(
                    "\n{step}: `{function}` is not written yet.\
                     \n  Read:           {read}{stub_hint}\
                     \n  Hints:          `cargo xtask watch 12`, or {HINTS} (section `{step}`)\n"
                );
            }
            panic!(
                "\n{step}: your `{function}` panicked{location}:\
                 \n  {message}\
                 \n  Return a value (an `Err` for bad input) instead of panicking on input like this test's.\
                 \n  Read:           {read}\
                 \n  Hints:          `cargo xtask watch 12`, or {HINTS} (section `{step}`)\n"
            );
        }
    }
}

/// A failure message in the voice of a teacher: what was checked, what was expected, what came
/// back, why it matters and where to read about it.
///
/// `expected` and `got` are shown as written: wrap data in [`show`] to see it in Rust syntax.
pub fn teach(step: &str, what: &str, expected: impl Display, got: impl Display, why: &str, read: &str) -> String {
    format!(
        "\n{step}: {what}\
         \n  expected: {expected}\
         \n  got:      {got}\
         \n  Why it matters: {why}\
         \n  Read: {read}\
         \n  Hints: `cargo xtask watch 12`, or {HINTS} (section `{step}`)\n"
    )
}

/// A value in Rust syntax (`{:?}`), for the expected/got lines of [`teach`].
pub fn show(value: impl Debug) -> String {
    format!("{value:?}")
}

/// One entry of a test layer, built here independently of your code.
pub enum Entry<'a> {
    File(&'a str),
    Dir(&'a str),
    /// A symlink: path, target.
    Link(&'a str, &'a str),
    /// A whiteout deleting this path (`dir/.wh.NAME`).
    Delete(&'a str),
}

/// A gzip-compressed layer, built here independently of your code.
pub fn layer(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(0);
        match entry {
            Entry::File(p) => {
                header.set_mode(0o755);
                header.set_entry_type(tar::EntryType::Regular);
                builder.append_data(&mut header, p, &b""[..]).expect("fixture");
            }
            Entry::Dir(p) => {
                header.set_mode(0o755);
                header.set_entry_type(tar::EntryType::Directory);
                builder.append_data(&mut header, format!("{p}/"), &b""[..]).expect("fixture");
            }
            Entry::Link(p, target) => {
                header.set_mode(0o777);
                header.set_entry_type(tar::EntryType::Symlink);
                builder.append_link(&mut header, p, target).expect("fixture");
            }
            Entry::Delete(p) => {
                header.set_mode(0o644);
                header.set_entry_type(tar::EntryType::Regular);
                let wh = match p.rsplit_once('/') {
                    Some((dir, name)) => format!("{dir}/.wh.{name}"),
                    None => format!(".wh.{p}"),
                };
                builder.append_data(&mut header, wh, &b""[..]).expect("fixture");
            }
        }
    }
    let tar = builder.into_inner().expect("fixture");
    use std::io::Write;
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).expect("fixture");
    gz.finish().expect("fixture")
}

/// An Alpine-like root: musl's loader in /lib, with libc.musl as a relative link to it.
pub fn alpine_like() -> Vec<Vec<u8>> {
    vec![layer(&[
        Entry::Dir("bin"),
        Entry::File("bin/busybox"),
        Entry::Link("bin/sh", "/bin/busybox"),
        Entry::Dir("lib"),
        Entry::File("lib/ld-musl-x86_64.so.1"),
        Entry::Link("lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1"),
    ])]
}

/// A Debian-like root with merged /usr: lib64 -> usr/lib64, whose loader is an absolute link
/// into usr/lib/x86_64-linux-gnu/.
pub fn debian_like() -> Vec<Vec<u8>> {
    vec![layer(&[
        Entry::Link("lib", "usr/lib"),
        Entry::Link("lib64", "usr/lib64"),
        Entry::Dir("usr"),
        Entry::Dir("usr/lib"),
        Entry::Dir("usr/lib/x86_64-linux-gnu"),
        Entry::File("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        Entry::File("usr/lib/x86_64-linux-gnu/libc.so.6"),
        Entry::Dir("usr/lib64"),
        Entry::Link("usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
    ])]
}

/// SHA-256 of `bytes` as `"sha256:<hex>"`, computed here, independently of your code.
pub fn sha256_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Undoes gzip, independently of your code.
pub fn gunzip(blob: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(blob).read_to_end(&mut out).expect("valid gzip");
    out
}

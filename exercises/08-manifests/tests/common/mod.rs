//! Helpers shared by the step tests of exercise 08.
//!
//! Nothing here calls your code except [`attempt`], which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are.

#![allow(dead_code)]

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt::{Debug, Display};
use std::io::Read;
use std::panic::{self, UnwindSafe};
use std::sync::Once;

/// Where the hints live, for failure messages.
pub const HINTS: &str = "exercises/08-manifests/hints.md";

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

/// Runs the learner's function `function` for test file `step` (e.g. `"step1_digest"`).
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
                     \n  Hints:          `cargo xtask watch 08`, or {HINTS} (section `{step}`)\n"
                );
            }
            panic!(
                "\n{step}: your `{function}` panicked{location}:\
                 \n  {message}\
                 \n  Return a value (an `Err` for bad input) instead of panicking on input like this test's.\
                 \n  Read:           {read}\
                 \n  Hints:          `cargo xtask watch 08`, or {HINTS} (section `{step}`)\n"
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
         \n  Hints: `cargo xtask watch 08`, or {HINTS} (section `{step}`)\n"
    )
}

/// A value in Rust syntax (`{:?}`), for the expected/got lines of [`teach`].
pub fn show(value: impl Debug) -> String {
    format!("{value:?}")
}

/// SHA-256 of `bytes` as `"sha256:<hex>"`, computed here, independently of your code.
pub fn sha256_of(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Parses JSON, independently of your code; `Err` says why it is not JSON.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))
}

/// Bytes as text for a failure message (lossy), cut after `max` characters.
pub fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= max {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut:?}… ({} bytes in all)", bytes.len())
    }
}

/// Undoes gzip, independently of your code.
pub fn gunzip(blob: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(blob).read_to_end(&mut out)?;
    Ok(out)
}

/// A small uncompressed layer, built here: files in the order given, mtime 0, uid/gid 0.
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for &(path, data) in files {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(data.len() as u64);
        builder.append_data(&mut header, path, data).expect("test fixture: valid tar entry");
    }
    builder.into_inner().expect("test fixture: tar into a Vec")
}

/// Gzip with mtime 0 and no file name, built here, independently of your code.
pub fn gzip_of(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("test fixture: gzip into a Vec");
    encoder.finish().expect("test fixture: gzip into a Vec")
}

/// The two layers of a tiny Driftwood web image, as `(tar, gzip blob, created_by)`.
pub fn driftwood_layers() -> Vec<(Vec<u8>, Vec<u8>, &'static str)> {
    let base = tar_of(&[
        ("etc/nginx/nginx.conf", b"worker_processes auto;\nevents { worker_connections 1024; }\n"),
        ("etc/os-release", b"NAME=\"Alpine Linux\"\nVERSION_ID=3.21.3\n"),
    ]);
    let site = tar_of(&[("usr/share/nginx/html/index.html", b"<h1>Driftwood</h1>\n")]);
    vec![
        (base.clone(), gzip_of(&base), "ADD alpine-minirootfs.tar.gz / # the base"),
        (site.clone(), gzip_of(&site), "COPY site/ /usr/share/nginx/html/"),
    ]
}

/// The real nginx:1.23.1 manifest list (Docker's multi-platform index), as the quay fixture
/// stores it: re-serialized, so it does not hash to its published digest, but every value (and
/// every platform, in order) is the real one.
pub fn nginx_list() -> &'static [u8] {
    driftwood::raw::NGINX_1_23_1_INDEX_REWRITTEN
}

//! Helpers shared by the step tests of exercise 07.
//!
//! Nothing here calls your code except `attempt`, which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are. It, `teach` and
//! `HINTS` come from `exercise_support::exercise_helpers!`, shared by every exercise (no solution
//! code there); so do the independent checks (hashing, tar, gzip), from its `digest` and `layers`
//! features. This file keeps what belongs to exercise 07: its way of writing test layers.

#![allow(dead_code)]

exercise_support::exercise_helpers!(
    number: "07",
    hints: "exercises/07-layers/hints.md",
    on_panic: "A layer function should return its result, not panic, for input like this test's.",
);

#[allow(unused_imports)] // the independent checks, shared by the exercises; not every step uses each
pub use exercise_support::digest::sha256_of;
#[allow(unused_imports)] // the independent checks, shared by the exercises; not every step uses each
pub use exercise_support::layers::{gunzip, read_tar, tar_of, Entry, TarEntry};

/// The entries of a test layer from `(path, Some(contents))` for a file and `(path, None)` for a
/// directory (write it as `"etc/"`), in the order given. The order is kept on purpose, so tests
/// can put a whiteout after the files of its own layer, and so is a leading `./` (as
/// `tar -C rootfs .` writes names).
pub fn entries<'a>(entries: &[(&'a str, Option<&'a [u8]>)]) -> Vec<Entry<'a>> {
    entries
        .iter()
        .map(|&(path, contents)| match contents {
            Some(data) => Entry::File(path, data),
            None => Entry::Dir(path),
        })
        .collect()
}

/// Builds a test layer (uncompressed) from [`entries`], independently of your code.
pub fn raw_layer(layer: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
    tar_of(&entries(layer))
}

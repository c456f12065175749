//! Step 6: delete a big file in a later layer and measure the image. The view loses the file;
//! the image does not lose a byte.
//!
//! Run: `cargo test -p ex07-layers --test step6_deletion_does_not_shrink`
//!
//! This step uses your whole pipeline: tar_layer, gzip, deletion_layer, apply_layers and
//! image_size.

mod common;

use std::collections::BTreeMap;

use common::{attempt, show, teach, Rng};
use ex07_layers::{apply_layers, deletion_layer, gzip, image_size, tar_layer};

const STEP: &str = "step6_deletion_does_not_shrink";
const READ: &str = "the book, 07-layers/exercise.html#step-6-deleting-does-not-shrink-an-image \
                    and 07-layers/index.html#content-addressed-sharing";

const BIG: &str = "app/data/big.bin";
const BIG_LEN: usize = 1 << 20;
const MAIN: (&str, &[u8]) = ("app/main.py", b"print('driftwood')\n");

fn big() -> Vec<u8> {
    Rng::with_seed(0xD21F_7000_0D07_u64).bytes(BIG_LEN)
}

fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    attempt("step2_tar", "tar_layer", "the book, 07-layers/exercise.html#step-2-a-deterministic-tar", || {
        tar_layer(files)
    })
}

fn compress(tar: &[u8]) -> Vec<u8> {
    attempt("step3_layer_ids", "gzip", "the book, 07-layers/exercise.html#step-3-one-layer-two-names", || gzip(tar))
}

fn deletion(paths: &[&str]) -> Vec<u8> {
    attempt("step4_whiteout", "deletion_layer", "the book, 07-layers/exercise.html#step-4-whiteouts", || {
        deletion_layer(paths)
    })
}

fn apply(layers: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>> {
    attempt("step5_apply", "apply_layers", "the book, 07-layers/exercise.html#step-5-the-merged-view", || {
        apply_layers(layers)
    })
}

fn size(blobs: &[Vec<u8>]) -> u64 {
    attempt(STEP, "image_size", READ, || image_size(blobs))
}

/// (base tar, deletion tar): the big file arrives, then a later layer deletes it.
fn base_and_deletion() -> (Vec<u8>, Vec<u8>) {
    let big = big();
    let base = layer(&[(BIG, &big), MAIN]);
    (base, deletion(&[BIG]))
}

#[test]
fn image_size_adds_up_the_blobs() {
    let blobs = vec![vec![7u8; 1000], vec![1u8; 234], Vec::new()];
    let got = size(&blobs);
    assert!(
        got == 1234,
        "{}",
        teach(
            STEP,
            "image_size of three blobs of 1000, 234 and 0 bytes",
            1234,
            got,
            "a registry stores every blob the manifest lists and a pull downloads each of them: \
             the image costs the sum of its compressed layers",
            READ,
        )
    );
    let none = size(&[]);
    assert!(none == 0, "{}", teach(STEP, "image_size of no blobs", 0, none, "nothing stored costs nothing", READ));
}

#[test]
fn deleting_a_file_hides_it_from_the_view() {
    let (base, del) = base_and_deletion();
    let view = apply(&[base, del]);
    let paths: Vec<&String> = view.keys().collect();
    assert!(
        !view.contains_key(BIG) && view.get(MAIN.0).map(Vec::as_slice) == Some(MAIN.1),
        "{}",
        teach(
            STEP,
            "the merged view of [base with big.bin, deletion layer]",
            format!("{} present, {BIG} gone", MAIN.0),
            show(&paths),
            "inside the container the file is really gone: this is what `RUN rm` in a later \
             Dockerfile step looks like to the program",
            READ,
        )
    );
}

#[test]
fn deleting_a_file_does_not_shrink_the_image() {
    let (base, del) = base_and_deletion();
    let base_blob = compress(&base);
    let del_blob = compress(&del);
    let before = size(std::slice::from_ref(&base_blob));
    let after = size(&[base_blob, del_blob]);
    assert!(
        before >= BIG_LEN as u64 && after > before,
        "{}",
        teach(
            STEP,
            "image_size before and after adding the deletion layer (compressed bytes)",
            format!("before >= {BIG_LEN} (random data does not compress) and after > before"),
            format!("before = {before}, after = {after}"),
            "layers are immutable and content-addressed: the base blob, big file included, is \
             still stored, listed and pulled; the deletion layer only adds a whiteout on top",
            READ,
        )
    );
}

#[test]
fn rebuilding_without_the_file_is_what_shrinks_it() {
    let (base, del) = base_and_deletion();
    let deleted_later = size(&[compress(&base), compress(&del)]);
    let rebuilt = size(&[compress(&layer(&[MAIN]))]);
    assert!(
        rebuilt < 4096 && rebuilt * 100 < deleted_later,
        "{}",
        teach(
            STEP,
            "image_size of a layer built without the big file, next to one that deletes it later",
            format!("a few hundred bytes, against {deleted_later} with the later deletion"),
            format!("{rebuilt} bytes"),
            "the fix is never a later `rm`: leave the file out of the layer that would carry it \
             (same RUN step, or a multi-stage build)",
            READ,
        )
    );
}

/// A file of a generated size at a generated path: deleting it hides it and adds bytes.
#[test]
fn a_generated_deletion_hides_the_file_and_grows_the_image() {
    let mut rng = Rng::from_env();
    let path = format!("srv/{}/{}.bin", rng.word(5), rng.word(5));
    let len = rng.range(10_000, 300_000) as usize;
    let data = rng.bytes(len);
    let base = layer(&[(&path, &data), MAIN]);
    let gone = deletion(&[&path]);
    let view = apply(&[base.clone(), gone.clone()]);
    let blobs_before = vec![compress(&base)];
    let blobs_after = vec![compress(&base), compress(&gone)];
    let (before, after) = (size(&blobs_before), size(&blobs_after));
    let expected_after = blobs_after.iter().map(|b| b.len() as u64).sum::<u64>();
    assert!(
        !view.contains_key(&path) && view.contains_key(MAIN.0) && after == expected_after && after > before,
        "{}",
        teach(
            STEP,
            &format!("deleting a {}-byte {path:?} in a second layer ({})", data.len(), rng.replay()),
            format!("{path} gone from the view, {} still there, image size {expected_after} > {before}", MAIN.0),
            format!("{path} in the view: {}, image size {after} (before: {before})", view.contains_key(&path)),
            "the whiteout hides the file from the view, but the layer that holds its bytes still \
             ships, and the deletion layer adds its own",
            READ,
        )
    );
}

//! Step 3: compress the tar deterministically, then name the layer twice: diff_id (the tar)
//! and digest (the gzip blob).
//!
//! Run: `cargo test -p ex07-layers --test step3_layer_ids`

mod common;

use common::{attempt, gunzip, raw_layer, sha256_of, show, teach, Rng};
use ex07_layers::{gzip, layer_ids, tar_layer, LayerIds};

const STEP: &str = "step3_layer_ids";
const READ_GZIP: &str = "the book, 07-layers/exercise.html#step-3-one-layer-two-names";
const READ_IDS: &str = "the book, 07-layers/exercise.html#step-3-one-layer-two-names \
                        and 07-layers/index.html#digests-and-diff-ids";

/// A small layer built by the test itself, so this step does not depend on your step 2.
fn sample_tar() -> Vec<u8> {
    let conf = b"worker_processes auto;\nevents { worker_connections 1024; }\n".repeat(20);
    raw_layer(&[("etc/", None), ("etc/nginx/", None), ("etc/nginx/nginx.conf", Some(&conf))])
}

fn compress(data: &[u8]) -> Vec<u8> {
    attempt(STEP, "gzip", READ_GZIP, || gzip(data))
}

fn ids(tar: &[u8]) -> LayerIds {
    attempt(STEP, "layer_ids", READ_IDS, || layer_ids(tar))
}

#[test]
fn gzip_gives_the_tar_back() {
    let tar = sample_tar();
    let blob = compress(&tar);
    let back = gunzip(&blob);
    let ok = matches!(&back, Ok(b) if *b == tar);
    assert!(
        ok,
        "{}",
        teach(
            STEP,
            "gunzip of your gzip output",
            format!("the original {} bytes", tar.len()),
            back.map(|b| format!("{} other bytes", b.len())).unwrap_or_else(|e| format!("not a gzip stream: {e}")),
            "a runtime decompresses the blob and must find the exact tar whose hash is the \
             diff_id",
            READ_GZIP,
        )
    );
}

#[test]
fn gzip_compresses() {
    let tar = sample_tar();
    let blob = compress(&tar);
    assert!(
        blob.len() < tar.len() / 2,
        "{}",
        teach(
            STEP,
            "the size of your gzip of a repetitive tar",
            format!("well under half of {} bytes", tar.len()),
            format!("{} bytes", blob.len()),
            "layers are compressed so that registries store and pulls move fewer bytes: \
             use a real compression level (Compression::default())",
            READ_GZIP,
        )
    );
}

#[test]
fn gzip_header_has_no_time_and_no_file_name() {
    let blob = compress(&sample_tar());
    let header: Vec<u8> = blob.iter().take(10).copied().collect();
    let magic_ok = header.starts_with(&[0x1f, 0x8b]);
    let has_name = header.get(3).is_some_and(|flags| flags & 0x08 != 0);
    let mtime: Vec<u8> = header.get(4..8).map(|m| m.to_vec()).unwrap_or_default();
    assert!(
        magic_ok && !has_name && mtime == [0, 0, 0, 0],
        "{}",
        teach(
            STEP,
            "the first 10 bytes of your gzip (the gzip header)",
            "1f 8b magic, FNAME flag (0x08 in byte 3) not set, mtime bytes 4..8 all zero",
            format!("{header:02x?}"),
            "gzip can record the time and a file name; either makes the blob, and so the \
             layer digest, differ between two builds of the same files",
            READ_GZIP,
        )
    );
}

#[test]
fn gzip_is_deterministic() {
    let tar = sample_tar();
    let (a, b) = (compress(&tar), compress(&tar));
    assert!(
        a == b,
        "{}",
        teach(
            STEP,
            "two gzip runs over the same tar",
            "identical blobs",
            format!("{} and {} bytes that differ", a.len(), b.len()),
            "the registry names the blob by its hash: a different blob is a different layer",
            READ_GZIP,
        )
    );
}

#[test]
fn diff_id_is_the_digest_of_the_uncompressed_tar() {
    let tar = sample_tar();
    let expected = sha256_of(&tar);
    let got = ids(&tar).diff_id;
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "diff_id of the layer",
            show(&expected),
            show(&got),
            "the diff_id names the file system content (the tar before compression); the image \
             config lists diff_ids, and a runtime checks them after decompressing",
            READ_IDS,
        )
    );
}

#[test]
fn digest_and_size_describe_the_compressed_blob() {
    let tar = sample_tar();
    let blob = compress(&tar);
    let expected = (sha256_of(&blob), blob.len() as u64);
    let got = ids(&tar);
    assert!(
        (got.digest.clone(), got.size) == expected,
        "{}",
        teach(
            STEP,
            "(digest, size) of the layer",
            show(&expected),
            show((&got.digest, got.size)),
            "the manifest names the blob the registry stores: its digest and size are those of \
             the gzip bytes (use your own `gzip`, so they match what you would upload)",
            READ_IDS,
        )
    );
}

#[test]
fn diff_id_and_digest_are_different_names() {
    let got = ids(&sample_tar());
    assert!(
        got.diff_id != got.digest && got.diff_id.starts_with("sha256:") && got.digest.starts_with("sha256:"),
        "{}",
        teach(
            STEP,
            "the two names of one layer",
            "two different \"sha256:…\" digests",
            show((&got.diff_id, &got.digest)),
            "the same layer has one name for its content (diff_id, in the config) and one for \
             its compressed blob (digest, in the manifest); mixing them up breaks pulls",
            READ_IDS,
        )
    );
}

#[test]
fn the_same_files_always_give_the_same_layer() {
    let files: [(&str, &[u8]); 2] =
        [("app/main.py", b"print('driftwood')\n"), ("app/requirements.txt", b"psycopg==3.2\n")];
    let swapped = [files[1], files[0]];
    let read = "the book, 07-layers/exercise.html#step-2-a-deterministic-tar";
    let a = ids(&attempt("step2_tar", "tar_layer", read, || tar_layer(&files)));
    let b = ids(&attempt("step2_tar", "tar_layer", read, || tar_layer(&swapped)));
    assert!(
        a == b,
        "{}",
        teach(
            STEP,
            "layer_ids of two builds of the same files (your tar_layer, then layer_ids)",
            show(&a),
            show(&b),
            "reproducible builds give the same digests, so registries and caches can share \
             the layer instead of storing it twice",
            READ_IDS,
        )
    );
}

/// A tar of generated files: both names and the size follow from the bytes, computed here.
#[test]
fn a_generated_layer_gets_both_names() {
    let mut rng = Rng::from_env();
    let names: Vec<String> = (0..rng.range(1, 4)).map(|i| format!("srv/{}{i}", rng.word(6))).collect();
    let contents: Vec<Vec<u8>> = names.iter().map(|_| rng.word(2000).into_bytes()).collect();
    let mut entries: Vec<(&str, Option<&[u8]>)> = vec![("srv/", None)];
    entries.extend(names.iter().zip(&contents).map(|(n, c)| (n.as_str(), Some(c.as_slice()))));
    let tar = raw_layer(&entries);
    let got = ids(&tar);
    let blob = compress(&tar);
    let expected = LayerIds { diff_id: sha256_of(&tar), digest: sha256_of(&blob), size: blob.len() as u64 };
    assert!(
        got == expected && gunzip(&blob).ok().as_ref() == Some(&tar),
        "{}",
        teach(
            STEP,
            &format!("layer_ids of a generated {}-byte tar ({})", tar.len(), rng.replay()),
            show(&expected),
            show(&got),
            "diff_id hashes the tar as given; digest and size describe your gzip of it, which must \
             give the tar back",
            READ_IDS,
        )
    );
}

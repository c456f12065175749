//! Step 2: parse a manifest and write it back. Same meaning, different bytes, different digest.
//!
//! Run: `cargo test -p ex08-manifests --test step2_reserialize`

mod common;

use common::{attempt, excerpt, parse_json, sha256_of, show, teach, Rng};
use driftwood::raw;
use ex08_manifests::{compact_json, pretty_json, same_meaning, sha256_digest};

const STEP: &str = "step2_reserialize";
const READ: &str = "the book, 08-manifests/exercise.html#step-2-same-meaning-different-bytes \
                    and 08-manifests/index.html#digests-pin-exact-bytes";

const MANIFEST: &[u8] = raw::NGINX_1_23_1_AMD64_MANIFEST;

fn compact(bytes: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    attempt(STEP, "compact_json", READ, || compact_json(bytes))
}

fn pretty(bytes: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    attempt(STEP, "pretty_json", READ, || pretty_json(bytes))
}

fn same(a: &[u8], b: &[u8]) -> bool {
    attempt(STEP, "same_meaning", READ, || same_meaning(a, b))
}

fn ok_or_teach(what: &str, result: Result<Vec<u8>, serde_json::Error>) -> Vec<u8> {
    result.unwrap_or_else(|e| {
        panic!(
            "{}",
            teach(
                STEP,
                what,
                "the JSON written back",
                format!("an error: {e}"),
                "the nginx manifest is valid JSON: parsing it must succeed",
                READ,
            )
        )
    })
}

#[test]
fn compact_keeps_every_value_but_not_the_bytes() {
    let out = ok_or_teach("compact_json of the nginx:1.23.1 manifest", compact(MANIFEST));
    let same_values = parse_json(&out) == parse_json(MANIFEST);
    assert!(
        same_values && out != MANIFEST && sha256_of(&out) != raw::NGINX_1_23_1_AMD64_DIGEST,
        "{}",
        teach(
            STEP,
            "compact_json of the real nginx manifest",
            "JSON with the same values as the original, in fewer bytes, with another digest",
            format!("{} ({} bytes, digest {})", excerpt(&out, 80), out.len(), sha256_of(&out)),
            "the manifest still means the same thing, but it is no longer the document whose \
             digest Docker Hub published: a client that pulls by digest would reject it",
            READ,
        )
    );
}

#[test]
fn compact_is_the_manifest_without_whitespace() {
    // No string in this manifest contains a space, so removing spaces and newlines from the
    // original gives exactly the compact form, keys in their original order.
    let expected: Vec<u8> = MANIFEST.iter().copied().filter(|b| !b" \n".contains(b)).collect();
    let got = ok_or_teach("compact_json of the nginx:1.23.1 manifest", compact(MANIFEST));
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "compact_json of the real nginx manifest, byte for byte",
            excerpt(&expected, 120),
            excerpt(&got, 120),
            "serde_json writes compact JSON with no spaces and, with the workspace's \
             `preserve_order` feature, keeps the keys in the order it read them; parse into a \
             serde_json::Value and serialize that value",
            READ,
        )
    );
}

#[test]
fn pretty_printing_changes_the_digest_too() {
    let got = ok_or_teach("pretty_json of the nginx:1.23.1 manifest", pretty(MANIFEST));
    let starts = b"{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.docker";
    assert!(
        got.starts_with(starts) && parse_json(&got) == parse_json(MANIFEST) && sha256_of(&got) != sha256_of(MANIFEST),
        "{}",
        teach(
            STEP,
            "pretty_json of the real nginx manifest (indented with 3 spaces by Docker's tools)",
            format!("{} …, same values, another digest", excerpt(starts, 80)),
            format!("{} (digest {})", excerpt(&got, 80), sha256_of(&got)),
            "indentation is not meaning, but it is bytes: two spaces instead of three is enough \
             to give the same manifest a new name",
            READ,
        )
    );
}

#[test]
fn same_meaning_ignores_whitespace_key_order_and_escapes() {
    let pretty_manifest = serde_json::to_vec_pretty(&parse_json(MANIFEST).unwrap()).unwrap();
    let cases: [(&str, &[u8], &[u8]); 5] = [
        ("the nginx manifest and its two-space pretty form", MANIFEST, &pretty_manifest),
        (
            "two spellings of the same object",
            br#"{"size": 7653, "mediaType": "x"}"#,
            br#"{"mediaType":"x","size":7653}"#,
        ),
        ("keys in another order", br#"{"a":1,"b":{"c":2,"d":3}}"#, br#"{"b":{"d":3,"c":2},"a":1}"#),
        (
            "a slash escaped as \\/",
            br#"{"mediaType":"application\/vnd.oci.image.index.v1+json"}"#,
            br#"{"mediaType":"application/vnd.oci.image.index.v1+json"}"#,
        ),
        ("a character written as \\u escape", br#"{"os":"\u006cinux"}"#, br#"{"os":"linux"}"#),
    ];
    for (what, a, b) in cases {
        let got = same(a, b);
        assert!(
            got,
            "{}",
            teach(
                STEP,
                &format!("same_meaning for {what}"),
                "true",
                format!("false, for {} and {}", excerpt(a, 60), excerpt(b, 60)),
                "JSON allows many spellings of one value; compare parsed values (serde_json::Value), \
                 never bytes, when you ask what a document means",
                READ,
            )
        );
    }
}

#[test]
fn same_meaning_sees_real_differences() {
    let cases: [(&str, &[u8], &[u8]); 5] = [
        ("the nginx 1.23.1 and 1.22 manifests", MANIFEST, raw::NGINX_1_22_AMD64_MANIFEST),
        (
            "two layers in the other order",
            br#"{"layers":["sha256:aa","sha256:bb"]}"#,
            br#"{"layers":["sha256:bb","sha256:aa"]}"#,
        ),
        ("a size that differs", br#"{"size":1570}"#, br#"{"size":1571}"#),
        ("a document that is not JSON (cut short)", br#"{"schemaVersion": 2,"#, br#"{"schemaVersion": 2,"#),
        ("JSON and not-JSON", br#"{"a":1}"#, b"a=1"),
    ];
    for (what, a, b) in cases {
        let got = same(a, b);
        assert!(
            !got,
            "{}",
            teach(
                STEP,
                &format!("same_meaning for {what}"),
                "false",
                format!("true, for {} and {}", excerpt(a, 60), excerpt(b, 60)),
                "order inside arrays is meaning (layers apply bottom to top), and bytes that are not \
                 JSON mean nothing at all, not even the same nothing",
                READ,
            )
        );
    }
}

#[test]
fn the_rewritten_nginx_index_means_the_same_but_lost_its_digest() {
    let rewritten = raw::NGINX_1_23_1_INDEX_REWRITTEN;
    let published = raw::NGINX_1_23_1_INDEX_PUBLISHED_DIGEST;
    let read1 = "the book, 08-manifests/exercise.html#step-1-the-published-digest";
    let got = attempt("step1_digest", "sha256_digest", read1, || sha256_digest(rewritten));
    assert!(
        got == raw::NGINX_1_23_1_INDEX_REWRITTEN_ACTUAL_DIGEST && got != published,
        "{}",
        teach(
            STEP,
            "the digest of the nginx:1.23.1 manifest list as a test fixture stored it (parsed, keys \
             sorted, `/` written as `\\/`)",
            format!("{}, which is NOT the published {published}", raw::NGINX_1_23_1_INDEX_REWRITTEN_ACTUAL_DIGEST),
            show(&got),
            "someone parsed the real list and wrote it back: every value survived, the bytes did \
             not, and no one can check it against the published digest any more",
            READ,
        )
    );
    let again = ok_or_teach("compact_json of the rewritten nginx list", compact(rewritten));
    assert!(
        same(rewritten, &again) && sha256_of(&again) != published,
        "{}",
        teach(
            STEP,
            "the rewritten list written back once more by compact_json",
            "the same meaning (same_meaning is true) and still not the published digest",
            format!("same_meaning = {}, digest {}", same(rewritten, &again), sha256_of(&again)),
            "re-serializing cannot bring lost bytes back: keep the raw bytes you fetched next to \
             the parsed value, and hash the raw bytes",
            READ,
        )
    );
}

#[test]
fn malformed_json_is_an_error() {
    let cut = &MANIFEST[..MANIFEST.len() / 2];
    let (c, p) = (compact(cut), pretty(cut));
    assert!(
        c.is_err() && p.is_err(),
        "{}",
        teach(
            STEP,
            "compact_json and pretty_json of a manifest cut in half",
            "an Err from both",
            format!(
                "compact_json: {}, pretty_json: {}",
                if c.is_ok() { "Ok" } else { "Err" },
                if p.is_ok() { "Ok" } else { "Err" }
            ),
            "a truncated download is not a manifest; say so instead of inventing one",
            READ,
        )
    );
}

/// A document generated from a seed, written with spaces and in a shuffled key order: the
/// same meaning as its compact form, other bytes, another digest; one changed value is another
/// meaning.
#[test]
fn a_generated_document_keeps_its_meaning_but_not_its_bytes() {
    let mut rng = Rng::from_env();
    let mut fields: Vec<(String, String)> =
        (0..rng.range(3, 7)).map(|i| (format!("k{i}{}", rng.word(4)), rng.word(8))).collect();
    let spaced: String = {
        let mut shuffled = fields.clone();
        rng.shuffle(&mut shuffled);
        let body: Vec<String> = shuffled.iter().map(|(k, v)| format!("  \"{k}\" : \"{v}\"")).collect();
        format!("{{\n{}\n}}\n", body.join(",\n"))
    };
    let compacted = ok_or_teach("compact_json of a generated document", compact(spaced.as_bytes()));
    let meaning_kept = same(spaced.as_bytes(), &compacted);
    let digest_changed = sha256_of(&compacted) != sha256_of(spaced.as_bytes());
    let last = fields.len() - 1;
    fields[last].1.push('x');
    let changed: String = {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":\"{v}\"")).collect();
        format!("{{{}}}", body.join(","))
    };
    let other_meaning = !same(spaced.as_bytes(), changed.as_bytes());
    assert!(
        meaning_kept && digest_changed && other_meaning,
        "{}",
        teach(
            STEP,
            &format!("the generated document {} ({})", excerpt(spaced.as_bytes(), 200), rng.replay()),
            "compact form: same meaning, other digest; one value changed: another meaning",
            format!(
                "same meaning after compacting: {meaning_kept}, digest changed: {digest_changed}, \
                 changed value seen: {other_meaning}"
            ),
            "meaning is the parsed value (key order and spaces do not count); a digest is the bytes",
            READ,
        )
    );
}

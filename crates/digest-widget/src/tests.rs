//! Native tests of everything the widget computes. The browser test (tests/browser/) checks the
//! same results through the page.

use std::io::Write;

use imagekit::layer::{self, BuildOptions, Entry, Limits};
use imagekit::media;

use serde_json::Value;

use super::*;

fn sha256sum(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    let hex: String = sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[test]
fn the_preloaded_manifest_hashes_to_its_published_digest() {
    let a = analyse(std::str::from_utf8(ORIGINAL).unwrap());
    assert_eq!(a.digest, ORIGINAL_DIGEST);
    assert_eq!(a.size as u64, driftwood::raw::NGINX_1_23_1_AMD64_SIZE);
    assert_eq!(a.kind, "manifest");
    assert_eq!(a.media_type, media::DOCKER_MANIFEST);
    assert_eq!(a.rows[0].role, "config");
    assert!(a.rows.len() > 2, "config and layers: {:?}", a.rows);
    assert!(a.rows.iter().all(|r| r.problem.is_empty() && r.digest.starts_with("sha256:")), "{:?}", a.rows);
    assert_eq!(a.rows[1].role, "layer 1");
}

#[test]
fn the_snippet_without_javascript_names_the_published_digest() {
    // The page reads well without JavaScript: the snippet states the digest in plain HTML.
    let snippet = include_str!("../../../src/widget/digest-widget.html");
    assert!(snippet.contains(ORIGINAL_DIGEST), "src/widget/digest-widget.html must name {ORIGINAL_DIGEST}");
}

#[test]
fn digests_are_of_the_exact_utf8_bytes() {
    for text in ["", "{}", "{ }", "é", "{\"a\": \"\u{1F600}\"}\n"] {
        assert_eq!(digest_of(text.as_bytes()), sha256sum(text.as_bytes()));
        assert_eq!(analyse(text).digest, sha256sum(text.as_bytes()));
        assert_eq!(analyse(text).size, text.len());
    }
    assert_eq!(analyse("").kind, "empty");
    assert_eq!(analyse("").digest, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

#[test]
fn reformatting_keeps_the_value_and_changes_the_digest() {
    let text = std::str::from_utf8(ORIGINAL).unwrap();
    let original: Value = serde_json::from_str(text).unwrap();
    let mut digests = vec![digest_of(ORIGINAL)];
    for style in [Style::Pretty, Style::Compact, Style::Sorted] {
        let out = reformat(text, style).unwrap();
        let value: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value, original, "{style:?} must not change the JSON value");
        digests.push(digest_of(out.as_bytes()));
    }
    let mut unique = digests.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "four spellings, four digests: {digests:?}");

    let compact = reformat(text, Style::Compact).unwrap();
    assert!(!compact.contains(' ') && !compact.contains('\n'));
    let sorted = reformat(r#"{"b": {"d": 1, "c": 2}, "a": [ {"z": 0, "y": 1} ]}"#, Style::Sorted).unwrap();
    assert_eq!(sorted.replace([' ', '\n'], ""), r#"{"a":[{"y":1,"z":0}],"b":{"c":2,"d":1}}"#);
    let pretty = reformat(r#"{"b":1,"a":2}"#, Style::Pretty).unwrap();
    assert_eq!(pretty, "{\n  \"b\": 1,\n  \"a\": 2\n}", "pretty keeps the key order");
    assert_eq!(reformat("{oops", Style::Pretty), None);
    assert_eq!(Style::parse("sorted"), Some(Style::Sorted));
    assert_eq!(Style::parse("nope"), None);
}

#[test]
fn invalid_json_reports_line_and_column() {
    let text = "{\n  \"schemaVersion\": 2,\n  \"mediaType\" \"x\"\n}";
    let a = analyse(text);
    assert_eq!(a.kind, "invalid");
    assert_eq!(a.digest, sha256sum(text.as_bytes()), "invalid JSON is still hashed");
    let e = a.error.unwrap();
    assert_eq!((e.line, e.column), (3, 15), "{e:?}");
    assert!(e.message.contains("expected `:`"), "{e:?}");
    assert!(!e.message.contains("at line"), "{e:?}");
    // The offset is where a textarea's cursor goes (UTF-16 code units).
    assert_eq!(&text[e.offset..e.offset + 3], "\"x\"");

    // Columns count characters, offsets UTF-16 units, whatever comes before.
    let text = "{\"é😀\": tru}";
    let e = analyse(text).error.unwrap();
    assert_eq!(e.line, 1);
    let chars: Vec<char> = text.chars().collect();
    assert!(chars[e.column - 1..].iter().collect::<String>().contains('}'), "{e:?}");
    assert_eq!(e.offset, text[..text.find('}').unwrap()].encode_utf16().count().min(e.offset));

    let e = analyse("{\"a\": 1,}").error.unwrap();
    assert_eq!((e.line, e.column), (1, 9), "{e:?}");
    let e = analyse("[1, 2").error.unwrap();
    assert_eq!(e.line, 1, "{e:?}");
    assert!(e.message.contains("EOF"), "{e:?}");
}

#[test]
fn kinds_come_from_the_media_type_or_the_shape() {
    let index = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","size":7,
         "digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
        {"mediaType":"x","size":"big","digest":"nope"}]}"#;
    let a = analyse(index);
    assert_eq!(a.kind, "index");
    assert_eq!(a.rows.len(), 2);
    assert_eq!(a.rows[0].platform, "linux/arm64/v8");
    assert_eq!(a.rows[0].size, "7");
    assert!(a.rows[0].problem.is_empty());
    assert!(a.rows[1].problem.starts_with("not a valid descriptor"), "{:?}", a.rows[1]);

    let bare = r#"{"schemaVersion":2,"config":{},"layers":[]}"#;
    assert_eq!(analyse(bare).kind, "manifest");
    assert!(analyse(bare).summary.contains("no mediaType"));
    let config = r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:abc"]}}"#;
    let a = analyse(config);
    assert_eq!(a.kind, "config");
    assert_eq!(a.rows.len(), 1);
    assert!(!a.rows[0].problem.is_empty(), "sha256:abc is too short");
    assert_eq!(analyse("[1,2]").kind, "json");
    assert_eq!(analyse(r#"{"mediaType":"text/plain"}"#).kind, "json");
}

#[test]
fn large_input_is_hashed_not_parsed() {
    let big = "x".repeat(MAX_ANALYSED + 1);
    let a = analyse(&big);
    assert_eq!(a.kind, "large");
    assert_eq!(a.digest, sha256sum(big.as_bytes()));
}

#[test]
fn expected_digests_are_checked_strictly() {
    let actual = ORIGINAL_DIGEST;
    assert_eq!(check_expected("", actual).state, "empty");
    assert_eq!(check_expected(&format!("  {actual}\n"), actual).state, "match");
    assert_eq!(check_expected(&actual["sha256:".len()..], actual).state, "match", "bare hex, as sha256sum prints");
    let other = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    assert_eq!(check_expected(other, actual).state, "mismatch");
    let upper = check_expected(&actual.to_uppercase().replace("SHA256", "sha256"), actual);
    assert_eq!(upper.state, "invalid");
    assert!(upper.message.contains("uppercase"), "{upper:?}");
    assert_eq!(check_expected("sha256:abc", actual).state, "invalid");
    assert_eq!(check_expected("md5:abc", actual).state, "invalid");
}

// ---------------------------------------------------------------------------------------------
// Layers

fn layer_blob() -> (Vec<u8>, layer::LayerInfo) {
    let mut entries = vec![Entry::dir("etc", 0o755), Entry::file("etc/os-release", 0o644, "ID=driftwood\n")];
    // Enough data for several deflate blocks and chunk boundaries everywhere.
    let noise: Vec<u8> = (0u32..300_000).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    entries.push(Entry::file("usr/share/noise.bin", 0o644, noise));
    entries.push(Entry::whiteout("var/cache/old"));
    let opts = BuildOptions { mtime: 0, level: 6, threads: 1 };
    let mut blob = Vec::new();
    let info = layer::build_from_entries(entries, &opts, &mut blob).unwrap();
    (blob, info)
}

fn hash_layer(blob: &[u8], chunk: usize) -> LayerResult {
    let mut h = LayerHasher::default();
    for c in blob.chunks(chunk.max(1)) {
        h.update(c);
    }
    assert_eq!(h.bytes(), blob.len() as u64);
    h.finish()
}

#[test]
fn a_gzip_layer_gets_the_digest_and_diff_id_imagekit_builds() {
    let (blob, info) = layer_blob();
    for chunk in [1, 2, 7, 4096, 65_536, 1 << 20, blob.len()] {
        let r = hash_layer(&blob, chunk);
        assert_eq!(r.digest, info.digest.to_string(), "chunk {chunk}");
        assert_eq!(r.size, info.size);
        assert_eq!(r.diff_id, info.diff_id.to_string(), "chunk {chunk}: {r:?}");
        assert_eq!(r.uncompressed_size, info.uncompressed_size);
        assert!(r.gzip && r.problem.is_empty(), "{r:?}");
    }
    // And imagekit's own reader agrees.
    let (diff_id, _) = layer::diff_id_of_blob(&blob[..], &Limits::default()).unwrap();
    assert_eq!(diff_id, info.diff_id);
}

#[test]
fn concatenated_gzip_members_are_one_stream() {
    let mut blob = Vec::new();
    let mut tar = Vec::new();
    for part in [&b"first member "[..], b"second member"] {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(part).unwrap();
        blob.extend(gz.finish().unwrap());
        tar.extend_from_slice(part);
    }
    for chunk in [1, 5, blob.len()] {
        let r = hash_layer(&blob, chunk);
        assert_eq!(r.diff_id, sha256sum(&tar), "chunk {chunk}: {r:?}");
    }
}

#[test]
fn a_truncated_gzip_layer_says_so_and_keeps_its_digest() {
    let (blob, _) = layer_blob();
    for cut in [3, 20, blob.len() / 2, blob.len() - 4, blob.len() - 1] {
        let r = hash_layer(&blob[..cut], 4096);
        assert_eq!(r.digest, sha256sum(&blob[..cut]));
        assert!(r.gzip && r.diff_id.is_empty(), "cut {cut}: {r:?}");
        assert!(r.problem.starts_with("truncated gzip stream"), "cut {cut}: {r:?}");
    }
}

#[test]
fn an_altered_gzip_layer_fails_its_crc() {
    let (mut blob, _) = layer_blob();
    let n = blob.len();
    blob[n - 6] ^= 0xff; // inside the CRC32 of the trailer
    let r = hash_layer(&blob, 1 << 20);
    assert!(r.problem.contains("CRC"), "{r:?}");
    let (mut blob, _) = layer_blob();
    blob[100] ^= 0x55; // inside the deflate data
    let r = hash_layer(&blob, 1 << 20);
    assert!(r.diff_id.is_empty() && !r.problem.is_empty(), "{r:?}");
}

#[test]
fn non_gzip_blobs_get_a_digest_and_a_clear_reason() {
    let json = br#"{"architecture":"amd64"}"#;
    let r = hash_layer(json, 3);
    assert_eq!(r.digest, sha256sum(json));
    assert!(!r.gzip && r.diff_id.is_empty());
    assert_eq!(r.problem, "not a gzip stream");
    assert!(r.note.contains("1f 8b"), "{r:?}");

    let mut tar = Vec::new();
    layer::write_tar(vec![Entry::file("a", 0o644, "a\n")], &BuildOptions::default(), &mut tar).unwrap();
    let r = hash_layer(&tar, 100);
    assert_eq!(r.problem, "not a gzip stream");
    assert!(r.note.contains("uncompressed tar"), "{r:?}");

    let r = hash_layer(&[], 1);
    assert_eq!(r.digest, sha256sum(b""));
    assert!(r.note.contains("empty"), "{r:?}");
    let r = hash_layer(&[0x1f], 1);
    assert_eq!(r.problem, "not a gzip stream");

    // Invalid UTF-8 is just bytes.
    let bytes = [0xff, 0xfe, 0x00, 0xc3, 0x28];
    assert_eq!(hash_layer(&bytes, 2).digest, sha256sum(&bytes));
    let mut h = BlobHasher::default();
    h.update(&bytes[..2]);
    h.update(&bytes[2..]);
    assert_eq!(h.bytes(), 5);
    assert_eq!(h.finish(), sha256sum(&bytes));
}

#[test]
fn a_decompression_bomb_stops_the_diff_id_not_the_digest() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![0u8; 4 << 20]).unwrap();
    let blob = gz.finish().unwrap();
    let limits = Limits { max_uncompressed: 1 << 20, ..Limits::default() };
    let mut h = LayerHasher::new(limits);
    h.update(&blob);
    let r = h.finish();
    assert_eq!(r.digest, sha256sum(&blob));
    assert!(r.diff_id.is_empty());
    assert!(r.problem.contains("limit"), "{r:?}");
}

#[test]
fn gzip_headers_with_name_comment_and_extra_fields_are_read() {
    let data = b"layer bytes, any bytes".repeat(1000);
    let mut gz = flate2::GzBuilder::new()
        .filename("layer.tar")
        .comment("made by a test")
        .extra(vec![1, 2, 3, 4])
        .write(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data).unwrap();
    let blob = gz.finish().unwrap();
    for chunk in [1, 3, 11, blob.len()] {
        let r = hash_layer(&blob, chunk);
        assert_eq!(r.diff_id, sha256sum(&data), "chunk {chunk}: {r:?}");
    }
    // Something after the last member that is not another member.
    let mut tail = blob.clone();
    tail.extend_from_slice(b"junk");
    let r = hash_layer(&tail, 7);
    assert!(r.diff_id.is_empty() && r.problem.contains("not another gzip member"), "{r:?}");
    // A size field that lies.
    let mut bad = blob.clone();
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert!(hash_layer(&bad, 4096).problem.contains("size does not match"));
}

#[test]
fn crc32_is_the_gzip_crc() {
    assert_eq!(gunzip::crc32(0, b"123456789"), 0xcbf4_3926);
    assert_eq!(gunzip::crc32(gunzip::crc32(0, b"1234"), b"56789"), 0xcbf4_3926);
}

#[test]
fn the_json_reader_agrees_with_serde_json() {
    let cases = [
        "{}",
        "[]",
        "0",
        "-0",
        "1.5e-3",
        "\"a\"",
        "true",
        "null",
        " {\"a\" : [1, {\"b\": null}] } ",
        "\"\\u00e9\\ud83d\\ude00\\n\"",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "1e+",
        "+1",
        "[1,]",
        "{\"a\":1,}",
        "{,}",
        "[1 2]",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"a\tb\"",
        "\"abc",
        "[",
        "{",
        "{\"a\"",
        "{\"a\":",
        "tru",
        "nul",
        "[true false]",
        "{} x",
        "[]]",
        "\"\\u12\"",
        "\"\\u12g4\"",
        "\n\n  [1,\n   2,,]",
    ];
    for text in cases {
        let ours = json::parse(text);
        let theirs = serde_json::from_str::<serde_json::Value>(text);
        assert_eq!(ours.is_ok(), theirs.is_ok(), "{text:?}: ours {ours:?}, serde_json {theirs:?}");
        if let (Err(_), Err(e)) = (&ours, &theirs) {
            let a = analyse(text);
            let ours = a.error.unwrap();
            assert_eq!(ours.line, e.line(), "{text:?}: {ours:?} vs {e}");
        }
    }
    let deep = "[".repeat(200) + &"]".repeat(200);
    assert!(json::parse(&deep).is_err() && serde_json::from_str::<serde_json::Value>(&deep).is_err());
}

#[test]
fn reformatting_keeps_numbers_and_escapes_as_written() {
    let text = r#"{"b": 1.50, "a": "caf\u00e9 \/", "c": [1e3, -0, {}], "d": []}"#;
    assert_eq!(reformat(text, Style::Compact).unwrap(), r#"{"b":1.50,"a":"caf\u00e9 \/","c":[1e3,-0,{}],"d":[]}"#);
    assert_eq!(
        reformat(text, Style::Sorted).unwrap(),
        "{\n  \"a\": \"caf\\u00e9 \\/\",\n  \"b\": 1.50,\n  \"c\": [\n    1e3,\n    -0,\n    {}\n  ],\n  \"d\": []\n}"
    );
    // serde_json's own pretty printer gives the same layout for values it prints unchanged.
    let plain = std::str::from_utf8(ORIGINAL).unwrap();
    let value: Value = serde_json::from_str(plain).unwrap();
    assert_eq!(reformat(plain, Style::Pretty).unwrap(), serde_json::to_string_pretty(&value).unwrap());
    assert_eq!(reformat(plain, Style::Compact).unwrap(), serde_json::to_string(&value).unwrap());
    assert_eq!(json::unquote(r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#), "a\"\\/\u{8}\u{c}\n\r\té😀");
}

#[test]
fn results_for_javascript_are_valid_json() {
    let a = analyse("{\n \"mediaType\": \"a\\\"b\\u0001\", \"manifests\": [1]\n}");
    let v: Value = serde_json::from_str(&a.to_json()).unwrap();
    assert_eq!(v["media_type"], "a\"b\u{1}");
    assert_eq!(v["size"], a.size);
    assert_eq!(v["error"], Value::Null);
    let bad: Value = serde_json::from_str(&analyse("[1,").to_json()).unwrap();
    assert_eq!(bad["error"]["line"], 1);
    let manifest: Value = serde_json::from_str(&analyse(std::str::from_utf8(ORIGINAL).unwrap()).to_json()).unwrap();
    assert_eq!(manifest["rows"].as_array().unwrap().len(), 7);
    assert_eq!(manifest["rows"][1]["size"], "31366757");
    let check: Value = serde_json::from_str(&check_expected("x", ORIGINAL_DIGEST).to_json()).unwrap();
    assert_eq!(check["state"], "invalid");
    let layer: Value = serde_json::from_str(&hash_layer(b"\x1f\x8b", 1).to_json()).unwrap();
    assert_eq!(layer["gzip"], true);
    assert!(layer["problem"].as_str().unwrap().starts_with("truncated"));
}

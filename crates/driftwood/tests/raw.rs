//! The raw test vectors: content is addressed by exact bytes.

use driftwood::raw::*;
use imagekit::Digest;

#[test]
fn the_raw_manifests_hash_to_their_published_digests() {
    for (name, bytes, published, size) in [
        ("nginx:1.23.1 linux/amd64", NGINX_1_23_1_AMD64_MANIFEST, NGINX_1_23_1_AMD64_DIGEST, NGINX_1_23_1_AMD64_SIZE),
        ("nginx:1.22 linux/amd64", NGINX_1_22_AMD64_MANIFEST, NGINX_1_22_AMD64_DIGEST, NGINX_1_22_AMD64_SIZE),
    ] {
        let published = Digest::parse(published).unwrap();
        assert_eq!(Digest::of_bytes(bytes), published, "{name}");
        assert_eq!(bytes.len() as u64, size, "{name}");
        published.verify(name, bytes).unwrap();
    }
}

#[test]
fn the_rewritten_index_does_not_hash_to_its_published_digest() {
    let published = Digest::parse(NGINX_1_23_1_INDEX_PUBLISHED_DIGEST).unwrap();
    let actual = Digest::of_bytes(NGINX_1_23_1_INDEX_REWRITTEN);
    assert_ne!(actual, published);
    assert_eq!(actual.to_string(), NGINX_1_23_1_INDEX_REWRITTEN_ACTUAL_DIGEST);
    let err = published.verify("nginx:1.23.1 index", NGINX_1_23_1_INDEX_REWRITTEN).unwrap_err().to_string();
    assert!(
        err.contains(NGINX_1_23_1_INDEX_PUBLISHED_DIGEST) && err.contains(NGINX_1_23_1_INDEX_REWRITTEN_ACTUAL_DIGEST)
    );
}

/// Re-serializing kept the JSON values: the list's amd64 descriptor still names the manifest
/// bytes correctly. Only the list's own bytes (and so its digest) changed.
#[test]
fn the_rewritten_index_still_describes_the_amd64_manifest_correctly() {
    let index: serde_json::Value = serde_json::from_slice(NGINX_1_23_1_INDEX_REWRITTEN).unwrap();
    assert_eq!(index["mediaType"], "application/vnd.docker.distribution.manifest.list.v2+json");
    let amd64 = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["architecture"] == "amd64" && m["platform"]["os"] == "linux")
        .unwrap();
    assert_eq!(amd64["digest"], NGINX_1_23_1_AMD64_DIGEST);
    assert_eq!(amd64["size"].as_u64(), Some(NGINX_1_23_1_AMD64_SIZE));
    // The tell-tale of the rewrite: `\/` escapes and sorted keys, absent from registry output.
    let text = std::str::from_utf8(NGINX_1_23_1_INDEX_REWRITTEN).unwrap();
    assert!(text.contains(r"application\/vnd.docker"));
    assert!(text.starts_with(r#"{"manifests":"#));
}

#[test]
fn the_raw_manifests_are_docker_schema2_with_their_original_formatting() {
    for bytes in [NGINX_1_23_1_AMD64_MANIFEST, NGINX_1_22_AMD64_MANIFEST] {
        let text = std::str::from_utf8(bytes).unwrap();
        assert!(text.starts_with("{\n   \"schemaVersion\": 2,"), "3-space indentation is part of the bytes");
        assert!(!text.ends_with('\n'), "no trailing newline");
        let m: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(m["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
        assert_eq!(m["config"]["mediaType"], "application/vnd.docker.container.image.v1+json");
        for l in m["layers"].as_array().unwrap() {
            assert_eq!(l["mediaType"], "application/vnd.docker.image.rootfs.diff.tar.gzip");
            Digest::parse(l["digest"].as_str().unwrap()).unwrap();
        }
    }
}

#[test]
fn data_raw_holds_exactly_the_three_vectors() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/raw"));
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "nginx_1.22_linux_amd64_manifest.json",
            "nginx_1.23.1_index.REWRITTEN-does-not-match.json",
            "nginx_1.23.1_linux_amd64_manifest.json"
        ]
    );
    assert_eq!(std::fs::read(dir.join("nginx_1.23.1_linux_amd64_manifest.json")).unwrap(), NGINX_1_23_1_AMD64_MANIFEST);
}

//! Commands that read the offline Driftwood snapshot or reason about references: inspect,
//! manifest, ref parse, pin and drift.

mod common;

use std::fs;

use common::*;

#[test]
fn inspect_shows_the_real_nginx_image_with_its_source() {
    let out = ok(&["inspect", "nginx:1.27-alpine", "--at", "2025-01-31"]);
    assert!(out.contains("sha256:4efa432b751239898e576a2178702fb156fc483f6d456e0ad5899b3bf5c0445a"), "{out}");
    assert!(out.contains("1.27.3"), "{out}");
    assert!(out.contains("transcribed from maxmood96/repo-info"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["inspect", "docker.io/library/postgres:16", "--json"])).unwrap();
    assert_eq!(json["tag"], "postgres:16");
}

#[test]
fn inspect_of_an_unknown_image_names_what_the_snapshot_holds() {
    let err = fails(&["inspect", "redis:7"]);
    assert!(err.contains("nor in the offline snapshot") && err.contains("nginx"), "{err}");
    assert!(err.contains("docker://redis:7"), "the way to read it online is named: {err}");
}

#[test]
fn manifest_walks_the_index_to_the_amd64_image() {
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["manifest", "nginx:1.27-alpine", "--at", "2025-01-08", "--json"])).unwrap();
    assert_eq!(v["index"]["digest"], "sha256:4efa432b751239898e576a2178702fb156fc483f6d456e0ad5899b3bf5c0445a");
    assert_eq!(v["manifest"]["digest"], "sha256:e922615139d5654db925423c15bdf4c691c4b3535ddb66f0e3c5ffe9be5d9654");
    let layers = v["manifest"]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 8);
    let total: u64 = layers.iter().map(|l| l["size"].as_u64().unwrap()).sum();
    assert_eq!(total, 20_489_980, "the recorded total size");
    let chosen: Vec<_> = v["index"]["entries"].as_array().unwrap().iter().filter(|e| e["chosen"] == true).collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0]["platform"], "linux/amd64");
}

#[test]
fn manifest_says_honestly_when_the_snapshot_lacks_a_platform() {
    let err = fails(&["manifest", "nginx:1.27-alpine", "--platform", "linux/arm/v7"]);
    assert!(err.contains("lists linux/arm/v7") && err.contains("records the manifests of linux/amd64 only"), "{err}");
    let err = fails(&["manifest", "nginx:1.27-alpine", "--platform", "windows/amd64"]);
    assert!(err.contains("no manifest for platform windows/amd64"), "{err}");
}

#[test]
fn manifest_of_a_layout_picks_the_platform_from_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, _) = web_fixture(tmp.path());
    let layout = tmp.path().join("l");
    let l = layout.to_str().unwrap();
    build_image(&[&base], &["--platform", "linux/amd64", "--platform", "linux/arm/v7", "--tag", "m:1"], &layout);
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["manifest", l, "--platform", "linux/arm/v7", "--json"])).unwrap();
    let entries = v["index"]["entries"].as_array().unwrap();
    assert_eq!(entries[1]["chosen"], true);
    assert_eq!(entries[1]["platform"], "linux/arm/v7");
    assert_eq!(v["manifest"]["digest"], entries[1]["digest"]);
    let err = fails(&["manifest", l, "--platform", "linux/arm/v6"]);
    assert!(err.contains("no manifest for platform linux/arm/v6") && err.contains("linux/arm/v7"), "{err}");
}

#[test]
fn ref_parse_normalizes_and_rejects() {
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["ref", "parse", "nginx", "localhost:5000/driftwood/api:2", "--json"])).unwrap();
    assert_eq!(v[0]["normalized"], "docker.io/library/nginx:latest");
    assert_eq!(v[1]["registry"], "localhost:5000");
    assert_eq!(v[1]["repository"], "driftwood/api");
    let err = fails(&["ref", "parse", "Nginx"]);
    assert!(err.contains("must be lowercase"), "{err}");
    let err = fails(&["ref", "parse", "nginx@sha256:abc"]);
    assert!(err.contains("needs 64 hex characters"), "{err}");
}

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27-alpine  # proxy\n  db:\n    image: \"postgres:16\"\n  cache:\n    image: redis@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";

#[test]
fn pin_rewrites_only_the_references_and_drift_explains_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let compose = tmp.path().join("compose.yaml");
    fs::write(&compose, COMPOSE).unwrap();
    let lock = tmp.path().join("lock.yaml");
    ok(&["pin", compose.to_str().unwrap(), "--at", "2024-12-01", "-o", lock.to_str().unwrap()]);
    let pinned = fs::read_to_string(&lock).unwrap();
    assert_eq!(
        pinned,
        COMPOSE
            .replace(
                "nginx:1.27-alpine  #",
                "nginx:1.27-alpine@sha256:110fd73d932a737a359d26c233085ff648dc09e1a99bb65d9032d5fd0c2dce11  #"
            )
            .replace(
                "\"postgres:16\"",
                "\"postgres:16@sha256:857e140debb1031357479a927b7795f431d6aa8d8ca6784565d7049ffebfeb9f\""
            )
    );
    assert_eq!(fs::read_to_string(&compose).unwrap(), COMPOSE, "-o leaves the input alone");

    let v: serde_json::Value =
        serde_json::from_str(&ok(&["drift", lock.to_str().unwrap(), "--at", "2025-02-01", "--json"])).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f[0]["reason"], "version bump 1.27.2 → 1.27.3");
    assert_eq!(f[1]["reason"], "current as of the newest record (2023-12-19)");
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["drift", lock.to_str().unwrap(), "--at", "2026-10-01", "--json"])).unwrap();
    let reason = v["findings"][1]["reason"].as_str().unwrap();
    assert!(reason.contains("16.1 → 16.15") && reason.contains("bookworm → trixie"), "{reason}");
    // --fail-on-drift gates CI.
    let out = imagekit(&["drift", lock.to_str().unwrap(), "--at", "2026-10-01", "--fail-on-drift"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn drift_tells_a_rebuild_from_a_version_bump() {
    let tmp = tempfile::tempdir().unwrap();
    let compose = tmp.path().join("compose.yaml");
    fs::write(&compose, "services:\n  db:\n    image: postgres:16\n").unwrap();
    ok(&["pin", compose.to_str().unwrap(), "--at", "2023-10-01"]);
    let pinned = fs::read_to_string(&compose).unwrap();
    assert!(
        pinned.contains("postgres:16@sha256:4c0bc0755f1c8269d218811689a59cde339afe35ffbb3279c4d40a92049b0a49"),
        "{pinned}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["drift", compose.to_str().unwrap(), "--at", "2023-11-01", "--json"])).unwrap();
    let reason = v["findings"][0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("rebuilt, same version 16.0") || reason.contains("same version 16.0"), "{reason}");
    assert_eq!(v["findings"][0]["now"], "sha256:3648b6c2ac30de803a598afbaaef47851a6ee1795d74b4a5dcc09a22513b15c9");
}

#[test]
fn pin_refuses_a_malformed_reference_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let compose = tmp.path().join("compose.yaml");
    fs::write(&compose, "services:\n  web:\n    image: Nginx:1\n").unwrap();
    let err = fails(&["pin", compose.to_str().unwrap()]);
    assert!(err.contains("line 3") && err.contains("must be lowercase"), "{err}");
    assert_eq!(fs::read_to_string(&compose).unwrap(), "services:\n  web:\n    image: Nginx:1\n");
}

//! Push and pull against a real registry (Debian's docker-registry on a free loopback port):
//! the second pull fetches nothing, images share their base layers in the store, df and prune
//! account for them, a pull by a digest the store holds asks nothing, and skopeo agrees.

mod common;
#[path = "registry_support/mod.rs"]
mod support;

use std::process::Command;

use common::*;
use support::*;

#[test]
fn push_pull_share_df_prune() {
    let Some(registry) = Registry::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (web, api) = build_two(tmp.path(), 300_000);
    let store = tmp.path().join("store");
    let store_arg = store.to_str().unwrap();
    let web_ref = format!("{}/driftwood/web:1", registry.addr);
    let api_ref = format!("{}/driftwood/api:1", registry.addr);

    let pushed = json(&["push", web.to_str().unwrap(), &web_ref]);
    assert_eq!(pushed["blobs_uploaded"], 4, "config + 3 layers: {pushed}");
    assert_eq!(pushed["blobs_skipped"], 0);
    let pushed_api = json(&["push", api.to_str().unwrap(), &api_ref]);
    // A HEAD finds nothing in a new repository (no cross-repository mount), so all are uploaded.
    assert_eq!(pushed_api["blobs_uploaded"], 4, "{pushed_api}");
    let again = json(&["push", web.to_str().unwrap(), &web_ref]);
    assert_eq!((again["blobs_uploaded"].as_u64(), again["blobs_skipped"].as_u64()), (Some(0), Some(4)));

    // Cold pull: every blob fetched, one manifest request.
    let first = json(&["pull", &web_ref, "--store", store_arg]);
    assert_eq!(first["digest"], pushed["digest"]);
    assert_eq!((first["blobs_fetched"].as_u64(), first["blobs_reused"].as_u64()), (Some(4), Some(0)), "{first}");
    assert_eq!(first["requests"]["manifest_requests"], 1);
    assert_eq!(first["requests"]["blob_requests"], 4);
    assert!(first["bytes_moved"].as_u64().unwrap() > 300_000);

    // Warm pull by tag: still asks for the manifest (the tag may have moved), fetches no blob.
    let second = json(&["pull", &web_ref, "--store", store_arg]);
    assert_eq!((second["blobs_fetched"].as_u64(), second["blobs_reused"].as_u64()), (Some(0), Some(4)));
    assert_eq!(second["requests"]["manifest_requests"], 1);
    assert_eq!(second["requests"]["blob_requests"], 0);

    // The other image reuses the shared os and base layers.
    let third = json(&["pull", &api_ref, "--store", store_arg]);
    assert_eq!((third["blobs_fetched"].as_u64(), third["blobs_reused"].as_u64()), (Some(2), Some(2)), "{third}");

    // The summary line is always printed, terminal or not.
    let line = ok(&["pull", &api_ref, "--store", store_arg]);
    assert!(
        line.starts_with(&format!("pulled {api_ref} (sha256:"))
            && line.contains("0 blob(s) fetched, 4 reused")
            && line.contains("1 manifest request(s)"),
        "{line}"
    );

    // df: the shared layers are stored once.
    let df = json(&["store", "df", "--store", store_arg]);
    assert_eq!(df["shared"].as_array().unwrap().len(), 2, "{df}");
    let shared = df["shared_bytes"].as_u64().unwrap();
    assert!(shared > 300_000);
    assert_eq!(df["logical_bytes"].as_u64().unwrap(), df["bytes"].as_u64().unwrap() + shared);
    let api_unique = df["images"].as_array().unwrap().iter().find(|i| i["reference"] == api_ref.as_str()).unwrap()
        ["unique_bytes"]
        .as_u64()
        .unwrap();
    let text = ok(&["store", "df", "--store", store_arg]);
    assert!(text.contains("shared: 2 blob(s)"), "{text}");

    // Untag api and prune: exactly its own blobs go.
    ok(&["store", "rm", &api_ref, "--store", store_arg]);
    let pruned = json(&["store", "prune", "--store", store_arg]);
    assert_eq!(pruned["freed_bytes"].as_u64().unwrap(), api_unique, "{pruned}");
    assert_eq!(pruned["removed"].as_array().unwrap().len(), 3, "api's manifest, config, app layer");
    let listed = json(&["store", "ls", "--store", store_arg]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    ok(&["store", "verify", "--store", store_arg]);
    assert_eq!(check_blobs(&store), 5);

    // A pull by a digest the store holds asks the registry nothing — even with the registry gone.
    let digest = first["digest"].as_str().unwrap().to_string();
    let addr = registry.addr.clone();
    drop(registry);
    let pinned = json(&["pull", &format!("{addr}/driftwood/web@{digest}"), "--store", store_arg]);
    assert_eq!(pinned["requests"]["manifest_requests"], 0);
    assert_eq!(pinned["requests"]["blob_requests"], 0);
    assert_eq!(pinned["blobs_reused"], 4);
    // …while a pull by tag needs the registry, and says so.
    let err = fails(&["pull", &web_ref, "--store", store_arg]);
    assert!(err.contains("/v2/driftwood/web/manifests/1"), "{err}");
}

#[test]
fn multi_platform_index_push_and_platform_pull() {
    let Some(registry) = Registry::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (base, app1, _) = fixtures(tmp.path(), 50_000);
    let layout = tmp.path().join("multi");
    build_two_platforms(&base, &app1, &layout);
    let dest = format!("{}/driftwood/multi:1", registry.addr);
    let pushed = json(&["push", layout.to_str().unwrap(), &dest, "--tag", "multi:1"]);
    assert_eq!(pushed["manifests_pushed"], 3, "two platform manifests by digest, then the index: {pushed}");
    assert_eq!(pushed["media_type"], "application/vnd.oci.image.index.v1+json");

    let store = tmp.path().join("store");
    let arm = json(&["pull", &dest, "--platform", "linux/arm64", "--store", store.to_str().unwrap()]);
    assert_eq!(arm["digest"], pushed["digest"]);
    assert_eq!(arm["platform"], "linux/arm64/v8");
    assert_eq!(arm["requests"]["manifest_requests"], 2, "the index, then the arm64 manifest");
    let amd = json(&["pull", &dest, "--store", store.to_str().unwrap()]);
    assert_eq!(amd["platform"], "linux/amd64");
    // Layers are the same bytes on both platforms (the fixture has no binaries): only the amd64
    // manifest and config are new.
    assert_eq!(amd["blobs_fetched"], 1, "{amd}");
    ok(&["store", "verify", "--store", store.to_str().unwrap()]);

    let err = fails(&["pull", &dest, "--platform", "windows/amd64", "--store", store.to_str().unwrap()]);
    assert!(err.contains("no manifest for platform windows/amd64"), "{err}");
}

#[test]
fn skopeo_sees_what_we_pushed_and_its_copy_verifies() {
    let Some(registry) = Registry::start() else { return };
    let Some(skopeo) = oracle("skopeo") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (web, _) = build_two(tmp.path(), 100_000);
    let dest = format!("{}/driftwood/web:1", registry.addr);
    let pushed = json(&["push", web.to_str().unwrap(), &dest]);

    let out =
        Command::new(&skopeo).args(["inspect", "--tls-verify=false", &format!("docker://{dest}")]).output().unwrap();
    assert!(out.status.success(), "skopeo inspect: {}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["Digest"], pushed["digest"]);
    assert_eq!(seen["Layers"].as_array().unwrap().len(), 3);

    let copy = tmp.path().join("skopeo-copy");
    let out = Command::new(&skopeo)
        .args(["copy", "--src-tls-verify=false", &format!("docker://{dest}"), &format!("oci:{}:web", copy.display())])
        .output()
        .unwrap();
    assert!(out.status.success(), "skopeo copy: {}", String::from_utf8_lossy(&out.stderr));
    let verified = ok(&["layout", "verify", copy.to_str().unwrap()]);
    assert!(verified.starts_with("ok: "), "{verified}");
    // skopeo copied the same manifest bytes: the digest survives the round trip.
    let index: serde_json::Value = serde_json::from_slice(&std::fs::read(copy.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"][0]["digest"], pushed["digest"]);
}

//! Topics 11 and 12: history, config, audit, extract, libc and compare, on test images built here
//! and on the offline Driftwood snapshot.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use imagekit::config::{History, ImageConfig};
use imagekit::layout::Layout;
use imagekit::manifest::Manifest;
use imagekit::media;
use imagekit::raw::Raw;
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).unwrap_or_else(|e| panic!("imagekit {args:?} printed invalid JSON: {e}"))
}

/// Rewrite the config of `tag` in `layout` with the library (the way a builder other than
/// `imagekit image build` would write it): new config blob, new manifest, tag moved.
fn rewrite_config(layout: &Path, tag: &str, edit: impl FnOnce(&mut ImageConfig)) {
    let l = Layout::open(layout).unwrap();
    let image = l.image(Some(tag), None).unwrap();
    let mut config = image.config.value.clone();
    edit(&mut config);
    let config = Raw::encode(config);
    l.write_blob(config.bytes()).unwrap();
    let manifest = Manifest::new(config.descriptor(media::OCI_CONFIG), image.manifest.value.layers.clone());
    let manifest = Raw::encode(manifest);
    l.write_blob(manifest.bytes()).unwrap();
    l.set_tag(tag, manifest.descriptor(media::OCI_MANIFEST)).unwrap();
}

fn step(created_by: &str, empty_layer: bool) -> History {
    History { created_by: Some(created_by.into()), empty_layer, ..Default::default() }
}

// ---------------------------------------------------------------- history

#[test]
fn history_of_a_layout_pairs_entries_with_layers_and_explains_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("web");
    build_web(tmp.path(), &layout);
    let l = layout.to_str().unwrap();
    // Put metadata-only steps between the layer-making ones, as a Dockerfile build does.
    rewrite_config(&layout, "web:1", |c| {
        let h = std::mem::take(&mut c.history);
        c.history = vec![
            h[0].clone(),
            step("ENV APP=driftwood", true),
            h[1].clone(),
            step("CMD [\"/bin/hello\"]", true),
            h[2].clone(),
        ];
    });
    let v = json(&["history", l, "--json"]);
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    let layers: Vec<Value> = entries.iter().map(|e| e["layer"]["index"].clone()).collect();
    assert_eq!(layers, [Value::from(0), Value::Null, Value::from(1), Value::Null, Value::from(2)]);
    assert_eq!(entries[1]["empty_layer"], true);
    assert!(entries[..4].iter().all(|e| e["image"] == "<missing>"));
    let id = v["image_id"].as_str().unwrap();
    assert_eq!(entries[4]["image"], format!("sha256:{}", &id[7..19]));
    assert!(v["note"].is_null() && v["layers_without_history"].as_array().unwrap().is_empty(), "{v}");

    let out = ok(&["history", l]);
    assert!(out.contains("(empty_layer)") && out.contains("<missing>"), "{out}");
    assert!(out.contains("5 history entries: 3 made layers, 2 changed only metadata"), "{out}");
    assert!(out.contains("only the image") && out.contains("config digest"), "the footnote explains <missing>: {out}");
}

#[test]
fn history_says_when_history_and_layers_disagree() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("web");
    build_web(tmp.path(), &layout);
    rewrite_config(&layout, "web:1", |c| c.history.truncate(1));
    let v = json(&["history", layout.to_str().unwrap(), "--json"]);
    assert_eq!(v["layers_without_history"].as_array().unwrap().len(), 2);
    assert!(v["note"].as_str().unwrap().contains("1 history entries make layers but rootfs has 3"), "{v}");
}

#[test]
fn history_of_the_real_nginx_image_marks_its_eleven_metadata_steps() {
    let v = json(&["history", "nginx:1.27-alpine@2025-01-08", "--json"]);
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 19);
    assert_eq!(entries.iter().filter(|e| e["empty_layer"] == true).count(), 11);
    assert_eq!(entries[0]["layer"]["index"], 0);
    assert_eq!(entries[1]["layer"], Value::Null, "CMD [\"/bin/sh\"] made no layer");
    assert_eq!(entries[18]["layer"]["index"], 7);
    assert_eq!(entries[18]["image"], "sha256:750b954b2a6f");
    assert_eq!(entries[0]["image"], "<missing>");
    assert_eq!(v["total_size"], 20_489_980);
    let out = ok(&["history", "nginx:1.27-alpine", "--at", "2025-01-31"]);
    assert!(out.contains("ADD alpine-minirootfs-3.20.4") && out.contains("<missing>"), "{out}");
}

#[test]
fn history_says_so_when_the_snapshot_lacks_it() {
    let out = ok(&["history", "postgres:16@2026-01-13"]);
    assert!(out.contains("holds no build history") && out.contains("layers without a history entry"), "{out}");
    let out = ok(&["history", "postgres:16@2023-10-11"]);
    assert!(out.contains("no build history and no layers"), "{out}");
    let err = fails(&["history", "postgres:16@2001-01-01"]);
    assert!(err.contains("no record postgres:16@2001-01-01") && err.contains("postgres:16@2023-12-19"), "{err}");
}

// ---------------------------------------------------------------- config

#[test]
fn config_json_of_a_layout_is_the_config_blob_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("web");
    build_web(tmp.path(), &layout);
    let l = layout.to_str().unwrap();
    let out = imagekit(&["config", l, "--json"]);
    assert!(out.status.success());
    let bytes = out.stdout.strip_suffix(b"\n").unwrap_or(&out.stdout).to_vec();
    let image = Layout::open(&layout).unwrap().image(None, None).unwrap();
    assert_eq!(bytes, image.config.bytes(), "the exact bytes, not a re-serialization");

    let text = ok(&["config", l]);
    assert!(text.contains("root (default"), "no User means root: {text}");
    assert!(text.contains("[\"/bin/hello\"]") && text.contains("linux/amd64"), "{text}");
    assert!(text.contains(&image.config.value.rootfs.diff_ids[2].to_string()), "{text}");
}

#[test]
fn config_of_a_layout_shows_every_runtime_field() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, _) = web_fixture(tmp.path());
    let layout = tmp.path().join("l");
    let l = layout.to_str().unwrap();
    build_image(
        &[&base],
        &[
            "--tag",
            "c:1",
            "--env",
            "A=1",
            "--user",
            "101:101",
            "--expose",
            "8080",
            "--workdir",
            "/srv",
            "--label",
            "org.opencontainers.image.source=https://x",
            "--entrypoint",
            "/bin/hello",
        ],
        &layout,
    );
    let text = ok(&["config", l]);
    for needle in
        ["101:101", "8080/tcp", "/srv", "A=1", "org.opencontainers.image.source=https://x", "[\"/bin/hello\"]"]
    {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

#[test]
fn config_of_a_snapshot_record_says_where_values_came_from() {
    let text = ok(&["config", "postgres:16-bookworm"]);
    assert!(text.contains("PGDATA=/var/lib/postgresql/data") && text.contains("5432/tcp"), "{text}");
    assert!(text.contains("root (default") && text.contains("SIGINT"), "{text}");
    assert!(text.contains("diff_ids: not in the record"), "{text}");
    let v = json(&["config", "nginx:1.27-alpine", "--json"]);
    assert_eq!(v["config"]["stop_signal"], "SIGQUIT");
    assert_eq!(v["provenance"]["config.env"]["kind"], "derived");
}

// ---------------------------------------------------------------- audit and extract

const DB_PASSWORD: &str = "hunter2-planted";
const NPM_TOKEN: &str = "npm_plantedtoken123";
const URL_PASSWORD: &str = "tiger-planted";
const ID_RSA: &[u8] =
    b"-----BEGIN OPENSSH PRIVATE KEY-----\nplanted-secret-material\n-----END OPENSSH PRIVATE KEY-----\n";
const PKG_SIZE: usize = 120_000;

/// An image with every problem `audit` looks for, one of each:
/// layer 0 (base): a world-writable file, a setuid binary, a big file the app layer overwrites,
///   a package cache deleted later, /tmp with the sticky bit (fine);
/// layer 1 (app): the overwriting copy, an SSH private key;
/// layer 2: deletes the key and the cache (they still ship);
/// config: DB_PASSWORD in Env; a build-arg token and URL credentials in history.
fn planted_image(root: &Path) -> std::path::PathBuf {
    let base = root.join("base");
    let app = root.join("app");
    write(&base.join("etc/os-release"), b"NAME=\"Planted Linux\"\n", 0o644);
    write(&base.join("app/config/big.bin"), &pseudo_random(200_000), 0o644);
    write(&base.join("srv/upload/drop.txt"), b"anyone can write me\n", 0o666);
    write(&base.join("usr/bin/sudo-ish"), b"#!/bin/sh\nexec id\n", 0o4755);
    write(&base.join("var/cache/pkg.tar"), &pseudo_random(PKG_SIZE), 0o644);
    fs::create_dir_all(base.join("tmp")).unwrap();
    fs::set_permissions(base.join("tmp"), std::os::unix::fs::PermissionsExt::from_mode(0o1777)).unwrap();
    write(&app.join("app/config/big.bin"), &pseudo_random(50_000)[..], 0o644);
    write(&app.join("root/.ssh/id_rsa"), ID_RSA, 0o600);
    let layout = root.join("planted");
    let password = format!("DB_PASSWORD={DB_PASSWORD}");
    let deletes = ["--delete", "root/.ssh/id_rsa", "--delete", "var/cache/pkg.tar"];
    let config = ["--env", "PATH=/usr/bin:/bin", "--env", &password, "--tag", "planted:1"];
    build_image(&[&base, &app], &[&deletes[..], &config[..]].concat(), &layout);
    // `imagekit image build` writes its own history lines; plant the leaks a Dockerfile build
    // leaves (a build argument, credentials in a URL) with the library.
    rewrite_config(&layout, "planted:1", |c| {
        c.history[1].created_by = Some(format!("RUN |1 NPM_TOKEN={NPM_TOKEN} /bin/sh -c npm ci # buildkit"));
        c.history.insert(
            1,
            step(&format!("RUN git clone https://deploy:{URL_PASSWORD}@git.example.com/app.git /src"), true),
        );
    });
    layout
}

#[test]
fn audit_finds_every_planted_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = planted_image(tmp.path());
    let l = layout.to_str().unwrap();
    let text = ok(&["audit", l]);
    let raw = ok(&["audit", l, "--json"]);
    for secret in [DB_PASSWORD, NPM_TOKEN, URL_PASSWORD] {
        assert!(!text.contains(secret) && !raw.contains(secret), "{secret} must be masked:\n{text}");
    }
    let v: Value = serde_json::from_str(&raw).unwrap();

    let secrets: Vec<(String, String)> = v["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["place"].as_str().unwrap().to_string(), s["name"].as_str().unwrap().to_string()))
        .collect();
    assert!(secrets.contains(&("Env".into(), "DB_PASSWORD".into())), "{secrets:?}");
    assert!(secrets.contains(&("history[1].created_by".into(), "URL deploy:…@git.example.com".into())), "{secrets:?}");
    assert!(secrets.contains(&("history[2].created_by".into(), "NPM_TOKEN".into())), "{secrets:?}");
    assert_eq!(secrets.len(), 3, "{secrets:?}");
    assert_eq!(v["secrets"][0]["masked"], "hu********ed");

    let deleted = v["deleted"].as_array().unwrap();
    let rows: Vec<(&str, u64, u64, u64)> = deleted
        .iter()
        .map(|d| {
            let n = |k: &str| d[k].as_u64().unwrap();
            (d["path"].as_str().unwrap(), n("added_in"), n("deleted_in"), n("bytes"))
        })
        .collect();
    assert_eq!(rows, [("var/cache/pkg.tar", 0, 2, PKG_SIZE as u64), ("root/.ssh/id_rsa", 1, 2, ID_RSA.len() as u64)]);

    let over = v["overwritten"].as_array().unwrap();
    assert_eq!(over.len(), 1, "{over:?}");
    assert_eq!(over[0]["path"], "app/config/big.bin");
    assert_eq!((over[0]["lower_layer"].as_u64(), over[0]["lower_bytes"].as_u64()), (Some(0), Some(200_000)));

    assert_eq!(v["secret_files"][0]["path"], "root/.ssh/id_rsa");
    assert_eq!(v["secret_files"][0]["deleted_in"], 2);

    let paths = |k: &str| -> Vec<String> {
        v[k].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(paths("world_writable"), ["srv/upload/drop.txt"], "/tmp has the sticky bit and is fine");
    assert_eq!(paths("setid"), ["usr/bin/sudo-ish"]);
    assert_eq!(v["setid"][0]["mode"], 0o4755, "the layer builder keeps the setuid bit");

    // Wasted: the lower big.bin, the deleted key and the deleted cache; nothing else.
    let e = &v["efficiency"];
    let wasted = 200_000 + ID_RSA.len() as u64 + PKG_SIZE as u64;
    assert_eq!(e["wasted_bytes"].as_u64(), Some(wasted));
    let total = e["total_bytes"].as_f64().unwrap();
    assert!((e["score"].as_f64().unwrap() - (1.0 - wasted as f64 / total)).abs() < 1e-12);

    for needle in
        ["DB_PASSWORD", "/root/.ssh/id_rsa", "/var/cache/pkg.tar", "/app/config/big.bin", "-rwsr-xr-x", "EFFICIENCY"]
    {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    for kind in ["secrets", "deleted", "overwritten", "setuid", "world-writable", "any"] {
        let err = fails(&["audit", l, "--fail-on", kind]);
        assert!(err.contains("--fail-on: found"), "{err}");
    }
}

#[test]
fn audit_raises_nothing_on_a_clean_image() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, _) = web_fixture(tmp.path());
    let extra = tmp.path().join("extra");
    write(&extra.join("srv/www/index.html"), b"<h1>clean</h1>\n", 0o644);
    let layout = tmp.path().join("clean");
    let l = layout.to_str().unwrap();
    let config = ["--env", "PGDATA=/var/lib/postgresql/data", "--env", "PWD=/", "--tag", "clean:1"];
    build_image(&[&base, &extra], &config, &layout);
    let v = json(&["audit", l, "--json", "--fail-on", "any"]);
    for k in ["secrets", "deleted", "overwritten", "secret_files", "world_writable", "setid"] {
        assert!(v[k].as_array().unwrap().is_empty(), "{k}: {}", v[k]);
    }
    assert_eq!(v["efficiency"]["score"], 1.0);
    assert_eq!(v["efficiency"]["wasted_bytes"], 0);
}

#[test]
fn audit_of_the_snapshot_checks_config_and_history_only() {
    let out = ok(&["audit", "nginx:1.27-alpine", "--fail-on", "any"]);
    assert!(out.contains("0 secret(s)") && out.contains("file checks need the layers"), "{out}");
    let v = json(&["audit", "postgres:16-bookworm", "--json"]);
    assert_eq!(v["files_checked"], false);
}

#[test]
fn extract_recovers_a_file_a_later_layer_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = planted_image(tmp.path());
    let l = layout.to_str().unwrap();
    let out = imagekit(&["extract", l, "/root/.ssh/id_rsa", "--layer", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, ID_RSA, "the deleted key comes back byte for byte");

    let dest = tmp.path().join("recovered");
    let v = json(&["extract", l, "root/.ssh/id_rsa", "--layer", "1", "-o", dest.to_str().unwrap(), "--json"]);
    assert_eq!(fs::read(&dest).unwrap(), ID_RSA);
    assert_eq!(v["sha256"], imagekit::Digest::of_bytes(ID_RSA).to_string());
    let mode = std::os::unix::fs::PermissionsExt::mode(&fs::metadata(&dest).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);

    // The merged view has no such file, and the deleting layer holds only a whiteout.
    let err = fails(&["extract", l, "root/.ssh/id_rsa", "--layer", "2"]);
    assert!(err.contains("not a file in layer 2") && err.contains("it is in layer(s) 1"), "{err}");
    let err = fails(&["extract", l, "etc/os-release", "--layer", "9"]);
    assert!(err.contains("the image has 3 layers"), "{err}");
}

#[test]
fn extract_refuses_a_damaged_blob_and_prints_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = planted_image(tmp.path());
    let image = Layout::open(&layout).unwrap().image(None, None).unwrap();
    let blob = layout.join("blobs/sha256").join(image.manifest.value.layers[1].digest.hex());
    let mut bytes = fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&blob, bytes).unwrap();
    let out = imagekit(&["extract", layout.to_str().unwrap(), "root/.ssh/id_rsa", "--layer", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing unverified reaches stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(image.manifest.value.layers[1].digest.hex()) && err.contains("mismatch"), "{err}");
}

// ---------------------------------------------------------------- libc

fn build(layout: &Path, tag: &str, dirs: &[&Path]) {
    let mut args = vec!["image".to_string(), "build".into()];
    for d in dirs {
        args.push("--layer".into());
        args.push(d.to_str().unwrap().into());
    }
    args.extend(["--tag".into(), tag.into(), "-o".into(), layout.to_str().unwrap().into()]);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn libc_reads_musl_and_its_version_from_an_alpine_like_image() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, up) = (tmp.path().join("base"), tmp.path().join("up"));
    write(&base.join("lib/ld-musl-x86_64.so.1"), b"\x7fELF musl", 0o755);
    std::os::unix::fs::symlink("ld-musl-x86_64.so.1", base.join("lib/libc.musl-x86_64.so.1")).unwrap();
    write(&base.join("lib/apk/db/installed"), b"P:busybox\nV:1.36.1-r29\n\nP:musl\nV:1.2.4-r2\n", 0o644);
    // An upgrade in a later layer rewrites the database: the newest copy wins.
    write(&up.join("lib/apk/db/installed"), b"P:busybox\nV:1.36.1-r29\n\nP:musl\nV:1.2.5-r0\n", 0o644);
    let layout = tmp.path().join("alpine");
    build(&layout, "a:1", &[&base, &up]);
    let l = layout.to_str().unwrap();
    let v = json(&["libc", l, "--json"]);
    assert_eq!((v["libc"].as_str(), v["version"].as_str()), (Some("musl"), Some("1.2.5-r0")));
    assert_eq!(v["inferred"], false);
    assert_eq!(v["interpreter"]["resolves_to"], "lib/ld-musl-x86_64.so.1");
    let out = ok(&["libc", l]);
    assert!(out.contains("musl 1.2.5-r0") && out.contains("/lib/ld-musl-x86_64.so.1"), "{out}");
}

#[test]
fn libc_follows_merged_usr_symlinks_to_glibc() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("deb");
    let gnu = root.join("usr/lib/x86_64-linux-gnu");
    write(&gnu.join("ld-linux-x86-64.so.2"), b"\x7fELF ld", 0o755);
    write(&gnu.join("libc.so.6"), b"\x7fELF libc", 0o755);
    fs::create_dir_all(root.join("usr/lib64")).unwrap();
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
    std::os::unix::fs::symlink("usr/lib64", root.join("lib64")).unwrap();
    std::os::unix::fs::symlink(
        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        root.join("usr/lib64/ld-linux-x86-64.so.2"),
    )
    .unwrap();
    write(
        &root.join("var/lib/dpkg/status"),
        b"Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u7\n",
        0o644,
    );
    let layout = tmp.path().join("l");
    build(&layout, "d:1", &[&root]);
    let v = json(&["libc", layout.to_str().unwrap(), "--json"]);
    assert_eq!((v["libc"].as_str(), v["version"].as_str()), (Some("glibc"), Some("2.36-9+deb12u7")));
    assert_eq!(v["interpreter"]["path"], "lib64/ld-linux-x86-64.so.2");
    assert_eq!(v["interpreter"]["resolves_to"], "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
}

#[test]
fn libc_of_a_scratch_image_is_none() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("scratch");
    write(&root.join("app"), b"\x7fELF static", 0o755);
    let layout = tmp.path().join("l");
    build(&layout, "s:1", &[&root]);
    let v = json(&["libc", layout.to_str().unwrap(), "--json"]);
    assert_eq!(v["libc"], "none");
    assert!(ok(&["libc", layout.to_str().unwrap()]).contains("scratch"));
}

#[test]
fn libc_of_a_snapshot_reference_is_labelled_inferred() {
    let v = json(&["libc", "nginx:1.27-alpine@2025-01-08", "--json"]);
    assert_eq!((v["libc"].as_str(), v["inferred"].as_bool()), (Some("musl"), Some(true)));
    assert!(v["reason"].as_str().unwrap().contains("Alpine 3.20.4"), "{v}");
    assert!(v["sibling_package"].as_str().unwrap().contains("musl 1.2.5-r0"), "{v}");
    let out = ok(&["libc", "postgres:16"]);
    assert!(out.contains("glibc (INFERRED") && out.contains("trixie"), "{out}");
    let v = json(&["libc", "postgres:16@unknown", "--json"]);
    assert_eq!(v["libc"], Value::Null);
}

// ---------------------------------------------------------------- compare

#[test]
fn compare_layouts_finds_the_shared_base_and_its_chain_id() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, app) = web_fixture(tmp.path());
    let other = tmp.path().join("other");
    write(&other.join("srv/api/main.py"), b"print('api')\n", 0o644);
    let (web, api) = (tmp.path().join("web"), tmp.path().join("api"));
    build(&web, "web:1", &[&base, &app]);
    build(&api, "api:1", &[&base, &other]);
    let v = json(&["compare", web.to_str().unwrap(), api.to_str().unwrap(), "--json"]);
    assert_eq!(v["common_base_layers"], 1);
    assert_eq!(v["shared_layers"].as_array().unwrap().len(), 1);
    let base_size = v["a"]["layers"][0]["size"].as_u64().unwrap();
    assert_eq!(v["shared_bytes"].as_u64(), Some(base_size));
    // ChainID of one layer is its diff_id.
    assert_eq!(v["common_base_chain_id"], v["a"]["diff_ids"][0]);
    let sum = v["a"]["size"].as_u64().unwrap() + v["b"]["size"].as_u64().unwrap();
    assert_eq!(v["both_size"].as_u64(), Some(sum - base_size));
    let out = ok(&["compare", web.to_str().unwrap(), api.to_str().unwrap()]);
    assert!(out.contains("common base: the first 1 layer(s)") && out.contains("ChainID sha256:"), "{out}");
}

#[test]
fn compare_snapshot_records_shows_they_share_nothing() {
    let v = json(&["compare", "postgres:16", "postgres:16-bookworm", "--json"]);
    assert_eq!((v["a"]["layer_count"].as_u64(), v["b"]["layer_count"].as_u64()), (Some(14), Some(14)));
    assert_eq!(v["a"]["size"], 160_275_130);
    assert_eq!(v["b"]["size"], 155_117_260);
    assert_eq!(v["common_base_layers"], 0);
    assert!(v["shared_layers"].as_array().unwrap().is_empty());
    let out = ok(&["compare", "nginx:1.27-alpine", "alpine:3.21"]);
    assert!(out.contains("alpine-minirootfs-3.21.3") && out.contains("alpine-minirootfs-3.21.8"), "{out}");
    assert!(out.contains("common base: none"), "{out}");
    let err = fails(&["compare", "postgres:16@2023-10-11", "postgres:16"]);
    assert!(err.contains("has no layer list"), "{err}");
}

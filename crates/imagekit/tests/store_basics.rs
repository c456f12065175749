//! The local store: verified puts, tags, df, prune, verify, and two users at once.

use std::io::{self, Read};
use std::sync::{mpsc, Arc, Barrier};
use std::time::Duration;

use imagekit::descriptor::Descriptor;
use imagekit::index::Index;
use imagekit::manifest::Manifest;
use imagekit::media;
use imagekit::raw::Raw;
use imagekit::store::Store;
use imagekit::Digest;

use testbed::noise as bytes;

/// Store an "image" (config + layers as opaque bytes) and return its manifest descriptor.
fn put_image(store: &Store, layers: &[&[u8]], config: &[u8]) -> Descriptor {
    let config_desc = Descriptor::for_bytes(media::OCI_CONFIG, config);
    store.put_bytes(&config_desc, config).unwrap();
    let mut layer_descs = Vec::new();
    for layer in layers {
        let d = Descriptor::for_bytes(media::OCI_LAYER_GZIP, layer);
        store.put(&d, *layer).unwrap();
        layer_descs.push(d);
    }
    let manifest = Raw::encode(Manifest::new(config_desc, layer_descs));
    let desc = manifest.descriptor(media::OCI_MANIFEST);
    store.put_bytes(&desc, manifest.bytes()).unwrap();
    desc
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

#[test]
fn put_verifies_size_and_digest_and_leaves_nothing_when_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let good = bytes(1, 100_000);
    let desc = Descriptor::for_bytes(media::OCI_LAYER_GZIP, &good);

    let mut bad = good.clone();
    bad[5000] ^= 1;
    let err = store.put(&desc, &bad[..]).unwrap_err().to_string();
    assert!(err.contains("digest mismatch") && err.contains(&desc.digest.to_string()), "{err}");
    assert!(!store.has(&desc.digest));

    let err = store.put(&desc, &good[..99_999]).unwrap_err().to_string();
    assert!(err.contains("expected 100000 bytes, got 99999"), "{err}");
    let mut long = good.clone();
    long.push(0);
    let err = store.put(&desc, &long[..]).unwrap_err().to_string();
    assert!(err.contains("expected 100000 bytes, got 100001"), "{err}");

    // A source that fails half-way (a dropped connection) stores nothing either.
    struct Broken(usize);
    impl Read for Broken {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::new(io::ErrorKind::ConnectionReset, "connection reset"));
            }
            let n = buf.len().min(self.0);
            buf[..n].fill(7);
            self.0 -= n;
            Ok(n)
        }
    }
    let err = store.put(&desc, Broken(50_000)).unwrap_err().to_string();
    assert!(err.contains("connection reset"), "{err}");
    assert!(!store.has(&desc.digest));
    assert_eq!(files_in(&dir.path().join("blobs/sha256")), 0);
    assert_eq!(files_in(&dir.path().join("ingest")), 0, "temporary files are removed on error");

    assert!(store.put(&desc, &good[..]).unwrap(), "first put stores");
    assert!(!store.put(&desc, &good[..]).unwrap(), "second put is a no-op");
    assert_eq!(store.read(&desc).unwrap(), good);
}

#[test]
fn reads_verify_what_is_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let data = bytes(2, 4096);
    let desc = Descriptor::for_bytes(media::OCI_LAYER_GZIP, &data);
    store.put(&desc, &data[..]).unwrap();
    let mut tampered = data.clone();
    tampered[0] ^= 0xff;
    std::fs::write(store.blob_path(&desc.digest), &tampered).unwrap();
    let err = store.read(&desc).unwrap_err().to_string();
    assert!(err.contains("digest mismatch for blob") && err.contains(&desc.digest.to_string()), "{err}");
    let err = store.verify().unwrap_err().to_string();
    assert!(err.contains(&desc.digest.to_string()), "{err}");
}

#[test]
fn tags_resolve_untag_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let m = put_image(&store, &[&bytes(3, 1000)], b"{\"a\":1}");
    store.tag("127.0.0.1:5000/web:1", &m).unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.resolve("127.0.0.1:5000/web:1").unwrap().digest, m.digest);
    let err = store.resolve("127.0.0.1:5000/web:2").unwrap_err().to_string();
    assert!(err.contains("web:2") && err.contains("web:1"), "{err}");
    // A tag must point at something the store holds.
    let absent = Descriptor::for_bytes(media::OCI_MANIFEST, b"nothing");
    assert!(store.tag("x:1", &absent).unwrap_err().to_string().contains("missing blob"));
    store.untag("127.0.0.1:5000/web:1").unwrap();
    assert!(store.tags().unwrap().is_empty());
    assert!(store.untag("127.0.0.1:5000/web:1").is_err());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("tags.json")).unwrap()).unwrap();
    assert_eq!(json["tags"], serde_json::json!({}));
}

#[test]
fn shared_layers_are_stored_once_and_df_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let (base0, base1) = (bytes(10, 50_000), bytes(11, 30_000));
    let (app_a, app_b) = (bytes(12, 7_000), bytes(13, 9_000));
    let a = put_image(&store, &[&base0, &base1, &app_a], b"{\"image\":\"a\"}");
    let b = put_image(&store, &[&base0, &base1, &app_b], b"{\"image\":\"b\"}");
    store.tag("reg/a:1", &a).unwrap();
    store.tag("reg/b:1", &b).unwrap();
    // 2 manifests + 2 configs + 2 base layers + 2 app layers.
    assert_eq!(store.blobs().unwrap().len(), 8);

    let df = store.df().unwrap();
    assert_eq!(df.shared.len(), 2, "the two base layers");
    assert_eq!(df.shared_bytes, 80_000);
    assert!(df.unreferenced.is_empty());
    let ia = df.images.iter().find(|i| i.reference == "reg/a:1").unwrap();
    assert_eq!(ia.blobs, 5);
    assert_eq!(ia.shared_bytes, 80_000);
    assert_eq!(ia.unique_bytes, ia.bytes - 80_000);
    assert!(ia.missing.is_empty());
    assert_eq!(df.logical_bytes, df.bytes + 80_000, "shared bytes counted once on disk");
}

#[test]
fn prune_removes_exactly_what_no_tag_reaches() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let base = bytes(20, 40_000);
    let app_a = bytes(21, 5_000);
    let a = put_image(&store, &[&base, &app_a], b"{\"image\":\"a\"}");
    let b = put_image(&store, &[&base, &bytes(22, 6_000)], b"{\"image\":\"b\"}");
    store.tag("reg/a:1", &a).unwrap();
    store.tag("reg/b:1", &b).unwrap();
    // A leftover of an interrupted pull.
    std::fs::write(dir.path().join("ingest/partial"), vec![0u8; 123]).unwrap();

    let nothing = store.prune().unwrap();
    assert!(nothing.removed.is_empty());
    assert_eq!(nothing.ingest_removed, 1);
    assert_eq!(nothing.ingest_bytes, 123);

    let unique_a = store.df().unwrap().images.iter().find(|i| i.reference == "reg/a:1").unwrap().unique_bytes;
    store.untag("reg/a:1").unwrap();
    let df = store.df().unwrap();
    assert_eq!(df.unreferenced_bytes, unique_a);
    assert_eq!(df.unreferenced.len(), 3, "a's manifest, config and app layer");
    let report = store.prune().unwrap();
    assert_eq!(report.freed_bytes, unique_a);
    let removed: Vec<&Digest> = report.removed.iter().map(|b| &b.digest).collect();
    assert!(removed.contains(&&a.digest));
    assert!(removed.contains(&&Digest::of_bytes(&app_a)));
    assert!(store.has(&Digest::of_bytes(&base)), "b still needs the base layer");
    store.verify().unwrap();
}

#[test]
fn an_index_reaches_only_the_platforms_that_were_pulled() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let amd = put_image(&store, &[&bytes(30, 1000)], b"{\"p\":\"amd64\"}");
    let mut amd_entry = amd.clone();
    amd_entry.platform = Some(imagekit::Platform::parse("linux/amd64").unwrap());
    let mut arm_entry = Descriptor::for_bytes(media::OCI_MANIFEST, b"never pulled");
    arm_entry.platform = Some(imagekit::Platform::parse("linux/arm64").unwrap());
    let index = Raw::encode(Index::new(vec![amd_entry, arm_entry]));
    let idx = index.descriptor(media::OCI_INDEX);
    store.put_bytes(&idx, index.bytes()).unwrap();
    store.tag("reg/multi:1", &idx).unwrap();
    let (reached, missing) = store.reachable(&idx).unwrap();
    assert_eq!(reached.len(), 4, "index, manifest, config, layer");
    assert!(missing.is_empty());
    assert_eq!(store.prune().unwrap().removed.len(), 0);
    store.verify().unwrap();
}

#[test]
fn concurrent_writers_and_tags_do_not_corrupt_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let root = Arc::new(dir.path().to_path_buf());
    let shared = Arc::new(bytes(40, 300_000));
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let (root, shared, barrier) = (root.clone(), shared.clone(), barrier.clone());
            std::thread::spawn(move || {
                let store = Store::open(&root).unwrap();
                barrier.wait();
                for round in 0..5 {
                    let own = bytes(100 + i * 10 + round, 2_000);
                    let m = put_image(&store, &[&shared, &own], format!("{{\"i\":{i},\"r\":{round}}}").as_bytes());
                    store.tag(&format!("reg/t{i}:{round}"), &m).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = Store::open(&root).unwrap();
    assert_eq!(store.tags().unwrap().len(), 20, "no tag update was lost");
    let report = store.verify().unwrap();
    assert_eq!(report.tags, 20);
    assert_eq!(report.blobs, 1 + 20 * 3, "the shared layer once, and 20 × (manifest, config, own layer)");
    assert_eq!(std::fs::read_dir(dir.path().join("ingest")).unwrap().count(), 0);
}

#[test]
fn prune_waits_for_other_users_of_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let user = Store::open(dir.path()).unwrap();
    let orphan = bytes(50, 1000);
    user.put(&Descriptor::for_bytes(media::OCI_LAYER_GZIP, &orphan), &orphan[..]).unwrap();
    let (tx, rx) = mpsc::channel();
    let root = dir.path().to_path_buf();
    let pruner = std::thread::spawn(move || {
        let store = Store::open(&root).unwrap();
        let report = store.prune().unwrap();
        tx.send(report.freed_bytes).unwrap();
    });
    // While another process (here: another open Store) uses it, prune must not run.
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "prune ran while the store was in use");
    drop(user);
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 1000);
    pruner.join().unwrap();
}

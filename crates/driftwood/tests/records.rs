//! The records: they load, their digests parse, their sums add up, their history matches layers.

use std::collections::BTreeSet;
use std::path::Path;

use driftwood::{
    http_date_to_iso, latest, record, records, records_for, DateRule, ImageRecord, ProvenanceKind, SourceKind,
};
use imagekit::Digest;

fn data_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data"))
}

#[test]
fn the_embedded_data_loads_and_passes_its_structural_checks() {
    let snapshot = driftwood::load().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(snapshot.records().len(), 15);
    assert_eq!(records().len(), 15);
}

#[test]
fn every_file_under_data_records_is_compiled_in() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(data_dir().join("records"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let compiled: BTreeSet<String> = driftwood::record_file_names().map(String::from).collect();
    assert_eq!(on_disk, compiled, "add new files to record_files![] in src/lib.rs");
}

/// Every string in the data that looks like a digest (`sha256:…`) must parse, including fields
/// the typed model keeps as plain strings.
#[test]
fn every_digest_in_the_data_parses() {
    fn walk(v: &serde_json::Value, at: &str, n: &mut usize) {
        match v {
            serde_json::Value::String(s) if s.starts_with("sha256:") || s.starts_with("sha512:") => {
                Digest::parse(s).unwrap_or_else(|e| panic!("{at}: {e}"));
                *n += 1;
            }
            serde_json::Value::Array(items) => {
                items.iter().enumerate().for_each(|(i, x)| walk(x, &format!("{at}[{i}]"), n))
            }
            serde_json::Value::Object(map) => map.iter().for_each(|(k, x)| walk(x, &format!("{at}.{k}"), n)),
            _ => {}
        }
    }
    let mut n = 0;
    let mut files: Vec<_> = driftwood::record_file_names().map(|f| format!("records/{f}")).collect();
    files.push("timeline.json".into());
    for f in files {
        let text = std::fs::read_to_string(data_dir().join(&f)).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        walk(&value, &f, &mut n);
    }
    assert!(n > 250, "only {n} digests seen");
}

#[test]
fn a_malformed_digest_fails_at_load_with_a_clear_error() {
    let text = std::fs::read_to_string(data_dir().join("records/alpine_3.21_2026-09-17.json")).unwrap();
    let good = "sha256:3c81aa9a3d770b316568f4499e30461a5cd3fbd7180bd89e28e34894c7845832";
    assert!(text.contains(good));
    for bad in [
        "sha256:3C81AA9A3D770B316568F4499E30461A5CD3FBD7180BD89E28E34894C7845832",
        "sha256:3c81aa9a3d77",
        "3c81aa9a3d770b316568f4499e30461a5cd3fbd7180bd89e28e34894c7845832",
    ] {
        let err = serde_json::from_str::<ImageRecord>(&text.replace(good, bad)).unwrap_err().to_string();
        assert!(err.contains("digest") || err.contains("hex") || err.contains("':'"), "{bad}: {err}");
    }
    serde_json::from_str::<ImageRecord>(&text).unwrap();
}

#[test]
fn total_size_is_the_sum_of_the_layer_sizes_for_every_image_and_attestation() {
    let mut checked = 0;
    for r in records() {
        for img in &r.images {
            if let (Some(total), Some(sum)) = (img.total_size, img.layer_size_sum()) {
                assert_eq!(total, sum, "{} {}: transcribed total vs recomputed sum", r.id, img.platform);
                checked += 1;
            } else {
                assert!(img.total_size.is_none() && img.layers.is_none(), "{} {}: half recorded", r.id, img.platform);
            }
            if let Some(att) = &img.attestation {
                if let Some(total) = att.total_size {
                    assert_eq!(total, att.layers.iter().map(|l| l.size).sum::<u64>(), "{} attestation", r.id);
                    checked += 1;
                }
                assert!(att.layers.iter().all(|l| l.media_type == "application/vnd.in-toto+json"), "{}", r.id);
            }
        }
    }
    // 11 repo-info records with amd64 layers, 3 of them with arm64 too, 11 attestations with a total.
    assert_eq!(checked, 11 + 3 + 11);
}

#[test]
fn history_layer_making_entries_match_the_layer_count() {
    let mut with_history = 0;
    for r in records() {
        let Some(history) = &r.history else { continue };
        with_history += 1;
        let layers = r.amd64().and_then(|i| i.layers.as_ref()).expect("history without layers");
        let non_empty = history.iter().filter(|e| !e.empty_layer).count();
        assert_eq!(non_empty, layers.len(), "{}", r.id);
        let groups = r.layer_history().expect("groups");
        assert_eq!(groups.len(), layers.len());
        for g in &groups {
            assert!(matches!(g.step().instruction(), "ADD" | "COPY" | "RUN"), "{}: {}", r.id, g.step().created_by);
            assert!(g.entries[..g.entries.len() - 1].iter().all(|e| e.empty_layer));
        }
        let grouped: usize = groups.iter().map(|g| g.entries.len()).sum();
        assert_eq!(grouped + r.history_after_last_layer().len(), history.len(), "{}", r.id);
        // empty_layer was derived from the instruction word: check the rule holds throughout.
        for e in history {
            assert_eq!(e.empty_layer, !matches!(e.instruction(), "ADD" | "COPY" | "RUN"), "{}: {}", r.id, e.created_by);
        }
    }
    assert_eq!(with_history, 9);
}

#[test]
fn http_dates_and_their_iso_forms_agree() {
    for r in records() {
        if let (Some(http), Some(at)) = (&r.date.http, &r.date.at) {
            assert_eq!(http_date_to_iso(http).as_deref(), Some(at.as_str()), "{}", r.id);
        }
        if let (Some(iso), Some(at)) = (&r.date.iso, &r.date.at) {
            assert_eq!(&at[..10], iso, "{}", r.id);
        }
        for img in &r.images {
            let att = img.attestation.iter().flat_map(|a| &a.layers);
            for l in img.layers.iter().flatten().chain(att) {
                if let Some(lm) = &l.last_modified {
                    assert_eq!(http_date_to_iso(&lm.http).as_deref(), Some(lm.iso.as_str()), "{} {}", r.id, l.digest);
                }
            }
        }
        for e in r.history.iter().flatten() {
            assert_eq!(http_date_to_iso(&e.created_http).as_deref(), Some(e.created.as_str()), "{}", r.id);
        }
    }
}

/// The date rule: the newest Last-Modified in the record. Our amd64 blobs can only be older or
/// equal (for the bases the newest blob belongs to another platform), and never on another day.
#[test]
fn record_dates_follow_their_rule() {
    for r in records() {
        match r.date.rule {
            DateRule::NewestBlobLastModified => {
                let at = r.date.at.as_deref().unwrap();
                let amd64 = r.amd64().unwrap();
                let att = amd64.attestation.iter().flat_map(|a| &a.layers);
                let newest = amd64
                    .layers
                    .iter()
                    .flatten()
                    .chain(att)
                    .filter_map(|l| l.last_modified.as_ref().map(|t| t.iso.as_str()))
                    .max()
                    .unwrap();
                assert!(newest <= at, "{}: {newest} > {at}", r.id);
                assert_eq!(&newest[..10], r.date.iso.as_deref().unwrap(), "{}", r.id);
                assert_eq!(r.source.kind, SourceKind::RepoInfoRemote);
            }
            DateRule::MetaCommitDate => {
                let mb = r.meta_build.as_ref().unwrap();
                let first_push = mb.observations.iter().find(|o| o.state == driftwood::BuildState::Pushed).unwrap();
                assert_eq!(first_push.at.as_deref(), r.date.at.as_deref(), "{}", r.id);
                assert_eq!(first_push.commit, r.source.commit);
            }
            DateRule::Unknown => assert!(r.date.iso.is_none() && r.images.is_empty()),
        }
    }
}

#[test]
fn indexes_list_amd64_first_and_pair_images_with_attestations() {
    for r in records() {
        let Some(index) = &r.index else { continue };
        assert_eq!(index.media_type, "application/vnd.oci.image.index.v1+json", "{}", r.id);
        if index.platforms.is_empty() {
            assert_eq!(r.id, "postgres:16@unknown");
            continue;
        }
        assert_eq!(index.platforms[0].to_string(), "linux/amd64", "{}", r.id);
        assert!(index.platforms[1].is_attestation(), "{}", r.id);
        assert!(index.attestation_count() <= index.image_platforms().count());
        for img in &r.images {
            assert!(index.has_platform(&img.platform.to_string()), "{} {}", r.id, img.platform);
        }
    }
    let nginx_1270 = record("nginx:1.27.0-alpine@2024-05-30").unwrap().index.as_ref().unwrap();
    assert!(!nginx_1270.has_platform("linux/arm64/v8"), "the May 2024 index had no arm64 image");
    assert_eq!(nginx_1270.platforms.len(), 12);
    let debian = record("debian:bookworm-slim@2026-01-13").unwrap().index.as_ref().unwrap();
    assert_eq!((debian.image_platforms().count(), debian.attestation_count()), (8, 7), "mips64le has no attestation");
}

#[test]
fn manifest_media_types_are_only_claimed_where_a_reliable_source_recorded_them() {
    for r in records() {
        for img in &r.images {
            let m = &img.manifest;
            match r.source.kind {
                SourceKind::RepoInfoRemote => {
                    assert_eq!(m.media_type, None, "{}", r.id);
                    assert_eq!(
                        m.media_type_as_printed.as_deref(),
                        Some("application/vnd.docker.distribution.manifest.v2+json")
                    );
                    assert_eq!(r.provenance_of("images.manifest.media_type_inferred").kind, ProvenanceKind::Inferred);
                    assert!(img
                        .layers
                        .iter()
                        .flatten()
                        .all(|l| l.media_type.starts_with("application/vnd.oci.image.layer.")));
                }
                _ => {
                    assert_eq!(m.media_type.as_deref(), Some("application/vnd.oci.image.manifest.v1+json"), "{}", r.id)
                }
            }
        }
    }
}

#[test]
fn every_record_names_its_source_and_provenance() {
    for r in records() {
        assert!(r.source.repo.contains('/') && !r.source.path.is_empty(), "{}", r.id);
        assert_eq!(r.source.commit.len(), 40, "{}", r.id);
        assert!(r.source.commit.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{}", r.id);
        assert_eq!(r.provenance.default.kind, ProvenanceKind::Transcribed, "{}", r.id);
        for t in &r.also_tags {
            assert!(t.provenance.note.is_some(), "{}: {}", r.id, t.tag);
        }
    }
    let r = record("nginx:1.27-alpine@2025-01-08").unwrap();
    assert_eq!(r.provenance_of("index.digest").kind, ProvenanceKind::Transcribed);
    assert_eq!(r.provenance_of("config.env").kind, ProvenanceKind::Derived);
    assert_eq!(r.provenance_of("history.empty_layer").kind, ProvenanceKind::Derived);
    assert_eq!(r.provenance_of("images.attestation").kind, ProvenanceKind::Inferred);
    assert_eq!(
        r.provenance_of("images.attestation.layers").kind,
        ProvenanceKind::Inferred,
        "falls back to the parent path"
    );
}

#[test]
fn latest_and_record_accept_the_spellings_people_type() {
    let nginx = latest("nginx:1.27-alpine").unwrap();
    assert_eq!(nginx.id, "nginx:1.27.5-alpine@2025-04-16");
    assert_eq!(nginx.also_tags[0].provenance.kind, ProvenanceKind::Inferred);
    assert_eq!(latest("docker.io/library/nginx:1.27-alpine").unwrap().id, nginx.id);
    assert_eq!(latest("library/nginx:1.27-alpine").unwrap().id, nginx.id);
    assert_eq!(latest("postgres:16").unwrap().id, "postgres:16@2026-09-19");
    assert_eq!(latest("postgres:16-bookworm").unwrap().id, "postgres:16-bookworm@2026-09-19");
    assert_eq!(latest("docker.io/library/postgres:latest").unwrap().id, "postgres:16@2023-10-31");
    assert!(
        latest("nginx:1.27-alpine@sha256:4efa432b751239898e576a2178702fb156fc483f6d456e0ad5899b3bf5c0445a").is_none()
    );
    assert!(latest("redis:7").is_none());

    assert_eq!(record("nginx:1.27-alpine@2025-01-08").unwrap().version.as_deref(), Some("1.27.3"));
    assert_eq!(record("docker.io/library/nginx:1.27-alpine@2025-01-08").unwrap().id, "nginx:1.27-alpine@2025-01-08");
    assert_eq!(record("nginx:1.27-alpine@2025-04-16").unwrap().id, "nginx:1.27.5-alpine@2025-04-16");
    assert_eq!(record("postgres:16@unknown").unwrap().images.len(), 0);
    assert!(record("nginx:1.27-alpine@2025-01-09").is_none());

    let nginx_states: Vec<_> = records_for("nginx:1.27-alpine").iter().map(|r| r.version.clone().unwrap()).collect();
    assert_eq!(nginx_states, ["1.27.0", "1.27.2", "1.27.3", "1.27.5"]);
}

#[test]
fn postgres_16_moved_from_bookworm_to_trixie_and_16_bookworm_stayed() {
    let suites: Vec<_> = records_for("postgres:16").iter().filter_map(|r| r.versions.get("debian").cloned()).collect();
    assert_eq!(suites.first().map(String::as_str), Some("bookworm"));
    assert_eq!(suites.last().map(String::as_str), Some("trixie"));
    let switch = suites.iter().position(|s| s == "trixie").unwrap();
    assert!(suites[..switch].iter().all(|s| s == "bookworm") && suites[switch..].iter().all(|s| s == "trixie"));

    let bookworm = latest("postgres:16-bookworm").unwrap();
    let trixie = latest("postgres:16").unwrap();
    assert_eq!(bookworm.versions["debian"], "bookworm");
    assert_eq!(bookworm.version.as_deref(), Some("16.15-1.pgdg12+2"));
    assert_eq!(trixie.version.as_deref(), Some("16.15-1.pgdg13+2"));
    assert_ne!(bookworm.amd64().unwrap().manifest.digest, trixie.amd64().unwrap().manifest.digest);
}

#[test]
fn local_records_match_exactly_when_image_id_equals_the_config_digest() {
    let mut n = 0;
    for r in records() {
        let Some(local) = &r.local_record else {
            continue;
        };
        n += 1;
        let config = r.amd64().unwrap().config_digest.as_ref().unwrap();
        assert_eq!(local.matches_this_image, &local.image_id == config, "{}", r.id);
        assert_eq!(local.source.kind, SourceKind::RepoInfoLocal);
        if let Some(p) = &local.packages {
            assert!(!local.matches_this_image, "only a sibling build's package list is stored");
            assert_eq!(p.len(), 66);
        }
    }
    assert_eq!(n, 4);
    // The one exact match carries the config's real Env, PATH first.
    let bw = latest("postgres:16-bookworm").unwrap();
    let cfg = bw.config.as_ref().unwrap();
    assert!(cfg.env.as_ref().unwrap()[0].starts_with("PATH="));
    assert_eq!(cfg.env_var("PGDATA"), Some("/var/lib/postgresql/data"));
    assert_eq!(bw.provenance_of("config.env").kind, ProvenanceKind::Transcribed);
}

#[test]
fn config_facts_of_the_driftwood_images() {
    let nginx = latest("nginx:1.27-alpine").unwrap().config.as_ref().unwrap();
    assert_eq!(nginx.entrypoint.as_deref(), Some(&["/docker-entrypoint.sh".to_string()][..]));
    assert_eq!(nginx.cmd.as_ref().unwrap().join(" "), "nginx -g daemon off;");
    assert_eq!(nginx.exposed_ports.as_deref(), Some(&["80/tcp".to_string()][..]));
    assert_eq!(nginx.stop_signal.as_deref(), Some("SIGQUIT"));
    assert_eq!(nginx.env_var("NGINX_VERSION"), Some("1.27.5"));
    assert_eq!(nginx.user, None);
    let pg = latest("postgres:16").unwrap().config.as_ref().unwrap();
    assert_eq!(pg.stop_signal.as_deref(), Some("SIGINT"));
    assert_eq!(pg.volumes.as_deref(), Some(&["/var/lib/postgresql/data".to_string()][..]));
    assert_eq!(pg.exposed_ports.as_deref(), Some(&["5432/tcp".to_string()][..]));
}

#[test]
fn meta_builds_agree_with_their_amd64_images() {
    let mut arches_seen = 0;
    for r in records() {
        let Some(mb) = &r.meta_build else { continue };
        assert!(r.index.is_none(), "{}: the public index is not in builds.json", r.id);
        assert!(mb.source.contains(&mb.git_commit));
        let amd64 = r.amd64().unwrap();
        for a in &mb.arches {
            arches_seen += 1;
            assert_eq!(a.manifest.media_type, "application/vnd.oci.image.manifest.v1+json");
            if a.platform.to_string() == "linux/amd64" {
                assert_eq!(a.manifest.digest, amd64.manifest.digest);
                assert_eq!(Some(a.manifest.size), amd64.manifest.size);
            }
        }
    }
    assert_eq!(arches_seen, 8);
}

#[test]
fn normalize_tag_reduces_docker_hub_spellings() {
    use driftwood::normalize_tag;
    for (input, want) in [
        ("nginx:1.27-alpine", Some("nginx:1.27-alpine")),
        ("docker.io/library/nginx:1.27-alpine", Some("nginx:1.27-alpine")),
        ("index.docker.io/library/postgres:16", Some("postgres:16")),
        ("library/postgres:16", Some("postgres:16")),
        ("docker.io/library/nginx", Some("nginx:latest")),
        ("postgres", Some("postgres:latest")),
        ("localhost:5000/driftwood/web", Some("localhost:5000/driftwood/web:latest")),
        ("postgres@sha256:857e140debb1031357479a927b7795f431d6aa8d8ca6784565d7049ffebfeb9f", None),
        ("", None),
        ("nginx:", None),
        ("nginx 1.27", None),
    ] {
        assert_eq!(normalize_tag(input).as_deref(), want, "{input:?}");
    }
}

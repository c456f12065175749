//! The timeline: a tag moves, a digest doesn't.

use std::collections::BTreeSet;

use driftwood::{moves_for, record, resolve_on, timeline, ProvenanceKind};

#[test]
fn tags_are_contiguous_and_sorted_by_date_with_undated_entries_last() {
    let mut finished = BTreeSet::new();
    let mut prev: Option<&driftwood::TagMove> = None;
    for m in timeline() {
        if let Some(p) = prev {
            if p.tag != m.tag {
                assert!(finished.insert(p.tag.clone()), "{} appears in two runs", p.tag);
                assert!(!finished.contains(&m.tag), "{} appears in two runs", m.tag);
            } else {
                match (&p.date, &m.date) {
                    (Some(a), Some(b)) => {
                        assert!(a <= b, "{}: {a} before {b}", m.tag);
                        if a == b {
                            if let (Some(x), Some(y)) = (&p.at, &m.at) {
                                assert!(x < y, "{}: same day, times out of order", m.tag);
                            }
                        }
                    }
                    (None, Some(_)) => panic!("{}: an undated entry before a dated one", m.tag),
                    _ => {}
                }
            }
        }
        prev = Some(m);
    }
}

#[test]
fn moves_agree_with_the_records_they_point_to() {
    for m in timeline() {
        let Some(id) = &m.record else { continue };
        let r = m.record().unwrap_or_else(|| panic!("no record {id}"));
        assert!(r.has_tag(&m.tag) || m.recorded_tag.as_deref() == Some(r.tag.as_str()), "{} -> {id}", m.tag);
        if let (Some(d), Some(index)) = (&m.index_digest, &r.index) {
            assert_eq!(d, &index.digest, "{} {:?}", m.tag, m.date);
        }
        if let Some(d) = &m.amd64_manifest_digest {
            assert_eq!(d, &r.amd64().unwrap().manifest.digest, "{} {:?}", m.tag, m.date);
        }
        if m.recorded_tag.is_some() {
            assert_eq!(m.provenance.kind, ProvenanceKind::Inferred, "a move filed under another tag is an inference");
        }
    }
}

#[test]
fn nginx_1_27_alpine_had_at_least_four_indexes_between_may_2024_and_april_2025() {
    let indexes: BTreeSet<_> = moves_for("nginx:1.27-alpine")
        .into_iter()
        .filter(|m| m.date.as_deref().is_some_and(|d| ("2024-05-01"..="2025-04-30").contains(&d)))
        .filter_map(|m| m.index_digest.clone())
        .collect();
    assert!(indexes.len() >= 4, "{indexes:?}");
    let versions: Vec<_> = moves_for("nginx:1.27-alpine").iter().filter_map(|m| m.version.clone()).collect();
    assert_eq!(versions, ["1.27.0", "1.27.2", "1.27.3", "1.27.5"]);
}

#[test]
fn postgres_16_had_three_amd64_manifests_in_october_2023_with_one_postgresql_version() {
    let october: Vec<_> = moves_for("postgres:16")
        .into_iter()
        .filter(|m| m.date.as_deref().is_some_and(|d| d.starts_with("2023-10")))
        .collect();
    let manifests: BTreeSet<_> = october.iter().filter_map(|m| m.amd64_manifest_digest.clone()).collect();
    let versions: BTreeSet<_> = october.iter().filter_map(|m| m.version.clone()).collect();
    assert_eq!(manifests.len(), 3, "{manifests:?}");
    assert_eq!(versions.into_iter().collect::<Vec<_>>(), ["16.0 (bookworm)"]);
    // Why: each rebuild followed a new debian:bookworm-slim.
    let parents: BTreeSet<_> = moves_for("debian:bookworm-slim")
        .into_iter()
        .filter(|m| m.date.as_deref().is_some_and(|d| ("2023-09-29"..="2023-10-31").contains(&d)))
        .filter_map(|m| m.amd64_manifest_digest.clone())
        .collect();
    assert_eq!(parents.len(), 3);
}

#[test]
fn postgres_16_moves_from_bookworm_to_trixie() {
    let versions: Vec<_> = moves_for("postgres:16").into_iter().filter_map(|m| m.version.clone()).collect();
    let first_trixie = versions.iter().position(|v| v.contains("trixie")).expect("a trixie move");
    assert!(first_trixie > 0);
    assert!(versions[..first_trixie].iter().all(|v| v.contains("bookworm")));
    assert!(versions[first_trixie..].iter().all(|v| v.contains("trixie")));
    assert!(resolve_on("postgres:16", "2025-06-01").unwrap().version.as_deref().unwrap().contains("bookworm"));
    assert!(resolve_on("postgres:16", "2026-06-01").unwrap().version.as_deref().unwrap().contains("trixie"));
    assert!(resolve_on("postgres:16-bookworm", "2026-12-31").unwrap().version.as_deref().unwrap().contains("bookworm"));
}

#[test]
fn resolve_on_examples() {
    let digest =
        |m: Option<&driftwood::TagMove>| m.and_then(|m| m.index_digest.as_ref()).map(|d| d.short().to_string());
    let amd64 = |m: Option<&driftwood::TagMove>| {
        m.and_then(|m| m.amd64_manifest_digest.as_ref()).map(|d| d.short().to_string())
    };
    // Before the first record: nothing known.
    assert_eq!(resolve_on("nginx:1.27-alpine", "2024-05-29"), None);
    // On the day of a move, the move counts.
    assert_eq!(digest(resolve_on("nginx:1.27-alpine", "2024-05-30")).as_deref(), Some("4be1a20a676d"));
    assert_eq!(digest(resolve_on("nginx:1.27-alpine", "2024-12-25")).as_deref(), Some("110fd73d932a"));
    assert_eq!(digest(resolve_on("nginx:1.27-alpine", "2025-01-08")).as_deref(), Some("4efa432b7512"));
    assert_eq!(
        digest(resolve_on("docker.io/library/nginx:1.27-alpine", "2025-12-31")).as_deref(),
        Some("65645c7bb6a0")
    );
    // Two moves on one day: the later one.
    assert_eq!(amd64(resolve_on("postgres:16", "2023-10-11")).as_deref(), Some("dbff873230c6"));
    assert_eq!(amd64(resolve_on("postgres:16", "2023-10-30")).as_deref(), Some("dbff873230c6"));
    assert_eq!(amd64(resolve_on("postgres:16", "2023-11-15")).as_deref(), Some("3648b6c2ac30"));
    assert_eq!(amd64(resolve_on("debian:bookworm-slim", "2023-10-12")).as_deref(), Some("ceffa8e71baf"));
    // The undated postgres:16 entry is never an answer.
    let far = resolve_on("postgres:16", "2030-01-01").unwrap();
    assert_eq!(far.date.as_deref(), Some("2026-09-19"));
    assert_eq!(far.record().unwrap().id, "postgres:16@2026-09-19");
    // Unknown tags and malformed dates.
    assert_eq!(resolve_on("redis:7", "2025-01-01"), None);
    assert_eq!(resolve_on("postgres:16", "2023-13-01"), None);
    assert_eq!(resolve_on("postgres:16", "Oct 2023"), None);
    assert_eq!(
        resolve_on("postgres@sha256:857e140debb1031357479a927b7795f431d6aa8d8ca6784565d7049ffebfeb9f", "2024-01-01"),
        None
    );
}

#[test]
fn inferred_nginx_moves_are_marked_and_backed_by_their_patch_tag() {
    for m in moves_for("nginx:1.27-alpine") {
        let patch = m.recorded_tag.as_deref();
        match m.version.as_deref() {
            Some("1.27.0") | Some("1.27.5") => {
                assert_eq!(m.provenance.kind, ProvenanceKind::Inferred);
                let patch = patch.unwrap();
                let backing = moves_for(patch);
                assert_eq!(backing.len(), 1);
                assert_eq!(backing[0].provenance.kind, ProvenanceKind::Transcribed);
                assert_eq!(backing[0].index_digest, m.index_digest);
            }
            _ => assert_eq!((m.provenance.kind, patch), (ProvenanceKind::Transcribed, None)),
        }
    }
    assert!(record("nginx:1.27-alpine@2024-05-30").is_some(), "alias id through also_tags");
}

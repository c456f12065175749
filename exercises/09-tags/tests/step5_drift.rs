//! Step 5: a lock file drifts when its tags move. Find each move and say why it happened.
//!
//! Run: `cargo test -p ex09-tags --test step5_drift`

mod common;

use common::digests::*;
use common::{attempt, fake_digest, recorded, show, teach, Rng};
use ex09_tags::{drift, pin, Drift, DriftReason, Pinned, Reference};

const STEP: &str = "step5_drift";
const READ: &str = "the book, 09-tags/exercise.html#step-5-drift \
                    and 09-tags/index.html#drift";

const POSTGRES: &str = "docker.io/library/postgres:16";
const NGINX: &str = "docker.io/library/nginx:1.27-alpine";

/// A lock entry for an official image, written out here so this step does not depend on `pin`.
fn locked(repository: &str, tag: Option<&str>, digest: &str, date: &str) -> Pinned {
    Pinned {
        reference: Reference {
            registry: "docker.io".into(),
            repository: format!("library/{repository}"),
            tag: tag.map(str::to_string),
            digest: Some(digest.to_string()),
        },
        date: date.to_string(),
    }
}

fn check_drift(lock: &[Pinned], date: &str) -> Vec<Drift> {
    attempt(STEP, "drift", READ, || drift(lock, date))
}

fn moved(reference: &str, locked: &str, now: &str, reason: DriftReason) -> Drift {
    Drift { reference: reference.into(), locked: locked.into(), now: now.into(), reason }
}

fn bump(from: &str, to: &str) -> DriftReason {
    DriftReason::VersionBump { from: from.into(), to: to.into() }
}

fn expect(what: &str, lock: &[Pinned], date: &str, expected: Vec<Drift>, why: &str) {
    let got = check_drift(lock, date);
    assert!(got == expected, "{}", teach(STEP, what, show(&expected), show(&got), why, READ));
}

#[test]
fn nginx_moved_to_a_new_release() {
    expect(
        "drift(nginx:1.27-alpine locked on 2024-12-01, checked on 2025-02-01)",
        &[locked("nginx", Some("1.27-alpine"), NGINX_INDEX_1_27_2, "2024-12-01")],
        "2025-02-01",
        vec![moved(NGINX, NGINX_INDEX_1_27_2, NGINX_INDEX_1_27_3, bump("1.27.2", "1.27.3"))],
        "the timeline's version of the locked digest is 1.27.2 and of today's digest 1.27.3: \
         the tag moved to a new nginx release, the change a reviewer should read the notes of",
    );
}

#[test]
fn postgres_was_rebuilt_without_a_new_version() {
    expect(
        "drift(postgres:16 locked on 2023-09-29, checked on 2023-10-12)",
        &[locked("postgres", Some("16"), PG16_AMD64_2023_09_29, "2023-09-29")],
        "2023-10-12",
        vec![moved(POSTGRES, PG16_AMD64_2023_09_29, PG16_AMD64_2023_10_11, DriftReason::BaseRebuild)],
        "both digests are PostgreSQL 16.0: same version, new image. postgres:16 was rebuilt \
         because debian:bookworm-slim under it was, which no version number shows",
    );
}

#[test]
fn october_2023_three_postgres_images_one_version() {
    let lock = [locked("postgres", Some("16"), PG16_AMD64_2023_09_29, "2023-09-29")];
    let seen: Vec<Vec<Drift>> =
        ["2023-10-05", "2023-10-12", "2023-11-01"].iter().map(|d| check_drift(&lock, d)).collect();
    let expected = vec![
        vec![],
        vec![moved(POSTGRES, PG16_AMD64_2023_09_29, PG16_AMD64_2023_10_11, DriftReason::BaseRebuild)],
        vec![moved(POSTGRES, PG16_AMD64_2023_09_29, PG16_AMD64_2023_10_31, DriftReason::BaseRebuild)],
    ];
    assert!(
        seen == expected,
        "{}",
        teach(
            STEP,
            "drift of a postgres:16 lock from 2023-09-29, checked on 2023-10-05, 2023-10-12 and 2023-11-01",
            show(&expected),
            show(&seen),
            "within five weeks postgres:16 named three different amd64 images, all PostgreSQL \
             16.0: an unpinned `FROM postgres:16` would have built on a different base each time",
            READ,
        )
    );
}

#[test]
fn a_version_string_that_changes_is_a_bump() {
    expect(
        "drift(postgres:16 locked on 2023-10-31, checked on 2024-01-01)",
        &[locked("postgres", Some("16"), PG16_AMD64_2023_10_31, "2023-10-31")],
        "2024-01-01",
        vec![moved(
            POSTGRES,
            PG16_AMD64_2023_10_31,
            PG16_INDEX_2023_12_19,
            bump("16.0 (bookworm)", "16.1-1.pgdg120+1 (bookworm)"),
        )],
        "take the versions exactly as the timeline writes them: 16.0 (bookworm) became \
         16.1-1.pgdg120+1 (bookworm), a PostgreSQL minor release",
    );
}

#[test]
fn unchanged_tags_do_not_drift() {
    expect(
        "drift(nginx:1.27-alpine and postgres:16 locked on 2025-01-10, checked on 2025-03-01)",
        &[
            locked("nginx", Some("1.27-alpine"), NGINX_INDEX_1_27_3, "2025-01-10"),
            locked("postgres", Some("16"), PG16_INDEX_2023_12_19, "2025-01-10"),
        ],
        "2025-03-01",
        vec![],
        "neither tag moved between those days; a drift report lists only what changed",
    );
}

#[test]
fn a_digest_the_timeline_does_not_know_has_an_unknown_reason() {
    let edited = fake_digest('e');
    expect(
        "drift(nginx:1.27-alpine locked to a digest the timeline never recorded, checked on 2025-02-01)",
        &[locked("nginx", Some("1.27-alpine"), &edited, "2025-01-10")],
        "2025-02-01",
        vec![moved(NGINX, &edited, NGINX_INDEX_1_27_3, DriftReason::Unknown)],
        "the lock says one thing, the tag another, and nothing tells which version the lock \
         had: report the drift and admit the reason is unknown rather than invent one",
    );
}

#[test]
fn digest_only_and_unrecorded_pins_never_drift() {
    let lock = [
        locked("postgres", None, PG16_AMD64_2023_09_29, "2023-09-29"),
        Pinned {
            reference: Reference {
                registry: "ghcr.io".into(),
                repository: "driftwood/api".into(),
                tag: Some("1.0".into()),
                digest: Some(fake_digest('f')),
            },
            date: "2025-01-10".into(),
        },
    ];
    expect(
        "drift(a digest-only postgres pin and a ghcr.io pin the timeline does not know, checked on 2026-10-01)",
        &lock,
        "2026-10-01",
        vec![],
        "without a tag nothing can move, and a tag the timeline never saw has nothing to compare \
         with: neither is drift",
    );
}

#[test]
fn the_report_follows_the_lock_order() {
    let lock = [
        locked("postgres", Some("16"), PG16_AMD64_2023_10_11, "2023-10-12"),
        locked("nginx", Some("1.27-alpine"), NGINX_INDEX_1_27_0, "2024-06-01"),
    ];
    expect(
        "drift(postgres:16 then nginx:1.27-alpine, checked on 2025-05-01)",
        &lock,
        "2025-05-01",
        vec![
            moved(
                POSTGRES,
                PG16_AMD64_2023_10_11,
                PG16_INDEX_2023_12_19,
                bump("16.0 (bookworm)", "16.1-1.pgdg120+1 (bookworm)"),
            ),
            moved(NGINX, NGINX_INDEX_1_27_0, NGINX_INDEX_1_27_5, bump("1.27.0", "1.27.5")),
        ],
        "one entry per moved tag, in the order of the lock, so the report reads like the lock file",
    );
}

#[test]
fn pin_today_check_later() {
    let read4 = "the book, 09-tags/exercise.html#step-4-pinning";
    let lock = attempt("step4_pin", "pin", read4, || pin(&["nginx:1.27-alpine", "postgres:16"], "2024-12-01"));
    let Ok(lock) = lock else {
        panic!(
            "{}",
            teach(
                "step4_pin",
                "pin([nginx:1.27-alpine, postgres:16], 2024-12-01)",
                "Ok(…)",
                show(&lock),
                "step 5 builds on step 4",
                read4
            )
        )
    };
    expect(
        "drift(your own pin of nginx:1.27-alpine and postgres:16 on 2024-12-01, checked on 2025-01-10)",
        &lock,
        "2025-01-10",
        vec![moved(NGINX, NGINX_INDEX_1_27_2, NGINX_INDEX_1_27_3, bump("1.27.2", "1.27.3"))],
        "this is the whole cycle: pin what the tags mean today, commit the lock, and later ask \
         which pins the tags have left behind and why",
    );
}

/// Digests of the timeline drawn from a seed, each locked twice: once with its tag, once as a
/// digest-only reference. Checked on a random later day, the tagged entry drifts exactly when
/// the tag has moved on; the digest-only one never does, whatever the timeline says.
#[test]
fn a_digest_only_pin_never_drifts_where_the_same_tag_does() {
    let mut rng = Rng::from_env();
    let mut lock = Vec::new();
    let mut moved_entries = Vec::new();
    for _ in 0..rng.range(2, 5) {
        let (repository, tag, full) = *rng.pick(&[("nginx", "1.27-alpine", NGINX), ("postgres", "16", POSTGRES)]);
        let moves = driftwood::moves_for(full);
        let dated: Vec<_> = moves.iter().filter(|m| m.date.is_some()).collect();
        let m = rng.pick(&dated);
        let digest =
            m.index_digest.as_ref().or(m.amd64_manifest_digest.as_ref()).expect("a move has a digest").to_string();
        let when = m.date.clone().expect("dated");
        if rng.coin() {
            lock.push(locked(repository, Some(tag), &digest, &when));
            lock.push(locked(repository, None, &digest, &when));
        } else {
            lock.push(locked(repository, None, &digest, &when));
            lock.push(locked(repository, Some(tag), &digest, &when));
        }
        moved_entries.push((full, digest));
    }
    let date = format!("{}-{:02}-{:02}", rng.range(2025, 2026), rng.range(1, 12), rng.range(1, 28));
    let drifted: Vec<(String, String)> =
        check_drift(&lock, &date).into_iter().map(|d| (d.reference, d.locked)).collect();
    let expected: Vec<(String, String)> = moved_entries
        .iter()
        .filter(|(full, digest)| recorded(full, &date).is_some_and(|now| now != *digest))
        .map(|(full, digest)| (full.to_string(), digest.clone()))
        .collect();
    assert!(
        drifted == expected,
        "{}",
        teach(
            STEP,
            &format!("(reference, locked) of the drifts of a lock checked on {date} ({})", rng.replay()),
            show(&expected),
            show(&drifted),
            "each digest is locked twice: with its tag, which drifts when the tag has moved on, and \
             as a digest-only reference, which names one image forever and never drifts",
            READ
        )
    );
}

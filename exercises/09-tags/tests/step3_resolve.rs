//! Step 3: what did a tag point to on a given day? Ask the real timeline.
//!
//! Run: `cargo test -p ex09-tags --test step3_resolve`

mod common;

use common::digests::*;
use common::{attempt, random_date, recorded, show, teach, Rng, TIMELINE_TAGS};
use ex09_tags::resolve;

const STEP: &str = "step3_resolve";
const READ: &str = "the book, 09-tags/exercise.html#step-3-what-a-tag-pointed-to \
                    and 09-tags/index.html#the-timeline";

fn at(tag: &str, date: &str) -> Option<String> {
    attempt(STEP, "resolve", READ, || resolve(tag, date))
}

/// Checks every `(tag, date, expected)` triple, saying `why` when one is wrong.
fn check(cases: &[(&str, &str, Option<&str>)], why: &str) {
    for &(tag, date, expected) in cases {
        let got = at(tag, date);
        assert!(
            got.as_deref() == expected,
            "{}",
            teach(STEP, &format!("resolve({tag:?}, {date:?})"), show(expected), show(&got), why, READ)
        );
    }
}

#[test]
fn nginx_1_27_alpine_resolves_to_its_index() {
    check(
        &[
            ("nginx:1.27-alpine", "2024-06-01", Some(NGINX_INDEX_1_27_0)),
            ("nginx:1.27-alpine", "2024-12-01", Some(NGINX_INDEX_1_27_2)),
            ("nginx:1.27-alpine", "2025-02-01", Some(NGINX_INDEX_1_27_3)),
            ("nginx:1.27-alpine", "2025-04-16", Some(NGINX_INDEX_1_27_5)),
        ],
        "the tag points to a multi-platform index; the answer is the latest recorded move on or \
         before that day, and a move dated that very day counts",
    );
}

#[test]
fn full_and_short_names_are_the_same_tag() {
    check(
        &[
            ("docker.io/library/nginx:1.27-alpine", "2025-02-01", Some(NGINX_INDEX_1_27_3)),
            ("docker.io/library/postgres:16", "2024-06-01", Some(PG16_INDEX_2023_12_19)),
        ],
        "docker.io/library/nginx:1.27-alpine and nginx:1.27-alpine are one tag: the timeline \
         must be asked about the tag, however it is spelled",
    );
}

#[test]
fn postgres_16_before_december_2023_gives_the_amd64_manifest() {
    check(
        &[
            ("postgres:16", "2023-10-01", Some(PG16_AMD64_2023_09_29)),
            ("postgres:16", "2023-10-20", Some(PG16_AMD64_2023_10_11)),
            ("postgres:16", "2023-11-15", Some(PG16_AMD64_2023_10_31)),
            ("postgres:16", "2024-01-01", Some(PG16_INDEX_2023_12_19)),
        ],
        "for postgres:16 in 2023 the records kept only the linux/amd64 manifest, not the index: \
         fall back to the amd64 digest when the index digest is None",
    );
}

#[test]
fn on_a_day_with_two_moves_the_later_one_wins() {
    check(
        &[("postgres:16", "2023-10-11", Some(PG16_AMD64_2023_10_11))],
        "on 2023-10-11 the timeline has two observations of postgres:16 (before and after a \
         rebuild); the tag ended the day on the later one",
    );
}

#[test]
fn no_record_means_no_answer() {
    check(
        &[
            ("postgres:16", "2023-09-01", None),
            ("nginx:latest", "2025-01-01", None),
            ("nginx", "2025-01-01", None),
            ("redis:7", "2025-01-01", None),
            ("nginx:1.27-alpine", "2025-13-01", None),
            ("nginx:1.27-alpine", "yesterday", None),
        ],
        "before the first recorded move, for a tag the snapshot never saw (`nginx` means \
         nginx:latest, which it did not record), or for a date that is not YYYY-MM-DD, the \
         honest answer is None, not a guess",
    );
}

#[test]
fn one_tag_many_images() {
    let dates = ["2023-10-01", "2023-10-20", "2023-11-15", "2024-01-01", "2026-02-01", "2026-10-01"];
    let got: Vec<Option<String>> = dates.iter().map(|d| at("postgres:16", d)).collect();
    let mut distinct: Vec<&String> = got.iter().flatten().collect();
    distinct.sort();
    distinct.dedup();
    assert!(
        distinct.len() == dates.len(),
        "{}",
        teach(
            STEP,
            &format!("resolve(\"postgres:16\", …) on {dates:?}"),
            "six different digests",
            show(&got),
            "a tag is a pointer that moves: in three years postgres:16 pointed to at least six \
             different images. `FROM postgres:16` builds on whichever one it meets that day",
            READ,
        )
    );
}

/// Dates drawn from a seed, so no table of answers can be read off this file: each answer is
/// read from the raw timeline here, and the tag is spelled in any of its forms.
#[test]
fn generated_dates_resolve_to_what_the_timeline_recorded() {
    let mut rng = Rng::from_env();
    let mut answered = 0;
    for _ in 0..40 {
        let spellings = rng.pick(&TIMELINE_TAGS);
        let tag = *rng.pick(spellings);
        let date = random_date(&mut rng);
        let expected = recorded(tag, &date);
        answered += usize::from(expected.is_some());
        check(
            &[(tag, &date, expected.as_deref())],
            &format!(
                "({}) the answer is the digest of the last move on or before that day: the index \
                 digest, or the amd64 manifest digest where no index was recorded",
                rng.replay()
            ),
        );
    }
    assert!(answered > 0, "the generated dates should reach the timeline ({})", rng.replay());
}

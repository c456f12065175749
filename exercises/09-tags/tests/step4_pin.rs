//! Step 4: pin references to digests, so that a build means the same thing every day.
//!
//! Run: `cargo test -p ex09-tags --test step4_pin`

mod common;

use common::digests::*;
use common::{attempt, fake_digest, recorded, show, teach, Rng, TIMELINE_TAGS};
use ex09_tags::{parse_reference, pin, PinError, Pinned, RefError, Reference};

const STEP: &str = "step4_pin";
const READ: &str = "the book, 09-tags/exercise.html#step-4-pinning \
                    and 09-tags/index.html#pinning";

fn pinned(refs: &[&str], date: &str) -> Result<Vec<Pinned>, PinError> {
    attempt(STEP, "pin", READ, || pin(refs, date))
}

/// The pinned references written out with your `Display for Reference` (step 1).
fn written(pins: &[Pinned]) -> Vec<String> {
    let read1 = "the book, 09-tags/exercise.html#step-1-reading-a-reference";
    pins.iter()
        .map(|p| attempt("step1_references", "Display for Reference", read1, || p.reference.to_string()))
        .collect()
}

fn text(error: &PinError) -> String {
    attempt(STEP, "Display for PinError", READ, || error.to_string())
}

#[test]
fn the_driftwood_images_pinned_on_a_day() {
    let got = pinned(&["nginx:1.27-alpine", "postgres:16"], "2025-01-10");
    let expected = vec![
        format!("docker.io/library/nginx:1.27-alpine@{NGINX_INDEX_1_27_3}"),
        format!("docker.io/library/postgres:16@{PG16_INDEX_2023_12_19}"),
    ];
    let got_written = got.as_ref().map(|pins| written(pins));
    assert!(
        got_written.as_ref() == Ok(&expected),
        "{}",
        teach(
            STEP,
            "pin([\"nginx:1.27-alpine\", \"postgres:16\"], \"2025-01-10\"), written with to_string()",
            show(Ok::<_, ()>(&expected)),
            show(&got_written),
            "a pinned reference keeps the tag for people and adds the digest for machines; in \
             that form `docker pull` ignores the tag and fetches exactly the pinned image",
            READ,
        )
    );
}

#[test]
fn each_pin_records_its_reference_and_its_day() {
    let got = pinned(&["postgres:16"], "2023-10-05");
    let expected = vec![Pinned {
        reference: Reference {
            registry: "docker.io".into(),
            repository: "library/postgres".into(),
            tag: Some("16".into()),
            digest: Some(PG16_AMD64_2023_09_29.into()),
        },
        date: "2023-10-05".into(),
    }];
    assert!(
        got.as_ref() == Ok(&expected),
        "{}",
        teach(
            STEP,
            "pin([\"postgres:16\"], \"2023-10-05\")",
            show(Ok::<_, ()>(&expected)),
            show(&got),
            "the lock must say what was pinned and when: in October 2023 only the amd64 manifest \
             of postgres:16 was recorded, so that is the digest (your resolve from step 3)",
            READ,
        )
    );
}

#[test]
fn a_reference_with_a_digest_is_pinned_already() {
    let digest = fake_digest('d');
    let inputs = [format!("ghcr.io/a/b:tag@{digest}"), format!("nginx@{digest}"), format!("postgres:16@{digest}")];
    let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let got = pinned(&refs, "2025-01-10").map(|pins| written(&pins));
    let expected = vec![
        format!("ghcr.io/a/b:tag@{digest}"),
        format!("docker.io/library/nginx@{digest}"),
        format!("docker.io/library/postgres:16@{digest}"),
    ];
    assert!(
        got.as_ref() == Ok(&expected),
        "{}",
        teach(
            STEP,
            &format!("pin({refs:?}, \"2025-01-10\")"),
            show(Ok::<_, ()>(&expected)),
            show(&got),
            "a digest already names one image: keep it as written and do not look the tag up \
             (the timeline knows nothing of ghcr.io, and postgres:16 pointed elsewhere that day, \
             but the digest wins)",
            READ,
        )
    );
}

#[test]
fn a_pinned_reference_reads_back_as_itself() {
    let pins = pinned(&["nginx:1.27-alpine", "docker.io/library/postgres:16"], "2025-06-01").unwrap_or_default();
    for pin in &pins {
        let full = written(std::slice::from_ref(pin)).remove(0);
        let again = attempt(STEP, "parse_reference", READ, || parse_reference(&full));
        assert!(
            again.as_ref() == Ok(&pin.reference),
            "{}",
            teach(
                STEP,
                &format!("parse_reference({full:?}), the pin written out"),
                show(Ok::<_, ()>(&pin.reference)),
                show(&again),
                "a lock file stores pins as text; reading one back must give the very same \
                 reference, tag and digest",
                READ,
            )
        );
    }
    assert!(pins.len() == 2, "{}", teach(STEP, "the number of pins", 2, pins.len(), "one pin per reference", READ));
}

#[test]
fn latest_cannot_be_pinned_from_a_timeline_that_never_saw_it() {
    let got = pinned(&["nginx:1.27-alpine", "nginx"], "2025-01-10");
    let expected =
        PinError::NotRecorded { reference: "docker.io/library/nginx:latest".into(), date: "2025-01-10".into() };
    assert!(
        got.as_ref() == Err(&expected),
        "{}",
        teach(
            STEP,
            "pin([\"nginx:1.27-alpine\", \"nginx\"], \"2025-01-10\")",
            show(Err::<(), _>(&expected)),
            show(&got),
            "`nginx` means nginx:latest, which the snapshot never recorded: an unpinnable \
             reference is an error that names it in full, never a silent skip",
            READ,
        )
    );
    let message = text(&expected);
    assert!(
        message.contains("docker.io/library/nginx:latest") && message.contains("2025-01-10") && !message.contains('\n'),
        "{}",
        teach(
            STEP,
            "the message of that error (your Display for PinError)",
            "one line naming docker.io/library/nginx:latest and 2025-01-10",
            show(&message),
            "the reader must see which reference and which day had no record",
            READ,
        )
    );
}

#[test]
fn bad_input_stops_the_pin_with_a_clear_error() {
    let got = pinned(&["postgres:16", "Nginx:1.27"], "2025-01-10");
    let expected = PinError::Reference { input: "Nginx:1.27".into(), error: RefError::Uppercase("Nginx".into()) };
    assert!(
        got.as_ref() == Err(&expected),
        "{}",
        teach(
            STEP,
            "pin([\"postgres:16\", \"Nginx:1.27\"], \"2025-01-10\")",
            show(Err::<(), _>(&expected)),
            show(&got),
            "a lock made from a list with a bad reference would be missing an image: stop, and \
             say which input and why (your RefError from step 2)",
            READ,
        )
    );
    for date in ["2025-02-30", "10/01/2025", ""] {
        let got = pinned(&["postgres:16"], date);
        let expected = PinError::InvalidDate(date.into());
        assert!(
            got.as_ref() == Err(&expected),
            "{}",
            teach(
                STEP,
                &format!("pin([\"postgres:16\"], {date:?})"),
                show(Err::<(), _>(&expected)),
                show(&got),
                "a pin is only as good as its date: YYYY-MM-DD, a real calendar day \
                 (driftwood::is_iso_date checks both)",
                READ,
            )
        );
    }
    let message = text(&expected);
    assert!(
        message.contains("Nginx:1.27") && !message.contains('\n'),
        "{}",
        teach(
            STEP,
            "the message of PinError::Reference (your Display for PinError)",
            "one line naming the input \"Nginx:1.27\" and why it failed",
            show(&message),
            "in a list of twenty references the reader needs to know which one to fix",
            READ,
        )
    );
}

/// A set of references and a day drawn from a seed: each tag's digest is read from the raw
/// timeline here, and a reference that names a digest keeps it.
#[test]
fn a_generated_set_is_pinned_to_what_the_timeline_recorded() {
    let mut rng = Rng::from_env();
    // A day on which both tags have been recorded, so that every tag can be pinned.
    let date = format!("{}-{:02}-{:02}", rng.range(2024, 2026), rng.range(6, 12), rng.range(1, 28));
    let mut refs: Vec<String> = Vec::new();
    let mut expected: Vec<String> = Vec::new();
    for _ in 0..rng.range(2, 6) {
        let spellings = rng.pick(&TIMELINE_TAGS);
        let tag = *rng.pick(spellings);
        let full = parse_reference(tag).expect("a timeline tag parses").to_string();
        if rng.below(3) == 0 {
            let digest = format!("sha256:{}", rng.word(64).replace(|c: char| c > 'f', "a"));
            refs.push(format!("{tag}@{digest}"));
            expected.push(format!("{full}@{digest}"));
        } else {
            let digest = recorded(tag, &date).expect("both tags are recorded by mid-2024");
            refs.push(tag.to_string());
            expected.push(format!("{full}@{digest}"));
        }
    }
    let inputs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let got = pinned(&inputs, &date).map(|pins| written(&pins));
    assert!(
        got.as_ref() == Ok(&expected),
        "{}",
        teach(
            STEP,
            &format!("pin({inputs:?}, {date:?}) written back ({})", rng.replay()),
            show(Ok::<_, ()>(&expected)),
            show(&got),
            "each tag gets the digest it pointed to on that day, in the order given; a reference \
             that already names a digest is pinned already and keeps it",
            READ
        )
    );
}

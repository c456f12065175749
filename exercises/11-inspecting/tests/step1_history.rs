//! Step 1: read a config's history and match it to the layers, as `docker history` does.
//!
//! Run: `cargo test -p ex11-inspecting --test step1_history`

mod common;

use common::*;
use ex11_inspecting::{match_history, parse_history, HistoryEntry, HistoryRow};

const STEP: &str = "step1_history";
const READ: &str = "the book, 11-inspecting/exercise.html#step-1-history-and-layers \
                    and 11-inspecting/index.html#history";

fn parse(config: &[u8]) -> Result<Vec<HistoryEntry>, String> {
    attempt(STEP, "parse_history", READ, || parse_history(config))
}

fn rows(history: &[HistoryEntry], layers: usize, id: &str) -> Result<Vec<HistoryRow>, String> {
    attempt(STEP, "match_history", READ, || match_history(history, layers, id))
}

#[test]
fn the_careless_config_has_seven_steps_two_of_them_empty() {
    let history = parse(&careless_config()).expect("a valid config");
    let empty: Vec<bool> = history.iter().map(|h| h.empty_layer).collect();
    let expected = [false, true, false, false, false, false, true];
    assert!(
        empty == expected,
        "{}",
        teach(
            STEP,
            "empty_layer of each history entry",
            show(expected),
            show(&empty),
            "ENV and USER change only the config: they make no layer",
            READ
        )
    );
    assert_eq!(history[1].created_by, "ENV API_TOKEN=dw_live_7Qm2xK9pLs4v", "created_by is kept as written");
}

#[test]
fn missing_fields_take_their_defaults() {
    let history = parse(br#"{"history":[{"created":"2025-01-01T00:00:00Z"},{"empty_layer":true}]}"#).expect("valid");
    let expected = vec![
        HistoryEntry { created_by: String::new(), empty_layer: false },
        HistoryEntry { created_by: String::new(), empty_layer: true },
    ];
    assert!(
        history == expected,
        "{}",
        teach(
            STEP,
            "entries without created_by or empty_layer",
            show(&expected),
            show(&history),
            "the image spec makes every history field optional; a missing empty_layer means false",
            READ
        )
    );
    let none = parse(br#"{"architecture":"amd64","os":"linux"}"#).expect("valid");
    assert!(none.is_empty(), "a config without history has no entries, got {none:?}");
}

#[test]
fn a_config_that_is_not_json_is_an_error() {
    assert!(parse(b"{\"history\": [").is_err(), "truncated JSON must be an Err, not a panic");
    assert!(parse(br#"{"history": "yes"}"#).is_err(), "a history that is not an array is an Err");
}

#[test]
fn empty_entries_are_skipped_and_only_the_last_row_has_an_image() {
    let history = parse(&careless_config()).expect("a valid config");
    let id = sha256_of(&careless_config());
    let got = rows(&history, 5, &id).expect("5 layer-making entries, 5 layers");
    let layers: Vec<Option<usize>> = got.iter().map(|r| r.layer).collect();
    let expected = [Some(0), None, Some(1), Some(2), Some(3), Some(4), None];
    assert!(
        layers == expected,
        "{}",
        teach(
            STEP,
            "the layer of each history row",
            show(expected),
            show(&layers),
            "the n-th entry without empty_layer made layer n; empty entries made none",
            READ
        )
    );
    let images: Vec<&str> = got.iter().map(|r| r.image.as_str()).collect();
    let short = id[7..19].to_string();
    let mut expected = vec!["<missing>"; 6];
    expected.push(&short);
    assert!(
        images == expected,
        "{}",
        teach(
            STEP,
            "the IMAGE column",
            show(&expected),
            show(&images),
            "only the image itself has an ID (its config digest, shortened to 12 hex digits without \
             `sha256:`, as `docker history` prints it); the steps before it show <missing>",
            READ
        )
    );
    assert_eq!(got[3].created_by, history[3].created_by);
}

#[test]
fn history_that_does_not_match_the_layers_is_an_error() {
    let history = parse(&careless_config()).expect("a valid config");
    let got = rows(&history, 4, "sha256:0000000000000000000000000000000000000000000000000000000000000000");
    assert!(got.is_err(), "5 layer-making entries for 4 layers must be an Err, got {got:?}");
}

#[test]
fn the_real_nginx_history_matches_its_eight_layers() {
    let record = driftwood::latest("nginx:1.27-alpine").expect("the snapshot has nginx:1.27-alpine");
    let recorded = record.history.as_ref().expect("its record holds the history");
    let history: Vec<HistoryEntry> = recorded
        .iter()
        .map(|h| HistoryEntry { created_by: h.created_by.clone(), empty_layer: h.empty_layer })
        .collect();
    let image = record.amd64().expect("linux/amd64");
    let layers = image.layers.as_ref().expect("layers").len();
    let id = image.config_digest.as_ref().expect("image ID").to_string();
    let got = rows(&history, layers, &id).expect("nginx's history matches its layers");
    // The snapshot's own grouping is the oracle: the entry that made layer n is the last of group n.
    let groups = record.layer_history().expect("the snapshot groups the history by layer");
    for group in groups {
        let at = got.iter().position(|r| r.layer == Some(group.index)).expect("every layer has a row");
        assert!(
            got[at].created_by == group.step().created_by,
            "{}",
            teach(
                STEP,
                &format!("the step that made layer {} of nginx:1.27-alpine", group.index),
                show(&group.step().created_by),
                show(&got[at].created_by),
                "19 entries, 11 of them empty: skip the empty ones to find each layer's step",
                READ
            )
        );
    }
    assert_eq!(got.iter().filter(|r| r.layer.is_none()).count(), 11, "11 metadata-only entries");
    assert_eq!(got.last().unwrap().image, id[7..19], "the last row: 12 hex digits of the image ID");
}

/// A history built from a seed: steps at random, some of them config-only, a random image ID.
#[test]
fn a_generated_history_matches_its_layers() {
    let mut rng = Rng::from_env();
    let steps = rng.range(3, 14) as usize;
    let history: Vec<HistoryEntry> = (0..steps)
        .map(|_| {
            let empty_layer = rng.below(3) == 0;
            let verb =
                if empty_layer { *rng.pick(&["ENV", "LABEL", "USER", "CMD"]) } else { *rng.pick(&["RUN", "COPY"]) };
            HistoryEntry { created_by: format!("{verb} {}", rng.word(8)), empty_layer }
        })
        .collect();
    let id = sha256_of(&rng.bytes(16));
    let mut layer = 0;
    let expected: Vec<HistoryRow> = history
        .iter()
        .enumerate()
        .map(|(i, h)| HistoryRow {
            image: if i + 1 == steps { id[7..19].to_string() } else { "<missing>".to_string() },
            created_by: h.created_by.clone(),
            layer: (!h.empty_layer).then(|| {
                layer += 1;
                layer - 1
            }),
        })
        .collect();
    let got = rows(&history, layer, &id);
    assert!(
        got.as_ref() == Ok(&expected),
        "{}",
        teach(
            STEP,
            &format!("match_history of {} entries, {layer} of them layer-making ({})", history.len(), rng.replay()),
            show(&expected),
            show(&got),
            "number the entries without empty_layer 0, 1, 2, …; only the last row names the image, \
             by the first 12 hex digits of its ID",
            READ
        )
    );
    let off_by_one = rows(&history, layer + 1, &id);
    assert!(
        off_by_one.is_err(),
        "{}",
        teach(
            STEP,
            &format!("match_history with {} layers for {layer} layer-making entries ({})", layer + 1, rng.replay()),
            "Err(…)",
            show(&off_by_one),
            "a history that does not account for every layer cannot be trusted to match them",
            READ
        )
    );
}

//! Step 4: `dive`'s efficiency score: Σ smallest version of each path ÷ Σ all its versions.
//!
//! Run: `cargo test -p ex11-inspecting --test step4_efficiency`

mod common;

use common::*;
use ex11_inspecting::{efficiency, read_layer, Change, Efficiency};

const STEP: &str = "step4_efficiency";
const READ: &str = "the book, 11-inspecting/exercise.html#step-4-efficiency \
                    and 11-inspecting/index.html#where-the-bytes-go";

fn score(layers: &[Vec<Change>]) -> Efficiency {
    attempt(STEP, "efficiency", READ, || efficiency(layers))
}

fn check(what: &str, got: &Efficiency, total: u64, wasted: u64) {
    let expected_score = if total == 0 { 1.0 } else { (total - wasted) as f64 / total as f64 };
    let ok = got.total_bytes == total && got.wasted_bytes == wasted && (got.score - expected_score).abs() < 1e-9;
    assert!(
        ok,
        "{}",
        teach(
            STEP,
            what,
            format!("total_bytes {total}, wasted_bytes {wasted}, score {expected_score:.6}"),
            format!("total_bytes {}, wasted_bytes {}, score {:.6}", got.total_bytes, got.wasted_bytes, got.score),
            "per path: total = Σ its versions, smallest = the least of them (a whiteout is 0 bytes); \
               score = Σ smallest ÷ Σ total",
            READ
        )
    );
}

#[test]
fn the_careless_image_wastes_everything_it_deleted() {
    let layers: Vec<_> = careless_layers().iter().map(|b| read_layer(b).expect("valid layer")).collect();
    let kept = 10 + 26 + 29 + 24;
    let wasted = (FAKE_KEY.len() + FAKE_ENV.len() + 5000) as u64;
    check("the careless image", &score(&layers), kept + wasted, wasted);
}

#[test]
fn an_overwritten_file_wastes_its_bigger_copies() {
    let f = |p: &str, s: u64| Change::File { path: p.into(), size: s };
    let layers = vec![vec![f("etc/app.conf", 100), f("bin/app", 1000)], vec![f("etc/app.conf", 40)]];
    check("app.conf written twice (100 B, then 40 B)", &score(&layers), 1140, 100);
}

#[test]
fn an_image_without_waste_scores_one() {
    let f = |p: &str, s: u64| Change::File { path: p.into(), size: s };
    check("every path written once", &score(&[vec![f("a", 5)], vec![f("b", 7)]]), 12, 0);
    check("no files at all", &score(&[vec![], vec![]]), 0, 0);
}

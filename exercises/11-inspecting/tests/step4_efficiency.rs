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
            "per path: total = Σ its versions, smallest = the least of them (a whiteout is a 0-byte \
             version of the path it names and of every file under it); score = Σ smallest ÷ Σ total",
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

#[test]
fn a_bigger_copy_wastes_the_first_and_a_deleted_directory_wastes_its_files() {
    let f = |p: &str, s: u64| Change::File { path: p.into(), size: s };
    let bigger = vec![vec![f("etc/app.conf", 40)], vec![f("etc/app.conf", 100)]];
    check("app.conf written twice (40 B, then a bigger 100 B)", &score(&bigger), 140, 100);
    let layers = vec![
        vec![f("app/cache/a", 300), f("app/cache/b", 200), f("app/cached", 7)],
        vec![Change::Deleted { path: "app/cache".into() }],
    ];
    check("app/cache/{a,b} deleted with their directory (app/cached is not under it)", &score(&layers), 507, 500);
}

/// Layers built from a seed: every path gets versions in random layers, some deleted by a
/// whiteout of the path itself, some by a whiteout of their directory.
#[test]
fn a_generated_image_is_scored_path_by_path() {
    let mut rng = Rng::from_env();
    let layer_count = rng.range(2, 5) as usize;
    let mut layers: Vec<Vec<Change>> = vec![Vec::new(); layer_count + 1];
    let (mut total, mut wasted) = (0u64, 0u64);
    for d in 0..3 {
        let dir = format!("{}{d}", rng.word(4));
        // The last layer may delete this whole directory: every file under it is then waste.
        let dir_deleted = rng.coin();
        for n in 0..rng.range(1, 4) {
            let path = format!("{dir}/{}{n}", rng.word(5));
            let versions = rng.range(0, layer_count as u64) as usize;
            let sizes: Vec<u64> = (0..versions).map(|_| rng.range(1, 5000)).collect();
            let mut layer_of = (0..layer_count).collect::<Vec<_>>();
            rng.shuffle(&mut layer_of);
            let mut chosen: Vec<usize> = layer_of[..sizes.len()].to_vec();
            chosen.sort();
            for (&l, &s) in chosen.iter().zip(&sizes) {
                layers[l].push(Change::File { path: path.clone(), size: s });
            }
            let deleted = !sizes.is_empty() && !dir_deleted && rng.coin();
            if deleted {
                layers[layer_count].push(Change::Deleted { path: path.clone() });
            }
            let sum: u64 = sizes.iter().sum();
            let smallest = if deleted || (dir_deleted && !sizes.is_empty()) {
                0
            } else {
                sizes.iter().copied().min().unwrap_or(0)
            };
            total += sum;
            wasted += sum - smallest;
        }
        if dir_deleted {
            layers[layer_count].push(Change::Deleted { path: dir });
        }
    }
    check(&format!("the layers {layers:?} ({})", rng.replay()), &score(&layers), total, wasted);
}

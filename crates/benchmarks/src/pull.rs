//! (c) A pull of the tree as a 5-layer image from a local `docker-registry`: `imagekit pull`
//! against `skopeo copy docker://… oci:…`, cold and warm, with blob GETs from the access log.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use testbed::{Registry, RegistryOptions};
use xtask::util::{self, Context, Result};

use crate::generators::{build_bench_image, layer_tree};
use crate::measure::*;

/// Debian's docker-registry with its access log on, for counting blob GETs.
pub(crate) fn start_registry(dir: &Path) -> Result<Registry> {
    let binary = util::which(testbed::registry::BINARY).context("docker-registry is not installed")?;
    util::fresh_dir(dir)?;
    let options = RegistryOptions { access_log: true, ..RegistryOptions::default() };
    Ok(Registry::start(&binary, dir, &options)?)
}

/// Runs `make()` `RUNS` times, calling `before()` ahead of each (untimed); the best time, and
/// the registry's blob GETs during the best run.
fn best_pull(
    registry: &Registry,
    mut before: impl FnMut() -> Result,
    make: impl Fn() -> Command,
) -> Result<(Duration, usize, String)> {
    let (mut best, mut gets, mut stdout) = (Duration::MAX, 0, String::new());
    for _ in 0..RUNS {
        before()?;
        let start_gets = registry.blob_gets();
        let mut cmd = make();
        let start = Instant::now();
        let out = util::output(&mut cmd)?;
        let elapsed = start.elapsed();
        // The access log is written asynchronously: give it a moment before counting.
        std::thread::sleep(Duration::from_millis(200));
        if elapsed < best {
            (best, gets, stdout) = (elapsed, registry.blob_gets() - start_gets, out);
        }
    }
    Ok((best, gets, stdout))
}

pub fn pull_bench(imagekit: &Path, dir: &Path) -> Result<Option<String>> {
    util::header("pull: a ~200 MB image in 5 layers from a local registry");
    if missing_tool("docker-registry") || missing_tool("skopeo") {
        return Ok(None);
    }
    let (tree, _, tree_bytes) = layer_tree(dir)?;
    let work = dir.join("pull");
    util::fresh_dir(&work)?;
    let layout = work.join("layout");
    build_bench_image(imagekit, &tree, &layout)?;

    let registry = start_registry(&work.join("registry"))?;
    let reference = format!("{}/bench/pull:1", registry.addr);
    util::output(Command::new(imagekit).arg("push").arg(&layout).arg(&reference))?;

    let store = work.join("store");
    let oci = work.join("skopeo-oci");
    let imagekit_cmd = || {
        let mut c = Command::new(imagekit);
        c.arg("pull").arg(&reference).arg("--store").arg(&store).arg("--json");
        c
    };
    let skopeo_cmd = || {
        let mut c = Command::new("skopeo");
        c.args(["copy", "--quiet", "--src-tls-verify=false"])
            .arg(format!("docker://{reference}"))
            .arg(format!("oci:{}:pull", oci.display()));
        c
    };
    let fresh = |p: &Path| -> Result {
        if p.exists() {
            fs::remove_dir_all(p).with_context(|| format!("removing {}", p.display()))?;
        }
        Ok(())
    };

    let (ik_cold, ik_cold_gets, cold_json) = best_pull(&registry, || fresh(&store), imagekit_cmd)?;
    let (sk_cold, sk_cold_gets, _) = best_pull(&registry, || fresh(&oci), skopeo_cmd)?;
    let (ik_warm, ik_warm_gets, warm_json) = best_pull(&registry, || Ok(()), imagekit_cmd)?;
    let (sk_warm, sk_warm_gets, _) = best_pull(&registry, || Ok(()), skopeo_cmd)?;

    // xtask has no JSON parser: `imagekit pull --json` prints one `"key": value` per line.
    let field = |json: &str, key: &str| -> u64 {
        let needle = format!("\"{key}\": ");
        json.lines()
            .find_map(|l| l.trim().strip_prefix(&needle))
            .and_then(|v| v.trim_end_matches(',').parse().ok())
            .unwrap_or(0)
    };
    let reported = |json: &str| field(json, "blob_requests");
    let moved = field(&cold_json, "bytes_moved");
    let blobs = field(&cold_json, "blobs_fetched");
    util::output(Command::new(imagekit).args(["store", "verify", "--store"]).arg(&store))?;

    let row = |tool: &str, cmd: &str, t: Duration, gets: usize, other: Duration| {
        format!(
            "| {tool} | `{cmd}` | {:.2} s | {gets} | {:.2}× |\n",
            t.as_secs_f64(),
            t.as_secs_f64() / other.as_secs_f64()
        )
    };
    let mut md = format!(
        "## Pull: a {:.1} MB image in 5 layers from a local registry\n\n\
         The layer-build tree split into five layers (`etc`, `usr/share`, `usr/src`, `usr/lib`, \
         `var/log`), built with `imagekit image build`, pushed to Debian's `docker-registry` on \
         127.0.0.1 (plain HTTP, filesystem storage); {blobs} blobs, {:.1} MB moved per cold pull. \
         Cold: a fresh store (imagekit) or a fresh OCI layout (skopeo) before each run. Warm: \
         everything already present. Blob GETs are counted from the registry's access log.\n\n\
         | tool | command | best of 3 | blob GETs | time vs skopeo |\n| --- | --- | ---: | ---: | ---: |\n",
        tree_bytes as f64 / 1e6,
        moved as f64 / 1e6
    );
    md.push_str(&row("imagekit, cold", "imagekit pull REF --store NEW", ik_cold, ik_cold_gets, sk_cold));
    md.push_str(&row(
        "skopeo, cold",
        "skopeo copy --src-tls-verify=false docker://REF oci:NEW:pull",
        sk_cold,
        sk_cold_gets,
        sk_cold,
    ));
    md.push_str(&row("imagekit, warm", "imagekit pull REF --store SAME", ik_warm, ik_warm_gets, sk_warm));
    md.push_str(&row(
        "skopeo, warm",
        "skopeo copy --src-tls-verify=false docker://REF oci:SAME:pull",
        sk_warm,
        sk_warm_gets,
        sk_warm,
    ));
    let _ = writeln!(
        md,
        "\nimagekit's own count of blob requests (its `--json` summary): {} cold, {} warm; \
         `imagekit store verify` re-hashed the store afterwards.",
        reported(&cold_json),
        reported(&warm_json)
    );
    drop(registry);
    Ok(Some(md))
}

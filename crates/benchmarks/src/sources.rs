//! `cargo xtask bench sources`: the image model (issue 11) against its peers, in the same run,
//! on the bench image (the ~200 MB generated tree in five layers):
//!
//! (a) `imagekit unpack` against `umoci raw unpack` of the same layout, both checking diff_ids;
//!     the two trees must be identical (paths, types, contents).
//! (b) a `docker save`-style archive (written by skopeo): `imagekit copy docker-archive:… oci:…`
//!     against `skopeo copy docker-archive:… oci:…`, and `imagekit layers docker-archive:…`
//!     (every layer read and checked) beside them.
//! (c) `imagekit history docker://…` against a local registry: the requests it makes, counted in
//!     the registry's access log (a manifest and the config; no layer).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::generators::{build_bench_image, layer_tree};
use crate::measure::{best_of, missing_tool};
use crate::pull::start_registry;
use xtask::util::{self, bail, Context, Result};

pub fn bench(root: &Path) -> Result {
    let imagekit = util::build_cli(root)?.join("imagekit");
    let dir = util::target_dir(root).join("bench");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut md = String::from("# imagekit benchmarks: sources\n\n");
    md.push_str(&crate::tools::machine(root));
    md.push_str(&sources_bench(&imagekit, &dir)?);
    print!("{md}");
    let results = dir.join("results-sources.md");
    fs::write(&results, &md).with_context(|| format!("writing {}", results.display()))?;
    println!("written to {}", util::rel(root, &results));
    Ok(())
}

fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64())
}

fn fresh(p: &Path) -> Result {
    if p.exists() {
        fs::remove_dir_all(p).with_context(|| format!("removing {}", p.display()))?;
    }
    Ok(())
}

pub(crate) fn sources_bench(imagekit: &Path, dir: &Path) -> Result<String> {
    util::header("sources: unpack against umoci, docker-archive against skopeo, docker:// requests");
    if missing_tool("umoci") || missing_tool("skopeo") || missing_tool("docker-registry") {
        return Ok(String::new());
    }
    let (tree, _, tree_bytes) = layer_tree(dir)?;
    let work = dir.join("sources");
    util::fresh_dir(&work)?;
    let layout = work.join("layout");
    build_bench_image(imagekit, &tree, &layout)?;
    let mut md = format!(
        "## The image model: every source, against its peers\n\n\
         The bench image: the layer-build tree ({:.1} MB) in five layers (`etc`, `usr/share`, \
         `usr/src`, `usr/lib`, `var/log`), built with `imagekit image build`. Best of 3, each \
         destination removed before every run (untimed).\n\n",
        tree_bytes as f64 / 1e6
    );

    // (a) unpack against umoci.
    let ours = work.join("rootfs-imagekit");
    let theirs = work.join("bundle-umoci");
    let (ik, _) = best_of(|| {
        let _ = fs::remove_dir_all(&ours);
        let mut c = Command::new(imagekit);
        c.arg("unpack").arg(format!("oci:{}:bench:1", layout.display())).arg("-o").arg(&ours);
        c
    })?;
    let (um, _) = best_of(|| {
        let _ = fs::remove_dir_all(&theirs);
        let mut c = Command::new("umoci");
        c.args(["raw", "unpack", "--rootless", "--image"]).arg(format!("{}:bench:1", layout.display())).arg(&theirs);
        c
    })?;
    let same = Command::new("diff")
        .args(["-r", "--no-dereference"])
        .arg(&ours)
        // `umoci raw unpack` writes the root filesystem itself (no bundle around it).
        .arg(&theirs)
        .status()
        .context("running diff -r")?
        .success();
    if !same {
        bail!("imagekit's and umoci's unpacked trees differ ({} vs {})", ours.display(), theirs.display());
    }
    let _ = writeln!(
        md,
        "### Unpack (both check every layer's diff_id)\n\n\
         | tool | command | best of 3 | time vs umoci |\n| --- | --- | ---: | ---: |\n\
         | imagekit | `imagekit unpack oci:LAYOUT:bench:1 -o NEW` | {:.2} s | {} |\n\
         | umoci | `umoci raw unpack --rootless --image LAYOUT:bench:1 NEW` | {:.2} s | 1.00× |\n\n\
         The trees are identical (`diff -r` of imagekit's rootfs and umoci's). Target: at most \
         1.0× umoci's time.\n",
        ik.as_secs_f64(),
        ratio(ik, um),
        um.as_secs_f64()
    );

    // (b) a docker save archive, written by skopeo (the classic form).
    let archive = work.join("bench-docker.tar");
    util::output(
        Command::new("skopeo")
            .args(["copy", "--quiet"])
            .arg(format!("oci:{}:bench:1", layout.display()))
            .arg(format!("docker-archive:{}:bench/image:1", archive.display())),
    )?;
    let ik_out = work.join("from-archive-imagekit");
    let sk_out = work.join("from-archive-skopeo");
    let (ik_copy, _) = best_of(|| {
        let _ = fresh(&ik_out);
        let mut c = Command::new(imagekit);
        c.arg("copy")
            .arg(format!("docker-archive:{}", archive.display()))
            .arg(format!("oci:{}:bench", ik_out.display()));
        c
    })?;
    let (sk_copy, _) = best_of(|| {
        let _ = fresh(&sk_out);
        let mut c = Command::new("skopeo");
        c.args(["copy", "--quiet"])
            .arg(format!("docker-archive:{}", archive.display()))
            .arg(format!("oci:{}:bench", sk_out.display()));
        c
    })?;
    let (ik_layers, _) = best_of(|| {
        let mut c = Command::new(imagekit);
        c.arg("layers").arg(format!("docker-archive:{}", archive.display()));
        c
    })?;
    util::output(Command::new(imagekit).args(["layout", "verify"]).arg(&ik_out))?;
    let archive_mb = fs::metadata(&archive).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    let _ = writeln!(
        md,
        "### Reading `docker save` output ({archive_mb:.1} MB, classic form, uncompressed layers)\n\n\
         | tool | command | best of 3 | time vs skopeo copy |\n| --- | --- | ---: | ---: |\n\
         | imagekit | `imagekit copy docker-archive:FILE oci:NEW:bench` | {:.2} s | {} |\n\
         | skopeo | `skopeo copy docker-archive:FILE oci:NEW:bench` | {:.2} s | 1.00× |\n\
         | imagekit | `imagekit layers docker-archive:FILE` (every layer read, digest and diff_id checked, tree built) | {:.2} s | {} |\n\n\
         imagekit reads the archive in place (an index of the tar's headers, then each blob by \
         offset); its copy is checked by `imagekit layout verify` afterwards.\n",
        ik_copy.as_secs_f64(),
        ratio(ik_copy, sk_copy),
        sk_copy.as_secs_f64(),
        ik_layers.as_secs_f64(),
        ratio(ik_layers, sk_copy)
    );

    // (c) docker:// asks only for what the verb needs.
    let registry = start_registry(&work.join("registry"))?;
    let reference = format!("{}/bench/sources:1", registry.addr);
    util::output(Command::new(imagekit).arg("push").arg(&layout).arg(&reference))?;
    std::thread::sleep(Duration::from_millis(300));
    let before = registry.requests();
    util::output(Command::new(imagekit).arg("history").arg(format!("docker://{reference}")))?;
    std::thread::sleep(Duration::from_millis(300));
    let during: Vec<String> = registry.requests().into_iter().skip(before.len()).collect();
    let manifests = during.iter().filter(|l| l.contains("/manifests/")).count();
    let blobs = during.iter().filter(|l| l.contains("/blobs/")).count();
    if blobs != 1 {
        bail!("`imagekit history docker://…` made {blobs} blob request(s), expected 1 (the config): {during:?}");
    }
    let _ = writeln!(
        md,
        "### `imagekit history docker://REF`: what it asks the registry\n\n\
         Counted in the registry's own access log while `history` read the five-layer image: \
         {manifests} manifest request(s) and {blobs} blob request (the config); no layer was \
         downloaded.\n"
    );
    drop(registry);
    Ok(md)
}

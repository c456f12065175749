//! `cargo xtask bench`: imagekit against the standard tools, on data generated here.
//!
//! (a) SHA-256 of a 512 MiB file: `imagekit digest`, `openssl dgst -sha256`, `sha256sum`.
//! (b) A gzipped layer from a ~200 MB tree: `imagekit layer build`, `tar -czf`, `tar | pigz -p2`.
//! (c) A pull of that tree as a 5-layer image from a local `docker-registry`: `imagekit pull`
//!     against `skopeo copy docker://… oci:…`, cold and warm, with blob GETs from the access log.
//!
//! Both inputs come from a seeded generator, so every run (and every machine) measures the same
//! bytes; they are kept under target/bench/ and reused. Each command's best of 3 is reported,
//! on stdout and in target/bench/results.md.

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::{self, Context, Result};
use crate::{book, fail};

const RUNS: usize = 3;
const DIGEST_FILE_BYTES: u64 = 512 << 20;
/// Bump when the generators change, so old inputs are made again.
const GENERATOR: &str = "v1";

pub fn bench(root: &Path) -> Result {
    let imagekit = book::build_cli(root)?.join("imagekit");
    let dir = util::target_dir(root).join("bench");
    fs::create_dir_all(&dir).context(|| format!("creating {}", dir.display()))?;

    let mut md = String::from("# imagekit benchmarks\n\n");
    md.push_str(&machine(root));
    print!("{md}");

    let digest = digest_bench(&imagekit, &dir)?;
    print!("{digest}");
    md.push_str(&digest);

    let layer = layer_bench(&imagekit, &dir)?;
    print!("{layer}");
    md.push_str(&layer);

    if let Some(pull) = pull_bench(&imagekit, &dir)? {
        print!("{pull}");
        md.push_str(&pull);
    }

    let results = dir.join("results.md");
    fs::write(&results, &md).context(|| format!("writing {}", results.display()))?;
    println!("written to {}", util::rel(root, &results));
    Ok(())
}

fn first_line(cmd: &mut Command) -> String {
    cmd.output()
        .map(|o| {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text).lines().next().unwrap_or("").trim().to_string()
        })
        .unwrap_or_default()
}

fn machine(root: &Path) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let (key, value) = l.split_once(':')?;
            (key.trim() == "model name").then(|| value.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let sha_ni = fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "sha_ni"));
    let date = first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]));
    let commit = util::output(Command::new("git").current_dir(root).args(["describe", "--always", "--dirty"]))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "- date: {date}");
    let _ = writeln!(out, "- machine: {cpus} CPU(s) (`nproc`), {model}{}", if sha_ni { ", SHA-NI" } else { "" });
    let _ = writeln!(
        out,
        "- imagekit: release build{}",
        if commit.is_empty() { String::new() } else { format!(" of {commit}") }
    );
    let mut tools = Vec::new();
    for (name, arg) in [
        ("openssl", "version"),
        ("sha256sum", "--version"),
        ("tar", "--version"),
        ("gzip", "--version"),
        ("pigz", "--version"),
    ] {
        if util::which(name).is_some() {
            tools.push(first_line(Command::new(name).arg(arg)));
        }
    }
    let _ = writeln!(out, "- tools: {}", tools.join("; "));
    let _ = writeln!(out, "- method: best of {RUNS} runs each, wall-clock time, inputs already in the page cache");
    out.push('\n');
    out
}

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes()[..chunk.len()]);
        }
    }
}

/// Runs the command `RUNS` times; returns the best time and the last run's stdout.
fn best_of(make: impl Fn() -> Command) -> Result<(Duration, String)> {
    let mut best = Duration::MAX;
    let mut stdout = String::new();
    for _ in 0..RUNS {
        let mut cmd = make();
        let start = Instant::now();
        stdout = util::output(&mut cmd)?;
        best = best.min(start.elapsed());
    }
    Ok((best, stdout))
}

fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

fn missing_tool(name: &str) -> bool {
    if util::which(name).is_some() {
        return false;
    }
    println!("skipping `{name}`: not installed (apt-get install {name})");
    true
}

// ---------------------------------------------------------------------------------------------
// (a) digest

fn random_file(dir: &Path) -> Result<PathBuf> {
    let path = dir.join(format!("random-512MiB-{GENERATOR}.bin"));
    if fs::metadata(&path).is_ok_and(|m| m.len() == DIGEST_FILE_BYTES) {
        return Ok(path);
    }
    eprintln!("writing {} (512 MiB of pseudo-random data)…", path.display());
    let tmp = path.with_extension("tmp");
    let mut file = fs::File::create(&tmp).context(|| format!("creating {}", tmp.display()))?;
    let mut rng = Rng(0xD21F_7D05);
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..(DIGEST_FILE_BYTES >> 20) {
        rng.fill(&mut buf);
        file.write_all(&buf).context(|| format!("writing {}", tmp.display()))?;
    }
    drop(file);
    fs::rename(&tmp, &path).context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Reads the file once so every tool finds it in the page cache.
fn warm(path: &Path) -> Result {
    let mut file = fs::File::open(path).context(|| format!("opening {}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    while file.read(&mut buf).context(|| format!("reading {}", path.display()))? > 0 {}
    Ok(())
}

/// Reads every file under `dir` (GNU tar skips reading when writing to /dev/null: no shortcut).
fn warm_tree(dir: &Path) -> Result {
    for entry in fs::read_dir(dir).context(|| format!("reading {}", dir.display()))? {
        let path = entry.context(|| format!("reading {}", dir.display()))?.path();
        if path.is_dir() {
            warm_tree(&path)?;
        } else {
            warm(&path)?;
        }
    }
    Ok(())
}

fn digest_bench(imagekit: &Path, dir: &Path) -> Result<String> {
    util::header("digest: SHA-256 of 512 MiB");
    let file = random_file(dir)?;
    warm(&file)?;

    // (tool, command shown, time, hex digest)
    let mut rows: Vec<(&str, String, Duration, String)> = Vec::new();
    let (time, out) = best_of(|| {
        let mut c = Command::new(imagekit);
        c.arg("digest").arg(&file);
        c
    })?;
    // `sha256:<hex>  FILE`
    let hex = out.split_whitespace().next().unwrap_or("").trim_start_matches("sha256:");
    rows.push(("imagekit", "imagekit digest FILE".into(), time, hex.into()));

    if !missing_tool("openssl") {
        let (time, out) = best_of(|| {
            let mut c = Command::new("openssl");
            c.args(["dgst", "-sha256"]).arg(&file);
            c
        })?;
        // `SHA2-256(FILE)= <hex>`
        let hex = out.rsplit("= ").next().unwrap_or("").trim();
        rows.push(("openssl", "openssl dgst -sha256 FILE".into(), time, hex.into()));
    }
    if !missing_tool("sha256sum") {
        let (time, out) = best_of(|| {
            let mut c = Command::new("sha256sum");
            c.arg(&file);
            c
        })?;
        let hex = out.split_whitespace().next().unwrap_or("");
        rows.push(("sha256sum", "sha256sum FILE".into(), time, hex.into()));
    }

    let reference = &rows[0].3;
    for (tool, _, _, hex) in &rows {
        if hex != reference || hex.len() != 64 {
            return fail!("digests disagree: imagekit says {reference:?}, {tool} says {hex:?}");
        }
    }

    let openssl = rows.iter().find(|r| r.0 == "openssl").map(|r| r.2.as_secs_f64());
    let mut md = String::from(
        "## Digest: SHA-256 of 512 MiB of pseudo-random data\n\n\
         | tool | command | best of 3 | GB/s | speed vs openssl |\n\
         | --- | --- | ---: | ---: | ---: |\n",
    );
    for (tool, command, time, _) in &rows {
        let secs = time.as_secs_f64();
        let _ = writeln!(
            md,
            "| {tool} | `{command}` | {secs:.3} s | {:.2} | {} |",
            DIGEST_FILE_BYTES as f64 / secs / 1e9,
            openssl.map_or("-".into(), |o| format!("{:.2}×", o / secs))
        );
    }
    let _ = writeln!(md, "\nAll {} digests agree: `sha256:{reference}`.\n", rows.len());
    Ok(md)
}

// ---------------------------------------------------------------------------------------------
// (b) layer build

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "layer", "digest", "manifest", "config", "index", "blob", "archive", "gzip", "whiteout",
    "opaque", "chain", "registry", "tag", "platform", "postgres", "nginx", "alpine", "driftwood",
    "store", "pull", "push", "media", "descriptor", "annotation", "history", "rootfs", "entry",
    "header", "size", "mode", "owner", "group", "path", "link", "file", "directory", "user",
    "volume", "port", "env", "label", "version", "build", "cache", "stream", "buffer", "reader",
    "writer", "hash", "verify", "error", "context", "result", "value", "count", "offset",
    "length", "bytes", "table", "row", "column", "query", "server", "client", "request",
    "response", "status", "timeout", "retry", "worker", "thread", "queue", "signal", "shutdown",
    "health", "metric", "trace", "span", "event", "record", "session", "account", "invoice",
];
const TYPES: &[&str] = &["Layer", "Digest", "Manifest", "Config", "Entry", "Request", "Store"];
const LEVELS: &[&str] = &["INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR"];
#[rustfmt::skip]
const MESSAGES: &[&str] = &[
    "accepted connection from 10.0.0.17",
    "checkpoint starting: time",
    "checkpoint complete: wrote 312 buffers (1.9%)",
    "GET /api/orders HTTP/1.1 200",
    "GET /static/app.js HTTP/1.1 304",
    "POST /api/orders HTTP/1.1 201",
    "upstream timed out while reading response header",
    "database system is ready to accept connections",
    "autovacuum: processing table public.orders",
    "worker finished job",
    "cache miss, fetching from origin",
    "retrying request after backoff",
];

/// Words joined into prose lines, ~`bytes` long.
fn prose(rng: &mut Rng, bytes: usize, out: &mut String) {
    let end = out.len() + bytes;
    while out.len() < end {
        let n = rng.range(6, 14);
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(rng.pick(WORDS));
        }
        out.push_str(".\n");
    }
}

fn config_file(rng: &mut Rng, bytes: usize) -> String {
    let mut out = format!("# {} {} configuration\n", rng.pick(WORDS), rng.pick(WORDS));
    while out.len() < bytes {
        let _ = writeln!(out, "\n[{}]", rng.pick(WORDS));
        for _ in 0..rng.range(2, 8) {
            let _ = writeln!(
                out,
                "{}_{} = \"{}-{}\"",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.below(10_000)
            );
        }
    }
    out
}

fn source_file(rng: &mut Rng, bytes: usize) -> String {
    let mut out = String::from("use std::collections::HashMap;\nuse crate::error::Error;\n\n");
    while out.len() < bytes {
        let (a, b, c) = (rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS));
        let (t, u) = (rng.pick(TYPES), rng.pick(TYPES));
        let _ = write!(
            out,
            "/// Returns the {a} of a {b}, checked against its {c}.\n\
             pub fn {a}_{b}({c}: &{t}, limit: u64) -> Result<{u}, Error> {{\n    \
                 let {a} = {c}.{b}_{a}({})?;\n    \
                 if {a}.len() as u64 > limit {{\n        \
                     return Err(Error::{t}(format!(\"{a} too large: {{}}\", {a}.len())));\n    \
                 }}\n    \
                 let mut seen = HashMap::new();\n    \
                 for (i, item) in {a}.iter().enumerate() {{\n        \
                     seen.insert(item.{c}(), i + {});\n    \
                 }}\n    \
                 Ok({u}::new({a}, seen))\n\
             }}\n\n",
            rng.below(4096),
            rng.below(64)
        );
    }
    out
}

fn log_file(rng: &mut Rng, bytes: usize, day: usize) -> String {
    let mut out = String::new();
    let mut ms = 0usize;
    while out.len() < bytes {
        ms += rng.below(900);
        let _ = writeln!(
            out,
            "2024-06-{:02}T{:02}:{:02}:{:02}.{:03}Z {:5} [{}] {} request_id={:016x} duration_ms={}",
            day % 28 + 1,
            ms / 3_600_000 % 24,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000,
            rng.pick(LEVELS),
            rng.pick(WORDS),
            rng.pick(MESSAGES),
            rng.next(),
            rng.below(2000)
        );
    }
    out
}

/// Writes the tree (unless a complete one from this generator is there); returns (files, bytes).
pub(crate) fn layer_tree(dir: &Path) -> Result<(PathBuf, usize, u64)> {
    let tree = dir.join("tree");
    let marker = dir.join("tree.complete");
    if let Ok(text) = fs::read_to_string(&marker) {
        let mut words = text.split_whitespace();
        if words.next() == Some(GENERATOR) && tree.is_dir() {
            if let (Some(Ok(files)), Some(Ok(bytes))) = (words.next().map(str::parse), words.next().map(str::parse)) {
                return Ok((tree, files, bytes));
            }
        }
    }
    eprintln!("writing {} (~200 MB of generated files)…", tree.display());
    let _ = fs::remove_file(&marker);
    util::fresh_dir(&tree)?;
    let mut rng = Rng(0x1A7E_2B00);
    let (mut files, mut bytes) = (0usize, 0u64);
    let mut put = |rel: String, content: &[u8]| -> Result {
        let path = tree.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&path, content).context(|| format!("writing {}", path.display()))?;
        files += 1;
        bytes += content.len() as u64;
        Ok(())
    };
    // Many small text files: configuration and docs (~18 MB).
    for i in 0..3000 {
        let size = rng.range(200, 12_000);
        if i % 2 == 0 {
            let name = format!("etc/app{}/{}-{i}.conf", i % 20, rng.pick(WORDS));
            put(name, config_file(&mut rng, size).as_bytes())?;
        } else {
            let name = format!("usr/share/doc/{}-{}/README-{i}.txt", rng.pick(WORDS), i % 300);
            let mut text = String::new();
            prose(&mut rng, size, &mut text);
            put(name, text.as_bytes())?;
        }
    }
    // Source code (~80 MB).
    for i in 0..100 {
        let name = format!("usr/src/driftwood/mod{}/{}_{i}.rs", i % 10, rng.pick(WORDS));
        let size = rng.range(600_000, 1_000_000);
        put(name, source_file(&mut rng, size).as_bytes())?;
    }
    // Logs: the same few lines over and over (~60 MB).
    for i in 0..40 {
        let name = format!("var/log/driftwood/{}-{i}.log", rng.pick(WORDS));
        let size = rng.range(1_200_000, 1_800_000);
        put(name, log_file(&mut rng, size, i).as_bytes())?;
    }
    // Incompressible data: ~20% (42 MB).
    let mut blob = vec![0u8; 4 << 20];
    for i in 0..10 {
        rng.fill(&mut blob);
        put(format!("usr/lib/driftwood/blob-{i}.bin"), &blob)?;
    }
    fs::write(&marker, format!("{GENERATOR} {files} {bytes}\n")).context(|| format!("writing {}", marker.display()))?;
    Ok((tree, files, bytes))
}

fn layer_bench(imagekit: &Path, dir: &Path) -> Result<String> {
    util::header("layer build: a gzipped tar of ~200 MB");
    let (tree, files, tree_bytes) = layer_tree(dir)?;
    let out = dir.join("out");
    util::fresh_dir(&out)?;
    warm_tree(&tree)?;

    // (tool, command shown, time, output size)
    let mut rows: Vec<(&str, String, Duration, u64)> = Vec::new();

    let blob = out.join("imagekit.tar.gz");
    let (time, printed) = best_of(|| {
        let mut c = Command::new(imagekit);
        c.args(["layer", "build"]).arg(&tree).arg("-o").arg(&blob);
        c
    })?;
    check_layer(&blob, &printed)?;
    rows.push(("imagekit", "imagekit layer build TREE -o OUT".into(), time, size(&blob)?));

    let gz = out.join("tar-gzip.tar.gz");
    let (time, _) = best_of(|| {
        let mut c = Command::new("tar");
        c.arg("-czf").arg(&gz).arg("-C").arg(&tree).arg(".");
        c
    })?;
    rows.push(("tar + gzip", "tar -czf OUT -C TREE .".into(), time, size(&gz)?));

    if !missing_tool("pigz") {
        let pz = out.join("pigz.tar.gz");
        let script = format!("set -o pipefail; tar -cf - -C {} . | pigz -p2 > {}", quote(&tree), quote(&pz));
        let (time, _) = best_of(|| {
            let mut c = Command::new("bash");
            c.args(["-c", &script]);
            c
        })?;
        rows.push(("tar + pigz", "tar -cf - -C TREE . | pigz -p2 > OUT".into(), time, size(&pz)?));
    }

    let pigz = rows.iter().find(|r| r.0 == "tar + pigz").map(|r| (r.2, r.3));
    let mut md = format!(
        "## Layer build: gzipped tar of {files} files, {:.1} MB\n\n\
         The tree: many small config and text files, generated source code, repetitive logs, \
         and about 20% random bytes.\n\n\
         | tool | command | best of 3 | MB/s | output | speed vs pigz | size vs pigz |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: |\n",
        tree_bytes as f64 / 1e6
    );
    for (tool, command, time, out_bytes) in &rows {
        let secs = time.as_secs_f64();
        let (speed, ratio) = match pigz {
            Some((t, s)) => {
                (format!("{:.2}×", t.as_secs_f64() / secs), format!("{:.3}×", *out_bytes as f64 / s as f64))
            }
            None => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            md,
            "| {tool} | `{}` | {secs:.2} s | {:.1} | {:.1} MB | {speed} | {ratio} |",
            command.replace('|', "\\|"),
            tree_bytes as f64 / 1e6 / secs,
            *out_bytes as f64 / 1e6
        );
    }
    md.push_str(
        "\nimagekit's layer was checked: the digest and diff_id it printed match \
         `sha256sum` of the blob and of its decompressed tar.\n",
    );
    Ok(md)
}

fn size(path: &Path) -> Result<u64> {
    fs::metadata(path).map(|m| m.len()).context(|| format!("reading {}", path.display()))
}

/// The digest (SHA-256 of the blob) and diff_id (SHA-256 of the tar) imagekit printed must be
/// the blob's.
fn check_layer(blob: &Path, printed: &str) -> Result {
    let digest = util::output(Command::new("sha256sum").arg(blob))?;
    let digest = digest.split_whitespace().next().unwrap_or("");
    let script = format!("set -o pipefail; gzip -dc {} | sha256sum", quote(blob));
    let diff_id = util::output(Command::new("bash").args(["-c", &script]))?;
    let diff_id = diff_id.split_whitespace().next().unwrap_or("");
    for (what, hex) in [("digest", digest), ("diff_id", diff_id)] {
        if hex.len() != 64 || !printed.contains(hex) {
            return fail!(
                "`imagekit layer build` did not print the layer's {what} sha256:{hex}; it printed:\n{printed}"
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (c) pull

/// A `docker-registry serve` of the bench's own (access log on, in `dir/registry.log`), killed
/// when dropped.
struct BenchRegistry {
    child: std::process::Child,
    addr: String,
    log: PathBuf,
}

impl Drop for BenchRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl BenchRegistry {
    fn start(dir: &Path) -> Result<BenchRegistry> {
        let binary = util::which("docker-registry").unwrap_or_else(|| PathBuf::from("/usr/bin/docker-registry"));
        util::fresh_dir(dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context(|| "finding a free port on 127.0.0.1")?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.join("config.yml");
        fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\nhealth:\n  storagedriver:\n    enabled: false\n",
                dir.join("data").display()
            ),
        )
        .context(|| format!("writing {}", config.display()))?;
        let log = dir.join("registry.log");
        let out = fs::File::create(&log).context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone().context(|| "opening the registry log")?;
        let child = Command::new(&binary)
            .arg("serve")
            .arg(&config)
            .stdin(std::process::Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .context(|| format!("starting {}", binary.display()))?;
        let registry = BenchRegistry { child, addr, log };
        let deadline = Instant::now() + Duration::from_secs(15);
        while !crate::registry::ping(&registry.addr) {
            if Instant::now() > deadline {
                return fail!("docker-registry did not answer on http://{}/v2/ within 15 s", registry.addr);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(registry)
    }

    /// How many `GET …/blobs/…` lines the access log holds so far.
    fn blob_gets(&self) -> usize {
        fs::read_to_string(&self.log)
            .map(|t| t.lines().filter(|l| l.contains("\"GET /v2/") && l.contains("/blobs/sha256:")).count())
            .unwrap_or(0)
    }
}

/// Runs `make()` `RUNS` times, calling `before()` ahead of each (untimed); the best time, and
/// the registry's blob GETs during the best run.
fn best_pull(
    registry: &BenchRegistry,
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

pub(crate) fn pull_bench(imagekit: &Path, dir: &Path) -> Result<Option<String>> {
    util::header("pull: a ~200 MB image in 5 layers from a local registry");
    if missing_tool("docker-registry") || missing_tool("skopeo") {
        return Ok(None);
    }
    let (tree, _, tree_bytes) = layer_tree(dir)?;
    let work = dir.join("pull");
    util::fresh_dir(&work)?;
    let layout = work.join("layout");
    let mut build = Command::new(imagekit);
    build.args(["image", "build"]);
    for sub in ["etc", "usr/share", "usr/src", "usr/lib", "var/log"] {
        build.arg("--layer").arg(tree.join(sub));
    }
    build.args(["--tag", "bench:1", "-o"]).arg(&layout);
    util::output(&mut build)?;

    let registry = BenchRegistry::start(&work.join("registry"))?;
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
            fs::remove_dir_all(p).context(|| format!("removing {}", p.display()))?;
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

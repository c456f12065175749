//! The benchmarks' inputs, made by a seeded generator so every run and machine measures the same
//! bytes: a ~200 MB tree of text files (configs, sources, logs), for the layer and pull benches.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use xtask::util::{self, Context, Result};

/// Bump when the generators change, so old inputs are made again.
pub const GENERATOR: &str = "v1";

/// splitmix64: small, fast, and the same everywhere.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo)
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes()[..chunk.len()]);
        }
    }
}

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
pub fn prose(rng: &mut Rng, bytes: usize, out: &mut String) {
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

pub fn config_file(rng: &mut Rng, bytes: usize) -> String {
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

pub fn source_file(rng: &mut Rng, bytes: usize) -> String {
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

pub fn log_file(rng: &mut Rng, bytes: usize, day: usize) -> String {
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
pub fn layer_tree(dir: &Path) -> Result<(PathBuf, usize, u64)> {
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
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
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
    fs::write(&marker, format!("{GENERATOR} {files} {bytes}\n"))
        .with_context(|| format!("writing {}", marker.display()))?;
    Ok((tree, files, bytes))
}

/// The bench image: the tree in five layers (`etc`, `usr/share`, `usr/src`, `usr/lib`,
/// `var/log`), built by `imagekit image build` into the layout `layout`, tagged `bench:1`.
pub fn build_bench_image(imagekit: &Path, tree: &Path, layout: &Path) -> Result {
    let mut build = std::process::Command::new(imagekit);
    build.args(["image", "build"]);
    for sub in ["etc", "usr/share", "usr/src", "usr/lib", "var/log"] {
        build.arg("--layer").arg(tree.join(sub));
    }
    build.args(["--tag", "bench:1", "-o"]).arg(layout);
    xtask::util::output(&mut build).map(drop)
}

//! `imagekit libc LAYOUT|REF`: which C library and dynamic loader an image ships.
//!
//! For a layout the answer is read from the merged files (`imagekit::libc`), with the version
//! from the package database when there is one. For a snapshot reference there are no files: the
//! answer is inferred from what the record says about the base (an Alpine rootfs means musl, a
//! Debian one glibc), and labelled as inferred.

use std::io::Read;

use imagekit::apply::Tree;
use imagekit::image::Image;
use imagekit::layer::Limits;
use imagekit::libc::{self, Libc, LibcReport};
use serde::Serialize;

use crate::output;
use crate::target::{self, SourceArgs, Target};

#[derive(clap::Args)]
pub struct Args {
    /// Read from the merged files of an image with bytes; inferred for a snapshot record.
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Serialize)]
struct FromFiles {
    source: String,
    inferred: bool,
    #[serde(flatten)]
    report: LibcReport,
}

#[derive(Serialize)]
struct Inferred {
    source: String,
    inferred: bool,
    libc: Option<Libc>,
    /// What the inference rests on.
    reason: String,
    /// A package list of a *sibling* build, when the record carries one (not this image).
    sibling_package: Option<String>,
}

/// The most a package database may weigh before we stop reading it.
const MAX_DB: u64 = 64 << 20;

pub fn run(args: Args) -> anyhow::Result<()> {
    let json = output::json_mode();
    match args.source.open()? {
        Target::Image { image, source } => {
            let tree = merged(&image)?;
            let db = read_package_db(&image, &tree)?;
            let report = libc::detect(&tree, db.as_ref().map(|(p, t)| (p.as_str(), t.as_str())));
            let out = FromFiles {
                source: format!("{source}: read from its merged files; every blob and diff_id verified"),
                inferred: false,
                report,
            };
            if json {
                return output::json(&out);
            }
            print_files(&out);
            Ok(())
        }
        Target::Snapshot { reference, record } => {
            let out = infer(&reference.familiar(), record);
            if json {
                return output::json(&out);
            }
            println!("source      {}", out.source);
            match out.libc {
                Some(l) => println!("libc        {} (INFERRED, not read from files)", l.describe()),
                None => println!("libc        unknown: the record says nothing about the base"),
            }
            println!("because     {}", out.reason);
            if let Some(p) = &out.sibling_package {
                println!("also        {p}");
            }
            println!("note        the snapshot holds no layer contents; build or pull the image into a layout to read its files");
            Ok(())
        }
    }
}

/// Apply every layer into an in-memory tree ([`Image::read_layer`] checks blobs and diff_ids).
pub fn merged(image: &Image) -> anyhow::Result<Tree> {
    let mut tree = Tree::new();
    let limits = Limits::default();
    for i in 0..image.layers().len() {
        output::progress(format_args!("reading layer {i} ({}) …", output::short(&image.layers()[i].digest)));
        image.read_layer(i, |blob, name| {
            let changes = tree.apply_layer_named(blob, i, name, &limits)?;
            Ok(((), changes.summary.diff_id))
        })?;
    }
    Ok(tree)
}

/// The first package database the image has, read from the layer that last wrote it.
fn read_package_db(image: &Image, tree: &Tree) -> anyhow::Result<Option<(String, String)>> {
    for db in libc::PACKAGE_DATABASES {
        let Some((path, kind)) = libc::resolve(tree, db) else { continue };
        let Some(node) = tree.get(&path).filter(|_| kind == imagekit::apply::NodeKind::File) else { continue };
        if node.size > MAX_DB {
            continue;
        }
        let spool = tempfile::tempfile()?;
        if let Some(mut found) = crate::cmd::extract::read_file(image, node.layer, &path, spool)? {
            use std::io::Seek;
            found.file.rewind()?;
            let mut text = String::new();
            found.file.take(MAX_DB).read_to_string(&mut text)?;
            return Ok(Some((path, text)));
        }
    }
    Ok(None)
}

fn print_files(out: &FromFiles) {
    let r = &out.report;
    let slash = |p: &str| format!("/{p}");
    println!("source      {}", out.source);
    let version = match (&r.version, &r.version_source) {
        (Some(v), Some(s)) => format!(" {v} (version from {s})"),
        (Some(v), None) => format!(" {v}"),
        _ if r.libc != Libc::None => " (version not found: no package database, no versioned file name)".into(),
        _ => String::new(),
    };
    println!("libc        {}{version}", r.libc.describe());
    if let Some(i) = &r.interpreter {
        match &i.resolves_to {
            Some(t) => {
                println!("interpreter /{} → /{t} (the loader path dynamically linked binaries ask for exists)", i.path)
            }
            None => println!(
                "interpreter /{} does NOT resolve: binaries linked against it will fail with \"not found\"",
                i.path
            ),
        }
    }
    for (n, l) in r.loaders.iter().enumerate() {
        let how = match &l.resolves_to {
            Some(t) if *t == l.path => "file".to_string(),
            Some(t) => format!("→ /{t}"),
            None => "dangling link".to_string(),
        };
        println!("{:<12}{} ({}, {how})", if n == 0 { "loaders" } else { "" }, slash(&l.path), l.libc.describe());
    }
    if r.loaders.is_empty() {
        println!("loaders     none found (no ld-musl-*, ld-linux-*, ld64.so.* anywhere)");
    }
    if !r.libc_files.is_empty() {
        println!("libc files  {}", r.libc_files.iter().map(|p| slash(p)).collect::<Vec<_>>().join(", "));
    }
}

fn infer(name: &str, r: &'static driftwood::ImageRecord) -> Inferred {
    let source = format!("offline snapshot record {} of {name} ({})", r.id, target::source_line(r));
    let base = r.base.clone().unwrap_or_default();
    let tags: Vec<&str> = r.tags().collect();
    let (libc, reason) = if let Some(v) = r.versions.get("alpine") {
        (Some(Libc::Musl), format!("its base is Alpine {v} (history: {base}); Alpine builds on musl"))
    } else if base.contains("alpine") || tags.iter().any(|t| t.starts_with("alpine:") || t.contains("-alpine")) {
        (Some(Libc::Musl), format!("its tag ({}) names an Alpine base; Alpine builds on musl", tags.join(", ")))
    } else if let Some(v) = r.versions.get("debian") {
        (Some(Libc::Glibc), format!("its base is Debian {v} ({base}); Debian builds on glibc"))
    } else if base.contains("debian") || tags.iter().any(|t| t.contains("bookworm") || t.contains("trixie")) {
        (
            Some(Libc::Glibc),
            format!(
                "its base is Debian ({}); Debian builds on glibc",
                if base.is_empty() { tags.join(", ") } else { base }
            ),
        )
    } else {
        (None, "no base image, base history line or distribution tag in this record".to_string())
    };
    let sibling_package = r.local_record.as_ref().and_then(|l| {
        let p = l.packages.as_ref()?.iter().find(|p| p.name == "musl" || p.name == "libc6")?;
        Some(format!(
            "a sibling build's package list ({}, {}) has {} {} — same version line, not this image's bytes",
            l.title_as_printed, l.source.path, p.name, p.version
        ))
    });
    Inferred { source, inferred: true, libc, reason, sibling_package }
}

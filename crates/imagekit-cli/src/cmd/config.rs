//! `imagekit config LAYOUT|REF`: the image config, readable — what a container started from the
//! image gets by default (Env, Entrypoint, Cmd, User…), and what it is made of (diff_ids).
//!
//! For a layout `--json` prints the config blob's exact bytes: the image ID is their SHA-256, so a
//! re-serialization would be a different document.

use std::io::Write;

use serde::Serialize;

use crate::output;
use crate::target::{self, SourceArgs, Target};

#[derive(clap::Args)]
pub struct Args {
    /// With `--json`: an image's config blob byte for byte (its SHA-256 is the image ID); a
    /// snapshot record's recorded config with its provenance.
    #[command(flatten)]
    source: SourceArgs,
}

/// The readable view, the same for both sources.
struct View {
    source: String,
    image_id: Option<String>,
    user: Option<String>,
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    env: Vec<String>,
    working_dir: Option<String>,
    exposed_ports: Vec<String>,
    volumes: Vec<String>,
    labels: Vec<(String, String)>,
    stop_signal: Option<String>,
    created: Option<String>,
    platform: Option<String>,
    diff_ids: Option<Vec<String>>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct RecordJson<'a> {
    source: String,
    record: &'a str,
    image_id: Option<&'a imagekit::Digest>,
    platform: &'static str,
    config: Option<&'a driftwood::ImageConfig>,
    /// How each config field got into the snapshot (transcribed, derived…).
    provenance: std::collections::BTreeMap<&'static str, &'a driftwood::Provenance>,
}

/// The config fields a record can say the provenance of: driftwood's `config.*` field paths.
fn config_fields() -> impl Iterator<Item = &'static str> {
    driftwood::FIELD_PATHS.iter().copied().filter(|f| f.starts_with("config."))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let json = output::json_mode();
    let view = match args.source.open()? {
        Target::Image { image, source } => {
            if json {
                let mut out = std::io::stdout().lock();
                out.write_all(image.config.bytes())?;
                if !image.config.bytes().ends_with(b"\n") {
                    // Keep the terminal tidy; the blob's bytes are everything before this newline.
                    out.write_all(b"\n")?;
                }
                return Ok(());
            }
            from_image(&source, &image)
        }
        Target::Snapshot { reference, record } => {
            if json {
                return output::json(&RecordJson {
                    source: target::source_line(record),
                    record: &record.id,
                    image_id: record.amd64().and_then(|i| i.config_digest.as_ref()),
                    platform: "linux/amd64",
                    config: record.config.as_ref(),
                    provenance: config_fields().map(|f| (f, record.provenance_of(f))).collect(),
                });
            }
            from_record(&reference.familiar(), record)
        }
    };
    print(&view);
    Ok(())
}

fn from_image(source: &str, image: &imagekit::image::Image) -> View {
    let c = &image.config.value;
    let rc = c.config.clone().unwrap_or_default();
    let keys = |m: Option<std::collections::BTreeMap<String, imagekit::json::Value>>| {
        m.map(|m| m.into_keys().collect()).unwrap_or_default()
    };
    View {
        source: format!("{source}: config blob {} bytes, verified", image.config.bytes().len()),
        image_id: Some(image.config.digest().to_string()),
        user: rc.user,
        entrypoint: rc.entrypoint,
        cmd: rc.cmd,
        env: rc.env.unwrap_or_default(),
        working_dir: rc.working_dir,
        exposed_ports: keys(rc.exposed_ports),
        volumes: keys(rc.volumes),
        labels: rc.labels.unwrap_or_default().into_iter().collect(),
        stop_signal: rc.stop_signal,
        created: c.created.clone(),
        platform: Some(format!(
            "{}/{}{}",
            c.os,
            c.architecture,
            c.variant.as_deref().map_or(String::new(), |v| format!("/{v}"))
        )),
        diff_ids: Some(c.rootfs.diff_ids.iter().map(|d| d.to_string()).collect()),
        notes: Vec::new(),
    }
}

fn from_record(name: &str, r: &'static driftwood::ImageRecord) -> View {
    let c = r.config.clone();
    let mut notes = Vec::new();
    if c.is_none() {
        notes.push(format!("the snapshot record {} holds no runtime config", r.id));
    } else {
        for f in ["config.env", "config.labels", "config.user"] {
            let p = r.provenance_of(f);
            if p.kind != driftwood::ProvenanceKind::Transcribed {
                notes.push(format!(
                    "{}: {}{}",
                    &f[7..],
                    format!("{:?}", p.kind).to_lowercase(),
                    p.note.as_deref().map_or(String::new(), |n| format!(" — {n}"))
                ));
            }
        }
    }
    notes.push(
        "diff_ids: not in the record (repo-info prints the compressed layers' digests, not the config's rootfs)".into(),
    );
    let c = c.unwrap_or(driftwood::ImageConfig {
        entrypoint: None,
        cmd: None,
        env: None,
        labels: None,
        exposed_ports: None,
        user: None,
        stop_signal: None,
        volumes: None,
        working_dir: None,
    });
    let created = r.history.as_ref().and_then(|h| h.last()).map(|h| format!("{} (the last history entry)", h.created));
    View {
        source: format!("offline snapshot record {} of {name}, linux/amd64 (from {})", r.id, target::source_line(r)),
        image_id: r.amd64().and_then(|i| i.config_digest.as_ref()).map(|d| d.to_string()),
        user: c.user,
        entrypoint: c.entrypoint,
        cmd: c.cmd,
        env: c.env.unwrap_or_default(),
        working_dir: c.working_dir,
        exposed_ports: c.exposed_ports.unwrap_or_default(),
        volumes: c.volumes.unwrap_or_default(),
        labels: c.labels.unwrap_or_default().into_iter().collect(),
        stop_signal: c.stop_signal,
        created,
        platform: r.amd64().map(|i| i.platform.to_string()),
        diff_ids: None,
        notes,
    }
}

fn line(label: &str, value: impl std::fmt::Display) {
    println!("{label:<13}{value}");
}

fn list(label: &str, items: &[String], empty: &str) {
    if items.is_empty() {
        line(label, empty);
    }
    for (i, item) in items.iter().enumerate() {
        line(if i == 0 { label } else { "" }, item);
    }
}

fn print(v: &View) {
    let json = |a: &Vec<String>| serde_json::to_string(a).unwrap_or_default();
    line("source", &v.source);
    if let Some(id) = &v.image_id {
        line("image ID", format!("{id} (SHA-256 of the config bytes)"));
    }
    line("platform", v.platform.as_deref().unwrap_or("(not recorded)"));
    line("created", v.created.as_deref().unwrap_or("(not set)"));
    line(
        "User",
        match v.user.as_deref() {
            None | Some("") => "root (default: no User set, so the process runs as uid 0)".to_string(),
            Some(u) => u.to_string(),
        },
    );
    line("Entrypoint", v.entrypoint.as_ref().map_or("(none)".into(), json));
    line("Cmd", v.cmd.as_ref().map_or("(none)".into(), json));
    line("WorkingDir", v.working_dir.as_deref().unwrap_or("/ (default)"));
    list("Env", &v.env, "(none)");
    list("ExposedPorts", &v.exposed_ports, "(none)");
    list("Volumes", &v.volumes, "(none)");
    let labels: Vec<String> = v.labels.iter().map(|(k, val)| format!("{k}={val}")).collect();
    list("Labels", &labels, "(none)");
    line("StopSignal", v.stop_signal.as_deref().unwrap_or("(default: SIGTERM)"));
    if let Some(ids) = &v.diff_ids {
        let numbered: Vec<String> = ids.iter().enumerate().map(|(i, d)| format!("{i}  {d}")).collect();
        list("diff_ids", &numbered, "(none)");
    }
    for n in &v.notes {
        line("note", n);
    }
}

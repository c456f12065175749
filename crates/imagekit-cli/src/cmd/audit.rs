//! `imagekit audit LAYOUT|REF`: read an image before trusting it. Secrets left in Env, labels
//! and history; files a later layer deleted that still ship; files overwritten across layers;
//! secret-looking file names; world-writable paths; setuid/setgid binaries; a dive-style
//! efficiency score (formula in `imagekit::audit`). `--fail-on` turns findings into exit 1 for CI.

use anyhow::bail;
use imagekit::audit::{self, FileAudit, FileReport, SecretFinding};
use imagekit::image::Image;
use imagekit::layer::Limits;
use serde::Serialize;

use crate::output::{self, Table};
use crate::target::{self, SourceArgs, Target};

#[derive(clap::Args)]
pub struct Args {
    /// Every check on an image with bytes; config and history only on a snapshot record.
    #[command(flatten)]
    source: SourceArgs,
    /// Exit 1 when findings of these kinds exist (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KIND")]
    fail_on: Vec<FailOn>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    /// Secrets in Env, labels or history, and secret-looking files.
    Secrets,
    /// Files deleted by a later layer that still ship.
    Deleted,
    /// Files overwritten by a later layer (the lower copy still ships).
    Overwritten,
    /// setuid or setgid files.
    Setuid,
    /// World-writable files, and world-writable directories without the sticky bit.
    WorldWritable,
    /// Any finding above.
    Any,
}

#[derive(Serialize)]
struct Report {
    source: String,
    /// False for a snapshot record: no layer contents, so no file checks.
    files_checked: bool,
    secrets: Vec<SecretFinding>,
    #[serde(flatten)]
    files: Option<FileReport>,
    counts: Counts,
    notes: Vec<String>,
}

#[derive(Serialize, Default)]
struct Counts {
    secrets: usize,
    deleted: usize,
    overwritten: usize,
    setuid: usize,
    world_writable: usize,
}

impl Counts {
    fn of(kind: FailOn, c: &Counts) -> usize {
        match kind {
            FailOn::Secrets => c.secrets,
            FailOn::Deleted => c.deleted,
            FailOn::Overwritten => c.overwritten,
            FailOn::Setuid => c.setuid,
            FailOn::WorldWritable => c.world_writable,
            FailOn::Any => c.secrets + c.deleted + c.overwritten + c.setuid + c.world_writable,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let report = match args.source.open()? {
        Target::Image { image, source } => {
            let secrets = audit::config_secrets(&image.config.value);
            let files = audit_layers(&image)?;
            let source = format!("{source}; every blob and diff_id verified");
            report(source, secrets, Some(files), Vec::new())
        }
        Target::Snapshot { reference, record } => {
            let config = record.config.clone();
            let env = config.as_ref().and_then(|c| c.env.clone()).unwrap_or_default();
            let labels = config.as_ref().and_then(|c| c.labels.clone()).unwrap_or_default();
            let history: Vec<&str> = record.history.iter().flatten().map(|h| h.created_by.as_str()).collect();
            let secrets = audit::secrets(&env, labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), history);
            let mut notes = vec![format!(
                "file checks need the layers' contents, which the offline snapshot does not hold: \
                 only Env, labels and history were audited (record {}, {})",
                record.id,
                target::source_line(record)
            )];
            if record.history.is_none() {
                notes.push("this record holds no build history".into());
            }
            report(format!("offline snapshot record {} of {}", record.id, reference.familiar()), secrets, None, notes)
        }
    };
    if output::json_mode() {
        output::json(&report)?;
    } else {
        print(&report)?;
    }
    let failing: Vec<String> = args
        .fail_on
        .iter()
        .filter(|k| Counts::of(**k, &report.counts) > 0)
        .map(|k| format!("{} {:?}", Counts::of(*k, &report.counts), k).to_lowercase())
        .collect();
    if !failing.is_empty() {
        bail!("--fail-on: found {}", failing.join(", "));
    }
    Ok(())
}

fn report(source: String, secrets: Vec<SecretFinding>, files: Option<FileReport>, notes: Vec<String>) -> Report {
    let mut counts = Counts { secrets: secrets.len(), ..Counts::default() };
    if let Some(f) = &files {
        counts.secrets += f.secret_files.len();
        counts.deleted = f.deleted.len();
        counts.overwritten = f.overwritten.len();
        counts.setuid = f.setid.len();
        counts.world_writable = f.world_writable.len();
    }
    Report { source, files_checked: files.is_some(), secrets, files, counts, notes }
}

/// Apply every layer; [`Image::read_layer`] checks each blob and diff_id as it streams.
fn audit_layers(image: &Image) -> anyhow::Result<FileReport> {
    let limits = Limits::default();
    let mut audit = FileAudit::new();
    for i in 0..image.layers().len() {
        output::progress(format_args!("reading layer {i} ({}) …", output::short(&image.layers()[i].digest)));
        image.read_layer(i, |blob, name| {
            let changes = audit.apply_layer(blob, name, &limits)?;
            Ok(((), changes.summary.diff_id))
        })?;
    }
    Ok(audit.finish())
}

const MAX_ROWS: usize = 40;

fn section(title: &str, count: usize, extra: &str) {
    println!("\n{title} ({count}){extra}");
}

fn print_table(t: Table, total: usize) -> anyhow::Result<()> {
    t.print()?;
    if total > MAX_ROWS {
        println!("… and {} more (--json lists them all)", total - MAX_ROWS);
    }
    Ok(())
}

fn print(r: &Report) -> anyhow::Result<()> {
    println!("audit of {}", r.source);
    section("SECRETS in Env, labels and history", r.secrets.len(), "");
    if !r.secrets.is_empty() {
        let mut t = Table::new(&["WHERE", "NAME", "VALUE (masked)"]);
        for s in r.secrets.iter().take(MAX_ROWS) {
            t.row(vec![s.place.clone(), s.name.clone(), s.masked.clone()]);
        }
        print_table(t, r.secrets.len())?;
        println!("They are in the config: anyone who can pull the image can read them (`imagekit config`, `imagekit history --no-trunc`).");
    }
    if let Some(f) = &r.files {
        section("SECRET-LOOKING FILES", f.secret_files.len(), "");
        if !f.secret_files.is_empty() {
            let mut t = Table::new(&["PATH", ">LAYER", ">SIZE", "STATUS"]);
            for s in f.secret_files.iter().take(MAX_ROWS) {
                let status = match s.deleted_in {
                    Some(d) => format!(
                        "deleted in layer {d}, still in layer {}: imagekit extract … /{} --layer {}",
                        s.layer, s.path, s.layer
                    ),
                    None => "present".into(),
                };
                t.row(vec![format!("/{}", s.path), s.layer.to_string(), output::size(s.bytes), status]);
            }
            print_table(t, f.secret_files.len())?;
        }
        let deleted: u64 = f.deleted.iter().map(|d| d.bytes).sum();
        section(
            "DELETED FILES STILL SHIPPED",
            f.deleted.len(),
            &format!(": {} in lower layers", output::size(deleted)),
        );
        if !f.deleted.is_empty() {
            let mut t = Table::new(&["PATH", ">ADDED IN", ">DELETED IN", ">WASTED"]);
            for d in f.deleted.iter().take(MAX_ROWS) {
                t.row(vec![
                    format!("/{}", d.path),
                    d.added_in.to_string(),
                    d.deleted_in.to_string(),
                    output::size(d.bytes),
                ]);
            }
            print_table(t, f.deleted.len())?;
        }
        let lower: u64 = f.overwritten.iter().map(|o| o.lower_bytes).sum();
        section(
            "OVERWRITTEN ACROSS LAYERS",
            f.overwritten.len(),
            &format!(": {} in hidden lower copies", output::size(lower)),
        );
        if !f.overwritten.is_empty() {
            let mut t = Table::new(&["PATH", ">LOWER", ">UPPER", ">WASTED", ">NEW SIZE"]);
            for o in f.overwritten.iter().take(MAX_ROWS) {
                t.row(vec![
                    format!("/{}", o.path),
                    o.lower_layer.to_string(),
                    o.upper_layer.to_string(),
                    output::size(o.lower_bytes),
                    output::size(o.upper_bytes),
                ]);
            }
            print_table(t, f.overwritten.len())?;
        }
        for (title, list) in [
            ("WORLD-WRITABLE (files; directories without the sticky bit)", &f.world_writable),
            ("SETUID / SETGID FILES", &f.setid),
        ] {
            section(title, list.len(), "");
            if !list.is_empty() {
                let mut t = Table::new(&["PATH", "MODE", ">UID:GID", ">LAYER"]);
                for m in list.iter().take(MAX_ROWS) {
                    t.row(vec![
                        format!("/{}", m.path),
                        format!("{} ({:04o})", m.mode_text, m.mode),
                        format!("{}:{}", m.uid, m.gid),
                        m.layer.to_string(),
                    ]);
                }
                print_table(t, list.len())?;
            }
        }
        let e = &f.efficiency;
        println!(
            "\nEFFICIENCY {:.1} %: {} of {} file bytes across {} layers can never be seen (dive's \"potential wasted space\": {})",
            e.score * 100.0,
            output::size(e.wasted_bytes),
            output::size(e.total_bytes),
            f.layers,
            output::size(e.dive_wasted_bytes)
        );
        println!(
            "  score = Σ smallest size of each path ÷ Σ its sizes over all layers (a deletion is a 0-byte version)"
        );
        if !e.top.is_empty() {
            let mut t = Table::new(&["PATH", ">VERSIONS", ">TOTAL", ">WASTED"]);
            for p in e.top.iter().take(10) {
                t.row(vec![
                    format!("/{}", p.path),
                    p.versions.to_string(),
                    output::size(p.total_bytes),
                    output::size(p.wasted_bytes),
                ]);
            }
            t.print()?;
        }
    }
    let c = &r.counts;
    println!(
        "\nsummary: {} secret(s), {} deleted, {} overwritten, {} setuid/setgid, {} world-writable",
        c.secrets, c.deleted, c.overwritten, c.setuid, c.world_writable
    );
    for n in &r.notes {
        println!("note: {n}");
    }
    Ok(())
}

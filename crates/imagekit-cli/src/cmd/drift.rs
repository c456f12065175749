//! `imagekit drift LOCKFILE --at DATE`: which pins no longer match what their tag points to on
//! that date, and why — a new upstream version, or the same version rebuilt (a new base image).

use std::path::PathBuf;

use anyhow::{bail, Context};
use driftwood::TagMove;
use imagekit::reference::Reference;
use serde::Serialize;

use crate::compose;
use crate::output::{self, Table};

#[derive(clap::Args)]
pub struct Args {
    /// A compose-style file whose `image:` lines are pinned (`name:tag@sha256:…`), e.g. from `imagekit pin`.
    lockfile: PathBuf,
    /// The date to compare against (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    at: String,
    /// Exit 1 when any pin has drifted (for CI).
    #[arg(long)]
    fail_on_drift: bool,
}

#[derive(Serialize)]
struct Finding {
    line: usize,
    reference: String,
    locked: Option<String>,
    locked_version: Option<String>,
    now: Option<String>,
    now_version: Option<String>,
    drifted: bool,
    reason: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if !driftwood::is_iso_date(&args.at) {
        bail!("--at {:?}: expected a date as YYYY-MM-DD", args.at);
    }
    let text =
        std::fs::read_to_string(&args.lockfile).with_context(|| format!("reading {}", args.lockfile.display()))?;
    let mut findings = Vec::new();
    for l in compose::image_lines(&text) {
        let reference = Reference::parse(&l.reference).with_context(|| format!("line {}", l.line))?;
        findings.push(check(l.line, &l.reference, &reference, &args.at));
    }
    if findings.is_empty() {
        bail!("{} has no `image:` lines", args.lockfile.display());
    }
    let drifted = findings.iter().filter(|f| f.drifted).count();
    if crate::output::json_mode() {
        output::json(&serde_json::json!({ "at": args.at, "drifted": drifted, "findings": findings }))?;
    } else {
        let mut t = Table::new(&[">LINE", "IMAGE", "LOCKED", "ON DATE", "STATUS"]);
        let short = |d: &Option<String>, v: &Option<String>| match d {
            Some(d) => {
                format!("{}{}", &d[..d.len().min(19)], v.as_deref().map_or(String::new(), |v| format!(" ({v})")))
            }
            None => "-".into(),
        };
        for f in &findings {
            let name = f.reference.split('@').next().unwrap_or(&f.reference).to_string();
            t.row(vec![
                f.line.to_string(),
                name,
                short(&f.locked, &f.locked_version),
                short(&f.now, &f.now_version),
                f.reason.clone(),
            ]);
        }
        t.print()?;
        println!("{drifted} of {} pins drifted by {}", findings.len(), args.at);
    }
    if drifted > 0 && args.fail_on_drift {
        std::process::exit(1);
    }
    Ok(())
}

fn check(line: usize, text: &str, reference: &Reference, at: &str) -> Finding {
    let mut f = Finding {
        line,
        reference: text.to_string(),
        locked: reference.digest.as_ref().map(|d| d.to_string()),
        locked_version: None,
        now: None,
        now_version: None,
        drifted: false,
        reason: String::new(),
    };
    let Some(locked) = &reference.digest else {
        f.reason = "not pinned: the tag decides at every pull".into();
        f.drifted = true;
        return f;
    };
    let tag = Reference { digest: None, ..reference.clone() }.familiar();
    let moves = driftwood::moves_for(&tag);
    let was = moves
        .iter()
        .find(|m| m.index_digest.as_ref() == Some(locked) || m.amd64_manifest_digest.as_ref() == Some(locked));
    f.locked_version = was.and_then(|m| m.version.clone());
    let Some(now) = driftwood::resolve_on(&tag, at) else {
        f.reason = format!("the timeline has no move of {tag} on or before {at}");
        return f;
    };
    // Compare like with like: an index pin with the index then, a manifest pin with the manifest.
    let pinned_index = was.is_some_and(|m| m.index_digest.as_ref() == Some(locked));
    let current = if pinned_index || was.is_none() {
        now.index_digest.as_ref().or(now.amd64_manifest_digest.as_ref())
    } else {
        now.amd64_manifest_digest.as_ref()
    };
    f.now = current.map(|d| d.to_string());
    f.now_version = now.version.clone();
    if current == Some(locked) {
        // The snapshot only knows the moves it recorded: say how far its knowledge reaches.
        f.reason = format!("current as of the newest record ({})", now.date.as_deref().unwrap_or("undated"));
        return f;
    }
    f.drifted = true;
    f.reason = match was {
        None => "the pinned digest is not in the timeline".into(),
        Some(was) => explain(was, now),
    };
    f
}

fn explain(was: &TagMove, now: &TagMove) -> String {
    let (v0, v1) = (was.version.as_deref().unwrap_or("?"), now.version.as_deref().unwrap_or("?"));
    let upstream = |v: &str| v.split(['-', '+', ' ']).next().unwrap_or(v).to_string();
    // The snapshot writes the Debian suite beside postgres versions: "16.1-1.pgdg120+1 (bookworm)".
    let suite = |v: &str| v.split_once('(').map(|(_, s)| s.trim_end_matches(')').to_string());
    let base_change = match (suite(v0), suite(v1)) {
        (Some(a), Some(b)) if a != b => Some(format!("base {a} → {b}")),
        _ => None,
    };
    match (upstream(v0) != upstream(v1), base_change) {
        (true, Some(base)) => format!("version bump {} → {}; {base}", upstream(v0), upstream(v1)),
        (true, None) => format!("version bump {} → {}", upstream(v0), upstream(v1)),
        (false, Some(base)) => format!("same version {}, rebuilt on a new base: {base}", upstream(v0)),
        (false, None) => format!("rebuilt, same version {}: base image or packages changed", upstream(v0)),
    }
}

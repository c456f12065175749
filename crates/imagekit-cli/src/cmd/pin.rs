//! `imagekit pin FILE`: rewrite a compose file's `image:` references to `name:tag@sha256:…`,
//! resolving each tag in the offline snapshot's timeline (on a date) or in an OCI layout.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use imagekit::layout::Layout;
use imagekit::reference::Reference;
use imagekit::Digest;
use serde::Serialize;

use crate::compose::{self, ImageLine};
use crate::output::{self, Table};

#[derive(clap::Args)]
pub struct Args {
    /// A compose-style YAML file with `image:` lines.
    file: PathBuf,
    /// Resolve tags as they were on this date (YYYY-MM-DD); default: the newest record.
    #[arg(long, value_name = "DATE")]
    at: Option<String>,
    /// Resolve tags from this OCI layout's index.json instead of the snapshot.
    #[arg(long, value_name = "LAYOUT")]
    layout: Option<PathBuf>,
    /// Write the pinned file here instead of rewriting FILE in place.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

#[derive(Serialize)]
struct Pin {
    line: usize,
    reference: String,
    pinned: Option<String>,
    /// "index" (all platforms) or "linux/amd64 manifest" (index not recorded) or "layout".
    digest_kind: Option<String>,
    as_of: Option<String>,
    version: Option<String>,
    status: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let layout = args.layout.as_deref().map(Layout::open).transpose()?;
    let lines = compose::image_lines(&text);
    if lines.is_empty() {
        bail!("{} has no `image:` lines to pin", args.file.display());
    }
    let mut pins = Vec::new();
    let mut replacements: Vec<(ImageLine, String)> = Vec::new();
    for l in &lines {
        let reference = Reference::parse(&l.reference).with_context(|| format!("line {}", l.line))?;
        if reference.digest.is_some() {
            pins.push(Pin::unchanged(l, "already pinned by digest"));
            continue;
        }
        let resolved = match &layout {
            Some(layout) => resolve_in_layout(layout, &reference)?,
            None => resolve_in_snapshot(&reference, args.at.as_deref())?,
        };
        let pinned = format!("{}@{}", reference.familiar(), resolved.digest);
        replacements.push((l.clone(), pinned.clone()));
        pins.push(Pin {
            line: l.line,
            reference: l.reference.clone(),
            pinned: Some(pinned),
            digest_kind: Some(resolved.kind),
            as_of: resolved.as_of,
            version: resolved.version,
            status: "pinned".into(),
        });
    }
    let out_path = args.output.clone().unwrap_or_else(|| args.file.clone());
    write_atomic(&out_path, &compose::rewrite(&text, &replacements))?;

    if crate::output::json_mode() {
        return output::json(&serde_json::json!({ "file": out_path.display().to_string(), "pins": pins }));
    }
    let mut t = Table::new(&[">LINE", "REFERENCE", "PINNED TO", "DIGEST OF", "AS OF", "VERSION"]);
    for p in &pins {
        t.row(vec![
            p.line.to_string(),
            p.reference.clone(),
            p.pinned.as_deref().map_or(p.status.clone(), |s| s.split_once('@').map_or(s, |x| x.1).to_string()),
            p.digest_kind.clone().unwrap_or_else(|| "-".into()),
            p.as_of.clone().unwrap_or_else(|| "-".into()),
            p.version.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    t.print()?;
    println!("wrote {} ({} pinned)", out_path.display(), replacements.len());
    Ok(())
}

impl Pin {
    fn unchanged(l: &ImageLine, status: &str) -> Pin {
        Pin {
            line: l.line,
            reference: l.reference.clone(),
            pinned: None,
            digest_kind: None,
            as_of: None,
            version: None,
            status: status.into(),
        }
    }
}

pub struct Resolved {
    pub digest: Digest,
    pub kind: String,
    pub as_of: Option<String>,
    pub version: Option<String>,
}

/// What a tag pointed to on `at` (or at its newest recorded move): the index digest when the
/// record has one — it pins every platform at once — else the linux/amd64 manifest digest.
pub fn resolve_in_snapshot(reference: &Reference, at: Option<&str>) -> anyhow::Result<Resolved> {
    let tag = reference.familiar();
    let moves = driftwood::moves_for(&tag);
    if moves.is_empty() {
        bail!("{tag} is not in the offline snapshot's timeline");
    }
    let m = match at {
        Some(date) => {
            if !driftwood::is_iso_date(date) {
                bail!("--at {date:?}: expected a date as YYYY-MM-DD");
            }
            driftwood::resolve_on(&tag, date)
                .with_context(|| format!("the timeline has no move of {tag} on or before {date}"))?
        }
        None => moves
            .iter()
            .rev()
            .find(|m| m.date.is_some())
            .copied()
            .with_context(|| format!("{tag} has no dated move"))?,
    };
    let (digest, kind) = match (&m.index_digest, &m.amd64_manifest_digest) {
        (Some(d), _) => (d.clone(), "index".to_string()),
        (None, Some(d)) => (d.clone(), "linux/amd64 manifest (index not recorded)".to_string()),
        (None, None) => bail!("the timeline entry for {tag} on {:?} records no digest", m.date),
    };
    Ok(Resolved { digest, kind, as_of: m.date.clone(), version: m.version.clone() })
}

fn resolve_in_layout(layout: &Layout, reference: &Reference) -> anyhow::Result<Resolved> {
    let tag = reference.familiar();
    let short_tag = reference.tag.clone().unwrap_or_default();
    let desc = layout.resolve(Some(&tag)).or_else(|_| layout.resolve(Some(&short_tag)))?;
    Ok(Resolved {
        digest: desc.digest,
        kind: format!("layout ({})", imagekit::media::describe(&desc.media_type)),
        as_of: None,
        version: None,
    })
}

fn write_atomic(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    crate::output::install_file(tmp, path)?;
    Ok(())
}

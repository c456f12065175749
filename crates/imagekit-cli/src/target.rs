//! What an inspecting command reads: an OCI layout on disk, or a record of a real image in the
//! offline Driftwood snapshot (`nginx:1.27-alpine`, `postgres:16`, …). The registry comes later;
//! the commands treat all sources alike, as go-containerregistry does.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use driftwood::ImageRecord;
use imagekit::layout::Layout;
use imagekit::reference::Reference;

pub enum Target {
    Layout { path: PathBuf, layout: Layout },
    Snapshot { reference: Reference, record: &'static ImageRecord },
}

/// A directory with an `oci-layout` file is a layout; anything else is a reference looked up
/// in the snapshot, as of `at` (YYYY-MM-DD) when given, else its newest record.
pub fn open(arg: &str, at: Option<&str>) -> anyhow::Result<Target> {
    let path = Path::new(arg);
    if path.join("oci-layout").is_file() {
        return Ok(Target::Layout { path: path.to_path_buf(), layout: Layout::open(path)? });
    }
    if path.is_dir() {
        bail!("{arg} is a directory but not an OCI image layout (no oci-layout file)");
    }
    let reference = Reference::parse(arg)?;
    let record = snapshot_record(&reference, at)?;
    Ok(Target::Snapshot { reference, record })
}

/// The snapshot record for a reference: by digest (index or platform manifest), or by tag on a date.
pub fn snapshot_record(reference: &Reference, at: Option<&str>) -> anyhow::Result<&'static ImageRecord> {
    if reference.registry != imagekit::reference::DEFAULT_REGISTRY {
        bail!("{reference} is not on Docker Hub: the offline snapshot only holds the Driftwood images (see `imagekit snapshot`)");
    }
    if let Some(digest) = &reference.digest {
        return driftwood::records()
            .iter()
            .find(|r| {
                r.index.as_ref().is_some_and(|i| i.digest == *digest)
                    || r.images.iter().any(|i| i.manifest.digest == *digest)
            })
            .with_context(|| format!("no record in the offline snapshot has digest {digest}"));
    }
    let tag = reference.familiar();
    let known = || {
        let mut tags: Vec<&str> = driftwood::records().iter().map(|r| r.tag.as_str()).collect();
        tags.dedup();
        tags.join(", ")
    };
    match at {
        None => driftwood::latest(&tag)
            .with_context(|| format!("{tag} is not in the offline snapshot (it holds {})", known())),
        Some(date) => {
            if !driftwood::is_iso_date(date) {
                bail!("--at {date:?}: expected a date as YYYY-MM-DD");
            }
            driftwood::records_for(&tag)
                .into_iter()
                .rev()
                .find(|r| r.date.iso.as_deref().is_some_and(|d| d <= date))
                .with_context(|| format!("the snapshot has no record of {tag} on or before {date}"))
        }
    }
}

/// "transcribed from maxmood96/repo-info repos/nginx/remote/1.27-alpine.md @ 853ca098749a"
pub fn source_line(record: &ImageRecord) -> String {
    let s = &record.source;
    format!("{} {} @ {}", s.repo, s.path, &s.commit[..s.commit.len().min(12)])
}

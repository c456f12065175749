//! `push`: an image from an OCI layout to a registry.
//!
//! Order matters, because a registry checks references on `PUT`: first every blob a manifest
//! names (skipping those the registry already has, by `HEAD`), then each platform manifest by
//! its digest, then the index (or the single manifest) under the tag.

use std::collections::BTreeSet;
use std::io::Read;

use serde::Serialize;

use super::{Client, Error, Repository, RequestCounts, Result};
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::index::Index;
use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::media::{self, Kind};
use crate::reference::Reference;

/// What a push is doing, for progress displays.
#[derive(Debug)]
pub enum PushEvent<'a> {
    BlobDone { digest: &'a Digest, size: u64, uploaded: bool },
    Manifest { digest: &'a Digest, reference: &'a str },
}

#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    /// Where it went: `registry/repo:tag`.
    pub reference: String,
    /// What the tag now points to (an index or a manifest).
    pub digest: Digest,
    pub media_type: String,
    pub blobs_uploaded: usize,
    /// Blobs the registry already had (a `HEAD` said so).
    pub blobs_skipped: usize,
    pub bytes_uploaded: u64,
    pub manifests_pushed: usize,
    pub requests: RequestCounts,
}

/// Push the image `tag` of `layout` (the only one when None) to `dest`.
pub fn push(
    client: &Client,
    layout: &Layout,
    tag: Option<&str>,
    dest: &Reference,
    events: &mut dyn FnMut(PushEvent<'_>),
) -> Result<PushReport> {
    let top = layout.resolve(tag)?;
    if let Some(wanted) = &dest.digest {
        if *wanted != top.digest {
            return Err(crate::Error::DigestMismatch {
                what: format!("push destination {dest} (the layout's image has another digest)"),
                expected: wanted.clone(),
                actual: top.digest.clone(),
            }
            .into());
        }
    }
    let repo = Repository::of(dest);
    let before = client.counts();
    let mut state = PushState { client, layout, repo: &repo, seen: BTreeSet::new() };
    let mut counts = (0usize, 0usize, 0u64, 0usize);
    let top_bytes = layout.read_blob(&top)?;
    match media::kind(&top.media_type) {
        Kind::Index => {
            let index = Index::parse(top_bytes.clone())?;
            for child in &index.value.manifests {
                if media::kind(&child.media_type) != Kind::Manifest {
                    return Err(Error::Protocol(format!(
                        "index entry {} is {:?}: only image manifests can be pushed",
                        child.digest, child.media_type
                    )));
                }
                state.push_image(child, &mut counts, events)?;
                let bytes = layout.read_blob(child)?;
                let reference = child.digest.to_string();
                client.put_manifest(&repo, &reference, &child.media_type, &bytes)?;
                counts.3 += 1;
                events(PushEvent::Manifest { digest: &child.digest, reference: &reference });
            }
        }
        Kind::Manifest => state.push_image(&top, &mut counts, events)?,
        _ => {
            return Err(Error::Protocol(format!(
                "{} has media type {:?}, not a manifest or index",
                top.digest, top.media_type
            )))
        }
    }
    let dest_ref = dest.registry_reference();
    client.put_manifest(&repo, &dest_ref, &top.media_type, &top_bytes)?;
    counts.3 += 1;
    events(PushEvent::Manifest { digest: &top.digest, reference: &dest_ref });
    let after = client.counts();
    Ok(PushReport {
        reference: dest.to_string(),
        digest: top.digest.clone(),
        media_type: top.media_type.clone(),
        blobs_uploaded: counts.0,
        blobs_skipped: counts.1,
        bytes_uploaded: counts.2,
        manifests_pushed: counts.3,
        requests: RequestCounts {
            manifest_requests: after.manifest_requests - before.manifest_requests,
            blob_requests: after.blob_requests - before.blob_requests,
            token_requests: after.token_requests - before.token_requests,
            other_requests: after.other_requests - before.other_requests,
        },
    })
}

struct PushState<'a> {
    client: &'a Client,
    layout: &'a Layout,
    repo: &'a Repository,
    seen: BTreeSet<Digest>,
}

impl PushState<'_> {
    /// Upload the config and layers of one image manifest (not the manifest itself).
    fn push_image(
        &mut self,
        desc: &Descriptor,
        counts: &mut (usize, usize, u64, usize),
        events: &mut dyn FnMut(PushEvent<'_>),
    ) -> Result<()> {
        let manifest = Manifest::parse(self.layout.read_blob(desc)?)?;
        for blob in std::iter::once(&manifest.value.config).chain(&manifest.value.layers) {
            if !self.seen.insert(blob.digest.clone()) {
                continue;
            }
            let uploaded = !self.client.has_blob(self.repo, &blob.digest)?;
            if uploaded {
                let layout = self.layout;
                let open = || -> crate::Result<Box<dyn Read + '_>> { Ok(Box::new(layout.open_blob(blob)?)) };
                self.client.upload_blob(self.repo, blob, &open)?;
                counts.0 += 1;
                counts.2 += blob.size;
            } else {
                counts.1 += 1;
            }
            events(PushEvent::BlobDone { digest: &blob.digest, size: blob.size, uploaded });
        }
        Ok(())
    }
}

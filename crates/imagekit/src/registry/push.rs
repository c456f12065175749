//! `push`: an image from any source to a registry.
//!
//! Order matters, because a registry checks references on `PUT`: first every blob a manifest
//! names (skipping those the registry already has, by `HEAD`), then each platform manifest by
//! its digest, then the index (or the single manifest) under the tag.

use std::cell::RefCell;
use std::io::{self, Read};

use serde::Serialize;

use super::{Client, Error, Repository, RequestCounts, Result};
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::image::{open_blob, read_document, Source};
use crate::media::{self, Kind};
use crate::reference::Reference;
use crate::walk::Node;

/// What a push is doing, for progress displays.
#[derive(Debug)]
pub enum PushEvent<'a> {
    /// A blob the registry lacks is about to be sent.
    BlobStart {
        digest: &'a Digest,
        size: u64,
    },
    /// Bytes of that blob sent so far.
    BlobProgress {
        digest: &'a Digest,
        sent: u64,
    },
    BlobDone {
        digest: &'a Digest,
        size: u64,
        uploaded: bool,
    },
    Manifest {
        digest: &'a Digest,
        reference: &'a str,
    },
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

/// Push the image `source` names (whatever it is: a layout, an archive, the store) to `dest`.
/// One walk of the graph ([`crate::walk`]) gives the order: blobs, then manifests and nested
/// indexes by digest, then the top under the destination tag. Every blob is read verified.
pub fn push(
    client: &Client,
    source: &dyn Source,
    dest: &Reference,
    events: &mut dyn FnMut(PushEvent<'_>),
) -> Result<PushReport> {
    // Shared by the loop and the reader that reports bytes sent (the upload opens it through a
    // `Fn`, so it cannot hold `events` mutably itself).
    let events = RefCell::new(events);
    let top = source.top()?;
    if let Some(wanted) = &dest.digest {
        if *wanted != top.digest {
            return Err(crate::Error::DigestMismatch {
                what: format!("push destination {dest} (the source's image has another digest)"),
                expected: wanted.clone(),
                actual: top.digest.clone(),
            }
            .into());
        }
    }
    if !matches!(media::kind(&top.media_type), Kind::Index | Kind::Manifest) {
        return Err(Error::Protocol(format!(
            "{} has media type {:?}, not a manifest or index",
            top.digest, top.media_type
        )));
    }
    let repo = Repository::of(dest);
    let before = client.counts();
    let (mut uploaded_n, mut skipped, mut bytes, mut manifests) = (0usize, 0usize, 0u64, 0usize);
    let dest_ref = dest.registry_reference();
    let mut documents: std::collections::HashMap<Digest, Vec<u8>> = Default::default();
    let mut read = |d: &Descriptor| -> crate::Result<Option<Vec<u8>>> {
        let bytes = read_document(source, d)?;
        documents.insert(d.digest.clone(), bytes.clone());
        Ok(Some(bytes))
    };
    // A store keeps only the platforms it pulled: push what the source holds.
    let follow = |d: &Descriptor| source.has(d).unwrap_or(false);
    let mut failure: Option<Error> = None;
    let mut nodes = Vec::new();
    crate::walk::walk(&top, &mut read, &follow, &mut |node| {
        nodes.push(node);
        Ok(())
    })?;
    for node in nodes {
        let step = (|| -> Result<()> {
            match &node {
                Node::Blob { descriptor: blob, .. } => {
                    let uploaded = !client.has_blob(&repo, &blob.digest)?;
                    if uploaded {
                        events.borrow_mut()(PushEvent::BlobStart { digest: &blob.digest, size: blob.size });
                        // The upload may open the blob again (a retry): each reader counts from 0.
                        let open = || -> crate::Result<Box<dyn Read + '_>> {
                            let inner = open_blob(source, blob)?;
                            Ok(Box::new(Sending { inner, sent: 0, digest: &blob.digest, events: &events }))
                        };
                        client.upload_blob(&repo, blob, &open)?;
                        uploaded_n += 1;
                        bytes += blob.size;
                    } else {
                        skipped += 1;
                    }
                    events.borrow_mut()(PushEvent::BlobDone { digest: &blob.digest, size: blob.size, uploaded });
                }
                Node::Index { descriptor, .. } | Node::Manifest { descriptor, .. } => {
                    // The top goes last, under the destination's tag; the rest by digest.
                    let reference =
                        if descriptor.digest == top.digest { dest_ref.clone() } else { descriptor.digest.to_string() };
                    client.put_manifest(&repo, &reference, &descriptor.media_type, &documents[&descriptor.digest])?;
                    manifests += 1;
                    events.borrow_mut()(PushEvent::Manifest { digest: &descriptor.digest, reference: &reference });
                }
                Node::Missing { descriptor } => {
                    return Err(crate::Error::MissingBlob {
                        digest: descriptor.digest.clone(),
                        what: descriptor.media_type.clone(),
                    }
                    .into())
                }
            }
            Ok(())
        })();
        if let Err(e) = step {
            failure = Some(e);
            break;
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let after = client.counts();
    Ok(PushReport {
        reference: dest.to_string(),
        digest: top.digest.clone(),
        media_type: top.media_type.clone(),
        blobs_uploaded: uploaded_n,
        blobs_skipped: skipped,
        bytes_uploaded: bytes,
        manifests_pushed: manifests,
        requests: RequestCounts {
            manifest_requests: after.manifest_requests - before.manifest_requests,
            blob_requests: after.blob_requests - before.blob_requests,
            token_requests: after.token_requests - before.token_requests,
            other_requests: after.other_requests - before.other_requests,
        },
    })
}

/// A blob's reader during an upload: reports the bytes sent so far as `BlobProgress`.
struct Sending<'a, 'e, R> {
    inner: R,
    sent: u64,
    digest: &'a Digest,
    events: &'a RefCell<&'e mut dyn FnMut(PushEvent<'_>)>,
}

impl<R: Read> Read for Sending<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sent += n as u64;
        self.events.borrow_mut()(PushEvent::BlobProgress { digest: self.digest, sent: self.sent });
        Ok(n)
    }
}

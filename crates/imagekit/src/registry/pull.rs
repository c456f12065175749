//! `pull`: reference → manifest (→ platform) → the blobs the store lacks → tag.
//!
//! What it asks the registry, in order: the manifest by tag or digest (skipped when pulling by a
//! digest the store already holds), the platform's manifest when that was an index (skipped when
//! held), then one `GET` per config or layer blob the store does not hold: that last part is a
//! [`crate::copy`] from the registry (as a [`RegistrySource`]) into the store, over the same walk
//! every copy uses. The tag is recorded
//! last, so a tag always names a whole image; an interrupted pull leaves only whole, verified
//! blobs (and partial files under `ingest/`), which the next pull reuses.

use serde::Serialize;

use std::io::Read;

use super::{manifest_media_type, Client, RegistrySource, Repository, RequestCounts, Result};
use crate::copy::{copy_blobs_with, CopyEvent, CopyOptions, Retopped};
use crate::descriptor::{Descriptor, Platform};
use crate::digest::Digest;
use crate::image::Source;
use crate::index::Index;
use crate::manifest::Manifest;
use crate::media::{self, Kind};
use crate::raw::Raw;
use crate::reference::Reference;
use crate::store::Store;

#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// Which platform to pick from an index (default linux/amd64).
    pub platform: Option<Platform>,
}

/// What a pull is doing, for progress displays.
#[derive(Debug)]
pub enum PullEvent<'a> {
    /// A manifest or index is here (fetched or read from the store).
    Manifest { digest: &'a Digest, media_type: &'a str, fetched: bool },
    /// A blob download starts.
    BlobStart { digest: &'a Digest, size: u64 },
    /// Bytes of that blob received so far.
    BlobProgress { digest: &'a Digest, received: u64, size: u64 },
    /// A blob is in the store: downloaded and verified (`fetched`), or already there.
    BlobDone { digest: &'a Digest, size: u64, fetched: bool },
}

/// One config or layer blob and whether this pull downloaded it.
#[derive(Debug, Clone, Serialize)]
pub struct BlobOutcome {
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
    pub fetched: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PullReport {
    /// The name recorded in the store (`registry/repo:tag` or `registry/repo@digest`).
    pub reference: String,
    /// What the reference points to (an index or a manifest).
    pub digest: Digest,
    pub media_type: String,
    /// The image manifest that was pulled (the platform's, when `digest` is an index).
    pub manifest: Digest,
    pub platform: Option<String>,
    pub blobs: Vec<BlobOutcome>,
    pub blobs_fetched: usize,
    pub blobs_reused: usize,
    /// Bytes of config and layer blobs downloaded.
    pub blob_bytes: u64,
    /// Bytes of manifests and indexes downloaded.
    pub manifest_bytes: u64,
    /// The requests this pull made.
    pub requests: RequestCounts,
}

impl PullReport {
    /// Everything received: blobs and manifests.
    pub fn bytes_moved(&self) -> u64 {
        self.blob_bytes + self.manifest_bytes
    }
}

/// The name under which a pull records `reference` in the store.
pub fn store_key(reference: &Reference) -> String {
    match (&reference.digest, &reference.tag) {
        (Some(d), _) => format!("{}@{d}", reference.name()),
        (None, Some(t)) => format!("{}:{t}", reference.name()),
        (None, None) => format!("{}:{}", reference.name(), crate::reference::DEFAULT_TAG),
    }
}

/// Pull `reference` into `store`. See the module docs for what is asked and when.
pub fn pull(
    client: &Client,
    store: &Store,
    reference: &Reference,
    options: &PullOptions,
    events: &mut dyn FnMut(PullEvent<'_>),
) -> Result<PullReport> {
    let repo = Repository::of(reference);
    // What an earlier, killed pull left half-written goes first.
    store.clean_leftovers()?;
    let before = client.counts();
    let mut manifest_bytes = 0u64;

    // 1. The top: by digest from the store when it is there (no request at all), else from the registry.
    let (top, top_bytes) = match &reference.digest {
        Some(digest) if store.has(digest) => {
            let bytes = store.read_by_digest(digest)?;
            let desc = Descriptor::new(&manifest_media_type(None, &bytes), digest.clone(), bytes.len() as u64);
            events(PullEvent::Manifest { digest, media_type: &desc.media_type, fetched: false });
            (desc, bytes)
        }
        _ => {
            let fetched = client.get_manifest(&repo, &reference.registry_reference())?;
            manifest_bytes += fetched.bytes.len() as u64;
            let desc = fetched.descriptor();
            store.put_bytes(&desc, &fetched.bytes)?;
            events(PullEvent::Manifest { digest: &desc.digest, media_type: &desc.media_type, fetched: true });
            (desc, fetched.bytes)
        }
    };

    // 2. An index: pick the platform's manifest.
    let wanted = match &options.platform {
        Some(p) => p.clone(),
        None => Platform::parse("linux/amd64")?,
    };
    // Parsing checks the manifest before anything it names is fetched.
    let (manifest_desc, _manifest, platform): (Descriptor, Raw<Manifest>, Option<String>) =
        match media::kind(&top.media_type) {
            Kind::Index => {
                let index = Index::parse(top_bytes)?;
                let entry = index.value.select(&wanted)?.clone();
                if media::kind(&entry.media_type) != Kind::Manifest {
                    return Err(crate::Error::malformed(
                        "image index",
                        format!("entry {} for {wanted} is {:?}, not an image manifest", entry.digest, entry.media_type),
                    )
                    .into());
                }
                let fetched = !store.has(&entry.digest);
                let bytes = if fetched {
                    let got = client.get_manifest_for(&repo, &entry)?;
                    manifest_bytes += got.bytes.len() as u64;
                    store.put_bytes(&entry, &got.bytes)?;
                    got.bytes
                } else {
                    store.read(&entry)?
                };
                events(PullEvent::Manifest { digest: &entry.digest, media_type: &entry.media_type, fetched });
                let platform = entry.platform.as_ref().map(|p| p.to_string());
                (entry, Manifest::parse(bytes)?, platform)
            }
            Kind::Manifest => (top.clone(), Manifest::parse(top_bytes)?, None),
            _ => {
                return Err(crate::Error::malformed(
                    "manifest",
                    format!("{} has media type {:?}, not a manifest or index", top.digest, top.media_type),
                )
                .into())
            }
        };

    // 3. Config and layers: a copy from the registry into the store, of what the store lacks.
    // Blobs already held are hashed again; a damaged one is fetched anew.
    let remote = RegistrySource::borrowing(client, reference.clone());
    let both = StoreFirst { store, remote: &remote };
    let image = Retopped { inner: &both, top: manifest_desc.clone() };
    let mut blobs = Vec::new();
    let copied =
        copy_blobs_with(&image, store.blob_dir(), CopyOptions { recheck_present: true }, &mut |event| match event {
            CopyEvent::Start(d) => events(PullEvent::BlobStart { digest: &d.digest, size: d.size }),
            CopyEvent::Bytes(d, received) => {
                events(PullEvent::BlobProgress { digest: &d.digest, received, size: d.size })
            }
            CopyEvent::Done(d, fetched) => {
                events(PullEvent::BlobDone { digest: &d.digest, size: d.size, fetched });
                blobs.push(BlobOutcome {
                    digest: d.digest.clone(),
                    size: d.size,
                    media_type: d.media_type.clone(),
                    fetched,
                });
            }
        });
    let (_, copy_report) = copied?;
    let (blobs_fetched, blobs_reused, blob_bytes) =
        (copy_report.blobs_copied, copy_report.blobs_present, copy_report.bytes_copied);

    // 4. The tag, last: it names a whole image.
    let key = store_key(reference);
    store.tag(&key, &top)?;

    let after = client.counts();
    Ok(PullReport {
        reference: key,
        digest: top.digest.clone(),
        media_type: top.media_type.clone(),
        manifest: manifest_desc.digest,
        platform,
        blobs,
        blobs_fetched,
        blobs_reused,
        blob_bytes,
        manifest_bytes,
        requests: RequestCounts {
            manifest_requests: after.manifest_requests - before.manifest_requests,
            blob_requests: after.blob_requests - before.blob_requests,
            token_requests: after.token_requests - before.token_requests,
            other_requests: after.other_requests - before.other_requests,
        },
    })
}

/// The store where it holds a blob, the registry where it does not: what a pull copies from.
/// Nothing the store holds is asked for again (a pull by a held digest makes no request).
struct StoreFirst<'a> {
    store: &'a Store,
    remote: &'a RegistrySource<'a>,
}

impl Source for StoreFirst<'_> {
    fn transport(&self) -> &'static str {
        "docker"
    }

    fn describe(&self) -> String {
        self.remote.describe()
    }

    fn top(&self) -> crate::Result<Descriptor> {
        self.remote.top()
    }

    fn open_raw(&self, desc: &Descriptor) -> crate::Result<Box<dyn Read + '_>> {
        if self.store.has(&desc.digest) {
            return Ok(Box::new(self.store.open_blob(desc)?));
        }
        self.remote.open_raw(desc)
    }

    fn has(&self, desc: &Descriptor) -> crate::Result<bool> {
        Ok(self.store.has(&desc.digest))
    }
}

//! What the store holds ([`Store::df`]), removing what no tag reaches ([`Store::prune`]), and
//! checking that every blob is what its name says ([`Store::verify`]).
//!
//! Reachability is the graph the image spec defines: tag → index → manifests → config and
//! layers. Index entries for platforms that were never pulled are simply absent and are not an
//! error; a manifest's config or layer that is absent is (a tag only ever points at a whole image).

use std::collections::BTreeMap;
use std::fs;

use serde::Serialize;

use super::Store;
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::walk::Node;

/// One blob and the tags that reach it.
#[derive(Debug, Clone, Serialize)]
pub struct BlobUse {
    pub digest: Digest,
    pub size: u64,
    /// What the blob is, as the descriptor that reached it says (None for unreferenced blobs).
    pub media_type: Option<String>,
    pub tags: Vec<String>,
}

/// One tag's share of the store.
#[derive(Debug, Clone, Serialize)]
pub struct ImageUsage {
    pub reference: String,
    pub digest: Digest,
    pub media_type: String,
    /// Blobs this tag reaches (index, manifest, config, layers) and their bytes.
    pub blobs: usize,
    pub bytes: u64,
    /// Of those bytes, how many are also reached from another tag (stored once for both).
    pub shared_bytes: u64,
    /// And how many only this tag reaches: what untagging it and pruning would free.
    pub unique_bytes: u64,
    /// Blobs the image needs that are not here (should be empty: tags are recorded last).
    pub missing: Vec<Digest>,
}

/// `imagekit store df`: what the store holds.
#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    pub root: String,
    pub images: Vec<ImageUsage>,
    /// Blobs reached from two or more tags.
    pub shared: Vec<BlobUse>,
    pub shared_bytes: u64,
    /// Blobs no tag reaches: what `prune` would remove.
    pub unreferenced: Vec<BlobUse>,
    pub unreferenced_bytes: u64,
    /// Every blob on disk.
    pub blobs: usize,
    pub bytes: u64,
    /// The sum of every image's bytes: what the disk would hold if nothing were shared.
    pub logical_bytes: u64,
    /// Leftovers of interrupted writes under `ingest/` (never named by a digest).
    pub ingest_files: usize,
    pub ingest_bytes: u64,
}

/// What `prune` removed and kept.
#[derive(Debug, Clone, Serialize)]
pub struct PruneReport {
    pub removed: Vec<BlobUse>,
    pub freed_bytes: u64,
    pub kept_blobs: usize,
    pub kept_bytes: u64,
    /// Partial downloads removed from `ingest/`.
    pub ingest_removed: usize,
    pub ingest_bytes: u64,
}

/// What `verify` checked.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub blobs: usize,
    pub bytes: u64,
    pub tags: usize,
    /// Temporary files of interrupted writes in `ingest/`: harmless, removed by the next use.
    pub leftovers: usize,
    pub leftover_bytes: u64,
}

/// Reachable blobs: digest → (size, media type).
type Reach = BTreeMap<Digest, (u64, String)>;

impl Store {
    /// Every blob `desc` reaches that is present, and the ones a manifest needs but are absent.
    pub fn reachable(&self, desc: &Descriptor) -> Result<(Vec<Descriptor>, Vec<Digest>)> {
        let mut reach = Reach::new();
        let mut missing = Vec::new();
        self.walk(desc, &mut reach, &mut missing)?;
        let found = reach.into_iter().map(|(d, (size, mt))| Descriptor::new(&mt, d, size)).collect();
        Ok((found, missing))
    }

    /// The shared graph walk ([`crate::walk`]), recording what is here and what is not.
    fn walk(&self, desc: &Descriptor, reach: &mut Reach, missing: &mut Vec<Digest>) -> Result<()> {
        let mut read = |d: &Descriptor| if self.has(&d.digest) { self.read(d).map(Some) } else { Ok(None) };
        // Only the platforms that were pulled are here; the others are not missing.
        let follow = |d: &Descriptor| self.has(&d.digest);
        crate::walk::walk(desc, &mut read, &follow, &mut |node| {
            match node {
                Node::Missing { descriptor } => missing.push(descriptor.digest),
                Node::Blob { descriptor, .. } if !self.has(&descriptor.digest) => missing.push(descriptor.digest),
                other => {
                    let d = other.descriptor();
                    reach.insert(d.digest.clone(), (d.size, d.media_type.clone()));
                }
            }
            Ok(())
        })
    }

    /// What the store holds: per tag, shared between tags, unreferenced, in total.
    pub fn df(&self) -> Result<Usage> {
        let tags = self.tags()?;
        let mut per_tag: Vec<(String, Descriptor, Reach, Vec<Digest>)> = Vec::new();
        let mut users: BTreeMap<Digest, Vec<String>> = BTreeMap::new();
        for (reference, desc) in &tags {
            let mut reach = Reach::new();
            let mut missing = Vec::new();
            self.walk(desc, &mut reach, &mut missing)?;
            for digest in reach.keys() {
                users.entry(digest.clone()).or_default().push(reference.clone());
            }
            per_tag.push((reference.clone(), desc.clone(), reach, missing));
        }
        let mut media_types: BTreeMap<Digest, String> = BTreeMap::new();
        let images = per_tag
            .into_iter()
            .map(|(reference, desc, reach, missing)| {
                let mut usage = ImageUsage {
                    reference,
                    digest: desc.digest.clone(),
                    media_type: desc.media_type.clone(),
                    blobs: reach.len(),
                    bytes: 0,
                    shared_bytes: 0,
                    unique_bytes: 0,
                    missing,
                };
                for (digest, (size, mt)) in reach {
                    usage.bytes += size;
                    if users[&digest].len() > 1 {
                        usage.shared_bytes += size;
                    } else {
                        usage.unique_bytes += size;
                    }
                    media_types.insert(digest, mt);
                }
                usage
            })
            .collect::<Vec<_>>();

        let mut usage = Usage {
            root: self.root().display().to_string(),
            logical_bytes: images.iter().map(|i| i.bytes).sum(),
            images,
            shared: Vec::new(),
            shared_bytes: 0,
            unreferenced: Vec::new(),
            unreferenced_bytes: 0,
            blobs: 0,
            bytes: 0,
            ingest_files: 0,
            ingest_bytes: 0,
        };
        for (digest, size) in self.blobs()? {
            usage.blobs += 1;
            usage.bytes += size;
            let tags = users.get(&digest).cloned().unwrap_or_default();
            let blob = BlobUse { media_type: media_types.get(&digest).cloned(), digest, size, tags };
            match blob.tags.len() {
                0 => {
                    usage.unreferenced_bytes += size;
                    usage.unreferenced.push(blob);
                }
                1 => {}
                _ => {
                    usage.shared_bytes += size;
                    usage.shared.push(blob);
                }
            }
        }
        (usage.ingest_files, usage.ingest_bytes) =
            self.ingest_files()?.iter().fold((0, 0), |(n, b), (_, s)| (n + 1, b + s));
        Ok(usage)
    }

    /// Remove every blob no tag reaches, and leftovers of interrupted writes. Waits until no
    /// other process is using the store (a pull in progress holds blobs it has not tagged yet).
    pub fn prune(&self) -> Result<PruneReport> {
        self.exclusively(|| {
            let mut keep = Reach::new();
            let mut missing = Vec::new();
            for desc in self.tags()?.values() {
                self.walk(desc, &mut keep, &mut missing)?;
            }
            let mut report = PruneReport {
                removed: Vec::new(),
                freed_bytes: 0,
                kept_blobs: 0,
                kept_bytes: 0,
                ingest_removed: 0,
                ingest_bytes: 0,
            };
            for (digest, size) in self.blobs()? {
                if keep.contains_key(&digest) {
                    report.kept_blobs += 1;
                    report.kept_bytes += size;
                    continue;
                }
                let path = self.blob_path(&digest);
                fs::remove_file(&path).ctx(|| format!("removing {}", path.display()))?;
                report.freed_bytes += size;
                report.removed.push(BlobUse { digest, size, media_type: None, tags: Vec::new() });
            }
            for (path, size) in self.ingest_files()? {
                fs::remove_file(&path).ctx(|| format!("removing {}", path.display()))?;
                report.ingest_removed += 1;
                report.ingest_bytes += size;
            }
            Ok(report)
        })
    }

    /// Hash every blob and compare with its name; check that every tag reaches a whole image.
    /// Stops at the first problem, naming it.
    pub fn verify(&self) -> Result<VerifyReport> {
        let (blobs, others) = self.blob_dir().list()?;
        if let Some(stray) = others.first() {
            return Err(Error::InvalidLayout {
                path: self.root().display().to_string(),
                reason: format!("stray file {}: not named by a digest", stray.path.display()),
            });
        }
        let leftovers = self.blob_dir().leftovers()?;
        let mut report = VerifyReport {
            blobs: 0,
            bytes: 0,
            tags: 0,
            leftovers: leftovers.len(),
            leftover_bytes: leftovers.iter().map(|l| l.size).sum(),
        };
        for (digest, size) in blobs {
            let file = fs::File::open(self.blob_path(&digest)).ctx(|| format!("opening blob {digest}"))?;
            let (actual, _) = Digest::of_reader(file).ctx(|| format!("reading blob {digest}"))?;
            if actual != digest {
                return Err(Error::DigestMismatch {
                    what: format!("stored blob {digest} (pull the image again to repair it)"),
                    expected: digest,
                    actual,
                });
            }
            report.blobs += 1;
            report.bytes += size;
        }
        for (reference, desc) in self.tags()? {
            let (_, missing) = self.reachable(&desc)?;
            if let Some(first) = missing.first() {
                return Err(Error::MissingBlob { digest: first.clone(), what: format!("needed by {reference}") });
            }
            report.tags += 1;
        }
        Ok(report)
    }

    /// Files in `ingest/` that no live write holds.
    fn ingest_files(&self) -> Result<Vec<(std::path::PathBuf, u64)>> {
        Ok(self.blob_dir().leftovers()?.into_iter().map(|l| (l.path, l.size)).collect())
    }
}

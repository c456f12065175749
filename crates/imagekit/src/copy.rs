//! Copying an image between sources: what `pull` (registry → store), `push` (anything →
//! registry) and `imagekit copy` do, over the one graph walk ([`crate::walk`]).
//!
//! Children are written before their parents, each blob read through a verifying reader and
//! verified again by the destination's blob directory before it gets its name; the tag is
//! written last, so an interrupted copy leaves no tag naming an incomplete image.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use crate::blobs::{write_atomic, BlobDir};
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::image::{open_blob, read_document, Source};
use crate::layout::{Layout, REF_NAME};
use crate::walk::{walk, Node};

/// What a copy did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CopyReport {
    /// What the destination's tag now names.
    pub digest: Option<Digest>,
    pub media_type: String,
    pub blobs_copied: usize,
    /// Blobs the destination already held.
    pub blobs_present: usize,
    pub bytes_copied: u64,
    pub documents: usize,
}

/// A source whose top is a given descriptor (one platform's manifest out of an index).
pub struct Retopped<'a> {
    pub inner: &'a dyn Source,
    pub top: Descriptor,
}

impl Source for Retopped<'_> {
    fn transport(&self) -> &'static str {
        self.inner.transport()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn top(&self) -> Result<Descriptor> {
        Ok(self.top.clone())
    }
    fn open_raw(&self, desc: &Descriptor) -> Result<Box<dyn Read + '_>> {
        self.inner.open_raw(desc)
    }
    fn has(&self, desc: &Descriptor) -> Result<bool> {
        self.inner.has(desc)
    }
}

/// What a copy is doing, blob by blob (configs and layers), for progress displays.
#[derive(Debug)]
pub enum CopyEvent<'a> {
    Start(&'a Descriptor),
    /// Bytes of that blob read so far.
    Bytes(&'a Descriptor, u64),
    /// The blob is at the destination: copied now (`true`) or already there.
    Done(&'a Descriptor, bool),
}

/// How a copy treats what the destination already holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopyOptions {
    /// Hash a blob the destination already holds, and copy it again if it was damaged since
    /// (what a pull into the store does: a re-pull repairs).
    pub recheck_present: bool,
}

/// A reader that reports how many bytes passed.
struct Counting<'a, R> {
    inner: R,
    count: u64,
    report: &'a mut dyn FnMut(u64),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        (self.report)(self.count);
        Ok(n)
    }
}

/// Copy every blob `source`'s top reaches into `dest` (the documents exactly as they are), and
/// return the top; the caller tags it. `events` tells each blob's start, bytes and end.
pub fn copy_blobs_with(
    source: &dyn Source,
    dest: &BlobDir,
    options: CopyOptions,
    events: &mut dyn FnMut(CopyEvent<'_>),
) -> Result<(Descriptor, CopyReport)> {
    dest.clean_leftovers()?;
    let top = source.top()?;
    let mut report =
        CopyReport { digest: Some(top.digest.clone()), media_type: top.media_type.clone(), ..Default::default() };
    let mut documents: std::collections::HashMap<Digest, Vec<u8>> = Default::default();
    let mut read = |d: &Descriptor| -> Result<Option<Vec<u8>>> {
        let bytes = read_document(source, d)?;
        documents.insert(d.digest.clone(), bytes.clone());
        Ok(Some(bytes))
    };
    // A store holds only the platforms it pulled: copy what is there.
    let follow = |d: &Descriptor| source.has(d).unwrap_or(false);
    let mut nodes = Vec::new();
    walk(&top, &mut read, &follow, &mut |node| {
        nodes.push(node);
        Ok(())
    })?;
    for node in nodes {
        match node {
            Node::Blob { descriptor, .. } => {
                let damaged = options.recheck_present && dest.has(&descriptor.digest) && !dest.is_intact(&descriptor);
                if damaged {
                    let path = dest.path(&descriptor.digest);
                    std::fs::remove_file(&path).ctx(|| format!("removing damaged blob {}", path.display()))?;
                }
                if dest.has(&descriptor.digest) {
                    report.blobs_present += 1;
                    events(CopyEvent::Done(&descriptor, false));
                    continue;
                }
                events(CopyEvent::Start(&descriptor));
                let mut bytes = |n| events(CopyEvent::Bytes(&descriptor, n));
                let reader = Counting { inner: open_blob(source, &descriptor)?, count: 0, report: &mut bytes };
                dest.put(&descriptor, reader)?;
                report.blobs_copied += 1;
                report.bytes_copied += descriptor.size;
                events(CopyEvent::Done(&descriptor, true));
            }
            Node::Index { descriptor, .. } | Node::Manifest { descriptor, .. } => {
                dest.put_bytes(&descriptor, &documents[&descriptor.digest])?;
                report.documents += 1;
            }
            Node::Missing { descriptor } => {
                return Err(Error::MissingBlob { digest: descriptor.digest, what: descriptor.media_type })
            }
        }
    }
    Ok((top, report))
}

/// Copy into an OCI layout (created when `dir` does not exist), tagged `tag` when given.
pub fn to_layout(
    source: &dyn Source,
    dir: &Path,
    tag: Option<&str>,
    events: &mut dyn FnMut(CopyEvent<'_>),
) -> Result<CopyReport> {
    let layout = if dir.join("oci-layout").is_file() { Layout::open(dir)? } else { Layout::create(dir)? };
    let (top, report) = copy_blobs_with(source, layout.blobs(), CopyOptions::default(), events)?;
    let mut entry = Descriptor::new(&top.media_type, top.digest.clone(), top.size);
    entry.platform = top.platform.clone();
    match tag {
        Some(tag) => layout.set_tag(tag, entry)?,
        None => {
            let mut index = layout.index()?.value;
            if !index.manifests.iter().any(|d| d.digest == entry.digest && d.annotation(REF_NAME).is_none()) {
                index.manifests.push(entry);
            }
            layout.write_index(&index)?;
        }
    }
    Ok(report)
}

/// Copy into a new tar file: an OCI layout (`oci-archive`), and for `docker-archive` also the
/// `manifest.json` that `docker load` reads (Docker 25+'s own form: layout and manifest.json in
/// one tar). Written to a temporary file and renamed, so a killed copy leaves no half archive.
pub fn to_archive(
    source: &dyn Source,
    file: &Path,
    tag: Option<&str>,
    docker: Option<&str>,
    events: &mut dyn FnMut(CopyEvent<'_>),
) -> Result<CopyReport> {
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(".copy-")
        .tempdir_in(&parent)
        .ctx(|| format!("creating a staging directory in {}", parent.display()))?;
    let dir = staging.path().join("layout");
    let report = to_layout(source, &dir, tag, events)?;
    if let Some(repo_tag) = docker.filter(|t| !t.is_empty()) {
        // What containerd (and so `docker save` 25+) records: the full name, and the tag.
        let layout = Layout::open(&dir)?;
        let mut index = layout.index()?.value;
        if let (Some(entry), Ok(reference)) = (index.manifests.last_mut(), crate::reference::Reference::parse(repo_tag))
        {
            let notes = entry.annotations.get_or_insert_with(Default::default);
            notes.insert("io.containerd.image.name".into(), reference.to_string());
            if let Some(t) = &reference.tag {
                notes.insert(REF_NAME.into(), t.clone());
            }
        }
        layout.write_index(&index)?;
    }
    if let Some(repo_tag) = docker {
        let layout = Layout::open(&dir)?;
        let top = layout.resolve(tag)?;
        let manifest = crate::manifest::Manifest::parse(layout.read_blob(&top)?).map_err(|_| {
            Error::malformed("docker-archive", "only a single-platform image can be written as docker-archive")
        })?;
        let blob = |d: &Descriptor| format!("blobs/{}/{}", d.digest.algorithm().name(), d.digest.hex());
        let entry = serde_json::json!([{
            "Config": blob(&manifest.value.config),
            "RepoTags": if repo_tag.is_empty() { vec![] } else { vec![repo_tag.to_string()] },
            "Layers": manifest.value.layers.iter().map(blob).collect::<Vec<_>>(),
        }]);
        write_atomic(&dir.join("manifest.json"), &serde_json::to_vec(&entry).expect("plain data"))?;
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(&parent)
        .ctx(|| format!("creating a temporary file in {}", parent.display()))?;
    {
        let mut builder = tar::Builder::new(io::BufWriter::new(tmp.as_file_mut()));
        builder.mode(tar::HeaderMode::Deterministic);
        append_tree(&mut builder, &dir, "")?;
        builder.into_inner().ctx(|| "writing the archive")?.flush().ctx(|| "writing the archive")?;
    }
    tmp.as_file().sync_all().ctx(|| "syncing the archive")?;
    tmp.persist(file).map_err(|e| Error::io(format!("renaming into {}", file.display()), e.error))?;
    Ok(report)
}

/// Files in sorted order, so the same layout always makes the same archive.
fn append_tree(builder: &mut tar::Builder<impl Write>, dir: &Path, prefix: &str) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .ctx(|| format!("listing {}", dir.display()))?
        .collect::<io::Result<_>>()
        .ctx(|| format!("listing {}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(crate::blobs::TMP_PREFIX) {
            continue;
        }
        let rel = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        let path = entry.path();
        if path.is_dir() {
            builder.append_dir(&rel, &path).ctx(|| format!("adding {rel}"))?;
            append_tree(builder, &path, &rel)?;
        } else {
            let mut f = File::open(&path).ctx(|| format!("opening {}", path.display()))?;
            builder.append_file(&rel, &mut f).ctx(|| format!("adding {rel}"))?;
        }
    }
    Ok(())
}

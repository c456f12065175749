//! What every reading verb reads, through one argument set: an image from any source, or a
//! record of a real image in the offline Driftwood snapshot.
//!
//! | written | source |
//! |---|---|
//! | `oci:DIR[:TAG]`, or a directory with an `oci-layout` file | an OCI image layout |
//! | `oci-archive:FILE[:TAG]` | a tar of a layout |
//! | `docker-archive:FILE[:REF]`, or an archive file | `docker save` output, classic or Docker 25+; `-` is stdin |
//! | `docker://REF` | a registry, read directly: only what the verb needs is fetched, nothing is stored |
//! | `store:REF` | the local store that `imagekit pull` fills |
//! | `snapshot:REF[@DATE]` | the offline records of the Driftwood images (no bytes) |
//! | a bare reference | the store when it holds it, else the snapshot |
//!
//! Every human output says which source answered, in one line; `--json` carries it as `source`.

use std::path::Path;
use std::rc::Rc;

use anyhow::{bail, Context};
use driftwood::ImageRecord;
use imagekit::image::{Image, Source};
use imagekit::reference::Reference;
use imagekit::registry::{store_key, Client, Options, RegistrySource};
use imagekit::source::{bare_path, open_file_source, Spec};
use imagekit::store::Store;
use imagekit::Platform;

use crate::cmd::store::StoreDir;

/// The image a verb reads, and how to pick it.
#[derive(clap::Args, Debug, Clone)]
pub struct SourceArgs {
    /// The image: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF] (FILE `-` =
    /// stdin), docker://REF, store:REF, snapshot:REF[@DATE], a layout directory or archive file,
    /// or a reference (the store when it holds it, else the offline snapshot).
    #[arg(value_name = "SOURCE")]
    pub target: String,
    /// The tag inside a layout or OCI archive (optional when it holds one image).
    #[arg(long)]
    pub tag: Option<String>,
    /// The platform to pick from a multi-platform index (default linux/amd64).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// For a snapshot reference: the record on or before this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
    #[command(flatten)]
    pub store: StoreDir,
}

/// What a source argument opened.
pub enum Target {
    /// An image with bytes: manifest, config and layers that read verified.
    Image { image: Box<Image>, source: String },
    /// A record of the offline snapshot: digests and sizes, no bytes.
    Snapshot { reference: Reference, record: &'static ImageRecord },
}

impl SourceArgs {
    /// A source argument for a plain string (compare's second image).
    pub fn of(target: &str, tag: Option<&str>, at: Option<&str>) -> SourceArgs {
        SourceArgs {
            target: target.to_string(),
            tag: tag.map(str::to_string),
            platform: None,
            at: at.map(str::to_string),
            store: StoreDir { dir: None },
        }
    }

    fn platform(&self) -> anyhow::Result<Option<Platform>> {
        Ok(self.platform.as_deref().map(Platform::parse).transpose()?)
    }

    /// Open whatever the argument names.
    pub fn open(&self) -> anyhow::Result<Target> {
        let spec = Spec::parse(&self.target)?;
        let spec = match spec {
            Spec::Bare(arg) => match bare_path(&arg)? {
                Some(on_disk) => on_disk,
                None => return self.open_reference(&arg),
            },
            other => other,
        };
        let source: Rc<dyn Source> = match &spec {
            Spec::Registry { reference } => {
                let reference = Reference::parse(reference)?;
                Rc::new(RegistrySource::new(Client::new(Options::default()), reference))
            }
            Spec::Store { reference } => {
                let store = Rc::new(self.store.open()?);
                let key = store_key(&Reference::parse(reference)?);
                Rc::new(store.source(&key))
            }
            Spec::Snapshot { reference } => return snapshot_target(reference, self.at.as_deref()),
            other => open_file_source(other, self.tag.as_deref())?.expect("a file source"),
        };
        self.resolve(source)
    }

    /// An image from an opened source, labelled with it.
    fn resolve(&self, source: Rc<dyn Source>) -> anyhow::Result<Target> {
        let label = source.describe();
        let image = Image::resolve(source, self.platform()?.as_ref()).with_context(|| format!("reading {label}"))?;
        Ok(Target::Image { image: Box::new(image), source: label })
    }

    /// A bare reference: the store when it holds it (a pulled image), else the snapshot.
    fn open_reference(&self, arg: &str) -> anyhow::Result<Target> {
        if !is_snapshot_record_id(arg) {
            let reference = Reference::parse(arg)?;
            if let Some(store) = self.existing_store()? {
                let key = store_key(&reference);
                if store.tags()?.contains_key(&key) {
                    let store = Rc::new(store);
                    return self.resolve(Rc::new(store.source(&key)));
                }
            }
        }
        snapshot_target(arg, self.at.as_deref())
    }

    /// The store, only if one exists already (looking must not create it).
    fn existing_store(&self) -> anyhow::Result<Option<Store>> {
        let dir = match &self.store.dir {
            Some(d) => d.clone(),
            None => match Store::default_dir() {
                Some(d) => d,
                None => return Ok(None),
            },
        };
        if !Path::new(&dir).join("blobs").is_dir() {
            return Ok(None);
        }
        Ok(Some(Store::open(&dir)?))
    }
}

impl Target {
    /// The image, or an error saying this verb needs bytes a snapshot record does not hold.
    pub fn into_image(self, verb: &str) -> anyhow::Result<(Image, String)> {
        match self {
            Target::Image { image, source } => Ok((*image, source)),
            Target::Snapshot { reference, record } => bail!(
                "`imagekit {verb}` reads layer bytes, and the offline snapshot holds only records ({} of {}); \
                 give it a source that holds the image: oci:DIR, oci-archive:FILE, docker-archive:FILE \
                 (e.g. `docker save {} | imagekit {verb} docker-archive:-`), docker://REF or store:REF",
                record.id,
                reference.familiar(),
                reference.familiar()
            ),
        }
    }
}

/// Open a source that holds bytes, for verbs that copy whole images (push, copy): a bare
/// reference means the store here, never the snapshot (which holds no bytes to send).
pub fn open_source(arg: &str, tag: Option<&str>, store: &StoreDir, verb: &str) -> anyhow::Result<Rc<dyn Source>> {
    let spec = match Spec::parse(arg)? {
        Spec::Bare(bare) => match bare_path(&bare)? {
            Some(on_disk) => on_disk,
            None => Spec::Store { reference: bare },
        },
        other => other,
    };
    Ok(match &spec {
        Spec::Registry { reference } => {
            Rc::new(RegistrySource::new(Client::new(Options::default()), Reference::parse(reference)?))
        }
        Spec::Store { reference } => {
            let store = Rc::new(store.open()?);
            Rc::new(store.source(&store_key(&Reference::parse(reference)?)))
        }
        Spec::Snapshot { .. } => bail!(
            "`imagekit {verb}` copies bytes, and a snapshot record holds none: use oci:DIR, oci-archive:FILE, \
             docker-archive:FILE, docker://REF or store:REF"
        ),
        other => open_file_source(other, tag)?.expect("a file source"),
    })
}

/// `nginx:1.27-alpine@2025-01-08`: a snapshot record id, not a digest reference.
fn is_snapshot_record_id(arg: &str) -> bool {
    arg.rsplit_once('@').is_some_and(|(_, when)| driftwood::is_iso_date(when) || when == "unknown")
}

/// A snapshot record: by record id (`TAG@DATE`), by digest, or by tag on a date.
fn snapshot_target(arg: &str, at: Option<&str>) -> anyhow::Result<Target> {
    if let Some((tag, _)) = arg.rsplit_once('@').filter(|_| is_snapshot_record_id(arg)) {
        let record = driftwood::record(arg).with_context(|| {
            let ids: Vec<&str> = driftwood::records_for(tag).iter().map(|r| r.id.as_str()).collect();
            let ids = if ids.is_empty() { "none".to_string() } else { ids.join(", ") };
            format!("the offline snapshot has no record {arg} (records of {tag}: {ids})")
        })?;
        return Ok(Target::Snapshot { reference: Reference::parse(tag)?, record });
    }
    let reference = Reference::parse(arg)?;
    let record = snapshot_record(&reference, at)?;
    Ok(Target::Snapshot { reference, record })
}

/// The snapshot record for a reference: by digest (index or platform manifest), or by tag on a date.
pub fn snapshot_record(reference: &Reference, at: Option<&str>) -> anyhow::Result<&'static ImageRecord> {
    if reference.registry != imagekit::reference::DEFAULT_REGISTRY {
        bail!(
            "{reference} is not in the local store, and the offline snapshot holds only the Driftwood images \
             (all on Docker Hub): pull it first, or read it with docker://{reference}"
        );
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
        None => driftwood::latest(&tag).with_context(|| {
            format!(
                "{tag} is neither in the local store nor in the offline snapshot (it holds {}): \
                 pull it first, or read it with docker://{tag}",
                known()
            )
        }),
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

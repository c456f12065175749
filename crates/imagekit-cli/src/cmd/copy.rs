//! `imagekit copy SRC DST`: an image from any source to any writable one, as `skopeo copy`
//! does: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF], store:REF,
//! docker://REF. Every blob is read verified and verified again where it lands; the tag is
//! written last. By default one platform's image is copied (as skopeo does); `--all` copies the
//! whole index with every platform the source holds.

use std::path::PathBuf;
use std::rc::Rc;

use anyhow::bail;
use imagekit::copy::{self, CopyEvent, CopyOptions, CopyReport, Retopped};
use imagekit::image::Image;
use imagekit::reference::Reference;
use imagekit::registry::{self, store_key, Client, Options};
use imagekit::source::Spec;
use imagekit::Platform;

use crate::cmd::store::StoreDir;
use crate::output;
use crate::target::open_source;

#[derive(clap::Args)]
pub struct Args {
    /// Where from: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF], docker://REF, store:REF.
    source: String,
    /// Where to: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF], docker://REF, store:REF.
    destination: String,
    /// The tag inside a source layout or OCI archive (optional when it holds one image).
    #[arg(long)]
    tag: Option<String>,
    /// The platform to pick from a multi-platform index (default linux/amd64).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    platform: Option<String>,
    /// Copy the whole index (every platform the source holds), not one platform's image.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    store: StoreDir,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let source = open_source(&args.source, args.tag.as_deref(), &args.store, "copy")?;
    let label = source.describe();
    let platform = args.platform.as_deref().map(Platform::parse).transpose()?;
    // One platform's image unless --all: resolving reads only the documents on the way.
    let top = if args.all { source.top()? } else { Image::resolve(Rc::clone(&source), platform.as_ref())?.descriptor };
    let chosen = Retopped { inner: &*source, top };
    let mut bars = output::BlobBars::new();
    let mut progress = |event: CopyEvent<'_>| match event {
        CopyEvent::Start(d) => bars.start(&d.digest, d.size),
        CopyEvent::Bytes(_, n) => bars.at(n),
        CopyEvent::Done(d, copied) => bars.done(&d.digest, d.size, if copied { "copied" } else { "already there" }),
    };
    let report = match Spec::parse(&args.destination)? {
        Spec::Oci { dir, tag } => copy::to_layout(&chosen, &dir, tag.as_deref(), &mut progress)?,
        Spec::Bare(dir) => copy::to_layout(&chosen, &PathBuf::from(dir), None, &mut progress)?,
        Spec::OciArchive { file, tag } => {
            copy::to_archive(&chosen, &PathBuf::from(file), tag.as_deref(), None, &mut progress)?
        }
        Spec::DockerArchive { file, reference } => {
            if file == "-" {
                bail!("docker-archive:- reads standard input; write the archive to a file");
            }
            let repo_tag = match &reference {
                Some(r) => Reference::parse(r)?.familiar(),
                None => String::new(),
            };
            copy::to_archive(&chosen, &PathBuf::from(file), None, Some(&repo_tag), &mut progress)?
        }
        Spec::Store { reference } => {
            let store = args.store.open()?;
            let (top, report) =
                copy::copy_blobs_with(&chosen, store.blob_dir(), CopyOptions::default(), &mut progress)?;
            store.tag(&store_key(&Reference::parse(&reference)?), &top)?;
            report
        }
        Spec::Registry { reference } => {
            let client = Client::new(Options::default());
            let mut events = |event: registry::PushEvent<'_>| match event {
                registry::PushEvent::BlobStart { digest, size } => bars.start(digest, size),
                registry::PushEvent::BlobProgress { sent, .. } => bars.at(sent),
                registry::PushEvent::BlobDone { digest, size, uploaded } => {
                    bars.done(digest, size, if uploaded { "copied" } else { "already there" })
                }
                registry::PushEvent::Manifest { .. } => {}
            };
            let pushed = registry::push(&client, &chosen, &Reference::parse(&reference)?, &mut events)?;
            CopyReport {
                digest: Some(pushed.digest),
                media_type: pushed.media_type,
                blobs_copied: pushed.blobs_uploaded,
                blobs_present: pushed.blobs_skipped,
                bytes_copied: pushed.bytes_uploaded,
                documents: pushed.manifests_pushed,
            }
        }
        Spec::Snapshot { .. } => bail!("a snapshot holds records, not bytes: it cannot be a copy's destination"),
    };
    if output::json_mode() {
        return output::json(
            &serde_json::json!({ "source": label, "destination": args.destination, "report": report }),
        );
    }
    println!("source: {label}");
    println!(
        "copied {} to {}: {} blob(s) copied ({}), {} already there, {} document(s); every blob verified",
        report.digest.as_ref().map_or("-".to_string(), |d| d.to_string()),
        args.destination,
        report.blobs_copied,
        output::size(report.bytes_copied),
        report.blobs_present,
        report.documents
    );
    Ok(())
}

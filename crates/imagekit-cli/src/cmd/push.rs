//! `imagekit push SOURCE REF`: upload an image to a registry: blobs first
//! (skipping those it has), then each platform manifest by digest, then the tag.

use imagekit::reference::Reference;
use imagekit::registry::{self, Client, Options, PushEvent};

use crate::cmd::store::StoreDir;
use crate::output;

#[derive(clap::Args)]
pub struct Args {
    /// What to push: oci:DIR[:TAG] (or a layout directory), oci-archive:FILE, docker-archive:FILE, store:REF.
    source: String,
    /// Where to push it: `127.0.0.1:5000/driftwood/web:1`.
    reference: String,
    /// The image's tag in the layout's index.json (optional when the layout holds one image).
    #[arg(long)]
    tag: Option<String>,
    /// Use plain HTTP for a registry that is not on loopback (loopback always uses it).
    #[arg(long, alias = "insecure")]
    plain_http: bool,
    #[command(flatten)]
    store: StoreDir,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let reference = Reference::parse(&args.reference)?;
    let source = crate::target::open_source(&args.source, args.tag.as_deref(), &args.store, "push")?;
    let client = Client::new(Options { plain_http: args.plain_http, ..Options::default() });
    let mut bars = output::BlobBars::new();
    let mut events = |event: PushEvent<'_>| match event {
        PushEvent::BlobStart { digest, size } => bars.start(digest, size),
        PushEvent::BlobProgress { sent, .. } => bars.at(sent),
        PushEvent::BlobDone { digest, size, uploaded } => {
            bars.done(digest, size, if uploaded { "uploaded" } else { "already in the registry" })
        }
        PushEvent::Manifest { digest, reference } => {
            output::progress(format_args!("  {}  manifest → {reference}", output::short(digest)))
        }
    };
    let report = registry::push(&client, &*source, &reference, &mut events)?;
    if output::json_mode() {
        return output::json(&report);
    }
    println!(
        "pushed {} ({}): {} blob(s) uploaded, {} already there, {} sent, {} manifest(s)",
        report.reference,
        report.digest,
        report.blobs_uploaded,
        report.blobs_skipped,
        output::size(report.bytes_uploaded),
        report.manifests_pushed
    );
    Ok(())
}

//! `imagekit pull REF`: fetch an image from a registry into the local store, layer by layer,
//! fetching only the blobs the store lacks.

use imagekit::reference::Reference;
use imagekit::registry::{self, Client, Options, PullEvent, PullOptions};
use imagekit::Platform;

use super::store::StoreDir;
use crate::output;

#[derive(clap::Args)]
pub struct Args {
    /// What to pull: `nginx:1.27-alpine` (= docker.io/library/nginx:1.27-alpine),
    /// `127.0.0.1:5000/driftwood/web:1`, or `NAME@sha256:…`.
    reference: String,
    /// The platform to pick from a multi-platform index (default linux/amd64).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    platform: Option<String>,
    #[command(flatten)]
    store: StoreDir,
    /// Use plain HTTP for a registry that is not on loopback (loopback always uses it).
    #[arg(long, alias = "insecure")]
    plain_http: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let reference = Reference::parse(&args.reference)?;
    let platform = args.platform.as_deref().map(Platform::parse).transpose()?;
    let store = args.store.open()?;
    let client = Client::new(Options { plain_http: args.plain_http, ..Options::default() });
    let mut bars = output::BlobBars::new();
    let mut events = |event: PullEvent<'_>| match event {
        PullEvent::BlobStart { digest, size } => bars.start(digest, size),
        PullEvent::BlobProgress { received, .. } => bars.at(received),
        PullEvent::BlobDone { digest, size, fetched } => {
            bars.done(digest, size, if fetched { "fetched" } else { "already in the store" })
        }
        PullEvent::Manifest { .. } => {}
    };
    let report = registry::pull(&client, &store, &reference, &PullOptions { platform }, &mut events)?;
    if crate::output::json_mode() {
        return output::json(&serde_json::json!({
            "reference": report.reference,
            "digest": report.digest,
            "mediaType": report.media_type,
            "manifest": report.manifest,
            "platform": report.platform,
            "blobs_fetched": report.blobs_fetched,
            "blobs_reused": report.blobs_reused,
            "bytes_moved": report.bytes_moved(),
            "blob_bytes": report.blob_bytes,
            "manifest_bytes": report.manifest_bytes,
            "requests": report.requests,
            "blobs": report.blobs,
            "store": store.root().display().to_string(),
        }));
    }
    println!(
        "pulled {} ({}): {} blob(s) fetched, {} reused, {} moved, {} manifest request(s)",
        report.reference,
        report.digest,
        report.blobs_fetched,
        report.blobs_reused,
        output::size(report.bytes_moved()),
        report.requests.manifest_requests
    );
    Ok(())
}

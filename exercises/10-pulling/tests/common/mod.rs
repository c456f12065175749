//! Helpers shared by the step tests of exercise 10.
//!
//! Nothing here calls your code except `attempt`, which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are. It, `teach` and
//! `HINTS` come from `exercise_support::exercise_helpers!`, shared by every exercise (no solution
//! code there); so does the independent hashing, from its `digest` feature. This file keeps what
//! belongs to exercise 10: its fixtures.

#![allow(dead_code)]

exercise_support::exercise_helpers!(number: "10", hints: "exercises/10-pulling/hints.md");

#[allow(unused_imports)] // the independent checks, shared by the exercises; not every step uses each
pub use exercise_support::digest::sha256_of;

/// One blob of a test image: its bytes and the descriptor a manifest gives it.
#[derive(Clone)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub digest: String,
    pub size: u64,
}

impl Blob {
    pub fn new(bytes: &[u8]) -> Blob {
        Blob { bytes: bytes.to_vec(), digest: sha256_of(bytes), size: bytes.len() as u64 }
    }
}

/// A test image: config, layers (base first) and the manifest that lists them, as exact bytes.
#[derive(Clone)]
pub struct Image {
    pub config: Blob,
    pub layers: Vec<Blob>,
    pub manifest: Vec<u8>,
}

impl Image {
    /// An image whose layers have these contents (stand-ins for gzipped tars: a store does not
    /// care what a blob holds) and a config that names the image.
    pub fn new(name: &str, layers: &[&[u8]]) -> Image {
        let config = Blob::new(
            format!(
                "{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{\"Labels\":{{\"name\":\"{name}\"}}}}}}"
            )
            .as_bytes(),
        );
        let layers: Vec<Blob> = layers.iter().map(|l| Blob::new(l)).collect();
        let descriptor =
            |media: &str, b: &Blob| serde_json::json!({ "mediaType": media, "digest": b.digest, "size": b.size });
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
            "layers": layers.iter().map(|l| descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l)).collect::<Vec<_>>(),
        });
        Image { config, layers, manifest: serde_json::to_vec_pretty(&manifest).unwrap() }
    }

    pub fn digest(&self) -> String {
        sha256_of(&self.manifest)
    }

    /// Config and layers, as the blobs a pull fetches.
    pub fn blobs(&self) -> Vec<&Blob> {
        std::iter::once(&self.config).chain(&self.layers).collect()
    }
}

/// The base layers Driftwood's two images share (an OS and nginx), and each image's own top.
pub const OS: &[u8] = b"layer: alpine-minirootfs 3.21 (stand-in)\n";
pub const NGINX: &[u8] = b"layer: nginx 1.27 binaries and conf (stand-in)\n";
pub const SITE: &[u8] = b"layer: Driftwood site 1.0\n";
pub const SITE_1_1: &[u8] = b"layer: Driftwood site 1.1, with webcams\n";
pub const MAINTENANCE: &[u8] = b"layer: Driftwood maintenance page\n";

pub fn web() -> Image {
    Image::new("driftwood-web:1.0", &[OS, NGINX, SITE])
}
pub fn web_1_1() -> Image {
    Image::new("driftwood-web:1.1", &[OS, NGINX, SITE_1_1])
}
pub fn maintenance() -> Image {
    Image::new("driftwood-maintenance:1.0", &[OS, NGINX, MAINTENANCE])
}

/// An in-process registry: names → manifests, digests → blobs, and a count of every request.
/// It serves whatever it holds, even bytes that are wrong (see [`FakeRegistry::corrupt`]).
#[derive(Default)]
pub struct FakeRegistry {
    pub names: std::collections::BTreeMap<String, Vec<u8>>,
    pub blobs: std::collections::BTreeMap<String, Vec<u8>>,
    pub manifest_requests: usize,
    pub blob_requests: Vec<String>,
}

impl FakeRegistry {
    pub fn new() -> FakeRegistry {
        FakeRegistry::default()
    }

    /// Pushes `image` under `name` (moving the name if it pointed elsewhere).
    pub fn push(&mut self, name: &str, image: &Image) {
        for b in image.blobs() {
            self.blobs.insert(b.digest.clone(), b.bytes.clone());
        }
        self.blobs.insert(image.digest(), image.manifest.clone());
        self.names.insert(name.to_string(), image.manifest.clone());
    }

    /// From now on, serve these bytes for `digest` (a broken or hostile registry).
    pub fn corrupt(&mut self, digest: &str, bytes: &[u8]) {
        self.blobs.insert(digest.to_string(), bytes.to_vec());
    }

    pub fn reset_counts(&mut self) {
        self.manifest_requests = 0;
        self.blob_requests.clear();
    }
}

impl ex10_pulling::BlobSource for FakeRegistry {
    fn fetch_manifest(&mut self, reference: &str) -> Result<Vec<u8>, String> {
        self.manifest_requests += 1;
        self.names
            .get(reference)
            .or_else(|| self.blobs.get(reference))
            .cloned()
            .ok_or_else(|| format!("MANIFEST_UNKNOWN: {reference}"))
    }

    fn fetch_blob(&mut self, digest: &str) -> Result<Vec<u8>, String> {
        self.blob_requests.push(digest.to_string());
        self.blobs.get(digest).cloned().ok_or_else(|| format!("BLOB_UNKNOWN: {digest}"))
    }
}

/// The descriptor of a test blob, in the exercise's type.
pub fn desc(b: &Blob) -> ex10_pulling::Descriptor {
    ex10_pulling::Descriptor { digest: b.digest.clone(), size: b.size }
}

/// The first 19 characters of a digest, for messages.
pub fn short(digest: &str) -> String {
    digest.chars().take(19).collect()
}

/// Two images generated from a seed that share their lower layers (a random number of them),
/// each with random layers of its own on top: the shape of two builds on one base.
pub fn two_images_on_one_base(rng: &mut Rng) -> (Image, Image) {
    let shared: Vec<Vec<u8>> =
        (0..rng.range(1, 3)).map(|_| format!("layer: base {}\n", rng.word(12)).into_bytes()).collect();
    let image = |rng: &mut Rng| {
        let own: Vec<Vec<u8>> = (0..rng.range(1, 3))
            .map(|_| {
                let len = rng.range(8, 40) as usize;
                format!("layer: app {}\n", rng.word(len)).into_bytes()
            })
            .collect();
        let layers: Vec<&[u8]> = shared.iter().chain(&own).map(Vec::as_slice).collect();
        Image::new(&format!("generated/{}:1", rng.word(5)), &layers)
    };
    let first = image(rng);
    let second = image(rng);
    (first, second)
}

//! Raw manifest bytes as test vectors: here the exact bytes ARE the fact.
//!
//! No raw bytes of the Driftwood images themselves (nginx 1.27, postgres 16, their bases) exist in
//! any stored public record, so the byte-level lessons use two real Docker Hub manifests of older
//! nginx releases, kept by quay/quay as test fixtures, plus one counter-example.
//!
//! Source: `quay/quay`, `data/registry_model/test/testdata.py` (stored versions at commits
//! [`SOURCE_COMMITS`]); constants `NGINX_1_23_1_LINUX_AMD64`, `NGINX_1_22_LINUX_AMD64` and
//! `NGINX_1_23_1`. The files in `data/raw/` are byte-identical copies of the workbook's
//! `shared/driftwood-data/raw-verified/` files (checked with `cmp`).
//!
//! - [`NGINX_1_23_1_AMD64_MANIFEST`] and [`NGINX_1_22_AMD64_MANIFEST`]: Docker schema2 image
//!   manifests (3-space indented, no trailing newline). Their SHA-256 equals the digest published
//!   next to them, and the 1.23.1 one has the size its manifest list's descriptor gives.
//! - [`NGINX_1_23_1_INDEX_REWRITTEN`]: the nginx:1.23.1 manifest list *as the fixture stores it*:
//!   parsed and re-serialized (keys sorted, `/` escaped as `\/`). Same JSON values, different
//!   bytes, so it does NOT hash to the published digest [`NGINX_1_23_1_INDEX_PUBLISHED_DIGEST`].
//!   This is the workbook's rule "never parse, re-serialize and then hash", caught in the wild.

/// Repository the vectors come from.
pub const SOURCE_REPO: &str = "quay/quay";
/// File in that repository.
pub const SOURCE_PATH: &str = "data/registry_model/test/testdata.py";
/// Stored versions of that file that hold the constants (both carry the same bytes).
pub const SOURCE_COMMITS: [&str; 2] =
    ["208f9d79be5b43cbcf9cbf83c5f071cffd9b770d", "615be25cd7090088aab9a13cc9d155afdacaf6de"];

/// docker.io/library/nginx:1.23.1, linux/amd64: Docker schema2 manifest, exact bytes.
pub const NGINX_1_23_1_AMD64_MANIFEST: &[u8] = include_bytes!("../data/raw/nginx_1.23.1_linux_amd64_manifest.json");
/// docker.io/library/nginx:1.22, linux/amd64: Docker schema2 manifest, exact bytes.
pub const NGINX_1_22_AMD64_MANIFEST: &[u8] = include_bytes!("../data/raw/nginx_1.22_linux_amd64_manifest.json");
/// The nginx:1.23.1 manifest list, re-serialized by the fixture's author: NOT the published bytes.
pub const NGINX_1_23_1_INDEX_REWRITTEN: &[u8] =
    include_bytes!("../data/raw/nginx_1.23.1_index.REWRITTEN-does-not-match.json");

/// Published digest of the nginx:1.23.1 linux/amd64 manifest (fixture; also the list's descriptor).
pub const NGINX_1_23_1_AMD64_DIGEST: &str = "sha256:f26fbadb0acab4a21ecb4e337a326907e61fbec36c9a9b52e725669d99ed1261";
/// Published digest of the nginx:1.22 linux/amd64 manifest (fixture).
pub const NGINX_1_22_AMD64_DIGEST: &str = "sha256:813c400b452834cea3f6b3231168a64a4310369ba9f0c571b2bd11c437d4284a";
/// Published digest of the nginx:1.23.1 manifest list (the real bytes are not stored anywhere we looked).
pub const NGINX_1_23_1_INDEX_PUBLISHED_DIGEST: &str =
    "sha256:790711e34858c9b0741edffef6ed3d8199d8faa33f2870dea5db70f16384df79";
/// What the re-serialized list bytes hash to instead (recomputed with `sha256sum`; tests recompute it).
pub const NGINX_1_23_1_INDEX_REWRITTEN_ACTUAL_DIGEST: &str =
    "sha256:ecc068890de55a75f1a32cc8063e79f90f0b043d70c5fcf28f1713395a4b3d49";

/// Size of the nginx:1.23.1 amd64 manifest as the manifest list's descriptor records it.
pub const NGINX_1_23_1_AMD64_SIZE: u64 = 1570;
/// Size of the nginx:1.22 amd64 manifest (length of the stored bytes; no descriptor for it was kept).
pub const NGINX_1_22_AMD64_SIZE: u64 = 1570;

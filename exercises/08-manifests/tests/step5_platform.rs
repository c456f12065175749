//! Step 5: pick the right manifest out of a multi-platform index.
//!
//! Run: `cargo test -p ex08-manifests --test step5_platform`

mod common;

use common::{attempt, excerpt, nginx_list, sha256_of, show, teach, Rng};
use ex08_manifests::{choose_manifest, Descriptor, PlatformError, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use serde_json::{json, Value};

const STEP: &str = "step5_platform";
const READ: &str = "the book, 08-manifests/exercise.html#step-5-choosing-a-platform \
                    and 08-manifests/index.html#the-multi-platform-index";

/// The platforms of the real nginx:1.23.1 manifest list, in its order.
const NGINX_LIST_PLATFORMS: [&str; 8] = [
    "linux/amd64",
    "linux/arm/v5",
    "linux/arm/v7",
    "linux/arm64/v8",
    "linux/386",
    "linux/mips64le",
    "linux/ppc64le",
    "linux/s390x",
];

fn choose(index: &[u8], platform: &str) -> Result<Descriptor, PlatformError> {
    attempt(STEP, "choose_manifest", READ, || choose_manifest(index, platform))
}

/// Your `Display` of an error, with a teacher's message while it is still a `todo!()`.
fn text(error: &PlatformError) -> String {
    attempt(STEP, "Display for PlatformError", READ, || error.to_string())
}

fn docker_entry(digest: &str) -> Descriptor {
    Descriptor { media_type: DOCKER_MANIFEST.to_string(), digest: digest.to_string(), size: 1570 }
}

fn platform_json(platform: &str) -> Value {
    let parts: Vec<&str> = platform.split('/').collect();
    match parts.as_slice() {
        [os, arch] => json!({ "architecture": arch, "os": os }),
        [os, arch, variant] => json!({ "architecture": arch, "os": os, "variant": variant }),
        _ => unreachable!("test fixture: platform {platform}"),
    }
}

/// An index entry the way BuildKit writes an attestation manifest for the image `attests`.
fn attestation_entry(attests: &str) -> Value {
    json!({
        "mediaType": OCI_MANIFEST,
        "digest": sha256_of(format!("attestation of {attests}").as_bytes()),
        "size": 839,
        "annotations": {
            "vnd.docker.reference.digest": attests,
            "vnd.docker.reference.type": "attestation-manifest"
        },
        "platform": { "architecture": "unknown", "os": "unknown" }
    })
}

fn image_entry(platform: &str, digest: &str, size: u64) -> Value {
    json!({ "mediaType": OCI_MANIFEST, "digest": digest, "size": size, "platform": platform_json(platform) })
}

/// A hand-made OCI index in the shape of the real nginx:1.27-alpine index of 2025-01-08: its
/// platform list, in order, comes from the driftwood snapshot (every image followed by its
/// attestation). The linux/amd64 digest is the real one; the other digests and all sizes are
/// made up here.
fn nginx_alpine_index() -> (Vec<u8>, String) {
    let record = driftwood::record("nginx:1.27-alpine@2025-01-08").expect("snapshot: the 2025-01-08 record");
    let amd64 = record.amd64().expect("snapshot: the amd64 image").manifest.digest.to_string();
    let mut entries = Vec::new();
    let mut last_image = String::new();
    for platform in &record.index.as_ref().expect("snapshot: the index").platforms {
        let platform = platform.to_string();
        if platform == "unknown/unknown" {
            entries.push(attestation_entry(&last_image));
        } else {
            let digest = if platform == "linux/amd64" {
                amd64.clone()
            } else {
                sha256_of(format!("nginx:1.27-alpine {platform}").as_bytes())
            };
            entries.push(image_entry(&platform, &digest, 2203));
            last_image = digest;
        }
    }
    let index = json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries });
    (serde_json::to_vec_pretty(&index).unwrap(), amd64)
}

/// A small hand-made OCI index with the traps: an attestation first, two linux/amd64 entries,
/// and an arm64 entry written without its variant.
fn tricky_index() -> Vec<u8> {
    let first = sha256_of(b"first amd64");
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            attestation_entry(&first),
            image_entry("linux/amd64", &first, 1001),
            image_entry("linux/amd64", &sha256_of(b"second amd64"), 1002),
            image_entry("linux/arm64", &sha256_of(b"arm64 without variant"), 1003),
        ]
    });
    serde_json::to_vec(&index).unwrap()
}

fn expect_choice(index: &[u8], platform: &str, expected: &Descriptor, what: &str, why: &str) {
    let got = choose(index, platform);
    assert!(
        got.as_ref() == Ok(expected),
        "{}",
        teach(
            STEP,
            &format!("choose_manifest({what}, {platform:?})"),
            show(Ok::<_, ()>(expected)),
            show(&got),
            why,
            READ
        )
    );
}

#[test]
fn linux_amd64_from_the_real_nginx_list() {
    expect_choice(
        nginx_list(),
        "linux/amd64",
        &docker_entry(driftwood::raw::NGINX_1_23_1_AMD64_DIGEST),
        "the real nginx:1.23.1 manifest list",
        "this is what `docker pull nginx:1.23.1` does on an amd64 machine: the list points to \
         one manifest per platform, and the descriptor is copied from the list's entry as it is",
    );
}

#[test]
fn the_variant_decides_between_arm_v5_and_arm_v7() {
    let v7 = docker_entry("sha256:6575132f2098216b9ac0140aaa4603ef55054891d7917200f4b827e8aa557ed3");
    let why = "linux/arm/v5 comes first in the list, but a v7 machine (a Raspberry Pi 2) asks for v7: \
               os, architecture AND variant must match; an arm without a variant means v7";
    expect_choice(nginx_list(), "linux/arm/v7", &v7, "the real nginx:1.23.1 manifest list", why);
    expect_choice(nginx_list(), "linux/arm", &v7, "the real nginx:1.23.1 manifest list", why);
}

#[test]
fn linux_arm64_means_variant_v8() {
    let arm64 = docker_entry("sha256:f5bee9654d19467f16c259fb577c4a28c082f8008914befd30805f803fa56e99");
    let why = "the list writes arm64 with its variant v8; a client asking for linux/arm64 means \
               exactly that (arm64 has one default variant, v8)";
    expect_choice(nginx_list(), "linux/arm64", &arm64, "the real nginx:1.23.1 manifest list", why);
    expect_choice(nginx_list(), "linux/arm64/v8", &arm64, "the real nginx:1.23.1 manifest list", why);
    let bare =
        Descriptor { media_type: OCI_MANIFEST.to_string(), digest: sha256_of(b"arm64 without variant"), size: 1003 };
    expect_choice(
        &tricky_index(),
        "linux/arm64/v8",
        &bare,
        "a hand-made index whose arm64 entry has no variant",
        "the reverse holds too: an entry written linux/arm64 serves a client asking for linux/arm64/v8",
    );
}

#[test]
fn the_first_matching_entry_wins() {
    let first = Descriptor { media_type: OCI_MANIFEST.to_string(), digest: sha256_of(b"first amd64"), size: 1001 };
    expect_choice(
        &tricky_index(),
        "linux/amd64",
        &first,
        "a hand-made index with an attestation and then two linux/amd64 entries",
        "the image spec says to take the first match in index order, so every client picks the same \
         manifest; the attestation before it is not an image and does not count",
    );
}

#[test]
fn attestation_manifests_are_never_chosen() {
    let (index, amd64) = nginx_alpine_index();
    expect_choice(
        &index,
        "linux/amd64",
        &Descriptor { media_type: OCI_MANIFEST.to_string(), digest: amd64, size: 2203 },
        "an OCI index shaped like nginx:1.27-alpine's (16 entries, half of them attestations)",
        "the entry right after linux/amd64 is its attestation (provenance and SBOM), which has no \
         layers to run; only the image entry is a manifest for linux/amd64",
    );
    let got = choose(&index, "unknown/unknown");
    assert!(
        matches!(&got, Err(PlatformError::NotFound { offered, .. }) if !offered.iter().any(|p| p.contains("unknown"))),
        "{}",
        teach(
            STEP,
            "choose_manifest(the nginx:1.27-alpine-shaped index, \"unknown/unknown\")",
            "Err(NotFound { … }) whose `offered` has no unknown/unknown",
            show(&got),
            "unknown/unknown marks attestation manifests: they are never an answer and never \
             offered as a platform you could run",
            READ,
        )
    );
}

#[test]
fn a_missing_platform_is_an_error_that_says_what_is_offered() {
    let got = choose(nginx_list(), "linux/riscv64");
    let expected = PlatformError::NotFound {
        wanted: "linux/riscv64".to_string(),
        offered: NGINX_LIST_PLATFORMS.iter().map(|p| p.to_string()).collect(),
    };
    assert!(
        got.as_ref() == Err(&expected),
        "{}",
        teach(
            STEP,
            "choose_manifest(the real nginx:1.23.1 list, \"linux/riscv64\")",
            show(Err::<(), _>(&expected)),
            show(&got),
            "nginx 1.23.1 was not built for riscv64; the error must say what was asked for and \
             what exists, in index order, written os/architecture[/variant]",
            READ,
        )
    );
    let message = text(&expected);
    let named_all = message.contains("linux/riscv64") && NGINX_LIST_PLATFORMS.iter().all(|p| message.contains(p));
    assert!(
        named_all && !message.contains('\n'),
        "{}",
        teach(
            STEP,
            "the Display of that NotFound error (your `impl fmt::Display for PlatformError`)",
            "one line naming linux/riscv64 and all 8 platforms of the list",
            show(&message),
            "`docker pull` prints exactly this kind of line (\"no matching manifest for …\"): the \
             reader should see at once what to ask for instead",
            READ,
        )
    );
}

/// Which error a bad input must give.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    InvalidPlatform,
    Malformed,
}

#[test]
fn bad_platforms_and_bad_indexes_are_errors() {
    let manifest = driftwood::raw::NGINX_1_23_1_AMD64_MANIFEST;
    let cases: [(&str, &[u8], &str, Expect); 6] = [
        ("the nginx list", nginx_list(), "linux", Expect::InvalidPlatform),
        ("the nginx list", nginx_list(), "", Expect::InvalidPlatform),
        ("the nginx list", nginx_list(), "linux/arm/v7/extra", Expect::InvalidPlatform),
        ("the nginx list", nginx_list(), "linux//v7", Expect::InvalidPlatform),
        ("bytes that are not JSON", b"<html>502 Bad Gateway</html>", "linux/amd64", Expect::Malformed),
        ("a single-platform manifest (no \"manifests\" array)", manifest, "linux/amd64", Expect::Malformed),
    ];
    for (what, index, platform, expected) in cases {
        let got = choose(index, platform);
        let kind = match &got {
            Err(PlatformError::InvalidPlatform(_)) => Some(Expect::InvalidPlatform),
            Err(PlatformError::Malformed(_)) => Some(Expect::Malformed),
            _ => None,
        };
        let message = got.as_ref().err().map(text).unwrap_or_default();
        assert!(
            kind == Some(expected) && !message.is_empty() && !message.contains('\n'),
            "{}",
            teach(
                STEP,
                &format!("choose_manifest({what}, {platform:?})"),
                format!("Err({expected:?}(…)) with a one-line message"),
                format!("{} ({message})", show(&got)),
                &format!(
                    "a platform is os/architecture[/variant], and only an index has a list of \
                     manifests to choose from; anything else gets a clear error, never a guess \
                     (input began {})",
                    excerpt(index, 30)
                ),
                READ,
            )
        );
    }
}

/// An index generated from a seed: platforms in a random order, each with a random digest, and
/// an attestation after each image; every platform is found, and only where it is.
#[test]
fn every_platform_of_a_generated_index_is_found() {
    let mut rng = Rng::from_env();
    let mut platforms =
        vec!["linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/arm/v6", "linux/s390x", "linux/386"];
    rng.shuffle(&mut platforms);
    platforms.truncate(rng.range(2, 6) as usize);
    let entries: Vec<(String, u64)> =
        platforms.iter().map(|_| (sha256_of(&rng.bytes(8)), rng.range(400, 3000))).collect();
    let mut manifests = Vec::new();
    for (platform, (digest, size)) in platforms.iter().zip(&entries) {
        manifests.push(image_entry(platform, digest, *size));
        manifests.push(attestation_entry(digest));
    }
    let index = serde_json::to_vec(&json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests }))
        .expect("test fixture: JSON");
    for (platform, (digest, size)) in platforms.iter().zip(&entries) {
        let expected = Descriptor { media_type: OCI_MANIFEST.to_string(), digest: digest.clone(), size: *size };
        expect_choice(
            &index,
            platform,
            &expected,
            &format!("{platform} in a generated index ({})", rng.replay()),
            "match os, architecture and variant (arm64 means v8 when no variant is written); skip \
             the attestation entries",
        );
    }
}

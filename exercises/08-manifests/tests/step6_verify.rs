//! Step 6: check fetched bytes against their descriptor: size first, then digest.
//!
//! Run: `cargo test -p ex08-manifests --test step6_verify`

mod common;

use common::{attempt, nginx_list, sha256_of, show, teach, Rng};
use driftwood::raw;
use ex08_manifests::{choose_manifest, verify, Descriptor, DescriptorError, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST};

const STEP: &str = "step6_verify";
const READ: &str = "the book, 08-manifests/exercise.html#step-6-verify-what-you-fetched \
                    and 08-manifests/index.html#descriptors";

/// The linux/amd64 entry of the real nginx:1.23.1 list, as a descriptor.
fn nginx_amd64() -> Descriptor {
    Descriptor {
        media_type: DOCKER_MANIFEST.to_string(),
        digest: raw::NGINX_1_23_1_AMD64_DIGEST.to_string(),
        size: raw::NGINX_1_23_1_AMD64_SIZE,
    }
}

/// Your `Display` of an error, with a teacher's message while it is still a `todo!()`.
fn text(error: &DescriptorError) -> String {
    attempt(STEP, "Display for DescriptorError", READ, || error.to_string())
}

fn check(descriptor: &Descriptor, content: &[u8]) -> Result<(), DescriptorError> {
    attempt(STEP, "verify", READ, || verify(descriptor, content))
}

fn expect(what: &str, descriptor: &Descriptor, content: &[u8], expected: Result<(), DescriptorError>, why: &str) {
    let got = check(descriptor, content);
    assert!(got == expected, "{}", teach(STEP, what, show(&expected), show(&got), why, READ));
}

#[test]
fn the_real_manifest_matches_its_descriptor() {
    expect(
        "verify(nginx:1.23.1 amd64 descriptor, the real manifest bytes)",
        &nginx_amd64(),
        raw::NGINX_1_23_1_AMD64_MANIFEST,
        Ok(()),
        "right size and right digest: this is the manifest the list points to",
    );
}

#[test]
fn same_size_other_bytes_is_a_digest_mismatch() {
    expect(
        "verify(nginx:1.23.1 amd64 descriptor, the nginx:1.22 manifest)",
        &nginx_amd64(),
        raw::NGINX_1_22_AMD64_MANIFEST,
        Err(DescriptorError::DigestMismatch {
            expected: raw::NGINX_1_23_1_AMD64_DIGEST.to_string(),
            actual: raw::NGINX_1_22_AMD64_DIGEST.to_string(),
        }),
        "both manifests are 1570 bytes long: the size check passes, and only the digest tells \
         that a registry (or a cache) served the wrong manifest",
    );
}

#[test]
fn a_truncated_download_is_a_size_mismatch() {
    let cut = &raw::NGINX_1_23_1_AMD64_MANIFEST[..1000];
    expect(
        "verify(nginx:1.23.1 amd64 descriptor, the first 1000 bytes of its manifest)",
        &nginx_amd64(),
        cut,
        Err(DescriptorError::SizeMismatch { expected: 1570, actual: 1000 }),
        "a connection that dropped halfway leaves too few bytes; the size says so before any \
         hashing",
    );
    let mut edited = raw::NGINX_1_23_1_AMD64_MANIFEST.to_vec();
    edited.push(b'\n');
    expect(
        "verify(nginx:1.23.1 amd64 descriptor, its manifest with a newline added at the end)",
        &nginx_amd64(),
        &edited,
        Err(DescriptorError::SizeMismatch { expected: 1570, actual: 1571 }),
        "an editor that \"fixes\" the missing final newline has changed the content: one byte \
         is enough",
    );
}

#[test]
fn size_is_checked_before_digest() {
    expect(
        "verify(nginx:1.23.1 amd64 descriptor, 19 bytes of something else)",
        &nginx_amd64(),
        b"<h1>Driftwood</h1>\n",
        Err(DescriptorError::SizeMismatch { expected: 1570, actual: 19 }),
        "both are wrong here, and the size is reported: it is free to check, and a client can \
         stop reading as soon as a blob runs past its size instead of hashing an endless stream",
    );
}

#[test]
fn the_rewritten_list_fails_against_the_published_digest() {
    let rewritten = raw::NGINX_1_23_1_INDEX_REWRITTEN;
    let descriptor = Descriptor {
        media_type: DOCKER_MANIFEST_LIST.to_string(),
        digest: raw::NGINX_1_23_1_INDEX_PUBLISHED_DIGEST.to_string(),
        size: rewritten.len() as u64,
    };
    expect(
        "verify(published nginx:1.23.1 list digest, the re-serialized list bytes)",
        &descriptor,
        rewritten,
        Err(DescriptorError::DigestMismatch {
            expected: raw::NGINX_1_23_1_INDEX_PUBLISHED_DIGEST.to_string(),
            actual: raw::NGINX_1_23_1_INDEX_REWRITTEN_ACTUAL_DIGEST.to_string(),
        }),
        "the list was parsed and written back by someone: same meaning, other bytes, so it can \
         no longer prove it is the list Docker Hub published",
    );
}

#[test]
fn a_malformed_digest_is_malformed_not_a_mismatch() {
    let content = raw::NGINX_1_23_1_AMD64_MANIFEST;
    for bad in [
        raw::NGINX_1_23_1_AMD64_DIGEST.to_uppercase().replace("SHA256", "sha256"),
        "sha256:f26fbadb".to_string(),
        raw::NGINX_1_23_1_AMD64_DIGEST.replace("sha256:", "md5:"),
        raw::NGINX_1_23_1_AMD64_DIGEST.trim_start_matches("sha256:").to_string(),
        String::new(),
    ] {
        let descriptor = Descriptor { digest: bad.clone(), ..nginx_amd64() };
        let got = check(&descriptor, content);
        let message = got.as_ref().err().map(text).unwrap_or_default();
        let ok = matches!(&got, Err(DescriptorError::Malformed(_))) && message.contains(&bad);
        assert!(
            ok,
            "{}",
            teach(
                STEP,
                &format!("verify with the digest {bad:?} (right size, right content)"),
                "Err(Malformed(…)) whose message shows the digest",
                format!("{} ({message})", show(&got)),
                "a digest that is not sha256 + 64 lowercase hex digits cannot match anything; \
                 calling it a mismatch would hide that the descriptor itself is broken",
                READ,
            )
        );
    }
}

#[test]
fn error_messages_name_both_values() {
    let size = DescriptorError::SizeMismatch { expected: 1570, actual: 1000 };
    let digest = DescriptorError::DigestMismatch {
        expected: raw::NGINX_1_23_1_AMD64_DIGEST.to_string(),
        actual: raw::NGINX_1_22_AMD64_DIGEST.to_string(),
    };
    let (s, d) = (text(&size), text(&digest));
    let ok = s.contains("1570")
        && s.contains("1000")
        && d.contains(raw::NGINX_1_23_1_AMD64_DIGEST)
        && d.contains(raw::NGINX_1_22_AMD64_DIGEST)
        && !s.contains('\n')
        && !d.contains('\n');
    assert!(
        ok,
        "{}",
        teach(
            STEP,
            "the Display of SizeMismatch { 1570, 1000 } and of a DigestMismatch",
            "one line each, naming the expected and the actual value",
            show((&s, &d)),
            "whoever reads the error must be able to tell a truncated download from a wrong blob \
             without a debugger: show both values",
            READ,
        )
    );
}

#[test]
fn choose_then_verify_is_a_pull() {
    let read5 = "the book, 08-manifests/exercise.html#step-5-choosing-a-platform";
    let chosen = attempt("step5_platform", "choose_manifest", read5, || choose_manifest(nginx_list(), "linux/amd64"));
    let Ok(descriptor) = chosen else {
        panic!(
            "{}",
            teach(
                "step5_platform",
                "choose_manifest(the real nginx:1.23.1 list, \"linux/amd64\")",
                "Ok(descriptor)",
                show(&chosen),
                "step 6 builds on step 5: make step5_platform pass first",
                read5,
            )
        )
    };
    expect(
        "verify(the descriptor your choose_manifest picked, the real amd64 manifest)",
        &descriptor,
        raw::NGINX_1_23_1_AMD64_MANIFEST,
        Ok(()),
        "this is a pull in two moves: read the index, choose the entry for your platform, fetch \
         the manifest it names and check it before trusting a single field of it",
    );
}

/// Content generated from a seed: its own descriptor verifies; one flipped byte is a digest
/// mismatch; one byte less is a size mismatch.
#[test]
fn generated_content_verifies_only_as_itself() {
    let mut rng = Rng::from_env();
    let len = rng.range(2, 4000) as usize;
    let content = rng.bytes(len);
    let descriptor =
        Descriptor { media_type: DOCKER_MANIFEST.to_string(), digest: sha256_of(&content), size: len as u64 };
    let why = format!("({}) size first, then the digest of the exact bytes", rng.replay());
    expect("generated content against its own descriptor", &descriptor, &content, Ok(()), &why);
    let mut flipped = content.clone();
    let at = rng.below(len);
    flipped[at] ^= 0x01;
    expect(
        &format!("the same content with byte {at} flipped"),
        &descriptor,
        &flipped,
        Err(DescriptorError::DigestMismatch { expected: descriptor.digest.clone(), actual: sha256_of(&flipped) }),
        &why,
    );
    expect(
        "the same content one byte short",
        &descriptor,
        &content[..len - 1],
        Err(DescriptorError::SizeMismatch { expected: len as u64, actual: len as u64 - 1 }),
        &why,
    );
}

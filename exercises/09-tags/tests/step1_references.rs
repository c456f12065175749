//! Step 1: read an image reference the way `docker pull` does, and write it back in full.
//!
//! Run: `cargo test -p ex09-tags --test step1_references`

mod common;

use common::{attempt, fake_digest, show, teach, Rng};
use ex09_tags::{parse_reference, RefError, Reference};

const STEP: &str = "step1_references";
const READ: &str = "the book, 09-tags/exercise.html#step-1-reading-a-reference \
                    and 09-tags/index.html#references";

fn parse(input: &str) -> Result<Reference, RefError> {
    attempt(STEP, "parse_reference", READ, || parse_reference(input))
}

fn text(reference: &Reference) -> String {
    attempt(STEP, "Display for Reference", READ, || reference.to_string())
}

fn r(registry: &str, repository: &str, tag: Option<&str>, digest: Option<&str>) -> Reference {
    Reference {
        registry: registry.to_string(),
        repository: repository.to_string(),
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    }
}

/// Checks every `(input, expected)` pair, saying `why` when one is wrong.
fn check(cases: &[(&str, Reference)], why: &str) {
    for (input, expected) in cases {
        let got = parse(input);
        assert!(
            got.as_ref() == Ok(expected),
            "{}",
            teach(STEP, &format!("parse_reference({input:?})"), show(Ok::<_, ()>(expected)), show(&got), why, READ)
        );
    }
}

#[test]
fn official_images_live_on_docker_io_under_library() {
    check(
        &[
            ("nginx", r("docker.io", "library/nginx", Some("latest"), None)),
            ("nginx:1.27-alpine", r("docker.io", "library/nginx", Some("1.27-alpine"), None)),
            ("postgres:16", r("docker.io", "library/postgres", Some("16"), None)),
            ("docker.io/nginx", r("docker.io", "library/nginx", Some("latest"), None)),
            ("docker.io/library/postgres:16", r("docker.io", "library/postgres", Some("16"), None)),
            ("index.docker.io/library/nginx:1.27-alpine", r("docker.io", "library/nginx", Some("1.27-alpine"), None)),
        ],
        "`nginx` is short for docker.io/library/nginx: Docker Hub is the default registry, and \
         the official images live in its `library/` namespace; `index.docker.io` is an old name \
         of the same registry",
    );
}

#[test]
fn latest_is_only_a_default() {
    let digest = fake_digest('a');
    check(
        &[
            ("redis", r("docker.io", "library/redis", Some("latest"), None)),
            (&format!("nginx@{digest}"), r("docker.io", "library/nginx", None, Some(&digest))),
        ],
        "with neither tag nor digest, the tag `latest` is filled in: a default name, not a \
         promise of the newest version; a reference that names a digest gets no default tag, \
         because the digest alone says which image",
    );
}

#[test]
fn other_repositories_keep_their_path() {
    check(
        &[
            ("bitnami/redis", r("docker.io", "bitnami/redis", Some("latest"), None)),
            ("ghcr.io/nginx", r("ghcr.io", "nginx", Some("latest"), None)),
            ("quay.io/prometheus/node-exporter:v1.8.2", r("quay.io", "prometheus/node-exporter", Some("v1.8.2"), None)),
        ],
        "`library/` is only for one-component names on Docker Hub; other registries and user \
         namespaces (`bitnami/redis`) keep the path as written",
    );
}

#[test]
fn a_registry_has_a_dot_a_colon_or_is_localhost() {
    check(
        &[
            ("localhost:5000/x", r("localhost:5000", "x", Some("latest"), None)),
            ("localhost/driftwood/web:dev", r("localhost", "driftwood/web", Some("dev"), None)),
            (
                "registry.example.com:443/team/app/web:v1.2.3_rc-1",
                r("registry.example.com:443", "team/app/web", Some("v1.2.3_rc-1"), None),
            ),
            ("localhost:5000", r("docker.io", "library/localhost", Some("5000"), None)),
            ("Driftwood/api", r("Driftwood", "api", Some("latest"), None)),
            ("myRegistry/team/app:v2", r("myRegistry", "team/app", Some("v2"), None)),
            ("[::1]:5000/driftwood/api:dev", r("[::1]:5000", "driftwood/api", Some("dev"), None)),
            ("[fd00::2]/x", r("[fd00::2]", "x", Some("latest"), None)),
        ],
        "the first component is a registry only if it has a `.` or a `:`, is `localhost`, or has \
         an uppercase letter (a repository cannot; a host can), and only if a `/` follows it; a \
         `:` after the last `/` starts the tag, so plain `localhost:5000` is the image \
         library/localhost with the tag 5000",
    );
}

#[test]
fn a_reference_can_carry_a_tag_and_a_digest() {
    let digest = fake_digest('b');
    check(
        &[(&format!("ghcr.io/a/b:tag@{digest}"), r("ghcr.io", "a/b", Some("tag"), Some(&digest)))],
        "tag and digest can be written together: the tag stays for people to read, the digest \
         is what gets pulled",
    );
}

#[test]
fn the_grammar_allows_these() {
    let long_tag = "v".repeat(128);
    let sha512 = format!("sha512:{}", "0123456789abcdef".repeat(8));
    check(
        &[
            ("a__b/c.d/e---f", r("docker.io", "a__b/c.d/e---f", Some("latest"), None)),
            ("nginx:Latest", r("docker.io", "library/nginx", Some("Latest"), None)),
            ("nginx:_build.7", r("docker.io", "library/nginx", Some("_build.7"), None)),
            (&format!("nginx:{long_tag}"), r("docker.io", "library/nginx", Some(&long_tag), None)),
            (&format!("nginx@{sha512}"), r("docker.io", "library/nginx", None, Some(&sha512))),
        ],
        "components may be joined by `.`, `_`, `__` or any run of `-`; tags may hold uppercase \
         letters, `_` and `.` and be up to 128 characters; sha512 digests have 128 hex digits",
    );
}

#[test]
fn display_writes_the_full_normalized_form() {
    let digest = fake_digest('c');
    let cases = [
        ("nginx", "docker.io/library/nginx:latest".to_string()),
        ("nginx:1.27-alpine", "docker.io/library/nginx:1.27-alpine".to_string()),
        ("bitnami/redis", "docker.io/bitnami/redis:latest".to_string()),
        ("localhost:5000/x", "localhost:5000/x:latest".to_string()),
        (&*format!("ghcr.io/a/b:tag@{digest}"), format!("ghcr.io/a/b:tag@{digest}")),
        (&*format!("postgres@{digest}"), format!("docker.io/library/postgres@{digest}")),
    ];
    for (input, expected) in cases {
        let got = parse(input).map(|reference| text(&reference));
        assert!(
            got.as_ref() == Ok(&expected),
            "{}",
            teach(
                STEP,
                &format!("parse_reference({input:?}) written back with to_string()"),
                show(Ok::<_, ()>(&expected)),
                show(&got),
                "the normalized form leaves nothing to defaults: whoever reads it (a person, a \
                 lock file, another tool) knows the registry, the repository and the tag",
                READ,
            )
        );
        let full = got.unwrap_or_default();
        let (again, first) = (parse(&full), parse(input));
        assert!(
            again.is_ok() && again == first,
            "{}",
            teach(
                STEP,
                &format!("parse_reference of your normalized form {full:?}"),
                show(&first),
                show(&again),
                "normalizing twice must change nothing: the full form is a fixed point",
                READ,
            )
        );
    }
}

/// References built from a seed: a registry or none, one to three path components with
/// separators, a tag, a digest, or both, none of which the test file holds.
#[test]
fn generated_references_parse_and_write_back() {
    let mut rng = Rng::from_env();
    for _ in 0..25 {
        let registry = match rng.below(5) {
            0 => None,
            1 => Some(format!("{}.{}", rng.word(6), rng.pick(&["io", "com", "dev"]))),
            2 => Some(format!("{}.example:{}", rng.word(5), rng.range(1, 65535))),
            3 => Some(format!("localhost:{}", rng.range(1000, 9999))),
            _ => Some(format!("{}{}", rng.word(3), rng.pick(&["Reg", "HOST", "Mirror"]))),
        };
        let generated: Vec<String> = (0..rng.range(1, 3))
            .map(|_| {
                let separator = *rng.pick(&[".", "_", "__", "-", "---"]);
                if rng.coin() {
                    format!("{}{separator}{}", rng.word(4), rng.word(3))
                } else {
                    rng.word(6)
                }
            })
            .collect();
        let mut components = generated;
        if registry.is_none() && components.len() > 1 {
            // A first component with a `.` would be a registry host: keep Docker Hub's plain.
            components[0] = rng.word(6);
        }
        let path = components.join("/");
        let tag_len = rng.range(1, 20) as usize;
        let tag = rng.coin().then(|| format!("{}{}", rng.pick(&["v", "V", "_", "1"]), rng.word(tag_len)));
        let digest = rng.coin().then(|| format!("sha256:{}", hex(&rng.bytes(32))));
        let mut input = match &registry {
            Some(registry) => format!("{registry}/{path}"),
            None => path.clone(),
        };
        if let Some(tag) = &tag {
            input.push_str(&format!(":{tag}"));
        }
        if let Some(digest) = &digest {
            input.push_str(&format!("@{digest}"));
        }
        let expected_registry = registry.clone().unwrap_or_else(|| "docker.io".to_string());
        let expected_repository =
            if registry.is_none() && components.len() == 1 { format!("library/{path}") } else { path.clone() };
        let expected_tag = match (&tag, &digest) {
            (None, None) => Some("latest"),
            (tag, _) => tag.as_deref(),
        };
        let expected = r(&expected_registry, &expected_repository, expected_tag, digest.as_deref());
        check(
            &[(&input, expected)],
            &format!(
                "({}) a registry is the first component when it has a `.`, a `:`, an uppercase letter \
                 or is `localhost`; only Docker Hub's one-component names get `library/`; `latest` \
                 only when there is neither tag nor digest",
                rng.replay()
            ),
        );
    }
}

/// Lowercase hex of `bytes`, written here so that a digest can be generated.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

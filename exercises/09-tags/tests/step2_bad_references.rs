//! Step 2: reject malformed references with an error that names the problem.
//!
//! Run: `cargo test -p ex09-tags --test step2_bad_references`

mod common;

use common::{attempt, show, teach};
use ex09_tags::{parse_reference, RefError, Reference};

const STEP: &str = "step2_bad_references";
const READ: &str = "the book, 09-tags/exercise.html#step-2-rejecting-bad-references \
                    and 09-tags/index.html#references";

fn parse(input: &str) -> Result<Reference, RefError> {
    attempt(STEP, "parse_reference", READ, || parse_reference(input))
}

fn text(error: &RefError) -> String {
    attempt(STEP, "Display for RefError", READ, || error.to_string())
}

fn s(text: &str) -> String {
    text.to_string()
}

/// Checks every `(input, expected error)` pair, saying `why` when one is wrong.
fn check(cases: &[(String, RefError)], why: &str) {
    for (input, expected) in cases {
        let got = parse(input);
        assert!(
            got.as_ref() == Err(expected),
            "{}",
            teach(STEP, &format!("parse_reference({input:?})"), show(Err::<(), _>(expected)), show(&got), why, READ)
        );
    }
}

#[test]
fn nothing_is_not_a_reference() {
    check(&[(s(""), RefError::Empty)], "an empty string names no image; never guess one");
}

#[test]
fn repository_names_are_lowercase() {
    check(
        &[
            (s("Nginx"), RefError::Uppercase(s("Nginx"))),
            (s("library/Nginx:1.27"), RefError::Uppercase(s("library/Nginx"))),
        ],
        "registries store repositories in lowercase: `Nginx` is not another spelling of nginx, \
         it is an invalid name (tags, unlike repositories, may hold capitals)",
    );
}

#[test]
fn bad_tags_are_rejected() {
    let long = "x".repeat(129);
    check(
        &[
            (s("nginx:-x"), RefError::InvalidTag(s("-x"))),
            (s("nginx:.x"), RefError::InvalidTag(s(".x"))),
            (s("nginx:"), RefError::InvalidTag(s(""))),
            (format!("nginx:{long}"), RefError::InvalidTag(long.clone())),
            (s("nginx:1.27 alpine"), RefError::InvalidTag(s("1.27 alpine"))),
        ],
        "a tag is 1 to 128 of letters, digits, `_`, `.` and `-`, starting with a letter, digit \
         or `_`; an empty tag after `:` is a mistake, not a request for `latest`",
    );
}

#[test]
fn bad_digests_are_rejected() {
    let hex = "4c0bc0755f1c8269d218811689a59cde339afe35ffbb3279c4d40a92049b0a49";
    check(
        &[
            (
                format!("postgres@sha256:{}", hex.to_uppercase()),
                RefError::InvalidDigest(format!("sha256:{}", hex.to_uppercase())),
            ),
            (s("postgres@sha256:4c0bc0755f1c"), RefError::InvalidDigest(s("sha256:4c0bc0755f1c"))),
            (format!("postgres@sha256:{hex}0"), RefError::InvalidDigest(format!("sha256:{hex}0"))),
            (format!("postgres@md5:{}", &hex[..32]), RefError::UnsupportedAlgorithm(s("md5"))),
            (format!("postgres@sha1:{}", &hex[..40]), RefError::UnsupportedAlgorithm(s("sha1"))),
            (s("postgres@sha256"), RefError::InvalidDigest(s("sha256"))),
            (s("postgres@"), RefError::InvalidDigest(s(""))),
        ],
        "a digest is compared as a string: uppercase hex, a short prefix or one digit too many \
         names no blob; md5 and sha1 are not content addresses an image may use (sha256, or \
         sha512)",
    );
}

#[test]
fn every_name_needs_a_repository_and_no_empty_components() {
    let digest = format!("sha256:{}", "a".repeat(64));
    check(
        &[
            (s("docker.io/"), RefError::MissingRepository),
            (s("localhost:5000/"), RefError::MissingRepository),
            (s(":latest"), RefError::MissingRepository),
            (format!("@{digest}"), RefError::MissingRepository),
            (s("//"), RefError::EmptyComponent(s("//"))),
            (s("nginx/"), RefError::EmptyComponent(s("nginx/"))),
            (s("docker.io//nginx"), RefError::EmptyComponent(s("/nginx"))),
        ],
        "a registry alone is not an image, and `//` or a trailing `/` leaves an empty path \
         component that no registry can store",
    );
}

#[test]
fn path_components_follow_the_grammar() {
    check(
        &[
            (s("ngin$x"), RefError::InvalidComponent(s("ngin$x"))),
            (s("bitnami/redis-"), RefError::InvalidComponent(s("redis-"))),
            (s("a..b"), RefError::InvalidComponent(s("a..b"))),
            (s("a___b"), RefError::InvalidComponent(s("a___b"))),
            (s("_nginx"), RefError::InvalidComponent(s("_nginx"))),
        ],
        "a component is runs of lowercase letters and digits joined by one `.`, one `_`, two `_` \
         or dashes; it never starts or ends with a separator",
    );
}

#[test]
fn registries_are_host_names_with_an_optional_port() {
    check(
        &[
            (s("my_registry.io/app"), RefError::InvalidRegistry(s("my_registry.io"))),
            (s("localhost:abc/app"), RefError::InvalidRegistry(s("localhost:abc"))),
            (s("localhost:/app"), RefError::InvalidRegistry(s("localhost:"))),
            (s("-bad.io/app"), RefError::InvalidRegistry(s("-bad.io"))),
            (s("registry..io/app"), RefError::InvalidRegistry(s("registry..io"))),
            (s("nginx:1.27/alpine"), RefError::InvalidRegistry(s("nginx:1.27"))),
            (s("[]:5000/app"), RefError::InvalidRegistry(s("[]:5000"))),
            (s("[fd00::zz]/app"), RefError::InvalidRegistry(s("[fd00::zz]"))),
            (s("[::1]5000/app"), RefError::InvalidRegistry(s("[::1]5000"))),
        ],
        "the first component is a registry because it has a `.` or `:`; then it must be a valid \
         host name (letters, digits and inner `-` between dots) or a bracketed IPv6 address (hex \
         digits and `:`, `[::1]`), with a numeric port after a `:`, or the pull would go to a host that cannot exist; `nginx:1.27/alpine` is not a tag with a \
         slash: its first component has a `:`, so it names a registry with port `1.27`",
    );
}

#[test]
fn names_have_a_length_limit() {
    let at_limit = "a".repeat(255);
    let got = parse(&at_limit);
    assert!(
        got.is_ok(),
        "{}",
        teach(
            STEP,
            "parse_reference of a 255-character name",
            "Ok(…)",
            show(&got),
            "255 characters is the limit itself: still allowed",
            READ,
        )
    );
    check(
        &[
            (format!("{at_limit}a"), RefError::NameTooLong(256)),
            (format!("ghcr.io/{at_limit}:1"), RefError::NameTooLong(263)),
        ],
        "a name (registry and repository, before the tag) longer than 255 characters is \
         rejected by registries; say so before sending it",
    );
}

#[test]
fn error_messages_are_one_line_and_show_the_culprit() {
    let long_tag = "x".repeat(129);
    let cases = [
        ("Nginx", "Nginx".to_string()),
        ("nginx:-x", "-x".to_string()),
        (&*format!("nginx:{long_tag}"), long_tag.clone()),
        ("postgres@sha256:4c0bc0755f1c", "sha256:4c0bc0755f1c".to_string()),
        ("postgres@md5:0123456789abcdef0123456789abcdef", "md5".to_string()),
        ("//", "//".to_string()),
        ("ngin$x", "ngin$x".to_string()),
        ("my_registry.io/app", "my_registry.io".to_string()),
        (&*"a".repeat(256), "256".to_string()),
    ];
    for (input, culprit) in cases {
        let message = match parse(input) {
            Err(e) => text(&e),
            Ok(r) => format!("(no error: parsed as {r:?})"),
        };
        assert!(
            message.contains(&culprit) && !message.contains('\n'),
            "{}",
            teach(
                STEP,
                &format!("the error message for {input:?} (your Display for RefError)"),
                format!("one line that shows {culprit:?}"),
                show(&message),
                "`docker pull` answers a bad reference with one line that quotes the bad part; a \
                 message that only says \"invalid\" leaves the reader to find it",
                READ,
            )
        );
    }
    for (error, what) in [(RefError::Empty, "Empty"), (RefError::MissingRepository, "MissingRepository")] {
        let message = text(&error);
        assert!(
            !message.trim().is_empty() && !message.contains('\n'),
            "{}",
            teach(
                STEP,
                &format!("the message of RefError::{what}"),
                "one line that says what is missing",
                show(&message),
                "every error needs words, even those that hold no value",
                READ,
            )
        );
    }
}

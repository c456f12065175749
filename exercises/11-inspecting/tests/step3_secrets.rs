//! Step 3: find the secrets a careless build leaves in the config and in deleted files, and
//! read a deleted file back out of its layer.
//!
//! Run: `cargo test -p ex11-inspecting --test step3_secrets`

mod common;

use common::*;
use ex11_inspecting::{
    extract_file, has_url_credentials, is_secret_file, is_secret_name, read_layer, secret_files, secrets_in_config,
    Secret, SecretFile,
};

const STEP: &str = "step3_secrets";
const READ: &str = "the book, 11-inspecting/exercise.html#step-3-secrets \
                    and 11-inspecting/index.html#what-history-leaks";

fn secret(place: &str, name: &str) -> Secret {
    Secret { place: place.into(), name: name.into() }
}

#[test]
fn names_and_urls_that_hold_secrets() {
    for (name, expected) in [
        ("API_TOKEN", true),
        ("db_password", true),
        ("AWS_SECRET_ACCESS_KEY", true),
        ("STRIPE_API_KEY", true),
        ("PATH", false),
        ("PG_MAJOR", false),
        ("KEYBOARD", false),
    ] {
        let got = attempt(STEP, "is_secret_name", READ, || is_secret_name(name));
        assert!(
            got == expected,
            "{}",
            teach(
                STEP,
                &format!("is_secret_name({name:?})"),
                expected,
                got,
                "names are how scanners guess: PASSWORD, SECRET, TOKEN, API_KEY…, in any case",
                READ
            )
        );
    }
    for (text, expected) in [
        ("postgres://driftwood:tide-pool-42@db:5432/driftwood", true),
        ("RUN git clone https://bot:ghp_abc@github.com/driftwood/api", true),
        ("https://github.com/driftwood/api", false),
        ("https://user@example.com/", false),
        ("no url here: a@b", false),
    ] {
        let got = attempt(STEP, "has_url_credentials", READ, || has_url_credentials(text));
        assert!(
            got == expected,
            "{}",
            teach(
                STEP,
                &format!("has_url_credentials({text:?})"),
                expected,
                got,
                "`scheme://user:password@host` puts a password in a string anyone can read",
                READ
            )
        );
    }
}

#[test]
fn the_careless_config_leaks_in_env_and_in_history() {
    let got = attempt(STEP, "secrets_in_config", READ, || secrets_in_config(&careless_config())).expect("valid config");
    let expected = vec![
        secret("Env", "API_TOKEN"),
        secret("Env", "URL"),
        secret("history[1]", "API_TOKEN"),
        secret("history[3]", "NPM_TOKEN"),
    ];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "the secrets of the careless config (TOKENIZER= is empty: no finding)",
            show(&expected),
            show(&got),
            "ENV values are in Env and in history; a build argument used in RUN is in that step's created_by",
            READ
        )
    );
}

#[test]
fn a_clean_config_has_no_secrets() {
    let config = br#"{"config":{"Env":["PATH=/bin","PG_MAJOR=16"],"Labels":{"org.opencontainers.image.source":"https://github.com/driftwood/api"}},
                     "history":[{"created_by":"COPY api/ / # buildkit"},{"created_by":"RUN --mount=type=secret,id=api_token make","empty_layer":false}]}"#;
    let got = attempt(STEP, "secrets_in_config", READ, || secrets_in_config(config)).expect("valid config");
    assert!(
        got.is_empty(),
        "{}",
        teach(
            STEP,
            "secrets in a clean config",
            "[]",
            show(&got),
            "a secret mount leaves only its id in history, never its value",
            READ
        )
    );
    let bad = attempt(STEP, "secrets_in_config", READ, || secrets_in_config(b"{"));
    assert!(bad.is_err(), "a config that is not JSON is an Err");
}

#[test]
fn secret_files_are_found_even_when_deleted() {
    for (path, expected) in [
        ("root/.ssh/id_ed25519", true),
        ("app/.env", true),
        ("etc/ssl/private/site.key", true),
        ("etc/envs", false),
        ("srv/run", false),
    ] {
        let got = attempt(STEP, "is_secret_file", READ, || is_secret_file(path));
        assert!(
            got == expected,
            "{}",
            teach(
                STEP,
                &format!("is_secret_file({path:?})"),
                expected,
                got,
                "private keys, .env files and token files are what an attacker greps for first",
                READ
            )
        );
    }
    let layers: Vec<_> = careless_layers().iter().map(|b| read_layer(b).expect("valid layer")).collect();
    let got = attempt(STEP, "secret_files", READ, || secret_files(&layers));
    let expected = vec![
        SecretFile { path: "root/.ssh/id_ed25519".into(), layer: 1, deleted_in: Some(4) },
        SecretFile { path: "srv/driftwood-api/.env".into(), layer: 1, deleted_in: Some(4) },
    ];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "secret-looking files of the careless image",
            show(&expected),
            show(&got),
            "deleted in layer 4, both still ship in layer 1",
            READ
        )
    );
}

#[test]
fn the_deleted_key_comes_back_from_its_layer() {
    let layers = careless_layers();
    let got =
        attempt(STEP, "extract_file", READ, || extract_file(&layers[1], "/root/.ssh/id_ed25519")).expect("valid layer");
    assert!(
        got.as_deref() == Some(FAKE_KEY),
        "{}",
        teach(
            STEP,
            "the key read from layer 1",
            excerpt(FAKE_KEY),
            got.as_deref().map_or("None".into(), excerpt),
            "a later whiteout hides the file from containers, not from anyone holding the blob",
            READ
        )
    );
    let none =
        attempt(STEP, "extract_file", READ, || extract_file(&layers[4], "root/.ssh/id_ed25519")).expect("valid layer");
    assert!(none.is_none(), "layer 4 holds only a whiteout for the key: Ok(None), got {none:?}");
    assert!(attempt(STEP, "extract_file", READ, || extract_file(b"junk", "a")).is_err(), "garbage is an Err");
}

fn excerpt(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

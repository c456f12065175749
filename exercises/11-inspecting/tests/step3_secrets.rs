//! Step 3: find the secrets a careless build leaves in the config and in deleted files, and
//! read a deleted file back out of its layer.
//!
//! Run: `cargo test -p ex11-inspecting --test step3_secrets`

mod common;

use common::*;
use ex11_inspecting::{
    extract_file, has_url_credentials, is_secret_file, is_secret_name, read_layer, secret_files, secrets_in_config,
    Change, Secret, SecretFile,
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

/// A config built from a seed: secrets at random places in `Env`, `Labels` and `history`,
/// between harmless entries, under names no test file holds.
#[test]
fn a_generated_config_gives_up_every_secret_it_holds() {
    let mut rng = Rng::from_env();
    // A letter first: a name never starts with a digit.
    let secret_name = |rng: &mut Rng| {
        let word =
            *rng.pick(&["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"]);
        let name = format!("X{}_{word}", rng.word(4).to_uppercase());
        if rng.coin() {
            name.to_lowercase()
        } else {
            name
        }
    };
    let url = |rng: &mut Rng| format!("postgres://{}:{}@{}.internal:5432/app", rng.word(5), rng.word(10), rng.word(6));
    // Each place: a list of (entry, finding) in order; harmless entries find nothing.
    let mut env: Vec<(String, Option<&str>)> = Vec::new();
    let mut labels: Vec<(String, String, Option<&str>)> = Vec::new();
    let mut history: Vec<(String, Option<String>)> = Vec::new();
    for _ in 0..rng.range(3, 7) {
        match rng.below(3) {
            0 => env.push((format!("OPT_{}={}", rng.range(1, 999), rng.word(6)), None)),
            1 => {
                let name = secret_name(&mut rng);
                env.push((format!("{name}={}", rng.word(12)), Some("name")));
            }
            _ => env.push((format!("LINK_{}={}", rng.range(1, 999), url(&mut rng)), Some("URL"))),
        }
    }
    for _ in 0..rng.range(2, 5) {
        let key = format!("org.example.{}", rng.word(5));
        match rng.below(3) {
            0 => labels.push((key, format!("https://example.com/{}", rng.word(6)), None)),
            1 => labels.push((format!("{key}.{}", secret_name(&mut rng)), rng.word(12), Some("name"))),
            _ => labels.push((key, url(&mut rng), Some("URL"))),
        }
    }
    for _ in 0..rng.range(3, 7) {
        match rng.below(4) {
            0 if rng.coin() => history.push((format!("RUN /bin/sh -c apk add {}", rng.word(6)), None)),
            0 => history.push((format!("ENV OPT_{}={}", rng.range(1, 999), rng.word(6)), None)),
            1 => {
                let name = secret_name(&mut rng);
                history.push((format!("ENV {name}={}", rng.word(12)), Some(name)));
            }
            2 => {
                let name = secret_name(&mut rng);
                history.push((format!("RUN |1 {name}={} /bin/sh -c make", rng.word(12)), Some(name)));
            }
            _ => history.push((format!("RUN /bin/sh -c curl -fsSL {} -o /tmp/x", url(&mut rng)), Some("URL".into()))),
        }
    }
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": env.iter().map(|(e, _)| e.clone()).collect::<Vec<_>>(),
            "Labels": labels.iter().map(|(k, v, _)| (k.clone(), serde_json::Value::from(v.clone()))).collect::<serde_json::Map<_, _>>(),
        },
        "history": history.iter().map(|(c, _)| serde_json::json!({"created_by": c})).collect::<Vec<_>>(),
    });
    let bytes = serde_json::to_vec(&config).expect("test fixture: JSON");
    let mut expected = Vec::new();
    for (entry, finding) in &env {
        match finding {
            Some("URL") => expected.push(secret("Env", "URL")),
            Some(_) => expected.push(secret("Env", entry.split_once('=').expect("NAME=value").0)),
            None => {}
        }
    }
    for (key, _, finding) in &labels {
        match finding {
            Some("URL") => expected.push(secret("Labels", "URL")),
            Some(_) => expected.push(secret("Labels", key)),
            None => {}
        }
    }
    for (i, (_, finding)) in history.iter().enumerate() {
        if let Some(name) = finding {
            expected.push(secret(&format!("history[{i}]"), name));
        }
    }
    let got = attempt(STEP, "secrets_in_config", READ, || secrets_in_config(&bytes));
    assert!(
        got.as_ref() == Ok(&expected),
        "{}",
        teach(
            STEP,
            &format!("secrets_in_config of {} ({})", String::from_utf8_lossy(&bytes), rng.replay()),
            show(Ok::<_, ()>(&expected)),
            show(&got),
            "Env, then Labels, then history, each in order: a secret-looking name with a value, or \
             a URL with `user:password@` in it (in a RUN line too: whoever pulls can read it)",
            READ
        )
    );
}

/// A key under a directory that a random later layer deletes as a whole.
#[test]
fn a_key_deleted_with_its_whole_directory_still_ships() {
    let mut rng = Rng::from_env();
    let dir = format!("home/{}/.ssh", rng.word(6));
    let key = format!("{dir}/id_rsa");
    let f = |p: &str| Change::File { path: p.to_string(), size: 64 };
    let mut layers: Vec<Vec<Change>> = vec![vec![f("etc/hostname")], vec![f(&key), f(&format!("{dir}/known_hosts"))]];
    let gap = rng.range(0, 3) as usize;
    layers.extend((0..gap).map(|i| vec![f(&format!("srv/part{i}"))]));
    layers.push(vec![Change::Deleted { path: dir.clone() }]);
    let got = attempt(STEP, "secret_files", READ, || secret_files(&layers));
    let expected = vec![SecretFile { path: key.clone(), layer: 1, deleted_in: Some(2 + gap) }];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            &format!("secret_files when layer {} deletes {dir:?} ({})", 2 + gap, rng.replay()),
            show(&expected),
            show(&got),
            "a whiteout of a directory deletes every file under it, keys included; the key still \
             ships in the layer that wrote it",
            READ
        )
    );
}

#[test]
fn words_that_only_look_like_assignments_are_not_secrets() {
    let config = serde_json::to_vec(&serde_json::json!({
        "config": { "Env": ["PATH=/usr/bin"] },
        "history": [
            {"created_by": "ENV PGDATA=/var/lib/postgresql/data"},
            {"created_by": "RUN /bin/sh -c sed -i s/SECRET=.*/SECRET=/ /etc/app.conf"},
            {"created_by": "ENV API_TOKEN=t0k3n"}
        ]
    }))
    .expect("test fixture: JSON");
    let got = attempt(STEP, "secrets_in_config", READ, || secrets_in_config(&config));
    let expected = vec![secret("history[2]", "API_TOKEN")];
    assert!(
        got.as_ref() == Ok(&expected),
        "{}",
        teach(
            STEP,
            "a history with a harmless ENV, a sed expression that names SECRET, and a real token",
            show(Ok::<_, ()>(&expected)),
            show(&got),
            "a finding needs a variable name (letters, digits, `_`) that reads like a secret and a \
             value: `PGDATA=…` is not a secret, and `s/SECRET=.*/…` is an expression, not a variable",
            READ
        )
    );
}

#[test]
fn a_key_replaced_in_one_layer_is_deleted_below_and_kept_above() {
    let f = |p: &str| Change::File { path: p.to_string(), size: 64 };
    let layers =
        vec![vec![f("root/.ssh/id_rsa")], vec![Change::Deleted { path: "root/.ssh".into() }, f("root/.ssh/id_rsa")]];
    let got = attempt(STEP, "secret_files", READ, || secret_files(&layers));
    let expected = vec![
        SecretFile { path: "root/.ssh/id_rsa".into(), layer: 0, deleted_in: Some(1) },
        SecretFile { path: "root/.ssh/id_rsa".into(), layer: 1, deleted_in: None },
    ];
    assert!(
        got == expected,
        "{}",
        teach(
            STEP,
            "layer 1 deletes root/.ssh and writes a new root/.ssh/id_rsa",
            show(&expected),
            show(&got),
            "a whiteout deletes from the layers *below* it: the old key (layer 0) is deleted and \
             still ships; the new one in the same layer is not deleted at all",
            READ
        )
    );
}

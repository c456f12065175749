//! Helpers shared by the step tests of exercise 11.
//!
//! Nothing here calls your code except `attempt`, which runs one of your functions and turns a
//! `todo!()` into a message that says where to read and where the hints are. It, `teach` and
//! `HINTS` come from `exercise_support::exercise_helpers!`, shared by every exercise (no solution
//! code there); so do the independent checks (hashing, tar, gzip), from its `digest` and `layers`
//! features. This file keeps what belongs to exercise 11: its fixtures.

#![allow(dead_code)]

exercise_support::exercise_helpers!(number: "11", hints: "exercises/11-inspecting/hints.md");

#[allow(unused_imports)] // the independent checks, shared by the exercises; not every step uses each
pub use exercise_support::digest::sha256_of;
#[allow(unused_imports)] // the independent checks, shared by the exercises; not every step uses each
pub use exercise_support::layers::{layer, Entry};

/// The fake deploy key of the careless image (not a real key).
pub const FAKE_KEY: &[u8] =
    b"-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-driftwood-deploy-key\n-----END OPENSSH PRIVATE KEY-----\n";
/// The fake `.env` of the careless image.
pub const FAKE_ENV: &[u8] = b"DATABASE_URL=postgres://driftwood:tide-pool-42@db:5432/driftwood\n";

/// The layers of the careless Driftwood API image of the book's page, built by hand:
/// 0 base, 1 deploy key and .env, 2 a 5000-byte build log, 3 the API, 4 three whiteouts.
pub fn careless_layers() -> Vec<Vec<u8>> {
    let log = vec![b'x'; 5000];
    vec![
        layer(&[
            Entry::Dir("etc"),
            Entry::File("etc/os-release", b"ID=alpine\n"),
            Entry::File("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        ]),
        layer(&[
            Entry::Dir("root/.ssh"),
            Entry::File("root/.ssh/id_ed25519", FAKE_KEY),
            Entry::File("srv/driftwood-api/.env", FAKE_ENV),
        ]),
        layer(&[Entry::File("tmp/build.log", &log)]),
        layer(&[
            Entry::File("srv/driftwood-api/run", b"#!/bin/sh\nexec driftwood-api\n"),
            Entry::File("srv/driftwood-api/api.toml", b"listen = \"0.0.0.0:8080\"\n"),
        ]),
        layer(&[
            Entry::Delete("root/.ssh/id_ed25519"),
            Entry::Delete("srv/driftwood-api/.env"),
            Entry::Delete("tmp/build.log"),
        ]),
    ]
}

/// The careless image's config, as `docker build` writes it: the token in `Env` and in an
/// `ENV` history entry, a build argument in a `RUN` step's history, a URL with a password.
pub fn careless_config() -> Vec<u8> {
    serde_json::to_vec_pretty(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/bin:/bin", "API_TOKEN=dw_live_7Qm2xK9pLs4v", "DATABASE_URL=postgres://driftwood:tide-pool-42@db:5432/driftwood", "TOKENIZER="],
            "Entrypoint": ["/srv/driftwood-api/run"],
            "User": "1000",
            "Labels": {"org.opencontainers.image.source": "https://github.com/driftwood/api"}
        },
        "rootfs": {"type": "layers", "diff_ids": []},
        "history": [
            {"created_by": "ADD alpine-minirootfs.tar.gz / # buildkit"},
            {"created_by": "ENV API_TOKEN=dw_live_7Qm2xK9pLs4v", "empty_layer": true},
            {"created_by": "COPY deploy/ / # buildkit"},
            {"created_by": "RUN |1 NPM_TOKEN=npm_Xy12 /bin/sh -c make build > /tmp/build.log"},
            {"created_by": "COPY api/ / # buildkit"},
            {"created_by": "RUN /bin/sh -c rm -rf /root/.ssh/id_ed25519 /srv/driftwood-api/.env /tmp/build.log"},
            {"created_by": "USER 1000", "empty_layer": true}
        ]
    }))
    .expect("test fixture: JSON")
}

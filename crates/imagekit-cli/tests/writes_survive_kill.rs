//! `kill -9` at a random moment of every writing verb (issue 12, item 6): after the next run of
//! the same verb, `layout verify` / `store verify` pass and report no leftovers. 20 trials each,
//! each killed somewhere between the start and the end of an uninterrupted run.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const TRIALS: u32 = 20;

/// A small xorshift: random kill moments, reproducible from the printed seed.
struct Moments(u64);

impl Moments {
    fn next(&mut self, below: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        below.mul_f64((self.0 % 10_000) as f64 / 10_000.0)
    }
}

fn seed() -> u64 {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("kill moments seed: {seed}");
    seed
}

fn imagekit_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_imagekit"));
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// Run once to the end and time it.
fn timed(args: &[&str]) -> Duration {
    let start = Instant::now();
    assert!(imagekit_cmd(args).status().unwrap().success(), "imagekit {args:?}");
    start.elapsed()
}

/// Start the verb, SIGKILL it after `after`, reap it.
fn killed(args: &[&str], after: Duration) {
    let mut child = imagekit_cmd(args).spawn().unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

fn big_layer_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("big");
    write(&dir.join("srv/data.bin"), &pseudo_random(24 << 20), 0o644);
    write(&dir.join("etc/motd"), b"driftwood\n", 0o644);
    dir
}

fn verify_clean(layout: &Path) {
    let out = ok(&["--json", "layout", "verify", layout.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["checked"]["leftovers"].as_array().map(Vec::len), Some(0), "{report}");
}

#[test]
fn image_build_and_copy_survive_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let layer = big_layer_dir(tmp.path());
    let layout = tmp.path().join("oci");
    let build =
        ["image", "build", "--layer", layer.to_str().unwrap(), "--tag", "big:1", "-o", layout.to_str().unwrap()];
    let full = timed(&build);
    let mut moments = Moments(seed());
    for trial in 0..TRIALS {
        // Build into a fresh layout each trial: the rerun must finish what the kill interrupted.
        let _ = std::fs::remove_dir_all(&layout);
        killed(&build, moments.next(full));
        if layout.join("oci-layout").exists() {
            assert!(imagekit_cmd(&build).status().unwrap().success(), "trial {trial}: rebuild");
        } else {
            // Killed before the layout existed, or with a half-made one: start over.
            let _ = std::fs::remove_dir_all(&layout);
            assert!(imagekit_cmd(&build).status().unwrap().success(), "trial {trial}: build");
        }
        verify_clean(&layout);
    }

    let copy_dest = tmp.path().join("copy");
    let source = format!("oci:{}:big:1", layout.display());
    let dest = format!("oci:{}:big:1", copy_dest.display());
    let copy = ["copy", source.as_str(), dest.as_str()];
    let full = timed(&copy);
    for trial in 0..TRIALS {
        let _ = std::fs::remove_dir_all(&copy_dest);
        killed(&copy, moments.next(full));
        if !copy_dest.join("oci-layout").exists() {
            let _ = std::fs::remove_dir_all(&copy_dest);
        }
        assert!(imagekit_cmd(&copy).status().unwrap().success(), "trial {trial}: copy again");
        verify_clean(&copy_dest);
    }

    let store = tmp.path().join("store");
    let into_store = ["copy", source.as_str(), "store:driftwood/big:1", "--store", store.to_str().unwrap()];
    let full = timed(&into_store);
    for trial in 0..TRIALS {
        let _ = std::fs::remove_dir_all(&store);
        killed(&into_store, moments.next(full));
        assert!(imagekit_cmd(&into_store).status().unwrap().success(), "trial {trial}: copy into the store again");
        let out = ok(&["--json", "store", "verify", "--store", store.to_str().unwrap()]);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["checked"]["leftovers"], 0, "trial {trial}: {report}");
        let ingest = std::fs::read_dir(store.join("ingest")).unwrap().count();
        assert_eq!(ingest, 0, "trial {trial}: nothing stays in ingest/");
    }
}

#[test]
fn unpack_survives_kill_9_and_the_next_unpack_removes_its_staging() {
    let tmp = tempfile::tempdir().unwrap();
    let layer = big_layer_dir(tmp.path());
    let layout = tmp.path().join("oci");
    let build =
        ["image", "build", "--layer", layer.to_str().unwrap(), "--tag", "big:1", "-o", layout.to_str().unwrap()];
    assert!(imagekit_cmd(&build).status().unwrap().success());
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let rootfs = out.join("rootfs");
    let source = format!("oci:{}:big:1", layout.display());
    let unpack = ["unpack", source.as_str(), "-o", rootfs.to_str().unwrap()];
    let full = timed(&unpack);
    let mut moments = Moments(seed());
    let staging = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with(".unpack-"))
            .collect()
    };
    let mut interrupted = 0;
    for trial in 0..TRIALS {
        let _ = std::fs::remove_dir_all(&rootfs);
        killed(&unpack, moments.next(full));
        interrupted += !rootfs.exists() as u32;
        // A finished unpack leaves its tree; start again from nothing, as a user would.
        let _ = std::fs::remove_dir_all(&rootfs);
        assert!(imagekit_cmd(&unpack).status().unwrap().success(), "trial {trial}: unpack again");
        assert_eq!(staging(&out), Vec::<String>::new(), "trial {trial}: nothing stays in staging");
        assert_eq!(std::fs::read(rootfs.join("etc/motd")).unwrap(), b"driftwood\n");
    }
    eprintln!("{interrupted} of {TRIALS} unpacks were killed before they finished");
}

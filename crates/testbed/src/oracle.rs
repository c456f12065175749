//! Independent oracles (umoci, skopeo, docker-registry, chromium, node) are Debian packages a
//! machine may lack. Locally a missing one skips the checks that need it, saying so; in CI
//! (`IMAGEKIT_REQUIRE_ORACLES=1`) a missing one is a failure, so nothing is skipped silently.

use std::path::{Path, PathBuf};

/// What a check may do about one external tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Oracle {
    /// Installed, at this path.
    Present(PathBuf),
    /// Missing, and allowed to be: the message says what was skipped and how to install it.
    Skipped(String),
    /// Missing although `IMAGEKIT_REQUIRE_ORACLES=1`: the message is the failure.
    Required(String),
}

/// Does this run insist on every oracle (`IMAGEKIT_REQUIRE_ORACLES=1`, as CI sets)?
pub fn oracles_required() -> bool {
    std::env::var("IMAGEKIT_REQUIRE_ORACLES").as_deref() == Ok("1")
}

/// Decides about `name` (found on PATH, or in /usr/bin where Debian puts it); `package` is the
/// Debian package that provides it.
pub fn oracle(name: &str, package: &str) -> Oracle {
    decide(name, package, which(name), oracles_required())
}

fn decide(name: &str, package: &str, found: Option<PathBuf>, required: bool) -> Oracle {
    match found {
        Some(path) => Oracle::Present(path),
        None if required => Oracle::Required(format!(
            "{name} is required (IMAGEKIT_REQUIRE_ORACLES=1) but not installed: apt-get install {package}"
        )),
        None => Oracle::Skipped(format!("{name} is not installed (apt-get install {package}): skipped")),
    }
}

/// The executable `name` on PATH, else in /usr/bin.
pub fn which(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]).map(|dir| dir.join(name)).find(|p| executable(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn present_skipped_or_required() {
        let sh = PathBuf::from("/bin/sh");
        assert_eq!(decide("sh", "dash", Some(sh.clone()), true), Oracle::Present(sh));
        match decide("umoci", "umoci", None, false) {
            Oracle::Skipped(msg) => assert!(msg.contains("apt-get install umoci"), "{msg}"),
            other => panic!("expected Skipped, got {other:?}"),
        }
        match decide("umoci", "umoci", None, true) {
            Oracle::Required(msg) => assert!(msg.contains("IMAGEKIT_REQUIRE_ORACLES=1"), "{msg}"),
            other => panic!("expected Required, got {other:?}"),
        }
    }

    #[test]
    fn which_finds_executables_only() {
        assert!(which("sh").is_some());
        assert!(which("no-such-tool-anywhere").is_none());
    }
}

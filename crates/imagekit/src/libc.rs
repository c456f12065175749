//! Which C library an image ships, read from its merged files (no I/O: works on a [`Tree`]).
//!
//! A dynamically linked binary names its loader (ELF `PT_INTERP`): `/lib/ld-musl-x86_64.so.1` on
//! musl (Alpine), `/lib64/ld-linux-x86-64.so.2` on glibc (Debian, Ubuntu, distroless/base). So the
//! loader files say which libc the image can run binaries against:
//!
//! - `ld-musl-ARCH.so.1` → musl (Alpine also has `lib/libc.musl-ARCH.so.1`, a link to it);
//! - `ld-linux*.so.N` or `ld64.so.N` → glibc, found in `lib`, `lib64`, `usr/lib/ARCH-linux-gnu`…,
//!   often through symlinks (merged /usr: `lib64 → usr/lib64`);
//! - none → no dynamic loader: a `FROM scratch` or distroless-static image, whose binaries must be
//!   statically linked (or which has no binaries at all).
//!
//! Versions come from file names where old glibc put them (`libc-2.31.so`), else from the package
//! database the caller reads: apk's `lib/apk/db/installed` (`P:musl`/`V:1.2.5-r0`) or dpkg's
//! `var/lib/dpkg/status` (`Package: libc6`/`Version: 2.36-9+deb12u7`).

use serde::Serialize;

use crate::apply::{NodeKind, Tree};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    Musl,
    Glibc,
    /// No dynamic loader at all.
    None,
}

impl Libc {
    pub fn describe(self) -> &'static str {
        match self {
            Libc::Musl => "musl",
            Libc::Glibc => "glibc",
            Libc::None => "none (no dynamic loader: static binaries or no binaries, scratch-style)",
        }
    }
}

/// One loader file found in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loader {
    /// Where the name sits (a layer path, no leading `/`).
    pub path: String,
    pub libc: Libc,
    pub kind: NodeKind,
    /// The regular file it resolves to through symlinks (inside the image), if it does.
    pub resolves_to: Option<String>,
}

/// What [`detect`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibcReport {
    pub libc: Libc,
    pub version: Option<String>,
    /// Where the version came from (a file name or a package database entry).
    pub version_source: Option<String>,
    pub loaders: Vec<Loader>,
    /// The path binaries of this libc ask for (`PT_INTERP`), and whether it resolves to a file.
    pub interpreter: Option<Interpreter>,
    /// Other files that identify the libc (`libc.so.6`, `libc.musl-x86_64.so.1`).
    pub libc_files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interpreter {
    pub path: String,
    pub resolves_to: Option<String>,
}

/// Package databases that can name the libc version, in the order [`detect`] prefers them.
pub const PACKAGE_DATABASES: [&str; 3] = ["lib/apk/db/installed", "var/lib/dpkg/status", "var/lib/dpkg/status.d/libc6"];

fn loader_libc(name: &str) -> Option<Libc> {
    if name.starts_with("ld-musl-") && name.ends_with(".so.1") {
        Some(Libc::Musl)
    } else if (name.starts_with("ld-linux") || name.starts_with("ld64.so.")) && name.contains(".so") {
        Some(Libc::Glibc)
    } else {
        None
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Follow symlinks inside the image (absolute targets start at the image root; `..` stops at
/// the root). Returns the final path and its kind, or None if something on the way is missing
/// or there are more than 40 links.
pub fn resolve(tree: &Tree, path: &str) -> Option<(String, NodeKind)> {
    let mut todo: Vec<String> = path.split('/').rev().filter(|c| !c.is_empty()).map(str::to_string).collect();
    let mut current: Vec<String> = Vec::new();
    let mut kind = NodeKind::Dir;
    let mut hops = 0;
    while let Some(part) = todo.pop() {
        match part.as_str() {
            "." => continue,
            ".." => {
                current.pop();
                continue;
            }
            _ => {}
        }
        current.push(part);
        let node = tree.get(&current.join("/"))?;
        kind = node.kind;
        if node.kind == NodeKind::Symlink {
            hops += 1;
            if hops > 40 {
                return None;
            }
            let target = node.link.clone().unwrap_or_default();
            current.pop();
            if target.starts_with('/') {
                current.clear();
            }
            todo.extend(target.split('/').rev().filter(|c| !c.is_empty()).map(str::to_string));
        }
    }
    Some((current.join("/"), kind))
}

/// The libc of the merged view `tree`. `package_db` is the text of one of
/// [`PACKAGE_DATABASES`] (path, contents) when the caller could read it.
pub fn detect(tree: &Tree, package_db: Option<(&str, &str)>) -> LibcReport {
    let mut loaders = Vec::new();
    let mut libc_files = Vec::new();
    let mut file_version: Option<(String, String)> = None;
    for (path, node) in tree.iter() {
        let name = file_name(path);
        if let Some(libc) = loader_libc(name).filter(|_| node.kind != NodeKind::Dir) {
            let resolves_to = resolve(tree, path).filter(|(_, k)| *k != NodeKind::Dir).map(|(p, _)| p);
            loaders.push(Loader { path: path.to_string(), libc, kind: node.kind, resolves_to });
        }
        if name == "libc.so.6" || (name.starts_with("libc.musl-") && name.ends_with(".so.1")) {
            libc_files.push(path.to_string());
        }
        // glibc before 2.34 named the library after its version: libc-2.31.so.
        if let Some(v) = name.strip_prefix("libc-").and_then(|r| r.strip_suffix(".so")) {
            if v.chars().all(|c| c.is_ascii_digit() || c == '.') && !v.is_empty() {
                file_version = Some((v.to_string(), format!("file name {path}")));
            }
        }
    }
    // A loader that resolves to nothing does not load anything.
    let working = |l: &&Loader| l.resolves_to.is_some();
    let libc = if loaders.iter().filter(working).any(|l| l.libc == Libc::Musl) {
        Libc::Musl
    } else if loaders.iter().filter(working).any(|l| l.libc == Libc::Glibc) {
        Libc::Glibc
    } else {
        Libc::None
    };
    let from_db = package_db.and_then(|(db_path, text)| {
        let package = match libc {
            Libc::Musl => "musl",
            Libc::Glibc => "libc6",
            Libc::None => return None,
        };
        package_version(text, package).map(|v| (v, format!("{db_path} (package {package})")))
    });
    let (version, version_source) = match from_db.or(file_version.filter(|_| libc == Libc::Glibc)) {
        Some((v, s)) => (Some(v), Some(s)),
        None => (None, None),
    };
    let interpreter = loaders.iter().find(|l| l.libc == libc && l.resolves_to.is_some()).map(|l| {
        let name = file_name(&l.path);
        let path = if name == "ld-linux-x86-64.so.2" || name.starts_with("ld64.so.") {
            format!("lib64/{name}")
        } else {
            format!("lib/{name}")
        };
        let resolves_to = resolve(tree, &path).filter(|(_, k)| *k != NodeKind::Dir).map(|(p, _)| p);
        Interpreter { path, resolves_to }
    });
    LibcReport { libc, version, version_source, loaders, interpreter, libc_files }
}

/// The version of `package` in an apk `installed` database (`P:`/`V:` lines) or a dpkg status
/// file (`Package:`/`Version:` stanzas).
pub fn package_version(db: &str, package: &str) -> Option<String> {
    for stanza in db.split("\n\n") {
        let mut name = None;
        let mut version = None;
        for line in stanza.lines() {
            if let Some(v) = line.strip_prefix("P:").or_else(|| line.strip_prefix("Package:")) {
                name = Some(v.trim());
            } else if let Some(v) = line.strip_prefix("V:").or_else(|| line.strip_prefix("Version:")) {
                version = Some(v.trim());
            }
        }
        if name == Some(package) {
            return version.map(str::to_string);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Limits;
    use crate::layer::{write_tar, BuildOptions, Entry};

    fn tree(entries: Vec<Entry>) -> Tree {
        let mut tar = Vec::new();
        write_tar(entries, &BuildOptions { mtime: 0, level: 6, threads: 1 }, &mut tar).unwrap();
        let mut t = Tree::new();
        t.apply_layer(&tar[..], 0, &Limits::default()).unwrap();
        t
    }

    #[test]
    fn alpine_is_musl() {
        let t = tree(vec![
            Entry::file("lib/ld-musl-x86_64.so.1", 0o755, "elf"),
            Entry::symlink("lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1"),
        ]);
        let db = "C:Q1\nP:busybox\nV:1.36.1-r29\n\nC:Q2\nP:musl\nV:1.2.5-r0\nA:x86_64\n";
        let r = detect(&t, Some(("lib/apk/db/installed", db)));
        assert_eq!(r.libc, Libc::Musl);
        assert_eq!(r.version.as_deref(), Some("1.2.5-r0"));
        assert_eq!(r.libc_files, ["lib/libc.musl-x86_64.so.1"]);
        assert_eq!(r.interpreter.unwrap().resolves_to.as_deref(), Some("lib/ld-musl-x86_64.so.1"));
    }

    #[test]
    fn merged_usr_debian_is_glibc_through_symlinks() {
        let t = tree(vec![
            Entry::symlink("lib", "usr/lib"),
            Entry::symlink("lib64", "usr/lib64"),
            Entry::dir("usr/lib/x86_64-linux-gnu", 0o755),
            Entry::file("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 0o755, "elf"),
            Entry::file("usr/lib/x86_64-linux-gnu/libc.so.6", 0o755, "elf"),
            Entry::symlink("usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        ]);
        let db = "Package: base-files\nVersion: 12.4\n\nPackage: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u7\n";
        let r = detect(&t, Some(("var/lib/dpkg/status", db)));
        assert_eq!(r.libc, Libc::Glibc);
        assert_eq!(r.version.as_deref(), Some("2.36-9+deb12u7"));
        let i = r.interpreter.unwrap();
        assert_eq!(i.path, "lib64/ld-linux-x86-64.so.2");
        assert_eq!(i.resolves_to.as_deref(), Some("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
        assert_eq!(r.loaders.len(), 2);
    }

    #[test]
    fn old_glibc_names_its_version_and_scratch_has_none() {
        let t = tree(vec![
            Entry::file("lib/x86_64-linux-gnu/libc-2.31.so", 0o755, "elf"),
            Entry::file("lib/x86_64-linux-gnu/ld-2.31.so", 0o755, "elf"),
            Entry::symlink("lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "ld-2.31.so"),
        ]);
        let r = detect(&t, None);
        assert_eq!((r.libc, r.version.as_deref()), (Libc::Glibc, Some("2.31")));
        let scratch = detect(&tree(vec![Entry::file("app", 0o755, "static elf")]), None);
        assert_eq!(scratch.libc, Libc::None);
        assert!(scratch.loaders.is_empty() && scratch.interpreter.is_none());
        // A dangling loader link loads nothing.
        let dangling = detect(&tree(vec![Entry::symlink("lib/ld-musl-x86_64.so.1", "gone")]), None);
        assert_eq!(dangling.libc, Libc::None);
        assert_eq!(dangling.loaders.len(), 1);
    }
}

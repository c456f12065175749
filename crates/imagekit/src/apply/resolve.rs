//! Resolving a layer path's parent directories through symlinks, without leaving the root.
//!
//! When a tar entry `a/b/c` is extracted and `a` is a symlink, the kernel would follow it — to
//! wherever it points on the *host*. That is how a hostile image writes outside its root. So the
//! merged view (in memory or on disk) resolves every parent component itself: a symlink's target
//! is read, an absolute target restarts at the image root (the container's `/`), and a `..` that
//! would climb above the root is refused, naming the symlink. The last component is never
//! followed: an entry replaces whatever is at its own name, symlink or not.
//!
//! The same algorithm serves the in-memory [`Tree`](super::Tree) and the on-disk unpacker, which
//! differ only in how they look a path up.

use std::collections::VecDeque;

use crate::error::{Error, Result};
use crate::layer::split_parent;

/// What a lookup found at a path (never following a symlink at that path).
pub(crate) enum Found {
    Missing,
    Dir,
    Symlink(String),
    /// A file or hardlink: a non-directory that the writer may replace by a directory.
    Other,
}

/// The merged view as seen by the resolver. Paths are relative; `""` is the root.
pub(crate) trait Lookup {
    fn lookup(&self, path: &str) -> Result<Found>;
}

/// Linux gives up after 40 symlinks in one resolution (ELOOP); so do we.
const MAX_HOPS: usize = 40;

/// Resolve `path`'s parent directories inside the root; returns the symlink-free path of the
/// parent joined with the unchanged last component. `entry` and `layer` name the culprit in errors.
pub(crate) fn resolve(view: &impl Lookup, path: &str, layer: &str, entry: &str) -> Result<String> {
    let (parent, name) = split_parent(path);
    let parent = resolve_dir(view, parent, layer, entry)?;
    Ok(crate::layer::join(&parent, name))
}

/// Resolve every component of `dir`, following symlinks; missing components stay as named.
pub(crate) fn resolve_dir(view: &impl Lookup, dir: &str, layer: &str, entry: &str) -> Result<String> {
    // Each pending component remembers the symlink it came from, to name it in an escape.
    let mut todo: VecDeque<(String, Option<String>)> =
        dir.split('/').filter(|c| !c.is_empty()).map(|c| (c.to_string(), None)).collect();
    // The resolved prefix, and where each of its components starts: kept incrementally, so a
    // deep path costs time linear in its length rather than quadratic.
    let mut done = String::new();
    let mut starts: Vec<usize> = Vec::new();
    let mut hops = 0;
    while let Some((component, via)) = todo.pop_front() {
        // `..` and `.` only ever come from symlink targets: layer paths are normalized.
        match component.as_str() {
            "." => continue,
            ".." => {
                let Some(start) = starts.pop() else {
                    let through = via.as_deref().unwrap_or("?");
                    let why = format!("entry {entry:?} escapes the root through symlink {through:?}");
                    return Err(Error::HostileLayer { layer: layer.to_string(), reason: why });
                };
                done.truncate(start.saturating_sub(1));
                continue;
            }
            _ => {}
        }
        let start = if done.is_empty() { 0 } else { done.len() + 1 };
        if !done.is_empty() {
            done.push('/');
        }
        done.push_str(&component);
        match view.lookup(&done)? {
            Found::Symlink(target) => {
                hops += 1;
                if hops > MAX_HOPS {
                    let why =
                        format!("entry {entry:?}: more than {MAX_HOPS} symlinks to resolve (a loop?) at {done:?}");
                    return Err(Error::HostileLayer { layer: layer.to_string(), reason: why });
                }
                let via = Some(done.clone());
                // The symlink itself is replaced by its target's components.
                done.truncate(start.saturating_sub(1));
                if target.starts_with('/') {
                    // Absolute targets mean the image's `/`, never the host's.
                    done.clear();
                    starts.clear();
                }
                for part in target.split('/').rev().filter(|c| !c.is_empty()) {
                    todo.push_front((part.to_string(), via.clone()));
                }
            }
            Found::Missing | Found::Dir | Found::Other => starts.push(start),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, &'static str>);

    impl Lookup for Map {
        fn lookup(&self, path: &str) -> Result<Found> {
            Ok(match self.0.get(path) {
                None => Found::Missing,
                Some(&"/") => Found::Dir,
                Some(&"file") => Found::Other,
                Some(target) => Found::Symlink(target.trim_start_matches('@').to_string()),
            })
        }
    }

    fn view() -> Map {
        // "/" marks a directory, "file" a file, "@target" a symlink.
        Map(HashMap::from([
            ("usr", "/"),
            ("usr/lib", "/"),
            ("lib", "@usr/lib"),
            ("abs", "@/usr/lib"),
            ("up", "@../../etc"),
            ("usr/lib64", "@../lib"),
            ("loop", "@loop"),
            ("f", "file"),
        ]))
    }

    fn ok(path: &str) -> String {
        resolve(&view(), path, "L", path).unwrap()
    }

    #[test]
    fn follows_relative_and_absolute_links_inside_the_root() {
        assert_eq!(ok("lib/x.so"), "usr/lib/x.so");
        assert_eq!(ok("abs/x.so"), "usr/lib/x.so");
        // usr/lib64 → ../lib → lib, itself a link to usr/lib.
        assert_eq!(ok("usr/lib64/x"), "usr/lib/x");
        assert_eq!(ok("new/dir/x"), "new/dir/x");
        assert_eq!(ok("f/x"), "f/x");
        // The last component is never followed.
        assert_eq!(ok("lib"), "lib");
    }

    #[test]
    fn refuses_escapes_naming_the_symlink() {
        let msg = resolve(&view(), "up/passwd", "L", "up/passwd").unwrap_err().to_string();
        assert_eq!(msg, "refusing layer L: entry \"up/passwd\" escapes the root through symlink \"up\"");
        let msg = resolve(&view(), "loop/x", "L", "loop/x").unwrap_err().to_string();
        assert!(msg.contains("more than 40 symlinks"), "{msg}");
    }
}

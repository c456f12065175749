//! Whiteout names: how a layer says "delete this from the layers below".
//!
//! A tar stream can only add files, so the OCI image spec (layer.md, "Whiteouts") encodes
//! deletions as empty marker entries:
//!
//! - `a/b/.wh.c` deletes `a/b/c` (a file, or a directory with everything below it);
//! - `a/b/.wh..wh..opq` makes `a/b` *opaque*: every child that lower layers put there is hidden,
//!   while what the same layer adds inside `a/b` stays.
//!
//! Whiteouts only ever act on lower layers, and never appear in the merged view themselves.
//! Other names starting with `.wh..wh.` are reserved (aufs kept bookkeeping there); readers skip
//! them.
//!
//! Paths here are layer paths: relative, `/`-separated, no leading `/` or `./`.

/// The prefix that turns a file name into a deletion marker.
pub const PREFIX: &str = ".wh.";
/// The name that marks its directory opaque.
pub const OPAQUE: &str = ".wh..wh..opq";
/// Names with this prefix are reserved for whiteout bookkeeping (`OPAQUE` is one of them).
pub const META_PREFIX: &str = ".wh..wh.";

/// What a path means to the union filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whiteout {
    /// An ordinary entry.
    None,
    /// A marker deleting this path (relative to the layer root) from lower layers.
    Delete(String),
    /// A marker hiding all lower-layer children of this directory (`""` is the root).
    Opaque(String),
    /// A reserved `.wh..wh.*` name other than the opaque marker: not content, not a deletion.
    Reserved,
}

/// `a/b/c` → `a/b/.wh.c`.
pub fn whiteout_path(path: &str) -> String {
    let path = path.trim_end_matches('/');
    match path.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/{PREFIX}{name}"),
        None => format!("{PREFIX}{path}"),
    }
}

/// `a/b` → `a/b/.wh..wh..opq`; `""` (the root) → `.wh..wh..opq`.
pub fn opaque_path(dir: &str) -> String {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        OPAQUE.to_string()
    } else {
        format!("{dir}/{OPAQUE}")
    }
}

/// Is `path` a whiteout marker, and if so, what does it act on?
///
/// `a/.wh.` (an empty name) would otherwise read as "delete `a/`", the marker's own parent: it is
/// reported as `Reserved` so no caller acts on it by accident.
pub fn classify(path: &str) -> Whiteout {
    let path = path.trim_end_matches('/');
    let (dir, name) = match path.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", path),
    };
    if name == OPAQUE {
        return Whiteout::Opaque(dir.to_string());
    }
    if name.starts_with(META_PREFIX) {
        return Whiteout::Reserved;
    }
    match name.strip_prefix(PREFIX) {
        None => Whiteout::None,
        Some("") => Whiteout::Reserved,
        Some(target) if dir.is_empty() => Whiteout::Delete(target.to_string()),
        Some(target) => Whiteout::Delete(format!("{dir}/{target}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_whiteout_beside_its_target() {
        assert_eq!(whiteout_path("a/b/c"), "a/b/.wh.c");
        assert_eq!(whiteout_path("c"), ".wh.c");
        assert_eq!(whiteout_path("a/dir/"), "a/.wh.dir");
    }

    #[test]
    fn names_the_opaque_marker_inside_its_directory() {
        assert_eq!(opaque_path("a/b"), "a/b/.wh..wh..opq");
        assert_eq!(opaque_path("a/b/"), "a/b/.wh..wh..opq");
        assert_eq!(opaque_path(""), ".wh..wh..opq");
    }

    #[test]
    fn classifies_markers_and_ordinary_names() {
        assert_eq!(classify("a/b/.wh.c"), Whiteout::Delete("a/b/c".into()));
        assert_eq!(classify(".wh.c"), Whiteout::Delete("c".into()));
        assert_eq!(classify("a/.wh..wh..opq"), Whiteout::Opaque("a".into()));
        assert_eq!(classify(".wh..wh..opq"), Whiteout::Opaque(String::new()));
        assert_eq!(classify("a/.wh..wh.plnk"), Whiteout::Reserved);
        assert_eq!(classify("a/.wh."), Whiteout::Reserved);
        assert_eq!(classify("a/b.wh.c"), Whiteout::None);
        assert_eq!(classify("a/.whc"), Whiteout::None);
        assert_eq!(classify("a/b/c"), Whiteout::None);
    }

    #[test]
    fn round_trips() {
        for p in ["x", "a/b", "deep/er/path.txt"] {
            assert_eq!(classify(&whiteout_path(p)), Whiteout::Delete(p.into()));
            assert_eq!(classify(&opaque_path(p)), Whiteout::Opaque(p.into()));
        }
    }
}

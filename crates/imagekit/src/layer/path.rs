//! Layer path hygiene, shared by the writer and the reader.
//!
//! Tarballs in the wild spell the same path several ways (`./etc/passwd`, `etc//passwd`,
//! `etc/passwd/` for a directory). One canonical form — relative, `/`-separated, no `.` or empty
//! components, no trailing `/` — lets us sort, compare and detect duplicates reliably.

/// The canonical form of `raw`, or why it cannot be one: the reason reads after the entry name
/// ("entry \"/etc/passwd\" has an absolute path"). The root itself normalizes to `""`.
pub(crate) fn normalize(raw: &str) -> Result<String, &'static str> {
    if raw.starts_with('/') {
        return Err("has an absolute path");
    }
    if raw.contains('\0') {
        return Err("has a NUL byte in its path");
    }
    let mut out = String::with_capacity(raw.len());
    for component in raw.split('/') {
        match component {
            "" | "." => continue,
            ".." => return Err("has a `..` component"),
            name => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(name);
            }
        }
    }
    Ok(out)
}

/// `a/b/c` → (`a/b`, `c`); `c` → (``, `c`).
pub(crate) fn split_parent(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// `a` + `b` → `a/b`; the root (`""`) + `b` → `b`.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_the_spellings_real_layers_use() {
        assert_eq!(normalize("./etc/passwd").unwrap(), "etc/passwd");
        assert_eq!(normalize("etc//passwd").unwrap(), "etc/passwd");
        assert_eq!(normalize("usr/lib/").unwrap(), "usr/lib");
        assert_eq!(normalize("././a/./b").unwrap(), "a/b");
        assert_eq!(normalize("./").unwrap(), "");
        assert_eq!(normalize(".").unwrap(), "");
    }

    #[test]
    fn refuses_paths_that_leave_the_root() {
        assert_eq!(normalize("/etc/passwd"), Err("has an absolute path"));
        assert_eq!(normalize("../x"), Err("has a `..` component"));
        assert_eq!(normalize("a/../../x"), Err("has a `..` component"));
        assert_eq!(normalize("a/.."), Err("has a `..` component"));
        // Names that merely contain dots are ordinary.
        assert_eq!(normalize("a/..b/...").unwrap(), "a/..b/...");
    }

    #[test]
    fn splits_and_joins() {
        assert_eq!(split_parent("a/b/c"), ("a/b", "c"));
        assert_eq!(split_parent("c"), ("", "c"));
        assert_eq!(join("", "b"), "b");
        assert_eq!(join("a", "b"), "a/b");
    }
}

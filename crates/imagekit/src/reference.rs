//! Image references, per the grammar of distribution/reference and Docker's normalization.
//!
//! ```text
//! reference   := name [ ":" tag ] [ "@" digest ]
//! name        := [domain "/"] path
//! domain      := host [":" port]          host: DNS labels, IPv4, or [IPv6]
//! path        := component ("/" component)*
//! component   := [a-z0-9]+ (separator [a-z0-9]+)*      separator: "_" | "__" | "." | "-"+
//! tag         := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! ```
//! Normalization (what `docker pull nginx` does): the first component is a registry only if it
//! contains `.` or `:` or is `localhost`; otherwise the registry is `docker.io`. On Docker Hub a
//! one-component path gets `library/` (the official images). No tag and no digest means
//! `:latest` — a default name, not "the newest".

use std::fmt;

use crate::digest::Digest;
use crate::error::{Error, Result};

pub const DEFAULT_REGISTRY: &str = "docker.io";
pub const DEFAULT_TAG: &str = "latest";
const MAX_NAME_LEN: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Reference {
    pub registry: String,
    pub repository: String,
    /// The tag as written, or `latest` when neither tag nor digest was given.
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

impl Reference {
    /// Parse and normalize. Errors say which part is wrong and why.
    pub fn parse(input: &str) -> Result<Reference> {
        let bad = |reason: String| Error::InvalidReference { input: input.to_string(), reason };
        if input.is_empty() {
            return Err(bad("empty reference".into()));
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("contains whitespace".into()));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((rest, d)) => (rest, Some(Digest::parse(d).map_err(|e| bad(format!("bad digest: {e}")))?)),
            None => (input, None),
        };
        // A ':' after the last '/' starts the tag; one before it belongs to a host:port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].find(':') {
            Some(i) => {
                let (name, tag) = rest.split_at(last_slash + i);
                (name, Some(&tag[1..]))
            }
            None => (rest, None),
        };
        if let Some(tag) = tag {
            check_tag(tag).map_err(bad)?;
        }
        if name.len() > MAX_NAME_LEN {
            return Err(bad(format!("name is {} characters, the limit is {MAX_NAME_LEN}", name.len())));
        }
        let (registry, path) = split_registry(name);
        if let Some(registry) = registry {
            check_domain(registry).map_err(bad)?;
        }
        if path.is_empty() {
            return Err(bad("repository path is empty".into()));
        }
        for component in path.split('/') {
            check_component(component).map_err(bad)?;
        }
        let registry = match registry {
            None | Some("index.docker.io") | Some("registry-1.docker.io") => DEFAULT_REGISTRY,
            Some(r) => r,
        };
        let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_string()
        };
        // The limit applies to the normalized name, as distribution's ParseNormalizedNamed
        // applies it: otherwise `a…` (254 characters) parses but `docker.io/library/a…`, its
        // own printed form, does not.
        let full = registry.len() + 1 + repository.len();
        if full > MAX_NAME_LEN {
            return Err(bad(format!(
                "name is {full} characters as {registry}/{}…, the limit is {MAX_NAME_LEN}",
                &repository[..repository.len().min(20)]
            )));
        }
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some(DEFAULT_TAG.to_string()),
            (None, Some(_)) => None,
        };
        Ok(Reference { registry: registry.to_string(), repository, tag, digest })
    }

    /// `docker.io/library/nginx` — the name without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The shortest form Docker prints: `nginx:1.27-alpine`, `bitnami/redis:7`, `ghcr.io/a/b:1`.
    pub fn familiar(&self) -> String {
        let name = if self.registry == DEFAULT_REGISTRY {
            self.repository.strip_prefix("library/").unwrap_or(&self.repository).to_string()
        } else {
            self.name()
        };
        let mut out = name;
        if let Some(t) = &self.tag {
            out.push(':');
            out.push_str(t);
        }
        if let Some(d) = &self.digest {
            out.push('@');
            out.push_str(&d.to_string());
        }
        out
    }

    /// What a registry is asked for: the digest when there is one (it wins over the tag), else the tag.
    pub fn registry_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => DEFAULT_TAG.to_string(),
        }
    }

    /// The same name pinned to `digest`, keeping the tag for readers.
    pub fn pinned(&self, digest: Digest) -> Reference {
        Reference { digest: Some(digest), ..self.clone() }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Reference {
    type Err = Error;
    fn from_str(s: &str) -> Result<Reference> {
        Reference::parse(s)
    }
}

/// Docker's rule: the part before the first '/' is a registry host only if it looks like one.
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_tag(tag: &str) -> std::result::Result<(), String> {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-';
    match tag.chars().next() {
        None => Err("tag is empty after ':'".into()),
        Some(first) if !(first.is_ascii_alphanumeric() || first == '_') => {
            Err(format!("tag {tag:?} must start with a letter, digit or '_'"))
        }
        _ if tag.len() > 128 => Err(format!("tag is {} characters, the limit is 128", tag.len())),
        _ => match tag.chars().find(|c| !valid_char(*c)) {
            Some(c) => Err(format!("tag {tag:?} contains {c:?} (allowed: letters, digits, '_', '.', '-')")),
            None => Ok(()),
        },
    }
}

fn check_component(component: &str) -> std::result::Result<(), String> {
    if component.is_empty() {
        return Err("repository path has an empty component (\"//\" or a leading or trailing '/')".into());
    }
    if component.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!("repository name component {component:?} must be lowercase"));
    }
    if let Some(c) = component.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(*c))) {
        return Err(format!("repository name component {component:?} contains {c:?}"));
    }
    // Separators sit between alphanumerics: "_", "__", ".", or any run of "-".
    let bytes = component.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return Err(format!("repository name component {component:?} must start and end with a letter or digit"));
    }
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let sep = &component[start..i];
        if !(sep == "_" || sep == "__" || sep == "." || sep.chars().all(|c| c == '-')) {
            return Err(format!(
                "repository name component {component:?} has the separator {sep:?} (allowed: _ __ . -)"
            ));
        }
    }
    Ok(())
}

fn check_domain(domain: &str) -> std::result::Result<(), String> {
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        let (v6, after) = rest.split_once(']').ok_or_else(|| format!("registry {domain:?}: unclosed '['"))?;
        if v6.is_empty() || !v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return Err(format!("registry {domain:?}: bad IPv6 address"));
        }
        (None, after.strip_prefix(':'))
    } else {
        match domain.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(domain), None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("registry {domain:?}: port {port:?} is not a number"));
        }
    }
    if let Some(host) = host {
        for label in host.split('.') {
            let ok = !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(format!("registry host {host:?} has an invalid label {label:?}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn normalizes_like_docker() {
        let cases = [
            ("nginx", "docker.io/library/nginx:latest"),
            ("nginx:1.27-alpine", "docker.io/library/nginx:1.27-alpine"),
            ("library/nginx", "docker.io/library/nginx:latest"),
            ("docker.io/nginx", "docker.io/library/nginx:latest"),
            ("index.docker.io/library/nginx:1", "docker.io/library/nginx:1"),
            ("bitnami/redis", "docker.io/bitnami/redis:latest"),
            ("localhost/x", "localhost/x:latest"),
            ("localhost:5000/x", "localhost:5000/x:latest"),
            ("127.0.0.1:5000/team/app:v2", "127.0.0.1:5000/team/app:v2"),
            ("ghcr.io/a/b:tag", "ghcr.io/a/b:tag"),
            ("[::1]:5000/x:1", "[::1]:5000/x:1"),
            ("my-registry.example.com/a__b/c.d-e:1.0_rc", "my-registry.example.com/a__b/c.d-e:1.0_rc"),
        ];
        for (input, want) in cases {
            assert_eq!(Reference::parse(input).unwrap().to_string(), want, "{input}");
        }
    }

    #[test]
    fn digests_keep_the_tag_and_drop_the_default() {
        let r = Reference::parse(&format!("ghcr.io/a/b:tag@{D}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("tag"));
        assert_eq!(r.registry_reference(), D);
        let r = Reference::parse(&format!("nginx@{D}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.to_string(), format!("docker.io/library/nginx@{D}"));
        assert_eq!(r.familiar(), format!("nginx@{D}"));
    }

    #[test]
    fn errors_name_the_problem() {
        let long_tag = format!("nginx:{}", "a".repeat(129));
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "empty reference"),
            ("nginx:".into(), "tag is empty"),
            ("nginx:-x".into(), "must start with a letter"),
            (long_tag, "limit is 128"),
            ("library/Nginx".into(), "must be lowercase"),
            ("nginx@sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855".into(), "uppercase"),
            ("nginx@sha256:abc".into(), "needs 64 hex characters"),
            ("nginx@md5:d41d8cd98f00b204e9800998ecf8427e".into(), "unsupported algorithm"),
            ("docker.io/".into(), "repository path is empty"),
            // Found by the `reference` fuzz target: short enough as written, too long normalized.
            (format!("{}/b", "a".repeat(250)), "262 characters as docker.io/aaaa"),
            ("a".repeat(250), "268 characters as docker.io/library/aaaa"),
            ("a//b".into(), "empty component"),
            ("a/b/".into(), "empty component"),
            ("ngi nx".into(), "whitespace"),
            ("-nginx".into(), "must start and end"),
            ("a...b".into(), "separator"),
            ("localhost:port/x".into(), "not a number"),
            ("exa_mple.com/x".into(), "invalid label"),
        ];
        for (input, needle) in cases {
            let msg = Reference::parse(&input).unwrap_err().to_string();
            assert!(msg.contains(needle), "{input:?}: {msg}");
            assert!(msg.starts_with("invalid reference"), "{msg}");
        }
    }

    #[test]
    fn an_uppercase_first_component_is_a_host_as_in_docker() {
        // Docker treats "Foo/bar" as registry "Foo"; hosts are case-insensitive.
        let r = Reference::parse("Foo/bar").unwrap();
        assert_eq!(r.registry, "Foo");
        assert_eq!(r.repository, "bar");
    }
}

//! Bearer-token auth as Docker Hub does it (the distribution "token" spec):
//!
//! 1. the registry answers `401` with `WWW-Authenticate: Bearer realm="…",service="…",scope="…"`;
//! 2. the client asks the realm for a token: `GET realm?service=…&scope=…` → `{"token": "…"}`;
//! 3. and repeats the request with `Authorization: Bearer <token>`.
//!
//! Anonymous tokens are enough to pull public images. Credentials (`docker login`) are not
//! supported: a registry that demands them gets an error that says so.

use std::collections::BTreeMap;

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme in lowercase: `bearer` or `basic`.
    pub scheme: String,
    /// Parameters with lowercase names: `realm`, `service`, `scope`, `error`, …
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// Parse `Scheme k="v", k2=v2`. Quoted values may hold commas and `\"` escapes.
    /// Returns None when there is no scheme.
    pub fn parse(header: &str) -> Option<Challenge> {
        let header = header.trim();
        let (scheme, rest) = match header.find(char::is_whitespace) {
            Some(i) => (&header[..i], &header[i..]),
            None => (header, ""),
        };
        if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return None;
        }
        let mut params = BTreeMap::new();
        let mut chars = rest.chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
                chars.next();
            }
            let mut key = String::new();
            while let Some(&c) = chars.peek() {
                if c == '=' || c == ',' || c.is_whitespace() {
                    break;
                }
                key.push(c);
                chars.next();
            }
            if key.is_empty() {
                break;
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek() != Some(&'=') {
                // A bare token (token68 form): keep it under its own name with no value.
                params.insert(key.to_ascii_lowercase(), String::new());
                continue;
            }
            chars.next();
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let mut value = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next()),
                        '"' => break,
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c.is_whitespace() {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
            }
            params.insert(key.to_ascii_lowercase(), value);
        }
        Some(Challenge { scheme: scheme.to_ascii_lowercase(), params })
    }

    pub fn is_bearer(&self) -> bool {
        self.scheme == "bearer"
    }

    pub fn realm(&self) -> Option<&str> {
        self.params.get("realm").map(String::as_str).filter(|r| !r.is_empty())
    }

    /// The URL to ask for a token: `realm?service=…&scope=…` (the challenge's scope, else `fallback_scope`).
    pub fn token_url(&self, fallback_scope: &str) -> Option<String> {
        let realm = self.realm()?;
        let mut query = Vec::new();
        if let Some(service) = self.params.get("service") {
            query.push(format!("service={}", encode_query(service)));
        }
        let scope = self.params.get("scope").map(String::as_str).unwrap_or(fallback_scope);
        // Several scopes are space-separated; the token endpoint wants one `scope=` each.
        for s in scope.split(' ').filter(|s| !s.is_empty()) {
            query.push(format!("scope={}", encode_query(s)));
        }
        let sep = if realm.contains('?') { '&' } else { '?' };
        Some(if query.is_empty() { realm.to_string() } else { format!("{realm}{sep}{}", query.join("&")) })
    }
}

/// The token from a token endpoint's JSON answer (`token`, or OAuth2's `access_token`).
pub fn token_from_json(bytes: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    ["token", "access_token"]
        .iter()
        .find_map(|k| v.get(k).and_then(|t| t.as_str()).filter(|t| !t.is_empty()))
        .map(str::to_string)
}

/// Percent-encode a query value (RFC 3986 unreserved characters pass through).
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_hub_challenge() {
        let c = Challenge::parse(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        )
        .unwrap();
        assert!(c.is_bearer());
        assert_eq!(c.realm(), Some("https://auth.docker.io/token"));
        assert_eq!(c.params["service"], "registry.docker.io");
        assert_eq!(c.params["scope"], "repository:library/nginx:pull");
        assert_eq!(
            c.token_url("ignored").unwrap(),
            "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fnginx%3Apull"
        );
    }

    #[test]
    fn commas_inside_quotes_escapes_spaces_and_case() {
        let c = Challenge::parse(
            "bearer  Realm = \"http://127.0.0.1:1/tok?x=1\" , service=local,scope=\"repository:a/b:pull,push\", error=\"insufficient_scope\", note=\"say \\\"hi\\\"\"",
        )
        .unwrap();
        assert!(c.is_bearer());
        assert_eq!(c.params["realm"], "http://127.0.0.1:1/tok?x=1");
        assert_eq!(c.params["service"], "local");
        assert_eq!(c.params["scope"], "repository:a/b:pull,push");
        assert_eq!(c.params["error"], "insufficient_scope");
        assert_eq!(c.params["note"], "say \"hi\"");
        assert_eq!(
            c.token_url("").unwrap(),
            "http://127.0.0.1:1/tok?x=1&service=local&scope=repository%3Aa%2Fb%3Apull%2Cpush"
        );
    }

    #[test]
    fn no_scope_uses_the_fallback_and_several_scopes_split() {
        let c = Challenge::parse(r#"Bearer realm="https://auth.example/token",service="reg""#).unwrap();
        assert_eq!(
            c.token_url("repository:x:pull").unwrap(),
            "https://auth.example/token?service=reg&scope=repository%3Ax%3Apull"
        );
        let c = Challenge::parse(r#"Bearer realm="https://a/t",scope="repository:x:pull repository:y:pull""#).unwrap();
        assert_eq!(c.token_url("").unwrap(), "https://a/t?scope=repository%3Ax%3Apull&scope=repository%3Ay%3Apull");
    }

    #[test]
    fn basic_and_garbage() {
        let c = Challenge::parse(r#"Basic realm="Registry Realm""#).unwrap();
        assert_eq!(c.scheme, "basic");
        assert!(!c.is_bearer());
        assert!(Challenge::parse("").is_none());
        assert!(Challenge::parse("\"quoted\" x=1").is_none());
        assert_eq!(Challenge::parse("Bearer").unwrap().realm(), None);
        assert_eq!(Challenge::parse("Bearer realm=").unwrap().realm(), None);
        // An unterminated quote takes the rest of the header, without panicking.
        assert_eq!(Challenge::parse("Bearer realm=\"https://x").unwrap().realm(), Some("https://x"));
    }

    #[test]
    fn tokens_from_json() {
        assert_eq!(token_from_json(br#"{"token":"abc","expires_in":300}"#).as_deref(), Some("abc"));
        assert_eq!(token_from_json(br#"{"access_token":"xyz"}"#).as_deref(), Some("xyz"));
        assert_eq!(token_from_json(br#"{"token":""}"#), None);
        assert_eq!(token_from_json(b"not json"), None);
    }
}

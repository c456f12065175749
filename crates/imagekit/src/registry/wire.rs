//! What crosses the wire besides bytes: which registries get plain HTTP, what a manifest's
//! media type is when the registry does not say, and one-line errors from HTTP answers.

use std::io::Read;

use ureq::http;

use super::Error;
use crate::json::{self, Value};
use crate::media;

/// Does Docker allow plain HTTP to this registry by default? localhost, 127.0.0.0/8 and ::1.
pub fn is_loopback(registry: &str) -> bool {
    let host =
        if let Some(rest) = registry.strip_prefix('[') {
            rest.split(']').next().unwrap_or("")
        } else {
            registry.rsplit_once(':').map_or(registry, |(h, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    registry
                }
            })
        };
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// The media type of a fetched manifest: the `mediaType` inside it when it has one (that is
/// what its digest covers), else the Content-Type, else a guess from its shape.
/// The media type of a manifest the registry sent: the document's own `mediaType`, else the
/// `Content-Type` when it names a manifest kind, else an index if it has `manifests`, else a manifest.
pub fn manifest_media_type(content_type: Option<&str>, bytes: &[u8]) -> String {
    // Read by imagekit's JSON reader like every document; one that does not read is refused
    // later, when it is parsed as what this names it.
    let peek = match json::parse(bytes) {
        Ok(Value::Object(members)) => Some(members),
        _ => None,
    };
    let field = |name: &str| peek.as_ref().and_then(|m| m.get(name)).filter(|v| **v != Value::Null);
    if let Some(mt) = field("mediaType").and_then(Value::as_str) {
        return mt.to_string();
    }
    let content_type = content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_string());
    match content_type {
        Some(ct) if media::kind(&ct) != media::Kind::Other => ct,
        _ if field("manifests").is_some() => media::OCI_INDEX.to_string(),
        _ => media::OCI_MANIFEST.to_string(),
    }
}

pub(super) fn header(response: &http::Response<ureq::Body>, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

pub(super) fn transport(method: &str, url: &str, cause: impl std::fmt::Display) -> Error {
    Error::Transport { method: method.to_string(), url: url.to_string(), cause: cause.to_string() }
}

/// Turn an error status into an error naming the registry's own code and message:
/// `GET …: HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)`.
pub(super) fn status_error(method: &str, url: &str, response: http::Response<ureq::Body>) -> Error {
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    let _ = response.into_body().into_reader().take(64 << 10).read_to_end(&mut bytes);
    let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| {
            let first = v.get("errors")?.get(0)?.clone();
            let code = first.get("code").and_then(|c| c.as_str()).unwrap_or("").to_string();
            let message = first.get("message").and_then(|c| c.as_str()).unwrap_or("").to_string();
            Some(format!(" ({code}: {message})"))
        })
        .unwrap_or_default();
    Error::Status { method: method.to_string(), url: url.to_string(), status, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's own mediaType, else a manifest Content-Type, else its shape.
    #[test]
    fn a_manifests_media_type_comes_from_itself_then_the_header_then_its_shape() {
        let own = br#"{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        assert_eq!(manifest_media_type(Some(media::DOCKER_MANIFEST), own), media::OCI_INDEX);
        let bare_index = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert_eq!(manifest_media_type(Some(media::DOCKER_MANIFEST), bare_index), media::DOCKER_MANIFEST);
        assert_eq!(manifest_media_type(Some("text/plain; charset=utf-8"), bare_index), media::OCI_INDEX);
        assert_eq!(manifest_media_type(None, br#"{"schemaVersion":2,"manifests":null}"#), media::OCI_MANIFEST);
        assert_eq!(manifest_media_type(None, b"not json"), media::OCI_MANIFEST);
    }
}

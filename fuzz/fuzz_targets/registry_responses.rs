//! What a registry sends back, short of the bytes of blobs: `WWW-Authenticate` challenges, token
//! responses, and manifests with whatever `Content-Type` the registry claims. Nothing panics;
//! a challenge that parses yields a token URL only for the realm it names; a token is never
//! invented from bytes that hold none; media types are always one of the four a client accepts
//! or the one the registry or the document claims.
#![no_main]

use imagekit::registry::auth::{token_from_json, Challenge};
use imagekit::registry::{manifest_media_type, MANIFEST_ACCEPT};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(data.first().copied().unwrap_or(0) as usize));
    if let Ok(header) = std::str::from_utf8(head) {
        if let Some(challenge) = Challenge::parse(header) {
            if let (Some(realm), Some(url)) = (challenge.realm(), challenge.token_url("repository:x:pull")) {
                assert!(url.starts_with(realm), "token URL {url:?} does not start with the realm {realm:?}");
            }
        }
    }
    if let Some(token) = token_from_json(body) {
        assert!(!token.is_empty(), "an empty token is no token");
        let text = String::from_utf8_lossy(body);
        assert!(text.contains(&token), "token {token:?} is not in the response");
    }
    // Without a mediaType of its own, a manifest's type is the Content-Type when that names a
    // manifest kind, else one of the OCI types the client asked for.
    let claimed = std::str::from_utf8(head).ok();
    let media_type = manifest_media_type(claimed, body);
    let own = serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| v.get("mediaType").cloned());
    if own.is_none() {
        let from_header = claimed.is_some_and(|c| c.contains(media_type.as_str()));
        assert!(from_header || MANIFEST_ACCEPT.contains(media_type.as_str()), "{media_type:?}");
    }
});

//! Descriptors: the pointer type of the image spec. A descriptor names content by media type,
//! digest and size; every edge in the graph index → manifest → config/layers is one.

use std::collections::BTreeMap;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::json::{serialize_through_to_json, Fields, FromJson, JsonError, Members, Object, ToJson, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    pub urls: Option<Vec<String>>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub platform: Option<Platform>,
    pub artifact_type: Option<String>,
    /// Fields this crate does not know survive a round trip (the spec requires tolerating them).
    pub extra: Object,
}

impl Descriptor {
    /// Describe `bytes` under `media_type`.
    pub fn for_bytes(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor::new(media_type, Digest::of_bytes(bytes), bytes.len() as u64)
    }

    pub fn new(media_type: &str, digest: Digest, size: u64) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest,
            size,
            urls: None,
            annotations: None,
            platform: None,
            artifact_type: None,
            extra: Object::new(),
        }
    }

    /// Check content against this descriptor: size first (cheap, and what a registry checks
    /// before hashing), then digest. Errors name `what`, expected and actual.
    pub fn verify(&self, what: &str, bytes: &[u8]) -> Result<()> {
        if bytes.len() as u64 != self.size {
            return Err(Error::SizeMismatch {
                what: what.to_string(),
                expected: self.size,
                actual: bytes.len() as u64,
            });
        }
        self.digest.verify(what, bytes)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }
}

impl FromJson for Descriptor {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        Ok(Descriptor {
            media_type: f.required("mediaType")?,
            digest: f.required("digest")?,
            size: f.required("size")?,
            urls: f.optional("urls")?,
            annotations: f.optional("annotations")?,
            platform: f.optional("platform")?,
            artifact_type: f.optional("artifactType")?,
            extra: f.rest()?,
        })
    }
}

impl ToJson for Descriptor {
    fn to_json(&self) -> Value {
        Members::new()
            .field("mediaType", &self.media_type)
            .field("digest", &self.digest)
            .field("size", &self.size)
            .optional("urls", &self.urls)
            .optional("annotations", &self.annotations)
            .optional("platform", &self.platform)
            .optional("artifactType", &self.artifact_type)
            .extra(&self.extra)
    }
}

impl ToJson for Platform {
    fn to_json(&self) -> Value {
        Members::new()
            .field("architecture", &self.architecture)
            .field("os", &self.os)
            .optional("os.version", &self.os_version)
            .optional("os.features", &self.os_features)
            .optional("variant", &self.variant)
            .extra(&self.extra)
    }
}

serialize_through_to_json!(Descriptor, Platform);

impl FromJson for Platform {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        Ok(Platform {
            architecture: f.required("architecture")?,
            os: f.required("os")?,
            os_version: f.optional("os.version")?,
            os_features: f.optional("os.features")?,
            variant: f.optional("variant")?,
            extra: f.rest()?,
        })
    }
}

/// The platform an image runs on: `os/architecture[/variant]`, e.g. `linux/arm64/v8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
    pub os_version: Option<String>,
    pub os_features: Option<Vec<String>>,
    pub variant: Option<String>,
    pub extra: Object,
}

impl Platform {
    /// Parse `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Platform> {
        let parts: Vec<&str> = s.split('/').collect();
        let bad = |why: &str| {
            Error::malformed("platform", format!("{s:?}: {why} (expected os/arch[/variant], e.g. linux/amd64)"))
        };
        if !(2..=3).contains(&parts.len()) {
            return Err(bad("wrong number of parts"));
        }
        if parts.iter().any(|p| p.is_empty() || p.chars().any(|c| c.is_whitespace() || c.is_ascii_uppercase())) {
            return Err(bad("empty or invalid part"));
        }
        Ok(Platform {
            os: parts[0].to_string(),
            architecture: parts[1].to_string(),
            variant: parts.get(2).map(|v| v.to_string()),
            os_version: None,
            os_features: None,
            extra: Object::new(),
        })
    }

    /// Does an index entry's platform satisfy this wanted platform? OS and architecture must be
    /// equal; a wanted variant must be equal, an unspecified one matches any variant.
    pub fn satisfies(&self, wanted: &Platform) -> bool {
        self.os == wanted.os
            && self.architecture == wanted.architecture
            && match (&wanted.variant, &self.variant) {
                (None, _) => true,
                (Some(w), Some(v)) => w == v,
                // arm64 images usually say variant v8 or nothing: treat a missing variant as v8.
                (Some(w), None) => self.architecture == "arm64" && w == "v8",
            }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

// Here rather than in `digest`, which must not depend on the error module (see `InvalidDigest`).
impl Digest {
    /// Fail with [`Error::DigestMismatch`] unless this digest names `bytes`.
    pub fn verify(&self, what: &str, bytes: &[u8]) -> Result<()> {
        let actual = self.recompute(bytes);
        if actual == *self {
            Ok(())
        } else {
            Err(Error::DigestMismatch { what: what.to_string(), expected: self.clone(), actual })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_names_expected_and_actual() {
        let d = Digest::of_bytes(b"hello");
        d.verify("blob", b"hello").unwrap();
        let msg = d.verify("blob", b"hellp").unwrap_err().to_string();
        assert!(msg.contains(&d.to_string()) && msg.contains(&Digest::of_bytes(b"hellp").to_string()), "{msg}");
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let json = r#"{"mediaType":"x/y","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0,"data":"","future":{"a":1}}"#;
        let d = Descriptor::from_json(crate::json::parse(json.as_bytes()).unwrap()).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), json);
    }

    #[test]
    fn verify_checks_size_then_digest() {
        let d = Descriptor::for_bytes("x/y", b"abc");
        d.verify("blob", b"abc").unwrap();
        assert!(d.verify("blob", b"abcd").unwrap_err().to_string().contains("expected 3 bytes, got 4"));
        assert!(d.verify("blob", b"abd").unwrap_err().to_string().contains("digest mismatch"));
    }

    #[test]
    fn platform_parse_and_match() {
        let want = Platform::parse("linux/arm/v7").unwrap();
        assert_eq!(want.to_string(), "linux/arm/v7");
        assert!(!Platform::parse("linux/arm/v6").unwrap().satisfies(&want));
        assert!(Platform::parse("linux/arm/v7").unwrap().satisfies(&want));
        assert!(Platform::parse("linux/arm64").unwrap().satisfies(&Platform::parse("linux/arm64/v8").unwrap()));
        assert!(Platform::parse("linux/amd64").unwrap().satisfies(&Platform::parse("linux/amd64").unwrap()));
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux//v7").is_err());
    }
}

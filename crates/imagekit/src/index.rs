//! The image index (OCI) / manifest list (Docker): one entry per platform, plus attestations.

use std::collections::BTreeMap;

use crate::descriptor::{Descriptor, Platform};
use crate::error::{Error, Result};
use crate::json::{serialize_through_to_json, Fields, FromJson, JsonError, Members, Object, ToJson, Value};
use crate::layer::frames::shown_list;
use crate::media;
use crate::raw::Raw;

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub schema_version: u32,
    pub media_type: Option<String>,
    pub artifact_type: Option<String>,
    pub manifests: Vec<Descriptor>,
    pub subject: Option<Descriptor>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub extra: Object,
}

/// Docker's buildx marks attestation manifests (SBOM, provenance) with this annotation and the
/// platform `unknown/unknown`, so that old clients never pick them.
pub const ATTESTATION_ANNOTATION: &str = "vnd.docker.reference.type";

impl FromJson for Index {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        Ok(Index {
            schema_version: f.required("schemaVersion")?,
            media_type: f.optional("mediaType")?,
            artifact_type: f.optional("artifactType")?,
            manifests: f.required("manifests")?,
            subject: f.optional("subject")?,
            annotations: f.optional("annotations")?,
            extra: f.rest()?,
        })
    }
}

impl ToJson for Index {
    fn to_json(&self) -> Value {
        Members::new()
            .field("schemaVersion", &self.schema_version)
            .optional("mediaType", &self.media_type)
            .optional("artifactType", &self.artifact_type)
            .field("manifests", &self.manifests)
            .optional("subject", &self.subject)
            .optional("annotations", &self.annotations)
            .extra(&self.extra)
    }
}

serialize_through_to_json!(Index);

impl Index {
    pub fn new(manifests: Vec<Descriptor>) -> Index {
        Index {
            schema_version: 2,
            media_type: Some(media::OCI_INDEX.to_string()),
            artifact_type: None,
            manifests,
            subject: None,
            annotations: None,
            extra: Object::new(),
        }
    }

    pub fn parse(bytes: Vec<u8>) -> Result<Raw<Index>> {
        let raw: Raw<Index> = Raw::parse("image index", bytes)?;
        if raw.value.schema_version != 2 {
            return Err(Error::malformed(
                "image index",
                format!("schemaVersion is {}, expected 2", raw.value.schema_version),
            ));
        }
        if let Some(mt) = &raw.value.media_type {
            if media::kind(mt) != media::Kind::Index {
                return Err(Error::malformed("image index", format!("mediaType {mt:?} is not an index type")));
            }
        }
        Ok(raw)
    }

    /// Pick the entry for `wanted` the way container runtimes do: the *first* entry whose
    /// platform satisfies it (see [`Platform::satisfies`]). Attestations never match.
    pub fn select(&self, wanted: &Platform) -> Result<&Descriptor> {
        self.manifests
            .iter()
            .filter(|d| !is_attestation(d))
            .find(|d| d.platform.as_ref().is_some_and(|p| p.satisfies(wanted)))
            .ok_or_else(|| {
                let offered: Vec<String> = self.platforms().iter().map(|p| p.to_string()).collect();
                Error::NotFound(format!(
                    "no manifest for platform {wanted} in the index (it offers: {})",
                    offered.join(", ")
                ))
            })
    }

    /// The platforms of the runnable entries, in index order.
    pub fn platforms(&self) -> Vec<&Platform> {
        self.manifests.iter().filter(|d| !is_attestation(d)).filter_map(|d| d.platform.as_ref()).collect()
    }

    /// The attestation entries (SBOM / provenance), if the index carries any.
    pub fn attestations(&self) -> impl Iterator<Item = &Descriptor> {
        self.manifests.iter().filter(|d| is_attestation(d))
    }
}

/// The annotation that carries a tag inside a layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// The entry of `index` tagged `tag` (by [`REF_NAME`]), or its only entry when `tag` is None.
/// `place` names the layout or archive in errors.
pub fn resolve_in_index(index: &Index, tag: Option<&str>, place: &str) -> Result<Descriptor> {
    // Tags come from the document: quoted, so that a newline in one cannot forge a line.
    let tags = || shown_list(index.manifests.iter().filter_map(|d| d.annotation(REF_NAME)));
    match tag {
        Some(tag) => index
            .manifests
            .iter()
            .find(|d| d.annotation(REF_NAME) == Some(tag))
            .cloned()
            .ok_or_else(|| Error::NotFound(format!("tag {tag:?} in {place} (tags: {})", tags()))),
        None => match index.manifests.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(Error::NotFound(format!("any image in {place} (index.json is empty)"))),
            _ => Err(Error::NotFound(format!(
                "a single image in {place}: it holds several, choose one with --tag ({})",
                tags()
            ))),
        },
    }
}

pub fn is_attestation(d: &Descriptor) -> bool {
    d.annotation(ATTESTATION_ANNOTATION) == Some("attestation-manifest")
        || d.platform.as_ref().is_some_and(|p| p.os == "unknown" && p.architecture == "unknown")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;

    const REWRITTEN: &[u8] = include_bytes!("../tests/data/nginx_1.23.1_index.REWRITTEN-does-not-match.json");

    #[test]
    fn rewritten_index_parses_but_does_not_hash_to_the_published_digest() {
        let raw = Index::parse(REWRITTEN.to_vec()).unwrap();
        assert_ne!(raw.digest().to_string(), "sha256:790711e34858c9b0741edffef6ed3d8199d8faa33f2870dea5db70f16384df79");
        let amd64 = raw.value.select(&Platform::parse("linux/amd64").unwrap()).unwrap();
        assert_eq!(
            amd64.digest,
            Digest::parse("sha256:f26fbadb0acab4a21ecb4e337a326907e61fbec36c9a9b52e725669d99ed1261").unwrap()
        );
    }

    #[test]
    fn variant_selection_and_missing_platform() {
        let raw = Index::parse(REWRITTEN.to_vec()).unwrap();
        let v7 = raw.value.select(&Platform::parse("linux/arm/v7").unwrap()).unwrap();
        assert_eq!(v7.platform.as_ref().unwrap().variant.as_deref(), Some("v7"));
        let err = raw.value.select(&Platform::parse("windows/amd64").unwrap()).unwrap_err().to_string();
        assert!(err.contains("no manifest for platform windows/amd64") && err.contains("linux/amd64"), "{err}");
    }
}

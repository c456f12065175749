//! The image manifest: one config and an ordered list of layers, each named by a descriptor.

use std::collections::BTreeMap;

use crate::descriptor::Descriptor;
use crate::error::{Error, Result};
use crate::json::{serialize_through_to_json, Fields, FromJson, JsonError, Members, Object, ToJson, Value};
use crate::media;
use crate::raw::Raw;

#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub schema_version: u32,
    /// Optional in OCI (but recommended); always set by Docker schema2.
    pub media_type: Option<String>,
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    pub subject: Option<Descriptor>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub extra: Object,
}

impl FromJson for Manifest {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        Ok(Manifest {
            schema_version: f.required("schemaVersion")?,
            media_type: f.optional("mediaType")?,
            artifact_type: f.optional("artifactType")?,
            config: f.required("config")?,
            layers: f.required("layers")?,
            subject: f.optional("subject")?,
            annotations: f.optional("annotations")?,
            extra: f.rest()?,
        })
    }
}

impl ToJson for Manifest {
    fn to_json(&self) -> Value {
        Members::new()
            .field("schemaVersion", &self.schema_version)
            .optional("mediaType", &self.media_type)
            .optional("artifactType", &self.artifact_type)
            .field("config", &self.config)
            .field("layers", &self.layers)
            .optional("subject", &self.subject)
            .optional("annotations", &self.annotations)
            .extra(&self.extra)
    }
}

serialize_through_to_json!(Manifest);

impl Manifest {
    /// A new OCI image manifest.
    pub fn new(config: Descriptor, layers: Vec<Descriptor>) -> Manifest {
        Manifest {
            schema_version: 2,
            media_type: Some(media::OCI_MANIFEST.to_string()),
            artifact_type: None,
            config,
            layers,
            subject: None,
            annotations: None,
            extra: Object::new(),
        }
    }

    /// Parse and check the rules the field readers do not: schemaVersion 2, a mediaType (if present) that
    /// is a manifest type, and a config descriptor.
    pub fn parse(bytes: Vec<u8>) -> Result<Raw<Manifest>> {
        let raw: Raw<Manifest> = Raw::parse("image manifest", bytes)?;
        raw.value.validate()?;
        Ok(raw)
    }

    pub fn validate(&self) -> Result<()> {
        if self.schema_version != 2 {
            return Err(Error::malformed(
                "image manifest",
                format!("schemaVersion is {}, expected 2", self.schema_version),
            ));
        }
        if let Some(mt) = &self.media_type {
            if media::kind(mt) != media::Kind::Manifest {
                return Err(Error::malformed(
                    "image manifest",
                    format!("mediaType {mt:?} is not an image manifest type"),
                ));
            }
        }
        Ok(())
    }

    /// The media type to send as Content-Type / store in an index entry.
    pub fn effective_media_type(&self) -> &str {
        self.media_type.as_deref().unwrap_or(media::OCI_MANIFEST)
    }

    /// Sum of the layer blob sizes: what a pull transfers for layers (compressed).
    pub fn layers_size(&self) -> u64 {
        self.layers.iter().map(|l| l.size).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCKER_NGINX: &[u8] = include_bytes!("../tests/data/nginx_1.23.1_linux_amd64_manifest.json");

    #[test]
    fn real_docker_manifest_parses_and_keeps_its_digest() {
        let raw = Manifest::parse(DOCKER_NGINX.to_vec()).unwrap();
        assert_eq!(raw.digest().to_string(), "sha256:f26fbadb0acab4a21ecb4e337a326907e61fbec36c9a9b52e725669d99ed1261");
        assert_eq!(raw.value.effective_media_type(), media::DOCKER_MANIFEST);
        assert_eq!(raw.value.layers.len(), 6);
        assert_eq!(raw.bytes().len(), 1570);
    }

    #[test]
    fn missing_config_is_named() {
        let err = Manifest::parse(br#"{"schemaVersion":2,"layers":[]}"#.to_vec()).unwrap_err().to_string();
        assert!(err.contains("missing field `config`"), "{err}");
    }

    #[test]
    fn wrong_schema_version_is_named() {
        let json = br#"{"schemaVersion":1,"config":{"mediaType":"x","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0},"layers":[]}"#;
        let err = Manifest::parse(json.to_vec()).unwrap_err().to_string();
        assert!(err.contains("schemaVersion is 1"), "{err}");
    }
}

//! The image configuration: what to run (Env, Entrypoint, Cmd, User…), the platform, the
//! layer stack's diff_ids, and the build history. Its SHA-256 is the image ID.

use std::collections::BTreeMap;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::json::{serialize_through_to_json, Fields, FromJson, JsonError, Members, Object, ToJson, Value};
use crate::raw::Raw;

#[derive(Debug, Clone, PartialEq)]
pub struct ImageConfig {
    pub created: Option<String>,
    pub author: Option<String>,
    pub architecture: String,
    pub os: String,
    pub variant: Option<String>,
    pub config: Option<RuntimeConfig>,
    pub rootfs: RootFs,
    pub history: Vec<History>,
    pub extra: Object,
}

/// Defaults for a container started from the image. Field names are PascalCase in the JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimeConfig {
    pub user: Option<String>,
    /// `{"80/tcp": {}}`: a set encoded as an object with empty values.
    pub exposed_ports: Option<BTreeMap<String, Value>>,
    pub env: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub volumes: Option<BTreeMap<String, Value>>,
    pub working_dir: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub stop_signal: Option<String>,
    pub extra: Object,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RootFs {
    /// Always "layers".
    pub kind: String,
    /// SHA-256 of each layer's *uncompressed* tar, bottom first.
    pub diff_ids: Vec<Digest>,
}

/// One build step. `empty_layer: true` marks steps that changed only metadata (ENV, CMD,
/// LABEL…) and made no layer: history and `rootfs.diff_ids` line up only when these are skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub author: Option<String>,
    pub comment: Option<String>,
    pub empty_layer: bool,
    pub extra: Object,
}

impl FromJson for ImageConfig {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        Ok(ImageConfig {
            created: f.optional("created")?,
            author: f.optional("author")?,
            architecture: f.required("architecture")?,
            os: f.required("os")?,
            variant: f.optional("variant")?,
            config: f.optional("config")?,
            rootfs: f.required("rootfs")?,
            history: f.optional("history")?.unwrap_or_default(),
            extra: f.rest()?,
        })
    }
}

impl FromJson for RuntimeConfig {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        Ok(RuntimeConfig {
            user: f.optional("User")?,
            exposed_ports: f.optional("ExposedPorts")?,
            env: f.optional("Env")?,
            entrypoint: f.optional("Entrypoint")?,
            cmd: f.optional("Cmd")?,
            volumes: f.optional("Volumes")?,
            working_dir: f.optional("WorkingDir")?,
            labels: f.optional("Labels")?,
            stop_signal: f.optional("StopSignal")?,
            extra: f.rest()?,
        })
    }
}

/// `rootfs` keeps no unknown fields (the spec defines none), but refuses their case-variants.
impl FromJson for RootFs {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        let rootfs = RootFs { kind: f.required("type")?, diff_ids: f.required("diff_ids")? };
        f.rest()?;
        Ok(rootfs)
    }
}

impl FromJson for History {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        Ok(History {
            created: f.optional("created")?,
            created_by: f.optional("created_by")?,
            author: f.optional("author")?,
            comment: f.optional("comment")?,
            empty_layer: f.optional("empty_layer")?.unwrap_or(false),
            extra: f.rest()?,
        })
    }
}

impl ToJson for ImageConfig {
    fn to_json(&self) -> Value {
        let written = Members::new()
            .optional("created", &self.created)
            .optional("author", &self.author)
            .field("architecture", &self.architecture)
            .field("os", &self.os)
            .optional("variant", &self.variant)
            .optional("config", &self.config)
            .field("rootfs", &self.rootfs);
        // An empty history is left out, as an absent one reads.
        let written = if self.history.is_empty() { written } else { written.field("history", &self.history) };
        written.extra(&self.extra)
    }
}

impl ToJson for RuntimeConfig {
    fn to_json(&self) -> Value {
        Members::new()
            .optional("User", &self.user)
            .optional("ExposedPorts", &self.exposed_ports)
            .optional("Env", &self.env)
            .optional("Entrypoint", &self.entrypoint)
            .optional("Cmd", &self.cmd)
            .optional("Volumes", &self.volumes)
            .optional("WorkingDir", &self.working_dir)
            .optional("Labels", &self.labels)
            .optional("StopSignal", &self.stop_signal)
            .extra(&self.extra)
    }
}

impl ToJson for RootFs {
    fn to_json(&self) -> Value {
        Members::new().field("type", &self.kind).field("diff_ids", &self.diff_ids).extra(&Object::new())
    }
}

impl ToJson for History {
    fn to_json(&self) -> Value {
        let written = Members::new()
            .optional("created", &self.created)
            .optional("created_by", &self.created_by)
            .optional("author", &self.author)
            .optional("comment", &self.comment);
        // `empty_layer` is written only when true, as Docker writes it.
        let written = if self.empty_layer { written.field("empty_layer", &true) } else { written };
        written.extra(&self.extra)
    }
}

serialize_through_to_json!(ImageConfig, RuntimeConfig, RootFs, History);

impl ImageConfig {
    /// A config for a linux image with the given layers and one history entry per layer.
    pub fn new(os: &str, architecture: &str, diff_ids: Vec<Digest>, history: Vec<History>) -> ImageConfig {
        ImageConfig {
            created: None,
            author: None,
            architecture: architecture.to_string(),
            os: os.to_string(),
            variant: None,
            config: None,
            rootfs: RootFs { kind: "layers".to_string(), diff_ids },
            history,
            extra: Object::new(),
        }
    }

    pub fn parse(bytes: Vec<u8>) -> Result<Raw<ImageConfig>> {
        let raw: Raw<ImageConfig> = Raw::parse("image config", bytes)?;
        if raw.value.rootfs.kind != "layers" {
            return Err(Error::malformed(
                "image config",
                format!("rootfs.type is {:?}, expected \"layers\"", raw.value.rootfs.kind),
            ));
        }
        Ok(raw)
    }

    /// History and rootfs disagree when the number of non-empty history entries differs from
    /// the number of layers. Runtimes still run such images, so this is a finding, not an error.
    pub fn history_mismatch(&self) -> Option<String> {
        let with_layers = self.history.iter().filter(|h| !h.empty_layer).count();
        let layers = self.rootfs.diff_ids.len();
        (!self.history.is_empty() && with_layers != layers)
            .then(|| format!("{with_layers} history entries make layers but rootfs has {layers} diff_ids"))
    }

    /// Pair each history entry with the index of the layer it made (None for empty_layer).
    pub fn history_layers(&self) -> Vec<(Option<usize>, &History)> {
        let mut next = 0;
        self.history
            .iter()
            .map(|h| {
                if h.empty_layer {
                    (None, h)
                } else {
                    next += 1;
                    (Some(next - 1), h)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCKERISH: &str = r#"{
  "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
  "config": {"Env": ["PATH=/usr/bin"], "Cmd": ["nginx", "-g", "daemon off;"], "ExposedPorts": {"80/tcp": {}}, "OnBuild": null},
  "rootfs": {"type": "layers", "diff_ids": ["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]},
  "history": [{"created_by": "ADD rootfs.tar /"}, {"created_by": "CMD [\"nginx\"]", "empty_layer": true}],
  "container": "abc123"
}"#;

    #[test]
    fn history_lines_up_with_layers_skipping_empty_entries() {
        let raw = ImageConfig::parse(DOCKERISH.as_bytes().to_vec()).unwrap();
        let pairs = raw.value.history_layers();
        assert_eq!(pairs[0].0, Some(0));
        assert_eq!(pairs[1].0, None);
        assert_eq!(raw.value.config.as_ref().unwrap().cmd.as_ref().unwrap()[0], "nginx");
    }

    #[test]
    fn unknown_fields_survive() {
        let raw = ImageConfig::parse(DOCKERISH.as_bytes().to_vec()).unwrap();
        let again = serde_json::to_value(&raw.value).unwrap();
        assert_eq!(again["container"], "abc123");
        assert_eq!(again["config"]["OnBuild"], serde_json::Value::Null);
    }

    #[test]
    fn mismatched_history_is_named() {
        let bad = DOCKERISH.replace(r#", "empty_layer": true"#, "");
        let raw = ImageConfig::parse(bad.into_bytes()).unwrap();
        let finding = raw.value.history_mismatch().unwrap();
        assert!(finding.contains("2 history entries make layers but rootfs has 1 diff_ids"), "{finding}");
    }
}

//! One walk of the content graph: index → (nested indexes) → manifests → config and layers.
//!
//! Verifying a layout, measuring what a store tag keeps alive, pushing and copying all visit the
//! same graph; they differ only in what they do at each node. The walk is iterative (an explicit
//! stack), visits each digest once, bounds index nesting with a clear error, and yields children
//! before their parents: the order in which a copy must write, so that nothing ever names a blob
//! the destination does not hold yet.

use std::collections::HashSet;

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::manifest::Manifest;
use crate::media::{self, Kind};
use crate::raw::Raw;

/// Indexes nested deeper than this are refused. Real images nest at most twice (an index of
/// indexes is rare already); thousands of levels are an attack on the reader's stack.
pub const MAX_INDEX_DEPTH: usize = 8;

/// One node of the graph, as the walk reaches it.
#[derive(Debug)]
pub enum Node {
    Index {
        descriptor: Descriptor,
        index: Box<Raw<Index>>,
    },
    Manifest {
        descriptor: Descriptor,
        manifest: Box<Raw<Manifest>>,
    },
    /// A config, a layer, or any other blob a document names (its bytes are not read).
    Blob {
        descriptor: Descriptor,
        role: Role,
    },
    /// A document the source does not hold (a store keeps only the platforms it pulled).
    Missing {
        descriptor: Descriptor,
    },
}

/// What a leaf blob is to the manifest that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Config {
        manifest: Digest,
    },
    Layer {
        manifest: Digest,
        index: usize,
    },
    /// A blob reached straight from an index or a tag whose media type is neither index nor
    /// manifest (an artifact, say).
    Other,
}

impl Node {
    pub fn descriptor(&self) -> &Descriptor {
        match self {
            Node::Index { descriptor, .. }
            | Node::Manifest { descriptor, .. }
            | Node::Blob { descriptor, .. }
            | Node::Missing { descriptor } => descriptor,
        }
    }
}

// Entered descriptors are moved once each; boxing them would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Step {
    Enter(Descriptor, usize),
    Exit(Box<Node>),
}

/// Walk everything `top` reaches. `read_document` returns an index's or manifest's bytes
/// (verified by the source), or `None` when the source does not hold it; `follow` decides
/// which entries of an index to descend into (all of them, or only those present).
pub fn walk(
    top: &Descriptor,
    read_document: &mut dyn FnMut(&Descriptor) -> Result<Option<Vec<u8>>>,
    follow: &dyn Fn(&Descriptor) -> bool,
    visit: &mut dyn FnMut(Node) -> Result<()>,
) -> Result<()> {
    let mut seen: HashSet<Digest> = HashSet::new();
    let mut stack = vec![Step::Enter(top.clone(), 0)];
    while let Some(step) = stack.pop() {
        let (desc, depth) = match step {
            Step::Exit(node) => {
                visit(*node)?;
                continue;
            }
            Step::Enter(desc, depth) => (desc, depth),
        };
        if !seen.insert(desc.digest.clone()) {
            continue;
        }
        let kind = media::kind(&desc.media_type);
        if !matches!(kind, Kind::Index | Kind::Manifest) {
            visit(Node::Blob { descriptor: desc, role: Role::Other })?;
            continue;
        }
        let Some(bytes) = read_document(&desc)? else {
            visit(Node::Missing { descriptor: desc })?;
            continue;
        };
        if kind == Kind::Index {
            if depth >= MAX_INDEX_DEPTH {
                return Err(Error::malformed(
                    "image index",
                    format!("{} nests indexes more than {MAX_INDEX_DEPTH} deep", desc.digest),
                ));
            }
            let index = Index::parse(bytes)?;
            let children: Vec<Descriptor> = index.value.manifests.iter().filter(|c| follow(c)).cloned().collect();
            stack.push(Step::Exit(Box::new(Node::Index { descriptor: desc, index: Box::new(index) })));
            for child in children.into_iter().rev() {
                stack.push(Step::Enter(child, depth + 1));
            }
            continue;
        }
        let manifest = Manifest::parse(bytes)?;
        let parent = desc.digest.clone();
        let mut leaves = vec![Node::Blob {
            descriptor: manifest.value.config.clone(),
            role: Role::Config { manifest: parent.clone() },
        }];
        for (index, layer) in manifest.value.layers.iter().enumerate() {
            leaves
                .push(Node::Blob { descriptor: layer.clone(), role: Role::Layer { manifest: parent.clone(), index } });
        }
        stack.push(Step::Exit(Box::new(Node::Manifest { descriptor: desc, manifest: Box::new(manifest) })));
        for leaf in leaves.into_iter().rev() {
            // A blob named twice (two manifests sharing a layer) is visited once.
            if seen.insert(leaf.descriptor().digest.clone()) {
                stack.push(Step::Exit(Box::new(leaf)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST};
    use std::collections::HashMap;

    fn doc(docs: &mut HashMap<Digest, Vec<u8>>, media_type: &str, value: serde_json::Value) -> Descriptor {
        let bytes = serde_json::to_vec(&value).unwrap();
        let desc = Descriptor::for_bytes(media_type, &bytes);
        docs.insert(desc.digest.clone(), bytes);
        desc
    }

    fn manifest(docs: &mut HashMap<Digest, Vec<u8>>, layer: &[u8]) -> Descriptor {
        let config = Descriptor::for_bytes(OCI_CONFIG, b"{}");
        let layer = Descriptor::for_bytes(OCI_LAYER_GZIP, layer);
        let value =
            serde_json::json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": [layer]});
        doc(docs, OCI_MANIFEST, value)
    }

    fn names(top: &Descriptor, docs: &HashMap<Digest, Vec<u8>>) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut read = |d: &Descriptor| Ok(docs.get(&d.digest).cloned());
        walk(top, &mut read, &|_| true, &mut |node| {
            out.push(match node {
                Node::Index { .. } => "index".to_string(),
                Node::Manifest { .. } => "manifest".to_string(),
                Node::Blob { role: Role::Config { .. }, .. } => "config".to_string(),
                Node::Blob { role: Role::Layer { index, .. }, .. } => format!("layer{index}"),
                Node::Blob { .. } => "other".to_string(),
                Node::Missing { .. } => "missing".to_string(),
            });
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn children_come_before_parents_and_shared_blobs_once() {
        let mut docs = HashMap::new();
        let a = manifest(&mut docs, b"layer-a");
        let b = manifest(&mut docs, b"layer-b");
        let index = doc(&mut docs, OCI_INDEX, serde_json::json!({"schemaVersion": 2, "manifests": [a, b]}));
        // The two manifests share their (empty) config: it is visited once, under the first.
        assert_eq!(names(&index, &docs).unwrap(), ["config", "layer0", "manifest", "layer0", "manifest", "index"]);
    }

    #[test]
    fn absent_documents_are_reported_not_fatal() {
        let mut docs = HashMap::new();
        let a = manifest(&mut docs, b"layer-a");
        let gone = Descriptor::for_bytes(OCI_MANIFEST, b"not here");
        let index = doc(&mut docs, OCI_INDEX, serde_json::json!({"schemaVersion": 2, "manifests": [a, gone]}));
        assert_eq!(names(&index, &docs).unwrap(), ["config", "layer0", "manifest", "missing", "index"]);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let mut docs = HashMap::new();
        let mut top = manifest(&mut docs, b"bottom");
        for _ in 0..3000 {
            top = doc(&mut docs, OCI_INDEX, serde_json::json!({"schemaVersion": 2, "manifests": [top]}));
        }
        let err = names(&top, &docs).unwrap_err().to_string();
        assert!(err.contains("more than 8 deep"), "{err}");
    }
}

//! Media types of the OCI image spec 1.1 and their Docker schema2 twins.
//!
//! A registry and a client agree on what bytes mean through these strings: the manifest's own
//! `mediaType` (and the `Content-Type` of a `GET /v2/<name>/manifests/<ref>`), and each
//! descriptor's `mediaType`. Docker schema2 predates OCI; the two are the same JSON shapes with
//! different names, and every modern client accepts both.

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
pub const OCI_LAYOUT_HEADER: &str = "application/vnd.oci.layout.header.v1+json";

pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// Docker's uncompressed layer (what `docker save` writes as `layer.tar`).
pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
pub const DOCKER_FOREIGN_LAYER: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/// What a media type says the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An image index / manifest list: one entry per platform (or attestation).
    Index,
    /// An image manifest: one config and an ordered list of layers.
    Manifest,
    /// An image configuration: platform, runtime defaults, rootfs diff_ids, history.
    Config,
    /// A filesystem layer (tar, possibly compressed).
    Layer(Compression),
    /// Something this crate does not interpret; the spec says to tolerate it.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Classify a media type string. Unknown types are [`Kind::Other`], never an error.
pub fn kind(media_type: &str) -> Kind {
    match media_type {
        OCI_INDEX | DOCKER_MANIFEST_LIST => Kind::Index,
        OCI_MANIFEST | DOCKER_MANIFEST => Kind::Manifest,
        OCI_CONFIG | DOCKER_CONFIG => Kind::Config,
        OCI_LAYER_TAR | DOCKER_LAYER_TAR | "application/vnd.oci.image.layer.nondistributable.v1.tar" => {
            Kind::Layer(Compression::None)
        }
        OCI_LAYER_GZIP
        | DOCKER_LAYER_GZIP
        | DOCKER_FOREIGN_LAYER
        | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" => Kind::Layer(Compression::Gzip),
        OCI_LAYER_ZSTD => Kind::Layer(Compression::Zstd),
        _ => Kind::Other,
    }
}

/// Is this a Docker schema2 type (as opposed to OCI)?
pub fn is_docker(media_type: &str) -> bool {
    media_type.starts_with("application/vnd.docker.")
}

/// A one-line explanation, for tables in the book and `--explain` style output.
pub fn describe(media_type: &str) -> &'static str {
    match media_type {
        OCI_INDEX => "OCI image index (multi-platform)",
        DOCKER_MANIFEST_LIST => "Docker manifest list (multi-platform)",
        OCI_MANIFEST => "OCI image manifest",
        DOCKER_MANIFEST => "Docker schema2 image manifest",
        OCI_CONFIG => "OCI image config",
        DOCKER_CONFIG => "Docker image config",
        OCI_LAYER_GZIP => "OCI layer, tar+gzip",
        DOCKER_LAYER_GZIP => "Docker layer, tar+gzip",
        DOCKER_LAYER_TAR => "Docker layer, uncompressed tar",
        OCI_LAYER_TAR => "OCI layer, uncompressed tar",
        OCI_LAYER_ZSTD => "OCI layer, tar+zstd",
        OCI_EMPTY => "OCI empty descriptor ({})",
        DOCKER_FOREIGN_LAYER => "Docker foreign layer (not pushed to registries)",
        _ => "unrecognised media type (tolerated)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_and_docker_twins_have_the_same_kind() {
        assert_eq!(kind(OCI_INDEX), kind(DOCKER_MANIFEST_LIST));
        assert_eq!(kind(OCI_MANIFEST), kind(DOCKER_MANIFEST));
        assert_eq!(kind(OCI_CONFIG), kind(DOCKER_CONFIG));
        assert_eq!(kind(OCI_LAYER_GZIP), kind(DOCKER_LAYER_GZIP));
        assert!(is_docker(DOCKER_MANIFEST) && !is_docker(OCI_MANIFEST));
    }

    #[test]
    fn unknown_types_are_tolerated() {
        assert_eq!(kind("application/vnd.example.thing+json"), Kind::Other);
    }
}

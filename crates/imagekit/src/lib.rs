//! imagekit: container images done right, small enough to read.
//!
//! The crate follows the shape of go-containerregistry's `pkg/v1`: one module per concern, small
//! types, raw bytes kept beside every parsed JSON document (content is addressed by exact bytes).
//!
//! | module | concern |
//! |---|---|
//! | [`digest`] | `sha256:<hex>` grammar, streaming SHA-256 writers and readers |
//! | [`media`] | OCI and Docker schema2 media types |
//! | [`descriptor`], [`manifest`], [`index`], [`config`] | the JSON documents (unknown fields survive) |
//! | [`json`] | a strict JSON reader, and the documents' field readers ([`json::FromJson`]) |
//! | [`raw`] | a parsed document together with the exact bytes it came from |
//! | [`reference`] | image references: parsing and Docker's normalization |
//! | [`chain`] | ChainIDs of a layer stack |
//! | [`layer`] | deterministic tar + gzip; diff_id and digest in one pass; reading layers safely |
//! | [`whiteout`], [`apply`] | the union filesystem: applying layers in order with whiteouts |
//! | [`audit`] | secrets in config and history, deleted/overwritten files, modes, efficiency |
//! | [`libc`] | which C library and loader an image ships, from its merged files |
//! | [`image`] | the image model: a [`image::Source`] trait, images whose layers read verified (blob digest and diff_id) |
//! | [`walk`], [`verify`] | one walk of index → manifest → blobs; readers that check size and digest as they stream |
//! | [`blobs`] | the content-addressed blob directory under both layouts and the store (feature `fs`) |
//! | [`source`] | naming sources as skopeo does (`oci:`, `oci-archive:`, `docker-archive:`, `docker://`, `store:`); archives read in place (feature `fs`) |
//! | [`copy`] | copying an image between sources over the one walk: to layouts, archives, the store (feature `fs`) |
//! | [`archive`] | images inside a tar (`oci-archive`, `docker save` in both forms), read in place through [`archive::RandomAccess`] |
//! | [`layout`] | OCI image layout on disk, every blob verified on read (feature `fs`) |
//! | [`store`] | the local content-addressed store that pulls fill: tags, df, prune (feature `fs`) |
//! | [`registry`] | distribution-spec client: pull into the store, push from a layout (feature `registry`) |
//!
//! Without the `fs` feature nothing here touches the file system or the network, so the core
//! compiles to `wasm32-unknown-unknown` for the in-page digest widget.

pub mod apply;
pub mod archive;
pub mod audit;
#[cfg(feature = "fs")]
pub mod blobs;
#[cfg(feature = "fs")]
pub mod build;
pub mod chain;
pub mod config;
#[cfg(feature = "fs")]
pub mod copy;
pub mod descriptor;
pub mod digest;
pub mod error;
pub mod image;
pub mod index;
pub mod json;
pub mod layer;
#[cfg(feature = "fs")]
pub mod layout;
pub mod libc;
pub mod manifest;
pub mod media;
mod order;
pub mod raw;
pub mod reference;
#[cfg(feature = "registry")]
pub mod registry;
#[cfg(feature = "fs")]
pub mod source;
#[cfg(feature = "fs")]
pub mod store;
#[cfg(feature = "fs")]
pub mod unpack;
pub mod verify;
pub mod walk;
pub mod whiteout;

pub use descriptor::{Descriptor, Platform};
pub use digest::Digest;
pub use error::{Error, Result};

//! The image model: one interface for every place an image can come from.
//!
//! Model: go-containerregistry's `v1.Image` and `partial`. A [`Source`] is anything that can
//! name a top descriptor (what its reference or tag points at) and open blobs by descriptor: an
//! OCI layout, the local store, a `docker save` or `oci-archive` tar, a registry. On top of any
//! source, [`Image::resolve`] walks index → platform → manifest → config, and an [`Image`] gives
//! its raw manifest and config bytes and reads its layers through [`Image::read_layer`], which
//! checks the blob's size and digest *and* the layer's diff_id in the one pass that reads it.
//! Verification lives here, once; no verb hashes a layer itself.
//!
//! The module does no I/O of its own (sources do), so it compiles to wasm32 as well.

use std::io::Read;
use std::rc::Rc;

use crate::config::ImageConfig;
use crate::descriptor::{Descriptor, Platform};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::layer::{for_each_entry, LayerEntry, LayerSummary, Limits};
use crate::manifest::Manifest;
use crate::media::{self, Kind};
use crate::raw::Raw;
use crate::verify::{drain, unwrap_verify_error, VerifyingReader};
use crate::walk::MAX_INDEX_DEPTH;

/// Manifests, indexes and configs larger than this are refused before they are read: the
/// distribution registry's own limit for manifests, far above any real config.
pub const MAX_DOCUMENT_SIZE: u64 = 4 << 20;

/// Where images come from. Implementations only find bytes; checking them is [`open_blob`]'s job.
pub trait Source {
    /// The transport, as skopeo names it: `oci`, `oci-archive`, `docker-archive`, `docker`, `store`.
    fn transport(&self) -> &'static str;
    /// One line naming what answered: `oci:demo/web:v1`, `store:127.0.0.1:5000/web:v4 (…/store)`.
    fn describe(&self) -> String;
    /// What the source's reference or tag points at: an index or a manifest.
    fn top(&self) -> Result<Descriptor>;
    /// The bytes of a blob as stored, not yet checked. Use [`open_blob`] to read them.
    fn open_raw(&self, desc: &Descriptor) -> Result<Box<dyn Read + '_>>;
    /// Whether the blob is there, without reading it (a store or layout checks its directory).
    fn has(&self, desc: &Descriptor) -> Result<bool>;
}

/// Open a blob of `source` as a reader that checks its size and digest as it streams.
pub fn open_blob<'s>(source: &'s dyn Source, desc: &Descriptor) -> Result<VerifyingReader<Box<dyn Read + 's>>> {
    Ok(VerifyingReader::new(source.open_raw(desc)?, desc.clone()))
}

/// Refuse a document declared over [`MAX_DOCUMENT_SIZE`], before anything is read.
pub fn check_document_size(desc: &Descriptor) -> Result<()> {
    if desc.size > MAX_DOCUMENT_SIZE {
        return Err(Error::DocumentTooLarge { digest: desc.digest.clone(), size: desc.size, limit: MAX_DOCUMENT_SIZE });
    }
    Ok(())
}

/// Read a whole JSON document (index, manifest, config), verified, refusing one over
/// [`MAX_DOCUMENT_SIZE`] before reading it.
pub fn read_document(source: &dyn Source, desc: &Descriptor) -> Result<Vec<u8>> {
    check_document_size(desc)?;
    let mut bytes = Vec::with_capacity(desc.size as usize);
    open_blob(source, desc)?.read_to_end(&mut bytes).map_err(|e| unwrap_verify_error(e, desc))?;
    Ok(bytes)
}

/// One image: the manifest and config with their exact bytes, and the source that holds its layers.
#[derive(Clone)]
pub struct Image {
    source: Rc<dyn Source>,
    /// What the reference or tag named (an index, or this image's manifest).
    pub top: Descriptor,
    /// The outermost index, when the reference named one.
    pub index: Option<Raw<Index>>,
    /// The manifest's descriptor (from the index, carrying its platform; or the top).
    pub descriptor: Descriptor,
    pub manifest: Raw<Manifest>,
    pub config: Raw<ImageConfig>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image").field("source", &self.source.describe()).field("manifest", &self.descriptor).finish()
    }
}

/// The platform chosen from an index when none is asked for.
pub fn default_platform() -> Platform {
    Platform::parse("linux/amd64").expect("a valid platform")
}

impl Image {
    /// Walk from the source's top descriptor to one image: through (nested) indexes to the
    /// manifest for `platform` (default linux/amd64), then its config. Reads two or three
    /// documents and no layer.
    pub fn resolve(source: Rc<dyn Source>, platform: Option<&Platform>) -> Result<Image> {
        let top = source.top()?;
        Image::resolve_from(source, top, platform)
    }

    /// [`Image::resolve`] from a given descriptor instead of the source's top.
    pub fn resolve_from(source: Rc<dyn Source>, top: Descriptor, platform: Option<&Platform>) -> Result<Image> {
        let wanted = platform.cloned().unwrap_or_else(default_platform);
        let mut desc = top.clone();
        let mut outer_index = None;
        for _depth in 0..=MAX_INDEX_DEPTH {
            match media::kind(&desc.media_type) {
                Kind::Index => {
                    let index = Index::parse(read_document(&*source, &desc)?)?;
                    let chosen = index.value.select(&wanted)?.clone();
                    outer_index.get_or_insert(index);
                    desc = chosen;
                }
                Kind::Manifest => {
                    let manifest = Manifest::parse(read_document(&*source, &desc)?)?;
                    let config = ImageConfig::parse(read_document(&*source, &manifest.value.config)?)?;
                    return Ok(Image { source, top, index: outer_index, descriptor: desc, manifest, config });
                }
                _ => {
                    return Err(Error::malformed(
                        "image reference",
                        format!("{} is {:?}, not an image manifest or index", desc.digest, desc.media_type),
                    ))
                }
            }
        }
        Err(Error::malformed("image index", format!("indexes nested more than {MAX_INDEX_DEPTH} deep")))
    }

    pub fn source(&self) -> &dyn Source {
        &*self.source
    }

    /// The shared handle on the source (to resolve a sibling image from the same place).
    pub fn source_rc(&self) -> Rc<dyn Source> {
        Rc::clone(&self.source)
    }

    /// The image ID: the config's digest.
    pub fn id(&self) -> &Digest {
        self.config.digest()
    }

    pub fn layers(&self) -> &[Descriptor] {
        &self.manifest.value.layers
    }

    /// The platform this image is for: from the index entry, else from its config.
    pub fn platform(&self) -> String {
        match &self.descriptor.platform {
            Some(p) => p.to_string(),
            None => {
                let c = &self.config.value;
                match &c.variant {
                    Some(v) => format!("{}/{}/{v}", c.os, c.architecture),
                    None => format!("{}/{}", c.os, c.architecture),
                }
            }
        }
    }

    /// The diff_id the config promises for layer `i`: a config that lists fewer is refused.
    pub fn diff_id(&self, i: usize) -> Result<&Digest> {
        let ids = &self.config.value.rootfs.diff_ids;
        let layers = self.layers().len();
        if ids.len() != layers {
            return Err(Error::malformed(
                "image config",
                format!("rootfs.diff_ids lists {} layers but the manifest has {layers}", ids.len()),
            ));
        }
        Ok(&ids[i])
    }

    /// The name errors give layer `i`: its blob digest.
    pub fn layer_name(&self, i: usize) -> String {
        self.layers()[i].digest.to_string()
    }

    /// Open layer `i`'s blob, verified for size and digest as it streams, but not for diff_id:
    /// for copying a blob as it is. To read a layer's files, use [`Image::read_layer`].
    pub fn open_layer_blob(&self, i: usize) -> Result<VerifyingReader<Box<dyn Read + '_>>> {
        open_blob(&*self.source, &self.layers()[i])
    }

    /// Read layer `i` through `read`, which gets the blob as stored and returns what it derived
    /// plus the diff_id it computed (the SHA-256 of the uncompressed tar). Then the blob is read
    /// to its end, and:
    ///
    /// - a blob whose size or digest is wrong fails with that mismatch, whatever `read` said
    ///   (a damaged blob usually shows first as a gzip error: the mismatch is the real cause);
    /// - an error of `read` is returned as it is;
    /// - a diff_id other than the config's fails, naming the layer, expected and actual.
    ///
    /// Whatever `read` derived must not be trusted (written in place, printed) until this returns.
    pub fn read_layer<T>(&self, i: usize, read: impl FnOnce(&mut dyn Read, &str) -> Result<(T, Digest)>) -> Result<T> {
        let expected = self.diff_id(i)?.clone();
        let desc = &self.layers()[i];
        let name = self.layer_name(i);
        let mut blob = self.open_layer_blob(i)?;
        let outcome = read(&mut blob, &name);
        drain(&mut blob, desc)?;
        let (value, diff_id) = outcome?;
        if diff_id != expected {
            return Err(Error::DigestMismatch {
                what: format!("diff_id of layer {i} ({})", desc.digest),
                expected,
                actual: diff_id,
            });
        }
        Ok(value)
    }

    /// [`Image::read_layer`] over [`for_each_entry`]: every validated entry of layer `i`.
    pub fn for_each_entry(
        &self,
        i: usize,
        limits: &Limits,
        f: impl FnMut(LayerEntry<'_>) -> Result<()>,
    ) -> Result<LayerSummary> {
        self.read_layer(i, |blob, name| {
            let summary = for_each_entry(blob, name, limits, f)?;
            Ok((summary.clone(), summary.diff_id))
        })
    }

    /// Read every layer to its end, checking blob digests and diff_ids; returns the summaries.
    pub fn verify_layers(&self, limits: &Limits) -> Result<Vec<LayerSummary>> {
        (0..self.layers().len()).map(|i| self.for_each_entry(i, limits, |_| Ok(()))).collect()
    }
}

//! Unpacking an image from any source into a root filesystem on disk.
//!
//! Every layer is read once: the blob's size and digest and the layer's diff_id are checked in
//! the same pass that writes its files into a staging directory beside the destination. Only
//! when every layer checked out is the staging directory renamed into place; on any error it is
//! removed, so nothing is left at the destination.

use std::path::Path;

use crate::apply::{UnpackStats, Unpacker};
use crate::error::Result;
use crate::image::Image;
use crate::layer::Limits;

/// Apply `image`'s layers in order (with whiteouts) into a new directory `dest`.
pub fn unpack(image: &Image, dest: &Path, limits: &Limits) -> Result<UnpackStats> {
    unpack_with_progress(image, dest, limits, &mut |_, _| {})
}

/// [`unpack`], calling `progress(layer_index, layer_count)` before each layer.
pub fn unpack_with_progress(
    image: &Image,
    dest: &Path,
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<UnpackStats> {
    let mut unpacker = Unpacker::new(dest, limits)?;
    let count = image.layers().len();
    for i in 0..count {
        progress(i, count);
        image.read_layer(i, |blob, name| {
            let summary = unpacker.apply(blob, name)?;
            Ok(((), summary.diff_id))
        })?;
    }
    unpacker.finish()
}

//! What the fuzz targets share: how one input becomes several layers.

/// Layers in one input are separated by this marker; at most [`MAX_LAYERS`] are kept.
pub const SEPARATOR: &[u8] = b"LAYERSEP";
pub const MAX_LAYERS: usize = 4;

/// Split a fuzz input into up to [`MAX_LAYERS`] layer blobs.
pub fn split_layers(data: &[u8]) -> Vec<&[u8]> {
    let mut layers = Vec::new();
    let mut rest = data;
    while layers.len() + 1 < MAX_LAYERS {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => {
                layers.push(&rest[..at]);
                rest = &rest[at + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    layers.push(rest);
    layers
}

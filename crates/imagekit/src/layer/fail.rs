//! The two ways a layer fails, as errors that name the layer: refused as hostile, or unreadable.
//! Every part of the reader (the stream, the header checks, the walk) builds its errors here.

use crate::error::Error;

/// A layer that tries something unsafe or impossible, or that readers would disagree on.
pub(crate) fn hostile(layer: &str, reason: String) -> Error {
    Error::HostileLayer { layer: layer.to_string(), reason }
}

/// A layer that cannot be read (a broken tar or gzip stream).
pub(crate) fn bad(layer: &str, reason: String) -> Error {
    Error::BadLayer { layer: layer.to_string(), reason }
}

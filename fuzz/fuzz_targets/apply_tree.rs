//! The in-memory union: up to four layers (the input split on `LAYERSEP`) applied in order.
#![no_main]

use imagekit::apply::Tree;
use imagekit::layer::Limits;
use imagekit_fuzz_support::split_layers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_uncompressed: 64 << 20, ..Limits::default() };
    let mut tree = Tree::with_contents();
    for (i, layer) in split_layers(data).iter().enumerate() {
        if tree.apply_layer(&layer[..], i, &limits).is_err() {
            return;
        }
    }
    for (path, node) in tree.iter() {
        assert!(!path.is_empty() && !path.starts_with('/'), "{path:?}");
        let _ = node;
    }
});

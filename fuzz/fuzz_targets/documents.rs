//! The JSON documents: manifest, index and config parse or fail cleanly, and a parsed document
//! keeps its exact bytes (its digest is of the input, never of a re-serialization).
#![no_main]

use imagekit::config::ImageConfig;
use imagekit::digest::Digest;
use imagekit::index::Index;
use imagekit::manifest::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let digest = Digest::of_bytes(data);
    if let Ok(m) = Manifest::parse(data.to_vec()) {
        assert_eq!(m.bytes(), data);
        assert_eq!(m.digest(), &digest);
    }
    if let Ok(i) = Index::parse(data.to_vec()) {
        assert_eq!(i.bytes(), data);
    }
    if let Ok(c) = ImageConfig::parse(data.to_vec()) {
        assert_eq!(c.bytes(), data);
        let _ = c.value.history_layers();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Digest::parse(text.trim());
    }
});

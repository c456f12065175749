//! The JavaScript face of the widget (`wasm-bindgen`): thin wrappers, results as JSON strings.

use wasm_bindgen::prelude::*;

/// The preloaded manifest, exactly as published (it is ASCII, so the text is the bytes).
#[wasm_bindgen(js_name = originalText)]
pub fn original_text() -> String {
    String::from_utf8_lossy(crate::ORIGINAL).into_owned()
}

#[wasm_bindgen(js_name = originalDigest)]
pub fn original_digest() -> String {
    crate::ORIGINAL_DIGEST.to_string()
}

#[wasm_bindgen(js_name = originalName)]
pub fn original_name() -> String {
    crate::ORIGINAL_NAME.to_string()
}

/// Bytes of WebAssembly memory in use (it only grows): the browser test checks that hashing a
/// 512 MiB file does not make it grow with the file.
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// `sha256:<hex>` of the UTF-8 bytes of `text`.
#[wasm_bindgen(js_name = digestText)]
pub fn digest_text(text: &str) -> String {
    crate::digest_of(text.as_bytes())
}

/// `sha256:<hex>` of `bytes`.
#[wasm_bindgen(js_name = digestBytes)]
pub fn digest_bytes(bytes: &[u8]) -> String {
    crate::digest_of(bytes)
}

/// [`crate::Analysis`] as JSON.
#[wasm_bindgen]
pub fn analyse(text: &str) -> String {
    crate::analyse(text).to_json()
}

/// The same JSON in another style (`pretty`, `compact`, `sorted`); `undefined` if not JSON.
#[wasm_bindgen]
pub fn reformat(text: &str, style: &str) -> Option<String> {
    crate::reformat(text, crate::Style::parse(style)?)
}

/// [`crate::Check`] as JSON.
#[wasm_bindgen(js_name = checkExpected)]
pub fn check_expected(expected: &str, actual: &str) -> String {
    crate::check_expected(expected, actual).to_json()
}

/// Incremental SHA-256: `update(chunk)` any number of times, then `finish()`.
#[wasm_bindgen]
pub struct Hasher(Option<crate::BlobHasher>);

#[wasm_bindgen]
impl Hasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Hasher {
        Hasher(Some(crate::BlobHasher::default()))
    }

    pub fn update(&mut self, chunk: &[u8]) {
        if let Some(h) = &mut self.0 {
            h.update(chunk);
        }
    }

    /// Bytes hashed so far.
    pub fn bytes(&self) -> f64 {
        self.0.as_ref().map_or(0, |h| h.bytes()) as f64
    }

    /// `sha256:<hex>`; the hasher is spent afterwards (a second call returns "").
    pub fn finish(&mut self) -> String {
        self.0.take().map(|h| h.finish()).unwrap_or_default()
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

/// Incremental digest + diff_id of a layer blob: `update(chunk)`, then `finish()` → JSON
/// ([`crate::LayerResult`]).
#[wasm_bindgen]
pub struct LayerHasher(Option<crate::LayerHasher>);

#[wasm_bindgen]
impl LayerHasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> LayerHasher {
        LayerHasher(Some(crate::LayerHasher::default()))
    }

    pub fn update(&mut self, chunk: &[u8]) {
        if let Some(h) = &mut self.0 {
            h.update(chunk);
        }
    }

    pub fn bytes(&self) -> f64 {
        self.0.as_ref().map_or(0, |h| h.bytes()) as f64
    }

    pub fn finish(&mut self) -> String {
        self.0.take().map(|h| h.finish().to_json()).unwrap_or_default()
    }
}

impl Default for LayerHasher {
    fn default() -> Self {
        LayerHasher::new()
    }
}

//! The worker's face of the explorer (`wasm-bindgen`): files are read through functions the
//! worker defines (js/worker.js), results go back as one JSON string.

use std::io;
use std::rc::Rc;

use imagekit::archive::RandomAccess;
use wasm_bindgen::prelude::*;

use crate::chunked::Chunked;
use crate::explore::{explore_file, explore_folder};
use crate::page_json;

#[wasm_bindgen]
extern "C" {
    /// Read picked file `file` from `offset` into `buf`: the bytes read, or -1 when the
    /// browser could not read it.
    #[wasm_bindgen(js_name = explorerReadAt)]
    fn js_read_at(file: u32, offset: f64, buf: &mut [u8]) -> i32;

    /// Layer `index` of `count` is about to be read (for the progress bar).
    #[wasm_bindgen(js_name = explorerLayer)]
    fn js_layer(index: u32, count: u32, digest: &str, size: f64);
}

/// A picked `File`, by its number in the worker's list.
struct JsFile {
    id: u32,
    len: u64,
}

impl RandomAccess for JsFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let want = buf.len().min(self.len.saturating_sub(offset) as usize);
        if want == 0 {
            return Ok(0);
        }
        match js_read_at(self.id, offset as f64, &mut buf[..want]) {
            n if n >= 0 => Ok(n as usize),
            _ => Err(io::Error::other("the browser could not read the file (was it changed or removed?)")),
        }
    }
    fn len(&self) -> u64 {
        self.len
    }
}

fn file(id: u32, len: f64) -> Rc<dyn RandomAccess> {
    Rc::new(Chunked::new(JsFile { id, len: len as u64 }))
}

fn on_layer(index: usize, count: usize, digest: &str, size: u64) {
    js_layer(index as u32, count as u32, digest, size as f64);
}

/// "" is none: the worker's messages carry every choice, made or not, as a string.
fn chosen(value: &str) -> Option<&str> {
    Some(value).filter(|v| !v.is_empty())
}

/// Explore file 0 (`len` bytes, called `name`); `image` picks one of several images ("" = the
/// only one), `platform` picks from an index ("" = default).
#[wasm_bindgen(js_name = exploreFile)]
pub fn explore_file_js(len: f64, name: &str, image: &str, platform: &str) -> String {
    page_json::answer(explore_file(file(0, len), name, chosen(image), chosen(platform), &mut on_layer))
}

/// Explore a picked OCI layout folder: file `i` is `paths` line `i`, `sizes[i]` bytes long.
#[wasm_bindgen(js_name = exploreFolder)]
pub fn explore_folder_js(name: &str, paths: &str, sizes: &[f64], image: &str, platform: &str) -> String {
    let files = paths.lines().zip(sizes).enumerate().map(|(i, (p, &len))| (p.to_string(), file(i as u32, len)));
    page_json::answer(explore_folder(name, files.collect(), chosen(image), chosen(platform), &mut on_layer))
}

/// Bytes of WebAssembly memory (it only grows, so read at the end it is the peak).
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

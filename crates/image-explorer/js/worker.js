// The explorer's Web Worker, after wasm-bindgen's glue and the module (WASM_BASE64) in the
// same generated source (crates/xtask/src/explorer.rs). It reads the dropped File in slices
// with FileReaderSync, which only a worker may call, so the page never waits on a read or on
// the WebAssembly: the main thread only draws what comes back.
//
// Messages in:  {type: "file", file, name, image, platform} | {type: "folder", name, files: [{path, file}], image, platform}
//               (image: one of the names a file of several images offered; "" = the only one)
// Messages out: {type: "layer", index, count, digest, size, fetched, total}
//               {type: "progress", fetched, total}
//               {type: "done", json, memory, ms} | {type: "failed", message}
"use strict";

var picked = [];
var reader = new FileReaderSync();
var fetched = 0;
var total = 0;
var lastPost = 0;

function progress(force) {
    var now = Date.now();
    if (force || now - lastPost >= 50) {
        lastPost = now;
        postMessage({ type: "progress", fetched: fetched, total: total });
    }
}

// Imported by the module (src/wasm.rs): one slice of picked file `file` into `buf`.
self.explorerReadAt = function (file, offset, buf) {
    try {
        var blob = picked[file];
        var bytes = new Uint8Array(reader.readAsArrayBuffer(blob.slice(offset, offset + buf.length)));
        buf.set(bytes);
        fetched += bytes.length;
        progress(false);
        return bytes.length;
    } catch (e) {
        return -1;
    }
};

self.explorerLayer = function (index, count, digest, size) {
    postMessage({ type: "layer", index: index, count: count, digest: digest, size: size, fetched: fetched, total: total });
};

function wasmBytes() {
    var bin = atob(WASM_BASE64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
        out[i] = bin.charCodeAt(i);
    }
    return out;
}

var ready = null;
try {
    wasm_bindgen.initSync({ module: wasmBytes() });
} catch (e) {
    ready = "the explorer's WebAssembly module failed to load: " + e;
}

self.onmessage = function (event) {
    var msg = event.data;
    if (ready !== null) {
        postMessage({ type: "failed", message: ready });
        return;
    }
    var started = performance.now();
    fetched = 0;
    var json;
    try {
        if (msg.type === "folder") {
            picked = msg.files.map(function (f) {
                return f.file;
            });
            total = picked.reduce(function (sum, f) {
                return sum + f.size;
            }, 0);
            var paths = msg.files.map(function (f) {
                return f.path;
            });
            var sizes = new Float64Array(picked.map(function (f) {
                return f.size;
            }));
            json = wasm_bindgen.exploreFolder(msg.name, paths.join("\n"), sizes, msg.image || "", msg.platform || "");
        } else {
            picked = [msg.file];
            total = msg.file.size;
            json = wasm_bindgen.exploreFile(msg.file.size, msg.name, msg.image || "", msg.platform || "");
        }
    } catch (e) {
        // A trap (out of memory, a bug): the module's state is gone with it, so say so plainly.
        postMessage({ type: "failed", message: "the explorer stopped: " + e });
        ready = "the explorer stopped after an earlier failure: reload the page";
        return;
    }
    progress(true);
    picked = [];
    postMessage({ type: "done", json: json, memory: wasm_bindgen.memoryBytes(), ms: performance.now() - started });
};

// The widget's WebAssembly module under node (wasm-bindgen --target nodejs), checked against
// independent tools: `sha256sum` for digests, `imagekit layer build --json` for a layer's digest
// and diff_id. Run by `cargo xtask test` (stage widget) with:
//   WIDGET_NODE_BUILD  folder holding digest_widget.js (the nodejs build)
//   WIDGET_SCRATCH     an empty folder to write inputs in
//   IMAGEKIT           the imagekit binary
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");

const w = require(path.resolve(process.env.WIDGET_NODE_BUILD, "digest_widget.js"));
const scratch = process.env.WIDGET_SCRATCH;
const imagekit = process.env.IMAGEKIT;
let checks = 0;

function sha256sum(file) {
    return "sha256:" + execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0];
}

function check(name, f) {
    f();
    checks++;
    console.log("ok   " + name);
}

function write(name, bytes) {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, bytes);
    return file;
}

function hashInChunks(Hasher, bytes, size) {
    const h = new Hasher();
    for (let i = 0; i < bytes.length; i += size) {
        h.update(bytes.subarray(i, i + size));
    }
    const out = h.finish();
    h.free();
    return out;
}

check("the preloaded manifest hashes to its published digest", () => {
    const text = w.originalText();
    const file = write("original.json", text);
    assert.equal(w.digestText(text), w.originalDigest());
    assert.equal(sha256sum(file), w.originalDigest());
    const a = JSON.parse(w.analyse(text));
    assert.equal(a.kind, "manifest");
    assert.equal(a.size, fs.statSync(file).size);
});

check("reformatted text: digest as sha256sum computes it", () => {
    for (const style of ["pretty", "compact", "sorted"]) {
        const out = w.reformat(w.originalText(), style);
        const file = write(style + ".json", out);
        assert.equal(w.digestText(out), sha256sum(file), style);
        assert.notEqual(w.digestText(out), w.originalDigest(), style);
        assert.deepEqual(JSON.parse(out), JSON.parse(w.originalText()), style);
    }
    assert.equal(w.reformat("{nope", "pretty"), undefined);
});

check("non-ASCII text is hashed as its UTF-8 bytes", () => {
    const text = '{"name": "caf\u00e9 \ud83d\ude00", "n": 1.50}\n';
    assert.equal(w.digestText(text), sha256sum(write("utf8.json", text)));
    assert.match(w.reformat(text, "compact"), /1\.50/, "numbers keep their spelling");
});

check("invalid JSON: line and column", () => {
    const a = JSON.parse(w.analyse('{\n  "a": 1,\n  "b" 2\n}'));
    assert.equal(a.kind, "invalid");
    assert.equal(a.error.line, 3);
    assert.equal(a.error.column, 7);
});

check("bytes (invalid UTF-8, empty, 5 MiB) through the incremental hasher", () => {
    const bad = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80]);
    assert.equal(hashInChunks(w.Hasher, bad, 4), sha256sum(write("bad.bin", bad)));
    assert.equal(w.digestBytes(bad), sha256sum(path.join(scratch, "bad.bin")));
    assert.equal(hashInChunks(w.Hasher, Buffer.alloc(0), 1), sha256sum(write("empty", "")));
    const big = Buffer.alloc(5 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    assert.equal(hashInChunks(w.Hasher, big, 1 << 20), sha256sum(write("big.bin", big)));
});

check("a gzip layer: digest and diff_id as `imagekit layer build` reports them", () => {
    const dir = path.join(scratch, "tree");
    fs.mkdirSync(path.join(dir, "etc"), { recursive: true });
    fs.writeFileSync(path.join(dir, "etc/os-release"), "ID=driftwood\n");
    const noise = Buffer.alloc(3 << 20);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 27;
    fs.writeFileSync(path.join(dir, "noise.bin"), noise);
    const blob = path.join(scratch, "layer.tar.gz");
    const info = JSON.parse(execFileSync(imagekit, ["layer", "build", dir, "-o", blob, "--json"], { encoding: "utf8" }));
    const bytes = fs.readFileSync(blob);
    for (const size of [1 << 20, 4096, 17]) {
        const h = new w.LayerHasher();
        for (let i = 0; i < bytes.length; i += size) h.update(bytes.subarray(i, i + size));
        const r = JSON.parse(h.finish());
        h.free();
        assert.equal(r.digest, info.digest, "digest, chunk " + size);
        assert.equal(r.diff_id, info.diff_id, "diff_id, chunk " + size);
        assert.equal(r.uncompressed_size, info.uncompressed_size);
    }
    const cut = new w.LayerHasher();
    cut.update(bytes.subarray(0, bytes.length >> 1));
    const r = JSON.parse(cut.finish());
    assert.match(r.problem, /^truncated gzip stream/);
    const plain = new w.LayerHasher();
    plain.update(Buffer.from('{"not":"gzip"}'));
    assert.equal(JSON.parse(plain.finish()).problem, "not a gzip stream");
});

console.log(`node: ${checks} checks of the wasm module passed`);

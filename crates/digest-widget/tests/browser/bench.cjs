// `cargo xtask bench widget`: the digest widget's speed in headless Chromium, printed as
// Markdown (the sizes table is printed by the xtask before this). Same environment as the
// browser test (NODE_PATH, CHROMIUM, BOOK_DIR, WIDGET_SCRATCH, IMAGEKIT).
//
// - keystroke → digest: a 4 KB manifest in the text box; the time from an edit to the new digest
//   in the DOM (the input handler's work: UTF-8, SHA-256, parse, table), median/p95/max;
// - hashing throughput on 64 MiB: the widget's incremental wasm hasher (1 MiB updates) against
//   `crypto.subtle.digest` on the same bytes in the same page, the widget end to end on a
//   64 MiB file (File.slice reads included), a 64 MiB gzip layer (digest + diff_id), and native
//   `imagekit digest` on the same file.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { launch, serve } = require("../../../xtask/browser/chromium.cjs");

const book = path.resolve(process.env.BOOK_DIR);
const scratch = path.resolve(process.env.WIDGET_SCRATCH);
const imagekit = process.env.IMAGEKIT;
const RUNS = 3;
const MIB = 1 << 20;

/** Deterministic pseudo-random bytes (xorshift), so every run hashes the same input. */
function noise(n, seed) {
    const out = Buffer.alloc(n);
    let x = seed >>> 0 || 1;
    for (let i = 0; i < n; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out.writeUInt32LE(x >>> 0, i);
    }
    return out;
}

function stats(xs) {
    const s = [...xs].sort((a, b) => a - b);
    const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
    return { median: at(0.5), p95: at(0.95), max: s[s.length - 1] };
}

const mbps = (bytes, ms) => bytes / MIB / (ms / 1000);

async function main() {
    const server = await serve(book);
    const origin = `http://127.0.0.1:${server.address().port}/`;
    const browser = await launch();
    const page = await browser.newPage();
    const lines = [];
    const say = (s) => lines.push(s);
    try {
        await page.goto(origin + "08-manifests/index.html");
        await page.waitForSelector('.digest-widget[data-dw-state="ready"]', { timeout: 20000 });
        const version = browser.version();

        // ---- keystroke → digest on a 4 KB manifest ------------------------------------------
        const latency = await page.evaluate(() => {
            const t = document.querySelector(".digest-widget .dw-text");
            const result = document.querySelector(".digest-widget .dw-result");
            // The nginx manifest with more layers: a realistic document of about 4 KB.
            const m = JSON.parse(t.value);
            while (JSON.stringify(m, null, 3).length < 4000) m.layers.push(m.layers[m.layers.length % 6]);
            t.value = JSON.stringify(m, null, 3);
            const size = new TextEncoder().encode(t.value).length;
            const edits = [];
            for (let i = 0; i < 300; i++) {
                const t0 = performance.now();
                t.value = t.value.slice(0, 100) + String.fromCharCode(97 + (i % 26)) + t.value.slice(101);
                t.dispatchEvent(new Event("input"));
                const shown = result.querySelector(".dw-digest").textContent;
                edits.push(performance.now() - t0);
                if (!shown.startsWith("sha256:")) throw new Error("no digest");
            }
            return { size, edits };
        });
        // Real keystrokes through the browser's input pipeline: the handler time it records.
        const text = page.locator(".digest-widget .dw-text").first();
        await text.focus();
        const typed = [];
        for (let i = 0; i < 100; i++) {
            await page.keyboard.type(String.fromCharCode(97 + (i % 26)));
            typed.push(Number(await page.locator(".digest-widget .dw-result").first().getAttribute("data-dw-ms")));
        }
        const a = stats(latency.edits);
        const b = stats(typed);
        say(`Keystroke to digest, ${latency.size}-byte manifest (the input handler: UTF-8 encode, SHA-256, JSON parse, descriptor table, DOM update; ${latency.edits.length} edits):\n`);
        say("| | median | p95 | max |\n|---|---:|---:|---:|");
        say(`| scripted edits | ${a.median.toFixed(2)} ms | ${a.p95.toFixed(2)} ms | ${a.max.toFixed(2)} ms |`);
        say(`| real keystrokes (playwright, ${typed.length}) | ${b.median.toFixed(2)} ms | ${b.p95.toFixed(2)} ms | ${b.max.toFixed(2)} ms |`);
        say(`\nTarget: under one frame (16 ms).\n`);

        // ---- throughput on 64 MiB ---------------------------------------------------------------
        const n = 64 * MIB;
        const file = path.join(scratch, "widget-64MiB.bin");
        if (!fs.existsSync(file) || fs.statSync(file).size !== n) fs.writeFileSync(file, noise(n, 7));
        const inPage = await page.evaluate(async ({ n, runs }) => {
            const bytes = new Uint8Array(n);
            let x = 7;
            for (let i = 0; i < n; i += 4) {
                x ^= x << 13;
                x ^= x >>> 17;
                x ^= x << 5;
                new DataView(bytes.buffer).setUint32(i, x >>> 0, true);
            }
            const W = window.DigestWidgetWasm.bindgen;
            const wasm = [];
            const subtle = [];
            let wasmDigest = "";
            let subtleDigest = "";
            for (let r = 0; r < runs; r++) {
                let t0 = performance.now();
                const h = new W.Hasher();
                for (let i = 0; i < n; i += 1 << 20) h.update(bytes.subarray(i, i + (1 << 20)));
                wasmDigest = h.finish();
                h.free();
                wasm.push(performance.now() - t0);
                t0 = performance.now();
                const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
                subtle.push(performance.now() - t0);
                subtleDigest = "sha256:" + Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
            }
            return { wasm: Math.min(...wasm), subtle: Math.min(...subtle), same: wasmDigest === subtleDigest, digest: wasmDigest };
        }, { n, runs: RUNS });
        if (!inPage.same) throw new Error("wasm and crypto.subtle disagree");

        // The widget end to end on the file (File.slice reads, progress bar, yields).
        let widgetMs = Infinity;
        let widgetDigest = "";
        for (let r = 0; r < RUNS; r++) {
            await page.evaluate(() => document.querySelector(".digest-widget").removeAttribute("data-dw-file"));
            await page.locator(".digest-widget .dw-file").first().setInputFiles(file);
            await page.waitForSelector('.digest-widget[data-dw-file="done"]', { timeout: 120000 });
            widgetMs = Math.min(widgetMs, Number(await page.locator(".digest-widget").first().getAttribute("data-dw-file-ms")));
            widgetDigest = (await page.locator(".digest-widget .dw-file-digest").first().textContent()).trim();
        }

        // A 64 MiB gzip layer: digest and diff_id in one pass.
        const tree = path.join(scratch, "widget-layer-tree");
        const layer = path.join(scratch, "widget-layer.tar.gz");
        if (!fs.existsSync(layer)) {
            fs.mkdirSync(tree, { recursive: true });
            // Text-like data: compresses about 3:1, like a typical distribution layer.
            const words = noise(n, 11);
            const text = Buffer.alloc(n);
            const alphabet = Buffer.from("etaoinshrdlucmfwypvbgkqjxz    \n");
            for (let i = 0; i < n; i++) text[i] = alphabet[words[i] % 16 + (words[i] >> 7)];
            fs.writeFileSync(path.join(tree, "data.txt"), text);
        }
        const info = JSON.parse(execFileSync(imagekit, ["layer", "build", tree, "-o", layer, "--json"], { encoding: "utf8" }));
        let layerMs = Infinity;
        let layerOk = false;
        for (let r = 0; r < RUNS; r++) {
            await page.evaluate(() => document.querySelector(".digest-widget").removeAttribute("data-dw-file"));
            await page.locator(".digest-widget .dw-file").first().setInputFiles(layer);
            await page.waitForSelector('.digest-widget[data-dw-file="done"]', { timeout: 120000 });
            layerMs = Math.min(layerMs, Number(await page.locator(".digest-widget").first().getAttribute("data-dw-file-ms")));
            const diff = (await page.locator(".digest-widget .dw-file-diffid").first().textContent()).trim();
            layerOk = diff === info.diff_id;
        }
        if (!layerOk) throw new Error("the widget's diff_id differs from imagekit's");

        // Native imagekit on the same file (warm page cache), best of RUNS.
        let nativeMs = Infinity;
        let nativeDigest = "";
        for (let r = 0; r < RUNS; r++) {
            const t0 = process.hrtime.bigint();
            nativeDigest = execFileSync(imagekit, ["digest", file], { encoding: "utf8" }).split(/\s+/)[0];
            nativeMs = Math.min(nativeMs, Number(process.hrtime.bigint() - t0) / 1e6);
        }
        if (nativeDigest !== widgetDigest || nativeDigest !== inPage.digest) throw new Error("digests disagree");

        const wasmRate = mbps(n, inPage.wasm);
        const subtleRate = mbps(n, inPage.subtle);
        const nativeRate = mbps(n, nativeMs);
        say(`SHA-256 of 64 MiB in ${version} (headless), best of ${RUNS}; all digests agree:\n`);
        say("| what | time | MiB/s | vs wasm hasher |\n|---|---:|---:|---:|");
        say(`| widget's wasm \`Hasher\`, 1 MiB updates, bytes in memory | ${inPage.wasm.toFixed(0)} ms | ${wasmRate.toFixed(0)} | 1.00 |`);
        say(`| \`crypto.subtle.digest\`, same bytes, same page | ${inPage.subtle.toFixed(0)} ms | ${subtleRate.toFixed(0)} | ${(subtleRate / wasmRate).toFixed(2)} |`);
        say(`| the widget on a 64 MiB file, timed in the page from the file's selection (File.slice 4 MiB, yields, progress bar) | ${widgetMs.toFixed(0)} ms | ${mbps(n, widgetMs).toFixed(0)} | ${(mbps(n, widgetMs) / wasmRate).toFixed(2)} |`);
        say(`| the widget on a ${(info.size / MIB).toFixed(1)} MiB gzip layer (${(info.uncompressed_size / MIB).toFixed(0)} MiB of tar): digest + diff_id | ${layerMs.toFixed(0)} ms | ${mbps(info.size, layerMs).toFixed(0)} (compressed) | |`);
        say(`| native \`imagekit digest\` (release, process start included) | ${nativeMs.toFixed(0)} ms | ${nativeRate.toFixed(0)} | ${(nativeRate / wasmRate).toFixed(2)} |`);
        say(`\nThe wasm hasher runs at ${(wasmRate / subtleRate).toFixed(2)}× \`crypto.subtle\` and ${(wasmRate / nativeRate).toFixed(2)}× native imagekit. ` +
            "`crypto.subtle.digest` takes the whole buffer at once (no incremental API), so it cannot stream a 500 MB file; " +
            "the widget's hasher can, in constant memory.\n");
    } finally {
        await browser.close();
        server.close();
    }
    console.log(lines.join("\n"));
}

main().catch((e) => {
    console.error("FAIL " + (e && e.stack ? e.stack : e));
    process.exit(1);
});

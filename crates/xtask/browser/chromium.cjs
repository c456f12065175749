// What every browser test and benchmark of the book shares (the walk, explorer, reload, the digest
// widget's tests and bench): Debian's Chromium launched headless through playwright-core, with the flags
// these machines need (run as root, no GPU, nothing fetched in the background), and a static
// file server for a built book on 127.0.0.1.
//   CHROMIUM  the browser's path (crates/xtask/src/widget.rs: browser_tools)
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { chromium } = require("playwright-core");

const FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/** Headless Chromium (playwright's own fresh profile each launch). */
function launch() {
    if (!process.env.CHROMIUM) throw new Error("CHROMIUM is not set (run through `cargo xtask test` or `bench`)");
    return chromium.launch({ executablePath: process.env.CHROMIUM, headless: true, args: FLAGS });
}

const TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
};

/** A static file server for `dir` on 127.0.0.1 (a random free port); resolves to the server. */
function serve(dir) {
    const server = http.createServer((req, res) => {
        let rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
        if (rel.endsWith("/")) rel += "index.html";
        const file = path.join(dir, path.normalize(rel));
        if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
            res.writeHead(404);
            res.end("not found");
            return;
        }
        res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
        fs.createReadStream(file).pipe(res);
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

module.exports = { launch, serve, FLAGS };

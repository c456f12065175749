// Live reload, as an instructor sees it: pages open in headless Chromium (Debian's, driven by
// playwright-core) on a running `mdbook serve`, and an edit saved to each kind of source the
// issue names. Each open page must reload by itself (mdBook's websocket) and show the edit:
//
//   - a topic page's markdown (src/07-layers/index.md);
//   - an exercise's hints.md, which its exercise page shows through a cmdrun line
//     (book.toml's extra-watch-dirs, and a figure cache keyed on the hints file);
//   - the widget's and the explorer's generated modules (src/widget/gen/, src/explorer/gen/),
//     which `cargo xtask serve` rewrites when their Rust sources change (watcher.rs): they must
//     not be hidden from mdBook by a .gitignore rule.
//
// Run by `cargo xtask test` (stage reload) and `cargo xtask test reload` (crates/xtask/src/served.rs)
// with:
//   NODE_PATH     target/widget-node/node_modules (playwright-core)
//   CHROMIUM      the browser binary
//   SERVE_ORIGIN  http://127.0.0.1:PORT/ of an `mdbook serve` of a copy of the book
//   COPY_DIR      that copy's root (the sources edited here)
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { launch } = require("./chromium.cjs");

// A reload that has not happened after this long is a failure.
const TIMEOUT = 30000;

const EDITS = [
    {
        what: "a topic page's markdown",
        page: "07-layers/index.html",
        source: "src/07-layers/index.md",
        line: (probe) => `\n${probe}\n`,
        // Polled through the reload too: the new document may not have its <body> yet.
        shows: (probe) => document.body !== null && document.body.textContent.includes(probe),
    },
    {
        what: "an exercise's hints.md, on its exercise page",
        page: "07-layers/exercise.html",
        source: "exercises/07-layers/hints.md",
        // The end of the file: the last step's last hint (in a folded <details>, hence textContent).
        line: (probe) => `\n${probe}\n`,
        shows: (probe) => document.body !== null && document.body.textContent.includes(probe),
    },
    {
        what: "the widget's generated module",
        page: "08-manifests/index.html",
        source: "src/widget/gen/digest-widget-wasm.js",
        line: (probe) => `\nwindow.reloadProbe = ${JSON.stringify(probe)};\n`,
        shows: (probe) => window.reloadProbe === probe,
    },
    {
        what: "the explorer's generated worker",
        page: "explorer/index.html",
        source: "src/explorer/gen/image-explorer-wasm.js",
        line: (probe) => `\nwindow.reloadProbe = ${JSON.stringify(probe)};\n`,
        shows: (probe) => window.reloadProbe === probe,
    },
];

async function check(browser, edit, n) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && errors.push(`console error: ${m.text()}`));
    // Counted at each navigation's commit: the edit may show before the new page's load event.
    let loads = 0;
    page.on("framenavigated", (frame) => frame === page.mainFrame() && loads++);
    await page.goto(process.env.SERVE_ORIGIN + edit.page, { waitUntil: "load" });
    // mdBook's page script opens the websocket on load; give it a moment to connect.
    await page.waitForTimeout(300);

    const probe = `Reload probe ${n} ${process.pid}`;
    const source = path.join(process.env.COPY_DIR, edit.source);
    const start = Date.now();
    fs.appendFileSync(source, edit.line(probe));
    try {
        await page.waitForFunction(edit.shows, probe, { timeout: TIMEOUT, polling: 50 });
    } catch (e) {
        errors.push(`the open page did not show the edit within ${TIMEOUT / 1000} s (${loads} load(s))`);
    }
    const took = ((Date.now() - start) / 1000).toFixed(2);
    if (loads < 2 && errors.length === 0) errors.push("the edit showed without a reload (?)");
    await context.close();
    if (errors.length === 0) {
        console.log(`ok   ${edit.what}: ${edit.source} → ${edit.page} reloaded in ${took} s`);
        return true;
    }
    console.log(`FAIL ${edit.what}: ${edit.source} → ${edit.page}`);
    for (const e of errors) console.log(`       ${e}`);
    return false;
}

async function main() {
    for (const name of ["SERVE_ORIGIN", "COPY_DIR", "CHROMIUM"]) {
        if (!process.env[name]) throw new Error(`${name} is not set (run through \`cargo xtask test reload\`)`);
    }
    const browser = await launch();
    let failed = 0;
    try {
        for (const [n, edit] of EDITS.entries()) {
            if (!(await check(browser, edit, n))) failed++;
        }
    } finally {
        await browser.close();
    }
    console.log(`reload: ${EDITS.length - failed} of ${EDITS.length} edits reloaded the open page`);
    if (failed) process.exitCode = 1;
}

main().catch((e) => {
    console.error(`reload: ${e.stack || e}`);
    process.exitCode = 1;
});

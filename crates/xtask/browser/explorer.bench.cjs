// `cargo xtask bench explorer` (crates/xtask/src/explorer.rs): the explorer page opened from disk
// in headless Chromium explores ARCHIVE three times, end to end (file input to tables drawn).
// Prints one line for the best run: `milliseconds peak_wasm_bytes longest_main_thread_task_ms`
// (long tasks are those over 50 ms, as the Long Tasks API reports them; 0 = none).
//   NODE_PATH, CHROMIUM, BOOK_DIR  as the explorer's test;  ARCHIVE  the file to explore
"use strict";

const path = require("node:path");
const { launch } = require("./chromium.cjs");

async function main() {
    const browser = await launch();
    const page = await browser.newPage();
    await page.goto("file://" + path.join(path.resolve(process.env.BOOK_DIR), "explorer/index.html"));
    await page.waitForSelector('.image-explorer[data-state="done"]', { timeout: 60000 });
    await page.evaluate(() => {
        window.__longest = 0;
        new PerformanceObserver((list) => {
            list.getEntries().forEach((e) => (window.__longest = Math.max(window.__longest, e.duration)));
        }).observe({ type: "longtask" });
    });
    let best = null;
    for (let i = 0; i < 3; i++) {
        await page.evaluate(() => document.querySelector(".image-explorer").removeAttribute("data-state"));
        const t0 = Date.now();
        await page.locator(".image-explorer .ie-file").setInputFiles(process.env.ARCHIVE);
        await page.waitForSelector('.image-explorer[data-state="done"], .image-explorer[data-state="error"]', { timeout: 600000 });
        const ms = Date.now() - t0;
        const state = await page.evaluate(() => {
            const root = document.querySelector(".image-explorer");
            return { state: root.dataset.state, memory: Number(root.dataset.memory), error: root.querySelector(".ie-error").textContent };
        });
        if (state.state !== "done") throw new Error("the page failed on the bench image: " + state.error);
        if (!best || ms < best.ms) best = { ms, memory: state.memory };
    }
    const longest = await page.evaluate(() => window.__longest);
    await browser.close();
    console.log(`${best.ms} ${best.memory} ${Math.round(longest)}`);
}

main().catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
});

// The digest widget in a real browser: headless Chromium (Debian's) driven by playwright-core,
// against the built book served on 127.0.0.1 and opened from disk (file://). Every digest read
// from the page is compared with `sha256sum` of the same bytes, and a layer's digest and diff_id
// with what `imagekit layer build --json` reports. Run by `cargo xtask test` (stage widget) with:
//   NODE_PATH       target/widget-node/node_modules (playwright-core)
//   CHROMIUM        the browser binary
//   BOOK_DIR        the built book
//   WIDGET_SCRATCH  a folder for inputs
//   IMAGEKIT        the imagekit binary
//   WIDGET_PAGES    optional: pages to test, space-separated (default: every page with the widget)
"use strict";

const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { launch, serve } = require("../../../xtask/browser/chromium.cjs");

const book = path.resolve(process.env.BOOK_DIR);
const scratch = path.resolve(process.env.WIDGET_SCRATCH);
const imagekit = process.env.IMAGEKIT;

function sha256sum(file) {
    return "sha256:" + execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0];
}

function sha256sumOf(name, bytes) {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, bytes);
    return sha256sum(file);
}

function widgetPages() {
    if (process.env.WIDGET_PAGES) return process.env.WIDGET_PAGES.split(/\s+/).filter(Boolean);
    const pages = [];
    for (const entry of fs.readdirSync(book, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name === "widget") continue;
        for (const f of fs.readdirSync(path.join(book, entry.name))) {
            if (!f.endsWith(".html")) continue;
            const rel = entry.name + "/" + f;
            if (fs.readFileSync(path.join(book, rel), "utf8").includes('class="digest-widget"')) pages.push(rel);
        }
    }
    return pages.sort();
}

let passed = 0;
async function step(name, f) {
    const t0 = Date.now();
    await f();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
}

async function ready(page) {
    await page.waitForSelector('.digest-widget[data-dw-state="ready"]', { timeout: 20000 });
}

async function widgetText(page, sel) {
    return (await page.locator(".digest-widget " + sel).first().textContent()).trim();
}

async function textValue(page) {
    return page.locator(".digest-widget .dw-text").first().inputValue();
}

/** What the page shows for a file chosen through the file input. */
async function chooseFile(page, file) {
    await page.evaluate(() => document.querySelector(".digest-widget").removeAttribute("data-dw-file"));
    await page.locator(".digest-widget .dw-file").first().setInputFiles(file);
    await page.waitForSelector('.digest-widget[data-dw-file="done"]', { timeout: 60000 });
    return {
        digest: await widgetText(page, ".dw-file-digest"),
        diffId: await widgetText(page, ".dw-file-diffid"),
        text: await widgetText(page, ".dw-file-result"),
    };
}

async function main() {
    const pages = widgetPages();
    if (pages.length === 0) {
        throw new Error(`no page under ${book} includes the widget (src/widget/digest-widget.html)`);
    }
    console.log("pages with the widget: " + pages.join(", "));
    const server = await serve(book);
    const origin = `http://127.0.0.1:${server.address().port}/`;
    const browser = await launch();
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const original = fs.readFileSync(path.join(__dirname, "../../../driftwood/data/raw/nginx_1.23.1_linux_amd64_manifest.json"), "utf8");
    const published = sha256sumOf("original.json", original);

    try {
        for (const rel of pages) {
            await step(`${rel}: served, the preloaded manifest shows its published digest`, async () => {
                await page.goto(origin + rel);
                await ready(page);
                assert.equal(await widgetText(page, ".dw-digest"), published);
                assert.equal(await textValue(page), original);
                assert.equal(await widgetText(page, ".dw-size"), "1,570");
                assert.equal(await page.locator(".digest-widget").first().getAttribute("data-dw-kind"), "manifest");
                assert.equal(await page.locator(".digest-widget").first().getAttribute("data-dw-verdict"), "match");
                assert.equal(await page.locator(".digest-widget .dw-rows tbody tr").count(), 1 + 6);
            });
        }
        await step("pages without the widget do not load its module; print.html runs both copies", async () => {
            const requested = [];
            const listener = (r) => requested.push(r.url());
            page.on("request", listener);
            await page.goto(origin + "index.html");
            await page.waitForLoadState("load");
            assert.ok(requested.some((u) => u.includes("theme/widget/digest-widget.js")), "the page script loads everywhere");
            assert.ok(!requested.some((u) => u.includes("digest-widget-wasm.js")), "but not the module");
            page.off("request", listener);
            await page.goto(origin + "print.html");
            await page.waitForFunction(() => document.querySelectorAll('.digest-widget[data-dw-state="ready"]').length === 2, null, { timeout: 20000 });
            const ids = await page.evaluate(() => Array.from(document.querySelectorAll(".dw-summary"), (e) => e.id));
            assert.equal(new Set(ids).size, 2, "unique ids for each copy");
        });

        const rel = pages[0];
        await page.goto(origin + rel);
        await ready(page);
        const root = page.locator(".digest-widget").first();
        const text = root.locator(".dw-text");

        await step("typing: the digest follows the bytes (compared with sha256sum)", async () => {
            await text.focus();
            await page.keyboard.press("Control+End");
            await page.keyboard.type("\n ");
            const value = await textValue(page);
            assert.equal(value, original + "\n ");
            assert.equal(await widgetText(page, ".dw-digest"), sha256sumOf("typed.json", value));
            assert.equal(await root.getAttribute("data-dw-verdict"), "mismatch");
            assert.match(await widgetText(page, ".dw-verdict"), /^Mismatch/);
        });

        await step("restore: one click brings back the original bytes and the match", async () => {
            await root.getByRole("button", { name: "Restore the original bytes" }).click();
            assert.equal(await textValue(page), original);
            assert.equal(await widgetText(page, ".dw-digest"), published);
            assert.equal(await root.getAttribute("data-dw-verdict"), "match");
        });

        await step("reformat: pretty, compact, sorted keys change the digest, not the JSON", async () => {
            const seen = new Set([published]);
            for (const name of ["Pretty", "Compact", "Sorted keys"]) {
                await root.getByRole("button", { name, exact: true }).click();
                const value = await textValue(page);
                assert.deepEqual(JSON.parse(value), JSON.parse(original), name);
                const digest = await widgetText(page, ".dw-digest");
                assert.equal(digest, sha256sumOf("reformatted.json", value), name);
                seen.add(digest);
                assert.equal(await root.getAttribute("data-dw-kind"), "manifest");
            }
            assert.equal(seen.size, 4);
            await root.getByRole("button", { name: "Restore the original bytes" }).click();
        });

        await step("expected digest: bare hex, uppercase, other digests", async () => {
            const expected = root.locator(".dw-expected");
            await expected.fill(published.slice(7));
            assert.equal(await root.getAttribute("data-dw-verdict"), "match");
            await expected.fill(published.toUpperCase());
            assert.equal(await root.getAttribute("data-dw-verdict"), "invalid");
            await expected.fill("sha256:" + "0".repeat(64));
            assert.equal(await root.getAttribute("data-dw-verdict"), "mismatch");
            await expected.fill(published);
        });

        await step("invalid JSON: the first error's line and column", async () => {
            await text.fill('{\n  "a": 1,\n  "b" 2\n}');
            assert.equal(await root.getAttribute("data-dw-kind"), "invalid");
            assert.match(await widgetText(page, ".dw-summary"), /line 3, column 7/);
            assert.equal(await widgetText(page, ".dw-digest"), sha256sumOf("invalid.json", '{\n  "a": 1,\n  "b" 2\n}'));
            await root.locator(".dw-goto").click();
            const at = await text.evaluate((t) => t.selectionStart);
            assert.equal(at, '{\n  "a": 1,\n  "b" '.length);
        });

        await step("empty input: the digest of no bytes", async () => {
            await text.fill("");
            assert.equal(await widgetText(page, ".dw-digest"), sha256sumOf("empty", ""));
            assert.equal(await root.getAttribute("data-dw-kind"), "empty");
        });

        await step("a 50 MB paste: hashed in steps, the page keeps answering", async () => {
            const n = 50 * 1000 * 1000;
            const result = await page.evaluate(async (n) => {
                const t = document.querySelector(".digest-widget .dw-text");
                const big = "é".repeat(10) + "0123456789abcdef".repeat(n / 16 - 2) + "\u{1F600}".repeat(4);
                // A heartbeat: the longest gap between timer ticks is how long the page froze.
                let last = performance.now();
                let worst = 0;
                const beat = setInterval(() => {
                    const now = performance.now();
                    worst = Math.max(worst, now - last);
                    last = now;
                }, 10);
                t.focus();
                t.select();
                const clipboard = new DataTransfer();
                clipboard.setData("text/plain", big);
                t.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
                const root = document.querySelector(".digest-widget");
                await new Promise((resolve) => {
                    const poll = () => (root.getAttribute("data-dw-state") === "ready" ? resolve() : setTimeout(poll, 20));
                    setTimeout(poll, 20);
                });
                clearInterval(beat);
                return { worst, digest: root.querySelector(".dw-digest").textContent, length: big.length };
            }, n);
            const big = "é".repeat(10) + "0123456789abcdef".repeat(n / 16 - 2) + "\u{1F600}".repeat(4);
            assert.equal(result.length, big.length);
            assert.equal(result.digest, "sha256:" + crypto.createHash("sha256").update(big, "utf8").digest("hex"));
            console.log(`     longest main-thread stall while hashing 50 MB: ${result.worst.toFixed(0)} ms`);
            // The paste is kept out of the textarea (laying out 50 MB would freeze Chromium for
            // seconds) and hashed in 1 MiB steps: no long stall.
            assert.ok(result.worst < 1000, `page froze for ${result.worst} ms`);
            assert.equal(await text.getAttribute("readonly"), "");
            assert.match(await text.getAttribute("placeholder"), /too many to show/);
            await root.getByRole("button", { name: "Restore the original bytes" }).click();
        });

        // Files: a gzip layer built by imagekit, a truncated one, a JSON config, invalid UTF-8.
        const tree = path.join(scratch, "tree");
        fs.mkdirSync(path.join(tree, "etc"), { recursive: true });
        fs.writeFileSync(path.join(tree, "etc/os-release"), "ID=driftwood\n");
        const noise = Buffer.alloc(6 << 20);
        for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 26;
        fs.writeFileSync(path.join(tree, "noise.bin"), noise);
        const layer = path.join(scratch, "layer.tar.gz");
        const info = JSON.parse(execFileSync(imagekit, ["layer", "build", tree, "-o", layer, "--json"], { encoding: "utf8" }));
        const truncated = path.join(scratch, "truncated.tar.gz");
        fs.writeFileSync(truncated, fs.readFileSync(layer).subarray(0, Math.floor(info.size / 2)));
        const notGzip = path.join(scratch, "config.json");
        fs.writeFileSync(notGzip, '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["' + info.diff_id + '"]}}');
        const binary = path.join(scratch, "invalid-utf8.bin");
        fs.writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80, 0x41]));

        const fileChecks = async (where) => {
            await step(`${where}: a gzip layer gives the digest and diff_id imagekit reports`, async () => {
                const r = await chooseFile(page, layer);
                assert.equal(r.digest, info.digest);
                assert.equal(r.digest, sha256sum(layer));
                assert.equal(r.diffId, info.diff_id);
            });
            await step(`${where}: a truncated gzip layer keeps its digest and says why there is no diff_id`, async () => {
                const r = await chooseFile(page, truncated);
                assert.equal(r.digest, sha256sum(truncated));
                assert.match(r.diffId, /truncated gzip stream/);
            });
            await step(`${where}: a non-gzip file: digest, and diff_id "not a gzip stream"`, async () => {
                const r = await chooseFile(page, notGzip);
                assert.equal(r.digest, sha256sum(notGzip));
                assert.match(r.diffId, /not a gzip stream/);
                assert.match(r.text, /An image config/);
            });
            await step(`${where}: invalid UTF-8 is hashed as bytes`, async () => {
                const r = await chooseFile(page, binary);
                assert.equal(r.digest, sha256sum(binary));
                assert.match(r.text, /Not UTF-8 text/);
            });
        };
        await fileChecks("served");

        await step("a 512 MiB file streams: constant memory, the page keeps answering", async () => {
            const big = path.join(scratch, "sparse-512MiB.bin");
            fs.closeSync(fs.openSync(big, "w"));
            fs.truncateSync(big, 512 << 20); // sparse: instant to make, read as zeros
            fs.appendFileSync(big, "end");
            await page.evaluate(() => {
                window.__beat = { last: performance.now(), worst: 0 };
                window.__beatTimer = setInterval(() => {
                    const now = performance.now();
                    window.__beat.worst = Math.max(window.__beat.worst, now - window.__beat.last);
                    window.__beat.last = now;
                }, 10);
            });
            const before = await page.evaluate(() => window.DigestWidgetWasm.bindgen.memoryBytes());
            await page.evaluate(() => document.querySelector(".digest-widget").removeAttribute("data-dw-file"));
            await page.locator(".digest-widget .dw-file").first().setInputFiles(big);
            // Halfway, the progress bar moves and the text box still answers.
            await page.waitForFunction(() => Number(document.querySelector(".digest-widget .dw-progress").value) > 0.3, null, { timeout: 60000 });
            await text.fill("{}");
            assert.equal(await widgetText(page, ".dw-digest"), sha256sumOf("during.json", "{}"));
            await page.waitForSelector('.digest-widget[data-dw-file="done"]', { timeout: 120000 });
            const after = await page.evaluate(() => window.DigestWidgetWasm.bindgen.memoryBytes());
            const worst = await page.evaluate(() => {
                clearInterval(window.__beatTimer);
                return window.__beat.worst;
            });
            assert.equal(await widgetText(page, ".dw-file-digest"), sha256sum(big));
            console.log(`     wasm memory ${before >> 20} MiB before, ${after >> 20} MiB after; longest stall ${worst.toFixed(0)} ms`);
            assert.ok(after - before <= 16 << 20, `wasm memory grew by ${(after - before) >> 20} MiB`);
            assert.ok(worst < 1000, `page froze for ${worst} ms`);
            fs.unlinkSync(big);
            await root.getByRole("button", { name: "Restore the original bytes" }).click();
        });

        await step("keyboard: labelled controls, in reading order", async () => {
            assert.equal(await page.getByLabel("Bytes (UTF-8 text)").count(), 1);
            await text.focus();
            const order = [];
            for (let i = 0; i < 7; i++) {
                await page.keyboard.press("Tab");
                order.push(await page.evaluate(() => {
                    const a = document.activeElement;
                    return a.getAttribute("data-dw-action") || a.className || a.tagName;
                }));
            }
            // The descriptor table scrolls sideways on narrow screens: it takes focus, so arrow keys scroll it.
            assert.deepEqual(order, ["original", "pretty", "compact", "sorted", "dw-expected", "dw-rows", "dw-file"]);
            assert.equal(await root.locator(".dw-result").getAttribute("aria-live"), "polite");
        });

        await step("without JavaScript the widget explains itself in plain HTML", async () => {
            const quiet = await browser.newContext({ javaScriptEnabled: false });
            const p = await quiet.newPage();
            await p.goto(origin + rel);
            const explained = await p.locator(".digest-widget .dw-nojs").first().textContent();
            assert.match(explained, /needs JavaScript/);
            assert.match(await p.locator(".digest-widget .dw-intro").first().textContent(), new RegExp(published));
            assert.equal(await p.locator(".digest-widget .dw-ui").first().isVisible(), false);
            await quiet.close();
        });

        await step("from disk (file://): the widget loads and hashes", async () => {
            await page.goto("file://" + path.join(book, rel));
            await ready(page);
            assert.equal(await widgetText(page, ".dw-digest"), published);
            await page.locator(".digest-widget .dw-text").first().focus();
            await page.keyboard.press("Control+Home");
            await page.keyboard.type(" ");
            assert.equal(await widgetText(page, ".dw-digest"), sha256sumOf("disk.json", " " + original));
        });
        await fileChecks("file://");

        assert.deepEqual(errors, [], "no script errors in the page");
    } finally {
        await browser.close();
        server.close();
    }
    console.log(`browser: ${passed} checks passed in headless Chromium`);
}

main().catch((e) => {
    console.error("FAIL " + (e && e.stack ? e.stack : e));
    process.exit(1);
});

// The image explorer (src/explorer/index.md) in headless Chromium, opened from disk (file://) and
// served on 127.0.0.1. The page's tables, trees and findings are compared with imagekit's own
// `--json layers`, `history` and `audit` on the same files: the preloaded Topic 07 image,
// skopeo-made docker-archive and oci-archive copies of it, and of an image that deletes a
// secret-looking file and carries a password in its Env. Then the faults: a layer with one
// flipped byte (named, nothing shown as verified), a truncated archive, a file that is no archive.
// Run by `cargo xtask test` (stage explorer, crates/xtask/src/explorer.rs) with:
//   NODE_PATH, CHROMIUM, BOOK_DIR, IMAGEKIT, SKOPEO  as the widget's test
//   EXPLORER_SCRATCH  a fresh folder for the inputs
//   DEMO_ARCHIVE      the oci-archive the page preloads (target/explorer/…)
//   DEMO_TREE         demo/driftwood-web (for a single-layer check)
"use strict";

const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { launch, serve } = require("./chromium.cjs");

const book = path.resolve(process.env.BOOK_DIR);
const scratch = path.resolve(process.env.EXPLORER_SCRATCH);
const imagekit = process.env.IMAGEKIT;
const skopeo = process.env.SKOPEO;
const PAGE = "explorer/index.html";

function run(cmd, args, opts) {
    return execFileSync(cmd, args, Object.assign({ encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }, opts || {}));
}

function cli(verb, source, extra) {
    return JSON.parse(run(imagekit, ["--json", verb, source].concat(extra || [])));
}

/** The inputs: skopeo copies of the demo image and of an image that deletes a secret. */
function makeImages() {
    const demo = path.join(scratch, "demo.imagekit.oci-archive.tar");
    fs.copyFileSync(process.env.DEMO_ARCHIVE, demo);
    const copy = (from, to) => run(skopeo, ["copy", "--quiet", from, to]);
    const demoDocker = path.join(scratch, "demo.skopeo.docker-archive.tar");
    const demoOci = path.join(scratch, "demo.skopeo.oci-archive.tar");
    copy(`oci-archive:${demo}`, `docker-archive:${demoDocker}:driftwood-web:1.0`);
    copy(`oci-archive:${demo}`, `oci-archive:${demoOci}:driftwood-web:1.0`);
    // imagekit writes docker-archive in Docker 25+'s form (an OCI layout with manifest.json).
    const demoDocker25 = path.join(scratch, "demo.imagekit.docker-archive.tar");
    run(imagekit, ["copy", `oci-archive:${demo}`, `docker-archive:${demoDocker25}`]);

    // An image whose second layer adds a file and whose third deletes the key the first shipped.
    const src = path.join(scratch, "secret-src");
    const write = (rel, text) => {
        fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
        fs.writeFileSync(path.join(src, rel), text);
    };
    write("base/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    write("base/app/server.key", "-----BEGIN PRIVATE KEY-----\n" + "A".repeat(1600) + "\n-----END PRIVATE KEY-----\n");
    write("base/app/index.html", "<h1>v1</h1>\n");
    write("app/app/index.html", "<h1>v2, a longer page than the first</h1>\n");
    const layout = path.join(scratch, "secret-oci");
    run(imagekit, ["image", "build", "--layer", "base", "--layer", "app", "--delete", "app/server.key",
        "--env", "DB_PASSWORD=hunter2hunter2", "--label", "maintainer=driftwood", "--cmd", "serve",
        "--tag", "secret:1", "-o", layout], { cwd: src });
    const secretDocker = path.join(scratch, "secret.skopeo.docker-archive.tar");
    const secretOci = path.join(scratch, "secret.skopeo.oci-archive.tar");
    copy(`oci:${layout}:secret:1`, `docker-archive:${secretDocker}:secret:1`);
    copy(`oci:${layout}:secret:1`, `oci-archive:${secretOci}:secret:1`);
    // Two platforms under one index.
    const multiLayout = path.join(scratch, "multi-oci");
    run(imagekit, ["image", "build", "--layer", "base", "--platform", "linux/amd64", "--platform", "linux/arm64",
        "--tag", "multi:1", "-o", multiLayout], { cwd: src });
    const multi = path.join(scratch, "multi.imagekit.oci-archive.tar");
    run(imagekit, ["copy", "--all", `oci:${multiLayout}:multi:1`, `oci-archive:${multi}`]);
    // Several images in one file: a classic `docker save` of two tags (the two skopeo archives'
    // files together, manifest.json listing both), and an OCI layout of two refs, as an
    // oci-archive (GNU tar of the layout) and as a folder.
    const both = path.join(scratch, "two-docker");
    fs.mkdirSync(both);
    const entries = [];
    for (const archive of [demoDocker, secretDocker]) {
        run("tar", ["-xf", archive, "-C", both]);
        entries.push(...JSON.parse(fs.readFileSync(path.join(both, "manifest.json"), "utf8")));
    }
    fs.writeFileSync(path.join(both, "manifest.json"), JSON.stringify(entries));
    fs.rmSync(path.join(both, "repositories"), { force: true });
    const twoDocker = path.join(scratch, "two.docker-archive.tar");
    run("tar", ["-cf", twoDocker, "-C", both].concat(fs.readdirSync(both).sort()));
    const twoLayout = path.join(scratch, "two-oci");
    copy(`oci:${layout}:secret:1`, `oci:${twoLayout}:secret:1`);
    copy(`oci-archive:${demo}`, `oci:${twoLayout}:driftwood-web:1.0`);
    const twoOci = path.join(scratch, "two.oci-archive.tar");
    run("tar", ["-cf", twoOci, "-C", twoLayout, "oci-layout", "index.json", "blobs"]);
    return {
        multi,
        several: {
            docker: { file: twoDocker, transport: "docker-archive", names: entries.map((e) => e.RepoTags[0]) },
            oci: { file: twoOci, transport: "oci-archive", names: ["secret:1", "driftwood-web:1.0"] },
            layout: twoLayout,
        },
        demo: { file: demo, source: `oci-archive:${demo}` },
        images: [
            { file: demoDocker, source: `docker-archive:${demoDocker}` },
            { file: demoOci, source: `oci-archive:${demoOci}` },
            { file: demoDocker25, source: `docker-archive:${demoDocker25}` },
            { file: secretDocker, source: `docker-archive:${secretDocker}`, secret: true },
            { file: secretOci, source: `oci-archive:${secretOci}`, secret: true },
        ],
        secretDocker,
        secretOci,
        layout,
    };
}

/** The entries of a tar: name, offset of the data, size (ustar, as skopeo writes). */
function tarEntries(bytes) {
    const out = [];
    let off = 0;
    while (off + 512 <= bytes.length) {
        const h = bytes.subarray(off, off + 512);
        if (h.every((b) => b === 0)) break;
        const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
        const prefix = h.subarray(345, 500).toString("utf8").replace(/\0.*$/s, "");
        const size = parseInt(h.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
        out.push({ name: prefix ? prefix + "/" + name : name, data: off + 512, size });
        off += 512 + Math.ceil(size / 512) * 512;
    }
    return out;
}

let passed = 0;
async function step(name, f) {
    const t0 = Date.now();
    await f();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
}

/** Wait for the explorer to finish reading (it sets data-state on its root). */
async function settled(page) {
    await page.waitForSelector('.image-explorer[data-state="done"], .image-explorer[data-state="error"]', { timeout: 120000 });
    return page.evaluate(() => document.querySelector(".image-explorer").getAttribute("data-state"));
}

async function choose(page, file, input) {
    await page.evaluate(() => document.querySelector(".image-explorer").removeAttribute("data-state"));
    await page.locator(".image-explorer " + (input || ".ie-file")).setInputFiles(file);
    return settled(page);
}

/** Everything the page shows, as data: table cells' raw values, tree nodes fully expanded. */
function readPage() {
    const root = document.querySelector(".image-explorer");
    const rows = (cls) =>
        Array.from(root.querySelectorAll(`table.${cls} tbody tr`), (tr) => {
            const o = {};
            tr.querySelectorAll("td[data-col]").forEach((td) => (o[td.dataset.col] = td.dataset.value));
            return o;
        });
    const trees = Array.from(root.querySelectorAll("details.ie-tree"), (d) => {
        d.open = true;
        d.dispatchEvent(new Event("toggle"));
        const all = d.querySelector(".ie-expand");
        if (all) all.click();
        const nodes = Array.from(d.querySelectorAll("li[data-path]"), (li) => ({
            path: li.dataset.path,
            kind: li.dataset.kind,
            mark: li.dataset.mark,
            size: Number(li.dataset.size),
        }));
        return { layer: d.dataset.layer, merged: d.hasAttribute("data-merged"), nodes, files: d.dataset.files, bytes: d.dataset.bytes };
    });
    const field = (k) => {
        const dd = root.querySelector(`dd[data-field="${k}"]`);
        return dd ? JSON.parse(dd.dataset.value) : undefined;
    };
    const totals = root.querySelector(".ie-totals");
    const eff = root.querySelector(".ie-efficiency");
    return {
        state: root.dataset.state,
        error: root.querySelector(".ie-error").hidden ? "" : root.querySelector(".ie-error").textContent,
        resultsShown: !root.querySelector(".ie-results").hidden,
        verifiedCells: root.querySelectorAll('td[data-col="verified"]').length,
        kind: root.querySelector(".ie-source") ? root.querySelector(".ie-source").dataset.kind : null,
        manifest: root.querySelector(".ie-manifest") ? root.querySelector(".ie-manifest").textContent : null,
        platforms: rows("ie-platforms"),
        imageId: field("digest"),
        cmd: field("cmd"),
        env: field("env"),
        layers: rows("ie-layers"),
        history: rows("ie-history"),
        secrets: rows("ie-secrets"),
        secretFiles: rows("ie-secret-files"),
        deleted: rows("ie-deleted"),
        overwritten: rows("ie-overwritten"),
        setid: rows("ie-setid"),
        worldWritable: rows("ie-world-writable"),
        totals: totals ? { ...totals.dataset } : null,
        score: eff ? Number(eff.dataset.score) : null,
        trees,
    };
}

const str = (v) => (v === null || v === undefined ? "" : String(v));

/** The page against `imagekit --json layers|history|audit` on the same file. */
function compare(shown, source, name, extra) {
    const layers = cli("layers", source, extra);
    const history = cli("history", source, extra);
    const audit = cli("audit", source, extra);
    const where = (what) => `${name}: ${what}`;
    assert.equal(shown.state, "done", where(`the page failed: ${shown.error}`));
    assert.equal(shown.kind, "image", where("kind"));
    assert.equal(shown.manifest, layers.manifest, where("manifest digest"));
    assert.equal(shown.imageId, history.image_id, where("image ID"));
    assert.ok(shown.platforms.some((p) => p.chosen === "true"), where("a chosen platform"));
    assert.equal(shown.layers.length, layers.layers.length, where("layer count"));
    layers.layers.forEach((l, i) => {
        const row = shown.layers[i];
        for (const key of ["digest", "diff_id", "size", "uncompressed_size", "added", "changed", "deleted", "deleted_bytes_still_shipped", "created_by"]) {
            assert.equal(row[key], str(l[key]), where(`layer ${i} ${key}`));
        }
        assert.equal(row.verified, "true", where(`layer ${i} verified`));
        const tree = shown.trees.find((t) => t.layer === String(i));
        const count = (marks) => tree.nodes.filter((n) => marks.includes(n.mark) && (marks[0] !== "added" && marks[0] !== "changed" || n.kind !== "dir")).length;
        assert.equal(count(["added"]), l.added, where(`layer ${i} tree: files marked added`));
        assert.equal(count(["changed"]), l.changed, where(`layer ${i} tree: files marked changed`));
        assert.equal(count(["deleted", "opaque"]), l.deleted, where(`layer ${i} tree: paths marked deleted`));
    });
    assert.equal(shown.totals.totalSize, str(layers.total_size), where("total size"));
    assert.equal(shown.totals.totalUncompressedSize, str(layers.total_uncompressed_size), where("unpacked size"));
    assert.equal(shown.totals.deletedBytesStillShipped, str(layers.deleted_bytes_still_shipped), where("still shipped"));
    const merged = shown.trees.find((t) => t.merged);
    const files = merged.nodes.filter((n) => n.kind === "file");
    assert.equal(files.length, layers.merged_view_files, where("merged view: files in the tree"));
    assert.equal(files.reduce((s, n) => s + n.size, 0), layers.merged_view_size, where("merged view: bytes in the tree"));
    assert.equal(merged.files, str(layers.merged_view_files), where("merged view: file count"));

    assert.equal(shown.history.length, history.entries.length, where("history entries"));
    history.entries.forEach((h, i) => {
        const row = shown.history[i];
        assert.equal(row.index, str(h.index), where(`history ${i} index`));
        assert.equal(row.created_by, str(h.created_by), where(`history ${i} created_by`));
        assert.equal(row.layer, h.layer ? str(h.layer.index) : "", where(`history ${i} layer`));
    });

    const pick = (list, keys) => list.map((o) => keys.map((k) => str(o[k])).join(" | "));
    assert.deepEqual(pick(shown.secrets, ["place", "name", "masked"]), pick(audit.secrets, ["place", "name", "masked"]), where("secrets"));
    assert.deepEqual(pick(shown.secretFiles, ["path", "layer", "bytes", "deleted_in"]), pick(audit.secret_files, ["path", "layer", "bytes", "deleted_in"]), where("secret files"));
    assert.deepEqual(pick(shown.deleted, ["path", "added_in", "deleted_in", "bytes"]), pick(audit.deleted, ["path", "added_in", "deleted_in", "bytes"]), where("deleted files"));
    assert.deepEqual(
        pick(shown.overwritten, ["path", "lower_layer", "upper_layer", "lower_bytes", "upper_bytes"]),
        pick(audit.overwritten, ["path", "lower_layer", "upper_layer", "lower_bytes", "upper_bytes"]),
        where("overwritten files")
    );
    assert.deepEqual(pick(shown.setid, ["path", "layer"]), pick(audit.setid, ["path", "layer"]), where("setuid/setgid"));
    assert.deepEqual(pick(shown.worldWritable, ["path", "layer"]), pick(audit.world_writable, ["path", "layer"]), where("world-writable"));
    assert.ok(Math.abs(shown.score - audit.efficiency.score) < 1e-9, where("efficiency score"));
    return { layers, audit };
}

/** The chooser a file of several images shows: the names offered, then the one picked read. */
async function chooseImage(page, names, pick) {
    const shown = await page.evaluate(() => ({
        kind: document.querySelector(".image-explorer .ie-source").dataset.kind,
        names: Array.from(document.querySelectorAll(".image-explorer .ie-image-choice"), (b) => b.dataset.image),
        verifiedCells: document.querySelectorAll('.image-explorer td[data-col="verified"]').length,
    }));
    assert.equal(shown.kind, "choose", "a chooser, not an error");
    assert.deepEqual(shown.names, names, "every image offered, by name, in the file's order");
    assert.equal(shown.verifiedCells, 0, "nothing is read before a choice");
    await page.evaluate(() => document.querySelector(".image-explorer").removeAttribute("data-state"));
    await page.locator(`.image-explorer .ie-image-choice[data-image="${pick}"]`).click();
    return settled(page);
}

/**
 * A folder dropped on the drop zone. Chromium cannot make a real directory drop (a DataTransfer
 * built in the page holds files only), so the drop event carries a stand-in for what a browser
 * gives for a dropped folder, FileSystemDirectoryEntry (createReader, readEntries in batches,
 * then an empty one) and FileSystemFileEntry (file), over the folder's real bytes: the page's
 * own drop handler and entry walk run on it.
 */
async function dropFolder(page, dir) {
    const files = [];
    const walk = (rel) => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
            const sub = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory()) walk(sub);
            else files.push({ path: sub, base64: fs.readFileSync(path.join(dir, sub)).toString("base64") });
        }
    };
    walk("");
    await page.evaluate(() => document.querySelector(".image-explorer").removeAttribute("data-state"));
    await page.evaluate(({ name, files }) => {
        const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const node = (fullPath) => ({ name: fullPath.split("/").pop(), fullPath, children: new Map(), file: null });
        const top = node("/" + name);
        for (const f of files) {
            let at = top;
            const parts = f.path.split("/");
            parts.forEach((part, i) => {
                if (!at.children.has(part)) at.children.set(part, node(at.fullPath + "/" + part));
                at = at.children.get(part);
                if (i === parts.length - 1) at.file = new File([bytes(f.base64)], part);
            });
        }
        const entry = (n) => n.file
            ? { isFile: true, isDirectory: false, name: n.name, fullPath: n.fullPath, file: (ok) => setTimeout(() => ok(n.file)) }
            : {
                isFile: false, isDirectory: true, name: n.name, fullPath: n.fullPath,
                createReader() {
                    // Two entries a batch, as browsers answer big folders in batches.
                    const left = Array.from(n.children.values(), entry);
                    return { readEntries: (ok) => setTimeout(() => ok(left.splice(0, 2))) };
                },
            };
        const dataTransfer = { items: [{ webkitGetAsEntry: () => entry(top) }], files: [] };
        const drop = new Event("drop", { bubbles: true, cancelable: true });
        Object.defineProperty(drop, "dataTransfer", { value: dataTransfer });
        document.querySelector(".image-explorer .ie-drop").dispatchEvent(drop);
    }, { name: path.basename(dir), files });
    return settled(page);
}

/** A file dropped on the drop zone, through a real DataTransfer. */
async function dropFile(page, file) {
    await page.evaluate(() => document.querySelector(".image-explorer").removeAttribute("data-state"));
    const b64 = fs.readFileSync(file).toString("base64");
    await page.evaluate(({ name, b64 }) => {
        const dataTransfer = new DataTransfer();
        dataTransfer.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
        const zone = document.querySelector(".image-explorer .ie-drop");
        zone.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer }));
    }, { name: path.basename(file), b64 });
    return settled(page);
}

async function main() {
    const made = makeImages();
    const server = await serve(book);
    const origin = `http://127.0.0.1:${server.address().port}/`;
    const browser = await launch();
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
    try {
        for (const [how, url] of [["from disk (file://)", "file://" + path.join(book, PAGE)], ["served", origin + PAGE]]) {
            await step(`${how}: the page opens on the Topic 07 image, equal to imagekit on that archive`, async () => {
                await page.goto(url);
                assert.equal(await settled(page), "done");
                const shown = await page.evaluate(readPage);
                const { layers } = compare(shown, made.demo.source, "preloaded image");
                assert.equal(layers.layers.length, 3, "driftwood-web:1.0 has three layers (base, nginx, site)");
            });
        }

        for (const image of made.images) {
            const name = path.basename(image.file);
            await step(`${name}: tables, trees and findings equal imagekit --json`, async () => {
                // Every status line shown while reading: the progress names each layer as it is read.
                await page.evaluate(() => {
                    window.__statuses = [];
                    const status = document.querySelector(".image-explorer .ie-status");
                    new MutationObserver(() => window.__statuses.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
                });
                assert.equal(await choose(page, image.file), "done", name);
                const statuses = await page.evaluate(() => window.__statuses);
                const shown = await page.evaluate(readPage);
                const count = shown.layers.length;
                for (let i = 1; i <= count; i++) {
                    assert.ok(statuses.some((t) => t.includes(`layer ${i} of ${count}`)), `${name}: progress names layer ${i} of ${count}: ${JSON.stringify(statuses)}`);
                }
                const { audit } = compare(shown, image.source, name);
                if (image.secret) {
                    assert.ok(shown.secrets.some((s) => s.name === "DB_PASSWORD"), `${name}: the Env password is a finding`);
                    const key = shown.secretFiles.find((s) => s.path === "app/server.key");
                    assert.ok(key && key.deleted_in === "2", `${name}: the key deleted in layer 2 still ships: ${JSON.stringify(shown.secretFiles)}`);
                    assert.ok(audit.deleted.length > 0 && shown.totals.deletedBytesStillShipped !== "0", `${name}: still-shipped bytes`);
                }
            });
        }

        await step("two platforms: linux/amd64 shown first, linux/arm64 when picked, each equal to imagekit", async () => {
            assert.equal(await choose(page, made.multi), "done");
            let shown = await page.evaluate(readPage);
            assert.deepEqual(shown.platforms.map((p) => [p.platform, p.chosen]), [["linux/amd64", "true"], ["linux/arm64", "false"]]);
            compare(shown, `oci-archive:${made.multi}`, "multi (amd64)");
            await page.evaluate(() => document.querySelector(".image-explorer").removeAttribute("data-state"));
            await page.locator(".image-explorer .ie-platform").selectOption("linux/arm64");
            assert.equal(await settled(page), "done");
            shown = await page.evaluate(readPage);
            assert.deepEqual(shown.platforms.map((p) => p.chosen), ["false", "true"]);
            compare(shown, `oci-archive:${made.multi}`, "multi (arm64)", ["--platform", "linux/arm64"]);
        });

        await step("an OCI layout folder through the directory picker equals imagekit on oci:DIR", async () => {
            assert.equal(await choose(page, made.layout, ".ie-folder"), "done");
            const shown = await page.evaluate(readPage);
            compare(shown, `oci:${made.layout}`, "secret-oci/ (folder)");
            assert.ok(shown.secretFiles.some((s) => s.path === "app/server.key" && s.deleted_in === "2"), "the deleted key");
        });

        for (const kind of ["docker", "oci"]) {
            const several = made.several[kind];
            const name = path.basename(several.file);
            await step(`${name}: several images offer a chooser; each pick equals imagekit on FILE:REF`, async () => {
                assert.equal(await choose(page, several.file), "done");
                for (const [i, pick] of [several.names[1], several.names[0]].entries()) {
                    const state = i === 0
                        ? await chooseImage(page, several.names, pick)
                        : await (async () => {
                            // After a choice, the others are one select away.
                            await page.evaluate(() => document.querySelector(".image-explorer").removeAttribute("data-state"));
                            await page.locator(".image-explorer .ie-image").selectOption(pick);
                            return settled(page);
                        })();
                    assert.equal(state, "done", `${name}: ${pick}`);
                    const shown = await page.evaluate(readPage);
                    compare(shown, `${several.transport}:${several.file}:${pick}`, `${name} → ${pick}`);
                }
            });
        }

        await step("an OCI layout folder of two refs through the directory picker: a chooser, then the pick", async () => {
            assert.equal(await choose(page, made.several.layout, ".ie-folder"), "done");
            assert.equal(await chooseImage(page, made.several.oci.names, "driftwood-web:1.0"), "done");
            compare(await page.evaluate(readPage), `oci:${made.several.layout}:driftwood-web:1.0`, "two-oci/ → driftwood-web:1.0");
        });

        await step("a folder dropped on the drop zone is read as an OCI layout (entry walk on a stand-in entry)", async () => {
            assert.equal(await dropFolder(page, made.layout), "done");
            const shown = await page.evaluate(readPage);
            compare(shown, `oci:${made.layout}`, "secret-oci/ (dropped)");
            assert.ok(shown.secretFiles.some((s) => s.path === "app/server.key" && s.deleted_in === "2"), "the deleted key");
        });

        await step("an archive dropped on the drop zone (a real DataTransfer) is read as when picked", async () => {
            assert.equal(await dropFile(page, made.secretOci), "done");
            compare(await page.evaluate(readPage), `oci-archive:${made.secretOci}`, "secret oci-archive (dropped)");
        });

        await step("a single gzip layer: digest and diff_id computed, files listed", async () => {
            const blob = path.join(scratch, "site.tar.gz");
            const built = JSON.parse(run(imagekit, ["--json", "layer", "build", path.join(process.env.DEMO_TREE, "site"), "-o", blob]));
            assert.equal(await choose(page, blob), "done");
            const shown = await page.evaluate(readPage);
            assert.equal(shown.kind, "layer");
            const sha = "sha256:" + crypto.createHash("sha256").update(fs.readFileSync(blob)).digest("hex");
            assert.equal(shown.layers[0].digest, sha, "the blob's digest");
            assert.equal(shown.layers[0].diff_id, built.diff_id, "the diff_id imagekit reported");
            assert.equal(shown.layers[0].verified, "false", "a lone layer is not shown as verified");
            assert.equal(shown.trees.find((t) => t.merged).nodes.filter((n) => n.kind === "file").length, 3, "site/ holds three files");
        });

        await step("a flipped byte in a layer: the layer is named and nothing is shown as verified", async () => {
            const bytes = fs.readFileSync(made.secretDocker);
            const entries = tarEntries(bytes);
            const manifest = JSON.parse(bytes.subarray(...(() => {
                const m = entries.find((e) => e.name === "manifest.json");
                return [m.data, m.data + m.size];
            })()).toString("utf8"));
            const layerPaths = manifest[0].Layers;
            const index = 1;
            const victim = entries.find((e) => e.name === layerPaths[index]);
            const flipped = Buffer.from(bytes);
            flipped[victim.data + Math.floor(victim.size / 2)] ^= 0x01;
            const file = path.join(scratch, "secret.flipped.docker-archive.tar");
            fs.writeFileSync(file, flipped);
            // imagekit itself refuses it, naming the layer's digest.
            let cliError = "";
            try {
                cli("layers", `docker-archive:${file}`);
            } catch (e) {
                cliError = String(e.stderr);
            }
            const hex = path.basename(layerPaths[index]).replace(/\.tar$/, "").replace(/\/layer$/, "");
            assert.ok(cliError.includes("mismatch"), `imagekit refuses the flipped layer too: ${cliError}`);
            assert.equal(await choose(page, file), "error");
            const shown = await page.evaluate(readPage);
            assert.ok(shown.error.includes(`layer ${index} of ${layerPaths.length}`), `names the layer: ${shown.error}`);
            assert.ok(shown.error.includes(hex), `names the layer's digest ${hex}: ${shown.error}`);
            assert.ok(!shown.resultsShown && shown.verifiedCells === 0, "nothing else is shown as verified");
        });

        await step("a truncated archive: a clear message", async () => {
            const bytes = fs.readFileSync(made.secretOci);
            const file = path.join(scratch, "secret.truncated.oci-archive.tar");
            fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2) + 100));
            assert.equal(await choose(page, file), "error");
            const shown = await page.evaluate(readPage);
            assert.match(shown.error, /secret\.truncated\.oci-archive\.tar.*truncated/, shown.error);
            assert.ok(!shown.resultsShown && shown.verifiedCells === 0, "nothing is shown");
        });

        await step("a file that is no archive: a clear message", async () => {
            const file = path.join(scratch, "notes.pdf");
            fs.writeFileSync(file, "%PDF-1.7\n" + "not an image at all\n".repeat(100));
            assert.equal(await choose(page, file), "error");
            const shown = await page.evaluate(readPage);
            assert.match(shown.error, /notes\.pdf is not a tar archive/, shown.error);
        });

        await step("after the faults, a good image opens again", async () => {
            assert.equal(await choose(page, made.images[2].file), "done");
        });
        assert.deepEqual(errors, [], "no page or console errors");
    } finally {
        await browser.close();
        server.close();
    }
    console.log(`explorer: ${passed} checks passed`);
}

main().catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
});

// A reader's walk through the whole built book, in headless Chromium (Debian's) driven by
// playwright-core. The chapter list comes from the book's own sidebar, so a new page is walked
// without editing this file. On every page: no console error, page error, failed request or HTTP
// error; images loaded with alt text; figures rendered; code blocks filled by cmdrun; one h1 and
// the chapter's title; working #anchors and links; the digest widget hashing what is typed; speaker
// notes collapsed and never printed. On each topic page: the first question of its quiz answered
// and graded correct, and the figure it predicts folded until then (issue 13, walk-quiz.cjs).
// Once, on the intro page: search finds a key term. print.html: every chapter's h1, no errors,
// no notes when printing.
//
// Run by `cargo xtask test` (stage browser) and `cargo xtask test browser` with:
//   NODE_PATH       target/widget-node/node_modules (playwright-core)
//   CHROMIUM        the browser binary
//   BOOK_DIR        the built book
//   WALK_SELF_TEST  optional, 1: first walk a copy of the book with faults injected, and fail
//                   unless every fault is reported (proof that the walk can fail; ~20 s more)
//   WALK_VERBOSE    optional, 1: list what the self-test's walk reported
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { launch, serve } = require("./chromium.cjs");
const { quizProblems, QUIZ_FAULTS } = require("./walk-quiz.cjs"); // issue 13

// A term only one topic explains: search must find it there.
const SEARCH = { term: "whiteout", topic: "07-layers/" };
// Typed into each digest widget; the "é" makes the page's UTF-8 encoding part of the check.
const TYPED = '{"walk": "café", "n": 1}';
// How long a widget may take to load its module; the self-test's broken widget waits less.
const WIDGET_TIMEOUT = 20000;

/** The pages the sidebar lists, in order: { rel, name, kind: "intro" | "topic" | "exercise" }. */
async function chapters(context, origin) {
    const page = await context.newPage();
    await page.goto(origin + "index.html");
    const links = await page.evaluate(() =>
        Array.from(document.querySelectorAll("#sidebar ol.chapter a[href]"), (a) => {
            const li = a.closest("li.chapter-item");
            // Strip mdBook's section numbers (<strong>1.2.</strong>) if the book turns them on.
            const copy = a.cloneNode(true);
            copy.querySelectorAll("strong").forEach((s) => s.remove());
            return {
                href: a.href,
                name: copy.textContent.trim(),
                nested: !!a.closest("ol.section"),
                affix: li ? li.classList.contains("affix") : false,
            };
        })
    );
    await page.close();
    return links.map((l) => ({
        rel: l.href.slice(origin.length).split("#")[0],
        name: l.name,
        kind: l.affix ? "intro" : l.nested ? "exercise" : "topic",
    }));
}

/** Records what goes wrong while a page loads: console errors, page errors, failed requests. */
function listen(page, origin) {
    const seen = [];
    page.on("console", (m) => m.type() === "error" && seen.push(`console error: ${m.text()}`));
    page.on("pageerror", (e) => seen.push(`page error: ${e.message || e}`));
    page.on("requestfailed", (r) => seen.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on("response", (r) => {
        if (r.url().startsWith(origin) && r.status() >= 400) seen.push(`HTTP ${r.status()}: ${r.url().slice(origin.length)}`);
    });
    return seen;
}

/** Everything about the page's content that can be read in one pass, as plain data. */
function readPage() {
    const main = document.querySelector("main");
    const box = (el) => {
        const r = el.getBoundingClientRect();
        return { w: Math.round(r.width), h: Math.round(r.height) };
    };
    const where = (el) => {
        const f = el.closest("figure");
        return f && f.id ? `#${f.id}` : el.getAttribute("src") || `${el.tagName.toLowerCase()} ${el.getAttribute("class") || ""}`.trim();
    };
    // Closed <details> (speaker notes) render nothing: their figures cannot have a size.
    const folded = (el) => !!el.closest("details:not([open])");
    // Figures, not icons: outermost SVGs, outside code blocks and buttons (mdBook's copy button).
    const svgs = Array.from(main.querySelectorAll("svg")).filter((s) => !s.parentElement.closest("svg, pre, button"));
    const imgs = Array.from(main.querySelectorAll("img"));
    const comments = [];
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_COMMENT);
    while (walker.nextNode()) comments.push(walker.currentNode.data.trim());
    const ids = new Set(Array.from(document.querySelectorAll("[id]"), (e) => e.id));
    const names = new Set(Array.from(document.querySelectorAll("a[name]"), (e) => e.getAttribute("name")));
    return {
        title: document.title,
        bookTitle: (document.querySelector(".menu-title")?.textContent || "").trim(),
        h1: Array.from(main.querySelectorAll("h1"), (h) => h.textContent.trim()),
        figures: [
            ...svgs.map((s) => ({ what: where(s), ...box(s), folded: folded(s) })),
            ...imgs
                .filter((i) => /\.svg($|[?#])/i.test(i.getAttribute("src") || ""))
                .map((i) => ({ what: where(i), ...box(i), folded: folded(i) })),
        ],
        emptyFigures: Array.from(main.querySelectorAll("figure"))
            .filter((f) => !f.querySelector("svg, img"))
            .map((f) => (f.id ? `#${f.id}` : f.textContent.trim().slice(0, 60))),
        images: imgs.map((i) => ({
            src: i.getAttribute("src"),
            alt: (i.getAttribute("alt") || "").trim(),
            loaded: i.complete && i.naturalWidth > 0,
        })),
        pres: Array.from(main.querySelectorAll("pre"), (p) => p.textContent),
        cmdrunComments: comments.filter((c) => /^cmdrun\b/.test(c)),
        cmdrunErrors: /cmdrun error/i.test(main.textContent),
        anchors: Array.from(main.querySelectorAll('a[href^="#"]'), (a) => a.getAttribute("href")).filter((h) => {
            const id = decodeURIComponent(h.slice(1));
            return !ids.has(id) && !names.has(id);
        }),
        links: Array.from(main.querySelectorAll("a[href]"), (a) => a.href).filter((h) => h.startsWith(location.origin)),
        notes: Array.from(document.querySelectorAll("details.speaker-notes"), (d) => d.open),
        widgets: document.querySelectorAll(".digest-widget").length,
    };
}

/** Ids in a built page, read from its file: enough for links from other pages. */
const idCache = new Map();
function idsOf(file) {
    if (!idCache.has(file)) {
        const html = fs.readFileSync(file, "utf8");
        idCache.set(file, new Set(Array.from(html.matchAll(/\s(?:id|name)="([^"]*)"/g), (m) => m[1])));
    }
    return idCache.get(file);
}

/** Links from this page to other files of the book: the file exists, and so does its #anchor. */
function brokenLinks(book, origin, rel, links) {
    const broken = [];
    for (const href of links) {
        const url = new URL(href);
        let target = decodeURIComponent(url.pathname).replace(/^\//, "");
        if (target === "" || target.endsWith("/")) target += "index.html";
        if (target === rel) continue; // same page: checked in the DOM
        const file = path.join(book, target);
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
            broken.push(`link to a missing file: ${href.slice(origin.length)}`);
        } else if (url.hash.length > 1 && file.endsWith(".html") && !idsOf(file).has(decodeURIComponent(url.hash.slice(1)))) {
            broken.push(`link to a missing anchor: ${href.slice(origin.length)}`);
        }
    }
    return broken;
}

/** What is wrong with the page's content (facts from readPage). */
function contentProblems(facts, chapter) {
    const out = [];
    if (chapter.kind === "print") {
        if (facts.title !== facts.bookTitle) out.push(`<title> is "${facts.title}", not the book's title "${facts.bookTitle}"`);
    } else {
        if (facts.h1.length !== 1) out.push(`${facts.h1.length} h1 in main, want exactly 1 (${facts.h1.join(" | ")})`);
        const want = `${chapter.name} - ${facts.bookTitle}`;
        if (facts.title !== want) out.push(`<title> is "${facts.title}", want "${want}"`);
    }
    for (const img of facts.images) {
        if (!img.loaded) out.push(`image did not load: ${img.src}`);
        if (!img.alt) out.push(`image without alt text: ${img.src}`);
    }
    for (const f of facts.figures) {
        if (!f.folded && (f.w === 0 || f.h === 0)) out.push(`figure ${f.what} renders at ${f.w}x${f.h}`);
    }
    for (const f of facts.emptyFigures) out.push(`<figure> without an image: ${f}`);
    facts.pres.forEach((text, i) => {
        if (!text.trim()) out.push(`code block ${i + 1} is empty`);
        if (/cmdrun error|<!--\s*cmdrun/i.test(text)) out.push(`code block ${i + 1} holds a cmdrun error or comment`);
    });
    for (const c of facts.cmdrunComments) out.push(`unexpanded cmdrun comment: <!-- ${c.slice(0, 80)} -->`);
    if (facts.cmdrunErrors) out.push(`the text says "cmdrun error"`);
    for (const a of facts.anchors) out.push(`link ${a}: no element with that id on the page`);
    if (chapter.kind === "topic" && facts.notes.length === 0) out.push("no speaker notes (details.speaker-notes)");
    if (facts.notes.some((open) => open)) out.push("speaker notes are open by default");
    return out;
}

/** Each widget on the page initialises, then shows the sha256 of what is typed into it. */
async function widgetProblems(page, count, timeout) {
    const out = [];
    const want = "sha256:" + crypto.createHash("sha256").update(Buffer.from(TYPED, "utf8")).digest("hex");
    for (let i = 0; i < count; i++) {
        const root = page.locator(".digest-widget").nth(i);
        try {
            await root.and(page.locator('[data-dw-state="ready"]')).waitFor({ timeout });
        } catch {
            out.push(`digest widget ${i + 1} did not initialise (no data-dw-state="ready" in ${timeout / 1000} s)`);
            continue;
        }
        const text = root.locator(".dw-text");
        await text.fill("");
        await text.pressSequentially(TYPED);
        const shown = (await root.locator(".dw-digest").textContent()).trim();
        if (shown !== want) out.push(`digest widget ${i + 1} shows ${shown} for ${TYPED}, want ${want}`);
    }
    return out;
}

/** Speaker notes, even opened, take no room when the page is printed. */
async function printedNotes(page) {
    const count = await page.evaluate(() => {
        const notes = Array.from(document.querySelectorAll("details.speaker-notes"));
        notes.forEach((d) => (d.open = true));
        return notes.length;
    });
    if (count === 0) return [];
    await page.emulateMedia({ media: "print" });
    const shown = await page.evaluate(
        () => Array.from(document.querySelectorAll("details.speaker-notes")).filter((d) => d.getClientRects().length > 0).length
    );
    await page.emulateMedia({ media: "screen" });
    return shown ? [`${shown} speaker notes block(s) visible when printing`] : [];
}

/** Search from the intro page: the term gives at least one result, one of them in its topic. */
async function searchProblems(page) {
    await page.locator("#search-toggle").click();
    await page.locator("#searchbar").pressSequentially(SEARCH.term);
    const results = page.locator("#searchresults li a");
    try {
        await results.first().waitFor({ timeout: 10000 });
    } catch {
        return [`search for "${SEARCH.term}" shows no result`];
    }
    const hrefs = await results.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    return hrefs.some((h) => h.includes(SEARCH.topic))
        ? []
        : [`search for "${SEARCH.term}" finds nothing in ${SEARCH.topic} (found: ${hrefs.slice(0, 5).join(", ")}, …)`];
}

/** Opens one page in a fresh context (speaker notes remember their state in localStorage). */
async function walkPage(browser, book, origin, chapter, widgetTimeout) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen = listen(page, origin);
    const problems = [];
    let facts = null;
    try {
        await page.goto(origin + chapter.rel, { waitUntil: "load" });
        facts = await page.evaluate(readPage);
        problems.push(...contentProblems(facts, chapter));
        problems.push(...brokenLinks(book, origin, chapter.rel, facts.links));
        problems.push(...(await widgetProblems(page, facts.widgets, widgetTimeout)));
        problems.push(...(await printedNotes(page)));
        problems.push(...(await quizProblems(page, chapter))); // issue 13: checks for understanding
        if (chapter.kind === "intro") problems.push(...(await searchProblems(page)));
        // The load event covers the page's scripts, styles and images, the widget's module is in
        // once it is ready, and search waited for its index; fonts may still be on their way.
        // (Not "networkidle": it costs 500 ms a page for nothing more.)
        await page.evaluate(() => document.fonts.ready);
    } catch (e) {
        problems.push(`walk stopped: ${e.message.split("\n")[0]}`);
    }
    problems.push(...seen);
    await context.close();
    return { facts, problems };
}

/** Walks every page of the book under `book`: returns counts and problems, printing a line per page. */
async function walk(browser, book, log, widgetTimeout = WIDGET_TIMEOUT) {
    const server = await serve(book);
    const origin = `http://127.0.0.1:${server.address().port}/`;
    const result = { pages: 0, figures: 0, problems: [] };
    try {
        const context = await browser.newContext();
        const list = await chapters(context, origin);
        await context.close();
        if (list.length === 0) throw new Error(`no chapters in the sidebar of ${book}/index.html`);
        const h1s = [];
        for (const chapter of [...list, { rel: "print.html", name: "print", kind: "print" }]) {
            const { facts, problems } = await walkPage(browser, book, origin, chapter, widgetTimeout);
            if (chapter.kind === "print" && facts) {
                for (const h of h1s) if (!facts.h1.includes(h)) problems.push(`missing chapter h1 "${h}"`);
            } else if (facts) {
                h1s.push(...facts.h1);
            }
            const figures = facts ? facts.figures.length : 0;
            const blocks = facts ? facts.pres.length : 0;
            result.pages++;
            result.figures += figures;
            if (problems.length === 0) {
                log(`ok   ${chapter.rel}  (${figures} figure${figures === 1 ? "" : "s"}, ${blocks} code blocks)`);
            } else {
                log(`FAIL ${chapter.rel}`);
                for (const p of problems) log(`     - ${p}`);
                result.problems.push(...problems.map((p) => `${chapter.rel}: ${p}`));
            }
        }
    } finally {
        server.close();
    }
    return result;
}

/** Faults injected into a copy of the book, and what the walk must say about each. */
const FAULTS = [
    {
        what: "a figure's SVG deleted",
        page: "07-layers/index.html",
        edit: (html) => html.replace(/(<figure[^>]*>[\s\S]*?)<svg[\s\S]*?<\/svg>/, "$1"),
        expect: /<figure> without an image/,
    },
    {
        what: "a console.error in a page",
        page: "08-manifests/exercise.html",
        edit: (html) => html.replace("</main>", '<script>console.error("injected")</script></main>'),
        expect: /console error: injected/,
    },
    {
        what: "an image whose file is missing",
        page: "09-tags/exercise.html",
        edit: (html) => html.replace("</main>", '<p><img src="gone.svg" alt="gone"></p></main>'),
        expect: /image did not load: gone\.svg/,
    },
    {
        what: "an empty code block",
        page: "10-pulling/index.html",
        edit: (html) => html.replace(/<pre>[\s\S]*?<\/pre>/, "<pre></pre>"),
        expect: /code block 1 is empty/,
    },
    {
        what: "a link to a missing anchor",
        page: "11-inspecting/index.html",
        edit: (html) => html.replace("</main>", '<p><a href="#no-such-anchor">x</a></p></main>'),
        expect: /link #no-such-anchor: no element/,
    },
    {
        what: "an unexpanded cmdrun line",
        page: "12-base-images/exercise.html",
        edit: (html) => html.replace("</main>", "<!-- cmdrun echo hi --></main>"),
        expect: /unexpanded cmdrun comment/,
    },
    {
        what: "speaker notes open by default",
        page: "12-base-images/index.html",
        edit: (html) => html.replace('<details class="speaker-notes">', '<details class="speaker-notes" open>'),
        expect: /speaker notes are open by default/,
    },
    {
        what: "a second h1",
        page: "09-tags/index.html",
        edit: (html) => html.replace("</main>", "<h1>Another</h1></main>"),
        expect: /2 h1 in main/,
    },
    {
        what: "a title that is not the chapter's",
        page: "10-pulling/exercise.html",
        edit: (html) => html.replace("<title>", "<title>Wrong "),
        expect: /<title> is "Wrong /,
    },
    {
        what: "a link to a missing anchor on another page",
        page: "11-inspecting/exercise.html",
        edit: (html) => html.replace("</main>", '<p><a href="../07-layers/index.html#nope">x</a></p></main>'),
        expect: /link to a missing anchor: 07-layers\/index\.html#nope/,
    },
    {
        what: "a link to a missing page",
        page: "11-inspecting/exercise.html",
        edit: (html) => html.replace("</main>", '<p><a href="../nowhere.html">x</a></p></main>'),
        expect: /link to a missing file: nowhere\.html/,
    },
    {
        what: "speaker notes printed (the print rule gone)",
        file: "theme/driftwood.css",
        page: "07-layers/index.html",
        edit: (css) => css.replace(/(@media print \{\s*\/\*[^*]*\*\/\s*)details\.speaker-notes/, "$1details.no-such-class"),
        expect: /speaker notes block\(s\) visible when printing/,
    },
    {
        what: "a chapter's h1 missing from print.html",
        page: "print.html",
        edit: (html) => {
            let n = 0;
            return html.replace(/(<h1 id="[^"]*"><a class="header" href="[^"]*">)([^<]*)/g, (m, a, t) => (++n === 2 ? a + "Renamed" : m));
        },
        expect: /missing chapter h1/,
    },
    {
        what: "the widget's script not loaded",
        page: "08-manifests/index.html",
        edit: (html) => html.replace(/<script src="[^"]*theme\/widget\/digest-widget\.js"><\/script>/, ""),
        expect: /digest widget 1 did not initialise/,
    },
    ...QUIZ_FAULTS,
];

/** Walks a broken copy of the book: every fault must be reported on its page. */
async function selfTest(browser, book) {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "book-walk-"));
    try {
        fs.cpSync(book, copy, { recursive: true });
        for (const f of FAULTS) {
            const file = path.join(copy, f.file || f.page);
            const before = fs.readFileSync(file, "utf8");
            const after = f.edit(before);
            if (after === before) throw new Error(`self-test: could not inject "${f.what}" into ${f.file || f.page}`);
            fs.writeFileSync(file, after);
        }
        const { problems } = await walk(browser, copy, () => {}, 3000);
        const missed = FAULTS.filter((f) => !problems.some((p) => p.startsWith(f.page + ": ") && f.expect.test(p)));
        for (const f of missed) console.log(`FAIL self-test: "${f.what}" in ${f.page} was not reported`);
        if (missed.length || process.env.WALK_VERBOSE === "1") {
            console.log("     reported:\n" + problems.map((p) => `       ${p}`).join("\n"));
        }
        if (missed.length) return false;
        console.log(`self-test: ${FAULTS.length} injected faults, each reported (${problems.length} problems in all)`);
        return true;
    } finally {
        fs.rmSync(copy, { recursive: true, force: true });
    }
}

async function main() {
    const book = path.resolve(process.env.BOOK_DIR || "");
    if (!process.env.BOOK_DIR || !fs.existsSync(path.join(book, "index.html"))) {
        throw new Error(`BOOK_DIR (${book}) holds no built book (index.html)`);
    }
    const t0 = Date.now();
    const browser = await launch();
    try {
        if (process.env.WALK_SELF_TEST === "1" && !(await selfTest(browser, book))) process.exitCode = 1;
        const r = await walk(browser, book, (line) => console.log(line));
        const secs = ((Date.now() - t0) / 1000).toFixed(1);
        // Each problem is listed under its page above.
        console.log(`book walk: ${r.pages} pages, ${r.figures} figures, ${r.problems.length} problems (${secs} s)`);
        if (r.problems.length) process.exitCode = 1;
    } finally {
        await browser.close();
    }
}

main().catch((e) => {
    console.error("FAIL " + (e && e.stack ? e.stack : e));
    process.exit(1);
});

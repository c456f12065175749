// Driftwood workbook: the digest widget (src/widget/digest-widget.html), page side. Loaded on
// every page (book.toml's additional-js); does nothing on pages without the widget.
//
// The hashing, parsing and gunzip happen in WebAssembly (crates/digest-widget, imagekit's core);
// this file only wires the DOM. It loads widget/gen/digest-widget-wasm.js from the book's root
// (written by `cargo xtask build`/`serve` into src/widget/gen/, which mdBook copies as is; the
// module is inlined, so the book also works from file://).
// Nothing leaves the page: files are read with File.slice() in 4 MiB pieces and hashed as they
// come, so a 500 MB layer neither freezes the page nor sits in memory.
(function () {
    "use strict";

    if (window.__digestWidgetLoader) {
        return; // a page that includes the widget twice (print.html) loads this once
    }
    window.__digestWidgetLoader = true;

    var roots = Array.prototype.slice.call(document.querySelectorAll(".digest-widget"));
    if (roots.length === 0) {
        return;
    }

    var SLICE = 4 << 20; // bytes read from a file at a time
    var STEP = 1 << 20; // bytes handed to wasm between two yields to the browser
    var LARGE_TEXT = 1 << 20; // text above this is hashed in steps, after a pause in typing

    // This file is theme/widget/digest-widget.js under the book's root, on every page.
    var self = document.currentScript ? document.currentScript.src : "";
    var base = self ? self.replace(/theme\/widget\/[^\/]*$/, "widget/") : "../widget/";

    function explain(message) {
        roots.forEach(function (root) {
            var p = root.querySelector(".dw-nojs");
            if (p) {
                p.textContent = message;
            }
        });
    }

    var script = document.createElement("script");
    script.src = base + "gen/digest-widget-wasm.js";
    script.onerror = function () {
        explain(
            "The widget's WebAssembly module was not found next to this page " +
                "(widget/gen/digest-widget-wasm.js). Build the book with `cargo xtask build` or " +
                "`cargo xtask serve`, which compile it."
        );
    };
    script.onload = function () {
        var loaded = window.DigestWidgetWasm;
        if (!loaded || typeof WebAssembly !== "object") {
            explain("This browser cannot run WebAssembly, which the widget needs.");
            return;
        }
        loaded.bindgen({ module_or_path: loaded.bytes() }).then(
            function () {
                roots.forEach(function (root, i) {
                    start(root, loaded.bindgen, i);
                });
            },
            function (err) {
                explain("The widget's WebAssembly module failed to load: " + err);
            }
        );
    };
    document.head.appendChild(script);

    // Yield to the browser (input, painting) without setTimeout's 4 ms clamp.
    function pause() {
        return new Promise(function (resolve) {
            var ch = new MessageChannel();
            ch.port1.onmessage = function () {
                resolve();
            };
            ch.port2.postMessage(null);
        });
    }

    function number(n) {
        return n.toLocaleString("en-US");
    }

    function el(tag, className, text) {
        var e = document.createElement(tag);
        if (className) {
            e.className = className;
        }
        if (text !== undefined) {
            e.textContent = text;
        }
        return e;
    }

    // UTF-8 bytes of a long string, hashed in steps, never splitting a surrogate pair.
    function hashLongText(wasm, text, isCurrent) {
        var hasher = new wasm.Hasher();
        var encoder = new TextEncoder();
        var at = 0;
        function step() {
            if (!isCurrent()) {
                hasher.free();
                return Promise.resolve(null);
            }
            var end = Math.min(text.length, at + STEP);
            var last = text.charCodeAt(end - 1);
            if (end < text.length && last >= 0xd800 && last <= 0xdbff) {
                end -= 1;
            }
            hasher.update(encoder.encode(text.slice(at, end)));
            at = end;
            if (at < text.length) {
                return pause().then(step);
            }
            var size = hasher.bytes();
            var digest = hasher.finish();
            hasher.free();
            return Promise.resolve({ digest: digest, size: size });
        }
        return step();
    }

    function start(root, wasm, index) {
        var q = function (sel) {
            return root.querySelector(sel);
        };
        var nojs = q(".dw-nojs");
        if (nojs) {
            nojs.remove();
        }
        var ui = q(".dw-ui");
        var text = q(".dw-text");
        var digestOut = q(".dw-digest");
        var sizeOut = q(".dw-size");
        var result = q(".dw-result");
        var expected = q(".dw-expected");
        var verdict = q(".dw-verdict");
        var summary = q(".dw-summary");
        var gotoError = q(".dw-goto");
        var table = q(".dw-rows");
        var tbody = table.querySelector("tbody");
        var fileInput = q(".dw-file");
        var drop = q(".dw-drop");
        var progressLine = q(".dw-progress-line");
        var progress = q(".dw-progress");
        var progressText = q(".dw-progress-text");
        var cancel = q(".dw-cancel");
        var fileResult = q(".dw-file-result");

        // Unique ids, for aria-describedby (the snippet has none: it may appear twice on a page).
        var id = "dw" + index + "-";
        summary.id = id + "summary";
        verdict.id = id + "verdict";
        text.setAttribute("aria-describedby", summary.id);
        expected.setAttribute("aria-describedby", verdict.id);

        var current = ""; // the digest now shown
        var generation = 0; // bumps on every edit: stale long-text hashes are dropped
        var errorOffset = -1;

        function showVerdict() {
            var check = JSON.parse(wasm.checkExpected(expected.value, current));
            verdict.textContent = check.message;
            verdict.className = "dw-verdict dw-" + check.state;
            root.setAttribute("data-dw-verdict", check.state);
        }

        function showRows(rows) {
            tbody.textContent = "";
            table.hidden = rows.length === 0;
            rows.forEach(function (r) {
                var tr = document.createElement("tr");
                tr.appendChild(el("td", "dw-nowrap", r.role));
                tr.appendChild(el("td", "dw-mono", r.media_type));
                var d = el("td", "dw-mono dw-nowrap", r.digest);
                if (r.problem) {
                    d.appendChild(el("span", "dw-problem", " " + r.problem));
                    tr.className = "dw-bad";
                }
                tr.appendChild(d);
                tr.appendChild(el("td", "dw-num", r.size ? number(Number(r.size)) : ""));
                tr.appendChild(el("td", "", r.platform));
                tbody.appendChild(tr);
            });
        }

        function show(analysis) {
            current = analysis.digest;
            digestOut.textContent = analysis.digest;
            sizeOut.textContent = number(analysis.size);
            summary.textContent = analysis.summary;
            root.setAttribute("data-dw-kind", analysis.kind);
            errorOffset = analysis.error ? analysis.error.offset : -1;
            gotoError.hidden = errorOffset < 0;
            showRows(analysis.rows || []);
            showVerdict();
        }

        // A paste too large to show (over LARGE_TEXT characters) is kept here instead of in the
        // textarea: laying out 50 MB of text would freeze Chromium for many seconds by itself.
        var pasted = null;

        function setText(value) {
            pasted = null;
            text.readOnly = false;
            text.placeholder = "";
            text.value = value;
        }

        text.addEventListener("paste", function (e) {
            var data = e.clipboardData ? e.clipboardData.getData("text/plain") : "";
            if (data.length <= LARGE_TEXT) {
                return;
            }
            e.preventDefault();
            var before = pasted === null ? text.value : "";
            var whole = before.slice(0, text.selectionStart) + data + before.slice(text.selectionEnd);
            text.value = "";
            pasted = whole;
            text.readOnly = true;
            text.placeholder =
                "Pasted " +
                number(whole.length) +
                " characters: too many to show here. The digest below covers all of them. " +
                "“Restore the original bytes” makes the box editable again.";
            update();
        });

        function update() {
            var t0 = performance.now();
            var value = pasted === null ? text.value : pasted;
            var mine = ++generation;
            if (value.length <= LARGE_TEXT) {
                show(JSON.parse(wasm.analyse(value)));
                result.setAttribute("data-dw-ms", (performance.now() - t0).toFixed(3));
                root.setAttribute("data-dw-state", "ready");
                return;
            }
            // Long text (a 50 MB paste): hash in steps so the page keeps answering.
            root.setAttribute("data-dw-state", "hashing");
            digestOut.textContent = "hashing…";
            summary.textContent = "";
            hashLongText(wasm, value, function () {
                return generation === mine;
            }).then(function (r) {
                if (!r) {
                    return;
                }
                show({
                    digest: r.digest,
                    size: r.size,
                    kind: "large",
                    summary:
                        number(r.size) +
                        " bytes: hashed in steps; too large for the widget to parse or list descriptors.",
                    rows: [],
                });
                result.setAttribute("data-dw-ms", (performance.now() - t0).toFixed(3));
                root.setAttribute("data-dw-state", "ready");
            });
        }

        var timer = 0;
        text.addEventListener("input", function () {
            clearTimeout(timer);
            if (text.value.length > LARGE_TEXT) {
                generation++;
                root.setAttribute("data-dw-state", "typing");
                timer = setTimeout(update, 150);
            } else {
                update();
            }
        });
        expected.addEventListener("input", showVerdict);
        gotoError.addEventListener("click", function () {
            if (errorOffset >= 0) {
                text.focus();
                text.setSelectionRange(errorOffset, Math.min(errorOffset + 1, text.value.length));
            }
        });

        root.querySelectorAll("[data-dw-action]").forEach(function (button) {
            button.addEventListener("click", function () {
                var action = button.getAttribute("data-dw-action");
                if (action === "original") {
                    setText(wasm.originalText());
                    expected.value = wasm.originalDigest();
                } else {
                    if (pasted !== null) {
                        summary.textContent = "Too large to reformat here. " + summary.textContent;
                        return;
                    }
                    var out = wasm.reformat(text.value, action);
                    if (out === undefined) {
                        summary.textContent =
                            "Cannot reformat: the text is not valid JSON. " + summary.textContent;
                        return;
                    }
                    setText(out);
                }
                update();
            });
        });

        // ---- files ----------------------------------------------------------------------------
        var run = 0;

        function row(dl, name, value, extra) {
            dl.appendChild(el("dt", "", name));
            var dd = el("dd", extra || "");
            if (value instanceof Node) {
                dd.appendChild(value);
            } else {
                dd.textContent = value;
            }
            dl.appendChild(dd);
            return dd;
        }

        function hashFile(file) {
            var mine = ++run;
            var hasher = new wasm.LayerHasher();
            var small = file.size <= 8 << 20 ? [] : null; // kept to say what small files are
            var t0 = performance.now();
            fileResult.textContent = "";
            root.setAttribute("data-dw-file", "hashing");
            progressLine.hidden = false;
            progress.value = 0;
            progressText.textContent = "0%";
            var offset = 0;

            function finishRun(res) {
                progressLine.hidden = true;
                var seconds = (performance.now() - t0) / 1000;
                var dl = el("dl", "dw-file-dl");
                row(dl, "File", file.name + " (" + number(res.size) + " bytes, read in this page only)");
                row(dl, "Digest", res.digest, "dw-mono dw-break dw-file-digest");
                if (res.diff_id) {
                    row(dl, "diff_id", res.diff_id, "dw-mono dw-break dw-file-diffid");
                    row(
                        dl,
                        "",
                        "A gzip layer: the digest names the compressed blob (the manifest's layer " +
                            "descriptor); the diff_id names the " +
                            number(res.uncompressed_size) +
                            " bytes of tar inside (the config's rootfs.diff_ids)."
                    );
                } else {
                    row(dl, "diff_id", "none: " + res.problem, "dw-file-diffid dw-problem");
                    if (res.note) {
                        row(dl, "", res.note);
                    }
                }
                if (small && !res.gzip) {
                    var bytes = new Uint8Array(res.size);
                    var at = 0;
                    small.forEach(function (c) {
                        bytes.set(c, at);
                        at += c.length;
                    });
                    var what;
                    try {
                        var decoded = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
                        what = JSON.parse(wasm.analyse(decoded)).summary;
                    } catch (e) {
                        what = "Not UTF-8 text: hashed as raw bytes (a digest covers bytes, not characters).";
                    }
                    row(dl, "What it is", what, "dw-file-what");
                }
                if (res.size >= SLICE) {
                    row(
                        dl,
                        "Speed",
                        (res.size / 1048576 / Math.max(seconds, 0.001)).toFixed(0) +
                            " MiB/s in " +
                            seconds.toFixed(2) +
                            " s"
                    );
                }
                fileResult.appendChild(dl);
                root.setAttribute("data-dw-file-ms", (seconds * 1000).toFixed(1));
                root.setAttribute("data-dw-file", "done");
            }

            // Slice N+1 is read while slice N is hashed: reading and hashing overlap.
            function read(from) {
                return from < file.size ? file.slice(from, Math.min(file.size, from + SLICE)).arrayBuffer() : null;
            }
            var ahead = read(0);

            function next() {
                if (mine !== run) {
                    hasher.free();
                    return;
                }
                if (ahead === null) {
                    var res = JSON.parse(hasher.finish());
                    hasher.free();
                    finishRun(res);
                    return;
                }
                var end = Math.min(file.size, offset + SLICE);
                ahead
                    .then(function (buffer) {
                        ahead = read(end);
                        var chunk = new Uint8Array(buffer);
                        if (small) {
                            small.push(chunk);
                        }
                        var at = 0;
                        function feed() {
                            if (mine !== run) {
                                hasher.free();
                                return;
                            }
                            hasher.update(chunk.subarray(at, at + STEP));
                            at += STEP;
                            var done = offset + Math.min(at, chunk.length);
                            progress.value = file.size ? done / file.size : 1;
                            progressText.textContent =
                                Math.floor((100 * done) / Math.max(file.size, 1)) + "% of " + number(file.size) + " bytes";
                            if (at < chunk.length) {
                                return pause().then(feed);
                            }
                            offset = end;
                            return pause().then(next);
                        }
                        return feed();
                    })
                    .catch(function (err) {
                        progressLine.hidden = true;
                        fileResult.textContent = "Could not read " + file.name + ": " + err;
                        root.setAttribute("data-dw-file", "error");
                    });
            }
            next();
        }

        fileInput.addEventListener("change", function () {
            if (fileInput.files && fileInput.files[0]) {
                var file = fileInput.files[0];
                // Cleared, so that choosing the same file again (after editing it) hashes it again.
                fileInput.value = "";
                hashFile(file);
            }
        });
        cancel.addEventListener("click", function () {
            run++;
            progressLine.hidden = true;
            fileResult.textContent = "Cancelled.";
            root.setAttribute("data-dw-file", "cancelled");
        });
        drop.addEventListener("dragover", function (e) {
            e.preventDefault();
            drop.classList.add("dw-dragging");
        });
        drop.addEventListener("dragleave", function () {
            drop.classList.remove("dw-dragging");
        });
        drop.addEventListener("drop", function (e) {
            e.preventDefault();
            drop.classList.remove("dw-dragging");
            var files = e.dataTransfer && e.dataTransfer.files;
            if (files && files[0]) {
                hashFile(files[0]);
            }
        });

        setText(wasm.originalText());
        expected.value = wasm.originalDigest();
        ui.hidden = false;
        update();
    }
})();

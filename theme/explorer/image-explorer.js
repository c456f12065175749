// Driftwood workbook: the image explorer (src/explorer/index.md), page side. Loaded on every
// page (book.toml's additional-js); does nothing on pages without the explorer.
//
// Reading happens in a Web Worker running crates/image-explorer (imagekit's core in
// WebAssembly): it reads the dropped file in slices, hashes and gunzips each layer as it passes,
// and sends back one report, which explorer-draw.js and explorer-tree.js (loaded before this
// file) draw. This file never touches the file's bytes, so the page stays responsive. explorer/gen/ (built by `cargo xtask build`) holds the worker's
// source and the preloaded Topic 07 image, both as scripts, so the page also works from file://.
(function () {
    "use strict";

    if (window.__imageExplorerLoader) {
        return; // print.html holds every page: one explorer is enough
    }
    window.__imageExplorerLoader = true;
    var root = document.querySelector(".image-explorer");
    if (!root) {
        return;
    }

    var self = document.currentScript ? document.currentScript.src : "";
    var base = self ? self.replace(/theme\/explorer\/[^\/]*$/, "explorer/") : "../explorer/";

    var size = ImageExplorer.size;
    var short = ImageExplorer.short;

    function $(sel) {
        return root.querySelector(sel);
    }

    function status(text) {
        $(".ie-status").textContent = text;
    }

    function showError(text) {
        var box = $(".ie-error");
        box.textContent = text;
        box.hidden = !text;
    }

    function explain(message) {
        var p = $(".ie-nojs");
        p.textContent = message;
        p.hidden = false;
    }

    function load(name, then) {
        var s = document.createElement("script");
        s.src = base + "gen/" + name;
        s.onload = then;
        s.onerror = function () {
            explain(
                "The explorer's files were not found next to this page (explorer/gen/" + name + "). " +
                    "Build the book with `cargo xtask build` or `cargo xtask serve`, which make them."
            );
        };
        document.head.appendChild(s);
    }

    load("image-explorer-wasm.js", function () {
        load("demo-image.js", start);
    });

    var worker = null;
    var busy = false;
    var current = null; // what is being read: {name, started}

    function start() {
        if (typeof window.ImageExplorerWorker !== "function" || typeof WebAssembly !== "object" || !window.Worker) {
            explain("This browser cannot run the explorer: it needs WebAssembly and Web Workers.");
            return;
        }
        var source = "(" + window.ImageExplorerWorker.toString() + ")()";
        worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
        worker.onmessage = onMessage;
        worker.onerror = function (e) {
            finish();
            showError("The explorer's worker failed: " + (e.message || e));
        };
        $(".ie-nojs").hidden = true;
        $(".ie-ui").hidden = false;
        wire();
        openDemo();
    }

    function openDemo() {
        var demo = window.ImageExplorerDemo;
        if (!demo) {
            return;
        }
        var bin = atob(demo.base64);
        var bytes = new Uint8Array(bin.length);
        for (var i = 0; i < bin.length; i++) {
            bytes[i] = bin.charCodeAt(i);
        }
        send({ type: "file", file: new Blob([bytes]), name: demo.name });
    }

    function send(msg) {
        if (busy) {
            status("Still reading " + current.name + ": wait for it to finish.");
            return;
        }
        busy = true;
        msg.platform = msg.platform || "";
        msg.image = msg.image || "";
        current = { name: msg.name, started: performance.now(), msg: msg };
        root.setAttribute("data-state", "reading");
        showError("");
        $(".ie-results").hidden = true;
        $(".ie-results").textContent = "";
        var bar = $(".ie-progress");
        bar.hidden = false;
        bar.value = 0;
        status("Opening " + msg.name + " …");
        worker.postMessage(msg);
    }

    function finish() {
        busy = false;
        $(".ie-progress").hidden = true;
    }

    function onMessage(event) {
        var m = event.data;
        var bar = $(".ie-progress");
        if (m.type === "progress" || m.type === "layer") {
            bar.max = m.total || 1;
            bar.value = m.fetched;
        }
        if (m.type === "layer") {
            current.layer = "layer " + (m.index + 1) + " of " + m.count + " (" + short(m.digest) + ", " + size(m.size) + ")";
        }
        if (m.type === "progress" || m.type === "layer") {
            status(
                "Reading " + current.name + (current.layer ? ", " + current.layer : "") + ": " +
                    size(m.fetched) + " of " + size(m.total)
            );
        } else if (m.type === "failed") {
            finish();
            root.setAttribute("data-state", "error");
            showError(m.message);
            status("");
        } else if (m.type === "done") {
            finish();
            var answer = JSON.parse(m.json);
            var seconds = ((performance.now() - current.started) / 1000).toFixed(2);
            root.setAttribute("data-memory", String(m.memory));
            root.setAttribute("data-ms", String(m.ms));
            if (answer.error) {
                root.setAttribute("data-state", "error");
                status("");
                // Nothing else is shown: a damaged image has nothing verified to show.
                showError(current.name + ": " + answer.error);
            } else {
                var msg = current.msg;
                ImageExplorer.render($(".ie-results"), answer.ok, msg, function (change) {
                    send(Object.assign({}, msg, change));
                });
                $(".ie-results").hidden = false;
                status(answer.ok.kind === "choose"
                    ? current.name + " holds " + answer.ok.images.length + " images: choose one."
                    : "Read " + current.name + " in " + seconds + " s (" + size(m.memory) + " of WebAssembly memory).");
                root.setAttribute("data-state", "done");
            }
        }
    }

    function wire() {
        $(".ie-file").addEventListener("change", function (e) {
            var f = e.target.files[0];
            if (f) {
                send({ type: "file", file: f, name: f.name });
            }
            e.target.value = "";
        });
        $(".ie-folder").addEventListener("change", function (e) {
            var files = Array.prototype.slice.call(e.target.files);
            if (files.length) {
                var name = (files[0].webkitRelativePath || files[0].name).split("/")[0];
                send({
                    type: "folder",
                    name: name,
                    files: files.map(function (f) {
                        return { path: f.webkitRelativePath || f.name, file: f };
                    })
                });
            }
            e.target.value = "";
        });
        $(".ie-demo").addEventListener("click", openDemo);
        var zone = $(".ie-drop");
        zone.addEventListener("dragover", function (e) {
            e.preventDefault();
            zone.classList.add("ie-over");
        });
        zone.addEventListener("dragleave", function () {
            zone.classList.remove("ie-over");
        });
        zone.addEventListener("drop", function (e) {
            e.preventDefault();
            zone.classList.remove("ie-over");
            var item = e.dataTransfer.items && e.dataTransfer.items[0];
            var entry = item && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
            if (entry && entry.isDirectory) {
                // A dropped folder arrives as an unreadable File: its entries give its files.
                status("Listing the files of " + entry.name + "/ …");
                folderFiles(entry, function (files) {
                    send({ type: "folder", name: entry.name, files: files });
                }, function (error) {
                    status("");
                    showError("Could not read the dropped folder " + entry.name + ": " + error);
                });
                return;
            }
            var f = e.dataTransfer.files[0];
            if (f) {
                send({ type: "file", file: f, name: f.name });
            }
        });
    }

    /**
     * Every file under a dropped folder (a FileSystemDirectoryEntry), as the directory picker
     * hands them over: {path: "folder/sub/file", file}. readEntries answers in batches until
     * an empty one; each file entry gives its File asynchronously.
     */
    function folderFiles(dir, done, failed) {
        var files = [];
        var pending = 0;
        var stopped = false;
        function fail(e) {
            if (!stopped) {
                stopped = true;
                failed(e && e.message ? e.message : String(e));
            }
        }
        function settle() {
            if (--pending === 0 && !stopped) {
                done(files);
            }
        }
        function walk(entry) {
            pending++;
            if (entry.isFile) {
                entry.file(function (file) {
                    files.push({ path: entry.fullPath.replace(/^\//, ""), file: file });
                    settle();
                }, fail);
                return;
            }
            var reader = entry.createReader();
            (function more() {
                reader.readEntries(function (batch) {
                    if (!batch.length) {
                        settle();
                        return;
                    }
                    batch.forEach(walk);
                    more();
                }, fail);
            })();
        }
        walk(dir);
    }
})();

// Driftwood workbook: the image explorer (src/explorer/index.md), drawing. Loaded on every page
// (book.toml's additional-js) before image-explorer.js, which calls it with the worker's report;
// it only defines functions. The report's fields follow `imagekit --json layers`, `history` and
// `audit`; tables and trees carry raw values (data-*) beside the text, for the browser test.
(function () {
    "use strict";

    var MAX_ROWS = 500; // rows of a findings table drawn before "… and N more"

    function el(tag, attrs, children) {
        var e = document.createElement(tag);
        Object.keys(attrs || {}).forEach(function (k) {
            if (k === "text") {
                e.textContent = attrs[k];
            } else if (k === "className") {
                e.className = attrs[k];
            } else if (attrs[k] !== null && attrs[k] !== undefined) {
                e.setAttribute(k, attrs[k]);
            }
        });
        (children || []).forEach(function (c) {
            e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
        });
        return e;
    }

    function size(n) {
        var units = ["B", "KiB", "MiB", "GiB"];
        var i = 0;
        while (n >= 1024 && i < units.length - 1) {
            n /= 1024;
            i++;
        }
        return (i === 0 ? String(n) : n.toFixed(1)) + " " + units[i];
    }

    function short(digest) {
        return digest ? digest.replace(/^sha256:/, "").slice(0, 12) : "";
    }

    function section(title, children) {
        return el("section", { className: "ie-section" }, [el("h3", { text: title })].concat(children));
    }

    /** A table whose cells carry their raw values (data-value) beside the text a reader sees. */
    function table(cls, columns, rows, caption) {
        var head = el("tr", {}, columns.map(function (c) {
            return el("th", { scope: "col", className: c.num ? "ie-num" : null, text: c.title });
        }));
        var body = el("tbody");
        rows.slice(0, MAX_ROWS).forEach(function (row, i) {
            var tr = el("tr", { "data-row": String(i) });
            columns.forEach(function (c) {
                var v = c.value(row);
                var shown = c.show ? c.show(v, row) : v === null || v === undefined ? "-" : String(v);
                var td = el("td", {
                    className: c.num ? "ie-num" : c.code ? "ie-code" : null,
                    "data-col": c.key,
                    "data-value": v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v),
                    title: c.code ? String(v) : null
                });
                if (shown instanceof Node) {
                    td.appendChild(shown);
                } else {
                    td.textContent = shown;
                }
                tr.appendChild(td);
            });
            body.appendChild(tr);
        });
        var t = el("table", { className: "ie-table " + cls, "data-rows": String(rows.length) }, [
            caption ? el("caption", { text: caption }) : null,
            el("thead", {}, [head]),
            body
        ].filter(Boolean));
        var wrap = el("div", { className: "ie-table-wrap" }, [t]);
        if (rows.length > MAX_ROWS) {
            wrap.appendChild(el("p", { text: "… and " + (rows.length - MAX_ROWS) + " more." }));
        }
        return wrap;
    }

    function col(key, title, opts) {
        var c = { key: key, title: title, value: function (r) { return r[key]; } };
        Object.keys(opts || {}).forEach(function (k) {
            c[k] = opts[k];
        });
        return c;
    }

    var SIZE = { num: true, show: function (v) { return size(v); } };
    var DIGEST = { code: true, show: function (v) { return short(v); } };

    /**
     * Draw report `r` into `out`. `pick(change)` reads the file again with `change` applied
     * to the message that read it (another platform, another image); `msg` is that message.
     */
    function render(out, r, msg, pick) {
        if (r.kind === "choose") {
            chooser(out, r, pick);
            return;
        }
        var layers = r.layers;
        var verified = r.kind === "image";
        out.appendChild(
            el("p", { className: "ie-source", "data-kind": r.kind }, [
                el("strong", { text: r.kind === "image" ? "Image: " : "Single layer: " }),
                r.source,
                verified
                    ? " — every blob digest and diff_id verified while reading."
                    : " — a layer on its own: its digest and diff_id are computed here, with no config to check them against."
            ])
        );
        if (msg.images && msg.images.length > 1) {
            out.appendChild(otherImages(msg, pick));
        }
        if (r.platforms.length) {
            var platforms = table("ie-platforms", [
                col("platform", "platform"),
                col("digest", "manifest", DIGEST),
                col("chosen", "shown", { show: function (v) { return v ? "✓ shown below" : ""; } })
            ], r.platforms);
            var children = [platforms];
            if (r.platforms.length > 1) {
                var select = el("select", { className: "ie-platform", "aria-label": "Platform" }, r.platforms.map(function (p) {
                    var o = el("option", { value: p.platform, text: p.platform });
                    o.selected = p.chosen;
                    return o;
                }));
                select.addEventListener("change", function () {
                    pick({ platform: select.value });
                });
                children.push(el("label", {}, ["Show another platform: ", select]));
            }
            if (r.manifest) {
                children.push(el("p", {}, [
                    "Manifest ", el("code", { className: "ie-manifest", text: r.manifest.digest }),
                    " (" + r.manifest.media_type + ", " + r.manifest.size + " bytes)."
                ]));
            }
            out.appendChild(section("Platforms and the manifest chosen", children));
        }
        if (r.config) {
            out.appendChild(section("Config essentials", [configList(r.config)]));
        }
        if (r.history.length || r.history_note) {
            var h = [table("ie-history", [
                col("index", "#", { num: true }),
                col("created", "created"),
                col("layer", "layer", {
                    show: function (v, row) {
                        return v === null ? (row.empty_layer ? "empty_layer" : "(no layer)") : v + " " + short(layers[v].digest);
                    }
                }),
                col("created_by", "created by", { code: true, show: function (v) { return v || "-"; } })
            ], r.history)];
            if (r.history_note) {
                h.push(el("p", { className: "ie-note", text: "Note: " + r.history_note }));
            }
            out.appendChild(section("History, matched to layers", h));
        }
        out.appendChild(section("Layers", [
            table("ie-layers", [
                col("index", "#", { num: true }),
                col("digest", "digest", DIGEST),
                col("diff_id", "diff_id", DIGEST),
                col("size", "size", SIZE),
                col("uncompressed_size", "unpacked", SIZE),
                col("added", "added", { num: true }),
                col("changed", "changed", { num: true }),
                col("deleted", "deleted", { num: true }),
                col("deleted_bytes_still_shipped", "still shipped", {
                    num: true,
                    show: function (v, row) { return row.deleted ? size(v) : "-"; }
                }),
                col("verified", "verified", {
                    value: function () { return verified; },
                    show: function (v) { return v ? "✓ digest and diff_id" : "computed, not checked"; }
                }),
                col("created_by", "created by", { code: true, show: function (v) { return v || "-"; } })
            ], layers),
            el("p", { className: "ie-totals", "data-total-size": String(r.total_size),
                "data-total-uncompressed-size": String(r.total_uncompressed_size),
                "data-deleted-bytes-still-shipped": String(r.deleted_bytes_still_shipped) }, [
                layers.length + " layer(s): " + size(r.total_size) + " to pull, " + size(r.total_uncompressed_size) +
                    " unpacked." + (r.deleted_bytes_still_shipped
                        ? " Deleted or hidden files still shipped in lower layers: " + size(r.deleted_bytes_still_shipped) +
                          ". Deleting never shrinks an image."
                        : "")
            ])
        ]));
        var tree = window.ImageExplorer.tree;
        var trees = layers.map(function (l) {
            return tree("Layer " + l.index + " (" + short(l.digest) + "): " + l.added + " added, " + l.changed +
                " changed, " + l.deleted + " deleted", l.files, { "data-layer": String(l.index) });
        });
        trees.push(tree("Merged view: " + r.merged_view_files + " files, " + size(r.merged_view_size) +
            " (what a container sees)", r.merged, {
            "data-merged": "", "data-files": String(r.merged_view_files), "data-bytes": String(r.merged_view_size)
        }));
        out.appendChild(section("Files, layer by layer, and merged", [
            el("p", { className: "ie-legend" }, [
                el("span", { className: "ie-mark-added", text: "+ added" }), " ",
                el("span", { className: "ie-mark-changed", text: "~ changed" }), " ",
                el("span", { className: "ie-mark-deleted", text: "− deleted (whiteout)" }), " ",
                el("span", { className: "ie-mark-opaque", text: "∅ made opaque (lower contents hidden)" })
            ])
        ].concat(trees)));
        out.appendChild(section("Findings", findings(r.audit)));
        out.hidden = false;
    }

    function configList(c) {
        var dl = el("dl", { className: "ie-config" });
        function item(key, title, value) {
            var shown = value === null || value === undefined || (Array.isArray(value) && value.length === 0)
                ? "(not set)" : Array.isArray(value) ? JSON.stringify(value) : String(value);
            dl.appendChild(el("dt", { text: title }));
            dl.appendChild(el("dd", { "data-field": key, "data-value": JSON.stringify(value === undefined ? null : value) }, [
                el("code", { text: shown })
            ]));
        }
        item("digest", "Image ID (config digest)", c.digest);
        item("platform", "OS / architecture", c.os + "/" + c.architecture);
        item("created", "Created", c.created);
        item("entrypoint", "Entrypoint", c.entrypoint);
        item("cmd", "Cmd", c.cmd);
        item("user", "User", c.user);
        item("working_dir", "WorkingDir", c.working_dir);
        item("exposed_ports", "Ports", c.exposed_ports);
        var env = el("dd", { "data-field": "env", "data-value": JSON.stringify(c.env) });
        c.env.forEach(function (e) {
            env.appendChild(el("code", { className: "ie-line", text: e }));
        });
        if (!c.env.length) {
            env.textContent = "(not set)";
        }
        dl.appendChild(el("dt", { text: "Env" }));
        dl.appendChild(env);
        var labels = el("dd", { "data-field": "labels", "data-value": JSON.stringify(c.labels) });
        c.labels.forEach(function (kv) {
            labels.appendChild(el("code", { className: "ie-line", text: kv[0] + "=" + kv[1] }));
        });
        if (!c.labels.length) {
            labels.textContent = "(not set)";
        }
        dl.appendChild(el("dt", { text: "Labels" }));
        dl.appendChild(labels);
        return dl;
    }

    function findings(a) {
        // The file findings sit beside the secrets (serde flatten), as in `imagekit --json audit`.
        var f = a.deleted ? a : null;
        var out = [];
        out.push(el("h4", { text: "Secrets in Env, labels and history (" + a.secrets.length + ")" }));
        out.push(a.secrets.length
            ? table("ie-secrets", [col("place", "where"), col("name", "name"), col("masked", "value (masked)", { code: true })], a.secrets)
            : el("p", { text: "None found." }));
        if (!f) {
            return out;
        }
        out.push(el("h4", { text: "Secret-looking files (" + f.secret_files.length + ")" }));
        out.push(f.secret_files.length ? table("ie-secret-files", [
            col("path", "path", { show: function (v) { return "/" + v; } }),
            col("layer", "layer", { num: true }),
            col("bytes", "size", SIZE),
            col("deleted_in", "status", {
                show: function (v, row) {
                    return v === null ? "present" : "deleted in layer " + v + ", still shipped in layer " + row.layer;
                }
            })
        ], f.secret_files) : el("p", { text: "None found." }));
        var deleted = f.deleted.reduce(function (s, d) { return s + d.bytes; }, 0);
        out.push(el("h4", { text: "Deleted files still shipped (" + f.deleted.length + "): " + size(deleted) }));
        out.push(f.deleted.length ? table("ie-deleted", [
            col("path", "path", { show: function (v) { return "/" + v; } }),
            col("added_in", "added in", { num: true }),
            col("deleted_in", "deleted in", { num: true }),
            col("bytes", "still shipped", SIZE)
        ], f.deleted) : el("p", { text: "None." }));
        var lower = f.overwritten.reduce(function (s, o) { return s + o.lower_bytes; }, 0);
        out.push(el("h4", { text: "Overwritten across layers (" + f.overwritten.length + "): " + size(lower) + " in hidden lower copies" }));
        out.push(f.overwritten.length ? table("ie-overwritten", [
            col("path", "path", { show: function (v) { return "/" + v; } }),
            col("lower_layer", "lower", { num: true }),
            col("upper_layer", "upper", { num: true }),
            col("lower_bytes", "hidden", SIZE),
            col("upper_bytes", "new size", SIZE)
        ], f.overwritten) : el("p", { text: "None." }));
        [["ie-setid", "Setuid / setgid files", f.setid], ["ie-world-writable", "World-writable paths", f.world_writable]].forEach(function (t) {
            out.push(el("h4", { text: t[1] + " (" + t[2].length + ")" }));
            out.push(t[2].length ? table(t[0], [
                col("path", "path", { show: function (v) { return "/" + v; } }),
                col("mode_text", "mode", { code: true }),
                col("layer", "layer", { num: true })
            ], t[2]) : el("p", { text: "None." }));
        });
        var e = f.efficiency;
        // As imagekit's audit computes it (Σ min / Σ total, 1 with no bytes): the module sends
        // the byte counts, not the ratio, so that it carries no float formatting.
        var score = e.total_bytes === 0 ? 1 : (e.total_bytes - e.wasted_bytes) / e.total_bytes;
        out.push(el("p", { className: "ie-efficiency", "data-score": String(score), "data-wasted": String(e.wasted_bytes) }, [
            "Efficiency " + (score * 100).toFixed(1) + " %: " + size(e.wasted_bytes) + " of " + size(e.total_bytes) +
                " of file bytes across " + f.layers + " layer(s) can never be seen."
        ]));
        return out;
    }

    /** A file of several images (`docker save` of two tags, an archive of two refs): pick one. */
    function chooser(out, r, pick) {
        var list = el("ul", { className: "ie-images" }, r.images.map(function (name) {
            var button = el("button", { type: "button", className: "ie-image-choice", "data-image": name, text: name });
            button.addEventListener("click", function () {
                pick({ image: name, images: r.images, platform: "" });
            });
            return el("li", {}, [button]);
        }));
        out.appendChild(el("p", { className: "ie-source", "data-kind": "choose" }, [
            el("strong", { text: "Several images: " }),
            r.source + ". Choose the one to explore (as ",
            el("code", { text: "docker-archive:FILE:REF" }), " or ", el("code", { text: "oci-archive:FILE:TAG" }),
            " names one for imagekit):"
        ]));
        out.appendChild(list);
    }

    /** After a choice: the other images of the same file, one click away. */
    function otherImages(msg, pick) {
        var select = el("select", { className: "ie-image", "aria-label": "Image" }, msg.images.map(function (name) {
            var o = el("option", { value: name, text: name });
            o.selected = name === msg.image;
            return o;
        }));
        select.addEventListener("change", function () {
            pick({ image: select.value, platform: "" });
        });
        return el("p", {}, ["This file holds " + msg.images.length + " images. Show another: ", select]);
    }

    window.ImageExplorer = window.ImageExplorer || {};
    window.ImageExplorer.el = el;
    window.ImageExplorer.size = size;
    window.ImageExplorer.short = short;
    window.ImageExplorer.render = render;
})();

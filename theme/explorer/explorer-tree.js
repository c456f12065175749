// Driftwood workbook: the image explorer (src/explorer/index.md), file trees. Loaded before
// image-explorer.js (book.toml's additional-js); only defines ImageExplorer.tree.
(function () {
    "use strict";

    var EXPAND_ALL_LIMIT = 5000; // paths above which "Expand all" would freeze the page
    var el = function (tag, attrs, children) {
        return window.ImageExplorer.el(tag, attrs, children);
    };
    var size = function (n) {
        return window.ImageExplorer.size(n);
    };

    // A file tree, drawn one directory at a time as it is opened: an image with tens of
    // thousands of paths would otherwise stall the page while the DOM is built.
    function tree(title, entries, attrs) {
        var rootNode = { children: {}, entry: null };
        entries.forEach(function (e) {
            var parts = e.path ? e.path.split("/") : [];
            var node = rootNode;
            parts.forEach(function (p) {
                node = node.children[p] || (node.children[p] = { name: p, children: {}, entry: null });
            });
            node.entry = e;
        });
        var details = el("details", Object.assign({ className: "ie-tree", "data-paths": String(entries.length) }, attrs), [
            el("summary", { text: title })
        ]);
        var list = null;
        details.addEventListener("toggle", function () {
            if (details.open && !list) {
                list = children(rootNode, "");
                details.appendChild(list);
                if (entries.length <= EXPAND_ALL_LIMIT) {
                    var all = el("button", { type: "button", className: "ie-expand", text: "Expand all" });
                    all.addEventListener("click", function () {
                        var again;
                        do {
                            again = false;
                            details.querySelectorAll("details:not([open])").forEach(function (d) {
                                d.open = true;
                                d.dispatchEvent(new Event("toggle"));
                                again = true;
                            });
                        } while (again);
                    });
                    details.insertBefore(all, list);
                }
            }
        });
        return details;
    }

    function children(node, prefix) {
        var ul = el("ul", { className: "ie-nodes" });
        Object.keys(node.children).sort().forEach(function (name) {
            var child = node.children[name];
            var path = prefix + name;
            var e = child.entry || {};
            var kind = e.kind || (Object.keys(child.children).length ? "dir" : "");
            var mark = e.mark || "";
            var sign = { added: "+ ", changed: "~ ", deleted: "− ", opaque: "∅ " }[mark] || "";
            var label = sign + name + (kind === "dir" ? "/" : "") + (kind === "symlink" && e.link ? " → " + e.link : "");
            var extra = mark === "deleted" || mark === "opaque"
                ? " (" + e.removed + " path(s), " + size(e.size) + " still shipped)"
                : kind === "file" || kind === "hardlink" ? " " + size(e.size) : "";
            var attrs = {
                className: mark ? "ie-mark-" + mark : null,
                "data-path": path,
                "data-kind": kind || "none",
                "data-mark": mark,
                "data-size": String(e.size || 0)
            };
            var li = el("li", attrs);
            if (Object.keys(child.children).length) {
                var d = el("details", {}, [el("summary", { text: label + extra })]);
                var drawn = false;
                d.addEventListener("toggle", function () {
                    if (d.open && !drawn) {
                        drawn = true;
                        d.appendChild(children(child, path + "/"));
                    }
                });
                li.appendChild(d);
            } else {
                li.textContent = label + extra;
            }
            ul.appendChild(li);
        });
        return ul;
    }

    window.ImageExplorer = window.ImageExplorer || {};
    window.ImageExplorer.tree = tree;
})();

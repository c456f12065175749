// Driftwood workbook: small additions to mdBook's pages. Loaded after mdBook's book.js, so code
// blocks are already highlighted when this runs.
//
// Speaker notes: an instructor who opens the notes on one page usually wants them open on the
// next. Remember the choice (per browser, in localStorage) and apply it to every page.
(function () {
    "use strict";

    var KEY = "driftwood-workbook.speaker-notes-open";

    function remembered() {
        try {
            return window.localStorage.getItem(KEY) === "true";
        } catch (e) {
            return false; // storage disabled (private mode, file:// in some browsers)
        }
    }

    function remember(open) {
        try {
            window.localStorage.setItem(KEY, open ? "true" : "false");
        } catch (e) {
            // nothing to do: the notes still open and close, they are just not remembered
        }
    }

    var notes = document.querySelectorAll("details.speaker-notes");
    var open = remembered();
    for (var i = 0; i < notes.length; i++) {
        var details = notes[i];
        if (open) {
            details.open = true;
        }
        details.addEventListener("toggle", function (event) {
            remember(event.target.open);
        });
    }
})();

// Console transcripts (```console blocks, printed at build time by demo/show): highlight.js reads
// every line as shell, so output such as a table header starting with `#` looks like a command.
// Re-render them as plain text with the `$ ` command lines (and their `\` continuation lines)
// marked. The text itself is unchanged, so mdBook's copy button copies the same thing.
(function () {
    "use strict";

    var blocks = document.querySelectorAll("code.language-console");
    for (var b = 0; b < blocks.length; b++) {
        var code = blocks[b];
        var lines = code.textContent.split("\n");
        var fragment = document.createDocumentFragment();
        var continued = false;
        for (var i = 0; i < lines.length; i++) {
            var line = lines[i];
            if (continued || line.indexOf("$ ") === 0) {
                var command = document.createElement("span");
                command.className = "console-command";
                if (!continued) {
                    var prompt = document.createElement("span");
                    prompt.className = "console-prompt";
                    prompt.textContent = "$ ";
                    fragment.appendChild(prompt);
                    line = line.slice(2);
                }
                command.textContent = line;
                fragment.appendChild(command);
                continued = /\\$/.test(line);
            } else {
                fragment.appendChild(document.createTextNode(line));
            }
            if (i + 1 < lines.length) {
                fragment.appendChild(document.createTextNode("\n"));
            }
        }
        code.textContent = "";
        code.appendChild(fragment);
    }
})();

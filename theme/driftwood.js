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

// Speaker notes in a window of their own, for an instructor who shows the book on a projector and
// reads the notes on a laptop screen. The button in each notes block opens a small window; from
// then on every page the main window shows sends its notes there, so the window follows the
// lecture. Two channels, because file:// pages are opaque origins (no BroadcastChannel, no access
// to each other's documents): a BroadcastChannel (pages served over http) and postMessage to the
// named window (works everywhere). The notes window's script is written into it as text, so it
// keeps running when the page that opened it navigates away.
(function () {
    "use strict";

    var NAME = "driftwood-speaker-notes";
    var FLAG = "driftwood-workbook.notes-window";
    var TYPE = "driftwood-notes";

    function store(value) {
        try {
            if (value) {
                window.localStorage.setItem(FLAG, "open");
            } else {
                window.localStorage.removeItem(FLAG);
            }
        } catch (e) {
            // no storage: the window still works, it just cannot be found again after navigation
        }
    }

    function flagged() {
        try {
            return window.localStorage.getItem(FLAG) === "open";
        } catch (e) {
            return false;
        }
    }

    function payload() {
        var notes = document.querySelectorAll("details.speaker-notes");
        var html = "";
        for (var i = 0; i < notes.length; i++) {
            var copy = notes[i].cloneNode(true);
            var summary = copy.querySelector("summary");
            if (summary) {
                copy.removeChild(summary);
            }
            html += copy.innerHTML;
        }
        var heading = document.querySelector("main h1");
        return {
            type: TYPE,
            title: heading ? heading.textContent : document.title,
            url: window.location.href,
            html: html || "<p><em>No speaker notes on this page.</em></p>"
        };
    }

    var channel = null;
    try {
        channel = new BroadcastChannel(NAME);
        channel.onmessage = function (event) {
            if (event.data === "hello") {
                channel.postMessage(payload());
            }
        };
    } catch (e) {
        channel = null;
    }

    var NOTES_PAGE =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Speaker notes</title><style>" +
        "body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1em 1.2em;background:#fdfcf8;color:#222}" +
        "header{font-size:.85em;opacity:.7;border-bottom:1px solid #ccc;padding-bottom:.4em;margin-bottom:.8em}" +
        "h1{font-size:1.25em;margin:.2em 0}code{font-size:.9em;background:#eee;padding:0 .2em}" +
        "pre{overflow:auto;background:#f2f2ee;padding:.5em}" +
        "</style></head><body><header>Speaker notes · follows the page shown in the book window</header>" +
        "<h1 id=\"t\"></h1><div id=\"n\"></div><script>(function(){" +
        "var T=" + JSON.stringify(TYPE) + ";" +
        "function show(d){if(!d||d.type!==T)return;document.getElementById('t').textContent=d.title;" +
        "document.getElementById('n').innerHTML=d.html;document.title='Notes: '+d.title;window.scrollTo(0,0);}" +
        "window.addEventListener('message',function(e){if(e.source===window.opener)show(e.data);});" +
        "try{var c=new BroadcastChannel(" + JSON.stringify(NAME) + ");c.onmessage=function(e){show(e.data);};" +
        "c.postMessage('hello');}catch(e){}" +
        "window.addEventListener('pagehide',function(){try{window.opener.postMessage({type:T+'-closed'},'*');}catch(e){}});" +
        "})();<\/script></body></html>";

    function openWindow() {
        var w = window.open("", NAME, "width=560,height=760");
        if (!w) {
            return; // blocked: the notes stay readable on the page
        }
        var fresh = true;
        try {
            fresh = !w.document.getElementById("n");
        } catch (e) {
            fresh = false; // an existing notes window from another file:// page
        }
        if (fresh) {
            w.document.open();
            w.document.write(NOTES_PAGE);
            w.document.close();
        }
        store(true);
        w.postMessage(payload(), "*");
        w.focus();
    }

    // Tell an open notes window about this page, without ever opening a new one.
    function follow() {
        if (channel) {
            channel.postMessage(payload());
        }
        if (!flagged()) {
            return;
        }
        var w = null;
        try {
            w = window.open("", NAME);
        } catch (e) {
            w = null;
        }
        if (!w) {
            return;
        }
        try {
            if (!w.document.getElementById("n")) {
                // The notes window was closed: this opened a blank one. Undo that.
                w.close();
                store(false);
                return;
            }
        } catch (e) {
            // cross-origin (file://): it is the notes window
        }
        w.postMessage(payload(), "*");
    }

    window.addEventListener("message", function (event) {
        if (event.data && event.data.type === TYPE + "-closed") {
            store(false);
        }
    });

    var notes = document.querySelectorAll("details.speaker-notes > summary");
    for (var i = 0; i < notes.length; i++) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "speaker-notes-window";
        button.textContent = "open in a window";
        button.title = "Open the notes in a separate window that follows the page shown here";
        button.addEventListener("click", function (event) {
            event.preventDefault(); // a click in <summary> would also fold the notes
            event.stopPropagation();
            openWindow();
        });
        notes[i].appendChild(button);
    }
    follow();
})();

// "Predict the output" questions (issue 13): the figure that answers a topic page's predict
// question is folded (`<details class="predict-result">`, right after the question) until the
// question is answered. mdbook-quiz shows its answer review (`.answer-wrapper`) once the last
// question of a quiz is answered, and again on every later visit, since it keeps its answers in
// localStorage (book.toml: cache-answers): so the figure unfolds when the review appears, now or
// after a reload. A reader can still open it by hand. Printing unfolds every figure, and the
// answers page's folded answers (src/answers.md).
(function () {
    "use strict";

    var folds = document.querySelectorAll("details.predict-result");

    // The quiz placeholder this fold answers: the nearest one before it.
    function quizBefore(fold) {
        for (var e = fold.previousElementSibling; e; e = e.previousElementSibling) {
            if (e.classList.contains("quiz-placeholder")) {
                return e;
            }
            var inner = e.querySelector(".quiz-placeholder");
            if (inner) {
                return inner;
            }
        }
        return null;
    }

    function watch(fold) {
        var quiz = quizBefore(fold);
        if (!quiz) {
            return;
        }
        var observer = null;
        function check() {
            if (quiz.querySelector(".answer-wrapper")) {
                fold.open = true;
                if (observer) {
                    observer.disconnect();
                }
                return true;
            }
            return false;
        }
        if (!check()) {
            observer = new MutationObserver(check);
            observer.observe(quiz, { childList: true, subtree: true });
        }
    }

    for (var i = 0; i < folds.length; i++) {
        watch(folds[i]);
    }
    window.addEventListener("beforeprint", function () {
        var all = document.querySelectorAll("details.predict-result, details.quiz-answers");
        for (var j = 0; j < all.length; j++) {
            all[j].open = true;
        }
    });
})();

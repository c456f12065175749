//! What the book checks read in rendered HTML and CSS: links, ids, headings, text, empty
//! blocks, placeholder words, the print rule. mdBook's output is regular enough to scan; entities
//! are decoded by `html-escape` (all of HTML's named and numeric references), in one place.

pub use html_escape::decode_html_entities as decode;

/// Every `href="…"` (or `href='…'`) value in `html`, entities decoded.
pub fn hrefs(html: &str) -> Vec<String> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = html[i..].find("href=") {
        let start = i + at;
        i = start + 5;
        // Only an attribute: `href=` right after whitespace inside a tag.
        if start == 0 || !bytes[start - 1].is_ascii_whitespace() {
            continue;
        }
        let Some(&quote) = bytes.get(i) else { break };
        if quote != b'"' && quote != b'\'' {
            continue;
        }
        let Some(len) = html[i + 1..].find(quote as char) else { break };
        out.push(decode(&html[i + 1..i + 1 + len]).into_owned());
        i += 1 + len;
    }
    out
}

/// Every `id="…"` and `name="…"` in `html`.
pub fn ids(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" id=\"", " name=\""] {
        let mut i = 0;
        while let Some(at) = html[i..].find(attr) {
            let start = i + at + attr.len();
            let Some(len) = html[start..].find('"') else { break };
            out.push(decode(&html[start..start + len]).into_owned());
            i = start + len;
        }
    }
    out
}

/// The text of a page's first `<h1>` in its main content, tags stripped.
pub fn first_h1(html: &str) -> Option<String> {
    let main = html.find("<main").unwrap_or(0);
    let start = main + html[main..].find("<h1")?;
    let end = start + html[start..].find("</h1>")?;
    let inner = &html[start..end];
    let inner = &inner[inner.find('>')? + 1..];
    let text = plain(inner).trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// Text without tags, entities decoded, whitespace collapsed.
pub fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode(&out).split_whitespace().collect::<Vec<_>>().join(" ").replace(" ,", ",")
}

/// Empty code blocks, figures and SVGs in a page.
pub fn empty_blocks(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut i = 0;
    while let Some(at) = html[i..].find("<pre") {
        let start = i + at;
        let Some(len) = html[start..].find("</pre>") else { break };
        let block = &html[start..start + len];
        i = start + len;
        if plain(block).trim().is_empty() {
            let line = html[..start].matches('\n').count() + 1;
            problems.push(format!("an empty code block (line {line} of the HTML)"));
        }
    }
    let mut i = 0;
    while let Some(at) = html[i..].find("<figure") {
        let start = i + at;
        let Some(len) = html[start..].find("</figure>") else { break };
        let block = &html[start..start + len];
        i = start + len;
        if !["<svg", "<img", "<pre", "<table", "<canvas", "<iframe", "<object"].iter().any(|t| block.contains(t)) {
            let line = html[..start].matches('\n').count() + 1;
            problems
                .push(format!("an empty figure: no <svg>, <img>, <pre> or <table> in it (line {line} of the HTML)"));
        }
    }
    let mut i = 0;
    while let Some(at) = html[i..].find("<svg") {
        let start = i + at;
        let Some(len) = html[start..].find("</svg>") else { break };
        let block = &html[start..start + len];
        i = start + len;
        let inner = block.find('>').map_or("", |j| &block[j + 1..]);
        if !inner.contains('<') {
            let line = html[..start].matches('\n').count() + 1;
            problems.push(format!("an empty <svg> figure (line {line} of the HTML)"));
        }
    }
    problems
}

/// Whether an `@media print { … }` block of `css` has a rule for `class` with `display: none`.
pub fn hides_in_print(css: &str, class: &str) -> bool {
    let mut i = 0;
    while let Some(at) = css[i..].find("@media print") {
        let start = i + at;
        let Some(open) = css[start..].find('{') else { return false };
        // The block ends where its braces balance.
        let mut depth = 0;
        let mut end = css.len();
        for (j, c) in css[start + open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + open + j;
                        break;
                    }
                }
                _ => {}
            }
        }
        let block = &css[start + open + 1..end];
        // Each rule: selectors `{` declarations `}`.
        for rule in block.split('}') {
            if let Some((selectors, body)) = rule.split_once('{') {
                let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                if selectors.contains(&format!(".{class}")) && body.contains("display:none") {
                    return true;
                }
            }
        }
        i = end;
    }
    false
}

/// The text of the line around byte `at`, tags stripped and entities decoded, at most ~200 chars.
pub fn snippet(text: &str, at: usize) -> String {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let plain = plain(&text[start..end]);
    if plain.chars().count() > 200 {
        plain.chars().take(200).collect::<String>() + "…"
    } else {
        plain.to_string()
    }
}

/// Placeholder words in a page's main content, outside `<pre>`/`<code>`: (word, byte offset).
pub fn placeholders(html: &str) -> Vec<(&'static str, usize)> {
    let start = html.find("<main").unwrap_or(0);
    let end = html.rfind("</main>").unwrap_or(html.len()).max(start);
    // Blank out code and tags (keeping offsets), so only prose remains.
    let mut prose: Vec<u8> = html.as_bytes().to_vec();
    for (open, close) in [("<pre", "</pre>"), ("<code", "</code>"), ("<!--", "-->")] {
        let mut from = start;
        while let Some(i) = html[from..end].find(open) {
            let i = from + i;
            let j = html[i..end].find(close).map_or(end, |j| i + j + close.len());
            prose[i..j].fill(b' ');
            from = j;
        }
    }
    let mut in_tag = false;
    for b in &mut prose[start..end] {
        match *b {
            b'<' => in_tag = true,
            b'>' if in_tag => {
                in_tag = false;
                *b = b' ';
            }
            _ => {}
        }
        if in_tag {
            *b = b' ';
        }
    }
    let prose = String::from_utf8_lossy(&prose[start..end]).into_owned();
    let lower = prose.to_lowercase();
    let word_at = |hay: &str, i: usize, len: usize| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + len..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    };
    let mut found = Vec::new();
    for word in ["TODO", "TBD"] {
        for (i, _) in prose.match_indices(word) {
            if word_at(&prose, i, word.len()) {
                found.push((word, start + i));
            }
        }
    }
    // Lowercasing may change byte lengths of non-ASCII text: only trust ASCII-only pages' offsets.
    let offsets_ok = lower.len() == prose.len();
    for word in ["lorem ipsum", "coming soon"] {
        for (i, _) in lower.match_indices(word) {
            found.push((word, if offsets_ok { start + i } else { start }));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_href_attributes_only() {
        let html = r##"<a href="../07-layers/index.html#whiteouts">x</a> <link rel="x" href='a.css'>
            <code>data-href="no"</code> <a class="y" href="https://example.com/">z</a> href="bare"
            <a href="q.html?x=1&amp;y=2">"##;
        assert_eq!(
            hrefs(html),
            ["../07-layers/index.html#whiteouts", "a.css", "https://example.com/", "bare", "q.html?x=1&y=2"]
        );
    }

    #[test]
    fn finds_empty_blocks() {
        let html = "<pre><code class=\"language-console\">\n</code></pre>\n<pre><code>x</code></pre>\n\
                    <figure class=\"diagram\"><figcaption>c</figcaption></figure>\n\
                    <figure><svg viewBox=\"0 0 1 1\"></svg></figure>\n<svg><rect/></svg>";
        let problems = empty_blocks(html);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("an empty code block (line 1"));
        assert!(problems[1].starts_with("an empty figure"));
        assert!(problems[2].starts_with("an empty <svg> figure (line 5"));
    }

    #[test]
    fn reads_the_print_rule() {
        let css = "details.speaker-notes { display: block; }\n@media (min-width: 9px) { .x { } }\n\
                   @media print {\n  main pre { white-space: pre-wrap; }\n  details.speaker-notes,\n  .y {\n    display: none !important;\n  }\n}\n";
        assert!(hides_in_print(css, "speaker-notes"));
        assert!(!hides_in_print("details.speaker-notes { display: none; }", "speaker-notes"));
        assert!(!hides_in_print("@media print { .other { display: none } }", "speaker-notes"));
    }

    #[test]
    fn headings_are_plain_text() {
        let html = "<nav><h1>menu</h1></nav><main><h1 id=\"x\"><a class=\"header\" href=\"#x\">Tags vs <code>latest</code> &amp; more</a></h1></main>";
        assert_eq!(first_h1(html).as_deref(), Some("Tags vs latest & more"));
    }
    #[test]
    fn finds_placeholders_only_in_prose() {
        let html = "<title>TODO</title><main><p>Fill in the TODO here; TBD.</p>\
                    <pre><code>todo!(\"TODO\")</code></pre><p>Use <code>TODO</code> TODOS</p>\
                    <p>Coming soon: Lorem Ipsum</p><!-- TODO --></main>";
        let words: Vec<&str> = placeholders(html).into_iter().map(|(w, _)| w).collect();
        assert_eq!(words, ["TODO", "TBD", "lorem ipsum", "coming soon"]);
    }

    #[test]
    fn snippets_show_the_failing_command() {
        let html = "<p>x</p>\n<pre><code>**cmdrun error**: &#39;imagekit nope&#39; returned exit code 2 instead of 0.\n</code></pre>";
        let at = html.find("cmdrun error").unwrap();
        assert_eq!(snippet(html, at), "**cmdrun error**: 'imagekit nope' returned exit code 2 instead of 0.");
    }
}

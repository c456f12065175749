//! Drift between the exercise pages (`src/NN-topic/exercise.md`) and the exercises they describe:
//!
//! - every `pub fn`, `pub struct`, `pub enum`, `pub trait`, `pub const` and `pub type` item shown in
//!   a ```` ```rust,ignore ```` block of the page has the same signature (whitespace normalised, up
//!   to its `{` or `;`) in `exercises/NN-topic/src/lib.rs` (the stub) and in
//!   `exercises/NN-topic/solution/lib.rs`; a struct, enum or trait shown with its body (fields,
//!   variants, methods) has the same body there, unless the page elides part of it with `…`;
//! - every step (`exercises/NN-topic/tests/stepN_*.rs`) has its hints on the page, as one line
//!   `<!-- cmdrun --strict ../../exercises/show-hints ../../exercises/NN-topic/hints.md stepN_* -->`
//!   that names this exercise's `hints.md` and a step that exists, and no hint is written on the
//!   page by hand (`hints.md` is the one source: `watch` and `progress` show it too).
//!
//! The stub is the truth: where the page differs, fix the page. (`src/lib.rs` is read as it is on
//! disk: after `cargo xtask solve` it holds the solution, whose signatures are the same; a learner
//! who changes a signature in their own copy will see it reported.) Each problem is one line naming
//! the page (and line) and what differs.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util;

/// Every problem found, over all exercises.
pub fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for dir in exercise_dirs(root) {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let page = root.join("src").join(&name).join("exercise.md");
        let page_name = util::rel(root, &page);
        let text = match fs::read_to_string(&page) {
            Ok(text) => text,
            Err(e) => {
                problems.push(format!("{page_name}: cannot read the page of exercise {name}: {e}"));
                continue;
            }
        };
        problems.extend(check_signatures(root, &dir, &page_name, &text));
        problems.extend(check_hints(root, &dir, &page, &page_name, &text));
    }
    problems
}

/// `exercises/NN-*` folders that are crates, in order. (Listed here rather than with
/// `exercises::all`, which also puts back files a running `verify` has swapped out.)
fn exercise_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("exercises"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            let numbered =
                name.len() > 3 && name.as_bytes()[..2].iter().all(u8::is_ascii_digit) && name.as_bytes()[2] == b'-';
            numbered && p.join("Cargo.toml").is_file()
        })
        .collect();
    dirs.sort();
    dirs
}

/// `tests/stepN_*.rs` file stems, sorted.
fn steps(dir: &Path) -> Vec<String> {
    let mut steps: Vec<String> = fs::read_dir(dir.join("tests"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").filter(|s| s.starts_with("step")).map(str::to_string)
        })
        .collect();
    steps.sort();
    steps
}

// ---------------------------------------------------------------------------------------------
// Signatures

/// One item of Rust code, as far as this check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    /// `fn`, `struct`, `enum`, `trait`, `const`, `type` or `static`.
    kind: &'static str,
    name: String,
    /// From `pub` up to the `{` or `;`, normalised (see `normalise`).
    signature: String,
    /// What the braces after the signature hold, normalised, for a struct, enum or trait.
    body: Option<String>,
    /// The body leaves something out (`…` or `..`): compare only the signature.
    elided: bool,
    /// 1-based line of `pub` in the text the item was read from.
    line: usize,
}

fn check_signatures(root: &Path, dir: &Path, page_name: &str, text: &str) -> Vec<String> {
    let shown = shown_items(text);
    if shown.is_empty() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    for file in [dir.join("src/lib.rs"), dir.join("solution/lib.rs")] {
        let file_name = util::rel(root, &file);
        let code = match fs::read_to_string(&file) {
            Ok(code) => code,
            Err(e) => {
                problems.push(format!("{file_name}: cannot read it to compare with {page_name}: {e}"));
                continue;
            }
        };
        let defined = items(&code);
        for item in &shown {
            if let Some(problem) = compare(item, &defined, &file_name) {
                problems.push(format!("{page_name}:{}: {problem}", item.line));
            }
        }
    }
    problems
}

/// What is wrong with the page's `shown` item against the items of a file, if anything.
fn compare(shown: &Item, defined: &[Item], file_name: &str) -> Option<String> {
    let same_name: Vec<&Item> = defined.iter().filter(|d| d.kind == shown.kind && d.name == shown.name).collect();
    let Some(same) = same_name.iter().find(|d| d.signature == shown.signature) else {
        return Some(match same_name.first() {
            Some(d) => format!("shows `{}`, but {file_name} has `{}`", shown.signature, d.signature),
            None => format!("shows `{}`, but {file_name} has no `pub {} {}`", shown.signature, shown.kind, shown.name),
        });
    };
    match (&shown.body, &same.body) {
        (Some(page), Some(file)) if !shown.elided && page != file => Some(format!(
            "the body of `{}` differs from {file_name}: the page has {{ {page} }}, the file {{ {file} }} \
             (write `…` in the page's body to show only part of it)",
            shown.signature
        )),
        _ => None,
    }
}

/// The items of every ```` ```rust,ignore ```` block in a page, with their lines in the page.
fn shown_items(page: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut block: Option<(usize, String)> = None;
    let mut in_other_block = false;
    for (i, line) in page.lines().enumerate() {
        let trimmed = line.trim_start();
        let fence = trimmed.starts_with("```") || trimmed.starts_with("~~~");
        if let Some((first, code)) = &mut block {
            if fence {
                out.extend(items(code).into_iter().map(|mut item| {
                    item.line += *first - 1;
                    item
                }));
                block = None;
            } else {
                code.push_str(line);
                code.push('\n');
            }
        } else if in_other_block {
            in_other_block = !fence;
        } else if fence {
            let info = trimmed.trim_start_matches(['`', '~']);
            let tokens: Vec<&str> = info.split(',').map(str::trim).collect();
            if tokens.first() == Some(&"rust") && tokens.contains(&"ignore") {
                block = Some((i + 2, String::new()));
            } else {
                in_other_block = true;
            }
        }
    }
    out
}

/// The `pub` items of `code` (at any depth: methods in `impl` blocks too).
fn items(code: &str) -> Vec<Item> {
    let (text, skeleton) = blank(code);
    let sk = skeleton.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = skeleton[from..].find("pub") {
        let start = from + at;
        from = start + 3;
        if (start > 0 && is_ident(sk[start - 1])) || !sk.get(start + 3).is_some_and(u8::is_ascii_whitespace) {
            continue;
        }
        // The keywords after `pub`: qualifiers, then the kind.
        let mut pos = start + 3;
        let mut kind = None;
        while let Some((word, end)) = next_word(&skeleton, pos) {
            pos = end;
            match word {
                "async" | "unsafe" | "extern" => continue,
                "const" => match next_word(&skeleton, pos) {
                    Some(("fn" | "async" | "unsafe" | "extern", _)) => continue,
                    _ => kind = Some("const"),
                },
                "fn" => kind = Some("fn"),
                "struct" => kind = Some("struct"),
                "enum" => kind = Some("enum"),
                "trait" => kind = Some("trait"),
                "type" => kind = Some("type"),
                "static" => kind = Some("static"),
                _ => {}
            }
            break;
        }
        let Some(kind) = kind else { continue };
        let Some((name, _)) = next_word(&skeleton, pos) else { continue };
        let Some(end) = signature_end(sk, pos) else { continue };
        let mut item = Item {
            kind,
            name: name.to_string(),
            signature: normalise(&text[start..end]),
            body: None,
            elided: false,
            line: code[..start].matches('\n').count() + 1,
        };
        if sk[end] == b'{' && matches!(kind, "struct" | "enum" | "trait") {
            if let Some(close) = matching_brace(sk, end) {
                item.body = Some(normalise(&without_attributes(&text[end + 1..close], &skeleton[end + 1..close])));
                item.elided = code[end + 1..close].contains('…') || code[end + 1..close].contains("..");
            }
        }
        out.push(item);
    }
    out
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The identifier after `pos` (whitespace skipped) and the offset just past it.
fn next_word(text: &str, pos: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    let start = pos + bytes[pos..].iter().take_while(|b| b.is_ascii_whitespace()).count();
    let len = bytes[start..].iter().take_while(|&&b| is_ident(b)).count();
    (len > 0).then(|| (&text[start..start + len], start + len))
}

/// The first `{` or `;` from `pos` outside `(…)` and `[…]` (`[u8; 32]` has a `;`).
fn signature_end(sk: &[u8], pos: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, &b) in sk.iter().enumerate().skip(pos) {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'{' | b';' if depth <= 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// The `}` that closes the `{` at `open`.
fn matching_brace(sk: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, &b) in sk.iter().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` without its `#[…]` attributes (found in `skeleton`, the same text with literals
/// blanked).
fn without_attributes(text: &str, skeleton: &str) -> String {
    let sk = skeleton.as_bytes();
    let mut keep = vec![true; sk.len()];
    let mut from = 0;
    while let Some(at) = skeleton[from..].find("#[") {
        let start = from + at;
        let mut depth = 0;
        let mut end = sk.len();
        for (i, &b) in sk.iter().enumerate().skip(start + 1) {
            match b {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        keep[start..end].fill(false);
        from = end;
    }
    let bytes: Vec<u8> = text.bytes().zip(keep).map(|(b, k)| if k { b } else { b' ' }).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Whitespace normalised: runs of whitespace become one space, and none is left after `(`, `[`,
/// `<` or `{`, nor before `)`, `]`, `>`, `}`, `,` or `;`; a trailing comma before a closing
/// bracket goes too (rustfmt adds one when it wraps), and so does one at the very end.
fn normalise(s: &str) -> String {
    let mut out = String::new();
    for word in s.split_whitespace() {
        if !out.is_empty() && !out.ends_with(['(', '[', '<', '{']) {
            out.push(' ');
        }
        for c in word.chars() {
            if matches!(c, ')' | ']' | '>' | '}' | ',' | ';') {
                while out.ends_with(' ') {
                    out.pop();
                }
                if matches!(c, ')' | ']' | '>' | '}') && out.ends_with(',') {
                    out.pop();
                }
            }
            out.push(c);
        }
    }
    out.trim_end_matches(',').to_string()
}

/// Two copies of Rust `code`, of the same length and with the same line breaks: the first with
/// comments blanked out, the second with string and char literals blanked as well (for finding
/// brackets and `;`).
fn blank(code: &str) -> (String, String) {
    let bytes = code.as_bytes();
    let mut text = bytes.to_vec();
    let mut skeleton = bytes.to_vec();
    let wipe = |v: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut v[from..to] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            let end = i + rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            wipe(&mut text, i, end);
            wipe(&mut skeleton, i, end);
            i = end;
            continue;
        }
        if rest.starts_with(b"/*") {
            let mut depth = 0;
            let mut j = i;
            while j < bytes.len() {
                if bytes[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if bytes[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            let j = j.min(bytes.len());
            wipe(&mut text, i, j);
            wipe(&mut skeleton, i, j);
            i = j;
            continue;
        }
        let literal_len = match rest[0] {
            b'r' if i == 0 || !is_ident(bytes[i - 1]) || bytes[i - 1] == b'b' => raw_string(rest),
            b'"' => {
                let mut j = 1;
                while j < rest.len() && rest[j] != b'"' {
                    j += if rest[j] == b'\\' { 2 } else { 1 };
                }
                Some((j + 1).min(rest.len()))
            }
            b'\'' => char_literal(&code[i..]),
            _ => None,
        };
        match literal_len {
            Some(len) => {
                wipe(&mut skeleton, i, i + len);
                i += len;
            }
            None => i += 1,
        }
    }
    let text = String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let skeleton = String::from_utf8(skeleton).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (text, skeleton)
}

/// The length of the raw string literal (`r"…"`, `r#"…"#`) that `s` starts with.
fn raw_string(s: &[u8]) -> Option<usize> {
    let hashes = s[1..].iter().take_while(|&&b| b == b'#').count();
    if s.get(1 + hashes) != Some(&b'"') {
        return None;
    }
    let mut close = vec![b'#'; hashes + 1];
    close[0] = b'"';
    let body = 2 + hashes;
    s[body..].windows(close.len()).position(|w| w == close.as_slice()).map(|at| body + at + close.len())
}

/// The length of the char literal `s` starts with (`'a'`, `'\n'`, `'\u{2026}'`), or `None` for a
/// lifetime (`'a`).
fn char_literal(s: &str) -> Option<usize> {
    let mut chars = s.char_indices().skip(1);
    let (_, c) = chars.next()?;
    if c == '\\' {
        // The escaped character may itself be a quote: `'\''`.
        let close = s.get(3..)?.find('\'')?;
        return Some(3 + close + 1);
    }
    let (at, next) = chars.next()?;
    (next == '\'').then_some(at + 1)
}

// ---------------------------------------------------------------------------------------------
// Hints

fn check_hints(root: &Path, dir: &Path, page: &Path, page_name: &str, text: &str) -> Vec<String> {
    let steps = steps(dir);
    let page_dir = page.parent().unwrap_or(root);
    let hints_file = dir.join("hints.md");
    let hints_name = util::rel(root, &hints_file);
    let mut problems = Vec::new();
    // Step → the line that shows its hints.
    let mut shown: Vec<(String, usize)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.contains("<summary>Hint") {
            problems.push(format!(
                "{page_name}:{n}: a hint written by hand: hints live in {hints_name}; show them with \
                 `<!-- cmdrun --strict ../../exercises/show-hints ../../{hints_name} STEP -->`"
            ));
        }
        for command in cmdrun_commands(line) {
            let words: Vec<&str> = command.split_whitespace().collect();
            let Some(at) = words.iter().position(|w| w.ends_with("show-hints")) else { continue };
            let place = format!("{page_name}:{n}: `cmdrun {command}`");
            if words.first() != Some(&"--strict") {
                problems.push(format!("{place} lacks `--strict`: a failure would go unnoticed in the page"));
            }
            let script = page_dir.join(words[at]);
            if !is_executable(&script) {
                problems.push(format!("{place}: {} is not an executable file", util::rel(root, &script)));
            }
            let &[file, step] = &words[at + 1..] else {
                problems.push(format!("{place}: show-hints takes two arguments, the hints file and the step"));
                continue;
            };
            if !same_file(&page_dir.join(file), &hints_file) {
                problems.push(format!("{place} names {file}, not this exercise's hints (../../{hints_name})"));
            }
            if !steps.iter().any(|s| s == step) {
                problems.push(format!(
                    "{place}: no step {step} in {} (the steps are {})",
                    util::rel(root, &dir.join("tests")),
                    steps.join(", ")
                ));
            } else if let Some((_, first)) = shown.iter().find(|(s, _)| s == step) {
                problems.push(format!("{place} shows the hints of {step} again (line {first} does already)"));
            } else {
                shown.push((step.to_string(), n));
            }
        }
    }
    for step in &steps {
        if !shown.iter().any(|(s, _)| s == step) {
            problems.push(format!(
                "{page_name}: no hints for {step} (tests/{step}.rs): add \
                 `<!-- cmdrun --strict ../../exercises/show-hints ../../{hints_name} {step} -->` to its section"
            ));
        }
    }
    problems
}

/// The commands of the one-line `<!-- cmdrun … -->` comments in `line`, as mdbook-cmdrun 0.7.3
/// finds them (`<!--[ ]*cmdrun (.*?)-->`).
fn cmdrun_commands(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("<!--") {
        let after = &rest[start + 4..];
        let Some(end) = after.find("-->") else { break };
        if let Some(command) = after[..end].trim_start_matches(' ').strip_prefix("cmdrun ") {
            out.push(command.trim_end());
        }
        rest = &after[end + 3..];
    }
    out
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn sig(code: &str) -> Vec<String> {
        items(code).into_iter().map(|i| i.signature).collect()
    }

    #[test]
    fn normalises_wrapped_signatures() {
        let wrapped = "pub fn match_history(\n    history: &[HistoryEntry],\n    layer_count: usize,\n    image_id: &str,\n) -> Result<Vec<HistoryRow>, String> {\n    todo!()\n}";
        let page = "pub fn match_history(history: &[HistoryEntry], layer_count: usize, image_id: &str)\n    -> Result<Vec<HistoryRow>, String>;";
        assert_eq!(sig(wrapped), sig(page));
        assert_eq!(
            sig(page),
            ["pub fn match_history(history: &[HistoryEntry], layer_count: usize, image_id: &str) -> Result<Vec<HistoryRow>, String>"]
        );
        assert_ne!(sig("pub fn f(x: u8) -> u8;"), sig("pub fn f(x: u16) -> u8;"));
    }

    #[test]
    fn reads_items_past_comments_literals_and_arrays() {
        let code = r##"
//! pub fn in_a_doc_comment() {}
/// Doc: `pub fn not_me();`
pub const PREFIX: &str = ".wh.{;";
pub fn hash(x: &[u8; 32], c: char) -> [u8; 32] { let s = "pub fn nope() {"; let q = '"'; let r = r#"}"#; todo!() }
pub fn longest<'a>(a: &'a str, b: &'a str) -> &'a str { a }
pub struct Pair(pub u8, pub u8);
#[derive(Debug)]
pub struct Ids {
    /// The tar's.
    #[allow(dead_code)]
    pub diff_id: String, // a comment
    pub size: u64,
}
impl Ids {
    pub fn new() -> Self { todo!() }
    fn private() {}
}
pub enum E { A { x: u8 }, B(String), C }
pub const fn constant() -> u8 { 1 }
"##;
        let found = items(code);
        let sigs: Vec<&str> = found.iter().map(|i| i.signature.as_str()).collect();
        assert_eq!(
            sigs,
            [
                "pub const PREFIX: &str = \".wh.{;\"",
                "pub fn hash(x: &[u8; 32], c: char) -> [u8; 32]",
                "pub fn longest<'a>(a: &'a str, b: &'a str) -> &'a str",
                "pub struct Pair(pub u8, pub u8)",
                "pub struct Ids",
                "pub fn new() -> Self",
                "pub enum E",
                "pub const fn constant() -> u8",
            ]
        );
        let ids = &found[4];
        assert_eq!(ids.body.as_deref(), Some("pub diff_id: String, pub size: u64"));
        assert_eq!(ids.line, 9);
        assert_eq!(found[6].body.as_deref(), Some("A {x: u8}, B(String), C"));
        assert_eq!(found[7].kind, "fn");
        // The page's one-line form of the same struct has the same body.
        assert_eq!(items("pub struct Ids { pub diff_id: String, pub size: u64 }")[0].body, ids.body);
    }

    #[test]
    fn reads_only_rust_ignore_blocks_of_a_page() {
        let page =
            "# T\n\n```rust\npub fn not_checked();\n```\n\n```rust,ignore\npub fn a();\n\npub fn b(x: u8);\n```\n\
                    ```text\npub fn nor_this();\n```\n";
        let shown = shown_items(page);
        let found: Vec<(usize, &str)> = shown.iter().map(|i| (i.line, i.signature.as_str())).collect();
        assert_eq!(found, [(8, "pub fn a()"), (10, "pub fn b(x: u8)")]);
    }

    /// A throwaway repository: `exercises/07-demo` and its page.
    struct Fixture(PathBuf);

    impl Fixture {
        fn new(tag: &str, stub: &str, solution: &str, page: &str) -> Fixture {
            let root = std::env::temp_dir().join(format!("xtask-exercise-pages-{tag}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&root);
            let ex = root.join("exercises/07-demo");
            for dir in ["src", "solution", "tests"] {
                fs::create_dir_all(ex.join(dir)).unwrap();
            }
            fs::create_dir_all(root.join("src/07-demo")).unwrap();
            fs::write(ex.join("Cargo.toml"), "[package]\nname = \"ex07-demo\"\n").unwrap();
            fs::write(ex.join("src/lib.rs"), stub).unwrap();
            fs::write(ex.join("solution/lib.rs"), solution).unwrap();
            fs::write(ex.join("tests/step1_a.rs"), "").unwrap();
            fs::write(ex.join("tests/step2_b.rs"), "").unwrap();
            fs::write(ex.join("hints.md"), "# Hints\n").unwrap();
            fs::write(root.join("src/07-demo/exercise.md"), page).unwrap();
            fs::copy(util::root().join("exercises/show-hints"), root.join("exercises/show-hints")).unwrap();
            Fixture(root)
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const STUB: &str = "use std::collections::BTreeMap;\n\n/// Doc.\npub fn apply(\n    layers: &[Vec<u8>],\n) -> BTreeMap<String, Vec<u8>> {\n    todo!()\n}\n\n\
                        #[derive(Debug)]\npub struct Ids {\n    pub diff_id: String,\n    pub size: u64,\n}\n";

    #[test]
    fn a_page_that_agrees_has_no_problems() {
        let page =
            "# Ex\n\n## Step 1\n\n```rust,ignore\npub fn apply(layers: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>>;\n\
                    pub struct Ids { pub diff_id: String, pub size: u64 }\n```\n\n\
                    <!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step1_a -->\n\n\
                    ## Step 2\n\n```rust,ignore\npub struct Ids {\n    pub diff_id: String,\n    …\n}\n```\n\n\
                    <!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step2_b -->\n";
        let fixture = Fixture::new("agrees", STUB, STUB, page);
        assert_eq!(check(&fixture.0), Vec::<String>::new());
    }

    #[test]
    fn finds_drift() {
        let solution = STUB.replace("pub size: u64", "pub size: usize");
        let page = "# Ex\n\n## Step 1\n\n```rust,ignore\n\
                    pub fn apply(layers: &[Vec<u8>]) -> std::collections::BTreeMap<String, Vec<u8>>;\n\
                    pub fn gone();\n\
                    pub struct Ids { pub diff_id: String, pub size: u64 }\n```\n\n\
                    <details>\n<summary>Hint 1</summary>\n\nBy hand.\n\n</details>\n\n\
                    <!-- cmdrun ../../exercises/show-hints ../../exercises/08-other/hints.md step1_a -->\n\
                    <!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step9_z -->\n\
                    <!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step1_a -->\n";
        let fixture = Fixture::new("drift", STUB, &solution, page);
        let problems = check(&fixture.0);
        let expected = [
            "src/07-demo/exercise.md:6: shows `pub fn apply(layers: &[Vec<u8>]) -> std::collections::BTreeMap<String, Vec<u8>>`, \
             but exercises/07-demo/src/lib.rs has `pub fn apply(layers: &[Vec<u8>]) -> BTreeMap<String, Vec<u8>>`",
            "src/07-demo/exercise.md:7: shows `pub fn gone()`, but exercises/07-demo/src/lib.rs has no `pub fn gone`",
            "src/07-demo/exercise.md:6: shows `pub fn apply(",
            "src/07-demo/exercise.md:7: shows `pub fn gone()`, but exercises/07-demo/solution/lib.rs has no `pub fn gone`",
            "src/07-demo/exercise.md:8: the body of `pub struct Ids` differs from exercises/07-demo/solution/lib.rs: \
             the page has { pub diff_id: String, pub size: u64 }, the file { pub diff_id: String, pub size: usize }",
            "src/07-demo/exercise.md:12: a hint written by hand",
            "src/07-demo/exercise.md:18: `cmdrun ../../exercises/show-hints ../../exercises/08-other/hints.md step1_a` lacks `--strict`",
            "src/07-demo/exercise.md:18: `cmdrun ../../exercises/show-hints ../../exercises/08-other/hints.md step1_a` names \
             ../../exercises/08-other/hints.md, not this exercise's hints (../../exercises/07-demo/hints.md)",
            "src/07-demo/exercise.md:19: `cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step9_z`: \
             no step step9_z in exercises/07-demo/tests (the steps are step1_a, step2_b)",
            "src/07-demo/exercise.md:20: `cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step1_a` \
             shows the hints of step1_a again (line 18 does already)",
            "src/07-demo/exercise.md: no hints for step2_b (tests/step2_b.rs): add \
             `<!-- cmdrun --strict ../../exercises/show-hints ../../exercises/07-demo/hints.md step2_b -->` to its section",
        ];
        assert_eq!(problems.len(), expected.len(), "{}", problems.join("\n"));
        for (problem, start) in problems.iter().zip(expected) {
            assert!(problem.starts_with(start), "\n{problem}\ndoes not start with\n{start}");
            assert!(!problem.contains('\n'), "{problem}");
        }
    }

    /// The workbook's own pages agree with its exercises.
    #[test]
    fn the_workbook_has_no_drift() {
        let problems = check(&util::root());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    // --- exercises/show-hints, against `hints::parse` ---

    fn show_hints(file: &Path, step: &str) -> std::process::Output {
        Command::new(util::root().join("exercises/show-hints")).arg(file).arg(step).output().unwrap()
    }

    /// What show-hints must print: the blocks the pages used to hold by hand.
    fn blocks(hints: &[String]) -> String {
        let blocks: Vec<String> = hints
            .iter()
            .enumerate()
            .map(|(i, h)| format!("<details>\n<summary>Hint {}</summary>\n\n{h}\n\n</details>\n", i + 1))
            .collect();
        blocks.join("\n")
    }

    fn assert_shows(file: &Path, text: &str, step: &str) {
        let hints = crate::hints::parse(text).into_iter().find(|s| s.step == step).unwrap().hints;
        let out = show_hints(file, step);
        assert!(out.status.success(), "{step}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), blocks(&hints), "{}: {step}", file.display());
    }

    fn assert_fails(file: &Path, step: &str, message: &str) {
        let out = show_hints(file, step);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{step}: {stderr}");
        assert!(out.stdout.is_empty(), "{step}: printed {:?}", String::from_utf8_lossy(&out.stdout));
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(message), "{stderr:?} lacks {message:?}");
    }

    #[test]
    fn show_hints_prints_every_step_of_the_workbook() {
        let root = util::root();
        let mut seen = 0;
        for dir in exercise_dirs(&root) {
            let file = dir.join("hints.md");
            let text = fs::read_to_string(&file).unwrap();
            for step in crate::hints::parse(&text) {
                assert_shows(&file, &text, &step.step);
                seen += 1;
            }
        }
        assert!(seen >= 6, "only {seen} steps found");
    }

    const TRICKY: &str = "# Hints\n\nIntro, no step.\n\n### Not a hint: before any step\n\nstray\n\n\
                          ## step1_digest\n\nText under the step: no hint.\n\n### Hint 1\n\n  Indented first line.\n\
                          Trailing spaces.   \n\n\n### Hint 2\n\nUse `format!`:\n\n```rust\n## not a heading\n\
                          ### nor this\n# nor a title\n```\n\n~~~\n## tilde fence\n~~~\n\n\
                          #### A smaller heading is text\n100% of `%s` and \\n stay.\n\n\
                          ##  step2_tar  \n\n### Hint 1\n\nSort.\n\n# A title again\n\nnot in a hint\n\n\
                          ### Late hint\n\nAdded to step2_tar, as hints.rs does.\n\n\
                          ## step3_empty\n\nNo hints here.\n\n## step4_blank\n\n### Hint 1\n\n   \n\n\
                          ## step1_digest\n\n### Hint 1\n\nA repeated step: the first one counts.\n";

    #[test]
    fn show_hints_follows_the_hints_parser() {
        let dir = std::env::temp_dir().join(format!("xtask-show-hints-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let lf = dir.join("hints.md");
        let crlf = dir.join("hints-crlf.md");
        fs::write(&lf, TRICKY).unwrap();
        fs::write(&crlf, TRICKY.replace('\n', "\r\n")).unwrap();
        for file in [&lf, &crlf] {
            assert_shows(file, TRICKY, "step1_digest");
            assert_shows(file, TRICKY, "step2_tar");
            assert_fails(file, "step3_empty", "has no hints");
            assert_fails(file, "step4_blank", "Hint 1 is empty");
            assert_fails(file, "step9_none", "no step `step9_none`");
            assert_fails(file, "Hints", "no step `Hints`");
        }
        let out = String::from_utf8(show_hints(&lf, "step2_tar").stdout).unwrap();
        assert!(out.contains("<summary>Hint 2</summary>\n\nAdded to step2_tar"), "{out}");
        assert_fails(&dir.join("missing.md"), "step1_digest", "no such file");
        let usage = Command::new(util::root().join("exercises/show-hints")).arg(&lf).output().unwrap();
        assert_eq!(usage.status.code(), Some(2));
        fs::remove_dir_all(&dir).unwrap();
    }
}

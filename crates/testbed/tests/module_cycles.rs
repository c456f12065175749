//! No module of any crate in the workspace imports another that imports it back, directly or
//! through others. A module's imports are the paths it names through `crate::`, `super::` and
//! `self::` (in `use` trees and in code), each taken to the longest module it names; a module's
//! own `mod` declarations (ownership) and its test modules' `use super::*` are not imports of
//! the module. The same rule as cargo-modules' `dependencies --acyclic`, without its rust-analyzer
//! build (minutes on two cores). It lives in the test bed, not in xtask: an integration test of
//! xtask would make `cargo test` relink the xtask binary that `cargo xtask test` is running.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut sources: Vec<PathBuf> = ["crates", "exercises"]
        .iter()
        .flat_map(|dir| fs::read_dir(root.join(dir)).unwrap().flatten().map(|e| e.path().join("src")))
        .filter(|src| src.is_dir())
        .collect();
    sources.sort();
    assert!(sources.len() >= 10, "found only {} crates under {}", sources.len(), root.display());
    let mut problems = Vec::new();
    for src in &sources {
        let name = src.strip_prefix(&root).unwrap().display().to_string();
        for cycle in cycles(&graph(src)) {
            problems.push(format!("{name}: modules {} import each other", cycle.join(", ")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn finds_a_cycle_through_three_modules_and_ignores_tests_and_ownership() {
    let dir = std::env::temp_dir().join(format!("xtask-cycles-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("b")).unwrap();
    fs::write(dir.join("main.rs"), "mod a;\nmod b;\nuse crate::a::f;\n").unwrap();
    fs::write(dir.join("a.rs"), "use crate::b::{c::{self, g}, h};\n#[cfg(test)]\nmod tests { use super::*; }\n")
        .unwrap();
    fs::write(dir.join("b/mod.rs"), "pub mod c;\npub fn h() {}\n").unwrap();
    fs::write(dir.join("b/c.rs"), "// crate::x is a comment\npub fn g() { super::super::a::f(); }\n").unwrap();
    let found = graph(&dir);
    assert_eq!(found["a"], BTreeSet::from(["b".to_string(), "b::c".to_string()]));
    assert_eq!(cycles(&found), [vec!["a".to_string(), "b::c".to_string()]]);
    fs::write(dir.join("b/c.rs"), "pub fn g() {}\n").unwrap();
    assert!(cycles(&graph(&dir)).is_empty());
    fs::remove_dir_all(&dir).unwrap();
}

/// Module path (`exercises::verify`; the crate root is "") → the modules it imports.
fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<String, PathBuf> = files.into_iter().map(|f| (module_of(src, &f), f)).collect();
    let mut graph = Graph::new();
    for (module, file) in &modules {
        let text = without_tests_and_comments(&fs::read_to_string(file).unwrap());
        let here: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
        let mut imports = BTreeSet::new();
        for path in paths(&text) {
            let mut segments: Vec<&str> = Vec::new();
            let mut words = path.split("::").peekable();
            match words.peek().copied() {
                Some("crate") => {
                    words.next();
                }
                Some("self") => {
                    words.next();
                    segments.extend(&here);
                }
                Some("super") => {
                    segments.extend(&here);
                    while words.peek() == Some(&"super") {
                        words.next();
                        segments.pop();
                    }
                }
                _ => continue,
            }
            segments.extend(words);
            let target = (0..=segments.len())
                .rev()
                .map(|n| segments[..n].join("::"))
                .find(|m| modules.contains_key(m))
                .unwrap_or_default();
            let related = |a: &str, b: &str| a.is_empty() || b.starts_with(&format!("{a}::"));
            if target != *module && !related(&target, module) && !related(module, &target) {
                imports.insert(target);
            }
        }
        graph.insert(module.clone(), imports);
    }
    graph
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/exercises/verify.rs` → `exercises::verify`; `src/lib.rs` and `src/main.rs` → "".
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("lib" | "main" | "mod")) {
        parts.pop();
    }
    parts.join("::")
}

/// The text before its `#[cfg(test)]` module, without line comments and string contents.
fn without_tests_and_comments(text: &str) -> String {
    let text = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                if c == '"' && prev != '\\' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
            } else if c == '/' && chars.peek() == Some(&'/') {
                break;
            } else {
                out.push(c);
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        out.push('\n');
    }
    out
}

/// Every path a text names from `crate`, `self` or `super`: in code, and in `use` trees with
/// their braces expanded (`use crate::{a, b::{c, d}}` names `crate::a`, `crate::b::c`, …).
fn paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        let tree: String = rest[..end].chars().filter(|c| !c.is_whitespace()).collect();
        expand("", &tree, &mut out);
        rest = &rest[end..];
    }
    let words: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < words.len() {
        let boundary = i == 0 || !(words[i - 1].is_alphanumeric() || words[i - 1] == '_' || words[i - 1] == ':');
        let rest: String = words[i..].iter().take(8).collect();
        if boundary && ["crate::", "super::", "self::"].iter().any(|p| rest.starts_with(p)) {
            let len = words[i..].iter().take_while(|c| c.is_alphanumeric() || **c == '_' || **c == ':').count();
            out.push(words[i..i + len].iter().collect::<String>().trim_end_matches(':').to_string());
            i += len;
        } else {
            i += 1;
        }
    }
    out
}

fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.split("as").next().unwrap_or(tree);
    let Some(open) = tree.find('{') else {
        out.push(format!("{prefix}{tree}"));
        return;
    };
    let head = format!("{prefix}{}", &tree[..open]);
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&head, &inner[start..i], out);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < inner.len() {
        expand(&head, &inner[start..], out);
    }
}

/// The strongly connected groups of more than one module (Tarjan), each sorted.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    self.low.insert(v, self.low[v].min(self.low[w]));
                } else if self.stack.contains(&w) {
                    self.low.insert(v, self.low[v].min(self.index[w]));
                }
            }
            if self.low[v] == self.index[v] {
                let at = self.stack.iter().rposition(|m| *m == v).unwrap();
                let mut group: Vec<String> = self.stack.drain(at..).map(str::to_string).collect();
                if group.len() > 1 {
                    group.sort();
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found.sort();
    walk.found
}

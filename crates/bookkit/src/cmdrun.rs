//! The book's `<!-- cmdrun … -->` lines, found as mdbook-cmdrun 0.7.3 finds them: what
//! `build`, `demo`, the figure cache and the page checks all read.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{Context, Result};

/// A `<!-- cmdrun … -->` line in the book's sources.
pub struct Line {
    pub page: PathBuf,
    pub line: usize,
    /// The command as cmdrun passes it to `sh -c`, whitespace collapsed.
    pub command: String,
    /// The exit code the line asks for (`-N`, `--strict`, `--expect-return-code N`).
    pub expected: Option<i32>,
}

pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Finds cmdrun lines as mdbook-cmdrun 0.7.3 does (`<!--[ ]*cmdrun (.*?)-->` on one line) and
/// reads its exit-code flags the same way.
pub fn cmdrun_lines(page: &Path, text: &str) -> Vec<Line> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("<!--") {
            rest = &rest[start + 4..];
            let body = rest.trim_start_matches(' ');
            let Some(body) = body.strip_prefix("cmdrun ") else {
                continue;
            };
            let Some(end) = body.find("-->") else { break };
            let raw = &body[..end];
            rest = &body[end + 3..];
            let words: Vec<&str> = raw.split_whitespace().collect();
            let (skip, expected) = match words.first() {
                Some(&"--strict") => (1, Some(0)),
                Some(&"--expect-return-code") => (2, words.get(1).and_then(|w| w.parse().ok())),
                Some(w) if w.starts_with('-') => (1, w.rsplit_once('-').and_then(|(_, code)| code.parse().ok())),
                _ => (0, None),
            };
            found.push(Line {
                page: page.to_path_buf(),
                line: n + 1,
                command: words.get(skip..).unwrap_or_default().join(" "),
                expected,
            });
        }
    }
    found
}

pub fn files_with_ext(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) -> Result {
    let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry.with_context(|| format!("reading {}", dir.display()))?.path();
        if path.is_dir() {
            files_with_ext(&path, ext, out)?;
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cmdrun_lines_like_cmdrun() {
        let text = "a\n<!-- cmdrun imagekit digest  x.json -->\n\
                    <!--cmdrun -0 imagekit ls -->  and <!-- cmdrun --strict a | b -->\n\
                    <!-- cmdrun --expect-return-code 2 false -->\n<!-- not cmdrun -->\n";
        let lines = cmdrun_lines(Path::new("src/p.md"), text);
        let got: Vec<(usize, &str, Option<i32>)> =
            lines.iter().map(|l| (l.line, l.command.as_str(), l.expected)).collect();
        assert_eq!(
            got,
            [
                (2, "imagekit digest x.json", None),
                (3, "imagekit ls", Some(0)),
                (3, "a | b", Some(0)),
                (4, "false", Some(2)),
            ]
        );
    }
}

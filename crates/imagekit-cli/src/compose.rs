//! Finding and rewriting `image:` lines in a compose-style YAML file, keeping everything else —
//! indentation, quotes, comments — byte for byte. (A YAML parser would re-serialize the file
//! and lose the author's formatting, which is the same lesson as Topic 08's digests.)

/// One `image:` line: where it is and the reference it holds.
#[derive(Debug, Clone)]
pub struct ImageLine {
    /// 1-based line number.
    pub line: usize,
    pub reference: String,
    /// Byte range of the reference inside the line (without quotes).
    range: std::ops::Range<usize>,
}

/// Every `image: REF` (or `- image: REF`) line in `text`.
pub fn image_lines(text: &str) -> Vec<ImageLine> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let trimmed = line.trim_start();
            let after_dash = trimmed.strip_prefix("- ").map(str::trim_start).unwrap_or(trimmed);
            let value = after_dash.strip_prefix("image:")?;
            let value_start = line.len() - value.len();
            let lead = value.len() - value.trim_start().len();
            let mut start = value_start + lead;
            let rest = &line[start..];
            // The value ends at a comment (" #") or the end of the line.
            let mut end = start + rest.find(" #").unwrap_or(rest.len());
            end = start + line[start..end].trim_end().len();
            if let Some(q) = line[start..end].chars().next().filter(|c| *c == '"' || *c == '\'') {
                if line[start..end].len() >= 2 && line[start..end].ends_with(q) {
                    start += 1;
                    end -= 1;
                }
            }
            (start < end).then(|| ImageLine { line: i + 1, reference: line[start..end].to_string(), range: start..end })
        })
        .collect()
}

/// `text` with the references on the given lines replaced.
pub fn rewrite(text: &str, replacements: &[(ImageLine, String)]) -> String {
    let mut out = String::with_capacity(text.len() + 80 * replacements.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        match replacements.iter().find(|(l, _)| l.line == i + 1) {
            Some((l, new)) => {
                out.push_str(&line[..l.range.start]);
                out.push_str(new);
                out.push_str(&line[l.range.end..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27-alpine   # the proxy\n  db:\n    image: \"postgres:16\"\n    environment:\n      - IMAGE=x\n";

    #[test]
    fn finds_image_lines_and_keeps_the_rest() {
        let lines = image_lines(COMPOSE);
        assert_eq!(
            lines.iter().map(|l| l.reference.as_str()).collect::<Vec<_>>(),
            ["nginx:1.27-alpine", "postgres:16"]
        );
        let out = rewrite(
            COMPOSE,
            &[
                (lines[0].clone(), "nginx:1.27-alpine@sha256:x".into()),
                (lines[1].clone(), "postgres:16@sha256:y".into()),
            ],
        );
        assert_eq!(
            out,
            "services:\n  web:\n    image: nginx:1.27-alpine@sha256:x   # the proxy\n  db:\n    image: \"postgres:16@sha256:y\"\n    environment:\n      - IMAGE=x\n"
        );
    }
}

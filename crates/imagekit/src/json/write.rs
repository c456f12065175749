//! The writer: compact JSON, or pretty as serde_json's `to_vec_pretty` writes it (the bytes of
//! every document imagekit writes, and so their digests, are that printer's). Strings escaped
//! as serde_json escapes them (`\"`, `\\`, the short forms `\b \f \n \r \t`, `\u00XX` for
//! other control characters); numbers as they were read.

use super::Value;

/// `value` as compact JSON.
pub fn write(value: &Value) -> String {
    let mut out = String::new();
    write_into(&mut out, value, None);
    out
}

/// `value` pretty-printed: two-space indents, `": "` after keys, `[]` and `{}` when empty.
pub fn write_pretty(value: &Value) -> String {
    let mut out = String::new();
    write_into(&mut out, value, Some(0));
    out
}

/// A newline and the indent of `depth` (pretty only).
fn newline(out: &mut String, depth: Option<usize>) {
    if let Some(depth) = depth {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
}

/// `depth`: `None` for compact output, else the current indent level.
fn write_into(out: &mut String, value: &Value, depth: Option<usize>) {
    let inner = depth.map(|d| d + 1);
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(text) => out.push_str(text),
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, inner);
                write_into(out, item, inner);
            }
            if !items.is_empty() {
                newline(out, depth);
            }
            out.push(']');
        }
        Value::Object(object) => {
            out.push('{');
            for (i, (key, item)) in object.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, inner);
                write_string(out, key);
                out.push_str(if depth.is_some() { ": " } else { ":" });
                write_into(out, item, inner);
            }
            if !object.is_empty() {
                newline(out, depth);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\0'..='\u{1f}' => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    /// Written as serde_json writes the same document, and read back to the same value.
    #[test]
    fn writes_as_serde_json_and_reads_back() {
        let text =
            "{\"a\":[1,-2.5e3,true,false,null],\"s\":\"q\\\" b\\\\ \\n\\r\\t\\u0008\\u000c\\u0001 é 😀 /\",\"o\":{}}";
        let value = parse(text.as_bytes()).unwrap();
        let written = write(&value);
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(written, serde_json::to_string(&theirs).unwrap().replace("-2500.0", "-2.5e3"));
        assert_eq!(parse(written.as_bytes()).unwrap(), value);
        assert_eq!(write_pretty(&value), serde_json::to_string_pretty(&theirs).unwrap().replace("-2500.0", "-2.5e3"));
    }

    /// Through serde (the CLI's `--json`), numbers are written as read too.
    #[test]
    fn serde_writes_numbers_as_read() {
        let value = parse(br#"{"a":[-0,1e999,123456789012345678901234567890,1.50]}"#).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), write(&value));
        assert_eq!(serde_json::to_string_pretty(&value).unwrap(), write_pretty(&value));
    }

    #[test]
    fn pretty_is_serde_jsons_pretty_printer_nested_and_empty() {
        let text = r#"{"a":{"b":[[],{},[1,{"c":null}]],"d":{}},"e":[]}"#;
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(write_pretty(&parse(text.as_bytes()).unwrap()), serde_json::to_string_pretty(&theirs).unwrap());
        assert_eq!(write_pretty(&parse(b"[]").unwrap()), "[]");
    }
}

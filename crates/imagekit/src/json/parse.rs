//! The reader: RFC 8259, no extensions. Accepts what serde_json's `from_slice` accepts, except
//! an object that repeats a key, which it refuses (see the module docs).

use super::{Object, Value};

/// Nesting deeper than this is refused, where serde_json refuses it (its limit of 128 counts
/// down to zero, so 127 levels read): a document is a few levels deep, and a hostile one must
/// not exhaust the stack.
const MAX_DEPTH: usize = 127;

/// Parse one JSON document (surrounding whitespace allowed). The error is one line naming
/// what is wrong and where: "expected `,` or `}` at line 3 column 7".
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    // The whole document must be UTF-8; outside strings only ASCII is valid anyway.
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(at(bytes, e.valid_up_to(), "invalid UTF-8"));
    }
    let mut reader = Reader { bytes, pos: 0 };
    let value = reader.value(0).map_err(|msg| at(bytes, reader.pos, msg))?;
    reader.skip_space();
    if reader.pos < bytes.len() {
        return Err(at(bytes, reader.pos, "trailing characters after the document"));
    }
    Ok(value)
}

/// "MSG at line L column C", counted as serde_json counts (1-based, columns in bytes).
fn at(bytes: &[u8], pos: usize, msg: &str) -> String {
    let before = &bytes[..pos.min(bytes.len())];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = pos - before.iter().rposition(|&b| b == b'\n').map_or(0, |nl| nl + 1) + 1;
    format!("{msg} at line {line} column {column}")
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

type Step<T> = Result<T, &'static str>;

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Consume `byte` (after whitespace) or fail with `msg`.
    fn expect(&mut self, byte: u8, msg: &'static str) -> Step<()> {
        self.skip_space();
        if self.peek() != Some(byte) {
            return Err(msg);
        }
        self.pos += 1;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Step<Value> {
        self.skip_space();
        match self.peek() {
            None => Err("EOF while parsing a value"),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                for (word, value) in [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)]
                {
                    if self.bytes[self.pos..].starts_with(word.as_bytes()) {
                        self.pos += word.len();
                        return Ok(value);
                    }
                }
                Err("expected a value")
            }
        }
    }

    fn object(&mut self, depth: usize) -> Step<Value> {
        if depth > MAX_DEPTH {
            return Err("recursion limit exceeded");
        }
        let start = self.pos;
        self.pos += 1;
        let mut members: Vec<(String, Value)> = Vec::new();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(Object(members)));
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err("expected a key (a string)");
            }
            let key = self.string()?;
            self.expect(b':', "expected `:` after a key")?;
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_space();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err("expected `,` or `}`"),
            }
        }
        // A set of the keys, so that a hostile object of n keys costs n, not n². (A set of
        // `String`: the union tree has one, so the explorer's WebAssembly carries no new code.)
        let mut seen = std::collections::HashSet::with_capacity(members.len());
        if !members.iter().all(|(k, _)| seen.insert(k.clone())) {
            self.pos = start;
            return Err("an object repeats a key: readers that keep the first and the last would disagree");
        }
        Ok(Value::Object(Object(members)))
    }

    fn array(&mut self, depth: usize) -> Step<Value> {
        if depth > MAX_DEPTH {
            return Err("recursion limit exceeded");
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err("expected `,` or `]`"),
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text.
    fn number(&mut self) -> Step<Value> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.required_digits()?;
        }
        // ASCII by construction, so this slice is valid UTF-8.
        Ok(Value::Number(String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned()))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self) -> Step<()> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err("invalid number");
        }
        self.digits();
        Ok(())
    }

    /// A string after its opening quote is at `pos`; escapes decoded, surrogate pairs joined.
    fn string(&mut self) -> Step<String> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(byte) = self.peek() else {
                return Err("EOF while parsing a string");
            };
            self.pos += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let Some(escape) = self.peek() else {
                        return Err("EOF while parsing a string");
                    };
                    self.pos += 1;
                    let decoded = match escape {
                        b'"' | b'\\' | b'/' => escape as char,
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => {
                            self.pos -= 1;
                            return Err("invalid escape");
                        }
                    };
                    out.extend_from_slice(decoded.encode_utf8(&mut [0; 4]).as_bytes());
                }
                0..=0x1f => {
                    self.pos -= 1;
                    return Err("control character in a string (it must be escaped)");
                }
                _ => out.push(byte),
            }
        }
        // Bytes copied from valid UTF-8 between ASCII delimiters, plus whole encoded chars.
        String::from_utf8(out).map_err(|_| "invalid UTF-8")
    }

    /// After `\u`: four hex digits, and for a leading surrogate the `\uXXXX` trailing one.
    fn unicode_escape(&mut self) -> Step<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.bytes[self.pos..].starts_with(b"\\u") {
                    return Err("lone leading surrogate in hex escape");
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err("lone leading surrogate in hex escape");
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err("lone trailing surrogate in hex escape"),
            _ => first,
        };
        char::from_u32(code).ok_or("invalid unicode code point")
    }

    fn hex4(&mut self) -> Step<u32> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|b| (b as char).to_digit(16)).ok_or("invalid \\u escape")?;
            code = code * 16 + digit;
            self.pos += 1;
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_and_keeps_numbers_and_order() {
        let v = parse(br#" {"b": [1, -0.5e+3, true, false, null], "a": "x\u00e9\ud83d\ude00\n\/"} "#).unwrap();
        let Value::Object(o) = v else { panic!("not an object") };
        assert_eq!(o.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(o.get("a"), Some(&Value::String("xé😀\n/".into())));
        let Some(Value::Array(items)) = o.get("b") else { panic!("not an array") };
        assert_eq!(items[1], Value::Number("-0.5e+3".into()));
    }

    /// Each refused with where it went wrong; serde_json refuses every one of these too,
    /// except the repeated key (it keeps the last).
    #[test]
    fn refuses_what_is_not_json_naming_where() {
        for (text, wanted) in [
            (&b"{\"a\":1,}"[..], "expected a key (a string) at line 1 column 8"),
            (b"[1,]", "expected a value at line 1 column 4"),
            (b"{\"a\":1,\n\"a\":2}", "repeats a key"),
            (b"01", "trailing characters after the document at line 1 column 2"),
            (b"1.", "invalid number"),
            (b"-", "invalid number"),
            (b"\"a\tb\"", "control character"),
            (b"\"\\x\"", "invalid escape"),
            (b"\"\\ud800\"", "lone leading surrogate"),
            (b"\"\\udc00\"", "lone trailing surrogate"),
            (b"\"\xff\"", "invalid UTF-8 at line 1 column 2"),
            (b"{\"a\" 1}", "expected `:`"),
            (b"[1 2]", "expected `,` or `]`"),
            (b"tru", "expected a value"),
            (b"\"abc", "EOF while parsing a string"),
            (b"", "EOF while parsing a value"),
            (b"{} {}", "trailing characters"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(wanted), "{:?}: {err}", String::from_utf8_lossy(text));
            assert!(serde_json::from_slice::<serde_json::Value>(text).is_err() || wanted == "repeats a key");
        }
        let err = parse(b"[0,\n {\"a\":1, \"a\":2}]").unwrap_err();
        assert!(
            err.ends_with("repeats a key: readers that keep the first and the last would disagree at line 2 column 2"),
            "{err}"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        parse(deep.as_bytes()).unwrap();
        serde_json::from_str::<serde_json::Value>(&deep).unwrap();
        let deeper = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(deeper.as_bytes()).unwrap_err().contains("recursion limit"));
        assert!(serde_json::from_str::<serde_json::Value>(&deeper).is_err());
        let hostile = "{\"a\":".repeat(100_000);
        assert!(parse(hostile.as_bytes()).unwrap_err().contains("recursion limit"));
    }
}

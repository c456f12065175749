//! A small strict JSON reader (RFC 8259) that keeps every scalar's exact spelling.
//!
//! Why not `serde_json::Value` here: reformatting through `Value` rewrites numbers (`1.50` →
//! `1.5`, `1e3` → `1000.0`) and string escapes, so "pretty" would change more than whitespace;
//! and `Value`'s parser and float printer cost about 30 KB of the widget's 100 KB `.wasm`. This
//! reader keeps scalars as the exact text they were written with, so reformatting changes only
//! whitespace and, for "sorted", the order of members. The native tests check that it accepts and
//! rejects what `serde_json` does, at the same line.

use std::fmt::Write as _;

/// A parsed value: scalars (numbers, strings with their quotes, `true`/`false`/`null`) as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    Scalar(&'a str),
    Array(Vec<Node<'a>>),
    /// Members in document order: (key as written, with quotes and escapes; value).
    Object(Vec<(&'a str, Node<'a>)>),
}

/// The first error: a message and the byte offset it was found at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: &'static str,
    pub at: usize,
}

/// serde_json's default nesting limit.
const MAX_DEPTH: usize = 128;

pub fn parse(text: &str) -> Result<Node<'_>, Error> {
    let mut p = Parser { s: text.as_bytes(), text, i: 0, depth: 0 };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i < p.s.len() {
        return p.err("trailing characters");
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn err<T>(&self, message: &'static str) -> Result<T, Error> {
        Err(Error { message, at: self.i.min(self.s.len()) })
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn value(&mut self) -> Result<Node<'a>, Error> {
        match self.peek() {
            None => self.err("EOF while parsing a value"),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(Node::Scalar(self.string("EOF while parsing a string")?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(_) => self.err("expected value"),
        }
    }

    fn literal(&mut self, word: &'static str) -> Result<Node<'a>, Error> {
        let start = self.i;
        for &b in word.as_bytes() {
            match self.peek() {
                None => return self.err("EOF while parsing a value"),
                Some(c) if c == b => self.i += 1,
                Some(_) => return self.err("expected ident"),
            }
        }
        Ok(Node::Scalar(&self.text[start..self.i]))
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Node<'a>, Error> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return self.err("invalid number");
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            None => return self.err("EOF while parsing a value"),
            Some(_) => return self.err("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return if self.peek().is_none() {
                    self.err("EOF while parsing a value")
                } else {
                    self.err("invalid number")
                };
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return if self.peek().is_none() {
                    self.err("EOF while parsing a value")
                } else {
                    self.err("invalid number")
                };
            }
        }
        Ok(Node::Scalar(&self.text[start..self.i]))
    }

    /// A string token, quotes included, validated (escapes, control characters, surrogates).
    fn string(&mut self, eof: &'static str) -> Result<&'a str, Error> {
        let start = self.i;
        self.i += 1; // the opening quote
        loop {
            let Some(c) = self.peek() else { return self.err(eof) };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(&self.text[start..self.i]);
                }
                b'\\' => {
                    self.i += 1;
                    match self.peek() {
                        None => return self.err(eof),
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            self.i += 1;
                            let unit = self.hex4(eof)?;
                            if (0xdc00..0xe000).contains(&unit) {
                                return self.err("lone leading surrogate in hex escape");
                            }
                            if (0xd800..0xdc00).contains(&unit) {
                                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                                    if self.i + 2 > self.s.len() {
                                        return self.err(eof);
                                    }
                                    return self.err("unexpected end of hex escape");
                                }
                                self.i += 2;
                                let low = self.hex4(eof)?;
                                if !(0xdc00..0xe000).contains(&low) {
                                    return self.err("lone leading surrogate in hex escape");
                                }
                            }
                        }
                        Some(_) => return self.err("invalid escape"),
                    }
                }
                0x00..=0x1f => return self.err("control character (\\u0000-\\u001F) found while parsing a string"),
                _ => self.i += 1,
            }
        }
    }

    fn hex4(&mut self, eof: &'static str) -> Result<u32, Error> {
        let mut n = 0;
        for _ in 0..4 {
            let Some(c) = self.peek() else { return self.err(eof) };
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return self.err("invalid escape"),
            };
            n = n * 16 + u32::from(d);
            self.i += 1;
        }
        Ok(n)
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("recursion limit exceeded");
        }
        self.i += 1;
        self.ws();
        Ok(())
    }

    fn array(&mut self) -> Result<Node<'a>, Error> {
        self.enter()?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Node::Array(items));
        }
        loop {
            items.push(self.value()?);
            if self.after_item(b']', "EOF while parsing a list", "expected `,` or `]`")? {
                return Ok(Node::Array(items));
            }
        }
    }

    /// After an array item or object member: a `,` (not followed by the closer) continues,
    /// the closer ends the container (`Ok(true)`); anything else is the error serde_json gives.
    fn after_item(&mut self, close: u8, eof: &'static str, expected: &'static str) -> Result<bool, Error> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(close) {
                    return self.err("trailing comma");
                }
                Ok(false)
            }
            Some(c) if c == close => {
                self.i += 1;
                self.depth -= 1;
                Ok(true)
            }
            None => self.err(eof),
            Some(_) => self.err(expected),
        }
    }

    fn object(&mut self) -> Result<Node<'a>, Error> {
        self.enter()?;
        let mut members = Vec::new();
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Node::Object(members));
        }
        loop {
            match self.peek() {
                Some(b'"') => {}
                None => return self.err("EOF while parsing an object"),
                Some(_) => return self.err("key must be a string"),
            }
            let key = self.string("EOF while parsing a string")?;
            self.ws();
            match self.peek() {
                Some(b':') => self.i += 1,
                None => return self.err("EOF while parsing an object"),
                Some(_) => return self.err("expected `:`"),
            }
            self.ws();
            let value = self.value()?;
            members.push((key, value));
            if self.after_item(b'}', "EOF while parsing an object", "expected `,` or `}`")? {
                return Ok(Node::Object(members));
            }
        }
    }
}

/// The text a JSON string token stands for (`"a\u00e9"` → `aé`). The token must be valid.
pub fn unquote(token: &str) -> String {
    let inner = &token[1..token.len() - 1];
    if !inner.contains('\\') {
        return inner.to_string();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex = |chars: &mut std::str::Chars| {
                    let s: String = chars.take(4).collect();
                    u32::from_str_radix(&s, 16).unwrap_or(0xfffd)
                };
                let mut code = hex(&mut chars);
                if (0xd800..0xdc00).contains(&code) {
                    chars.next(); // '\\'
                    chars.next(); // 'u'
                    let low = hex(&mut chars);
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                }
                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

impl<'a> Node<'a> {
    /// A member of an object, by its (unescaped) key; the last one wins, as in serde_json.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Object(members) => members.iter().rev().find(|(k, _)| unquote(k) == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<String> {
        match self {
            Node::Scalar(s) if s.starts_with('"') => Some(unquote(s)),
            _ => None,
        }
    }

    /// A non-negative integer written without fraction or exponent, that fits in a u64.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Node::Scalar(s) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node<'a>]> {
        match self {
            Node::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Node::Object(_))
    }

    /// The value as text: `indent` spaces per level (0: compact, no whitespace at all), members
    /// sorted by key (stable, by unescaped key) if `sort`.
    pub fn write(&self, indent: usize, sort: bool) -> String {
        let mut out = String::new();
        self.write_to(&mut out, indent, sort, 0);
        out
    }

    fn write_to(&self, out: &mut String, indent: usize, sort: bool, level: usize) {
        let newline = |out: &mut String, level: usize| {
            if indent > 0 {
                out.push('\n');
                let _ = write!(out, "{:1$}", "", indent * level);
            }
        };
        match self {
            Node::Scalar(s) => out.push_str(s),
            Node::Array(items) if items.is_empty() => out.push_str("[]"),
            Node::Object(members) if members.is_empty() => out.push_str("{}"),
            Node::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, level + 1);
                    item.write_to(out, indent, sort, level + 1);
                }
                newline(out, level);
                out.push(']');
            }
            Node::Object(members) => {
                let mut order: Vec<&(&str, Node)> = members.iter().collect();
                if sort {
                    order.sort_by_cached_key(|(k, _)| unquote(k));
                }
                out.push('{');
                for (i, (key, value)) in order.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    newline(out, level + 1);
                    out.push_str(key);
                    out.push(':');
                    if indent > 0 {
                        out.push(' ');
                    }
                    value.write_to(out, indent, sort, level + 1);
                }
                newline(out, level);
                out.push('}');
            }
        }
    }
}

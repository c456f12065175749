//! Results for JavaScript as small JSON strings, written by hand: serde and serde-wasm-bindgen
//! would cost kilobytes of the `.wasm`'s 100 KB budget.

/// A JSON object, written field by field.
pub struct Out(String);

impl Default for Out {
    fn default() -> Self {
        Out("{".into())
    }
}

impl Out {
    fn key(mut self, key: &str) -> Self {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        quote(&mut self.0, key);
        self.0.push(':');
        self
    }

    pub fn str(self, key: &str, value: &str) -> Self {
        let mut o = self.key(key);
        quote(&mut o.0, value);
        o
    }

    pub fn num(self, key: &str, value: u64) -> Self {
        let mut o = self.key(key);
        o.0.push_str(&value.to_string());
        o
    }

    pub fn bool(self, key: &str, value: bool) -> Self {
        let mut o = self.key(key);
        o.0.push_str(if value { "true" } else { "false" });
        o
    }

    /// `value` must already be JSON.
    pub fn raw(self, key: &str, value: &str) -> Self {
        let mut o = self.key(key);
        o.0.push_str(value);
        o
    }

    pub fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from_digit(c as u32 >> 4, 16).unwrap_or('0'));
                out.push(char::from_digit(c as u32 & 15, 16).unwrap_or('0'));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

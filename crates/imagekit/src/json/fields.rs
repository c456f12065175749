//! Reading a document's fields by hand: [`FromJson`] for the field types, [`Fields`] for an
//! object's members, errors that name the path to the bad value (`layers[2].size: …`).

use std::collections::BTreeMap;

use super::{Object, Value};

/// What was wrong, and where in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// `manifests[1].platform.os`; empty for the document itself.
    path: String,
    message: String,
}

impl JsonError {
    pub fn new(message: impl Into<String>) -> JsonError {
        JsonError { path: String::new(), message: message.into() }
    }

    /// The same error one level up, inside `segment` (a field name, or `[i]`).
    fn within(mut self, segment: &str) -> JsonError {
        if !self.path.is_empty() && !self.path.starts_with('[') {
            self.path.insert(0, '.');
        }
        self.path.insert_str(0, segment);
        self
    }

    fn expected(what: &str, found: &Value) -> JsonError {
        JsonError::new(format!("expected {what}, found {}", found.kind()))
    }
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// A type read from one JSON value.
pub trait FromJson: Sized {
    fn from_json(value: Value) -> Result<Self, JsonError>;
}

impl FromJson for Value {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        Ok(value)
    }
}

impl FromJson for String {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(JsonError::expected("a string", &other)),
        }
    }
}

impl FromJson for bool {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(JsonError::expected("a boolean", &other)),
        }
    }
}

/// Digits only, as serde_json reads a `u64`: `1.0`, `1e3` and `-1` are refused. And at most
/// 2^63 − 1: Go's image-spec types hold sizes in an `int64`, so Go refuses anything larger.
impl FromJson for u64 {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match &value {
            Value::Number(text) if text.bytes().all(|b| b.is_ascii_digit()) => match text.parse::<i64>() {
                Ok(n) => Ok(n as u64),
                Err(_) => Err(JsonError::new(format!("{text} is too large (Go's decoders read it as an int64)"))),
            },
            Value::Number(text) => Err(JsonError::new(format!("expected a whole number of at least 0, found {text}"))),
            other => Err(JsonError::expected("a number", other)),
        }
    }
}

impl FromJson for u32 {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        let wide = u64::from_json(value)?;
        u32::try_from(wide).map_err(|_| JsonError::new(format!("{wide} is too large")))
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| T::from_json(item).map_err(|e| e.within(&format!("[{i}]"))))
                .collect(),
            other => Err(JsonError::expected("an array", &other)),
        }
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        Fields::from_json(value)?.rest_as()
    }
}

/// An object's members, taken one field at a time; what is left over is the document's
/// unknown fields ([`Fields::rest`]), kept so that they survive a round trip.
pub struct Fields {
    members: Vec<(String, Value)>,
    /// The known field names asked for so far, to catch their case-variants in `rest`.
    known: Vec<&'static str>,
}

impl FromJson for Fields {
    fn from_json(value: Value) -> Result<Self, JsonError> {
        match value {
            Value::Object(Object(members)) => Ok(Fields { members, known: Vec::new() }),
            other => Err(JsonError::expected("an object", &other)),
        }
    }
}

impl Fields {
    /// The member `name`, removed from the rest.
    fn take(&mut self, name: &'static str) -> Option<Value> {
        self.known.push(name);
        let at = self.members.iter().position(|(k, _)| k == name)?;
        Some(self.members.remove(at).1)
    }

    /// A field the document must have.
    pub fn required<T: FromJson>(&mut self, name: &'static str) -> Result<T, JsonError> {
        match self.take(name) {
            Some(value) => T::from_json(value).map_err(|e| e.within(name)),
            None => Err(JsonError::new(format!("missing field `{name}`"))),
        }
    }

    /// A field that may be missing or null.
    pub fn optional<T: FromJson>(&mut self, name: &'static str) -> Result<Option<T>, JsonError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => T::from_json(value).map(Some).map_err(|e| e.within(name)),
        }
    }

    /// The members no field asked for, in document order. Refused: a member whose name Go's
    /// decoder would match to a known field (it matches case-insensitively, with Unicode's
    /// simple folding, so `"ENV"` and `"Env"` are one field to it, and so is `"\u212Aey"` with
    /// `"Key"`): Docker would read that value and we would not.
    pub fn rest(self) -> Result<Object, JsonError> {
        for (key, _) in &self.members {
            if let Some(known) = self.known.iter().find(|known| folds_to(key, known)) {
                return Err(JsonError::new(format!(
                    "field `{key}` differs from `{known}` only in letter case: Go's decoder, \
                     which Docker and containerd use, would read it as `{known}`"
                )));
            }
        }
        Ok(Object(self.members))
    }

    /// The remaining members read as one type each (a map such as `annotations`).
    fn rest_as<T: FromJson>(self) -> Result<BTreeMap<String, T>, JsonError> {
        // Inserted one by one: `collect` into a map sorts first, a sort's code per map type.
        let mut map = BTreeMap::new();
        for (key, value) in self.members {
            let value = T::from_json(value).map_err(|e| e.within(&quoted(&key)))?;
            map.insert(key, value);
        }
        Ok(map)
    }
}

/// A map key as a path segment: quoted and escaped (keys may hold anything, newlines too, and
/// errors are one line), cut short if long.
fn quoted(key: &str) -> String {
    const MAX: usize = 64;
    match key.char_indices().nth(MAX) {
        Some((end, _)) => format!("{:?}…", &key[..end]),
        None => format!("{key:?}"),
    }
}

/// Does Go's `encoding/json` field matching equate `key` with the (ASCII) field name `known`?
/// Only three non-ASCII characters fold to ASCII letters: the Kelvin sign to k, the long s to
/// s, and nothing else for the letters field names use.
fn folds_to(key: &str, known: &str) -> bool {
    let mut key_chars = key.chars().map(|c| match c {
        '\u{212A}' => 'k',
        '\u{017F}' => 's',
        c => c.to_ascii_lowercase(),
    });
    known.chars().all(|k| key_chars.next() == Some(k.to_ascii_lowercase())) && key_chars.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn fields(text: &str) -> Fields {
        Fields::from_json(parse(text.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn errors_name_the_path_to_the_bad_value() {
        let mut f = fields(r#"{"layers": [{"size": 1}, {"size": "2"}]}"#);
        let err = f.required::<Vec<Fields>>("layers").unwrap().remove(1).required::<u64>("size").unwrap_err();
        assert_eq!(err.to_string(), "size: expected a number, found a string");
        let mut f = fields(r#"{"layers": [1, "x"]}"#);
        assert_eq!(
            f.required::<Vec<u64>>("layers").unwrap_err().to_string(),
            "layers[1]: expected a number, found a string"
        );
        let mut f = fields(r#"{"a": {"b": {"c": 1.5}}}"#);
        let err = f.required::<BTreeMap<String, BTreeMap<String, u64>>>("a").unwrap_err();
        assert_eq!(err.to_string(), r#"a."b"."c": expected a whole number of at least 0, found 1.5"#);
        let mut f = fields(&format!(r#"{{"Labels": {{"x\ny{}": 1}}}}"#, "z".repeat(100)));
        let err = f.required::<BTreeMap<String, String>>("Labels").unwrap_err().to_string();
        assert_eq!(err, format!(r#"Labels."x\ny{}"…: expected a string, found a number"#, "z".repeat(61)));
        assert_eq!(fields("{}").required::<u64>("size").unwrap_err().to_string(), "missing field `size`");
    }

    #[test]
    fn numbers_are_read_as_serde_json_reads_them() {
        let read = |text: &str| u64::from_json(parse(text.as_bytes()).unwrap());
        assert_eq!(read("9223372036854775807"), Ok(i64::MAX as u64));
        for refused in ["18446744073709551616", "-1", "1.0", "1e3", "\"1\""] {
            assert!(read(refused).is_err(), "{refused}");
            assert!(serde_json::from_str::<u64>(refused).is_err(), "{refused}");
        }
        // serde_json reads these as u64; Go's int64 fields do not, and neither do we.
        for refused in ["9223372036854775808", "18446744073709551615"] {
            assert!(read(refused).unwrap_err().to_string().contains("too large (Go's decoders read it as an int64)"));
        }
        assert!(u32::from_json(parse(b"4294967296").unwrap()).is_err());
    }

    #[test]
    fn null_is_missing_for_optional_fields_and_unknown_fields_are_kept_in_order() {
        let mut f = fields(r#"{"z": 1, "urls": null, "a": [true]}"#);
        assert_eq!(f.optional::<Vec<String>>("urls"), Ok(None));
        assert_eq!(f.optional::<String>("artifactType"), Ok(None));
        assert_eq!(f.rest().unwrap().keys().collect::<Vec<_>>(), ["z", "a"]);
    }

    #[test]
    fn a_case_variant_of_a_known_field_is_refused() {
        for key in ["env", "ENV", "eNv"] {
            let mut f = fields(&format!(r#"{{"{key}": ["A=1"]}}"#));
            assert_eq!(f.optional::<Vec<String>>("Env"), Ok(None));
            let err = f.rest().unwrap_err().to_string();
            assert!(err.contains("only in letter case") && err.contains("`Env`"), "{err}");
        }
        let mut f = fields("{\"\u{212A}ey\": 1, \"Keys\": 2}");
        assert!(f.optional::<u64>("key").unwrap().is_none());
        assert!(f.rest().unwrap_err().to_string().contains("\u{212A}ey"));
        let mut f = fields("{\"o\u{17F}\": \"linux\"}");
        assert!(f.optional::<String>("os").unwrap().is_none());
        assert!(f.rest().is_err());
        let mut f = fields(r#"{"Env": [], "Envy": 1}"#);
        f.optional::<Vec<String>>("Env").unwrap();
        assert_eq!(f.rest().unwrap().len(), 1);
    }
}

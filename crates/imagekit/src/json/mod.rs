//! JSON as the image documents need it: a strict reader ([`parse`]), a [`Value`] that keeps
//! every number as written and every object in document order, [`FromJson`], by which each
//! document type reads its own fields ([`Fields`]), and [`ToJson`], by which it writes them
//! ([`Members`], [`write_pretty`]: the bytes serde_json's pretty printer writes).
//!
//! Why not serde's derives: the documents are read in the browser too (the image explorer's
//! WebAssembly), where serde's derives with their `flatten`ed unknown-field maps cost about a
//! quarter of the module. The documents still implement `Serialize` (through [`ToJson`]) for
//! the CLI's `--json` output.
//!
//! Stricter than serde_json where a lenient reader would let two readers disagree about one
//! document: a key given twice in an object is refused (Go's decoder, which containerd and
//! Docker use, keeps the last one), and so is an unknown key that Go's case-insensitive field
//! matching would read as a known one (`"env"` for `Env`).

mod fields;
mod parse;
mod to_json;
mod write;

pub use fields::{Fields, FromJson, JsonError};
pub use parse::parse;
pub(crate) use to_json::serialize_through_to_json;
pub use to_json::{Members, ToJson};
pub use write::{write, write_pretty};

/// Parse `bytes` and read them as a `T`: the error names either where the text is not JSON or
/// which field is wrong.
pub fn from_slice<T: FromJson>(bytes: &[u8]) -> Result<T, String> {
    T::from_json(parse(bytes)?).map_err(|e| e.to_string())
}

/// One JSON value. Numbers keep their text: a document's meaning is never rounded through f64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number exactly as written (already checked against JSON's number grammar).
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

/// An object's members in document order; its keys are unique ([`parse`] refuses repeats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object(Vec<(String, Value)>);

impl Object {
    pub fn new() -> Object {
        Object(Vec::new())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Set `key`, replacing its value if present (its place is kept).
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

impl IntoIterator for Object {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Value {
    /// The kind of value, as errors name it ("expected a string, found an array").
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// An empty object, as `ExposedPorts` and `Volumes` use for set members.
    pub fn empty_object() -> Value {
        Value::Object(Object::new())
    }
}

// Building values to write (the image explorer's report): numbers through integer formatting.
impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::String(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::String(text)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Number(n.to_string())
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::from(u64::from(n))
    }
}

impl From<usize> for Value {
    fn from(n: usize) -> Value {
        Value::from(n as u64)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(option: Option<T>) -> Value {
        option.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl<K: Into<String>> FromIterator<(K, Value)> for Object {
    /// Later members replace earlier ones of the same key, so keys stay unique.
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(members: I) -> Object {
        let mut object = Object::new();
        for (key, value) in members {
            object.insert(key, value);
        }
        object
    }
}

/// Native code writes a [`Value`] with serde_json (the CLI's `--json`). A number is written as it
/// was read (serde_json's `RawValue`), so `-0`, `1e999` or a 30-digit integer in an unknown
/// field come out as they went in, not rounded through f64. Meant for serde_json's serializers:
/// another serializer would see `RawValue`'s private struct.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            // The text passed JSON's number grammar in `parse`, or came from an integer.
            Value::Number(text) => match serde_json::value::RawValue::from_string(text.clone()) {
                Ok(raw) => raw.serialize(s),
                Err(e) => Err(serde::ser::Error::custom(e)),
            },
            Value::String(text) => s.serialize_str(text),
            Value::Array(items) => s.collect_seq(items),
            Value::Object(object) => object.serialize(s),
        }
    }
}

impl serde::Serialize for Object {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

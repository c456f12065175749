//! Writing a document: [`ToJson`] gives its [`Value`], fields in declaration order, absent
//! optional fields left out, unknown fields last (as they were read). The documents' serde
//! `Serialize` goes through it too, so each document has one list of its fields for writing.

use std::collections::BTreeMap;

use super::{Object, Value};

/// A type written as one JSON value.
pub trait ToJson {
    fn to_json(&self) -> Value;
}

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToJson for u64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl ToJson for u32 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

/// In key order, as serde writes a `BTreeMap`.
impl<T: ToJson> ToJson for BTreeMap<String, T> {
    fn to_json(&self) -> Value {
        Value::Object(Object(self.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()))
    }
}

/// A document's members, in the order they are written.
pub struct Members(Vec<(String, Value)>);

impl Members {
    pub fn new() -> Members {
        Members(Vec::new())
    }

    /// A field that is always written. Names are the caller's, unique by construction.
    pub fn field(mut self, name: &str, value: &impl ToJson) -> Members {
        self.0.push((name.to_string(), value.to_json()));
        self
    }

    /// A field written only when present (serde's `skip_serializing_if = "Option::is_none"`).
    pub fn optional<T: ToJson>(self, name: &str, value: &Option<T>) -> Members {
        match value {
            Some(v) => self.field(name, v),
            None => self,
        }
    }

    /// The unknown fields kept from reading, after the known ones (serde's `flatten`).
    pub fn extra(mut self, extra: &Object) -> Value {
        self.0.extend(extra.0.iter().cloned());
        Value::Object(Object(self.0))
    }
}

impl Default for Members {
    fn default() -> Self {
        Members::new()
    }
}

/// The documents' `Serialize`: through [`ToJson`], so serde and [`super::write_pretty`] write
/// the same fields. `$t` must implement [`ToJson`].
macro_rules! serialize_through_to_json {
    ($($t:ty),*) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::json::ToJson::to_json(self).serialize(s)
            }
        }
    )*};
}
pub(crate) use serialize_through_to_json;

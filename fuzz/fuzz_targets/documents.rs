//! The JSON documents: manifest, index and config parse or fail cleanly, and a parsed document
//! keeps its exact bytes (its digest is of the input, never of a re-serialization). imagekit's
//! own JSON reader is checked against serde_json on the same bytes: both accept or both refuse,
//! except for the two documented differences, and what both accept reads the same and is written
//! the same.
#![no_main]

use imagekit::config::ImageConfig;
use imagekit::digest::Digest;
use imagekit::index::Index;
use imagekit::json::{self, Value};
use imagekit::manifest::Manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let digest = Digest::of_bytes(data);
    if let Ok(m) = Manifest::parse(data.to_vec()) {
        assert_eq!(m.bytes(), data);
        assert_eq!(m.digest(), &digest);
    }
    if let Ok(i) = Index::parse(data.to_vec()) {
        assert_eq!(i.bytes(), data);
    }
    if let Ok(c) = ImageConfig::parse(data.to_vec()) {
        assert_eq!(c.bytes(), data);
        let _ = c.value.history_layers();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Digest::parse(text.trim());
    }
    match (json::parse(data), serde_json::from_slice::<serde_json::Value>(data)) {
        (Ok(ours), Ok(theirs)) => {
            same(&ours, &theirs);
            // imagekit writes documents with its own pretty printer: byte for byte serde_json's
            // (whose numbers are exact only as integers).
            if integers_only(&ours) {
                assert_eq!(json::write_pretty(&ours), serde_json::to_string_pretty(&ours).unwrap());
            }
        }
        (Err(e), Err(_)) => assert!(!e.contains('\n')),
        // serde_json keeps the last of a repeated key; we refuse the object.
        (Err(e), Ok(_)) => assert!(e.contains("repeats a key"), "refused what serde_json reads: {e}"),
        // serde_json refuses a number beyond f64's range; we keep numbers as text.
        (Ok(_), Err(e)) => assert!(e.to_string().contains("number out of range"), "read what serde_json refuses: {e}"),
    }
});

fn integers_only(value: &Value) -> bool {
    match value {
        Value::Number(text) => text.parse::<u64>().is_ok() || text.parse::<i64>().is_ok() && text != "-0",
        Value::Array(items) => items.iter().all(integers_only),
        Value::Object(members) => members.iter().all(|(_, v)| integers_only(v)),
        _ => true,
    }
}

fn same(ours: &Value, theirs: &serde_json::Value) {
    use serde_json::Value as J;
    match (ours, theirs) {
        (Value::Null, J::Null) => {}
        (Value::Bool(a), J::Bool(b)) => assert_eq!(a, b),
        (Value::Number(text), J::Number(n)) => {
            // serde_json's default float parsing may be one ULP off Rust's correctly rounded one.
            let (ours, theirs) = (text.parse::<f64>().unwrap(), n.as_f64().unwrap());
            assert!(ours == theirs || (ours - theirs).abs() <= ours.abs() * 1e-15, "{text} read as {n}");
            if let Some(u) = n.as_u64() {
                assert_eq!(text.parse::<u64>().ok(), Some(u));
            }
        }
        (Value::String(a), J::String(b)) => assert_eq!(a, b),
        (Value::Array(a), J::Array(b)) => {
            assert_eq!(a.len(), b.len());
            a.iter().zip(b).for_each(|(x, y)| same(x, y));
        }
        (Value::Object(a), J::Object(b)) => {
            assert_eq!(a.len(), b.len());
            for ((k, x), (l, y)) in a.iter().zip(b) {
                assert_eq!(k, l);
                same(x, y);
            }
        }
        _ => panic!("{ours:?} read as {theirs:?}"),
    }
}

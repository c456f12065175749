//! PAX extended headers (`x` and `g` entries): `"%d %s=%s\n"` records that override the next
//! header's fields.
//!
//! Readers disagree about the corners of this format, and a disagreement is an attack: if
//! imagekit reads one path and the runtime another, `audit` reports a file that will not exist.
//! Go's archive/tar (`parsePAX`, `mergePAX`) keeps the *last* of two records with one key; older
//! readers kept the first. An empty value means "unset" to the standard and "keep the header's
//! value" to Go. Go ignores global headers; GNU tar and Python apply them. So every record that
//! could be read two ways is refused, and the rest is read exactly as Go reads it.

use std::collections::HashSet;

/// The records of one extended header that change how an entry is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pax {
    pub path: Option<Vec<u8>>,
    pub linkpath: Option<Vec<u8>>,
    pub size: Option<i64>,
    pub uid: Option<i64>,
    pub gid: Option<i64>,
}

/// Keys whose value changes what an entry is or where it goes: refused in a global header,
/// which Go ignores while GNU tar and Python apply it to every later entry.
const ENTRY_KEYS: [&str; 7] = ["path", "linkpath", "size", "uid", "gid", "uname", "gname"];

/// Parse the data of an extended header. `global` for a `g` entry.
pub(crate) fn parse(data: &[u8], global: bool) -> Result<Pax, String> {
    let mut pax = Pax::default();
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (key, value, tail) = record(rest)?;
        rest = tail;
        let shown = String::from_utf8_lossy(key);
        if !seen.insert(key) {
            return Err(format!(
                "extended header repeats the record {shown:?} (Go's archive/tar takes the last, other readers the first)"
            ));
        }
        if key.starts_with(b"GNU.sparse.") {
            return Err(format!(
                "sparse file (extended header record {shown:?}): its expanded size is not bounded by the tar"
            ));
        }
        let key = std::str::from_utf8(key).map_err(|_| format!("extended header key {shown:?} is not UTF-8"))?;
        if global && ENTRY_KEYS.contains(&key) {
            return Err(format!(
                "global extended header sets {key:?} (Go ignores it, GNU tar and Python apply it to every entry)"
            ));
        }
        if ENTRY_KEYS.contains(&key) && value.is_empty() {
            return Err(format!(
                "extended header record {key:?} is empty (Go keeps the header's value, the PAX standard removes it)"
            ));
        }
        match key {
            "path" => pax.path = Some(value.to_vec()),
            "linkpath" => pax.linkpath = Some(value.to_vec()),
            "size" => pax.size = Some(decimal(key, value)?),
            "uid" => pax.uid = Some(decimal(key, value)?),
            "gid" => pax.gid = Some(decimal(key, value)?),
            "mtime" | "atime" | "ctime" => time(key, value)?,
            _ => {}
        }
    }
    Ok(pax)
}

/// A record's key and value, and the bytes after it.
type Record<'a> = (&'a [u8], &'a [u8], &'a [u8]);

/// One record off the front of `s`. Go's `parsePAXRecord`.
fn record(s: &[u8]) -> Result<Record<'_>, String> {
    let malformed = || "malformed extended header record".to_string();
    let space = s.iter().position(|&b| b == b' ').ok_or_else(malformed)?;
    let len_text = &s[..space];
    if len_text.is_empty() || len_text.len() > 19 || !len_text.iter().all(u8::is_ascii_digit) {
        return Err(malformed());
    }
    let len: usize = std::str::from_utf8(len_text).ok().and_then(|t| t.parse().ok()).ok_or_else(malformed)?;
    if len < 5 || len > s.len() || len <= space + 1 {
        return Err(malformed());
    }
    let body = &s[space + 1..len];
    let (record, newline) = body.split_at(body.len() - 1);
    if newline != b"\n" {
        return Err(malformed());
    }
    let eq = record.iter().position(|&b| b == b'=').ok_or_else(malformed)?;
    let (key, value) = (&record[..eq], &record[eq + 1..]);
    // Go's validPAXRecord: a key has no NUL; path-like values have none either.
    if key.is_empty() || key.contains(&0) {
        return Err(malformed());
    }
    if matches!(key, b"path" | b"linkpath" | b"uname" | b"gname") && value.contains(&0) {
        return Err(format!("extended header record {:?} holds a NUL byte", String::from_utf8_lossy(key)));
    }
    Ok((key, value, &s[len..]))
}

/// A decimal number as Go's `strconv.ParseInt` reads it, minus the signs no writer emits.
fn decimal(key: &str, value: &[u8]) -> Result<i64, String> {
    let bad = || format!("extended header record {key:?} is not a decimal number");
    if !value.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    std::str::from_utf8(value).ok().and_then(|t| t.parse().ok()).ok_or_else(bad)
}

/// `SECONDS[.FRACTION]` (Go's `parsePAXTime`); only checked, since layers here carry no times.
fn time(key: &str, value: &[u8]) -> Result<(), String> {
    let text = value.strip_prefix(b"-").unwrap_or(value);
    let (secs, frac) = match text.iter().position(|&b| b == b'.') {
        Some(dot) => (&text[..dot], &text[dot + 1..]),
        None => (text, &b""[..]),
    };
    if secs.is_empty() || !secs.iter().chain(frac).all(u8::is_ascii_digit) || decimal(key, secs).is_err() {
        return Err(format!("extended header record {key:?} is not a time"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(key: &str, value: &str) -> String {
        let body = format!(" {key}={value}\n");
        let mut n = body.len() + 1;
        while n != body.len() + n.to_string().len() {
            n = body.len() + n.to_string().len();
        }
        format!("{n}{body}")
    }

    #[test]
    fn records_are_self_consistent() {
        for (k, v) in [("path", "a"), ("path", &"x".repeat(200)), ("size", "12")] {
            let r = rec(k, v);
            let (key, value, rest) = record(r.as_bytes()).unwrap();
            assert_eq!((key, value, rest), (k.as_bytes(), v.as_bytes(), &b""[..]), "{r:?}");
        }
    }

    #[test]
    fn reads_what_go_reads() {
        let data = format!("{}{}{}", rec("path", "etc/x"), rec("mtime", "1700000000.25"), rec("uid", "7"));
        let pax = parse(data.as_bytes(), false).unwrap();
        assert_eq!(pax.path.as_deref(), Some(&b"etc/x"[..]));
        assert_eq!(pax.uid, Some(7));
        assert_eq!(parse(rec("comment", "hi").as_bytes(), true), Ok(Pax::default()));
    }

    #[test]
    fn refuses_what_readers_disagree_on() {
        let twice = format!("{}{}", rec("size", "1"), rec("size", "2"));
        assert!(parse(twice.as_bytes(), false).unwrap_err().contains("repeats the record \"size\""));
        assert!(parse(rec("path", "").as_bytes(), false).unwrap_err().contains("is empty"));
        assert!(parse(rec("path", "x").as_bytes(), true).unwrap_err().contains("global extended header"));
        assert!(parse(rec("GNU.sparse.major", "1").as_bytes(), false).unwrap_err().contains("sparse file"));
        assert!(parse(rec("uid", "+1").as_bytes(), false).unwrap_err().contains("not a decimal"));
        assert!(parse(rec("mtime", "1x").as_bytes(), false).unwrap_err().contains("not a time"));
        assert!(parse(b"3 a=\n", false).is_err());
        assert!(parse(b"99 path=x\n", false).is_err());
        assert!(parse(b"10 path=x\n\0\0", false).is_err());
    }
}

//! One 512-byte tar header block, parsed field by field as Go's archive/tar parses it
//! (`reader.go` `readHeader`, `strconv.go` `parseNumeric`/`parseOctal`/`parseString`).
//!
//! Container runtimes (containerd, Docker, umoci, Podman's Go code) read layers with Go's
//! archive/tar, so that is the reading that decides what lands on disk. Where Go would fail, this
//! fails too; where Go reads a quirk that other readers read differently (the STAR prefix, the
//! prefix of a broken GNU header), the header is refused rather than guessed at.

pub(crate) const BLOCK: usize = 512;

/// The fields of one header block that matter downstream. Numbers are Go's `int64` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub typeflag: u8,
    /// `prefix/name` for USTAR, `name` otherwise; bytes up to the first NUL.
    pub name: Vec<u8>,
    pub linkname: Vec<u8>,
    pub size: i64,
    pub mode: i64,
    pub uid: i64,
    pub gid: i64,
}

/// Parse `block`, or say why Go would not (or why it would read it in a way others do not).
pub(crate) fn parse(block: &[u8; BLOCK]) -> Result<Header, String> {
    let format = format(block)?;
    let mut header = Header {
        typeflag: block[156],
        name: string(&block[0..100]).to_vec(),
        linkname: string(&block[157..257]).to_vec(),
        size: numeric(&block[124..136], "size")?,
        mode: numeric(&block[100..108], "mode")?,
        uid: numeric(&block[108..116], "uid")?,
        gid: numeric(&block[116..124], "gid")?,
    };
    numeric(&block[136..148], "mtime")?;
    match format {
        Format::V7 => {}
        Format::Ustar | Format::Gnu => {
            numeric(&block[329..337], "devmajor")?;
            numeric(&block[337..345], "devminor")?;
        }
    }
    match format {
        Format::Ustar => {
            let prefix = string(&block[345..500]);
            if !prefix.is_empty() {
                let mut name = prefix.to_vec();
                name.push(b'/');
                name.extend_from_slice(&header.name);
                header.name = name;
            }
        }
        Format::Gnu => {
            // Go reads a GNU header whose atime/ctime do not parse as a pre-Go-1.8 USTAR header
            // and takes a path prefix from those bytes; GNU tar does not. Refuse the ambiguity.
            for (range, field) in [(345..357, "atime"), (357..369, "ctime")] {
                if block[range.start] != 0 && numeric(&block[range], field).is_err() {
                    return Err(format!(
                        "GNU header whose {field} field is not a number (Go reads it as a path prefix, GNU tar does not)"
                    ));
                }
            }
        }
        Format::V7 => {}
    }
    Ok(header)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    V7,
    Ustar,
    Gnu,
}

/// Go's `getFormat`: the checksum must match (unsigned or signed sum), then the magic decides.
fn format(block: &[u8; BLOCK]) -> Result<Format, String> {
    let stored = octal(&block[148..156]).map_err(|_| "header checksum field is not a number".to_string())?;
    let (mut unsigned, mut signed) = (0i64, 0i64);
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += i64::from(b);
        signed += i64::from(b as i8);
    }
    if stored != unsigned && stored != signed {
        return Err(format!(
            "header checksum {stored} does not match the header ({unsigned}): not a tar stream, or a corrupt one"
        ));
    }
    let magic = &block[257..263];
    let version = &block[263..265];
    let star_trailer = &block[508..512];
    Ok(match magic {
        b"ustar\0" if star_trailer == b"tar\0" => {
            return Err("STAR-format header (Go reads its prefix field differently from GNU tar)".into())
        }
        b"ustar\0" => Format::Ustar,
        b"ustar " if version == b" \0" => Format::Gnu,
        _ => Format::V7,
    })
}

/// Go's `parseString`: the bytes before the first NUL.
pub(crate) fn string(field: &[u8]) -> &[u8] {
    match field.iter().position(|&b| b == 0) {
        Some(end) => &field[..end],
        None => field,
    }
}

/// Go's `parseNumeric`: base-256 (two's complement, big-endian) when the top bit is set, else
/// octal. `field` names the field in the error.
fn numeric(b: &[u8], field: &str) -> Result<i64, String> {
    if b.first().is_some_and(|&c| c & 0x80 != 0) {
        let inv = if b[0] & 0x40 != 0 { 0xffu8 } else { 0 };
        let mut x: u64 = 0;
        for (i, &c) in b.iter().enumerate() {
            let mut c = c ^ inv;
            if i == 0 {
                c &= 0x7f;
            }
            if x >> 56 > 0 {
                return Err(format!("header field {field} overflows 64 bits"));
            }
            x = x << 8 | u64::from(c);
        }
        if x >> 63 > 0 {
            return Err(format!("header field {field} overflows 64 bits"));
        }
        return Ok(if inv == 0xff { !(x as i64) } else { x as i64 });
    }
    octal(b).map_err(|why| format!("header field {field} {why}"))
}

/// Go's `parseOctal`: trim spaces and NULs at both ends, stop at an inner NUL, then every byte
/// must be an octal digit. The value wraps to `int64` as Go's does.
fn octal(b: &[u8]) -> Result<i64, &'static str> {
    let is_pad = |c: &u8| *c == b' ' || *c == 0;
    let start = b.iter().position(|c| !is_pad(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_pad(c)).map_or(start, |i| i + 1);
    let digits = string(&b[start..end]);
    if digits.is_empty() {
        return Ok(0);
    }
    let mut x: u64 = 0;
    for &c in digits {
        if !(b'0'..=b'7').contains(&c) {
            return Err("is not an octal number");
        }
        x = x.checked_mul(8).and_then(|x| x.checked_add(u64::from(c - b'0'))).ok_or("overflows 64 bits")?;
    }
    Ok(x as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_trims_like_go() {
        assert_eq!(octal(b"0000644\0"), Ok(0o644));
        assert_eq!(octal(b"  644 \0"), Ok(0o644));
        assert_eq!(octal(b"\x00\x00644\x00"), Ok(0o644));
        // An inner NUL ends the digits, as Go's parseString does.
        assert_eq!(octal(b"12\x0034\0"), Ok(0o12));
        assert_eq!(octal(b"\0\0\0\0"), Ok(0));
        assert!(octal(b"1 2\0").is_err());
        assert!(octal(b"18\0").is_err());
        assert!(octal(b"+7\0").is_err());
    }

    #[test]
    fn base_256_positive_negative_and_overflow() {
        let mut b = [0u8; 8];
        b[0] = 0x80;
        b[7] = 5;
        assert_eq!(numeric(&b, "uid"), Ok(5));
        let neg = [0xffu8; 8];
        assert_eq!(numeric(&neg, "uid"), Ok(-1));
        let mut big = [0u8; 12];
        big[0] = 0x80;
        big[3] = 1; // 2^64 and more
        assert!(numeric(&big, "size").is_err());
        let mut max = [0u8; 12];
        max[0] = 0x80;
        max[4] = 0x7f;
        max[5..].fill(0xff);
        assert_eq!(numeric(&max, "size"), Ok(i64::MAX));
    }
}

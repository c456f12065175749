//! Tar headers byte by byte, for the inputs no tar writer would produce: duplicate PAX records,
//! sparse forms, base-256 numbers, data on a directory.

/// A USTAR header block (`ustar\0` `00`) with octal fields; patch it, then [`seal`] it.
pub fn ustar(name: &[u8], typeflag: u8, size: u64) -> [u8; 512] {
    let mut b = [0u8; 512];
    b[..name.len()].copy_from_slice(name);
    octal(&mut b[100..108], 0o644);
    octal(&mut b[108..116], 0);
    octal(&mut b[116..124], 0);
    octal(&mut b[124..136], size);
    octal(&mut b[136..148], 0);
    b[156] = typeflag;
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    b
}

/// A GNU header block (`ustar ` ` \0`).
pub fn gnu(name: &[u8], typeflag: u8, size: u64) -> [u8; 512] {
    let mut b = ustar(name, typeflag, size);
    b[257..263].copy_from_slice(b"ustar ");
    b[263..265].copy_from_slice(b" \0");
    b
}

/// Write `v` as zero-padded octal with a trailing NUL.
pub fn octal(field: &mut [u8], v: u64) {
    let text = format!("{v:0width$o}\0", width = field.len() - 1);
    field.copy_from_slice(text.as_bytes());
}

/// Octal when it fits, base-256 when it does not (as GNU tar writes big numbers).
pub fn number(field: &mut [u8], v: u64) {
    if v < 1 << (3 * (field.len() - 1)) {
        octal(field, v)
    } else {
        base256(field, v as i64)
    }
}

/// Write `v` in base-256 (the GNU extension for numbers octal cannot hold).
pub fn base256(field: &mut [u8], v: i64) {
    let bytes = v.to_be_bytes();
    let n = field.len();
    field.fill(if v < 0 { 0xff } else { 0 });
    field[n - 8..].copy_from_slice(&bytes);
    field[0] |= 0x80;
}

pub fn set_link(b: &mut [u8; 512], link: &[u8]) {
    b[157..157 + link.len()].copy_from_slice(link);
}

/// Compute the checksum field; returns the block.
pub fn seal(mut b: [u8; 512]) -> [u8; 512] {
    b[148..156].fill(b' ');
    let sum: u32 = b.iter().map(|&c| u32::from(c)).sum();
    let text = format!("{sum:06o}\0 ");
    b[148..156].copy_from_slice(text.as_bytes());
    b
}

/// A sealed header followed by `data`, padded to a block.
pub fn entry(header: [u8; 512], data: &[u8]) -> Vec<u8> {
    let mut out = seal(header).to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(512), 0);
    out
}

/// A regular file entry.
pub fn file(name: &str, data: &[u8]) -> Vec<u8> {
    entry(ustar(name.as_bytes(), b'0', data.len() as u64), data)
}

/// One `"%d %s=%s\n"` record.
pub fn record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = 1 + key.len() + 1 + value.len() + 1;
    let mut n = body + 1;
    while n != body + n.to_string().len() {
        n = body + n.to_string().len();
    }
    let mut out = format!("{n} {key}=").into_bytes();
    out.extend_from_slice(value);
    out.push(b'\n');
    out
}

/// A PAX extended header (`x`, or `g` for a global one) holding `records`.
pub fn pax(typeflag: u8, records: &[(&str, &[u8])]) -> Vec<u8> {
    let data: Vec<u8> = records.iter().flat_map(|(k, v)| record(k, v)).collect();
    entry(ustar(b"PaxHeaders/x", typeflag, data.len() as u64), &data)
}

/// A GNU long name (`L`) or long link (`K`) entry.
pub fn gnu_long(typeflag: u8, name: &[u8]) -> Vec<u8> {
    let mut data = name.to_vec();
    data.push(0);
    entry(gnu(b"././@LongLink", typeflag, data.len() as u64), &data)
}

/// The end-of-archive marker.
pub fn end() -> Vec<u8> {
    vec![0u8; 1024]
}

/// Concatenate entries and the end marker.
pub fn archive(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut out: Vec<u8> = parts.concat();
    out.extend(end());
    out
}

//! A push-based, multi-member gzip decoder (RFC 1952) over `miniz_oxide`'s raw inflate.
//!
//! imagekit reads layers through `flate2` (pull: `Read`). The page pushes 1 MiB slices of a file
//! instead, and the `.wasm` has a 100 KB budget; `flate2` with the zlib-rs backend and its CRC
//! tables cost about 50 KB of it. This decoder does the framing itself (header, deflate data,
//! CRC32 and size trailer, concatenated members, as `gzip -d` and imagekit accept) and names
//! what is wrong: a truncated stream, a CRC or size mismatch, corrupt data.

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// Where the decoder is in the stream.
enum State {
    /// Collecting a member's header (`first`: no member has ended yet).
    Header {
        buf: Vec<u8>,
        first: bool,
    },
    /// Inflating a member's deflate data.
    Data {
        inflater: Box<InflateState>,
        crc: u32,
        size: u32,
    },
    /// Collecting the member's 8-byte trailer (CRC32, size mod 2^32).
    Trailer {
        crc: u32,
        size: u32,
        buf: Vec<u8>,
    },
    Failed(String),
}

/// Decompresses what it is fed and hands every decompressed byte to `sink`.
pub struct Gunzip {
    state: State,
    out: Vec<u8>,
}

/// Longest header accepted (file names and comments are free text, but not megabytes of it).
const MAX_HEADER: usize = 64 << 10;

impl Default for Gunzip {
    fn default() -> Self {
        Gunzip { state: State::Header { buf: Vec::new(), first: true }, out: vec![0; 64 << 10] }
    }
}

impl Gunzip {
    /// Feed compressed bytes; decompressed ones go to `sink`. After an error, does nothing.
    pub fn update(&mut self, mut input: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        while !input.is_empty() {
            match &mut self.state {
                State::Failed(why) => return Err(why.clone()),
                State::Header { buf, first } => {
                    if !*first && buf.is_empty() && input[0] != 0x1f {
                        return self.fail("data follows the end of the gzip stream, and it is not another gzip member");
                    }
                    let take = input.len().min(MAX_HEADER + 1 - buf.len());
                    buf.extend_from_slice(&input[..take]);
                    match header_len(buf) {
                        Err(why) => return self.fail(&why),
                        Ok(None) if buf.len() > MAX_HEADER => return self.fail("gzip header longer than 64 KiB"),
                        Ok(None) => input = &input[take..],
                        Ok(Some(n)) => {
                            // Give back what was taken beyond the header.
                            let extra = buf.len() - n;
                            input = &input[take - extra..];
                            self.state =
                                State::Data { inflater: InflateState::new_boxed(DataFormat::Raw), crc: 0, size: 0 };
                        }
                    }
                }
                State::Data { inflater, crc, size } => {
                    let r = inflate(inflater, input, &mut self.out, MZFlush::None);
                    let produced = &self.out[..r.bytes_written];
                    *crc = crc32(*crc, produced);
                    *size = size.wrapping_add(produced.len() as u32);
                    sink(produced);
                    input = &input[r.bytes_consumed..];
                    match r.status {
                        Ok(MZStatus::StreamEnd) => {
                            // Drain anything still held, then read the trailer.
                            let (crc, size) = (*crc, *size);
                            self.state = State::Trailer { crc, size, buf: Vec::new() };
                        }
                        Ok(_) | Err(MZError::Buf) => {
                            if r.bytes_consumed == 0 && r.bytes_written == 0 {
                                return self.fail("corrupt gzip stream: the deflate data stops making progress");
                            }
                        }
                        Err(_) => return self.fail("corrupt gzip stream: invalid deflate data"),
                    }
                }
                State::Trailer { crc, size, buf } => {
                    let take = input.len().min(8 - buf.len());
                    buf.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if buf.len() == 8 {
                        let want_crc = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
                        let want_size = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
                        if want_crc != *crc {
                            return self
                                .fail("the gzip trailer's CRC does not match the data (corrupt or altered blob)");
                        }
                        if want_size != *size {
                            return self
                                .fail("the gzip trailer's size does not match the data (corrupt or altered blob)");
                        }
                        self.state = State::Header { buf: Vec::new(), first: false };
                    }
                }
            }
        }
        // Output still held by the inflater (a full buffer's worth): drain it.
        if let State::Data { .. } = self.state {
            self.drain(sink)?;
        }
        Ok(())
    }

    fn drain(&mut self, sink: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        loop {
            let State::Data { inflater, crc, size } = &mut self.state else { return Ok(()) };
            let r = inflate(inflater, &[], &mut self.out, MZFlush::None);
            let produced = &self.out[..r.bytes_written];
            *crc = crc32(*crc, produced);
            *size = size.wrapping_add(produced.len() as u32);
            sink(produced);
            match r.status {
                Ok(MZStatus::StreamEnd) => {
                    let (crc, size) = (*crc, *size);
                    self.state = State::Trailer { crc, size, buf: Vec::new() };
                    return Ok(());
                }
                Ok(_) | Err(MZError::Buf) if r.bytes_written > 0 => {}
                Ok(_) | Err(MZError::Buf) => return Ok(()),
                Err(_) => return self.fail("corrupt gzip stream: invalid deflate data"),
            }
        }
    }

    /// The stream is over: was it whole?
    pub fn finish(&self) -> Result<(), String> {
        match &self.state {
            State::Failed(why) => Err(why.clone()),
            State::Header { buf, first: false } if buf.is_empty() => Ok(()),
            State::Header { .. } => Err("truncated gzip stream: it ends inside a gzip header".into()),
            State::Data { .. } => Err("truncated gzip stream: it ends before the end of its compressed data".into()),
            State::Trailer { .. } => Err("truncated gzip stream: it ends inside its 8-byte trailer".into()),
        }
    }

    fn fail(&mut self, why: &str) -> Result<(), String> {
        self.state = State::Failed(why.to_string());
        Err(why.to_string())
    }
}

/// The length of the gzip header at the start of `buf`, `None` if more bytes are needed.
fn header_len(buf: &[u8]) -> Result<Option<usize>, String> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    if buf.len() >= 2 && buf[..2] != [0x1f, 0x8b] {
        return Err("not a gzip stream".into());
    }
    if buf.len() >= 3 && buf[2] != 8 {
        return Err(format!("unsupported gzip compression method {} (only deflate, 8, exists)", buf[2]));
    }
    if buf.len() < 10 {
        return Ok(None);
    }
    let flags = buf[3];
    if flags & 0xe0 != 0 {
        return Err("gzip header has reserved flag bits set".into());
    }
    let mut at = 10;
    if flags & FEXTRA != 0 {
        let Some(len) = buf.get(at..at + 2) else { return Ok(None) };
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let Some(rest) = buf.get(at..) else { return Ok(None) };
            let Some(nul) = rest.iter().position(|&b| b == 0) else { return Ok(None) };
            at += nul + 1;
        }
    }
    if flags & FHCRC != 0 {
        at += 2;
    }
    Ok(if buf.len() >= at { Some(at) } else { None })
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (the gzip/zlib polynomial), continued from `crc`.
pub fn crc32(crc: u32, bytes: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in bytes {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

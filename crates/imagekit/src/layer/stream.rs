//! The decompressed byte stream of a layer blob, with the size and ratio limits enforced as
//! bytes flow: a decompression bomb stops at the limit, not after it has been expanded.

use std::cell::{Cell, RefCell};
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

use super::fail::{bad, hostile};
use super::Limits;
use crate::error::{Error, Result};

/// The decompressed byte stream of a blob, with the limits enforced as bytes flow.
///
/// Errors inside `Read` can only be `io::Error`s, and the tar reader rewraps them; so the real
/// cause is parked in `failure` and picked up by whoever sees the error.
pub(crate) struct Stream<'a> {
    inner: Box<dyn Read + 'a>,
    gzip: bool,
    produced: u64,
    /// Compressed bytes consumed so far.
    pub(crate) consumed: Rc<Cell<u64>>,
    limits: Limits,
    layer: String,
    /// The real cause of the last `io::Error` this stream returned.
    pub(crate) failure: Rc<RefCell<Option<Error>>>,
}

impl<'a> Stream<'a> {
    pub(crate) fn open(blob: impl Read + 'a, layer: &str, limits: &Limits) -> Result<Stream<'a>> {
        let consumed = Rc::new(Cell::new(0));
        let mut input = Counted { inner: BufReader::with_capacity(256 << 10, blob), consumed: Rc::clone(&consumed) };
        let head = input.fill_buf().map_err(|e| Error::io(format!("reading layer {layer}"), e))?;
        let gzip = head.starts_with(&[0x1f, 0x8b]);
        if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            return Err(bad(layer, "zstd-compressed layers are not supported (only gzip and plain tar)".into()));
        }
        let inner: Box<dyn Read + 'a> = if gzip {
            // Multi-member, like `gzip -d` and Go: concatenated gzip members are one stream.
            Box::new(flate2::bufread::MultiGzDecoder::new(input))
        } else {
            Box::new(input)
        };
        Ok(Stream {
            inner,
            gzip,
            produced: 0,
            consumed,
            limits: limits.clone(),
            layer: layer.to_string(),
            failure: Rc::new(RefCell::new(None)),
        })
    }

    fn fail(&self, error: Error) -> io::Error {
        let message = error.to_string();
        *self.failure.borrow_mut() = Some(error);
        io::Error::other(message)
    }
}

impl Read for Stream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) if self.gzip && e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(self.fail(hostile(&self.layer, "truncated gzip stream".into())))
            }
            Err(e) if self.gzip && e.to_string().contains("checksum") => {
                return Err(self.fail(hostile(
                    &self.layer,
                    "gzip trailer CRC does not match the data (corrupt or altered blob)".into(),
                )))
            }
            Err(e) if self.gzip => return Err(self.fail(bad(&self.layer, format!("corrupt gzip stream: {e}")))),
            Err(e) => return Err(self.fail(Error::io(format!("reading layer {}", self.layer), e))),
        };
        self.produced += n as u64;
        let limits = &self.limits;
        if self.produced > limits.max_uncompressed {
            let why =
                format!("decompressed stream expands past {} bytes (limit max_uncompressed)", limits.max_uncompressed);
            return Err(self.fail(hostile(&self.layer, why)));
        }
        let consumed = self.consumed.get().max(1);
        if self.produced > Limits::RATIO_GRACE && self.produced / consumed > limits.max_ratio {
            let why = format!(
                "decompressed stream expands past {} bytes from {consumed} compressed bytes, more than {}:1 (limit max_ratio)",
                self.produced, limits.max_ratio
            );
            return Err(self.fail(hostile(&self.layer, why)));
        }
        Ok(n)
    }
}

/// Counts the bytes the decompressor actually consumed (not what was buffered ahead), so the
/// ratio check is exact.
struct Counted<R> {
    inner: BufReader<R>,
    consumed: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.set(self.consumed.get() + n as u64);
        Ok(n)
    }
}

impl<R: Read> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.consumed.set(self.consumed.get() + amt as u64);
        self.inner.consume(amt);
    }
}

//! Reads through to the dropped file in few, large slices.
//!
//! imagekit's readers ask for a few KiB at a time (tar headers, inflate's input buffer). In the
//! browser each read is a `File.slice()` and a `FileReaderSync` call, which costs far more than
//! the bytes it returns, so [`Chunked`] reads ahead: a read that continues the last one fills a
//! large chunk (the stream of a layer blob), a read elsewhere a small one (the tar headers the
//! archive index visits, spread over the whole file).

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;

use imagekit::archive::RandomAccess;

/// Bytes fetched for a read that continues where the last one ended.
pub const STREAM_CHUNK: usize = 4 << 20;
/// Bytes fetched for a read anywhere else.
pub const SEEK_CHUNK: usize = 64 << 10;

/// A read-ahead cache over `inner`, counting the bytes it fetched.
pub struct Chunked<R> {
    inner: R,
    /// The cached bytes and the offset of their first byte.
    cache: RefCell<(u64, Vec<u8>)>,
    /// Where the last read ended: a read starting there is sequential.
    last_end: Cell<u64>,
    fetched: Cell<u64>,
}

impl<R: RandomAccess> Chunked<R> {
    pub fn new(inner: R) -> Chunked<R> {
        Chunked { inner, cache: RefCell::new((0, Vec::new())), last_end: Cell::new(u64::MAX), fetched: Cell::new(0) }
    }

    /// Bytes read from `inner` so far.
    pub fn fetched(&self) -> u64 {
        self.fetched.get()
    }

    fn fill(&self, offset: u64, want: usize) -> io::Result<()> {
        let want = want.min(self.inner.len().saturating_sub(offset) as usize);
        let mut cache = self.cache.borrow_mut();
        cache.0 = offset;
        cache.1.clear();
        cache.1.resize(want, 0);
        let mut got = 0;
        while got < want {
            let n = self.inner.read_at(&mut cache.1[got..], offset + got as u64)?;
            if n == 0 {
                break;
            }
            got += n;
        }
        cache.1.truncate(got);
        self.fetched.set(self.fetched.get() + got as u64);
        Ok(())
    }
}

impl<R: RandomAccess> RandomAccess for Chunked<R> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let cached = {
            let cache = self.cache.borrow();
            offset >= cache.0 && offset < cache.0 + cache.1.len() as u64
        };
        if !cached {
            let chunk = if offset == self.last_end.get() { STREAM_CHUNK } else { SEEK_CHUNK };
            self.fill(offset, chunk.max(buf.len()))?;
        }
        let cache = self.cache.borrow();
        let start = (offset - cache.0) as usize;
        let n = buf.len().min(cache.1.len().saturating_sub(start));
        buf[..n].copy_from_slice(&cache.1[start..start + n]);
        self.last_end.set(offset + n as u64);
        Ok(n)
    }

    fn len(&self) -> u64 {
        self.inner.len()
    }
}

/// One [`RandomAccess`] shared by the archive reader and, when the file is no archive, the
/// single-layer reader that tries it next.
#[derive(Clone)]
pub struct Shared(pub Rc<dyn RandomAccess>);

impl RandomAccess for Shared {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.0.read_at(buf, offset)
    }
    fn len(&self) -> u64 {
        self.0.len()
    }
}

/// A [`RandomAccess`] read from start to end, as the readers that stream a blob want it.
pub struct Cursor<'a> {
    bytes: &'a dyn RandomAccess,
    pos: u64,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a dyn RandomAccess) -> Cursor<'a> {
        Cursor { bytes, pos: 0 }
    }

    /// A cursor that starts at `pos`.
    pub fn at(bytes: &'a dyn RandomAccess, pos: u64) -> Cursor<'a> {
        Cursor { bytes, pos }
    }
}

impl io::Read for Cursor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.bytes.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the calls that reach the underlying bytes.
    struct Counting(Vec<u8>, Cell<usize>);

    impl RandomAccess for Counting {
        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            self.1.set(self.1.get() + 1);
            self.0.read_at(buf, offset)
        }
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
    }

    #[test]
    fn sequential_small_reads_reach_the_file_once_per_chunk_and_return_the_same_bytes() {
        let bytes: Vec<u8> = (0..(STREAM_CHUNK * 2 + 1000)).map(|i| (i * 7 % 251) as u8).collect();
        let chunked = Chunked::new(Counting(bytes.clone(), Cell::new(0)));
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        let mut offset = 0u64;
        loop {
            let n = chunked.read_at(&mut buf, offset).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
            offset += n as u64;
        }
        assert_eq!(out, bytes);
        // One small fetch at the start, then large ones (plus the empty read at the end).
        assert!(chunked.inner.1.get() <= 5, "{} reads reached the file", chunked.inner.1.get());
        assert_eq!(chunked.fetched(), bytes.len() as u64);
    }

    #[test]
    fn scattered_reads_fetch_small_chunks() {
        let bytes = vec![1u8; STREAM_CHUNK * 4];
        let chunked = Chunked::new(Counting(bytes, Cell::new(0)));
        let mut header = [0u8; 512];
        for i in 0..4u64 {
            assert_eq!(chunked.read_at(&mut header, i * STREAM_CHUNK as u64).unwrap(), 512);
        }
        assert_eq!(chunked.fetched(), 4 * SEEK_CHUNK as u64);
    }
}

//! Parallel gzip in the style of pigz, with output that never depends on the thread count.
//!
//! The input is cut into fixed blocks. Each block is compressed on its own as raw deflate, primed
//! with the last 32 KiB of the block before it as a preset dictionary (so matches still reach
//! back across the cut, and the ratio stays within a fraction of a percent of one-stream gzip),
//! and closed with a sync flush — the last block with a final flush instead. Sync-flushed deflate
//! streams concatenate into one valid deflate stream, which gets a fixed 10-byte gzip header and
//! a CRC-32 + ISIZE trailer. Because each block's bytes depend only on (block, dictionary, level,
//! last?), running 1 or 4 threads gives the same blob and so the same digest.
//!
//! Workers take blocks from a bounded queue; the calling thread produces the input, reorders
//! finished blocks, combines their CRCs and writes them, so `out` need not be `Send` and memory
//! stays at a few blocks per thread.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::mem;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use crate::digest::{Digest, Sha256Writer};
use crate::error::{Error, Result};

/// Block size. pigz uses 128 KiB; larger blocks lose less to flushes at no cost in speed.
pub(crate) const BLOCK: usize = 256 << 10;
/// Deflate's window: the most a match can reach back.
const DICT: usize = 32 << 10;

/// Magic, method deflate, no flags, mtime 0, no extra flags, OS "unknown" (255, as Go writes):
/// nothing about the building machine or moment.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Run `produce` with a writer whose bytes come out gzip-compressed in `out`; returns what
/// `produce` returned, and the digest and size of the gzip stream.
pub(crate) fn compress<W: Write, T>(
    out: W,
    level: u32,
    threads: usize,
    produce: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<(T, Digest, u64)> {
    let level = Compression::new(level.min(9));
    let mut sink = Sink::new(out, level)?;
    if threads <= 1 || cfg!(target_family = "wasm") {
        let value = produce(&mut sink)?;
        let (digest, size) = sink.finish()?;
        return Ok((value, digest, size));
    }
    std::thread::scope(|scope| {
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(threads);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        for i in 0..threads {
            let (jobs, done) = (Arc::clone(&job_rx), done_tx.clone());
            std::thread::Builder::new()
                .name(format!("gzip-{i}"))
                .spawn_scoped(scope, move || worker(&jobs, &done, level))
                .map_err(|e| Error::io("starting a compression thread", e))?;
        }
        drop(done_tx);
        sink.engine = Engine::Parallel(Parallel {
            jobs: job_tx,
            done: done_rx,
            pending: BTreeMap::new(),
            sent: 0,
            written: 0,
            max_in_flight: threads * 2,
        });
        // On any error `sink` drops here, closing the job queue, so the workers end and the
        // scope can join them.
        let value = produce(&mut sink)?;
        let (digest, size) = sink.finish()?;
        Ok((value, digest, size))
    })
}

struct Job {
    seq: u64,
    data: Vec<u8>,
    dict: Vec<u8>,
    last: bool,
}

struct Done {
    seq: u64,
    deflated: io::Result<Vec<u8>>,
    crc: Crc,
}

enum Engine {
    Inline,
    Parallel(Parallel),
}

struct Parallel {
    jobs: SyncSender<Job>,
    done: Receiver<Done>,
    /// Finished blocks that arrived ahead of their turn.
    pending: BTreeMap<u64, Done>,
    sent: u64,
    written: u64,
    max_in_flight: usize,
}

/// The writer handed to the producer.
struct Sink<W: Write> {
    level: Compression,
    block: Vec<u8>,
    /// The tail of the previous block: the next block's preset dictionary.
    dict: Vec<u8>,
    out: Sha256Writer<W>,
    crc: Crc,
    engine: Engine,
}

impl<W: Write> Sink<W> {
    fn new(out: W, level: Compression) -> Result<Self> {
        let mut out = Sha256Writer::new(out);
        out.write_all(&HEADER).map_err(|e| Error::io("writing the gzip header", e))?;
        Ok(Sink {
            level,
            block: Vec::with_capacity(BLOCK),
            dict: Vec::new(),
            out,
            crc: Crc::new(),
            engine: Engine::Inline,
        })
    }

    /// Hand the current block to the engine.
    fn dispatch(&mut self, last: bool) -> io::Result<()> {
        let data = mem::replace(&mut self.block, if last { Vec::new() } else { Vec::with_capacity(BLOCK) });
        let next_dict = data[data.len().saturating_sub(DICT)..].to_vec();
        let dict = mem::replace(&mut self.dict, next_dict);
        match &mut self.engine {
            Engine::Inline => {
                let mut crc = Crc::new();
                crc.update(&data);
                let deflated = deflate_block(self.level, &dict, &data, last)?;
                write_block(&mut self.out, &mut self.crc, Done { seq: 0, deflated: Ok(deflated), crc })
            }
            Engine::Parallel(p) => {
                if p.sent - p.written >= p.max_in_flight as u64 {
                    p.receive_one(&mut self.out, &mut self.crc)?;
                }
                let job = Job { seq: p.sent, data, dict, last };
                p.jobs.send(job).map_err(|_| io::Error::other("compression threads stopped"))?;
                p.sent += 1;
                Ok(())
            }
        }
    }

    /// Compress the last block, wait for all, and write the trailer.
    fn finish(mut self) -> Result<(Digest, u64)> {
        let fail = |e| Error::io("writing the gzip stream", e);
        self.dispatch(true).map_err(fail)?;
        if let Engine::Parallel(p) = &mut self.engine {
            while p.written < p.sent {
                p.receive_one(&mut self.out, &mut self.crc).map_err(fail)?;
            }
        }
        // RFC 1952: CRC-32 and length mod 2^32 of the uncompressed data, little-endian.
        let mut trailer = [0u8; 8];
        trailer[..4].copy_from_slice(&self.crc.sum().to_le_bytes());
        trailer[4..].copy_from_slice(&self.crc.amount().to_le_bytes());
        self.out.write_all(&trailer).map_err(fail)?;
        self.out.flush().map_err(fail)?;
        let (digest, size, _) = self.out.finish();
        Ok((digest, size))
    }
}

impl Parallel {
    /// Wait for one finished block, then write every block whose turn has come.
    fn receive_one(&mut self, out: &mut impl Write, crc: &mut Crc) -> io::Result<()> {
        let done = self.done.recv().map_err(|_| io::Error::other("compression threads stopped"))?;
        self.pending.insert(done.seq, done);
        while let Some(done) = self.pending.remove(&self.written) {
            write_block(out, crc, done)?;
            self.written += 1;
        }
        Ok(())
    }
}

fn write_block(out: &mut impl Write, crc: &mut Crc, done: Done) -> io::Result<()> {
    out.write_all(&done.deflated?)?;
    crc.combine(&done.crc);
    Ok(())
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let n = data.len();
        while !data.is_empty() {
            // A full block is only sent once more input arrives, so the final block is known
            // to be final when it is compressed.
            if self.block.len() == BLOCK {
                self.dispatch(false)?;
            }
            let take = (BLOCK - self.block.len()).min(data.len());
            self.block.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn worker(jobs: &Mutex<Receiver<Job>>, done: &Sender<Done>, level: Compression) {
    loop {
        // Holding the lock while waiting is fine: the other workers would wait anyway.
        let job = match jobs.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        let mut crc = Crc::new();
        crc.update(&job.data);
        let deflated = catch_unwind(AssertUnwindSafe(|| deflate_block(level, &job.dict, &job.data, job.last)))
            .unwrap_or_else(|_| Err(io::Error::other("compression thread panicked")));
        if done.send(Done { seq: job.seq, deflated, crc }).is_err() {
            return;
        }
    }
}

/// One block as raw deflate, primed with `dict`, ending on a byte boundary (sync flush) or with
/// the final block (finish).
///
/// Each block gets a fresh compressor: a reset one keeps stale bytes in its window, and the
/// match finder may peek at them past the end of the input, so reusing one made the output
/// depend on which blocks a thread happened to compress before.
fn deflate_block(level: Compression, dict: &[u8], data: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let bad = |e: flate2::CompressError| io::Error::other(format!("deflate: {e}"));
    let compress = &mut Compress::new(level, false);
    if !dict.is_empty() {
        compress.set_dictionary(dict).map_err(bad)?;
    }
    let flush = if last { FlushCompress::Finish } else { FlushCompress::Sync };
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    let start = compress.total_in();
    loop {
        let consumed = (compress.total_in() - start) as usize;
        let status = compress.compress_vec(&data[consumed..], &mut out, flush).map_err(bad)?;
        let all_in = (compress.total_in() - start) as usize == data.len();
        // zlib's contract: a flush is complete when it returns with output space to spare.
        let complete = if last { status == Status::StreamEnd } else { all_in && out.len() < out.capacity() };
        if complete {
            return Ok(out);
        }
        out.reserve(out.capacity().max(4096));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gz(data: &[u8], threads: usize) -> (Vec<u8>, Digest, u64) {
        let mut out = Vec::new();
        let ((), digest, size) =
            compress(&mut out, 6, threads, |w| w.write_all(data).map_err(|e| Error::io("test", e))).unwrap();
        (out, digest, size)
    }

    fn sample(len: usize) -> Vec<u8> {
        // Text-like with some noise: compressible, with matches that cross block boundaries.
        let mut x = 0x1234_5678u32;
        (0..len)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                if i % 7 == 0 {
                    (x % 251) as u8
                } else {
                    b"the quick brown fox jumps over the lazy dog "[i % 44]
                }
            })
            .collect()
    }

    #[test]
    fn round_trips_and_matches_across_thread_counts() {
        for len in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 77] {
            let data = sample(len);
            let (one, d1, n1) = gz(&data, 1);
            let (three, d3, _) = gz(&data, 3);
            assert_eq!(one, three, "len {len}");
            assert_eq!((d1.clone(), n1), (Digest::of_bytes(&one), one.len() as u64));
            assert_eq!(d1, d3);
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&one[..]).read_to_end(&mut back).unwrap();
            assert_eq!(back, data, "len {len}");
        }
    }

    /// Tar-like records: text padded with zeros to 512 bytes, just over one block. With these,
    /// a compressor reused across blocks (instead of a fresh one per block) gave different
    /// bytes for 1 and 2 threads (seeds 29 and 35 did), because stale window bytes steered the
    /// match finder at the end of a block.
    #[test]
    fn blocks_do_not_depend_on_what_a_thread_compressed_before() {
        for seed in 1..40u32 {
            let mut x = seed;
            let mut data = Vec::new();
            while data.len() < BLOCK + 30_000 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let n = (x % 3000) as usize + 10;
                data.extend((0..n).map(|i| b"fn main() { let x = 1; }\n"[(i + (x as usize >> 8)) % 25]));
                data.resize(data.len().next_multiple_of(512), 0);
            }
            assert!(gz(&data, 1).0 == gz(&data, 2).0, "seed {seed}: 1 and 2 threads differ");
        }
    }

    #[test]
    fn dictionary_keeps_the_ratio_close_to_one_stream() {
        let data = sample(8 * BLOCK);
        let (ours, _, _) = gz(&data, 2);
        let mut single = flate2::write::GzEncoder::new(Vec::new(), Compression::new(6));
        single.write_all(&data).unwrap();
        let single = single.finish().unwrap();
        assert!(ours.len() as f64 <= single.len() as f64 * 1.01, "{} vs {}", ours.len(), single.len());
    }

    #[test]
    fn producer_errors_stop_the_workers() {
        let err = compress(io::sink(), 6, 2, |w| {
            w.write_all(&sample(5 * BLOCK)).unwrap();
            Err::<(), _>(Error::io("producing", io::Error::other("boom")))
        })
        .unwrap_err();
        assert!(err.to_string().contains("boom"));
    }
}

//! Hashing local files in chunks: any blob, and a layer's digest and diff_id in one pass.

use std::io::{self, Write};

use imagekit::digest::Sha256Writer;
use imagekit::layer::Limits;

use crate::gunzip;
use crate::out::Out;

/// Incremental SHA-256 of any blob, fed chunk by chunk.
pub struct BlobHasher {
    inner: Sha256Writer<io::Sink>,
}

impl Default for BlobHasher {
    fn default() -> Self {
        BlobHasher { inner: Sha256Writer::new(io::sink()) }
    }
}

impl BlobHasher {
    pub fn update(&mut self, chunk: &[u8]) {
        // Writing to a hashing sink cannot fail.
        let _ = self.inner.write_all(chunk);
    }

    pub fn bytes(&self) -> u64 {
        self.inner.written()
    }

    /// `sha256:<hex>` of everything fed so far.
    pub fn finish(self) -> String {
        self.inner.finish().0.to_string()
    }
}

/// What hashing a layer blob found: its digest always; its diff_id when it is a good gzip stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerResult {
    pub digest: String,
    pub size: u64,
    /// Did the blob start with the gzip magic bytes?
    pub gzip: bool,
    /// SHA-256 of the decompressed stream (empty when there is none: see `problem`).
    pub diff_id: String,
    pub uncompressed_size: u64,
    /// Why there is no diff_id (empty when there is one).
    pub problem: String,
    /// Anything else worth saying (e.g. "an uncompressed tar: its diff_id is its digest").
    pub note: String,
}

/// Incremental digest + diff_id of a layer blob: the blob is hashed as stored, and, if it is
/// gzip, decompressed and hashed again, in the same pass, within [`Limits`] (a decompression
/// bomb stops the diff_id, not the digest).
pub struct LayerHasher {
    blob: Sha256Writer<io::Sink>,
    /// The first bytes (up to 512), to tell gzip from the rest and to recognize a tar.
    head: Vec<u8>,
    state: Layer,
    limits: Limits,
}

// One per hasher, so the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
enum Layer {
    /// Not enough bytes yet to see the magic.
    Undecided,
    Gzip {
        gunzip: gunzip::Gunzip,
        tar: Sha256Writer<io::Sink>,
        problem: Option<String>,
    },
    /// Not gzip: only the digest is computed.
    NotGzip,
}

impl Default for LayerHasher {
    fn default() -> Self {
        LayerHasher::new(Limits::default())
    }
}

impl LayerHasher {
    pub fn new(limits: Limits) -> Self {
        LayerHasher { blob: Sha256Writer::new(io::sink()), head: Vec::new(), state: Layer::Undecided, limits }
    }

    pub fn bytes(&self) -> u64 {
        self.blob.written()
    }

    pub fn update(&mut self, chunk: &[u8]) {
        let _ = self.blob.write_all(chunk);
        if self.head.len() < 512 {
            let room = 512 - self.head.len();
            self.head.extend_from_slice(&chunk[..room.min(chunk.len())]);
        }
        match self.state {
            Layer::Undecided if self.head.len() >= 2 => {
                if self.head.starts_with(&[0x1f, 0x8b]) {
                    let tar = Sha256Writer::new(io::sink());
                    self.state = Layer::Gzip { gunzip: gunzip::Gunzip::default(), tar, problem: None };
                    // Undecided until now means at most one byte came before this chunk.
                    let before = self.blob.written() as usize - chunk.len();
                    let mut all = self.head[..before].to_vec();
                    all.extend_from_slice(chunk);
                    self.inflate(&all);
                } else {
                    self.state = Layer::NotGzip;
                }
            }
            Layer::Gzip { .. } => self.inflate(chunk),
            _ => {}
        }
    }

    fn inflate(&mut self, chunk: &[u8]) {
        let Layer::Gzip { gunzip, tar, problem } = &mut self.state else { return };
        if problem.is_some() {
            return;
        }
        let limits = &self.limits;
        let consumed = self.blob.written().max(1);
        let mut over = None;
        let result = gunzip.update(chunk, &mut |out: &[u8]| {
            if over.is_some() {
                return;
            }
            let _ = tar.write_all(out);
            let produced = tar.written();
            if produced > limits.max_uncompressed {
                over = Some(format!(
                    "refused: decompresses past {} bytes (imagekit's limit for one layer)",
                    limits.max_uncompressed
                ));
            } else if produced > Limits::RATIO_GRACE && produced / consumed > limits.max_ratio {
                over = Some(format!("refused: expands more than {}:1 (a decompression bomb?)", limits.max_ratio));
            }
        });
        *problem = over.or(result.err());
    }

    pub fn finish(self) -> LayerResult {
        let size = self.blob.written();
        let digest = self.blob.finish().0.to_string();
        let mut out = LayerResult {
            digest,
            size,
            gzip: false,
            diff_id: String::new(),
            uncompressed_size: 0,
            problem: String::new(),
            note: String::new(),
        };
        match self.state {
            Layer::Undecided | Layer::NotGzip => {
                out.problem = "not a gzip stream".into();
                let head = &self.head;
                out.note = if size == 0 {
                    "The file is empty.".into()
                } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                    "It starts like zstd, which this widget does not decompress.".into()
                } else if size >= 512 && size.is_multiple_of(512) && looks_like_tar(head) {
                    "It looks like an uncompressed tar: for such a layer the diff_id is the digest itself.".into()
                } else {
                    "It does not start with the gzip magic bytes 1f 8b, so there is nothing to decompress.".into()
                };
            }
            Layer::Gzip { gunzip, tar, problem } => {
                out.gzip = true;
                match problem.map_or_else(|| gunzip.finish(), Err) {
                    Ok(()) => {
                        let (diff_id, n, _) = tar.finish();
                        out.diff_id = diff_id.to_string();
                        out.uncompressed_size = n;
                    }
                    Err(why) => {
                        out.uncompressed_size = tar.written();
                        out.problem = why;
                    }
                }
            }
        }
        out
    }
}

fn looks_like_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
}

impl LayerResult {
    pub fn to_json(&self) -> String {
        Out::default()
            .str("digest", &self.digest)
            .num("size", self.size)
            .bool("gzip", self.gzip)
            .str("diff_id", &self.diff_id)
            .num("uncompressed_size", self.uncompressed_size)
            .str("problem", &self.problem)
            .str("note", &self.note)
            .end()
    }
}

//! Every bound on what reading one layer may cost, in one place.
//!
//! A layer blob comes from whoever built the image. Each limit below sits far above anything a
//! real image has (the largest official images, whole distributions, node_modules trees) and far
//! below what it takes to exhaust a machine. Each one is checked *before* the cost it bounds is
//! paid: an extended header is refused from its declared size, not after it was read.
//!
//! | limit | default | bounds | real images |
//! |---|---|---|---|
//! | `max_uncompressed` | 8 GiB | bytes of the decompressed tar (a gzip bomb stops here) | largest official layers are < 2 GiB |
//! | `max_ratio` | 1000:1 (past 64 MiB) | decompressed bytes per compressed byte | text compresses < 20:1 |
//! | `max_entries` | 1,000,000 | entries in one layer (memory of the duplicate check) | a full distribution has ~100,000 |
//! | `max_expanded` | 8 GiB | file bytes a layer puts on disk, each hardlink counted at its target's size | the tar size, hardlinks being rare |
//! | `max_path_len` | 2048 bytes | one path or link target; half of Linux `PATH_MAX`, so the unpack directory's own path fits beside it | < 300 bytes |
//! | `max_path_depth` | 256 components | directories above an entry (path cost is linear in depth) | < 40 |
//! | `max_extended_header` | 1 MiB | one PAX or GNU long-name header, read into memory (Go's archive/tar caps it at 1 MiB) | < 1 KiB |
//!
//! Each path component is also held to 255 bytes (`NAME_MAX`), so that what the in-memory tree
//! accepts the file system accepts too.
//!
//! Not limits but refusals, because a runtime would read them differently or they cannot be
//! represented: sparse files (their expanded size is not in the tar), uid or gid 4294967295 and
//! above (`chown` cannot set them), and every header that Go's archive/tar would read
//! differently from this reader (see `frames`).

/// Bounds on what reading one layer may cost (see the module table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes the decompressed tar may have.
    pub max_uncompressed: u64,
    /// Most uncompressed bytes per compressed byte; checked only past [`Limits::RATIO_GRACE`],
    /// because small layers of zeros legitimately compress 1000:1.
    pub max_ratio: u64,
    /// Most entries in one layer.
    pub max_entries: u64,
    /// Most file bytes one layer expands to: regular files' sizes plus, for every hardlink to a
    /// file of the same layer, that file's size again.
    pub max_expanded: u64,
    /// Longest path or link target, in bytes, as written in the tar.
    pub max_path_len: usize,
    /// Most components in one path (or hardlink target) once normalized.
    pub max_path_depth: usize,
    /// Largest PAX extended header or GNU long name/link entry, in bytes of data.
    pub max_extended_header: u64,
}

impl Limits {
    /// Below this many uncompressed bytes the ratio is not checked.
    pub const RATIO_GRACE: u64 = 64 << 20;
}

impl Default for Limits {
    /// The defaults of the module table: far beyond any real base image, far below a bomb.
    fn default() -> Self {
        Limits {
            max_uncompressed: 8 << 30,
            max_ratio: 1000,
            max_entries: 1_000_000,
            max_expanded: 8 << 30,
            max_path_len: 2048,
            max_path_depth: 256,
            max_extended_header: 1 << 20,
        }
    }
}

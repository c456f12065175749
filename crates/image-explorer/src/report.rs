//! What the explorer hands the page (written as JSON by [`crate::page_json`]). Field names
//! follow `imagekit --json layers`, `history` and `audit`, so that the browser test compares
//! like with like.

use imagekit::apply::NodeKind;
use imagekit::audit::{FileReport, SecretFinding};
use imagekit::Digest;

/// Everything the page shows about one dropped file.
pub struct Report {
    /// `image` (an archive or layout), `layer` (a single layer tar, nothing to check against),
    /// or `choose` (the file holds several images: `images` names them, nothing was read).
    pub kind: &'static str,
    /// Which source answered, as imagekit describes it.
    pub source: String,
    /// The platforms the image offers (one when there is no index), the chosen one marked.
    pub platforms: Vec<PlatformRow>,
    pub manifest: Option<DocumentRow>,
    pub config: Option<ConfigRow>,
    pub history: Vec<HistoryRow>,
    /// Why the history does not line up with the layers, when it does not.
    pub history_note: Option<String>,
    pub layers: Vec<LayerRow>,
    pub total_size: u64,
    pub total_uncompressed_size: u64,
    pub deleted_bytes_still_shipped: u64,
    /// The merged view after the last layer: what a container sees.
    pub merged: Vec<FileRow>,
    pub merged_view_files: usize,
    pub merged_view_size: u64,
    pub audit: AuditRow,
    /// The images to choose from (`choose` only).
    pub images: Vec<String>,
}

impl Report {
    /// What the page shows for a file holding several images: a chooser of `images`.
    pub fn choose(source: String, images: Vec<String>) -> Report {
        Report {
            kind: "choose",
            source,
            platforms: Vec::new(),
            manifest: None,
            config: None,
            history: Vec::new(),
            history_note: None,
            layers: Vec::new(),
            total_size: 0,
            total_uncompressed_size: 0,
            deleted_bytes_still_shipped: 0,
            merged: Vec::new(),
            merged_view_files: 0,
            merged_view_size: 0,
            audit: AuditRow::default(),
            images,
        }
    }
}

pub struct PlatformRow {
    pub platform: String,
    pub digest: Option<Digest>,
    pub chosen: bool,
}

pub struct DocumentRow {
    pub digest: Digest,
    pub media_type: String,
    pub size: u64,
}

/// The runtime essentials of the config.
#[derive(Default)]
pub struct ConfigRow {
    /// The image ID: the config's digest.
    pub digest: Option<Digest>,
    pub os: String,
    pub architecture: String,
    pub created: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub env: Vec<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub exposed_ports: Vec<String>,
    pub labels: Vec<(String, String)>,
}

pub struct HistoryRow {
    pub index: usize,
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub comment: Option<String>,
    pub empty_layer: bool,
    /// The layer this step made.
    pub layer: Option<usize>,
}

pub struct LayerRow {
    pub index: usize,
    pub digest: Digest,
    pub diff_id: Digest,
    pub media_type: String,
    /// Compressed blob size.
    pub size: u64,
    pub uncompressed_size: u64,
    pub entries: u64,
    /// Files (not directories) added, changed; paths deleted (whiteouts and opaque markers).
    pub added: usize,
    pub changed: usize,
    pub deleted: usize,
    pub deleted_bytes_still_shipped: u64,
    pub created_by: Option<String>,
    /// What the layer wrote and removed, for its tree.
    pub files: Vec<Change>,
}

/// One path a layer touched.
pub struct Change {
    pub path: String,
    /// `added`, `changed`, `deleted` (a `.wh.` whiteout) or `opaque` (`.wh..wh..opq`).
    pub mark: &'static str,
    /// What the path is after the layer (absent for removals).
    pub kind: Option<NodeKind>,
    /// File bytes written, or bytes a removal hid (still shipped below).
    pub size: u64,
    /// Paths a removal took away from the view.
    pub removed: u64,
}

/// One path of the merged view.
pub struct FileRow {
    pub path: String,
    pub kind: NodeKind,
    pub size: u64,
    pub mode: u32,
    pub layer: usize,
    pub link: Option<String>,
}

#[derive(Default)]
pub struct AuditRow {
    pub secrets: Vec<SecretFinding>,
    /// The file findings (absent when no layer was read).
    pub files: Option<FileReport>,
}

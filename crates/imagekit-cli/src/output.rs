//! Output helpers: aligned tables for people, JSON for programs, sizes in human units.

use std::io::{self, IsTerminal, Write};

use serde::Serialize;

/// Print a value as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A table printed with columns padded to their widest cell; numeric columns align right.
pub struct Table {
    header: Vec<&'static str>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns whose name starts with '>' align right (the '>' is not printed).
    pub fn new(header: &[&'static str]) -> Table {
        Table {
            right: header.iter().map(|h| h.starts_with('>')).collect(),
            header: header.iter().map(|h| h.trim_start_matches('>')).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.header.len(), "a table row must have one cell per column");
        self.rows.push(cells);
    }

    pub fn print(&self) -> io::Result<()> {
        let mut out = io::stdout().lock();
        let widths: Vec<usize> = (0..self.header.len())
            .map(|c| self.rows.iter().map(|r| r[c].chars().count()).chain([self.header[c].len()]).max().unwrap_or(0))
            .collect();
        let header: Vec<String> = self.header.iter().map(|h| h.to_string()).collect();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                let pad = widths[c] - cell.chars().count();
                let last = c + 1 == row.len();
                if self.right[c] {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if !last {
                        line.push_str(&" ".repeat(pad));
                    }
                }
                if !last {
                    line.push_str("  ");
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Bytes in decimal units, as registries and `docker images` show them (1 MB = 1,000,000 B).
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `sha256:0123456789ab` — the short form tables use; full digests are in `--json`.
pub fn short(digest: &imagekit::Digest) -> String {
    format!("{}:{}", digest.algorithm().name(), digest.short())
}

/// Put a finished temporary file at `path`. A regular file (or nothing) there is replaced
/// atomically by renaming; anything else — `/dev/null`, a FIFO, a terminal — is written
/// through, because renaming over it would replace the device node itself.
pub fn install_file(tmp: tempfile::NamedTempFile, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    let special = std::fs::metadata(path).is_ok_and(|m| !m.file_type().is_file());
    if special {
        let mut from = tmp.reopen().with_context(|| format!("reading back the output for {}", path.display()))?;
        let mut to = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        io::copy(&mut from, &mut to).with_context(|| format!("writing {}", path.display()))?;
        return Ok(());
    }
    tmp.as_file().sync_all().with_context(|| format!("syncing the output for {}", path.display()))?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Progress lines go to stderr, and only when a person is watching (see [`watching`]).
pub fn progress(message: impl std::fmt::Display) {
    if watching() {
        eprintln!("{message}");
    }
}

/// Bars and spinners are drawn only when a person is watching: stderr a terminal, no `--json`.
/// Hidden otherwise, so piped output and JSON stay clean.
fn watching() -> bool {
    io::stderr().is_terminal() && !json_mode()
}

/// A progress bar on stderr for work of known size. `bytes` picks the units.
pub fn bar(len: u64, bytes: bool) -> indicatif::ProgressBar {
    if !watching() {
        return indicatif::ProgressBar::hidden();
    }
    let template = if bytes {
        "  {msg} {wide_bar} {bytes:>9}/{total_bytes:<9} {eta:>4}"
    } else {
        "  {msg} {wide_bar} {pos}/{len}"
    };
    let style = indicatif::ProgressStyle::with_template(template).expect("a valid template");
    indicatif::ProgressBar::new(len).with_style(style)
}

/// A spinner for work whose total is not known before it ends (building a layer or an image):
/// what is being done and the time taken, and with `bytes` the bytes written so far (feed it
/// through [`indicatif::ProgressBar::wrap_write`]).
pub fn spinner(message: String, bytes: bool) -> indicatif::ProgressBar {
    if !watching() {
        return indicatif::ProgressBar::hidden();
    }
    let template =
        if bytes { "  {spinner} {msg} {bytes} written ({elapsed})" } else { "  {spinner} {msg} ({elapsed})" };
    let style = indicatif::ProgressStyle::with_template(template).expect("a valid template");
    let spinner = indicatif::ProgressBar::new_spinner().with_style(style).with_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

/// One bar per blob for the verbs that move blobs (pull, push, copy): the bytes of the blob in
/// flight, then a line saying what became of it.
pub struct BlobBars {
    bar: indicatif::ProgressBar,
}

impl BlobBars {
    pub fn new() -> Self {
        BlobBars { bar: indicatif::ProgressBar::hidden() }
    }

    pub fn start(&mut self, digest: &imagekit::Digest, len: u64) {
        self.bar = bar(len, true);
        self.bar.set_message(short(digest));
    }

    pub fn at(&self, bytes: u64) {
        self.bar.set_position(bytes);
    }

    pub fn done(&mut self, digest: &imagekit::Digest, len: u64, what: &str) {
        self.bar.finish_and_clear();
        progress(format_args!("  {}  {:>8}  {what}", short(digest), size(len)));
    }
}

static JSON_MODE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--json` is global: set once by `main`, read by every verb.
pub fn set_json_mode(on: bool) {
    JSON_MODE.store(on, std::sync::atomic::Ordering::Relaxed);
}

pub fn json_mode() -> bool {
    JSON_MODE.load(std::sync::atomic::Ordering::Relaxed)
}

/// Σ of the descriptors' sizes, or None when the declared sizes overflow (a hostile manifest
/// declaring 2^63-byte layers must not print "total 0 B").
pub fn total_size(layers: &[imagekit::Descriptor]) -> Option<u64> {
    layers.iter().try_fold(0u64, |sum, d| sum.checked_add(d.size))
}

/// [`size`] of a checked total.
pub fn size_or_overflow(total: Option<u64>) -> String {
    match total {
        Some(bytes) => size(bytes),
        None => "more than 16 EiB (the declared sizes overflow: not a real image)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_docker() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(999), "999 B");
        assert_eq!(size(1_000), "1.0 kB");
        assert_eq!(size(20_489_980), "20.5 MB");
        assert_eq!(size(123_456_789), "123 MB");
    }
}

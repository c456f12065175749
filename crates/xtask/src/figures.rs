//! The book's figures: each `<!-- cmdrun … -->` line, run and recorded, replayed when nothing it
//! depends on has changed.
//!
//! mdbook-cmdrun runs every command as `sh -c COMMAND` from the page's folder, in page order, on
//! every build: 80 commands, a registry started and stopped, a static binary compiled. That made
//! each build and each `serve` reload take 5-10 s. `cargo xtask build` and `serve` put a small
//! `sh` first on PATH ([`SHIM`]) that hands those commands to `xtask __figure COMMAND`
//! ([`run`]), which
//!
//! - replays the page's recorded output when the page's key is unchanged, or
//! - runs the command with `/bin/sh` and records it; when the page's last line has run and every
//!   line exited as expected and printed something, the recording becomes the page's cache.
//!
//! A page is the unit. Its key covers its cmdrun lines (not its prose), the `imagekit` binary,
//! every file under `demo/`, and every file or folder a command names relative to the page
//! (`../../exercises/07-layers/hints.md`). So either all of a page's lines replay, or all run in
//! order: a page's commands may rely on its earlier lines (each topic page starts with its
//! `prepare`), never on another page's. Files are compared by size and modification time, as
//! make and cargo do. Tools outside the repository (gzip, python3, docker-registry) are not in
//! the key: `cargo xtask build --fresh`, and `cargo xtask test`, run every line.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use crate::book::{self, Line};
use crate::util::{self, Context, Result};

/// The cache's format: part of every page's key.
const FORMAT: &[u8] = b"figures v2 (sha256)\0";

/// The session folder (cursors, recordings in progress). Its presence turns the shim on.
const SESSION: &str = "XTASK_FIGURES";
/// The cache folder, shared by `build` and `serve`.
const CACHE: &str = "XTASK_FIGURES_CACHE";
/// The xtask binary the shim hands commands to.
const RUNNER: &str = "XTASK_FIGURES_RUNNER";
/// The `imagekit` binary the figures run (part of every page's key).
const IMAGEKIT: &str = "XTASK_FIGURES_IMAGEKIT";
/// Set: run every line, replay nothing (the cache is still refreshed).
const FRESH: &str = "XTASK_FIGURES_FRESH";
/// The book's root (the folder holding book.toml, src/ and demo/): the repository, or a copy of
/// its book (`cargo xtask bench book` serves one).
const ROOT: &str = "XTASK_FIGURES_ROOT";
/// This build's id: a page pre-run by this build (see [`prerun`]) is logged as run, not replayed.
const BUILD: &str = "XTASK_FIGURES_BUILD";
/// Set (by `build`): a folder where each command's folder, status and output are logged for
/// `book::check`, one numbered folder per command.
pub const LOG: &str = "XTASK_CMDRUN_LOG";

const ALL_VARS: [&str; 8] = [SESSION, CACHE, RUNNER, IMAGEKIT, FRESH, BUILD, ROOT, LOG];

/// The `sh` placed first on PATH for mdbook. Anything but cmdrun's `sh -c COMMAND` (and commands
/// run outside a build) goes straight to `/bin/sh`.
const SHIM: &str = r#"#!/bin/sh
# Written by `cargo xtask build`/`serve` (crates/xtask/src/figures.rs). mdbook-cmdrun runs each
# of the book's commands as `sh -c COMMAND`: those go to xtask, which replays the page's cached
# output or runs the command and records it. Anything else goes straight to /bin/sh.
if [ "$#" -eq 2 ] && [ "$1" = "-c" ] && [ -n "${XTASK_FIGURES:-}" ] && [ -n "${XTASK_FIGURES_RUNNER:-}" ]; then
    exec "$XTASK_FIGURES_RUNNER" __figure "$2"
fi
exec /bin/sh "$@"
"#;

/// How a build or serve session runs the figures.
pub struct Session {
    /// `build` or `serve`: each has its own cursors and recordings, so a `build` while `serve`
    /// runs does not disturb it.
    pub name: &'static str,
    pub fresh: bool,
    pub log: Option<PathBuf>,
}

/// A build's or serve's figures: where they are kept and what their commands run with.
pub struct Figures {
    work: PathBuf,
    session: Session,
    build_id: String,
    /// PATH (the shim first, then imagekit's folder), IMAGEKIT_SCRATCH, and the runner's
    /// variables: what mdbook runs with, and what [`Figures::prerun`] runs commands with.
    pub env: Vec<(String, OsString)>,
    imagekit: PathBuf,
}

impl Figures {
    /// Writes the shim and works out the environment.
    pub fn prepare(root: &Path, session: Session, bin_dir: &Path, scratch: &Path) -> Result<Figures> {
        use std::os::unix::fs::PermissionsExt;
        // The repository's target folder even for a copy of the book, so that the copy shares
        // the cache.
        let work = util::target_dir(&util::root()).join("xtask").join("figures");
        let shim_dir = work.join("shim");
        fs::create_dir_all(&shim_dir).with_context(|| format!("creating {}", shim_dir.display()))?;
        let shim = shim_dir.join("sh");
        if fs::read_to_string(&shim).ok().as_deref() != Some(SHIM) {
            fs::write(&shim, SHIM).with_context(|| format!("writing {}", shim.display()))?;
        }
        fs::set_permissions(&shim, fs::Permissions::from_mode(0o755))
            .with_context(|| format!("making {} executable", shim.display()))?;
        let session_dir = work.join(session.name);
        fs::create_dir_all(&session_dir).with_context(|| format!("creating {}", session_dir.display()))?;
        let runner = std::env::current_exe().with_context(|| "finding the xtask binary")?;
        let imagekit = bin_dir.join("imagekit");
        let now = std::time::SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let build_id = format!("{}-{}", std::process::id(), now.as_nanos());
        let mut env: Vec<(String, OsString)> = vec![
            ("PATH".into(), util::path_with(&[&shim_dir, bin_dir])),
            ("IMAGEKIT_SCRATCH".into(), scratch.into()),
            (SESSION.into(), session_dir.into()),
            (CACHE.into(), work.join("cache").into()),
            (RUNNER.into(), runner.into()),
            (IMAGEKIT.into(), imagekit.clone().into()),
            (BUILD.into(), build_id.clone().into()),
            (ROOT.into(), root.into()),
        ];
        if session.fresh {
            env.push((FRESH.into(), "1".into()));
        }
        if let Some(log) = &session.log {
            env.push((LOG.into(), log.into()));
        }
        Ok(Figures { work, session, build_id, env, imagekit })
    }

    /// Runs, two pages at a time, every page whose figures are not cached (every page when
    /// fresh), and caches them; mdbook's own pass then replays them. Pages are independent (each
    /// has its scratch folder), so this halves a cold build on two cores. A page with a line
    /// that fails is left for mdbook's pass, which runs it again and logs what went wrong.
    /// Returns how many pages ran.
    pub fn prerun(&self, root: &Path) -> Result<usize> {
        let mut pages = Vec::new();
        let mut files = Vec::new();
        book::files_with_ext(&root.join("src"), "md", &mut files)?;
        for file in files {
            let text = fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let lines = book::cmdrun_lines(&file, &text);
            let Some(dir) = file.parent().filter(|_| !lines.is_empty()) else { continue };
            let page = PageRun::new(root, dir, &file, lines, &self.imagekit);
            if self.session.fresh || !page.cached(&self.cache().join(&page.id)) {
                pages.push((dir.to_path_buf(), page));
            }
        }
        // The longest pages (by their last run) first, so that two workers finish together.
        pages.sort_by_key(|(_, p)| std::cmp::Reverse(last_millis(&self.cache().join(&p.id))));
        let count = pages.len();
        let queue = std::sync::Mutex::new(std::collections::VecDeque::from(pages));
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| loop {
                    // After Ctrl-C (when `test` catches it), start no more pages.
                    if util::check_interrupted().is_err() {
                        break;
                    }
                    let next = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None);
                    let Some((dir, page)) = next else { break };
                    self.prerun_page(&dir, page);
                });
            }
        });
        util::check_interrupted()?;
        Ok(count)
    }

    fn cache(&self) -> PathBuf {
        self.work.join("cache")
    }

    fn prerun_page(&self, dir: &Path, mut page: PageRun) {
        let recording = self.work.join(self.session.name).join(&page.id).join("recording");
        let cache = self.cache().join(&page.id);
        let start = std::time::Instant::now();
        for i in 0..page.lines.len() {
            page.index = i;
            let out = run_live_in(&page.lines[i].command, Some((dir, &self.env)));
            let ok = out.as_expected(&page.lines[i]);
            page.record(&recording, &cache, &out);
            if !ok {
                return;
            }
        }
        let _ = fs::write(cache.join("build"), &self.build_id);
        let _ = fs::write(cache.join("millis"), start.elapsed().as_millis().to_string());
    }
}

/// A page's last full run time, from its cache (0 if unknown).
fn last_millis(cache: &Path) -> u64 {
    fs::read_to_string(cache.join("millis")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// What `book::check` needs of each command a build ran.
pub struct Ran {
    pub cwd: PathBuf,
    pub command: String,
    /// None: killed by a signal.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub replayed: bool,
}

/// The runs logged under `log`, in the order they happened.
pub fn read_log(log: &Path) -> Vec<Ran> {
    let mut runs = Vec::new();
    for i in 0.. {
        let dir = log.join(i.to_string());
        if !dir.is_dir() {
            break;
        }
        let read = |name: &str| fs::read_to_string(dir.join(name)).unwrap_or_default();
        runs.push(Ran {
            cwd: PathBuf::from(read("cwd").trim_end_matches('\n')),
            command: book::squash(&read("command")),
            status: read("status").trim().parse().ok(),
            stdout: read("stdout"),
            stderr: read("stderr"),
            replayed: dir.join("replayed").exists(),
        });
    }
    runs
}

/// One command's result, as run or as recorded.
struct Output {
    status: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Output {
    fn exit_code(&self) -> i32 {
        self.status.unwrap_or(128 + 9)
    }

    fn write_to(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)?;
        fs::write(dir.join("stdout"), &self.stdout)?;
        fs::write(dir.join("stderr"), &self.stderr)?;
        // Written last: an entry without it is incomplete.
        fs::write(dir.join("status"), self.status.map_or("killed".to_string(), |s| s.to_string()))
    }

    fn read_from(dir: &Path) -> Option<Output> {
        let status = fs::read_to_string(dir.join("status")).ok()?;
        Some(Output {
            status: status.trim().parse().ok(),
            stdout: fs::read(dir.join("stdout")).ok()?,
            stderr: fs::read(dir.join("stderr")).ok()?,
        })
    }

    /// What `book::check` accepts: the expected exit status and something on stdout.
    fn as_expected(&self, line: &Line) -> bool {
        self.status == Some(line.expected.unwrap_or(0)) && !String::from_utf8_lossy(&self.stdout).trim().is_empty()
    }
}

/// `xtask __figure COMMAND`, run by the shim from a page's folder: prints what the command
/// prints and returns its exit code.
pub fn run(command: &str) -> i32 {
    let var = |name: &str| std::env::var_os(name).map(PathBuf::from);
    let root = var(ROOT).unwrap_or_else(util::root);
    let cwd = std::env::current_dir().unwrap_or_default();
    let output = match (var(SESSION), var(CACHE)) {
        (Some(session), Some(cache)) => {
            let fresh = var(FRESH).is_some();
            let imagekit = var(IMAGEKIT).unwrap_or_default();
            match PageRun::find(&root, &cwd, command, &imagekit) {
                Some(page) => page.run(&session, &cache, fresh, command),
                None => (run_live_in(command, None), false),
            }
        }
        _ => (run_live_in(command, None), false),
    };
    let (output, replayed) = output;
    if let Some(log) = var(LOG) {
        if let Err(e) = log_run(&log, &cwd, command, &output, replayed) {
            eprintln!("xtask: could not log `{command}` in {}: {e}", log.display());
        }
    }
    let _ = io::stdout().write_all(&output.stdout);
    let _ = io::stdout().flush();
    let _ = io::stderr().write_all(&output.stderr);
    output.exit_code()
}

/// Runs `command` with `/bin/sh -c`, outside the shim (its own `sh -c` calls go to /bin/sh):
/// here, or in `dir` with `env` (a pre-run).
fn run_live_in(command: &str, place: Option<(&Path, &[(String, OsString)])>) -> Output {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c").arg(command).stdin(Stdio::null());
    if let Some((dir, env)) = place {
        cmd.current_dir(dir).envs(env.iter().map(|(k, v)| (k, v)));
    }
    for name in ALL_VARS {
        cmd.env_remove(name);
    }
    match cmd.output() {
        Ok(out) => {
            use std::os::unix::process::ExitStatusExt;
            let status = out.status.code().or_else(|| out.status.signal().map(|s| 128 + s));
            // A signal is reported as killed, not as a code a line could expect.
            let status = if out.status.code().is_some() { status } else { None };
            Output { status, stdout: out.stdout, stderr: out.stderr }
        }
        Err(e) => Output {
            status: Some(127),
            stdout: Vec::new(),
            stderr: format!("xtask: running /bin/sh: {e}\n").into_bytes(),
        },
    }
}

fn log_run(log: &Path, cwd: &Path, command: &str, output: &Output, replayed: bool) -> io::Result<()> {
    fs::create_dir_all(log)?;
    // Numbered in order; `create_dir` claims a number even if two commands log at once.
    let mut n = fs::read_dir(log)?.count();
    let dir = loop {
        let dir = log.join(n.to_string());
        match fs::create_dir(&dir) {
            Ok(()) => break dir,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => n += 1,
            Err(e) => return Err(e),
        }
    };
    fs::write(dir.join("cwd"), cwd.display().to_string())?;
    fs::write(dir.join("command"), command)?;
    if replayed {
        fs::write(dir.join("replayed"), "")?;
    }
    output.write_to(&dir)
}

/// A command found on a page in its folder: which page, which line, and the page's key.
struct PageRun {
    /// `07-layers__index.md`: names the page's folders in the cache and session.
    id: String,
    lines: Vec<Line>,
    index: usize,
    key: String,
}

impl PageRun {
    /// The page in `cwd` with this command among its cmdrun lines, or None (then the command
    /// simply runs, unrecorded).
    fn find(root: &Path, cwd: &Path, command: &str, imagekit: &Path) -> Option<PageRun> {
        let command = book::squash(command);
        let mut pages: Vec<PathBuf> = fs::read_dir(cwd)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        pages.sort();
        for page in pages {
            let text = fs::read_to_string(&page).ok()?;
            let lines = book::cmdrun_lines(&page, &text);
            if lines.iter().any(|l| l.command == command) {
                return Some(PageRun::new(root, cwd, &page, lines, imagekit));
            }
        }
        None
    }

    fn new(root: &Path, dir: &Path, page: &Path, lines: Vec<Line>, imagekit: &Path) -> PageRun {
        let rel = page.strip_prefix(root.join("src")).unwrap_or(page);
        let id = rel.to_string_lossy().replace('/', "__");
        let key = page_key(root, dir, &lines, imagekit);
        PageRun { id, lines, index: 0, key }
    }

    fn run(mut self, session: &Path, cache: &Path, fresh: bool, command: &str) -> (Output, bool) {
        let session = session.join(&self.id);
        let cache = cache.join(&self.id);
        self.index = self.next_index(&session, command);
        let _ = fs::create_dir_all(&session);
        let _ = fs::write(session.join("cursor"), self.index.to_string());

        // Pre-run by this very build: replayed even when fresh, and logged as run.
        let this_build = std::env::var(BUILD).ok();
        let ran_now = this_build.is_some() && fs::read_to_string(cache.join("build")).ok() == this_build;
        if (ran_now || !fresh) && self.cached(&cache) {
            if let Some(out) = Output::read_from(&cache.join(self.index.to_string())) {
                return (out, !ran_now);
            }
        }
        let out = run_live_in(command, None);
        self.record(&session.join("recording"), &cache, &out);
        (out, false)
    }

    /// Which line this is. cmdrun runs a page's lines in order, so it is the first line with
    /// this command after the previous one run (a command may appear twice on a page, e.g. a
    /// pull repeated to show it is cached), else the first with this command (a new build).
    fn next_index(&self, session: &Path, command: &str) -> usize {
        let command = book::squash(command);
        let previous: Option<usize> =
            fs::read_to_string(session.join("cursor")).ok().and_then(|s| s.trim().parse().ok());
        let matches: Vec<usize> =
            self.lines.iter().enumerate().filter(|(_, l)| l.command == command).map(|(i, _)| i).collect();
        let after = previous.and_then(|p| matches.iter().copied().find(|&i| i > p));
        after.or(matches.first().copied()).unwrap_or(0)
    }

    /// The cache holds a complete recording made under this key.
    fn cached(&self, cache: &Path) -> bool {
        fs::read_to_string(cache.join("key")).ok().as_deref() == Some(self.key.as_str())
            && (0..self.lines.len()).all(|i| cache.join(i.to_string()).join("status").is_file())
    }

    /// Adds this line's output to the page's recording; after the last line, a recording with
    /// every line as expected replaces the page's cache.
    fn record(&self, recording: &Path, cache: &Path, out: &Output) {
        let same_key = fs::read_to_string(recording.join("key")).ok().as_deref() == Some(self.key.as_str());
        let follows =
            self.index == 0 || (same_key && recording.join((self.index - 1).to_string()).join("status").is_file());
        if self.index == 0 {
            let _ = fs::remove_dir_all(recording);
            if fs::create_dir_all(recording).is_err() || fs::write(recording.join("key"), &self.key).is_err() {
                return;
            }
        }
        if !follows || out.write_to(&recording.join(self.index.to_string())).is_err() {
            return;
        }
        if self.index + 1 == self.lines.len() {
            let complete = self.lines.iter().enumerate().all(|(i, line)| {
                Output::read_from(&recording.join(i.to_string())).is_some_and(|o| o.as_expected(line))
            });
            if complete {
                let _ = fs::remove_dir_all(cache);
                if let Some(parent) = cache.parent() {
                    let _ = fs::create_dir_all(parent);
                }
                let _ = fs::rename(recording, cache);
            }
        }
    }
}

/// A page's key: its cmdrun lines, the imagekit binary, `demo/`, and what its commands name.
fn page_key(root: &Path, cwd: &Path, lines: &[Line], imagekit: &Path) -> String {
    // Canonical, as `named_paths` makes the paths it finds: names are hashed relative to it.
    let root = &root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    // SHA-256, not std's DefaultHasher, whose output may change with any Rust release; the
    // version names the key's recipe, so a change to it (v2: SHA-256) misses every old entry.
    let mut h = Sha256::new();
    h.update(FORMAT);
    for line in lines {
        h.update(line.command.as_bytes());
        h.update([0]);
        h.update(format!("{:?}", line.expected).as_bytes());
    }
    h.update(b"\0imagekit\0");
    hash_stat(&mut h, imagekit);
    let demo = root.join("demo");
    h.update(b"\0demo\0");
    hash_tree(&mut h, &demo, &demo);
    h.update(b"\0named\0");
    for path in named_paths(root, cwd, lines) {
        if !path.starts_with(&demo) {
            hash_tree(&mut h, root, &path);
        }
    }
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The files and folders inside the repository that the commands name, relative to `cwd`.
fn named_paths(root: &Path, cwd: &Path, lines: &[Line]) -> Vec<PathBuf> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut found: Vec<PathBuf> = lines
        .iter()
        .flat_map(|l| l.command.split(|c: char| c.is_whitespace() || "'\"`;|&<>()=".contains(c)))
        .filter(|word| word.contains('/') && !word.contains('$') && !word.contains('*'))
        .filter_map(|word| cwd.join(word).canonicalize().ok())
        .filter(|p| p.starts_with(&root))
        .collect();
    found.sort();
    found.dedup();
    found
}

fn hash_stat(h: &mut Sha256, path: &Path) {
    match fs::metadata(path) {
        Ok(meta) => {
            h.update(meta.len().to_le_bytes());
            let mtime = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).unwrap_or_default();
            h.update(mtime.as_nanos().to_le_bytes());
        }
        Err(_) => h.update(b"missing"),
    }
}

/// Every file under `path` (or `path` itself): its name relative to `base`, size and mtime.
fn hash_tree(h: &mut Sha256, base: &Path, path: &Path) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = match fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => return,
        };
        entries.sort();
        for entry in entries {
            hash_tree(h, base, &entry);
        }
    } else {
        h.update(path.strip_prefix(base).unwrap_or(path).as_os_str().as_encoded_bytes());
        h.update([0]);
        hash_stat(h, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(command: &str) -> Line {
        Line { page: PathBuf::from("p.md"), line: 1, command: command.to_string(), expected: Some(0) }
    }

    fn page(commands: &[&str]) -> PageRun {
        PageRun {
            id: "t__index.md".into(),
            lines: commands.iter().map(|c| line(c)).collect(),
            index: 0,
            key: "k1".into(),
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-figures-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn out(text: &str) -> Output {
        Output { status: Some(0), stdout: text.as_bytes().to_vec(), stderr: Vec::new() }
    }

    #[test]
    fn a_repeated_command_takes_the_next_line_then_starts_over() {
        let dir = temp("cursor");
        let p = page(&["prepare", "pull", "df", "pull"]);
        let mut seen = Vec::new();
        for (round, command) in ["prepare", "pull", "df", "pull", "prepare", "pull"].iter().enumerate() {
            let i = p.next_index(&dir, command);
            fs::write(dir.join("cursor"), i.to_string()).unwrap();
            seen.push((round, i));
        }
        assert_eq!(seen.iter().map(|(_, i)| *i).collect::<Vec<_>>(), [0, 1, 2, 3, 0, 1]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_complete_recording_becomes_the_cache_and_a_failed_line_keeps_it_out() {
        let dir = temp("record");
        let (rec, cache) = (dir.join("recording"), dir.join("cache"));
        let mut p = page(&["a", "b"]);
        for (i, text) in ["one", "two"].iter().enumerate() {
            p.index = i;
            p.record(&rec, &cache, &out(text));
        }
        assert!(p.cached(&cache));
        assert_eq!(Output::read_from(&cache.join("1")).unwrap().stdout, b"two");

        // A new key: the old cache no longer answers, and a line that prints nothing keeps the
        // new recording out of the cache.
        let mut p = page(&["a", "b"]);
        p.key = "k2".into();
        assert!(!p.cached(&cache));
        p.record(&rec, &cache, &out("one"));
        p.index = 1;
        p.record(&rec, &cache, &out(""));
        assert!(!p.cached(&cache));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_line_run_out_of_order_is_not_recorded() {
        let dir = temp("order");
        let (rec, cache) = (dir.join("recording"), dir.join("cache"));
        let mut p = page(&["a", "b"]);
        p.index = 1;
        p.record(&rec, &cache, &out("two"));
        assert!(!rec.join("1").exists());
        assert!(!p.cached(&cache));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_key_follows_commands_and_named_files_not_prose() {
        let root = temp("key");
        fs::create_dir_all(root.join("demo")).unwrap();
        fs::create_dir_all(root.join("src/07")).unwrap();
        fs::create_dir_all(root.join("exercises")).unwrap();
        fs::write(root.join("demo/show"), "x").unwrap();
        fs::write(root.join("exercises/hints.md"), "one").unwrap();
        let cwd = root.join("src/07");
        let bin = root.join("imagekit");
        let lines = [line("../../exercises/show ../../exercises/hints.md step1")];
        let key = page_key(&root, &cwd, &lines, &bin);
        assert_eq!(key, page_key(&root, &cwd, &lines, &bin));
        assert_ne!(key, page_key(&root, &cwd, &[line("other")], &bin));
        fs::write(root.join("exercises/hints.md"), "two, longer").unwrap();
        let after_hints = page_key(&root, &cwd, &lines, &bin);
        assert_ne!(key, after_hints);
        fs::write(root.join("demo/new-script"), "y").unwrap();
        assert_ne!(after_hints, page_key(&root, &cwd, &lines, &bin));
        fs::remove_dir_all(root).unwrap();
    }
}

//! A page's figures: which of its lines a command is, its key, its recording and its cache.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use crate::cmdrun::{self, Line};

use super::output::*;
use super::vars::*;

/// The cache's format: part of every page's key.
pub const FORMAT: &[u8] = b"figures v4 (sha256, xtask for hint and quiz pages)\0";

/// A command found on a page in its folder: which page, which line, and the page's key.
pub struct PageRun {
    /// `07-layers__index.md`: names the page's folders in the cache and session.
    pub id: String,
    pub lines: Vec<Line>,
    pub index: usize,
    pub key: String,
}

impl PageRun {
    /// The page in `cwd` with this command among its cmdrun lines, or None (then the command
    /// simply runs, unrecorded).
    pub fn find(root: &Path, cwd: &Path, command: &str, imagekit: &Path) -> Option<PageRun> {
        let command = cmdrun::squash(command);
        let mut pages: Vec<PathBuf> = fs::read_dir(cwd)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        pages.sort();
        for page in pages {
            let text = fs::read_to_string(&page).ok()?;
            let lines = cmdrun::cmdrun_lines(&page, &text);
            if lines.iter().any(|l| l.command == command) {
                return Some(PageRun::new(root, cwd, &page, lines, imagekit));
            }
        }
        None
    }

    pub fn new(root: &Path, dir: &Path, page: &Path, lines: Vec<Line>, imagekit: &Path) -> PageRun {
        let rel = page.strip_prefix(root.join("src")).unwrap_or(page);
        let id = rel.to_string_lossy().replace('/', "__");
        // The running xtask is the hints and quiz reader that `exercises/show-hints` and
        // `demo/quiz-answers` hand their work to.
        let xtask = crate::util::xtask_binary().unwrap_or_default();
        let key = page_key(root, dir, &lines, Tools { imagekit, xtask: &xtask });
        PageRun { id, lines, index: 0, key }
    }

    pub fn run(mut self, session: &Path, cache: &Path, fresh: bool, command: &str) -> (Output, bool) {
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
    pub fn next_index(&self, session: &Path, command: &str) -> usize {
        let command = cmdrun::squash(command);
        let previous: Option<usize> =
            fs::read_to_string(session.join("cursor")).ok().and_then(|s| s.trim().parse().ok());
        let matches: Vec<usize> =
            self.lines.iter().enumerate().filter(|(_, l)| l.command == command).map(|(i, _)| i).collect();
        let after = previous.and_then(|p| matches.iter().copied().find(|&i| i > p));
        after.or(matches.first().copied()).unwrap_or(0)
    }

    /// The cache holds a complete recording made under this key.
    pub fn cached(&self, cache: &Path) -> bool {
        fs::read_to_string(cache.join("key")).ok().as_deref() == Some(self.key.as_str())
            && (0..self.lines.len()).all(|i| cache.join(i.to_string()).join("status").is_file())
    }

    /// Adds this line's output to the page's recording; after the last line, a recording with
    /// every line as expected replaces the page's cache.
    pub fn record(&self, recording: &Path, cache: &Path, out: &Output) {
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

/// The binaries a page's figures come from, besides `demo/` and the files its commands name.
#[derive(Clone, Copy)]
pub struct Tools<'a> {
    /// Every page's commands run it.
    pub imagekit: &'a Path,
    /// `exercises/show-hints` runs `xtask hints`, `demo/quiz-answers` `xtask quiz`: the pages
    /// that name them depend on xtask's readers of hints.md and the quiz files, so on its binary.
    pub xtask: &'a Path,
}

/// The wrappers whose output comes from xtask (see [`Tools::xtask`]): the hints and the quizzes
/// in print.
const XTASK_WRAPPERS: [&str; 2] = ["exercises/show-hints", "demo/quiz-answers"];

/// A page's key: its cmdrun lines, the imagekit binary, `demo/`, what its commands name, and
/// the xtask binary when they name one of [`XTASK_WRAPPERS`].
pub fn page_key(root: &Path, cwd: &Path, lines: &[Line], tools: Tools) -> String {
    // Canonical, as `named_paths` makes the paths it finds: names are hashed relative to it.
    let root = &root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    // SHA-256, not std's DefaultHasher, whose output may change with any Rust release; the
    // version names the key's recipe, so a change to it (v2: SHA-256; v3: the xtask binary for hint pages; v4: and for quiz pages) misses every old entry.
    let mut h = Sha256::new();
    h.update(FORMAT);
    for line in lines {
        h.update(line.command.as_bytes());
        h.update([0]);
        h.update(format!("{:?}", line.expected).as_bytes());
    }
    h.update(b"\0imagekit\0");
    hash_stat(&mut h, tools.imagekit);
    let demo = root.join("demo");
    h.update(b"\0demo\0");
    hash_tree(&mut h, &demo, &demo);
    h.update(b"\0named\0");
    let named = named_paths(root, cwd, lines);
    for path in &named {
        if !path.starts_with(&demo) {
            hash_tree(&mut h, root, path);
        }
    }
    if named.iter().any(|p| XTASK_WRAPPERS.iter().any(|w| p.ends_with(w))) {
        h.update(b"\0xtask\0");
        hash_stat(&mut h, tools.xtask);
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

    pub fn line(command: &str) -> Line {
        Line { page: PathBuf::from("p.md"), line: 1, command: command.to_string(), expected: Some(0) }
    }

    pub fn page(commands: &[&str]) -> PageRun {
        PageRun {
            id: "t__index.md".into(),
            lines: commands.iter().map(|c| line(c)).collect(),
            index: 0,
            key: "k1".into(),
        }
    }

    pub fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-figures-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    pub fn out(text: &str) -> Output {
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
        fs::write(root.join("exercises/show-hints"), "exec xtask").unwrap();
        fs::write(root.join("xtask"), "v1").unwrap();
        let cwd = root.join("src/07");
        let tools = Tools { imagekit: &root.join("imagekit"), xtask: &root.join("xtask") };
        let lines = [line("../../exercises/show ../../exercises/hints.md step1")];
        let key = page_key(&root, &cwd, &lines, tools);
        assert_eq!(key, page_key(&root, &cwd, &lines, tools));
        assert_ne!(key, page_key(&root, &cwd, &[line("other")], tools));
        fs::write(root.join("exercises/hints.md"), "two, longer").unwrap();
        let after_hints = page_key(&root, &cwd, &lines, tools);
        assert_ne!(key, after_hints);
        fs::write(root.join("demo/new-script"), "y").unwrap();
        let after_demo = page_key(&root, &cwd, &lines, tools);
        assert_ne!(after_hints, after_demo);

        // A new xtask (its readers of hints and quizzes) changes the key of the pages that show
        // hints or print quizzes only.
        fs::write(root.join("demo/quiz-answers"), "exec xtask").unwrap();
        let after_demo = page_key(&root, &cwd, &lines, tools);
        let hints = [line("../../exercises/show-hints ../../exercises/hints.md step1")];
        let quiz = [line("../../demo/quiz-answers --answers ./07-quiz.toml")];
        let (hints_key, quiz_key) = (page_key(&root, &cwd, &hints, tools), page_key(&root, &cwd, &quiz, tools));
        fs::write(root.join("xtask"), "v2, rebuilt").unwrap();
        assert_ne!(hints_key, page_key(&root, &cwd, &hints, tools));
        assert_ne!(quiz_key, page_key(&root, &cwd, &quiz, tools));
        assert_eq!(after_demo, page_key(&root, &cwd, &lines, tools));
        fs::remove_dir_all(root).unwrap();
    }
}

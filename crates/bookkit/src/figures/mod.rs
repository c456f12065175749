//! The book's figures: each `<!-- cmdrun … -->` line, run and recorded, replayed when nothing it
//! depends on has changed.
//!
//! mdbook-cmdrun runs every command as `sh -c COMMAND` from the page's folder, in page order, on
//! every build: 80 commands, a registry started and stopped, a static binary compiled. That made
//! each build and each `serve` reload take 5-10 s. `cargo xtask build` and `serve` put an `sh`
//! first on PATH that is the xtask binary itself (a symlink; [`shim`] is its entry), which hands
//! those commands to [`run`], which
//!
//! - replays the page's recorded output when the page's key is unchanged, or
//! - runs the command with `/bin/sh` and records it; when the page's last line has run and every
//!   line exited as expected and printed something, the recording becomes the page's cache.
//!
//! A page is the unit. Its key covers its cmdrun lines (not its prose), the `imagekit` binary,
//! every file under `demo/`, and every file or folder a command names relative to the page
//! (`../../exercises/07-layers/hints.md`), and the xtask binary on pages that name
//! `exercises/show-hints` (its output is xtask's hints parser). So either all of a page's lines replay, or all run in
//! order: a page's commands may rely on its earlier lines (each topic page starts with its
//! `prepare`), never on another page's. Files are compared by size and modification time, as
//! make and cargo do. Tools outside the repository (gzip, python3, docker-registry) are not in
//! the key: `cargo xtask build --fresh`, and `cargo xtask test`, run every line.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::cmdrun::{self};
use crate::util::{self, Context, Result};

mod output;
mod page;
mod vars;

pub use output::read_log;
use output::{log_run, run_live_in};
use page::PageRun;
use vars::*;
pub use vars::{LOG, XTASK_FOR_COMMANDS};

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
        // The repository's target folder even for a copy of the book, so that the copy shares
        // the cache.
        let work = util::target_dir(&util::root()).join("xtask").join("figures");
        let session_dir = work.join(session.name);
        fs::create_dir_all(&session_dir).with_context(|| format!("creating {}", session_dir.display()))?;
        let runner = util::xtask_binary()?;
        // The session's `sh` is the runner itself: one process a figure, not a shell script that
        // starts xtask (a shell's start was a third of a replayed figure's cost). Per session,
        // so that a build by another xtask binary does not redirect a running serve.
        let shim_dir = session_dir.join("shim");
        fs::create_dir_all(&shim_dir).with_context(|| format!("creating {}", shim_dir.display()))?;
        let shim = shim_dir.join("sh");
        if fs::read_link(&shim).ok().as_deref() != Some(runner.as_path()) {
            let _ = fs::remove_file(&shim);
            std::os::unix::fs::symlink(&runner, &shim).with_context(|| format!("linking {}", shim.display()))?;
        }
        let imagekit = bin_dir.join("imagekit");
        let now = std::time::SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let build_id = format!("{}-{}", std::process::id(), now.as_nanos());
        let mut env: Vec<(String, OsString)> = vec![
            ("PATH".into(), util::path_with(&[&shim_dir, bin_dir])),
            ("IMAGEKIT_SCRATCH".into(), scratch.into()),
            (SESSION.into(), session_dir.into()),
            (CACHE.into(), work.join("cache").into()),
            (RUNNER.into(), runner.clone().into()),
            (XTASK_FOR_COMMANDS.into(), runner.into()),
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
        cmdrun::files_with_ext(&root.join("src"), "md", &mut files)?;
        for file in files {
            let text = fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let lines = cmdrun::cmdrun_lines(&file, &text);
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

/// The entry of xtask started as the session's `sh` (argv[0] `sh`): cmdrun's `sh -c COMMAND`
/// during a build or serve goes to [`run`]; anything else (a script's own `sh`, or a build's
/// variables missing) becomes `/bin/sh` with the same arguments. `None` when not started as `sh`.
pub fn shim() -> Option<i32> {
    use std::os::unix::process::CommandExt;
    let mut args = std::env::args_os();
    if Path::new(&args.next()?).file_name()? != "sh" {
        return None;
    }
    let rest: Vec<OsString> = args.collect();
    let active = std::env::var_os(SESSION).is_some() && std::env::var_os(RUNNER).is_some();
    if let (true, [flag, command]) = (active, rest.as_slice()) {
        if flag == "-c" {
            return Some(run(&command.to_string_lossy()));
        }
    }
    let err = std::process::Command::new("/bin/sh").arg0("sh").args(&rest).exec();
    eprintln!("sh: could not start /bin/sh: {err}");
    Some(127)
}

/// A cmdrun command, run by the shim from a page's folder: prints what the command prints and
/// returns its exit code.
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

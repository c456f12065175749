//! `cargo xtask demo NN [--no-pause]`: a topic's live commands, for an instructor in front of a
//! class.
//!
//! The steps are the topic page's own `<!-- cmdrun … -->` lines (`src/NN-*/index.md`), run the
//! way mdbook-cmdrun runs them (`sh -c` in the chapter's folder), with `imagekit` from
//! `target/release` first on PATH and `IMAGEKIT_SCRATCH` set to a fresh `target/demo-scratch/NN`.
//! So the demo cannot drift from the book: change a page and its demo changes with it.
//!
//! Between steps it waits for Enter (when stdin is a terminal; `--no-pause` never waits).

use std::fs;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmdrun;
use crate::util::{self, bail, Context, Result, Usage};

/// `cargo xtask demo NN [--no-pause]`.
pub fn demo(root: &Path, nn: &str, no_pause: bool) -> Result {
    let page = topic_page(root, nn)?;
    let bin_dir = util::build_cli(root)?;
    let number = page_number(root, &page);
    let scratch = util::target_dir(root).join("demo-scratch").join(&number);
    let pause = !no_pause && io::stdin().is_terminal();
    run(root, &page, &bin_dir, &scratch, pause)
}

/// `src/NN-*/index.md` for `nn` (`07`, `7` or `07-layers`).
fn topic_page(root: &Path, nn: &str) -> Result<PathBuf> {
    let number = nn.parse::<u32>().ok().map(|n| format!("{n:02}"));
    let mut topics: Vec<String> = fs::read_dir(root.join("src"))
        .with_context(|| format!("reading {}", root.join("src").display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() > 3 && n.as_bytes()[..2].iter().all(u8::is_ascii_digit) && n.as_bytes()[2] == b'-')
        .filter(|n| root.join("src").join(n).join("index.md").is_file())
        .collect();
    topics.sort();
    match topics.iter().find(|t| Some(&t[..2]) == number.as_deref() || t.as_str() == nn) {
        Some(t) => Ok(root.join("src").join(t).join("index.md")),
        None => Err(Usage(format!(
            "no topic page for {nn:?} (topics with a page: {})",
            if topics.is_empty() { "none yet".to_string() } else { topics.join(", ") }
        ))
        .into()),
    }
}

/// `07` for `src/07-layers/index.md`.
fn page_number(root: &Path, page: &Path) -> String {
    let folder = page.parent().unwrap_or(root).file_name().unwrap_or_default().to_string_lossy();
    folder.chars().take(2).collect()
}

/// The heading (`## …` or `### …`) that a line of a page falls under.
fn section_of(text: &str, line: usize) -> Option<String> {
    let mut in_fence = false;
    let mut found = None;
    for l in text.lines().take(line.saturating_sub(1)) {
        if l.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && l.starts_with('#') {
            let title = l.trim_start_matches('#').trim();
            // `## Title {#anchor}`: the anchor is not part of the title.
            let title = title.split(" {#").next().unwrap_or(title);
            found = Some(title.to_string());
        }
    }
    found
}

/// Markup the page renders (an inline SVG figure, an HTML table) reads badly in a terminal.
fn is_markup(output: &str) -> bool {
    let t = output.trim_start();
    t.starts_with("<svg") || t.starts_with("<figure") || t.starts_with("<table") || t.starts_with("<div")
}

/// Runs every cmdrun line of `page`, in order; stops at the first that exits other than its line
/// expects.
pub fn run(root: &Path, page: &Path, bin_dir: &Path, scratch: &Path, pause: bool) -> Result {
    let text = fs::read_to_string(page).with_context(|| format!("reading {}", page.display()))?;
    let lines = cmdrun::cmdrun_lines(page, &text);
    let name = util::rel(root, page);
    if lines.is_empty() {
        println!("{name} has no live commands (no `<!-- cmdrun … -->` lines)");
        return Ok(());
    }
    util::fresh_dir(scratch)?;
    let chapter = page.parent().unwrap_or(root);
    let title = text.lines().find(|l| l.starts_with("# ")).map_or(name.clone(), |l| l[2..].trim().to_string());
    println!("demo: {title}");
    println!(
        "  {} step(s) from {name}, run in {} with IMAGEKIT_SCRATCH={}",
        lines.len(),
        util::rel(root, chapter),
        util::rel(root, scratch)
    );
    let mut last_section = None;
    for (i, line) in lines.iter().enumerate() {
        let section = section_of(&text, line.line);
        if section.is_some() && section != last_section {
            util::header(&format!("§ {}", section.as_deref().unwrap_or_default()));
            last_section = section;
        }
        println!("\n── step {} of {} ({name}:{}) ──", i + 1, lines.len(), line.line);
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&line.command)
            .current_dir(chapter)
            .env("PATH", util::path_with(&[bin_dir]))
            .env("IMAGEKIT_SCRATCH", scratch)
            // As under `build`: the page's scripts run this xtask (demo/xtask), not `cargo run`.
            .env(crate::figures::XTASK_FOR_COMMANDS, util::xtask_binary()?);
        let (status, output) = util::combined(cmd)?;
        if is_markup(&output) {
            println!("(a figure for the page: {} lines of markup, not shown here)", output.lines().count());
        } else {
            print!("{output}");
            if !output.ends_with('\n') && !output.is_empty() {
                println!();
            }
        }
        let expected = line.expected.unwrap_or(0);
        if status.code() != Some(expected) {
            bail!(
                "{name}:{}: `{}` exited with {status} (the page expects {expected}); the demo stops here",
                line.line,
                line.command
            );
        }
        if expected != 0 {
            println!("(exit status {expected}, as the page expects: this step shows a failure on purpose)");
        }
        if pause && i + 1 < lines.len() && !wait_for_enter()? {
            println!("demo stopped after step {} of {}", i + 1, lines.len());
            return Ok(());
        }
    }
    println!("\ndemo: all {} step(s) of {name} ran; the files are in {}", lines.len(), util::rel(root, scratch));
    Ok(())
}

/// Waits for Enter; false when the instructor typed `q` (or stdin ended).
fn wait_for_enter() -> Result<bool> {
    eprint!("\n[Enter: next step · q + Enter: stop] ");
    let _ = io::stderr().flush();
    let mut answer = String::new();
    let read = io::stdin().lock().read_line(&mut answer).with_context(|| "reading stdin")?;
    Ok(read > 0 && answer.trim() != "q")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_section_of_a_line() {
        let text = "# Title\n\n## Layers {#layers}\n\n```sh\n# a comment\n```\n<!-- cmdrun x -->\n### Whiteouts\n";
        assert_eq!(section_of(text, 8).as_deref(), Some("Layers"));
        assert_eq!(section_of(text, 2).as_deref(), Some("Title"));
        assert_eq!(section_of(text, 10).as_deref(), Some("Whiteouts"));
    }

    #[test]
    fn figures_are_not_printed() {
        assert!(is_markup("\n<svg viewBox=\"0 0 1 1\"></svg>"));
        assert!(!is_markup("$ imagekit layers oci\n"));
    }

    /// `cargo xtask demo 07 --no-pause`, with the `imagekit` this workspace built (skipped, saying
    /// so, before the first `cargo xtask build`; `cargo xtask test` runs the demo itself too).
    #[test]
    fn demo_07_runs_without_pausing() {
        let root = util::root();
        let bin_dir = util::target_dir(&root).join("release");
        if !bin_dir.join("imagekit").is_file() {
            eprintln!("skipped: no target/release/imagekit yet (`cargo xtask build` makes it)");
            return;
        }
        let page = topic_page(&root, "07").unwrap();
        let scratch = util::target_dir(&root).join("demo-scratch").join("unit-test-07");
        run(&root, &page, &bin_dir, &scratch, false).unwrap();
        assert!(scratch.join("07-layers/oci/index.json").is_file());
    }
}

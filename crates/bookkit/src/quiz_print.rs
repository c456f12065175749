//! The topic pages' quizzes (mdbook-quiz, issue 13) in the book's print.html.
//!
//! mdbook-quiz links its script and style sheet relative to the chapter that holds a quiz:
//! `../quiz/quiz-embed.iife.js` from `07-layers/index.html`. mdBook copies every chapter's HTML
//! into `print.html`, which sits at the book's root, where `../quiz/` leads outside the book: the
//! quizzes would not load there, and the link check fails. After a build, this points print.html's
//! quiz links at `quiz/`, where the assets are.
//!
//! On paper the quizzes cannot run: each topic page prints its questions and their choices
//! without answers (`<div class="quiz-print">`), and the chapter's last page (`src/answers.md`)
//! holds every topic's answers with their explanations (a section `#answers-NN` a topic), both
//! written by [`crate::quiz`] through `demo/quiz-answers`. [`check`], a book check, holds the
//! built book to that against the quiz files.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{Context, Result};
use crate::{html, quiz};

/// The page that holds every topic's answers, in the book.
const ANSWERS: &str = "answers.html";

/// Rewrites the quiz asset links of `BOOK/print.html`; returns how many it rewrote.
pub fn fix_print_links(book: &Path) -> Result<usize> {
    let path = book.join("print.html");
    let Ok(text) = fs::read_to_string(&path) else {
        return Ok(0); // no print page: nothing to fix
    };
    let (fixed, count) = rewrite(&text);
    if count > 0 {
        fs::write(&path, fixed).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(count)
}

/// `src="../quiz/` and `href="../quiz/` become `src="quiz/` and `href="quiz/`.
fn rewrite(text: &str) -> (String, usize) {
    let mut count = 0;
    let mut out = text.to_string();
    for attr in ["src", "href"] {
        let from = format!("{attr}=\"../quiz/");
        count += out.matches(&from).count();
        out = out.replace(&from, &format!("{attr}=\"quiz/"));
    }
    (out, count)
}

/// Text as it reads, for comparing Markdown with rendered HTML: no Markdown emphasis or code
/// marks, no whitespace.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && !matches!(c, '`' | '*' | '\\')).collect()
}

/// The inside of every `<div class="quiz-print">` of a page.
fn print_blocks(page: &str) -> Vec<&str> {
    let open = "<div class=\"quiz-print\">";
    page.match_indices(open)
        .map(|(at, _)| {
            let rest = &page[at + open.len()..];
            &rest[..rest.find("</div>").unwrap_or(rest.len())]
        })
        .collect()
}

/// Topic folders (`src/NN-topic/`) with quiz files (`NN-predict.toml`, `NN-quiz.toml`), in order.
fn quiz_topics(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("src"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| quiz_files(p).iter().any(|f| f.is_file()))
        .collect();
    dirs.sort();
    dirs
}

/// A topic folder's quiz files: the predict question, then the checks at the page's end.
fn quiz_files(dir: &Path) -> [PathBuf; 2] {
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    let nn = &name[..name.len().min(2)];
    [dir.join(format!("{nn}-predict.toml")), dir.join(format!("{nn}-quiz.toml"))]
}

/// mdbook-quiz keeps a quiz's answers in localStorage under its file name only
/// (`mdbook-quiz:NAME`): two quizzes of one name anywhere in the book overwrite each other's.
fn same_names(root: &Path) -> Vec<String> {
    let mut pages = Vec::new();
    let _ = crate::cmdrun::files_with_ext(&root.join("src"), "md", &mut pages);
    pages.sort();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    for page in pages {
        let text = fs::read_to_string(&page).unwrap_or_default();
        let page_name = page.strip_prefix(root).unwrap_or(&page).display().to_string();
        for (at, _) in text.match_indices("{{#quiz ") {
            let target = text[at + 8..].split("}}").next().unwrap_or_default().trim();
            let stem = Path::new(target).file_stem().unwrap_or_default().to_string_lossy().into_owned();
            match seen.iter().find(|(s, _)| *s == stem) {
                Some((_, first)) => problems.push(format!(
                    "{page_name}: a quiz named {stem} as in {first}: mdbook-quiz would keep their answers \
                     under one name (localStorage mdbook-quiz:{stem}); name it NN-{stem}"
                )),
                None => seen.push((stem, page_name.clone())),
            }
        }
    }
    problems
}

/// The checks for understanding in print: each topic page's printed questions (none of their
/// answers), as many blocks in print.html as topics, and every answer on the answers page, in
/// its topic's section.
pub fn check(root: &Path, book: &Path) -> Vec<String> {
    let mut problems = same_names(root);
    let read = |path: &Path| fs::read_to_string(path).unwrap_or_default();
    let answers_page = read(&book.join(ANSWERS));
    if answers_page.is_empty() {
        problems.push(format!("book/{ANSWERS} is missing: list src/answers.md last in src/SUMMARY.md"));
    }
    let topics = quiz_topics(root);
    for dir in &topics {
        let folder = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let nn = &folder[..folder.len().min(2)];
        let page_name = format!("book/{folder}/index.html");
        let page = read(&book.join(&folder).join("index.html"));
        let printed: String = print_blocks(&page).iter().map(|b| squash(&html::plain(b))).collect();
        if printed.is_empty() {
            problems.push(format!(
                "{page_name}: no printed questions (`<div class=\"quiz-print\">`: \
                 <!-- cmdrun --strict ../../demo/quiz-answers --questions ../answers.md#answers-{nn} ./{nn}-predict.toml ./{nn}-quiz.toml -->)"
            ));
        } else if printed.contains("Answer:") {
            problems.push(format!("{page_name}: its printed questions give the answers away (\"Answer:\")"));
        }
        let section = answers_page
            .split_once(&format!("id=\"answers-{nn}\""))
            .map(|(_, rest)| rest.split("id=\"answers-").next().unwrap_or(rest))
            .map(|s| squash(&html::plain(s)))
            .unwrap_or_default();
        if !answers_page.is_empty() && section.is_empty() {
            problems.push(format!("book/{ANSWERS}: no section #answers-{nn} for {folder}"));
        }
        for file in quiz_files(dir) {
            let src = format!("src/{folder}/{}", file.file_name().unwrap_or_default().to_string_lossy());
            let questions = match file.is_file().then(|| quiz::read(&file)).transpose() {
                Ok(questions) => questions.unwrap_or_default(),
                Err(e) => {
                    problems.push(format!("{e:#}"));
                    continue;
                }
            };
            for q in questions {
                let (prompt, answer) = (q.prompt.prompt.trim(), q.answer.answer.trim());
                let short: String = prompt.chars().take(50).collect();
                if !printed.is_empty() && !printed.contains(&squash(prompt)) {
                    problems.push(format!("{page_name}: the printed questions lack {src}'s \"{short}…\""));
                }
                if !section.is_empty() && !section.contains(&squash(answer)) {
                    problems.push(format!("book/{ANSWERS}#answers-{nn}: lacks the answer to {src}'s \"{short}…\""));
                }
            }
        }
    }
    let in_print = print_blocks(&read(&book.join("print.html"))).len();
    if in_print < topics.len() {
        problems.push(format!(
            "book/print.html: {in_print} block(s) of printed questions for {} topics with quizzes",
            topics.len()
        ));
    }
    if !read(&book.join("print.html")).contains("id=\"answers-") {
        problems.push("book/print.html: lacks the answers page (src/answers.md)".to_string());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_markdown_with_its_rendering() {
        assert_eq!(
            squash("The `tar` is **here**"),
            squash(&html::plain("The <code>tar</code> is <strong>here</strong>"))
        );
    }

    #[test]
    fn finds_two_quizzes_of_one_name() {
        let root = std::env::temp_dir().join(format!("xtask-quiz-names-{}", std::process::id()));
        fs::create_dir_all(root.join("src/07-a")).unwrap();
        fs::create_dir_all(root.join("src/08-b")).unwrap();
        fs::write(root.join("src/07-a/index.md"), "{{#quiz quiz.toml}}\n{{#quiz 07-predict.toml}}\n").unwrap();
        fs::write(root.join("src/08-b/index.md"), "{{#quiz quiz.toml}}\n").unwrap();
        let problems = same_names(&root);
        let _ = fs::remove_dir_all(&root);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("src/08-b/index.md: a quiz named quiz as in src/07-a/index.md"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_workbook_s_quizzes_have_names_of_their_own() {
        assert_eq!(same_names(&crate::util::root()), Vec::<String>::new());
    }

    #[test]
    fn finds_printed_blocks() {
        let page = "<p>x</p><div class=\"quiz-print\"><ol><li>Q</li></ol></div><div class=\"quiz-print\">R</div>";
        assert_eq!(print_blocks(page), ["<ol><li>Q</li></ol>", "R"]);
    }

    #[test]
    fn only_quiz_links_one_level_up_change() {
        let page = r#"<script src="../quiz/quiz-embed.iife.js"></script><link href="../quiz/style.css"><a href="../07-layers/index.html">"#;
        let (fixed, count) = rewrite(page);
        assert_eq!(count, 2);
        assert_eq!(
            fixed,
            r#"<script src="quiz/quiz-embed.iife.js"></script><link href="quiz/style.css"><a href="../07-layers/index.html">"#
        );
    }
}

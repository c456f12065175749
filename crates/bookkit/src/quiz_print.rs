//! The topic pages' quizzes (mdbook-quiz, issue 13) in the book's print.html.
//!
//! mdbook-quiz links its script and style sheet relative to the chapter that holds a quiz:
//! `../quiz/quiz-embed.iife.js` from `07-layers/index.html`. mdBook copies every chapter's HTML
//! into `print.html`, which sits at the book's root, where `../quiz/` leads outside the book: the
//! quizzes would not load there, and the link check fails. After a build, this points print.html's
//! quiz links at `quiz/`, where the assets are.

use std::fs;
use std::path::Path;

use crate::util::{Context, Result};

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

#[cfg(test)]
mod tests {
    use super::*;

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

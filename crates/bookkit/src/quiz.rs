//! The topic pages' checks for understanding (mdbook-quiz files, `src/NN-topic/NN-quiz.toml` and
//! `NN-predict.toml`) as the printed book shows them, where the quizzes cannot run: each topic
//! page prints its questions with lettered choices (`cargo xtask quiz questions`), and the
//! chapter's last page every answer with its explanation (`cargo xtask quiz answers`). The
//! book's cmdrun lines reach both through `demo/quiz-answers`.
//!
//! One reader of the quiz files, a TOML parser and not a reading of their layout, serves the
//! print forms and the book check (`quiz_print`). The workbook's quizzes are all MultipleChoice;
//! any other kind is refused by name, so a new kind cannot be printed half.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::util::{bail, Context, Result};

/// One question, as mdbook-quiz reads it (the fields the workbook uses).
#[derive(Debug, Deserialize)]
pub struct Question {
    #[serde(rename = "type")]
    pub kind: String,
    pub prompt: Prompt,
    pub answer: Answer,
    pub context: String,
}

#[derive(Debug, Deserialize)]
pub struct Prompt {
    pub prompt: String,
    pub distractors: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Answer {
    pub answer: String,
}

#[derive(Deserialize)]
struct QuizFile {
    questions: Vec<Question>,
}

/// The questions of one quiz file; an error names the file and, where it can, the question.
pub fn read(path: &Path) -> Result<Vec<Question>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("{}", path.display()))
}

fn parse(text: &str) -> Result<Vec<Question>> {
    let file: QuizFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    for (n, q) in file.questions.iter().enumerate() {
        let n = n + 1;
        if q.kind != "MultipleChoice" {
            bail!("question {n} is a {:?}: only MultipleChoice questions can be printed", q.kind);
        }
        let empty = [&q.prompt.prompt, &q.answer.answer, &q.context].iter().any(|t| t.trim().is_empty());
        if empty || q.prompt.distractors.is_empty() || q.prompt.distractors.iter().any(|d| d.trim().is_empty()) {
            bail!("question {n} needs a prompt, an answer, distractors and a context, none of them empty");
        }
    }
    Ok(file.questions)
}

/// A question's choices in print order, and where the answer is among them. The order is a
/// hash of the prompt and each choice: the same in both print forms and on every build, and the
/// answer not always first (mdbook-quiz's file lists it apart from the distractors).
pub fn choices(q: &Question) -> (Vec<&str>, usize) {
    let mut all: Vec<&str> = q.prompt.distractors.iter().map(|d| d.trim()).collect();
    all.push(q.answer.answer.trim());
    let rank = |choice: &str| {
        Sha256::new().chain_update(q.prompt.prompt.trim()).chain_update([0]).chain_update(choice).finalize()
    };
    all.sort_by_cached_key(|c| rank(c));
    let answer = all.iter().position(|c| *c == q.answer.answer.trim()).unwrap_or_default();
    (all, answer)
}

/// Text of several lines as one line of Markdown (a list item's paragraph).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn letter(i: usize) -> char {
    char::from(b'A' + u8::try_from(i).unwrap_or(25).min(25))
}

/// A topic page's printed questions (`quiz-print` is shown in print only: theme/driftwood.css),
/// numbered across `files` in order, with where the answers are.
pub fn questions_markdown(answers_link: &str, files: &[PathBuf]) -> Result<String> {
    let mut out = String::from("<div class=\"quiz-print\">\n\n");
    out.push_str("**The questions of this page** (on screen they are graded in the page):\n\n");
    for (n, q) in numbered(files)? {
        let _ = writeln!(out, "{n}. {}\n", one_line(&q.prompt.prompt));
        for (i, choice) in choices(&q).0.iter().enumerate() {
            let _ = writeln!(out, "   - **{}.** {}", letter(i), one_line(choice));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "The answers, with why each one is right, are at the end of the chapter: \
         [Answers to the checks]({answers_link}).\n\n</div>"
    );
    Ok(out)
}

/// A topic's answers for the answers page: each question with its answer's letter and why.
pub fn answers_markdown(files: &[PathBuf]) -> Result<String> {
    let mut out = String::new();
    for (n, q) in numbered(files)? {
        let (_, at) = choices(&q);
        let _ = writeln!(
            out,
            "{n}. {}\n\n   **Answer: {}.** {}\n\n   {}\n",
            one_line(&q.prompt.prompt),
            letter(at),
            one_line(&q.answer.answer),
            one_line(&q.context)
        );
    }
    Ok(out)
}

fn numbered(files: &[PathBuf]) -> Result<Vec<(usize, Question)>> {
    let mut all = Vec::new();
    for file in files {
        all.extend(read(file)?);
    }
    Ok(all.into_iter().enumerate().map(|(i, q)| (i + 1, q)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUIZ: &str =
        "[[questions]]\ntype = \"MultipleChoice\"\nprompt.prompt = \"\"\"\nWhich **one**?\nMore.\n\"\"\"\n\
        prompt.distractors = [\n  \"\"\"No\"\"\",\n  'Single quotes are TOML too',\n]\n\
        answer.answer = \"\"\"The `tar`\"\"\"\ncontext = \"\"\"\nWhy.\n\"\"\"\nid = \"x\"\n";

    #[test]
    fn reads_any_toml_form_and_keeps_the_answer_s_letter_in_both_forms() {
        let qs = parse(QUIZ).unwrap();
        assert_eq!(qs.len(), 1);
        assert_eq!(one_line(&qs[0].prompt.prompt), "Which **one**? More.");
        let (all, at) = choices(&qs[0]);
        assert_eq!(all.len(), 3);
        assert_eq!(all[at], "The `tar`");
        let dir = std::env::temp_dir().join(format!("bookkit-quiz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("07-quiz.toml");
        std::fs::write(&file, QUIZ).unwrap();
        let printed = questions_markdown("../answers.md#answers-07", std::slice::from_ref(&file)).unwrap();
        let answers = answers_markdown(std::slice::from_ref(&file)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let letter = letter(at);
        assert!(printed.contains(&format!("   - **{letter}.** The `tar`")), "{printed}");
        assert!(!printed.contains("Answer:") && !printed.contains("Why."), "{printed}");
        assert!(
            answers.starts_with(&format!("1. Which **one**? More.\n\n   **Answer: {letter}.** The `tar`\n\n   Why."))
        );
    }

    #[test]
    fn the_order_does_not_always_put_the_answer_first() {
        let firsts = (0..40)
            .filter(|n| {
                let q = parse(&QUIZ.replace("Which **one**?", &format!("Question {n}?"))).unwrap().remove(0);
                choices(&q).1 == 0
            })
            .count();
        assert!((3..=25).contains(&firsts), "the answer came first in {firsts} of 40");
    }

    #[test]
    fn refuses_what_it_cannot_print() {
        let short = |e: anyhow::Error| format!("{e:#}");
        let other = QUIZ.replace("MultipleChoice", "ShortAnswer");
        assert!(short(parse(&other).unwrap_err()).contains("question 1 is a \"ShortAnswer\""));
        let no_context = QUIZ.replace("\nWhy.\n", "  ");
        assert!(short(parse(&no_context).unwrap_err()).contains("none of them empty"));
        assert!(parse("[[questions]]\ntype = \"MultipleChoice\"\n").is_err());
        assert!(parse("not toml = [").is_err());
    }

    #[test]
    fn the_workbook_s_quizzes_read() {
        let src = crate::util::root().join("src");
        let mut n = 0;
        for topic in std::fs::read_dir(&src).unwrap().flatten() {
            for file in std::fs::read_dir(topic.path()).into_iter().flatten().flatten() {
                if file.path().extension().is_some_and(|e| e == "toml") {
                    n += read(&file.path()).unwrap().len();
                }
            }
        }
        assert!(n >= 30, "only {n} questions in src/*/*.toml");
    }
}

//! Same JSON, other bytes: the reformatting buttons that show a digest follows the bytes.

use crate::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Two-space indentation, keys in their original order.
    Pretty,
    /// No whitespace at all.
    Compact,
    /// Keys sorted at every level, two-space indentation (what `jq -S .` prints).
    Sorted,
}

impl Style {
    pub fn parse(s: &str) -> Option<Style> {
        match s {
            "pretty" => Some(Style::Pretty),
            "compact" => Some(Style::Compact),
            "sorted" => Some(Style::Sorted),
            _ => None,
        }
    }
}

/// The same JSON value written another way; `None` if `text` is not valid JSON. Numbers and
/// strings keep their exact spelling: only whitespace (and, sorted, member order) changes.
pub fn reformat(text: &str, style: Style) -> Option<String> {
    let value = json::parse(text).ok()?;
    Some(match style {
        Style::Pretty => value.write(2, false),
        Style::Compact => value.write(0, false),
        Style::Sorted => value.write(2, true),
    })
}

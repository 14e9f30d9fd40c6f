//! Text layout for the readable report: greedy word wrap to the report width
//! with hanging indents, and cutting a line or word to a width with an
//! ellipsis. Counts characters, not bytes; ASCII text is split and measured on
//! its bytes.

use super::text::WIDTH;
use std::borrow::Cow;
use std::io::{self, Write};

/// Writes `text` wrapped to [`WIDTH`]: the first line after `first`, the rest
/// after `rest`. A word longer than a line is cut.
pub(super) fn write_wrapped(
    w: &mut impl Write,
    text: &str,
    first: &str,
    rest: &str,
) -> io::Result<()> {
    let mut prefix = first;
    let width = WIDTH.saturating_sub(rest.chars().count()).max(20);
    wrap_each(text, width, |line| {
        w.write_all(prefix.as_bytes())?;
        w.write_all(line.as_bytes())?;
        prefix = rest;
        w.write_all(b"\n")
    })
}

pub(super) fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    Cow::Owned(out)
}

/// Greedy wrap of the words of `text` into lines of at most `width`
/// characters (a longer word is cut), each handed to `emit` in turn.
fn wrap_each(
    text: &str,
    width: usize,
    mut emit: impl FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    let mut cur = String::with_capacity(text.len().min(width + 16));
    let mut cur_chars = 0;
    let ascii = text.is_ascii();
    each_word(text, |word| {
        let count = if ascii {
            word.len()
        } else {
            word.chars().count()
        };
        let word = match count > width {
            true => truncate(word, width),
            false => Cow::Borrowed(word),
        };
        // A cut word is `width` characters long.
        let chars = count.min(width);
        if !cur.is_empty() && cur_chars + 1 + chars > width {
            emit(&cur)?;
            cur.clear();
            cur_chars = 0;
        }
        if !cur.is_empty() {
            cur.push(' ');
            cur_chars += 1;
        }
        cur.push_str(&word);
        cur_chars += chars;
        Ok(())
    })?;
    if !cur.is_empty() {
        emit(&cur)?;
    }
    Ok(())
}

/// Hands `visit` the words of `text` as `split_whitespace` splits them; ASCII
/// text (nearly all of a report) is split on its bytes.
fn each_word(text: &str, mut visit: impl FnMut(&str) -> io::Result<()>) -> io::Result<()> {
    if !text.is_ascii() {
        return text.split_whitespace().try_for_each(visit);
    }
    let mut start = 0;
    // The ASCII characters `char::is_whitespace` accepts: U+0009 to U+000D and space.
    for piece in text.as_bytes().split(|b| matches!(b, b'\t'..=b'\r' | b' ')) {
        let end = start + piece.len();
        if let Some(word) = text.get(start..end).filter(|w| !w.is_empty()) {
            visit(word)?;
        }
        start = end + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrap(text: &str, width: usize) -> Vec<String> {
        let mut lines = Vec::new();
        wrap_each(text, width, |l| {
            lines.push(l.to_string());
            Ok(())
        })
        .expect("collecting lines cannot fail");
        lines
    }

    #[test]
    fn words_are_split_as_split_whitespace_splits_them() {
        for text in [
            "",
            "   ",
            "one",
            " lead and  trail ",
            "tab\tnew\nline\rcr\x0bvt\x0cff end",
            "caf\u{e9} na\u{ef}ve\u{a0}nbsp\u{2003}em \u{85}nel",
        ] {
            let mut got = Vec::new();
            each_word(text, |w| {
                got.push(w.to_string());
                Ok(())
            })
            .expect("collecting words cannot fail");
            let want: Vec<String> = text.split_whitespace().map(str::to_string).collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn wrap_keeps_width_and_words() {
        let text = "alpha beta gamma delta epsilon zeta eta theta";
        let lines = wrap(text, 12);
        assert!(lines.iter().all(|l| l.chars().count() <= 12), "{lines:?}");
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn wrap_cuts_overlong_words() {
        let long = "x".repeat(300);
        let lines = wrap(&long, 40);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].chars().count(), 40);
        let accented = format!("ab {} cd", "\u{e9}".repeat(50));
        let lines = wrap(&accented, 20);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[1], format!("{}\u{2026}", "\u{e9}".repeat(19)));
        assert_eq!(wrap(&"y".repeat(20), 20), vec!["y".repeat(20)]);
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
    }
}

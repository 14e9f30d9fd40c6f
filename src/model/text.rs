//! Network text made printable: the one sanitizer every output (dashboard,
//! text, JSON, NDJSON, logs) runs capture strings through.

/// Makes network text safe for a terminal or a log: every control character
/// (C0, DEL, C1), bidi override or isolate, invisible format character (zero
/// width, tag characters U+E0000–U+E007F, interlinear annotation marks) and
/// the line and paragraph separators are replaced, so a header value can never
/// move the cursor, set a window title, break a line or reorder what the reader
/// sees. Invalid UTF-8 becomes U+FFFD. Tabs become a space. The result is
/// printable on one line.
pub fn sanitize(bytes: &[u8]) -> String {
    sanitize_str(&lossy(bytes))
}

/// `bytes` as text, invalid UTF-8 replaced by U+FFFD: the same result as
/// `String::from_utf8_lossy`, checked first by the standard library's
/// validator, which passes runs of ASCII a word at a time.
pub fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// True when [`sanitize_str`] would return `text` unchanged.
pub fn is_clean(text: &str) -> bool {
    // Printable ASCII is safe; only other text needs its characters decoded.
    text.bytes().all(|b| (0x20..0x7f).contains(&b)) || text.chars().all(is_safe)
}

/// [`sanitize`] for text that is already a `str`.
pub fn sanitize_str(text: &str) -> String {
    if is_clean(text) {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if is_safe(c) => c,
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
            _ => '\u{FFFD}',
        })
        .collect()
}

/// Appends `v` in decimal, right-aligned in `width` characters with `fill`
/// before it (what `{v:>width$}` or, with `'0'`, `{v:0width$}` write).
pub fn push_decimal(out: &mut String, v: u64, width: usize, fill: char) {
    let digits = v.checked_ilog10().map_or(1, |d| d as usize + 1);
    out.extend(std::iter::repeat_n(fill, width.saturating_sub(digits)));
    let mut div = 10u64.pow(digits.saturating_sub(1) as u32);
    let mut rest = v;
    while div > 0 {
        out.push(char::from(b'0' + (rest / div) as u8));
        rest %= div;
        div /= 10;
    }
}

fn is_safe(c: char) -> bool {
    let u = c as u32;
    !(u < 0x20
        || u == 0x7f
        || (0x80..0xa0).contains(&u)
        || (0x200b..=0x200f).contains(&u)
        || (0x202a..=0x202e).contains(&u)
        || (0x2060..=0x206f).contains(&u)
        || (0xfff9..=0xfffb).contains(&u)
        || (0xe0000..=0xe007f).contains(&u)
        || matches!(u, 0xfeff | 0x061c | 0x180e | 0x2028 | 0x2029))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_inert() {
        let s = sanitize(b"a\x1b]0;pwned\x07b\x1b[2Jc\xc2\x9bd\xe2\x80\xaee");
        assert!(!s.contains('\x1b'));
        assert!(!s.contains('\x07'));
        assert!(!s.contains('\u{9b}'));
        assert!(!s.contains('\u{202e}'));
        assert!(s.contains("pwned"));
    }

    #[test]
    fn invisible_format_characters_and_separators_are_replaced() {
        for c in [
            '\u{2028}',
            '\u{2029}',
            '\u{206a}',
            '\u{206f}',
            '\u{e0041}',
            '\u{fff9}',
            '\u{180e}',
        ] {
            let s = sanitize_str(&format!("a{c}b"));
            assert_eq!(s, "a\u{FFFD}b", "{c:?}");
        }
    }

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(sanitize(b"Basic realm=\"ops\""), "Basic realm=\"ops\"");
    }

    #[test]
    fn decimals_are_written_as_format_writes_them() {
        for v in [0, 7, 10, 99, 100, 4321, 99_999, 100_000, u64::MAX] {
            for width in [0, 1, 2, 3, 5, 6, 25] {
                let mut out = String::from("x");
                push_decimal(&mut out, v, width, ' ');
                assert_eq!(out, format!("x{v:>width$}"));
                let mut out = String::new();
                push_decimal(&mut out, v, width, '0');
                assert_eq!(out, format!("{v:0width$}"));
            }
        }
    }

    #[test]
    fn lossy_matches_the_standard_conversion() {
        let cases: [&[u8]; 6] = [
            b"",
            b"plain ascii",
            b"caf\xc3\xa9",
            b"bad \xff byte",
            b"cut \xe2\x80",
            b"\xc0\x80 overlong",
        ];
        for bytes in cases {
            assert_eq!(lossy(bytes), String::from_utf8_lossy(bytes), "{bytes:?}");
        }
    }

    #[test]
    fn clean_text_is_told_from_unsafe_text() {
        assert!(is_clean("GET /a?b=c HTTP/1.1 ~"));
        assert!(is_clean("café ünïcode"));
        for bad in ["tab\there", "del\u{7f}", "c1\u{9b}", "bidi\u{202e}", "nl\n"] {
            assert!(!is_clean(bad), "{bad:?}");
        }
    }
}

//! Small wording helpers shared by the detectors' titles and explanations.
//!
//! Owns nothing. Receives raw network text and numbers; emits display-safe,
//! length-limited phrases. Must not decide anything about the traffic.

use crate::model::{human_duration, sanitize_str, Finding, Timestamp};
use std::net::IpAddr;

/// Display-safe text of at most `max` characters (an ellipsis marks the cut).
pub(crate) fn clip(s: &str, max: usize) -> String {
    let clean = sanitize_str(s);
    if clean.chars().count() <= max {
        return clean;
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('\u{2026}');
    out
}

/// [`clip`], borrowing `s` when it is already display-safe and short enough.
pub(crate) fn clip_cow(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max && crate::model::is_clean(s) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(clip(s, max))
    }
}

/// Makes `dst` equal to `src`, reusing its buffer (no allocation when equal).
pub(crate) fn set_str(dst: &mut String, src: &str) {
    if dst != src {
        dst.clear();
        dst.push_str(src);
    }
}

/// [`set_str`] for optional text.
pub(crate) fn set_opt(dst: &mut Option<String>, src: Option<&str>) {
    match (dst.as_mut(), src) {
        (Some(d), Some(s)) => set_str(d, s),
        (None, None) => {}
        (_, s) => *dst = s.map(str::to_string),
    }
}

/// `alice@10.0.0.7`, or just the address when no user is known. A HAR does
/// not record the browser's address (it is unspecified there): `alice`, or
/// `the browser`.
pub(crate) fn who(user: Option<&str>, client: IpAddr) -> String {
    match user {
        Some(u) if !u.is_empty() && client.is_unspecified() => clip(u, 40),
        Some(u) if !u.is_empty() => format!("{}@{}", clip(u, 40), client),
        _ => client_label(client),
    }
}

/// The client's address, or `the browser` when it is unknown (HAR input).
pub(crate) fn client_label(client: IpAddr) -> String {
    if client.is_unspecified() {
        "the browser".to_string()
    } else {
        client.to_string()
    }
}

/// `1 request`, `3 requests`.
pub(crate) fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Human duration between two capture times, never empty (`0ms`).
pub(crate) fn span(from: Timestamp, to: Timestamp) -> String {
    human_duration(to.micros_since(from))
}

/// ` in 14s` when the finding spans time, empty for a single instant.
pub(crate) fn over(f: &Finding) -> String {
    if f.count > 1 && f.last_ts > f.first_ts {
        format!(" in {}", span(f.first_ts, f.last_ts))
    } else {
        String::new()
    }
}

/// A duration in seconds as words (`3m12s`).
pub(crate) fn secs(s: i64) -> String {
    human_duration(s.saturating_mul(1_000_000))
}

/// A list of names as `Basic, NTLM` (sanitized, bounded), or `none`.
pub(crate) fn list<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    let parts: Vec<String> = items.iter().take(6).map(|s| clip(s.as_ref(), 40)).collect();
    parts.join(", ")
}

/// Owned fix lines.
pub(crate) fn fixes(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod who_tests {
    use super::*;

    #[test]
    fn unknown_har_client_is_named_by_user_or_as_the_browser() {
        let har = IpAddr::from([0, 0, 0, 0]);
        let wire = IpAddr::from([10, 0, 0, 7]);
        assert_eq!(who(Some("alice"), har), "alice");
        assert_eq!(who(None, har), "the browser");
        assert_eq!(who(Some("alice"), wire), "alice@10.0.0.7");
        assert_eq!(who(None, wire), "10.0.0.7");
    }
}

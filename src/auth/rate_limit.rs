//! Rate-limit signals of one response: `Retry-After` (RFC 9110 §10.2.3, delay
//! seconds or an HTTP date, resolved to an absolute capture time), the IETF
//! `RateLimit` / `RateLimit-Policy` structured fields
//! (draft-ietf-httpapi-ratelimit-headers: the newer `"name";r=..;t=..` items
//! and the older `limit=.., remaining=.., reset=..` dictionary), and the
//! `RateLimit-*`, `X-RateLimit-*`, `X-Rate-Limit-*` header families.
//! Receives the response headers and capture time; emits a [`RateLimitView`]
//! or `None` when no header carried a signal. Must not read a clock.

use super::anomaly::{note, AuthAnomaly};
use crate::model::{Headers, RateLimitView, Timestamp};

/// `X-RateLimit-Reset` above this is an epoch time (GitHub style), not a delta.
const EPOCH_THRESHOLD: u64 = 1_000_000_000;
/// Largest delta we resolve (ten years); larger values are clamped.
const MAX_DELTA_SECS: u64 = 315_360_000;

/// Which count a family header carries.
#[derive(Clone, Copy)]
enum Slot {
    Limit,
    Remaining,
    Reset,
    Policy,
}

/// Header-name suffix after a family prefix, to its slot.
fn slot(name: &str) -> Option<Slot> {
    let name = name.as_bytes();
    let suffix = ["ratelimit-", "x-ratelimit-", "x-rate-limit-"]
        .iter()
        .find_map(|p| {
            let (head, rest) = name.split_at_checked(p.len())?;
            head.eq_ignore_ascii_case(p.as_bytes()).then_some(rest)
        })?;
    [
        ("limit", Slot::Limit),
        ("remaining", Slot::Remaining),
        ("reset", Slot::Reset),
        ("policy", Slot::Policy),
    ]
    .into_iter()
    .find(|(s, _)| suffix.eq_ignore_ascii_case(s.as_bytes()))
    .map(|(_, slot)| slot)
}

/// Collects every rate-limit signal in `headers`.
pub fn parse_rate_limit(
    headers: &Headers,
    now: Timestamp,
    notes: &mut Vec<AuthAnomaly>,
) -> Option<RateLimitView> {
    let mut v = RateLimitView::default();
    for (name, raw) in headers.fields() {
        // Every name read here starts with `r` or `x`; most fields do not.
        if !matches!(name.first().map(u8::to_ascii_lowercase), Some(b'r' | b'x')) {
            continue;
        }
        // Names were stored from `&str` (see `Headers::iter`).
        let name = std::str::from_utf8(name).unwrap_or_default();
        let text = || crate::model::lossy(raw).trim().to_string();
        if name.eq_ignore_ascii_case("retry-after") {
            let text = text();
            v.retry_after = parse_retry_after(&text, now);
            v.retry_after_raw = Some(text);
            if v.retry_after.is_none() {
                note(notes, AuthAnomaly::RetryAfterBad);
            }
        } else if name.eq_ignore_ascii_case("ratelimit") {
            structured(&mut v, &text(), notes);
        } else if let Some(s) = slot(name) {
            family(&mut v, s, &text(), now, notes);
        } else {
            continue;
        }
        if v.sources.len() < 16 {
            v.sources.push(name.to_string());
        }
    }
    (!v.sources.is_empty()).then_some(v)
}

/// Delay-seconds or HTTP-date, as an absolute time.
pub fn parse_retry_after(text: &str, now: Timestamp) -> Option<Timestamp> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let secs = text.parse::<u64>().unwrap_or(u64::MAX).min(MAX_DELTA_SECS);
        return Some(now.add_micros(i64::try_from(secs).ok()?.saturating_mul(1_000_000)));
    }
    let t = httpdate::parse_http_date(text).ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(Timestamp::from_secs(i64::try_from(secs).ok()?))
}

/// Leading integer of a value like `100`, `100, 100;w=60`, `100;w=60`.
fn leading_number(text: &str) -> Option<u64> {
    let n = text.bytes().take_while(u8::is_ascii_digit).count();
    text.get(..n)?.parse().ok()
}

fn family(
    v: &mut RateLimitView,
    s: Slot,
    text: &str,
    now: Timestamp,
    notes: &mut Vec<AuthAnomaly>,
) {
    if let Slot::Policy = s {
        v.policy = Some(text.to_string());
        if v.limit.is_none() {
            v.limit = leading_number(text).or_else(|| sf_param(text, "q"));
        }
        return;
    }
    let Some(n) = leading_number(text) else {
        note(notes, AuthAnomaly::RateLimitBadNumber);
        return;
    };
    match s {
        Slot::Limit => v.limit = Some(n),
        Slot::Remaining => v.remaining = Some(n),
        Slot::Reset if n > EPOCH_THRESHOLD => {
            let now_secs = u64::try_from(now.as_secs()).unwrap_or(0);
            v.reset_secs = Some(n.saturating_sub(now_secs));
        }
        Slot::Reset => v.reset_secs = Some(n),
        Slot::Policy => {}
    }
}

/// Splits on `sep` outside double quotes.
fn split_outside_quotes(text: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(text.get(start..i).unwrap_or(""));
            start = i + c.len_utf8();
        }
        if out.len() >= 32 {
            return out;
        }
    }
    out.push(text.get(start..).unwrap_or(""));
    out
}

/// The integer value of parameter `key` of the first item (`"p";q=100;w=60`).
fn sf_param(text: &str, key: &str) -> Option<u64> {
    let first = split_outside_quotes(text, ',').into_iter().next()?;
    split_outside_quotes(first, ';')
        .into_iter()
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// `RateLimit`: the new list of items with `r` (remaining) and `t` (reset)
/// parameters, or the old dictionary with `limit`, `remaining`, `reset`.
fn structured(v: &mut RateLimitView, text: &str, notes: &mut Vec<AuthAnomaly>) {
    let mut any = false;
    for member in split_outside_quotes(text, ',') {
        for (i, part) in split_outside_quotes(member, ';').into_iter().enumerate() {
            let Some((k, val)) = part.split_once('=') else {
                continue;
            };
            let num = val.trim().parse::<u64>().ok();
            let slot = match (i, k.trim()) {
                (_, "r") | (0, "remaining") => &mut v.remaining,
                (_, "t") | (0, "reset") => &mut v.reset_secs,
                (_, "q") | (0, "limit") => &mut v.limit,
                _ => continue,
            };
            if num.is_some() {
                *slot = num;
                any = true;
            }
        }
    }
    if !any {
        note(notes, AuthAnomaly::RateLimitBadField);
    }
}

#[cfg(test)]
mod slot_tests {
    use super::*;

    #[test]
    fn slot_ignores_case_of_prefix_and_suffix() {
        assert!(matches!(
            slot("X-RateLimit-Remaining"),
            Some(Slot::Remaining)
        ));
        assert!(matches!(slot("RATELIMIT-LIMIT"), Some(Slot::Limit)));
        assert!(matches!(slot("x-rate-limit-Reset"), Some(Slot::Reset)));
        assert!(matches!(slot("RateLimit-Policy"), Some(Slot::Policy)));
        assert!(slot("x-ratelimit-used").is_none());
        assert!(slot("x-ratelimit").is_none());
        assert!(slot("Retry-After").is_none());
        assert!(slot("x-ratelimit-limİt").is_none());
    }
}

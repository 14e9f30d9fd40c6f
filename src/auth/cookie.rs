//! Cookies: request `Cookie` pairs (RFC 6265bis §4.2.1) and response
//! `Set-Cookie` values with every attribute of RFC 6265bis §5.7 (Expires,
//! Max-Age, Domain, Path, Secure, HttpOnly, SameSite, Partitioned from
//! CHIPS). Receives one raw field value and the response capture time;
//! emits [`CookiePair`]s / [`SetCookie`]s with every value a [`Secret`].
//! Expires is read as an HTTP date first, then with the lenient cookie-date
//! algorithm of RFC 6265 §5.1.1 that browsers use. Must not split a
//! `Set-Cookie` on commas (Expires contains one) or keep unbounded pairs.

use super::anomaly::{note, AuthAnomaly};
use super::util::{clip, MAX_VALUE};
use crate::model::{CookiePair, FingerprintKey, Secret, SetCookie, Timestamp};

/// Most pairs kept from one `Cookie` field.
pub const MAX_COOKIES: usize = 256;

/// Splits a `Cookie` field into name/value pairs.
pub fn parse_cookie_header(
    value: &[u8],
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> Vec<CookiePair> {
    let text = crate::model::lossy(value);
    let text = clip(&text, MAX_VALUE);
    let mut out = Vec::new();
    for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if out.len() >= MAX_COOKIES {
            note(notes, AuthAnomaly::CookieTooMany);
            break;
        }
        let (name, val) = match pair.split_once('=') {
            Some((n, v)) => (n.trim(), v.trim()),
            None => {
                note(notes, AuthAnomaly::CookieNoEquals);
                ("", pair)
            }
        };
        out.push(CookiePair {
            name: name.to_string(),
            value: Secret::new(val, key),
        });
    }
    out
}

/// Parses one `Set-Cookie` value; `now` is the response's capture time.
pub fn parse_set_cookie(
    value: &[u8],
    now: Timestamp,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> SetCookie {
    let text = crate::model::lossy(value);
    let text = clip(&text, MAX_VALUE);
    let mut parts = text.split(';');
    let first = parts.next().unwrap_or("");
    let (name, val) = match first.split_once('=') {
        Some((n, v)) => (n.trim(), v.trim()),
        None => ("", first.trim()),
    };
    if name.is_empty() {
        note(notes, AuthAnomaly::SetCookieNoName);
    }
    let mut c = SetCookie {
        name: name.to_string(),
        value: Secret::new(val, key),
        expires: None,
        max_age: None,
        domain: None,
        path: None,
        secure: false,
        http_only: false,
        same_site: None,
        partitioned: false,
        size: name.len() + val.len(),
        expired: false,
    };
    for attr in parts.take(64) {
        attribute(&mut c, attr, notes);
    }
    c.expired = match (c.max_age, c.expires) {
        (Some(age), _) => age <= 0,
        (None, Some(exp)) => exp <= now,
        (None, None) => false,
    };
    c
}

/// One `;`-separated attribute (RFC 6265bis §5.7 steps; last one wins).
fn attribute(c: &mut SetCookie, attr: &str, notes: &mut Vec<AuthAnomaly>) {
    let (k, v) = match attr.split_once('=') {
        Some((k, v)) => (k.trim(), v.trim()),
        None => (attr.trim(), ""),
    };
    match k.to_ascii_lowercase().as_str() {
        "expires" => {
            c.expires = parse_cookie_date(v);
            if c.expires.is_none() {
                note(notes, AuthAnomaly::SetCookieBadExpires);
            }
        }
        "max-age" => {
            c.max_age = parse_max_age(v);
            if c.max_age.is_none() {
                note(notes, AuthAnomaly::SetCookieBadMaxAge);
            }
        }
        "domain" => c.domain = Some(v.to_string()),
        "path" => c.path = Some(v.to_string()),
        "secure" => c.secure = true,
        "httponly" => c.http_only = true,
        "samesite" => c.same_site = Some(v.to_string()),
        "partitioned" => c.partitioned = true,
        _ => {}
    }
}

/// §5.7.2: an optional `-` then digits; huge values saturate.
fn parse_max_age(v: &str) -> Option<i64> {
    let (neg, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = digits.bytes().fold(0i64, |acc, b| {
        acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
    });
    Some(if neg { -n } else { n })
}

/// An HTTP date (RFC 9110 §5.6.7), else the RFC 6265 §5.1.1 cookie-date algorithm.
pub fn parse_cookie_date(v: &str) -> Option<Timestamp> {
    if let Ok(t) = httpdate::parse_http_date(v) {
        if let Ok(d) = t.duration_since(std::time::UNIX_EPOCH) {
            return i64::try_from(d.as_secs()).ok().map(Timestamp::from_secs);
        }
    }
    lenient_cookie_date(v)
}

#[derive(Default)]
struct DateParts {
    time: Option<(u8, u8, u8)>,
    day: Option<u8>,
    month: Option<u8>,
    year: Option<i32>,
}

/// RFC 6265 §5.1.1: tokens between delimiters, each matched in turn against
/// time, day-of-month, month and year.
fn lenient_cookie_date(v: &str) -> Option<Timestamp> {
    let is_delim = |c: char| {
        let b = c as u32;
        b == 0x09
            || (0x20..=0x2f).contains(&b)
            || (0x3b..=0x40).contains(&b)
            || (0x5b..=0x60).contains(&b)
            || (0x7b..=0x7e).contains(&b)
    };
    let mut p = DateParts::default();
    for tok in v.split(is_delim).filter(|t| !t.is_empty()).take(32) {
        date_token(&mut p, tok);
    }
    let mut year = p.year?;
    if (70..=99).contains(&year) {
        year += 1900;
    } else if (0..=69).contains(&year) {
        year += 2000;
    }
    let (h, m, s) = p.time?;
    if year < 1601 || h > 23 || m > 59 || s > 59 {
        return None;
    }
    let month = time::Month::try_from(p.month?).ok()?;
    let date = time::Date::from_calendar_date(year, month, p.day?).ok()?;
    let t = time::Time::from_hms(h, m, s).ok()?;
    Some(Timestamp::from_secs(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp(),
    ))
}

fn leading_digits(t: &str, min: usize, max: usize) -> Option<u32> {
    let n = t.bytes().take_while(u8::is_ascii_digit).count();
    if n < min || n > max {
        return None;
    }
    t.get(..n)?.parse().ok()
}

fn date_token(p: &mut DateParts, tok: &str) {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if p.time.is_none() {
        let f: Vec<&str> = tok.splitn(3, ':').collect();
        if f.len() == 3 {
            let num = |i: usize| f.get(i).and_then(|x| leading_digits(x, 1, 2));
            if let (Some(h), Some(m), Some(s)) = (num(0), num(1), num(2)) {
                p.time = Some((h as u8, m as u8, s as u8));
                return;
            }
        }
    }
    if p.day.is_none() {
        if let Some(d) = leading_digits(tok, 1, 2) {
            p.day = u8::try_from(d).ok().filter(|d| (1..=31).contains(d));
            return;
        }
    }
    if p.month.is_none() {
        let lower = tok.get(..3).map(str::to_ascii_lowercase);
        if let Some(i) = lower.and_then(|l| MONTHS.iter().position(|m| *m == l)) {
            p.month = u8::try_from(i + 1).ok();
            return;
        }
    }
    if p.year.is_none() {
        if let Some(y) = leading_digits(tok, 2, 4) {
            p.year = i32::try_from(y).ok();
        }
    }
}

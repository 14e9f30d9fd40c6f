//! Server hints beyond the auth headers: the IIS sub-status of a detailed
//! error page ("HTTP Error 401.1 - Unauthorized", "<h2>403.6 - Forbidden")
//! or a sub-status header, the product named by `Server` (or a cloud front
//! door's own headers), the server `Date` versus the capture time, and error
//! pages that say the client address is denied or a header/cookie is too
//! large. Receives the response (headers and the kept error-body prefix,
//! which the http stage content-decodes; a still-gzipped prefix is inflated
//! here, bounded); emits [`ServerHints`]. Must not read a clock.

use super::anomaly::{note, AuthAnomaly};
use crate::model::{HttpResponse, ServerHints};
use memchr::memmem::Finder;
use std::io::Read as _;
use std::sync::LazyLock;

/// Most body bytes inspected (after inflating).
const MAX_BODY: usize = 16 * 1024;

/// `Server` substrings (lower-case) and the product they name, first match wins.
const PRODUCTS: [(&str, &str); 26] = [
    ("microsoft-iis", "IIS"),
    ("microsoft-httpapi", "HTTP.sys"),
    ("openresty", "OpenResty"),
    ("nginx", "nginx"),
    ("apache-coyote", "Tomcat"),
    ("apache", "Apache"),
    ("cloudflare", "Cloudflare"),
    ("cloudfront", "Amazon CloudFront"),
    ("awselb", "AWS ELB"),
    ("amazons3", "Amazon S3"),
    ("akamaighost", "Akamai"),
    ("ecacc", "Edgio"),
    ("gws", "Google Web Server"),
    ("google frontend", "Google Front End"),
    ("gfe", "Google Front End"),
    ("istio-envoy", "Envoy"),
    ("envoy", "Envoy"),
    ("kestrel", "Kestrel"),
    ("jetty", "Jetty"),
    ("caddy", "Caddy"),
    ("litespeed", "LiteSpeed"),
    ("varnish", "Varnish"),
    ("lighttpd", "lighttpd"),
    ("gunicorn", "gunicorn"),
    ("werkzeug", "Werkzeug"),
    ("simplehttp", "Python http.server"),
];

/// Headers that name a front door when `Server` does not.
const FRONT_DOORS: [(&str, &str); 4] = [
    ("x-azure-ref", "Azure Front Door"),
    ("cf-ray", "Cloudflare"),
    ("x-amz-cf-id", "Amazon CloudFront"),
    ("x-akamai-transformed", "Akamai"),
];

/// Error-page phrases (lower-case) that say the client address is denied.
const IP_DENIED: [&str; 5] = [
    "ip address of the client has been rejected",
    "client denied by server configuration",
    "ip address rejected",
    "your ip address has been blocked",
    "access denied for your ip",
];

/// Error-page phrases (lower-case) that say a header or cookie is too large.
const TOO_LARGE: [&str; 5] = [
    "request header or cookie too large",
    "size of a request header field exceeds",
    "request headers is too long",
    "request header fields too large",
    "header too long",
];

/// Reads the hints of one response.
pub fn parse_server_hints(resp: &HttpResponse, notes: &mut Vec<AuthAnomaly>) -> ServerHints {
    read_hints(resp, notes, &mut HintMemo::default())
}

/// The last `Server` and `Date` values read and what they gave. Responses
/// repeat both (one server, one date per second), so most are decoded once.
/// A pure cache: the hints are the same with or without it.
#[derive(Clone, Debug, Default)]
pub(crate) struct HintMemo {
    server: Option<(Box<str>, Option<String>)>,
    date: Option<(Box<str>, DateRead)>,
}

/// What a `Date` value gave.
#[derive(Clone, Copy, Debug)]
enum DateRead {
    /// Seconds since the epoch.
    Secs(i64),
    /// A valid date before the epoch or beyond `i64` seconds: no hint.
    Unusable,
    /// Not an HTTP date.
    Bad,
}

impl HintMemo {
    fn server(&mut self, text: &str) -> Option<String> {
        match &self.server {
            Some((seen, product)) if **seen == *text => product.clone(),
            _ => {
                let product = product_named(text);
                self.server = Some((text.into(), product.clone()));
                product
            }
        }
    }

    fn date(&mut self, text: &str) -> DateRead {
        match &self.date {
            Some((seen, read)) if **seen == *text => *read,
            _ => {
                let read = read_date(text);
                self.date = Some((text.into(), read));
                read
            }
        }
    }
}

fn read_date(text: &str) -> DateRead {
    match httpdate::parse_http_date(text) {
        Ok(t) => t
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok())
            .map_or(DateRead::Unusable, DateRead::Secs),
        Err(_) => DateRead::Bad,
    }
}

/// [`parse_server_hints`] with `Server` and `Date` decoded through `memo`.
pub(crate) fn read_hints(
    resp: &HttpResponse,
    notes: &mut Vec<AuthAnomaly>,
    memo: &mut HintMemo,
) -> ServerHints {
    // Sub-status and front-door headers all start with `x-` or `cf-`.
    let vendor = resp.headers.fields().any(|(n, _)| {
        let starts = |p: &[u8]| n.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
        starts(b"x-") || starts(b"cf-")
    });
    let named = resp.headers.get_str("server").and_then(|s| memo.server(&s));
    let mut h = ServerHints {
        server_product: named.or_else(|| front_door(resp, vendor)),
        ..ServerHints::default()
    };
    if let Some(d) = resp.headers.get_str("date") {
        match memo.date(&d) {
            DateRead::Secs(secs) => {
                let ts = crate::model::Timestamp::from_secs(secs);
                h.server_date = Some(ts);
                h.date_skew_secs = Some(ts.micros_since(resp.ts) / 1_000_000);
            }
            DateRead::Unusable => {}
            DateRead::Bad => note(notes, AuthAnomaly::DateBad),
        }
    }
    if vendor {
        h.iis_substatus = header_substatus(resp);
    }
    if !resp.body_prefix.is_empty() {
        let body = body_text(&resp.body_prefix);
        if h.iis_substatus.is_none() {
            h.iis_substatus = parse_iis_substatus(&body, resp.status);
        }
        h.ip_denied =
            matches!(h.iis_substatus, Some((403, 6 | 502 | 503))) || IP_DENIED_PAGE.in_page(&body);
        h.header_too_large = resp.status == 431 || TOO_LARGE_PAGE.in_page(&body);
    }
    h
}

/// Phrases searched for in error pages, behind gates: every phrase contains
/// one of the gates, so a page with none of them is passed over in a few SIMD
/// scans. The searchers are built once per process, not once per page.
struct Phrases {
    gates: Vec<Finder<'static>>,
    phrases: Vec<Finder<'static>>,
}

impl Phrases {
    fn new(gates: &[&'static str], phrases: &[&'static str]) -> Self {
        let finders = |words: &[&'static str]| words.iter().map(|w| Finder::new(*w)).collect();
        Phrases {
            gates: finders(gates),
            phrases: finders(phrases),
        }
    }

    /// True when `body` contains one of the phrases.
    fn in_page(&self, body: &str) -> bool {
        let found = |f: &Finder<'_>| f.find(body.as_bytes()).is_some();
        self.gates.iter().any(found) && self.phrases.iter().any(found)
    }
}

static IP_DENIED_PAGE: LazyLock<Phrases> =
    LazyLock::new(|| Phrases::new(&["ip address", "denied"], &IP_DENIED));
static TOO_LARGE_PAGE: LazyLock<Phrases> = LazyLock::new(|| Phrases::new(&["header"], &TOO_LARGE));

/// The product a `Server` value names: a known one, else its first word.
fn product_named(server: &str) -> Option<String> {
    let lower = server.to_ascii_lowercase();
    let named = |k: &str| memchr::memmem::find(lower.as_bytes(), k.as_bytes()).is_some();
    if let Some((_, p)) = PRODUCTS.iter().find(|(k, _)| named(k)) {
        return Some((*p).to_string());
    }
    let first = server.split(['/', ' ']).next().unwrap_or("");
    (!first.is_empty()).then(|| super::util::clip(first, 64).to_string())
}

/// The front door named by its own header; `vendor` false when the response
/// has no `x-` or `cf-` field (so none of them).
fn front_door(resp: &HttpResponse, vendor: bool) -> Option<String> {
    if !vendor {
        return None;
    }
    FRONT_DOORS
        .iter()
        .find(|(h, _)| resp.headers.contains(h))
        .map(|(_, p)| (*p).to_string())
}

/// `X-IIS-SubStatus` / `X-SubStatus` style headers (`401.2` or `2`).
fn header_substatus(resp: &HttpResponse) -> Option<(u16, u16)> {
    let v = ["x-iis-substatus", "x-substatus", "x-ms-substatus"]
        .iter()
        .find_map(|n| resp.headers.get_str(n))?;
    match v.split_once('.') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => Some((resp.status, v.trim().parse().ok()?)),
    }
}

/// Lower-case text of the kept body prefix, inflating a gzip prefix if needed.
fn body_text(prefix: &[u8]) -> String {
    let bytes: std::borrow::Cow<'_, [u8]> = if prefix.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let _ = flate2::read::GzDecoder::new(prefix)
            .take(MAX_BODY as u64)
            .read_to_end(&mut out);
        out.into()
    } else {
        prefix
            .get(..MAX_BODY.min(prefix.len()))
            .unwrap_or(prefix)
            .into()
    };
    // Lower-casing ASCII bytes commutes with replacing invalid UTF-8.
    let mut lower = bytes.into_owned();
    lower.make_ascii_lowercase();
    String::from_utf8(lower).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Finds `SSS.N` (status, dot, one to three digits) in an IIS error page; the
/// status must equal the response status, or be any 4xx/5xx when `status` is 0.
pub fn parse_iis_substatus(body: &str, status: u16) -> Option<(u16, u16)> {
    let b = body.as_bytes();
    let mut i = 0;
    while let Some(pos) = b.get(i..)?.iter().position(|&c| c == b'.') {
        let dot = i + pos;
        i = dot + 1;
        let code = dot.checked_sub(3).and_then(|s| b.get(s..dot));
        let before = dot.checked_sub(4).and_then(|s| b.get(s)).copied();
        let (Some(code), false) = (
            code,
            before.is_some_and(|c| c.is_ascii_digit() || c == b'.'),
        ) else {
            continue;
        };
        let Some(code) = std::str::from_utf8(code)
            .ok()
            .and_then(|c| c.parse::<u16>().ok())
        else {
            continue;
        };
        let sub_len = b
            .get(i..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let after = b.get(i + sub_len).copied();
        if sub_len == 0 || sub_len > 3 || after.is_some_and(|c| c.is_ascii_digit() || c == b'.') {
            continue;
        }
        let ok = if status == 0 {
            (400..600).contains(&code)
        } else {
            code == status
        };
        if ok {
            let sub = std::str::from_utf8(b.get(i..i + sub_len)?)
                .ok()?
                .parse()
                .ok()?;
            return Some((code, sub));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Headers, HttpVersion, Timestamp};

    fn response(fields: &[(&str, &str)]) -> HttpResponse {
        let mut headers = Headers::new();
        for (n, v) in fields {
            headers.push(n, v.as_bytes());
        }
        HttpResponse {
            ts: Timestamp::from_secs(1_709_251_200),
            ts_end: Timestamp::ZERO,
            version: HttpVersion::Http11,
            status: 401,
            reason: String::new(),
            headers,
            interim: Vec::new(),
            body_len: 0,
            body_prefix: Vec::new(),
        }
    }

    #[test]
    fn memo_gives_what_a_fresh_read_gives() {
        let date = "Fri, 01 Mar 2024 00:00:10 GMT";
        let cases = [
            response(&[("Server", "nginx/1.24.0"), ("Date", date)]),
            response(&[("Server", "nginx/1.24.0"), ("Date", date)]),
            response(&[("Server", "Microsoft-IIS/10.0"), ("Date", "yesterday")]),
            response(&[("Server", "Microsoft-IIS/10.0"), ("Date", "yesterday")]),
            response(&[("Server", " "), ("X-Azure-Ref", "0abc")]),
            response(&[("Date", "Thu, 01 Jan 1970 00:00:00 GMT"), ("CF-RAY", "1")]),
            response(&[("Server", "custom/2"), ("X-IIS-SubStatus", "401.2")]),
            response(&[("server", "NGINX"), ("x-substatus", "5")]),
            response(&[]),
        ];
        let mut memo = HintMemo::default();
        for resp in &cases {
            let (mut fresh_notes, mut memo_notes) = (Vec::new(), Vec::new());
            let fresh = parse_server_hints(resp, &mut fresh_notes);
            let memoised = read_hints(resp, &mut memo_notes, &mut memo);
            assert_eq!(fresh, memoised, "{:?}", resp.headers);
            assert_eq!(fresh_notes, memo_notes, "{:?}", resp.headers);
        }
        let mut notes = Vec::new();
        let first = read_hints(&cases[0], &mut notes, &mut HintMemo::default());
        assert_eq!(first.date_skew_secs, Some(10));
        assert_eq!(first.server_product.as_deref(), Some("nginx"));
        let door = parse_server_hints(&cases[4], &mut notes);
        assert_eq!(door.server_product.as_deref(), Some("Azure Front Door"));
        let sub = parse_server_hints(&cases[6], &mut notes);
        assert_eq!(sub.iis_substatus, Some((401, 2)));
        assert_eq!(sub.server_product.as_deref(), Some("custom"));
        let short = parse_server_hints(&cases[7], &mut notes);
        assert_eq!(short.iis_substatus, Some((401, 5)));
        let mut bad = Vec::new();
        parse_server_hints(&cases[3], &mut bad);
        assert_eq!(bad, vec![AuthAnomaly::DateBad]);
    }

    #[test]
    fn every_phrase_passes_its_gate() {
        let ip_gates = Phrases::new(&["ip address", "denied"], &[]);
        let size_gates = Phrases::new(&["header"], &[]);
        for p in IP_DENIED {
            assert!(
                ip_gates
                    .gates
                    .iter()
                    .any(|g| g.find(p.as_bytes()).is_some()),
                "{p}"
            );
            assert!(IP_DENIED_PAGE.in_page(p), "{p}");
        }
        for p in TOO_LARGE {
            assert!(
                size_gates
                    .gates
                    .iter()
                    .any(|g| g.find(p.as_bytes()).is_some()),
                "{p}"
            );
            assert!(TOO_LARGE_PAGE.in_page(p), "{p}");
        }
        assert!(!IP_DENIED_PAGE.in_page("an ip address"));
        assert!(!TOO_LARGE_PAGE.in_page("a header that fits"));
        assert!(IP_DENIED_PAGE.in_page("<p>your ip address has been blocked</p>"));
    }
}

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
use std::io::Read as _;

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
    let mut h = ServerHints {
        server_product: server_product(resp),
        ..ServerHints::default()
    };
    if let Some(d) = resp.headers.get_str("date") {
        match httpdate::parse_http_date(&d) {
            Ok(t) => {
                if let Some(secs) = t
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()
                    .and_then(|d| i64::try_from(d.as_secs()).ok())
                {
                    let ts = crate::model::Timestamp::from_secs(secs);
                    h.server_date = Some(ts);
                    h.date_skew_secs = Some(ts.micros_since(resp.ts) / 1_000_000);
                }
            }
            Err(_) => note(notes, AuthAnomaly::DateBad),
        }
    }
    h.iis_substatus = header_substatus(resp);
    if !resp.body_prefix.is_empty() {
        let body = body_text(&resp.body_prefix);
        if h.iis_substatus.is_none() {
            h.iis_substatus = parse_iis_substatus(&body, resp.status);
        }
        h.ip_denied = matches!(h.iis_substatus, Some((403, 6 | 502 | 503)))
            || says_any(&body, &["ip address", "denied"], &IP_DENIED);
        h.header_too_large = resp.status == 431 || says_any(&body, &["header"], &TOO_LARGE);
    }
    h
}

/// True when `body` contains one of `phrases`. Every phrase contains one of
/// `gates`, so a page with none of them is passed over in a few SIMD scans.
fn says_any(body: &str, gates: &[&str], phrases: &[&str]) -> bool {
    let found = |p: &str| memchr::memmem::find(body.as_bytes(), p.as_bytes()).is_some();
    gates.iter().any(|g| found(g)) && phrases.iter().any(|p| found(p))
}

/// The product behind `Server`, else a front door's own header.
pub fn server_product(resp: &HttpResponse) -> Option<String> {
    if let Some(s) = resp.headers.get_str("server") {
        let lower = s.to_ascii_lowercase();
        let named = |k: &str| memchr::memmem::find(lower.as_bytes(), k.as_bytes()).is_some();
        if let Some((_, p)) = PRODUCTS.iter().find(|(k, _)| named(k)) {
            return Some((*p).to_string());
        }
        let first = s.split(['/', ' ']).next().unwrap_or("");
        if !first.is_empty() {
            return Some(super::util::clip(first, 64).to_string());
        }
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

    #[test]
    fn every_phrase_passes_its_gate() {
        assert!(IP_DENIED
            .iter()
            .all(|p| says_any(p, &["ip address", "denied"], &[p])));
        assert!(TOO_LARGE.iter().all(|p| says_any(p, &["header"], &[p])));
        assert!(!says_any("an ip address", &["ip address"], &IP_DENIED));
        assert!(says_any(
            "<p>your ip address has been blocked</p>",
            &["ip address", "denied"],
            &IP_DENIED
        ));
    }
}

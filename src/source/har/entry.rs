//! One HAR entry (a `serde_json::Value`) to an [`HttpExchange`], leniently:
//! every producer quirk seen in real exports is accepted (`[name, value]` header
//! pairs, HTTP/2 pseudo-headers, `-1` timings, missing optional members, status
//! 0 for failed requests, request-only files), and a member of the wrong type
//! counts as absent.

use crate::model::{
    ConnId, ExchangeId, ExchangeOrigin, Headers, HttpExchange, HttpRequest, HttpResponse,
    HttpVersion, Timestamp,
};
use base64::Engine as _;
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Error-body bytes kept, as on the packet path.
pub const BODY_PREFIX_BYTES: usize = 4096;

/// Why an entry was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryError {
    /// Not an object, or no `request`.
    NoRequest,
}

/// Converts one entry. `index` is its position in `log.entries`; `fallback`
/// is the time used when the entry has none (request-only test fixtures), the
/// previous entry's time, so file order is kept.
pub fn to_exchange(
    entry: &Value,
    index: u64,
    fallback: Timestamp,
) -> Result<HttpExchange, EntryError> {
    let req = entry
        .get("request")
        .filter(|v| v.is_object())
        .ok_or(EntryError::NoRequest)?;
    let when = entry
        .get("startedDateTime")
        .and_then(Value::as_str)
        .and_then(parse_time);
    let ts = when.unwrap_or(fallback);
    let url = str_of(req, "url").unwrap_or_default();
    let parsed = split_url(&url);
    let timings = Timings::from(entry);
    let request = build_request(req, ts, &parsed, &timings);
    let response = entry
        .get("response")
        .filter(|r| r.is_object() && num_of(r, "status").is_some_and(|s| s > 0.0))
        .map(|r| build_response(r, ts, &timings, request.version));
    let server_ip = entry
        .get("serverIPAddress")
        .and_then(Value::as_str)
        .and_then(|s| s.trim_matches(['[', ']']).parse::<IpAddr>().ok())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let connection = entry.get("connection").and_then(connection_id);
    Ok(HttpExchange {
        id: ExchangeId(0),
        origin: ExchangeOrigin::Har {
            entry_index: index,
            connection,
        },
        client: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        server: SocketAddr::new(server_ip, parsed.port),
        scheme: parsed.scheme,
        seq_on_conn: 0,
        request: Some(request),
        response,
        anomalies: if when.is_none() {
            vec!["har_missing_time"]
        } else {
            Vec::new()
        },
    })
}

/// True for an entry the browser answered from its own cache: Chrome's
/// `_fromCache` (`"memory"` or `"disk"`). No request reached the server, so
/// it is no evidence of what the client sent (a reload during a 429 would
/// otherwise look like requests that ignored `Retry-After`).
pub fn from_browser_cache(entry: &Value) -> bool {
    entry
        .get("_fromCache")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

/// The URL split into what an HTTP/1 request line and Host header carry.
struct Url {
    scheme: &'static str,
    authority: String,
    port: u16,
    target: String,
}

fn split_url(url: &str) -> Url {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) if s.eq_ignore_ascii_case("https") => ("https", r),
        Some((s, r)) if s.eq_ignore_ascii_case("http") => ("http", r),
        Some((s, r)) if s.eq_ignore_ascii_case("wss") => ("https", r),
        Some((s, r)) if s.eq_ignore_ascii_case("ws") => ("http", r),
        Some((_, r)) => ("other", r),
        None => ("other", url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or("");
    let authority = authority
        .rsplit('@')
        .next()
        .unwrap_or(authority)
        .to_string();
    let mut target = rest.get(end..).unwrap_or("").to_string();
    if let Some(hash) = target.find('#') {
        target.truncate(hash);
    }
    if !target.starts_with('/') {
        target.insert(0, '/');
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    let port = authority
        .rsplit_once(':')
        .filter(|(h, _)| !h.ends_with(']') || authority.starts_with('['))
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(default_port);
    Url {
        scheme,
        authority,
        port,
        target,
    }
}

/// Entry timings in microseconds; `-1` (not applicable) counts as zero.
struct Timings {
    before_send: i64,
    until_response: i64,
    receive: i64,
}

impl Timings {
    fn from(entry: &Value) -> Self {
        let t = entry.get("timings");
        let ms = |k: &str| -> i64 {
            let v = t.and_then(|t| num_of(t, k)).unwrap_or(0.0);
            if v.is_finite() && v > 0.0 {
                (v * 1000.0).min(1e15) as i64
            } else {
                0
            }
        };
        let before_send = ms("blocked") + ms("dns") + ms("connect");
        Timings {
            before_send,
            until_response: before_send + ms("send") + ms("wait"),
            receive: ms("receive"),
        }
    }
}

fn build_request(req: &Value, ts: Timestamp, url: &Url, t: &Timings) -> HttpRequest {
    let (mut headers, pseudo) = headers_of(req);
    if !headers.contains("host") && !url.authority.is_empty() {
        headers.push("Host", url.authority.as_bytes());
    }
    if !headers.contains("cookie") {
        if let Some(line) = cookie_line(req) {
            headers.push("Cookie", line.as_bytes());
        }
    }
    let body_len = req
        .get("postData")
        .and_then(|p| p.get("text"))
        .and_then(Value::as_str)
        .map(|s| s.len() as u64)
        .or_else(|| {
            num_of(req, "bodySize")
                .filter(|n| *n > 0.0)
                .map(|n| n as u64)
        })
        .unwrap_or(0);
    HttpRequest {
        ts,
        ts_end: ts.add_micros(t.before_send),
        method: str_of(req, "method").unwrap_or_else(|| "GET".into()),
        target: url.target.clone(),
        version: version_of(req, pseudo),
        headers,
        body_len,
    }
}

/// `request_version` stands in when the response names no version of its own
/// or a version its request's pseudo-headers rule out.
fn build_response(
    res: &Value,
    started: Timestamp,
    t: &Timings,
    request_version: HttpVersion,
) -> HttpResponse {
    let status = num_of(res, "status").map_or(0, |s| s.clamp(0.0, 999.0) as u16);
    let (mut headers, _) = headers_of(res);
    if !headers.contains("set-cookie") {
        for line in set_cookie_lines(res) {
            headers.push("Set-Cookie", line.as_bytes());
        }
    }
    if !headers.contains("location") {
        if let Some(loc) = str_of(res, "redirectURL").filter(|s| !s.is_empty()) {
            headers.push("Location", loc.as_bytes());
        }
    }
    let content = res.get("content");
    let body_len = content
        .and_then(|c| num_of(c, "size"))
        .or_else(|| num_of(res, "bodySize"))
        .filter(|n| *n > 0.0)
        .map_or(0, |n| n as u64);
    let body_prefix = if status >= 400 {
        content.map(body_prefix_of).unwrap_or_default()
    } else {
        Vec::new()
    };
    let ts = started.add_micros(t.until_response);
    HttpResponse {
        ts,
        ts_end: ts.add_micros(t.receive),
        version: version_of(res, request_version == HttpVersion::Http2),
        status,
        reason: str_of(res, "statusText").unwrap_or_default(),
        headers,
        interim: Vec::new(),
        body_len,
        body_prefix,
    }
}

fn body_prefix_of(content: &Value) -> Vec<u8> {
    let Some(text) = content.get("text").and_then(Value::as_str) else {
        return Vec::new();
    };
    let base64 = content.get("encoding").and_then(Value::as_str) == Some("base64");
    if base64 {
        // Decode only what the prefix needs (4 base64 chars → 3 bytes).
        let take = (BODY_PREFIX_BYTES / 3 + 1) * 4;
        let cut: Vec<u8> = text
            .bytes()
            .filter(|c| !c.is_ascii_whitespace())
            .take(take)
            .collect();
        let whole = cut.len() - cut.len() % 4;
        let mut out = base64::engine::general_purpose::STANDARD
            .decode(cut.get(..whole).unwrap_or_default())
            .unwrap_or_default();
        out.truncate(BODY_PREFIX_BYTES);
        out
    } else {
        let mut end = text.len().min(BODY_PREFIX_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.as_bytes().get(..end).unwrap_or_default().to_vec()
    }
}

/// Headers as `[{name, value}]` or `[[name, value]]`, and whether any was an
/// HTTP/2 or HTTP/3 pseudo-header. Pseudo-headers are dropped except the
/// first `:authority`, which becomes `Host` in its place when no `host` field
/// is listed too (Firefox lists both).
fn headers_of(msg: &Value) -> (Headers, bool) {
    let mut h = Headers::new();
    let Some(list) = msg.get("headers").and_then(Value::as_array) else {
        return (h, false);
    };
    let list = list.get(..list.len().min(1024)).unwrap_or_default();
    let mut pseudo = false;
    let mut want_authority = !list
        .iter()
        .filter_map(header_name)
        .any(|n| n.eq_ignore_ascii_case("host"));
    for item in list {
        let Some(name) = header_name(item) else {
            continue;
        };
        let value = match item {
            Value::Object(o) => o.get("value"),
            Value::Array(a) => a.get(1),
            _ => None,
        };
        let value = match value {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        match name.strip_prefix(':') {
            Some(p) => {
                pseudo = true;
                if want_authority && p.eq_ignore_ascii_case("authority") {
                    want_authority = false;
                    h.push("Host", value.as_bytes());
                }
            }
            None => h.push(name, value.as_bytes()),
        }
    }
    (h, pseudo)
}

/// The name of one `headers` item, in either form.
fn header_name(item: &Value) -> Option<&str> {
    match item {
        Value::Object(o) => o.get("name"),
        Value::Array(a) => a.first(),
        _ => None,
    }
    .and_then(Value::as_str)
}

fn cookie_line(req: &Value) -> Option<String> {
    let list = req.get("cookies")?.as_array()?;
    let pairs: Vec<String> = list
        .iter()
        .filter_map(|c| {
            Some(format!(
                "{}={}",
                str_of(c, "name")?,
                str_of(c, "value").unwrap_or_default()
            ))
        })
        .collect();
    (!pairs.is_empty()).then(|| pairs.join("; "))
}

fn set_cookie_lines(res: &Value) -> Vec<String> {
    let Some(list) = res.get("cookies").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|c| {
            let mut line = format!(
                "{}={}",
                str_of(c, "name")?,
                str_of(c, "value").unwrap_or_default()
            );
            for (key, attr) in [
                ("path", "Path"),
                ("domain", "Domain"),
                ("expires", "Expires"),
            ] {
                if let Some(v) = str_of(c, key).filter(|v| !v.is_empty()) {
                    line.push_str(&format!("; {attr}={v}"));
                }
            }
            if let Some(v) = str_of(c, "sameSite") {
                line.push_str(&format!("; SameSite={v}"));
            }
            for (key, attr) in [("httpOnly", "HttpOnly"), ("secure", "Secure")] {
                if c.get(key).and_then(Value::as_bool) == Some(true) {
                    line.push_str(&format!("; {attr}"));
                }
            }
            Some(line)
        })
        .collect()
}

/// The message's `httpVersion`. `h2_framed`: the request carried
/// pseudo-headers, which HTTP/1 has no room for, so an HTTP/1.x or unknown
/// version there is the producer's mistake (Playwright writes `HTTP/1.1` on
/// HTTP/2 entries whose load failed after the response) and HTTP/2 is meant.
fn version_of(msg: &Value, h2_framed: bool) -> HttpVersion {
    let v = str_of(msg, "httpVersion")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let named = match v.trim() {
        "http/1.1" | "1.1" => HttpVersion::Http11,
        "http/1.0" | "1.0" => HttpVersion::Http10,
        "http/0.9" => HttpVersion::Http09,
        "http/2" | "http/2.0" | "h2" | "h2c" | "2" | "2.0" => HttpVersion::Http2,
        "http/3" | "h3" | "http/3.0" | "3" => HttpVersion::Http3,
        _ => HttpVersion::Other,
    };
    match named {
        HttpVersion::Http2 | HttpVersion::Http3 => named,
        _ if h2_framed => HttpVersion::Http2,
        _ => named,
    }
}

fn connection_id(v: &Value) -> Option<ConnId> {
    let s = match v {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    // HAR connection ids live in their own space: high bit set, so they never
    // collide with wire connection ids in a mixed run.
    let n = s.parse::<u64>().unwrap_or_else(|_| {
        s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    });
    Some(ConnId(n | (1 << 63)))
}

/// RFC 3339 / ISO 8601 as producers write it (`Z`, offsets, 0–9 fraction digits).
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .or_else(|_| {
            time::OffsetDateTime::parse(
                s.trim(),
                &time::format_description::well_known::Iso8601::DEFAULT,
            )
        })
        .ok()?;
    let micros = t.unix_timestamp_nanos() / 1000;
    i64::try_from(micros).ok().map(Timestamp::from_micros)
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn num_of(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;

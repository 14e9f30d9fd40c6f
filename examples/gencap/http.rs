//! HTTP/1.1 message text for the generator (RFC 9112 message syntax).
//! Owns the request/response writers, body filler and the made-up credential
//! builders (Basic, Bearer JWT, Digest, NTLM blobs); receives what a scenario
//! chose; emits the exact bytes of one message into a caller-owned buffer;
//! must not decide framing at the TCP level or use real credentials.

use super::rng::Rng;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use std::io::Write;

pub const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "okhttp/4.12.0",
];

const HTML_LINE: &str = "<p class=\"row\">Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n";

/// How a response body is delimited (RFC 9112 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Length,
    Chunked,
}

/// A response body: its kind, size in bytes and framing.
#[derive(Clone, Copy, Debug)]
pub enum Body {
    None,
    Html(usize, Framing),
    Json(usize, Framing),
}

pub fn request_line(buf: &mut Vec<u8>, method: &str, target: &str, host: &str, ua: &str) {
    buf.clear();
    let _ = write!(
        buf,
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\n"
    );
}

pub fn header(buf: &mut Vec<u8>, name: &str, value: &str) {
    buf.extend_from_slice(name.as_bytes());
    buf.extend_from_slice(b": ");
    buf.extend_from_slice(value.as_bytes());
    buf.extend_from_slice(b"\r\n");
}

/// Ends a request head; a non-empty `body` gets a Content-Length and follows.
pub fn finish_request(buf: &mut Vec<u8>, content_type: &str, body: &[u8]) {
    if !body.is_empty() {
        header(buf, "Content-Type", content_type);
        let _ = write!(buf, "Content-Length: {}\r\n", body.len());
    }
    buf.extend_from_slice(b"Connection: keep-alive\r\n\r\n");
    buf.extend_from_slice(body);
}

pub fn status_line(buf: &mut Vec<u8>, code: u16, reason: &str, date_secs: u64) {
    buf.clear();
    let _ = write!(buf, "HTTP/1.1 {code} {reason}\r\n");
    header(buf, "Server", "nginx/1.24.0");
    let _ = write!(buf, "Date: {}\r\n", http_date(date_secs));
}

/// Ends a response head and writes `body` with the framing it names.
pub fn finish_response(buf: &mut Vec<u8>, body: Body, rng: &mut Rng) {
    let (content_type, size, framing) = match body {
        Body::None => {
            buf.extend_from_slice(b"Content-Length: 0\r\n\r\n");
            return;
        }
        Body::Html(n, f) => ("text/html; charset=utf-8", n, f),
        Body::Json(n, f) => ("application/json", n, f),
    };
    header(buf, "Content-Type", content_type);
    let mut payload = Vec::with_capacity(size + 64);
    match body {
        Body::Json(..) => json_filler(&mut payload, size, rng),
        _ => html_filler(&mut payload, size),
    }
    match framing {
        Framing::Length => {
            let _ = write!(buf, "Content-Length: {}\r\n\r\n", payload.len());
            buf.extend_from_slice(&payload);
        }
        Framing::Chunked => {
            buf.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            write_chunks(buf, &payload, rng);
        }
    }
}

fn write_chunks(buf: &mut Vec<u8>, payload: &[u8], rng: &mut Rng) {
    let mut rest = payload;
    while !rest.is_empty() {
        let take = (rng.range(400, 2500) as usize).min(rest.len());
        let (chunk, tail) = rest.split_at(take);
        let _ = write!(buf, "{take:x}\r\n");
        buf.extend_from_slice(chunk);
        buf.extend_from_slice(b"\r\n");
        rest = tail;
    }
    buf.extend_from_slice(b"0\r\n\r\n");
}

fn html_filler(out: &mut Vec<u8>, size: usize) {
    out.extend_from_slice(b"<!doctype html>\n<html><body>\n");
    while out.len() + HTML_LINE.len() < size {
        out.extend_from_slice(HTML_LINE.as_bytes());
    }
    out.extend_from_slice(b"</body></html>\n");
}

fn json_filler(out: &mut Vec<u8>, size: usize, rng: &mut Rng) {
    out.extend_from_slice(b"{\"items\":[");
    let mut id = rng.range(1, 90_000);
    while out.len() < size {
        let cents = id % 10_000;
        let _ = write!(
            out,
            "{{\"id\":{id},\"name\":\"widget-{id}\",\"price\":{cents}}},"
        );
        id += 1;
    }
    let _ = write!(out, "{{\"id\":0,\"name\":\"end\",\"price\":0}}]}}");
}

pub fn basic_credentials(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// A made-up HS256-looking JWT (RFC 7519): real structure, random signature.
pub fn jwt(user: &str, issued_at: u64, rng: &mut Rng) -> String {
    let head = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = format!(
        r#"{{"sub":"{user}","iss":"https://sso.example.net","aud":"api","iat":{issued_at},"exp":{},"scope":"read write"}}"#,
        issued_at + 3600
    );
    let sig: Vec<u8> = (0..32).map(|_| rng.next_u64() as u8).collect();
    format!(
        "{head}.{}.{}",
        URL_SAFE_NO_PAD.encode(claims),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

/// RFC 7616 §3.4 shape with random hex where a real client would hash.
pub fn digest_credentials(
    user: &str,
    realm: &str,
    nonce: &str,
    uri: &str,
    rng: &mut Rng,
) -> String {
    let mut response = String::new();
    rng.fill_hex(&mut response, 32);
    let mut cnonce = String::new();
    rng.fill_hex(&mut cnonce, 16);
    format!(
        "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", \
         qop=auth, nc=00000001, cnonce=\"{cnonce}\", response=\"{response}\", algorithm=MD5"
    )
}

pub fn digest_challenge(realm: &str, nonce: &str) -> String {
    format!("Digest realm=\"{realm}\", qop=\"auth\", nonce=\"{nonce}\", opaque=\"5ccc069c403ebaf9\", algorithm=MD5")
}

/// An NTLM message (MS-NLMP §2.2.1) of `kind` 1 (NEGOTIATE), 2 (CHALLENGE) or
/// 3 (AUTHENTICATE): real layout, random challenge and responses.
pub fn ntlm_message(kind: u8, user: &str, rng: &mut Rng) -> String {
    const FLAGS: u32 = 0xa208_8207;
    let mut msg = b"NTLMSSP\0".to_vec();
    msg.extend_from_slice(&u32::from(kind).to_le_bytes());
    match kind {
        1 => {
            msg.extend_from_slice(&FLAGS.to_le_bytes());
            msg.extend_from_slice(&[0u8; 16]);
        }
        2 => {
            security_buffer(&mut msg, 0, 48);
            msg.extend_from_slice(&FLAGS.to_le_bytes());
            msg.extend((0..8).map(|_| rng.next_u64() as u8));
            msg.extend_from_slice(&[0u8; 8]);
            security_buffer(&mut msg, 0, 48);
        }
        _ => ntlm_authenticate(&mut msg, user, FLAGS, rng),
    }
    format!("NTLM {}", STANDARD.encode(msg))
}

fn ntlm_authenticate(msg: &mut Vec<u8>, user: &str, flags: u32, rng: &mut Rng) {
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let lm: Vec<u8> = (0..24).map(|_| rng.next_u64() as u8).collect();
    let nt: Vec<u8> = (0..24).map(|_| rng.next_u64() as u8).collect();
    let fields = [
        lm,
        nt,
        utf16("EXAMPLE"),
        utf16(user),
        utf16("WS01"),
        Vec::new(),
    ];
    let mut offset = 64u32;
    for field in &fields {
        security_buffer(msg, field.len() as u16, offset);
        offset += field.len() as u32;
    }
    msg.extend_from_slice(&flags.to_le_bytes());
    for field in &fields {
        msg.extend_from_slice(field);
    }
}

/// Length, allocated length and offset of an NTLM payload field (MS-NLMP §2.2.1).
fn security_buffer(msg: &mut Vec<u8>, len: u16, offset: u32) {
    msg.extend_from_slice(&len.to_le_bytes());
    msg.extend_from_slice(&len.to_le_bytes());
    msg.extend_from_slice(&offset.to_le_bytes());
}

/// An IMF-fixdate (RFC 9110 §5.6.7) for a Unix time in seconds.
pub fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day), after
/// Howard Hinnant's well-known algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

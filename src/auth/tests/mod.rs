//! Tests of the auth stage: one table per parser with real values (RFC
//! examples, MS-NLMP §4.2 vectors, corpus captures, curl on loopback),
//! malformed inputs, a secrecy check and a proptest over every `parse_*`.

mod challenges;
mod cookies;
mod credentials;
mod extract;
mod malformed;
mod ntlm_spnego;
mod rate_hints;
mod secrecy;

use crate::model::{
    ConnId, ExchangeId, ExchangeOrigin, FingerprintKey, Headers, HttpExchange, HttpRequest,
    HttpResponse, HttpVersion, Timestamp,
};

/// The fixed key every test fingerprints with.
pub fn key() -> FingerprintKey {
    FingerprintKey::fixed(7)
}

/// Bytes from a hex string (spaces and newlines ignored).
pub fn hex(s: &str) -> Vec<u8> {
    let clean: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    clean
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// Standard base64 of `b`.
pub fn b64(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Headers from `(name, value)` pairs.
pub fn headers(pairs: &[(&str, &str)]) -> Headers {
    let mut h = Headers::new();
    for (n, v) in pairs {
        h.push(n, v.as_bytes());
    }
    h
}

/// An exchange at `ts_secs` with the given request and response headers.
pub fn exchange(
    target: &str,
    req: &[(&str, &str)],
    status: u16,
    resp: &[(&str, &str)],
    body: &[u8],
    ts_secs: i64,
) -> HttpExchange {
    let ts = Timestamp::from_secs(ts_secs);
    HttpExchange {
        id: ExchangeId(1),
        origin: ExchangeOrigin::Wire(ConnId(1)),
        client: "127.0.0.1:40000".parse().unwrap(),
        server: "127.0.0.1:80".parse().unwrap(),
        scheme: "http",
        seq_on_conn: 0,
        request: Some(HttpRequest {
            ts,
            ts_end: ts,
            method: "GET".into(),
            target: target.into(),
            version: HttpVersion::Http11,
            headers: headers(req),
            body_len: 0,
        }),
        response: Some(HttpResponse {
            ts,
            ts_end: ts,
            version: HttpVersion::Http11,
            status,
            reason: String::new(),
            headers: headers(resp),
            interim: Vec::new(),
            body_len: body.len() as u64,
            body_prefix: body.to_vec(),
        }),
        anomalies: Vec::new(),
    }
}

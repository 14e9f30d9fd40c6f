//! Auth: pure functions from an exchange's headers (and kept error-body prefix)
//! to typed views: challenges, credentials, API keys, cookies, rate-limit
//! signals, server hints. Receives [`HttpExchange`]s; emits [`AuthView`]s with
//! every credential value wrapped in a `Secret` fingerprinted with the
//! extractor's key, plus stable anomaly codes for malformed auth data. Each
//! header type has a public pure `parse_*` function (fuzzed). Must not keep
//! state between exchanges that changes a result (the only state is a bounded
//! memo of decoded credential values, `memo.rs`, and the last `Server` and
//! `Date` values decoded, `hints.rs`), read a clock, or decide what is wrong
//! (that is `diagnose`).

// Parsers of untrusted bytes: no indexing that can panic (tests may index).
#![deny(clippy::indexing_slicing)]

mod anomaly;
mod api_key;
mod authorization;
mod basic;
mod bearer_jwt;
mod challenge;
mod cookie;
mod der;
mod digest;
mod hints;
mod memo;
mod ntlm;
mod rate_limit;
mod sigv4;
mod spnego;
mod util;

#[cfg(test)]
mod tests;

pub use anomaly::AuthAnomaly;
pub use api_key::{parse_api_keys, parse_query_keys};
pub use authorization::parse_authorization;
pub use basic::parse_basic;
pub use bearer_jwt::{parse_bearer, parse_jwt};
pub use challenge::{parse_challenges, parse_params};
pub use cookie::{parse_cookie_date, parse_cookie_header, parse_set_cookie};
pub use digest::parse_digest;
pub use hints::{parse_iis_substatus, parse_server_hints};
pub use ntlm::parse_ntlm;
pub use rate_limit::{parse_rate_limit, parse_retry_after};
pub use sigv4::{parse_amz_date, parse_sigv4};
pub use spnego::parse_negotiate;

use crate::model::{
    AuthView, ChallengeTarget, FingerprintKey, Headers, HttpExchange, HttpRequest, HttpResponse,
};

/// The auth stage: the fingerprint key and a memo of decoded credentials.
#[derive(Clone, Debug)]
pub struct AuthExtractor {
    key: FingerprintKey,
    memo: memo::CredentialMemo,
    hints: hints::HintMemo,
}

/// What the request side of an exchange decoded, waiting for the response
/// side ([`AuthExtractor::complete`]).
#[derive(Debug, Default)]
pub struct RequestAuth {
    view: AuthView,
    notes: Vec<AuthAnomaly>,
}

/// Request header fields the request side decodes.
pub(crate) fn is_request_auth(name: &[u8]) -> bool {
    ["authorization", "proxy-authorization", "cookie"]
        .iter()
        .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
        || api_key::is_key_header(name)
}

/// Response header fields the response side decodes.
pub(crate) fn is_response_auth(b: &[u8]) -> bool {
    // Every name below starts with one of these letters; most fields do not.
    let first = b.first().map(u8::to_ascii_lowercase);
    if !matches!(first, Some(b'w' | b'p' | b's' | b'r' | b'x')) {
        return false;
    }
    [
        "www-authenticate",
        "proxy-authenticate",
        "set-cookie",
        "retry-after",
    ]
    .iter()
    .any(|n| n.as_bytes().eq_ignore_ascii_case(b))
        || starts_with_ignore_case(b, b"ratelimit")
        || starts_with_ignore_case(b, b"x-ratelimit-")
        || starts_with_ignore_case(b, b"x-rate-limit-")
}

fn starts_with_ignore_case(s: &[u8], p: &[u8]) -> bool {
    s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))
}

impl AuthExtractor {
    /// An extractor that fingerprints secrets with `key`.
    pub fn new(key: FingerprintKey) -> Self {
        AuthExtractor {
            key,
            memo: Default::default(),
            hints: Default::default(),
        }
    }

    /// Decodes everything auth-related in one exchange. An exchange with no
    /// auth-related header, no key-like query and a non-error status costs one
    /// pass over the header names and returns an empty view.
    pub fn extract(&mut self, exchange: &HttpExchange) -> AuthView {
        let part = self.extract_request(exchange);
        self.complete(exchange, part)
    }

    /// The request half of [`AuthExtractor::extract`]: credentials, API keys
    /// and cookies sent. [`AuthExtractor::complete`] adds the response (on
    /// another extractor with the same key, possibly on another thread).
    pub fn extract_request(&mut self, exchange: &HttpExchange) -> RequestAuth {
        let mut part = RequestAuth::default();
        if let Some(req) = &exchange.request {
            if req.headers.fields().any(|(n, _)| is_request_auth(n)) || req.target.contains('?') {
                self.request_side(req, &mut part.view, &mut part.notes);
            }
        }
        part
    }

    /// The response half of [`AuthExtractor::extract`]: challenges, cookies
    /// set, rate-limit signals and server hints, added to the request's part.
    pub fn complete(&mut self, exchange: &HttpExchange, part: RequestAuth) -> AuthView {
        let RequestAuth {
            mut view,
            mut notes,
        } = part;
        let present = exchange.response.as_ref().is_some_and(|r| {
            r.status >= 400 || r.headers.fields().any(|(n, _)| is_response_auth(n))
        });
        let sent_auth = !view.credentials.is_empty() || !view.api_keys.is_empty();
        if let (true, Some(resp)) = (present || sent_auth, &exchange.response) {
            self.response_side(resp, &mut view, &mut notes);
        }
        if !notes.is_empty() {
            view.anomalies = notes.iter().map(|a| a.code()).collect();
        }
        shrink(&mut view);
        view
    }

    fn request_side(
        &mut self,
        req: &HttpRequest,
        view: &mut AuthView,
        notes: &mut Vec<AuthAnomaly>,
    ) {
        let amz = req.headers.get_str("x-amz-date");
        for (name, value) in req.headers.fields() {
            let target = if name.eq_ignore_ascii_case(b"authorization") {
                ChallengeTarget::Server
            } else if name.eq_ignore_ascii_case(b"proxy-authorization") {
                ChallengeTarget::Proxy
            } else {
                if name.eq_ignore_ascii_case(b"cookie") {
                    let room = cookie::MAX_COOKIES.saturating_sub(view.cookies.len());
                    let pairs = parse_cookie_header(value, &self.key, notes);
                    view.cookies.extend(pairs.into_iter().take(room));
                }
                continue;
            };
            if view.credentials.len() < 8 {
                // Most requests carry one: room for exactly one spares
                // `shrink` a reallocation.
                if view.credentials.capacity() == 0 {
                    view.credentials.reserve_exact(1);
                }
                let c = self
                    .memo
                    .parse(value, target, amz.as_deref(), &self.key, notes);
                view.credentials.push(c);
            }
        }
        view.api_keys = parse_api_keys(req, &self.key);
    }

    fn response_side(
        &mut self,
        resp: &HttpResponse,
        view: &mut AuthView,
        notes: &mut Vec<AuthAnomaly>,
    ) {
        for (name, value) in resp.headers.fields() {
            let target = if name.eq_ignore_ascii_case(b"www-authenticate") {
                ChallengeTarget::Server
            } else if name.eq_ignore_ascii_case(b"proxy-authenticate") {
                ChallengeTarget::Proxy
            } else {
                if name.eq_ignore_ascii_case(b"set-cookie") {
                    // A field value on the wire holds no LF (RFC 9110 §5.5), but
                    // HAR producers (Firefox) join repeated Set-Cookie fields with
                    // newlines: each line is one cookie.
                    for line in value.split(|b| *b == b'\n') {
                        if view.set_cookies.len() >= 64 {
                            break;
                        }
                        if !line.trim_ascii().is_empty() {
                            if view.set_cookies.capacity() == 0 {
                                view.set_cookies.reserve_exact(1);
                            }
                            let c = parse_set_cookie(line, resp.ts, &self.key, notes);
                            view.set_cookies.push(c);
                        }
                    }
                }
                continue;
            };
            let room = challenge::MAX_CHALLENGES.saturating_sub(view.challenges.len());
            let parsed = parse_challenges(value, target, notes);
            view.challenges.extend(parsed.into_iter().take(room));
        }
        view.rate_limit = parse_rate_limit(&resp.headers, resp.ts, notes);
        // Server hints only where auth is in play, so plain pages stay quiet.
        if resp.status >= 400 || !view.credentials.is_empty() || !view.challenges.is_empty() {
            view.hints = hints::read_hints(resp, notes, &mut self.hints);
        }
    }
}

/// Views are kept (up to `--max-exchanges`): a vector grown by `push` keeps
/// room for four elements, which for a 320-byte credential is a kilobyte of
/// nothing per exchange.
fn shrink(view: &mut AuthView) {
    view.credentials.shrink_to_fit();
    view.api_keys.shrink_to_fit();
    view.challenges.shrink_to_fit();
    view.cookies.shrink_to_fit();
    view.set_cookies.shrink_to_fit();
}

/// Every `parse_*` over one header set, for callers (fuzzers, tests) that
/// have headers but no exchange.
pub fn parse_headers(
    request: &Headers,
    response: &Headers,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> AuthView {
    let mut view = AuthView::default();
    let mut ex = AuthExtractor::new(*key);
    let req = HttpRequest {
        ts: crate::model::Timestamp::ZERO,
        ts_end: crate::model::Timestamp::ZERO,
        method: String::new(),
        target: String::new(),
        version: crate::model::HttpVersion::Http11,
        headers: request.clone(),
        body_len: 0,
    };
    ex.request_side(&req, &mut view, notes);
    let resp = HttpResponse {
        ts: crate::model::Timestamp::ZERO,
        ts_end: crate::model::Timestamp::ZERO,
        version: crate::model::HttpVersion::Http11,
        status: 0,
        reason: String::new(),
        headers: response.clone(),
        interim: Vec::new(),
        body_len: 0,
        body_prefix: Vec::new(),
    };
    ex.response_side(&resp, &mut view, notes);
    view.anomalies = notes.iter().map(|a| a.code()).collect();
    view
}

//! Bearer tokens (RFC 6750 §2.1) and JSON Web Tokens (RFC 7519) inside them.
//! Receives the token text; emits the token as a [`Secret`] and, when it is a
//! JWT, its header and claims decoded without any verification (RFC 7515 §7.1
//! compact form: base64url segments; JWE, RFC 7516 §7.1, has only a readable
//! header). Claim values other than the registered names are never kept (they
//! may be personal data), only their names. Must not treat an opaque token
//! that happens to contain dots as a broken JWT.

use super::anomaly::{note, AuthAnomaly};
use super::util::b64url;
use crate::model::{CredentialKind, FingerprintKey, JwtView, Secret, Timestamp};
use serde_json::{Map, Value};

/// Most claim names kept in `other_claims`, and most scopes/audiences.
const MAX_LIST: usize = 32;

/// Decodes a Bearer token, with its JWT view when it is one.
pub fn parse_bearer(
    token: &str,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> CredentialKind {
    let jwt = if looks_like_jwt(token) {
        parse_jwt(token, notes).map(std::sync::Arc::new)
    } else {
        None
    };
    CredentialKind::Bearer {
        token: Secret::new(token, key),
        jwt,
    }
}

/// A JWT's header segment starts with the base64url of `{"` (`eyJ`) and
/// segments are separated by dots; the segments themselves may be garbage
/// (then decoding records why).
pub fn looks_like_jwt(token: &str) -> bool {
    token.starts_with("eyJ")
        && token.contains('.')
        && !token.bytes().any(|b| b.is_ascii_whitespace() || b == b',')
}

/// Decodes a compact JWS (3 segments) or JWE (5 segments) without verifying it.
pub fn parse_jwt(token: &str, notes: &mut Vec<AuthAnomaly>) -> Option<JwtView> {
    let segs: Vec<&str> = token.splitn(6, '.').collect();
    if segs.len() != 3 && segs.len() != 5 {
        note(notes, AuthAnomaly::JwtBadSegments);
    }
    let header = json_segment(segs.first().copied()?, notes)?;
    let mut view = JwtView {
        alg: str_claim(&header, "alg"),
        kid: str_claim(&header, "kid"),
        typ: str_claim(&header, "typ"),
        ..JwtView::default()
    };
    if segs.len() == 3 {
        if let Some(claims) = segs.get(1).and_then(|s| json_segment(s, notes)) {
            fill_claims(&mut view, &claims);
        }
    }
    Some(view)
}

fn json_segment(seg: &str, notes: &mut Vec<AuthAnomaly>) -> Option<Map<String, Value>> {
    let Some(bytes) = b64url(seg) else {
        note(notes, AuthAnomaly::JwtBadBase64);
        return None;
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Some(m),
        _ => {
            note(notes, AuthAnomaly::JwtBadJson);
            None
        }
    }
}

fn str_claim(m: &Map<String, Value>, k: &str) -> Option<String> {
    m.get(k).and_then(Value::as_str).map(str::to_string)
}

/// Strings of a claim that is a string (split on spaces when `split`) or an array.
fn str_list(v: Option<&Value>, split: bool) -> Vec<String> {
    match v {
        Some(Value::String(s)) if split => s.split_whitespace().map(str::to_string).collect(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// NumericDate (RFC 7519 §2): seconds, possibly fractional.
fn time_claim(m: &Map<String, Value>, k: &str) -> Option<Timestamp> {
    let secs = m.get(k)?.as_f64()?;
    if !secs.is_finite() || secs.abs() > 1.0e12 {
        return None;
    }
    Some(Timestamp::from_micros((secs * 1_000_000.0) as i64))
}

fn fill_claims(view: &mut JwtView, claims: &Map<String, Value>) {
    const KNOWN: [&str; 10] = [
        "iss", "sub", "aud", "scope", "scp", "roles", "exp", "nbf", "iat", "jti",
    ];
    view.iss = str_claim(claims, "iss");
    view.sub = str_claim(claims, "sub");
    view.aud = str_list(claims.get("aud"), false);
    view.aud.truncate(MAX_LIST);
    let mut scopes = str_list(claims.get("scope"), true);
    scopes.extend(str_list(claims.get("scp"), true));
    scopes.extend(str_list(claims.get("roles"), false));
    scopes.truncate(MAX_LIST);
    view.scopes = scopes;
    view.exp = time_claim(claims, "exp");
    view.nbf = time_claim(claims, "nbf");
    view.iat = time_claim(claims, "iat");
    view.other_claims = claims
        .keys()
        .filter(|k| !KNOWN.contains(&k.as_str()))
        .take(MAX_LIST)
        .cloned()
        .collect();
}

//! Digest credentials (RFC 7616 §3.4) read with the auth-param grammar of
//! [`super::challenge`]. Receives the text after the scheme; emits a
//! [`DigestCredential`] whose `response` is a [`Secret`]. `username*` is
//! decoded per RFC 8187 (`UTF-8''J%C3%A4s%C3%B8n`). Must not expose the
//! response hash.

use super::anomaly::{note, AuthAnomaly};
use super::challenge::parse_params;
use super::util::percent_decode;
use crate::model::{DigestCredential, FingerprintKey, Secret};

/// Decodes Digest credentials.
pub fn parse_digest(
    params: &str,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> DigestCredential {
    let mut d = DigestCredential::default();
    for p in parse_params(params.as_bytes(), notes) {
        let v = Some(p.value.clone());
        match p.name.as_str() {
            "username" => d.username = v,
            "username*" => d.username = Some(ext_value(&p.value)),
            "realm" => d.realm = v,
            "nonce" => d.nonce = v,
            "uri" => d.uri = v,
            "qop" => d.qop = v,
            "nc" => d.nc = v,
            "cnonce" => d.cnonce = v,
            "algorithm" => d.algorithm = v,
            "opaque" => d.opaque = v,
            "userhash" => d.userhash = p.value.eq_ignore_ascii_case("true"),
            "response" => d.response = Some(Secret::new(&p.value, key)),
            _ => {}
        }
    }
    if d.username.is_none() {
        note(notes, AuthAnomaly::DigestNoUsername);
    }
    if d.response.is_none() {
        note(notes, AuthAnomaly::DigestNoResponse);
    }
    d
}

/// RFC 8187 §3.2 ext-value: `charset "'" [ language ] "'" value-chars`.
fn ext_value(v: &str) -> String {
    let mut parts = v.splitn(3, '\'');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_charset), Some(_lang), Some(value)) => percent_decode(value),
        _ => percent_decode(v),
    }
}

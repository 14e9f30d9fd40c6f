//! Credentials: one `Authorization` / `Proxy-Authorization` value (RFC 9110
//! §11.6.2, §11.7.2) split into scheme and credentials and dispatched to the
//! scheme's decoder. Receives the raw field value, the request's capture time
//! and `X-Amz-Date`; emits a [`Credential`] fingerprinted over the whole value
//! and [`AuthAnomaly`]s. Lenient with what real clients send: extra spaces
//! after the scheme, upper-case schemes, a bare JWT with no scheme (seen in
//! the corpus capture sv_bug-7390). Must not let any credential text escape a
//! `Secret`.

use super::anomaly::{note, AuthAnomaly};
use super::basic::parse_basic;
use super::bearer_jwt::{looks_like_jwt, parse_bearer, parse_jwt};
use super::digest::parse_digest;
use super::ntlm::parse_ntlm;
use super::sigv4::parse_sigv4;
use super::spnego::parse_negotiate;
use super::util::{b64, clip, is_tchar, MAX_VALUE};
use crate::model::{
    ChallengeTarget, Credential, CredentialKind, FingerprintKey, NegotiateInner, Secret,
};

/// Longest scheme name we accept as one.
const MAX_SCHEME: usize = 64;

/// Decodes one credentials field value.
pub fn parse_authorization(
    value: &[u8],
    target: ChallengeTarget,
    amz_date: Option<&str>,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> Credential {
    let trimmed = value.trim_ascii();
    let fingerprint = key.fingerprint(trimmed);
    let text = crate::model::lossy(trimmed);
    let (scheme, rest) = split_scheme(&text, notes);
    let kind = if text.len() > MAX_VALUE {
        note(notes, AuthAnomaly::ValueTooLarge);
        malformed(AuthAnomaly::ValueTooLarge, rest, key)
    } else {
        decode(scheme, rest, amz_date, key, notes)
    };
    Credential {
        target,
        scheme: scheme.to_string(),
        kind,
        fingerprint,
    }
}

/// `auth-scheme 1*SP credentials`; a value with no scheme token yields `("", value)`.
fn split_scheme<'a>(text: &'a str, notes: &mut Vec<AuthAnomaly>) -> (&'a str, &'a str) {
    let end = text
        .bytes()
        .position(|b| !is_tchar(b))
        .unwrap_or(text.len());
    let scheme = text.get(..end).unwrap_or("");
    let rest = text.get(end..).unwrap_or("");
    let is_scheme = !scheme.is_empty()
        && scheme.len() <= MAX_SCHEME
        && (rest.is_empty() || rest.starts_with([' ', '\t']))
        && !looks_like_jwt(scheme);
    if !is_scheme {
        note(notes, AuthAnomaly::CredentialNoScheme);
        return ("", text);
    }
    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if spaces > 1 {
        note(notes, AuthAnomaly::CredentialExtraSpace);
    }
    (scheme, rest.trim())
}

fn malformed(reason: AuthAnomaly, raw: &str, key: &FingerprintKey) -> CredentialKind {
    CredentialKind::Malformed {
        reason: reason.code(),
        raw: Secret::new(clip(raw, MAX_VALUE), key),
    }
}

fn decode(
    scheme: &str,
    rest: &str,
    amz_date: Option<&str>,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> CredentialKind {
    if scheme.is_empty() {
        return no_scheme(rest, key, notes);
    }
    if rest.is_empty() {
        note(notes, AuthAnomaly::CredentialEmpty);
        return malformed(AuthAnomaly::CredentialEmpty, rest, key);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => parse_basic(rest, key, notes),
        "bearer" => parse_bearer(rest, key, notes),
        "digest" => CredentialKind::Digest(parse_digest(rest, key, notes)),
        "ntlm" => ntlm_credential(rest, key, notes),
        "negotiate" | "kerberos" => negotiate_credential(rest, key, notes),
        "aws4-hmac-sha256" => CredentialKind::SigV4(parse_sigv4(rest, amz_date, key, notes)),
        _ => CredentialKind::Other {
            token: Secret::new(rest, key),
        },
    }
}

/// No scheme: a bare JWT is read as a Bearer token, anything else stays opaque.
fn no_scheme(text: &str, key: &FingerprintKey, notes: &mut Vec<AuthAnomaly>) -> CredentialKind {
    let text = clip(text, MAX_VALUE);
    if looks_like_jwt(text) {
        return CredentialKind::Bearer {
            token: Secret::new(text, key),
            jwt: parse_jwt(text, notes).map(std::sync::Arc::new),
        };
    }
    CredentialKind::Other {
        token: Secret::new(text, key),
    }
}

fn ntlm_credential(
    token: &str,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> CredentialKind {
    let Some(bytes) = b64(token) else {
        note(notes, AuthAnomaly::TokenBadBase64);
        return malformed(AuthAnomaly::TokenBadBase64, token, key);
    };
    let mut local = Vec::new();
    let view = parse_ntlm(&bytes, &mut local);
    let reason = local.first().copied().unwrap_or(AuthAnomaly::NtlmTruncated);
    local.into_iter().for_each(|a| note(notes, a));
    match view {
        Some(v) => CredentialKind::Ntlm(v),
        None => malformed(reason, token, key),
    }
}

fn negotiate_credential(
    token: &str,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> CredentialKind {
    let Some(bytes) = b64(token) else {
        note(notes, AuthAnomaly::TokenBadBase64);
        return malformed(AuthAnomaly::TokenBadBase64, token, key);
    };
    let mut local = Vec::new();
    let view = parse_negotiate(&bytes, &mut local);
    let first = local.first().copied();
    local.into_iter().for_each(|a| note(notes, a));
    match first {
        Some(reason)
            if matches!(view.inner, NegotiateInner::Unknown) && view.mech_types.is_empty() =>
        {
            malformed(reason, token, key)
        }
        _ => CredentialKind::Negotiate(view),
    }
}

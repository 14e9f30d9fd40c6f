//! API keys: well-known key headers (`X-API-Key`, `Api-Key`,
//! `Ocp-Apim-Subscription-Key`, …) and key-carrying query parameters of the
//! request target (`access_token` per RFC 6750 §2.3, `api_key`, `apikey`,
//! `key`, …). Receives the request; emits [`ApiKey`]s with the value as a
//! [`Secret`] and the source named (`X-API-Key`, `query:access_token`). Must
//! not keep more than [`MAX_KEYS`].

use super::util::{clip, percent_decode, percent_decoded, MAX_VALUE};
use crate::model::{ApiKey, FingerprintKey, HttpRequest, Secret};

/// Most keys kept per request.
pub const MAX_KEYS: usize = 16;

/// Header fields whose whole value is an API key or token.
pub const KEY_HEADERS: [&str; 16] = [
    "x-api-key",
    "api-key",
    "apikey",
    "x-apikey",
    "x-api-token",
    "ocp-apim-subscription-key",
    "x-goog-api-key",
    "x-functions-key",
    "x-auth-token",
    "x-access-token",
    "private-token",
    "x-gitlab-token",
    "x-vault-token",
    "x-amz-security-token",
    "x-ms-token-aad-access-token",
    "authentication",
];

/// Query parameters whose value is a key or token.
pub const KEY_PARAMS: [&str; 12] = [
    "access_token",
    "id_token",
    "api_key",
    "apikey",
    "api-key",
    "key",
    "token",
    "auth_token",
    "subscription-key",
    "code",
    "x-amz-credential",
    "x-amz-security-token",
];

/// Parameter names that also carry non-secrets (`token=71150` as a counter,
/// `key=value1` as a lookup key, `code=404`): a key only with a secret-looking value.
const GENERIC_PARAMS: [&str; 3] = ["token", "key", "code"];

/// Shortest value of a generic parameter that is taken for a secret.
const MIN_GENERIC_SECRET: usize = 16;

fn is_generic_param(name: &str) -> bool {
    GENERIC_PARAMS.iter().any(|g| g.eq_ignore_ascii_case(name))
}

/// Long enough and mixing letters and digits, as generated keys and tokens do.
fn looks_secret(v: &str) -> bool {
    v.len() >= MIN_GENERIC_SECRET
        && v.bytes().any(|b| b.is_ascii_alphabetic())
        && v.bytes().any(|b| b.is_ascii_digit())
}

/// Per first letter (`a` to `z`, case folded), one bit per length of the
/// [`KEY_HEADERS`] names that start with it: most header names (`Host`,
/// `User-Agent`, `Accept-Language`) are ruled out by one lookup.
const KEY_HEADER_SHAPES: [u64; 26] = key_header_shapes(&KEY_HEADERS);

// Evaluated at compile time: an index out of range fails the build.
#[allow(clippy::indexing_slicing)]
const fn key_header_shapes(mut names: &[&str]) -> [u64; 26] {
    let mut shapes = [0u64; 26];
    while let Some((name, rest)) = names.split_first() {
        if let Some(&first) = name.as_bytes().first() {
            let letter = first.to_ascii_lowercase().wrapping_sub(b'a') as usize;
            assert!(letter < 26 && name.len() < 64, "key header shapes");
            shapes[letter] |= 1 << name.len();
        }
        names = rest;
    }
    shapes
}

/// True when `name` is an API-key header.
pub(crate) fn is_key_header(name: &[u8]) -> bool {
    let shape = name.first().and_then(|&c| {
        let letter = c.to_ascii_lowercase().wrapping_sub(b'a');
        KEY_HEADER_SHAPES.get(usize::from(letter))
    });
    let possible = shape.is_some_and(|&lengths| {
        u32::try_from(name.len())
            .ok()
            .and_then(|len| lengths.checked_shr(len))
            .is_some_and(|bit| bit & 1 == 1)
    });
    possible
        && KEY_HEADERS
            .iter()
            .any(|h| h.as_bytes().eq_ignore_ascii_case(name))
}

/// API keys in the request's headers and target.
pub fn parse_api_keys(req: &HttpRequest, key: &FingerprintKey) -> Vec<ApiKey> {
    let mut out = Vec::new();
    for (name, value) in req.headers.fields().filter(|(n, _)| is_key_header(n)) {
        if out.len() >= MAX_KEYS {
            return out;
        }
        let v = crate::model::lossy(value);
        out.push(ApiKey {
            source: String::from_utf8_lossy(name).into_owned(),
            value: Secret::new(clip(v.trim(), MAX_VALUE), key),
        });
    }
    out.extend(
        parse_query_keys(&req.target, key)
            .into_iter()
            .take(MAX_KEYS - out.len()),
    );
    out
}

/// Key parameters of a request target's query (`/p?access_token=…&page=2`).
pub fn parse_query_keys(target: &str, key: &FingerprintKey) -> Vec<ApiKey> {
    let Some((_, query)) = target.split_once('?') else {
        return Vec::new();
    };
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .take(256)
        .filter_map(|p| p.split_once('='))
        .filter(|(k, v)| {
            let name = percent_decoded(k);
            !v.is_empty()
                && KEY_PARAMS.iter().any(|n| n.eq_ignore_ascii_case(&name))
                && (!is_generic_param(&name) || looks_secret(v))
        })
        .take(MAX_KEYS)
        .map(|(k, v)| ApiKey {
            source: format!("query:{}", clip(&percent_decode(k), 64)),
            value: Secret::new(clip(v, MAX_VALUE), key),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_headers_are_known_in_any_case_and_others_are_not() {
        for h in KEY_HEADERS {
            assert!(is_key_header(h.as_bytes()), "{h}");
            assert!(is_key_header(h.to_ascii_uppercase().as_bytes()), "{h}");
        }
        for other in [
            "",
            "a",
            "Accept",
            "apikeys",
            "Host",
            "X-Api-Keys",
            "Authorization",
            "Private-Tokens",
            "1apikey",
            "\u{e9}apikey",
            "Ocp-Apim-Subscription-Kex",
        ] {
            assert!(!is_key_header(other.as_bytes()), "{other}");
        }
        let long = "x".repeat(80);
        assert!(!is_key_header(long.as_bytes()));
    }
}

//! `AuthExtractor::extract` over whole exchanges.

use super::{exchange, key};
use crate::auth::AuthExtractor;
use crate::model::{AuthView, ChallengeTarget, CredentialKind};

#[test]
fn exchange_without_auth_headers_is_empty() {
    let e = exchange(
        "/index.html",
        &[("Host", "h"), ("Accept", "*/*")],
        200,
        &[("Server", "nginx"), ("Content-Type", "text/html")],
        b"",
        0,
    );
    assert_eq!(AuthExtractor::new(key()).extract(&e), AuthView::default());
}

#[test]
fn plain_pages_with_query_or_cookie_get_no_server_hints() {
    let e = exchange(
        "/search?q=rust",
        &[("Cookie", "theme=dark")],
        200,
        &[("Server", "nginx")],
        b"",
        0,
    );
    let v = AuthExtractor::new(key()).extract(&e);
    assert_eq!(v.cookies.len(), 1);
    assert!(v.api_keys.is_empty());
    assert_eq!(v.hints, Default::default());
    let e = exchange(
        "/",
        &[("Authorization", "Bearer x")],
        200,
        &[("Server", "nginx")],
        b"",
        0,
    );
    assert_eq!(
        AuthExtractor::new(key())
            .extract(&e)
            .hints
            .server_product
            .as_deref(),
        Some("nginx")
    );
}

#[test]
fn full_exchange_collects_everything() {
    let e = exchange(
        "/api?page=2&access_token=tok-123",
        &[
            ("Authorization", "Basic dGVzdDpmYWlsMg=="),
            ("Proxy-Authorization", "Basic cHJveHk6cHc="),
            ("Cookie", "sid=abc"),
            ("X-API-Key", "k-456"),
        ],
        401,
        &[
            ("WWW-Authenticate", "Negotiate"),
            ("WWW-Authenticate", "Basic realm=\"x\""),
            ("Proxy-Authenticate", "Basic realm=\"p\""),
            ("Set-Cookie", "sid=; Max-Age=0"),
            ("Retry-After", "30"),
        ],
        b"",
        1_000,
    );
    let v = AuthExtractor::new(key()).extract(&e);
    assert_eq!(v.credentials.len(), 2);
    assert_eq!(v.server_credential().and_then(|c| c.user()), Some("test"));
    assert_eq!(v.credentials[1].target, ChallengeTarget::Proxy);
    assert_eq!(
        v.offered_schemes(ChallengeTarget::Server),
        vec!["Negotiate", "Basic"]
    );
    assert_eq!(v.offered_schemes(ChallengeTarget::Proxy), vec!["Basic"]);
    let sources: Vec<&str> = v.api_keys.iter().map(|k| k.source.as_str()).collect();
    assert_eq!(sources, ["X-API-Key", "query:access_token"]);
    assert_eq!(v.cookies[0].name, "sid");
    assert!(v.set_cookies[0].expired);
    let rl = v.rate_limit.as_ref().expect("retry-after");
    assert_eq!(rl.retry_after.map(|t| t.as_secs()), Some(1_030));
    assert!(v.anomalies.is_empty(), "{:?}", v.anomalies);
}

#[test]
fn anomalies_are_reported_as_codes() {
    let e = exchange(
        "/",
        &[("Authorization", "NTLM !!!")],
        401,
        &[("WWW-Authenticate", "Basic realm=a b,")],
        b"",
        0,
    );
    let v = AuthExtractor::new(key()).extract(&e);
    assert!(matches!(
        v.credentials[0].kind,
        CredentialKind::Malformed {
            reason: "auth_token_bad_base64",
            ..
        }
    ));
    assert_eq!(
        v.anomalies,
        [
            "auth_token_bad_base64",
            "auth_challenge_unquoted_space",
            "auth_challenge_trailing_comma"
        ]
    );
}

/// Regression (secrets audit): a HAR's newline-joined Set-Cookie value is two
/// cookies; parsed as one, the second cookie's value landed in `Path` unmasked.
#[test]
fn newline_joined_set_cookie_is_one_cookie_per_line() {
    let e = exchange(
        "/",
        &[],
        200,
        &[("Set-Cookie", "a=v-one; Path=/\nb=v-two; Secure")],
        b"",
        0,
    );
    let v = AuthExtractor::new(key()).extract(&e);
    assert_eq!(v.set_cookies.len(), 2);
    assert_eq!(v.set_cookies[0].path.as_deref(), Some("/"));
    assert_eq!(v.set_cookies[1].name, "b");
    assert!(v.set_cookies[1].secure);
    assert_eq!(v.set_cookies[1].value.expose(), "v-two");
}

/// Generic parameter names (`token`, `key`, `code`) are keys only when the value
/// looks generated; `token=71150` in a Google Maps beacon (corpus
/// http/arkime_single-packets.pcap) is a counter, not a credential.
#[test]
fn generic_query_params_need_secret_looking_values() {
    let k = key();
    let names = |t: &str| -> Vec<String> {
        crate::auth::parse_query_keys(t, &k)
            .into_iter()
            .map(|a| a.source)
            .collect()
    };
    assert!(names("/js?callback=x&token=71150").is_empty());
    assert!(names("/search?key=value1&code=404").is_empty());
    assert_eq!(
        names("/live.m3u8?token=89b198b8844824ca15b8b379c26fc1b7dfcba368-1618753174"),
        ["query:token"]
    );
    assert_eq!(names("/maps?key=AIzaSyD3x9kq0ZtE7"), ["query:key"]);
    assert_eq!(
        names("/x?access_token=abc&api_key=1"),
        ["query:access_token", "query:api_key"]
    );
}

#[test]
fn auth_field_names_are_recognised_whatever_their_case() {
    use crate::auth::{is_request_auth, is_response_auth};
    for name in [
        "Authorization",
        "PROXY-AUTHORIZATION",
        "cookie",
        "X-Api-Key",
        "apikey",
    ] {
        assert!(is_request_auth(name.as_bytes()), "{name}");
    }
    for name in [
        "WWW-Authenticate",
        "proxy-authenticate",
        "Set-Cookie",
        "Retry-After",
        "RateLimit-Policy",
        "X-RateLimit-Remaining",
        "x-rate-limit-reset",
    ] {
        assert!(is_response_auth(name.as_bytes()), "{name}");
    }
    for name in [
        "",
        "Host",
        "Accept",
        "Server",
        "Date",
        "X-Request-Id",
        "Cookies",
        "Rate",
    ] {
        assert!(!is_request_auth(name.as_bytes()), "{name}");
        assert!(!is_response_auth(name.as_bytes()), "{name}");
    }
}

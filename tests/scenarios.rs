//! Every recorded scenario of `captures/scenarios/` (and `captures/demo.pcap`)
//! through the built binary: the codes its README row expects are reported,
//! the codes it rules out are not, and a few findings carry the facts that make
//! them useful (counts, user, `caused_by`, IIS sub-status, expiry distance).

mod common;
#[path = "scenario_rows/third_party.rs"]
mod third_party;

use common::{captures_dir, check_codes, report_json};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// One README row: file, expected codes, codes that must not appear.
struct Row {
    file: &'static str,
    expected: &'static [&'static str],
    must_not: &'static [&'static str],
}

const ROWS: &[Row] = &[
    // Anonymous try, then Basic accepted: the normal dance; only the password in clear.
    Row {
        file: "basic_ok.pcap",
        expected: &["cleartext-credentials"],
        must_not: &[
            "auth-loop",
            "invalid-credentials",
            "missing-credentials",
            "failed-login-burst",
            "missing-challenge",
        ],
    },
    // 8 wrong Basic passwords in a row: rejected credentials, a loop, a lockout risk.
    Row {
        file: "basic_wrong_password_loop.pcap",
        expected: &[
            "invalid-credentials",
            "auth-loop",
            "failed-login-burst",
            "cleartext-credentials",
        ],
        must_not: &["missing-credentials", "scheme-mismatch", "rate-limited"],
    },
    // JWT 10 min past `exp`, and the challenge says so: expiry, not a bad password.
    Row {
        file: "bearer_expired.pcap",
        expected: &["token-expired", "cleartext-credentials"],
        must_not: &[
            "invalid-credentials",
            "insufficient-scope",
            "scheme-mismatch",
            "missing-challenge",
            "auth-loop",
        ],
    },
    // 403 with error="insufficient_scope": authorization, not login.
    Row {
        file: "insufficient_scope.pcap",
        expected: &["insufficient-scope", "cleartext-credentials"],
        must_not: &["token-expired", "invalid-credentials", "missing-challenge"],
    },
    // 401 and 407 without a challenge header. A 401 that offers no scheme gives
    // the client nothing to answer, so `missing-credentials` must not blame it.
    Row {
        file: "missing_challenge_401.pcap",
        expected: &["missing-challenge", "proxy-auth-required"],
        must_not: &[
            "scheme-mismatch",
            "invalid-credentials",
            "token-expired",
            "missing-credentials",
        ],
    },
    // The proxy, not the site, wants Basic credentials; they work.
    Row {
        file: "proxy_407.pcap",
        expected: &["proxy-auth-required", "cleartext-credentials"],
        must_not: &["missing-challenge", "invalid-credentials", "auth-loop"],
    },
    // 3 per 10 s: 5 × 429 with Retry-After on one keep-alive connection.
    Row {
        file: "rate_limit_burst_429.pcap",
        expected: &["rate-limited", "retry-after-ignored"],
        must_not: &["auth-loop", "invalid-credentials", "header-too-large"],
    },
    // 503 + Retry-After (seconds and HTTP date), retried at once.
    Row {
        file: "retry_after_ignored.pcap",
        expected: &["rate-limited", "retry-after-ignored"],
        must_not: &["auth-loop", "invalid-credentials"],
    },
    // Secure cookie over http: curl never sends it back, so every login loops.
    Row {
        file: "login_redirect_loop_secure_cookie.pcap",
        expected: &["login-redirect-loop", "cookie-not-returned"],
        must_not: &["session-expired", "auth-loop", "invalid-credentials"],
    },
    // Domain and Path that do not match: cookie dropped, login loops.
    Row {
        file: "cookie_domain_mismatch.pcap",
        expected: &["cookie-not-returned", "login-redirect-loop"],
        must_not: &["session-expired", "auth-loop"],
    },
    // Max-Age=0 on a real session value: dropped at once, login loops.
    Row {
        file: "cookie_maxage0.pcap",
        expected: &["cookie-not-returned", "login-redirect-loop"],
        must_not: &["session-expired", "auth-loop"],
    },
    // SameSite=None without Secure: curl returns it anyway; the negative case.
    Row {
        file: "cookie_samesite_none.pcap",
        expected: &[],
        must_not: &[
            "cookie-not-returned",
            "login-redirect-loop",
            "session-expired",
        ],
    },
    // The same sid accepted, then after 3 s idle answered 401 and sent to login.
    Row {
        file: "session_expired.pcap",
        expected: &["session-expired"],
        must_not: &["cookie-not-returned", "login-redirect-loop", "auth-loop"],
    },
    // IIS detailed page 401.1 (plain and gzip) to Basic credentials.
    Row {
        file: "iis_401_1.pcap",
        expected: &["iis-substatus", "cleartext-credentials"],
        must_not: &["ip-denied", "rate-limited"],
    },
    // 401.2: Basic sent while only Negotiate/NTLM are offered.
    Row {
        file: "iis_401_2.pcap",
        expected: &["iis-substatus", "scheme-mismatch", "cleartext-credentials"],
        must_not: &["ip-denied", "rate-limited"],
    },
    // 401.503: the address is denied; credentials would not help.
    Row {
        file: "iis_401_503.pcap",
        expected: &["iis-substatus", "ip-denied"],
        must_not: &["invalid-credentials", "rate-limited"],
    },
    // 401.3 (ACL), 401.501 and 401.502 (Dynamic IP Restrictions = rate limits).
    Row {
        file: "iis_401_more.pcap",
        expected: &["iis-substatus", "rate-limited"],
        must_not: &["ip-denied"],
    },
    // 431 and nginx's 400 "Request Header Or Cookie Too Large".
    Row {
        file: "header_too_large.pcap",
        expected: &["header-too-large"],
        must_not: &["auth-loop", "rate-limited"],
    },
    // CORS preflight answered 401: browsers never send credentials there.
    Row {
        file: "preflight_401.pcap",
        expected: &["preflight-unauthorized"],
        must_not: &["scheme-mismatch", "invalid-credentials", "token-expired"],
    },
    // curl drops Authorization on the redirect to another port; B answers 401.
    Row {
        file: "credentials_dropped_on_redirect.pcap",
        expected: &["credentials-dropped-on-redirect", "cleartext-credentials"],
        must_not: &["invalid-credentials", "scheme-mismatch"],
    },
    // NTLM 1-2-3 on one connection, accepted: the normal dance.
    Row {
        file: "ntlm_ok.pcap",
        expected: &[],
        must_not: &[
            "connection-auth-broken",
            "invalid-credentials",
            "auth-loop",
            "cleartext-credentials",
            "missing-credentials",
        ],
    },
    // Connection: close after the type 2 challenge: the handshake cannot finish.
    Row {
        file: "ntlm_connection_close.pcap",
        expected: &["connection-auth-broken"],
        must_not: &["invalid-credentials", "cleartext-credentials"],
    },
    // Type 3 on a new connection: the server has no pending challenge there.
    Row {
        file: "ntlm_split_connections.pcap",
        expected: &["connection-auth-broken"],
        must_not: &["cleartext-credentials", "kerberos-fallback-ntlm"],
    },
    // Complete handshake, type 3 rejected: a wrong password, not a broken connection.
    Row {
        file: "ntlm_wrong_password.pcap",
        expected: &["invalid-credentials"],
        must_not: &["connection-auth-broken", "cleartext-credentials"],
    },
    // NTLMSSP inside `Authorization: Negotiate`: no Kerberos ticket.
    Row {
        file: "kerberos_fallback_ntlm.pcap",
        expected: &["kerberos-fallback-ntlm"],
        must_not: &[
            "connection-auth-broken",
            "invalid-credentials",
            "cleartext-credentials",
        ],
    },
    // curl without Kerberos never sends a Negotiate token; then NTLM succeeds.
    Row {
        file: "negotiate_no_kerberos.pcap",
        expected: &[],
        must_not: &[
            "kerberos-fallback-ntlm",
            "connection-auth-broken",
            "invalid-credentials",
        ],
    },
    // Digest with a stale nonce refreshed: info only, the login succeeds.
    Row {
        file: "digest_ok_with_stale_nonce.pcap",
        expected: &["stale-nonce"],
        must_not: &["invalid-credentials", "auth-loop", "cleartext-credentials"],
    },
    // Server Date 2 h 1 min behind the capture clock.
    Row {
        file: "clock_skew_date.pcap",
        expected: &["clock-skew", "cleartext-credentials"],
        must_not: &["token-expired", "auth-loop"],
    },
    // Bearer sent where only Basic is offered.
    Row {
        file: "scheme_mismatch.pcap",
        expected: &["scheme-mismatch", "cleartext-credentials"],
        must_not: &["invalid-credentials", "token-expired"],
    },
    // Two anonymous requests, never retried.
    Row {
        file: "missing_credentials.pcap",
        expected: &["missing-credentials"],
        must_not: &[
            "invalid-credentials",
            "scheme-mismatch",
            "cleartext-credentials",
            "auth-loop",
        ],
    },
    // Six different wrong passwords for alice in 1.5 s.
    Row {
        file: "failed_login_burst.pcap",
        expected: &[
            "failed-login-burst",
            "invalid-credentials",
            "auth-loop",
            "cleartext-credentials",
        ],
        must_not: &["missing-credentials", "scheme-mismatch"],
    },
    // Accepted credentials, then 403 on /admin: authorization.
    Row {
        file: "forbidden_403_after_auth.pcap",
        expected: &["forbidden", "cleartext-credentials"],
        must_not: &["insufficient-scope", "invalid-credentials", "auth-loop"],
    },
    // Basic and NTLM alternate, and one request carries two Authorization fields.
    Row {
        file: "conflicting_auth_methods.pcap",
        expected: &[
            "conflicting-auth-methods",
            "invalid-credentials",
            "cleartext-credentials",
        ],
        must_not: &["token-expired", "rate-limited"],
    },
    // Basic, Bearer and an API key, all accepted, all in clear.
    Row {
        file: "cleartext.pcap",
        expected: &["cleartext-credentials"],
        must_not: &["invalid-credentials", "missing-credentials", "auth-loop"],
    },
    // 200, 304, 301, a login redirect that then succeeds: nothing at all.
    Row {
        file: "healthy_browsing.pcap",
        expected: &[],
        must_not: ALL_CODES,
    },
    // The dashboard demo: wrong-password loop, then success, then 429 with Retry-After.
    Row {
        file: "../demo.pcap",
        expected: &[
            "auth-loop",
            "invalid-credentials",
            "failed-login-burst",
            "rate-limited",
            "retry-after-ignored",
            "cleartext-credentials",
        ],
        must_not: &[
            "missing-credentials",
            "scheme-mismatch",
            "login-redirect-loop",
        ],
    },
];

/// Every code of DIAGNOSES.md.
const ALL_CODES: &[&str] = &[
    "missing-credentials",
    "scheme-mismatch",
    "invalid-credentials",
    "token-expired",
    "clock-skew",
    "insufficient-scope",
    "forbidden",
    "auth-loop",
    "login-redirect-loop",
    "cookie-not-returned",
    "session-expired",
    "rate-limited",
    "retry-after-ignored",
    "failed-login-burst",
    "ip-denied",
    "connection-auth-broken",
    "kerberos-fallback-ntlm",
    "missing-challenge",
    "proxy-auth-required",
    "stale-nonce",
    "credentials-dropped-on-redirect",
    "preflight-unauthorized",
    "cleartext-credentials",
    "iis-substatus",
    "header-too-large",
    "conflicting-auth-methods",
];

/// The rows of this file and of the third-party captures.
fn all_rows() -> impl Iterator<Item = &'static Row> {
    ROWS.iter().chain(third_party::ROWS)
}

fn scenario(file: &str) -> PathBuf {
    captures_dir().join("scenarios").join(file)
}

fn findings(report: &Value) -> &[Value] {
    report["findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn all_of<'r>(report: &'r Value, code: &str) -> Vec<&'r Value> {
    findings(report)
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn one<'r>(report: &'r Value, code: &str) -> &'r Value {
    let all = all_of(report, code);
    assert_eq!(all.len(), 1, "one {code} expected: {all:#?}");
    all[0]
}

#[test]
fn every_scenario_file_has_a_row() {
    let dir = captures_dir().join("scenarios");
    let listed: BTreeSet<&str> = all_rows().map(|r| r.file).collect();
    for f in common::files_under(&dir) {
        if f.extension().is_some_and(|e| e == "pcap") {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            assert!(
                listed.contains(name),
                "{name} has no row in tests/scenarios.rs"
            );
        }
    }
}

#[test]
fn scenarios_produce_the_readme_codes() {
    let mut failures = Vec::new();
    for row in all_rows() {
        let report = report_json(&scenario(row.file));
        check_codes(row.file, &report, row.expected, row.must_not, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wrong_password_loop_is_caused_by_invalid_credentials() {
    let r = report_json(&scenario("basic_wrong_password_loop.pcap"));
    let invalid = one(&r, "invalid-credentials");
    assert_eq!(invalid["user"], "alice");
    assert_eq!(invalid["count"], 8, "8 requests carried the wrong password");
    let lp = one(&r, "auth-loop");
    assert_eq!(lp["caused_by"]["code"], "invalid-credentials");
    assert_eq!(lp["caused_by"]["id"], invalid["id"]);
    assert!(lp["explanation"]
        .as_str()
        .unwrap_or("")
        .contains("Cause: invalid-credentials"));
    assert_eq!(one(&r, "failed-login-burst")["user"], "alice");
}

#[test]
fn login_loop_is_caused_by_the_secure_cookie() {
    let r = report_json(&scenario("login_redirect_loop_secure_cookie.pcap"));
    let cookie = one(&r, "cookie-not-returned");
    assert!(cookie["title"].as_str().unwrap_or("").contains("`sid`"));
    assert!(cookie["explanation"]
        .as_str()
        .unwrap_or("")
        .contains("`Secure`"));
    let lp = one(&r, "login-redirect-loop");
    assert_eq!(lp["caused_by"]["code"], "cookie-not-returned");
    assert_eq!(lp["caused_by"]["id"], cookie["id"]);
    assert!(lp["count"].as_u64().unwrap_or(0) >= 3);
    assert!(lp["title"].as_str().unwrap_or("").contains("/secure/login"));
}

#[test]
fn iis_substatus_names_each_code() {
    let r = report_json(&scenario("iis_401_1.pcap"));
    let f = one(&r, "iis-substatus");
    assert!(f["title"].as_str().unwrap_or("").contains("401.1"), "{f}");
    assert_eq!(f["count"], 2, "plain and gzip pages");
    let r = report_json(&scenario("iis_401_more.pcap"));
    let titles: Vec<&str> = all_of(&r, "iis-substatus")
        .iter()
        .filter_map(|f| f["title"].as_str())
        .collect();
    for sub in ["401.3", "401.501", "401.502"] {
        assert!(
            titles.iter().any(|t| t.contains(sub)),
            "{sub} in {titles:?}"
        );
    }
    let r = report_json(&scenario("iis_401_503.pcap"));
    assert!(one(&r, "iis-substatus")["title"]
        .as_str()
        .unwrap_or("")
        .contains("401.503"));
}

#[test]
fn token_expired_says_how_long_before_the_request() {
    let r = report_json(&scenario("bearer_expired.pcap"));
    let f = one(&r, "token-expired");
    assert_eq!(f["count"], 3);
    let text = f["explanation"].as_str().unwrap_or("");
    // The fixture JWT's `exp` is 10 minutes before the capture.
    assert!(text.contains("10m00s before the request"), "{text}");
}

#[test]
fn session_expired_reports_the_idle_gap() {
    let r = report_json(&scenario("session_expired.pcap"));
    let f = one(&r, "session-expired");
    let title = f["title"].as_str().unwrap_or("");
    assert!(
        title.contains("`sid`") && title.contains("3s idle"),
        "{title}"
    );
}

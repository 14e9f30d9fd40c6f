//! README rows and facts for the captures of third-party servers and clients
//! (`apache_*`, `squid_*`: Apache httpd, squid, wget, python requests), kept
//! apart from the rows of the project's own test server.

use super::common::report_json;
use super::{one, scenario, Row};

/// The rows of `captures/scenarios/README.md` for the third-party captures.
pub const ROWS: &[Row] = &[
    // Apache mod_auth_digest, curl --digest right password: the normal dance twice.
    Row {
        file: "apache_digest_ok.pcap",
        expected: &[],
        must_not: &[
            "invalid-credentials",
            "auth-loop",
            "stale-nonce",
            "cleartext-credentials",
            "missing-credentials",
            "missing-challenge",
            "failed-login-burst",
        ],
    },
    // Apache Digest, the same wrong password six times (a new nonce each time).
    Row {
        file: "apache_digest_wrong_password.pcap",
        expected: &["invalid-credentials", "auth-loop", "failed-login-burst"],
        must_not: &[
            "cleartext-credentials",
            "missing-credentials",
            "stale-nonce",
            "scheme-mismatch",
        ],
    },
    // python3 requests HTTPDigestAuth: one 401, then nc=00000001 and a
    // preemptive nc=00000002 on the same keep-alive connection.
    Row {
        file: "apache_digest_requests.pcap",
        expected: &[],
        must_not: &[
            "invalid-credentials",
            "auth-loop",
            "stale-nonce",
            "cleartext-credentials",
            "missing-credentials",
        ],
    },
    // Apache AuthDigestNonceLifetime 2: the reused nonce gets `stale=true`,
    // the retry with the new nonce succeeds.
    Row {
        file: "apache_digest_stale.pcap",
        expected: &["stale-nonce"],
        must_not: &["invalid-credentials", "auth-loop", "cleartext-credentials"],
    },
    // wget answers Apache's Basic challenge itself: wrong password, then right.
    Row {
        file: "apache_basic_wget.pcap",
        expected: &["invalid-credentials", "cleartext-credentials"],
        must_not: &[
            "missing-credentials",
            "auth-loop",
            "failed-login-burst",
            "scheme-mismatch",
            "missing-challenge",
        ],
    },
    // Apache `Require ip 10.0.0.1` and `Require all denied`: its generic 403
    // page, with and without Basic credentials. The page names no address.
    Row {
        file: "apache_forbidden.pcap",
        expected: &["forbidden", "cleartext-credentials"],
        must_not: &[
            "invalid-credentials",
            "missing-credentials",
            "missing-challenge",
            "insufficient-scope",
            "ip-denied",
            "auth-loop",
        ],
    },
    // squid with basic_ncsa_auth: 407, five wrong proxy passwords, then the
    // right one reaches nginx through the proxy.
    Row {
        file: "squid_proxy_auth.pcap",
        expected: &[
            "proxy-auth-required",
            "invalid-credentials",
            "auth-loop",
            "failed-login-burst",
            "cleartext-credentials",
        ],
        must_not: &[
            "missing-challenge",
            "missing-credentials",
            "scheme-mismatch",
            "forbidden",
        ],
    },
    // squid Digest proxy auth: right password, then a wrong one 4 times.
    Row {
        file: "squid_proxy_digest.pcap",
        expected: &["proxy-auth-required", "invalid-credentials", "auth-loop"],
        must_not: &[
            "stale-nonce",
            "cleartext-credentials",
            "missing-credentials",
            "missing-challenge",
            "scheme-mismatch",
        ],
    },
    // squid with NTLM (ntlm_fake_auth) before Basic: two complete proxy NTLM
    // handshakes, each on one connection.
    Row {
        file: "squid_proxy_ntlm.pcap",
        expected: &["proxy-auth-required"],
        must_not: &[
            "invalid-credentials",
            "auth-loop",
            "connection-auth-broken",
            "cleartext-credentials",
            "missing-credentials",
            "missing-challenge",
        ],
    },
    // squid `http_access deny`: its ERR_ACCESS_DENIED 403 page, anonymous and
    // with proxy credentials it never asked for.
    Row {
        file: "squid_access_denied.pcap",
        expected: &["cleartext-credentials"],
        must_not: &[
            "proxy-auth-required",
            "invalid-credentials",
            "missing-challenge",
            "missing-credentials",
            "auth-loop",
            "ip-denied",
        ],
    },
];

#[test]
fn squid_refusals_are_worded_as_the_proxys() {
    let r = report_json(&scenario("squid_proxy_auth.pcap"));
    let invalid = one(&r, "invalid-credentials");
    assert_eq!(invalid["user"], "alice", "the user of Proxy-Authorization");
    assert_eq!(invalid["count"], 5);
    let text = invalid["explanation"].as_str().unwrap_or("");
    assert!(text.contains("The proxy answered 407"), "{text}");
    let burst = one(&r, "failed-login-burst");
    assert_eq!(burst["user"], "alice");
    assert!(
        !burst["title"].as_str().unwrap_or("").contains("API key"),
        "{burst}"
    );
    let lp = one(&r, "auth-loop");
    assert!(
        lp["title"].as_str().unwrap_or("").contains("407 responses"),
        "{lp}"
    );
    let asked = one(&r, "proxy-auth-required");
    let text = asked["explanation"].as_str().unwrap_or("");
    assert!(
        text.contains("5 carried `Proxy-Authorization: Basic"),
        "{text}"
    );
    assert!(text.contains("2 carried no Proxy-Authorization"), "{text}");
}

#[test]
fn digest_refusals_do_not_count_nonces_as_passwords() {
    let r = report_json(&scenario("apache_digest_wrong_password.pcap"));
    let invalid = one(&r, "invalid-credentials");
    assert_eq!(invalid["count"], 6);
    let text = invalid["explanation"].as_str().unwrap_or("");
    assert!(!text.contains("different credentials"), "{text}");
    assert!(text.contains("cannot tell"), "{text}");
}

#[test]
fn squid_ntlm_handshake_legs_are_not_refusals() {
    let r = report_json(&scenario("squid_proxy_ntlm.pcap"));
    let asked = one(&r, "proxy-auth-required");
    let text = asked["explanation"].as_str().unwrap_or("");
    assert!(text.contains("2 carried NTLM handshake legs"), "{text}");
    assert!(!text.contains("refused"), "{text}");
}

//! Healthy traffic produces no warning or error: successful Basic, Digest
//! (with a refreshed nonce), NTLM and form logins, normal browsing with 304s
//! and redirects. The only warning allowed is `cleartext-credentials`, and
//! only where reusable credentials really crossed plain HTTP.

mod common;

use common::{captures_dir, corpus_dir, report_json, report_json_lenient};
use serde_json::Value;
use std::path::Path;

/// (file, warnings or errors it may have, why).
const HEALTHY_SCENARIOS: &[(&str, &[&str], &str)] = &[
    (
        "healthy_browsing.pcap",
        &[],
        "200, 304, 301, login redirect that succeeds",
    ),
    (
        "basic_ok.pcap",
        &["cleartext-credentials"],
        "Basic password over http",
    ),
    ("ntlm_ok.pcap", &[], "NTLM secrets are not sent as such"),
    (
        "digest_ok_with_stale_nonce.pcap",
        &[],
        "stale-nonce is info; Digest sends no password",
    ),
    (
        "cleartext.pcap",
        &["cleartext-credentials"],
        "Basic, Bearer and API key over http, all 200",
    ),
    (
        "cookie_samesite_none.pcap",
        &[],
        "curl returns the cookie; the login works",
    ),
    (
        "apache_digest_ok.pcap",
        &[],
        "Apache Digest answered by curl: the normal dance",
    ),
    (
        "apache_digest_requests.pcap",
        &[],
        "python requests: Digest answer, then a preemptive nc=2",
    ),
    (
        "apache_digest_stale.pcap",
        &[],
        "Apache stale=true is info; the retry succeeds",
    ),
    (
        "squid_proxy_ntlm.pcap",
        &["proxy-auth-required"],
        "complete NTLM handshakes with the proxy; a 407 is always reported",
    ),
];

/// Normal browsing and form logins from the public corpus.
const HEALTHY_CORPUS: &[(&str, &[&str], &str)] = &[
    (
        "http/zeek_wikipedia.pcap",
        &[],
        "a browser reading Wikipedia",
    ),
    ("http/pcap2har_github.pcap", &[], "a browser on github.com"),
    (
        "auth/packets_http_post-login.pcapng",
        &[],
        "form login, cookie, page",
    ),
    (
        "auth/pcap2har-go_insecure-cookie-login.pcap",
        &[],
        "form login, pages, logout",
    ),
    (
        "auth/packets_http_dvwa_clearlogin.pcapng",
        &[],
        "form login, cookie session",
    ),
    (
        "auth/arkime_http-basicauth.pcap",
        &["cleartext-credentials"],
        "Basic accepted (304)",
    ),
    (
        "auth/sv_http-auth-bearer.pcap",
        &["cleartext-credentials"],
        "Bearer accepted",
    ),
];

/// Files of `http/` allowed a warning or error, with the reason.
const HTTP_CORPUS_EXCEPTIONS: &[(&str, &[&str], &str)] = &[(
    "ndpi_http_on_sip_port.pcap",
    &["cleartext-credentials", "forbidden"],
    "a signed `token=` in the URL over http, answered 403",
)];

/// Codes of warnings and errors in a report.
fn loud_codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter(|f| f["severity"] != "info")
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

fn check(name: &str, report: &Value, allowed: &[&str], why: &str, failures: &mut Vec<String>) {
    for c in loud_codes(report) {
        if !allowed.contains(&c.as_str()) {
            failures.push(format!("{name} ({why}): unexpected {c}"));
        }
    }
}

#[test]
fn healthy_scenarios_are_quiet() {
    let mut failures = Vec::new();
    for (file, allowed, why) in HEALTHY_SCENARIOS {
        let r = report_json(&captures_dir().join("scenarios").join(file));
        check(file, &r, allowed, why, &mut failures);
        if !allowed.is_empty() {
            assert!(!loud_codes(&r).is_empty(), "{file}: {why} must be reported");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn healthy_corpus_captures_are_quiet() {
    let Some(corpus) = corpus_dir() else { return };
    let mut failures = Vec::new();
    for (file, allowed, why) in HEALTHY_CORPUS {
        let r = report_json_lenient(&corpus.join(file));
        check(file, &r, allowed, why, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The whole `http/` corpus is traffic without authentication problems:
/// framing oddities, tunnels, odd link types. Nothing there may be called an
/// authentication error or warning, except where credentials went in clear.
#[test]
fn http_corpus_has_no_auth_false_positives() {
    let Some(corpus) = corpus_dir() else { return };
    let mut failures = Vec::new();
    for path in common::files_under(&corpus.join("http")) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let (allowed, why) = HTTP_CORPUS_EXCEPTIONS
            .iter()
            .find(|(f, _, _)| *f == name)
            .map(|(_, a, w)| (*a, *w))
            .unwrap_or((&[], "plain HTTP"));
        let r = report_json_lenient(Path::new(&path));
        check(name, &r, allowed, why, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

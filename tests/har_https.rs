//! Browser HARs of HTTPS sites over HTTP/2, the shape users export: each
//! `captures/har/h2_*.har` was recorded by headless Chromium against nginx
//! (TLS, `http2`) in front of tools/authserver.py
//! (scripts/capture/har/record-har.sh). Their reports must name the expected
//! findings and none of the ones an HTTPS, HTTP/2 session rules out
//! (cleartext credentials on https, a Secure cookie "not returned" although
//! the browser sent it back); pseudo-headers must not leak into the headers
//! or the origin, cookies must be counted per cookie, and an entry the browser
//! blocked (status -1, `_failureText`) stays an exchange without a response
//! that no finding uses as evidence.

mod common;

use common::{captures_dir, check_codes, finding_codes, report_json};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `(scenario, codes it must report, codes it must not report)`.
const SCENARIOS: &[(&str, &[&str], &[&str])] = &[
    (
        "h2_basic_wrong_then_right",
        &["invalid-credentials"],
        &[
            "cleartext-credentials",
            "missing-credentials",
            "scheme-mismatch",
            "missing-challenge",
        ],
    ),
    (
        "h2_login_loop_unshared_sessions",
        &["login-redirect-loop"],
        &[
            "cookie-not-returned",
            "cleartext-credentials",
            "session-expired",
        ],
    ),
    (
        "h2_bearer_cors_preflight",
        &["token-expired", "preflight-unauthorized"],
        &[
            "cleartext-credentials",
            "missing-credentials",
            "invalid-credentials",
        ],
    ),
    (
        "h2_rate_limit_429",
        &["rate-limited", "retry-after-ignored"],
        &["cleartext-credentials"],
    ),
    ("h2_healthy_redirect_304", &[], &[]),
];

/// Findings a sanitized export must never produce: their evidence is exactly
/// what the export removed.
const BLIND_ON_SANITIZED: &[&str] = &["missing-credentials", "cookie-not-returned"];

fn har_dir() -> Option<PathBuf> {
    let dir = captures_dir().join("har");
    if dir.join("h2_basic_wrong_then_right.har").is_file() {
        return Some(dir);
    }
    eprintln!("SKIP: {} has no h2_* fixtures", dir.display());
    None
}

fn raw_entries(path: &Path) -> Vec<Value> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = serde_json::from_slice(&bytes).expect("HAR fixture is JSON");
    doc["log"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Exchanges in entry order (`har_entry`).
fn exchanges(report: &Value) -> Vec<&Value> {
    let mut out: Vec<&Value> = list(report, "exchanges").iter().collect();
    out.sort_by_key(|e| e["har_entry"].as_u64());
    out
}

#[test]
fn https_sessions_report_the_expected_codes_and_not_the_ruled_out_ones() {
    let Some(dir) = har_dir() else { return };
    let mut failures = Vec::new();
    for (name, expected, must_not) in SCENARIOS {
        let report = report_json(&dir.join(format!("{name}.har")));
        check_codes(name, &report, expected, must_not, &mut failures);
        let got = finding_codes(&report);
        if expected.is_empty() && !got.is_empty() {
            failures.push(format!("{name}: a healthy session, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn http2_entries_keep_their_origin_version_and_cookies() {
    let Some(dir) = har_dir() else { return };
    for (name, _, _) in SCENARIOS {
        let file = dir.join(format!("{name}.har"));
        let raw = raw_entries(&file);
        let report = report_json(&file);
        let got = exchanges(&report);
        assert_eq!(got.len(), raw.len(), "{name}: one exchange per entry");
        for (ex, entry) in got.iter().zip(&raw) {
            let url = entry["request"]["url"].as_str().unwrap_or("");
            let target = ex["target"].as_str().unwrap_or("");
            let host = ex["host"].as_str().unwrap_or("");
            assert_eq!(format!("https://{host}{target}"), url, "{name}");
            let names: Vec<&str> = list(ex, "request_headers")
                .iter()
                .filter_map(|h| h.get(0).and_then(Value::as_str))
                .collect();
            assert!(
                names.iter().all(|n| !n.starts_with(':')),
                "{name} {url}: pseudo-header kept: {names:?}"
            );
            let hosts = names.iter().filter(|n| n.eq_ignore_ascii_case("host"));
            assert!(hosts.count() <= 1, "{name} {url}: several Host: {names:?}");
            let answered = entry["response"]["status"].as_i64().unwrap_or(0) > 0;
            if answered {
                assert_eq!(ex["version"], "HTTP/2", "{name} {url}");
            } else {
                assert!(ex["status"].is_null(), "{name} {url}: {}", ex["status"]);
            }
            let sent = list(&entry["request"], "cookies").len();
            assert_eq!(list(ex, "cookies").len(), sent, "{name} {url}: cookies");
        }
        let anomalies = &report["stats"]["anomalies"];
        assert!(
            anomalies.as_object().is_none_or(|m| m.is_empty()),
            "{name}: anomalies {anomalies}"
        );
    }
}

#[test]
fn a_blocked_request_is_no_finding_evidence() {
    let Some(dir) = har_dir() else { return };
    let report = report_json(&dir.join("h2_bearer_cors_preflight.har"));
    let blocked: Vec<u64> = exchanges(&report)
        .iter()
        .filter(|e| e["status"].is_null())
        .filter_map(|e| e["id"].as_u64())
        .collect();
    assert_eq!(
        blocked.len(),
        1,
        "the cross-origin fetch the browser blocked"
    );
    for f in list(&report, "findings") {
        for id in list(f, "evidence") {
            assert!(!blocked.contains(&id.as_u64().unwrap_or(u64::MAX)), "{f}");
        }
    }
    let preflight = exchanges(&report)
        .into_iter()
        .find(|e| e["method"] == "OPTIONS")
        .expect("the preflight entry");
    assert_eq!(preflight["status"], 401);
    assert!(preflight["credentials"].is_null());
}

#[test]
fn a_login_loop_whose_cookie_comes_back_says_so() {
    let Some(dir) = har_dir() else { return };
    let report = report_json(&dir.join("h2_login_loop_unshared_sessions.har"));
    let lp = list(&report, "findings")
        .iter()
        .find(|f| f["code"] == "login-redirect-loop")
        .expect("login-redirect-loop");
    let text = lp["explanation"].as_str().unwrap_or("");
    assert!(text.contains("sid") && text.contains("theme"), "{text}");
    let first_fix = list(lp, "fixes").first().and_then(Value::as_str);
    assert!(
        first_fix.is_some_and(|f| f.contains("load balancer")),
        "{first_fix:?}"
    );
}

#[test]
fn sanitized_https_exports_are_flagged_and_blame_nothing_removed() {
    let Some(dir) = har_dir() else { return };
    for (name, _, _) in SCENARIOS {
        let report = report_json(&dir.join(format!("{name}.sanitized.har")));
        let notes: Vec<&str> = list(&report, "notes")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            notes.iter().any(|n| n.contains("sanitized")),
            "{name}: notes {notes:?}"
        );
        let got = finding_codes(&report);
        for code in BLIND_ON_SANITIZED {
            assert!(!got.contains(*code), "{name}.sanitized.har: {code}");
        }
    }
}

#[test]
fn cookies_split_over_several_fields_are_each_counted() {
    // HTTP/2 lets a browser send its cookies as several `cookie` fields
    // (RFC 9113 §8.2.3), and Firefox joins Set-Cookie fields with newlines.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("split.har");
    let doc = r#"{"log":{"version":"1.2","creator":{"name":"Firefox","version":"120.0"},"entries":[
      {"startedDateTime":"2026-01-01T10:00:00.000Z","connection":"443","serverIPAddress":"10.0.0.5",
       "request":{"method":"GET","url":"https://shop.example/cart","httpVersion":"HTTP/2","cookies":[],
        "headers":[{"name":":method","value":"GET"},{"name":":authority","value":"shop.example"},
         {"name":"host","value":"shop.example"},{"name":"cookie","value":"sid=abc"},
         {"name":"cookie","value":"theme=dark"},{"name":"cookie","value":"lang=en"}]},
       "response":{"status":200,"httpVersion":"HTTP/2","cookies":[],
        "headers":[{"name":"set-cookie","value":"a=1; Secure\nb=2; Secure"}]}}]}}"#;
    std::fs::write(&path, doc).expect("write");
    let report = report_json(&path);
    let ex = exchanges(&report);
    let ex = ex.first().expect("one exchange");
    let names = |key: &str| -> Vec<String> {
        list(ex, key)
            .iter()
            .filter_map(|c| c["name"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(names("cookies"), ["sid", "theme", "lang"]);
    assert_eq!(names("set_cookies"), ["a", "b"]);
    assert_eq!(ex["host"], "shop.example");
    assert!(ex["connection"].is_null(), "Firefox's connection is a port");
    assert!(finding_codes(&report).is_empty());
}

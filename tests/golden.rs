//! Golden tests: `authscope report --format json` and `--format text` over a
//! selection of the project's captures (Basic loop, bearer expired, cookie
//! login loop, 429, NTLM, IIS, HAR), compared with reviewed insta snapshots in
//! `tests/snapshots/`. Fingerprints are fixed by `AUTHSCOPE_FP_SEED=7` (set by
//! `common::run_authscope`); every other field comes from the capture and is
//! stable. In CI (`CI` set) insta never writes snapshots: a difference fails.
//! To accept a reviewed change locally: `INSTA_UPDATE=always cargo test --test golden`
//! (or `cargo insta review`), then read the diff before committing.

mod common;

use std::time::Duration;

/// Captures under test, relative to the crate root (paths appear in the output).
const CAPTURES: &[(&str, &str)] = &[
    ("demo", "captures/demo.pcap"),
    (
        "basic_wrong_password_loop",
        "captures/scenarios/basic_wrong_password_loop.pcap",
    ),
    ("bearer_expired", "captures/scenarios/bearer_expired.pcap"),
    (
        "login_redirect_loop_secure_cookie",
        "captures/scenarios/login_redirect_loop_secure_cookie.pcap",
    ),
    ("session_expired", "captures/scenarios/session_expired.pcap"),
    (
        "rate_limit_burst_429",
        "captures/scenarios/rate_limit_burst_429.pcap",
    ),
    ("ntlm_ok", "captures/scenarios/ntlm_ok.pcap"),
    (
        "ntlm_wrong_password",
        "captures/scenarios/ntlm_wrong_password.pcap",
    ),
    ("iis_401_2", "captures/scenarios/iis_401_2.pcap"),
    ("cleartext", "captures/scenarios/cleartext.pcap"),
    (
        "har_basic_wrong_then_right",
        "captures/har/basic_wrong_then_right.har",
    ),
    (
        "har_login_redirect_loop",
        "captures/har/login_redirect_loop.har",
    ),
];

fn report(path: &str, format: &str) -> String {
    let manifest = env!("CARGO_MANIFEST_DIR");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_authscope"));
    cmd.current_dir(manifest)
        .args(["report", "--format", format, path])
        .env("AUTHSCOPE_FP_SEED", "7")
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let run = common::run_with_deadline(cmd, Duration::from_secs(60));
    assert!(!run.timed_out, "{path}: timed out");
    assert_eq!(
        run.code,
        Some(0),
        "{path}: exit {:?}: {}",
        run.code,
        run.stderr
    );
    String::from_utf8(run.stdout).expect("report output is UTF-8")
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

#[test]
fn golden_json_reports() {
    for (name, path) in CAPTURES {
        let out = report(path, "json");
        let doc: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(doc["version"], 1, "{path}");
        settings().bind(|| {
            insta::assert_snapshot!(format!("{name}.json"), out);
        });
    }
}

#[test]
fn golden_text_reports() {
    for (name, path) in CAPTURES {
        let out = report(path, "text");
        for line in out.lines() {
            assert!(
                line.chars().count() <= 100,
                "{path}: line wider than 100 columns: {line}"
            );
        }
        settings().bind(|| {
            insta::assert_snapshot!(format!("{name}.txt"), out);
        });
    }
}

/// The fingerprint an explanation cites is the one the evidence lines show.
#[test]
fn evidence_cites_the_explanations_fingerprint() {
    let out = report("captures/demo.pcap", "text");
    let block = out
        .split("\n[")
        .find(|b| b.starts_with("ERROR] invalid-credentials"))
        .expect("invalid-credentials finding");
    let flat = block.split_whitespace().collect::<Vec<_>>().join(" ");
    let fp = flat
        .split("(fingerprint ")
        .nth(1)
        .and_then(|r| r.get(..8))
        .expect("explanation cites a fingerprint");
    let evidence = block.split("evidence:").nth(1).expect("evidence");
    assert!(
        evidence.contains(&format!("(cred {fp})")),
        "evidence does not show cred {fp}:\n{block}"
    );
}

/// A HAR entry's client is unknown: null in JSON, `-` in text, never 0.0.0.0.
#[test]
fn har_client_is_unknown_not_zero() {
    let path = "captures/har/basic_wrong_then_right.har";
    let doc: serde_json::Value = serde_json::from_str(&report(path, "json")).expect("JSON");
    let exchanges = doc["exchanges"].as_array().expect("exchanges");
    assert!(!exchanges.is_empty());
    assert!(exchanges.iter().all(|e| e["client"].is_null()));
    let findings = doc["findings"].as_array().expect("findings");
    assert!(findings.iter().all(|f| f["client"].is_null()));
    let text = report(path, "text");
    assert!(!text.contains("0.0.0.0:0"), "{text}");
    assert!(text.contains("(har, 4 entries,"), "{text}");
}

/// NDJSON: a finding's `caused_by` names its cause's id and code even when the
/// cause was emitted in an earlier batch; the last line is the final stats.
#[test]
fn ndjson_caused_by_has_code_and_stats_line_closes() {
    let out = report("captures/demo.pcap", "ndjson");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    let mut codes = std::collections::HashMap::new();
    let mut linked = 0;
    for v in &lines {
        if v["type"] == "finding" {
            codes.insert(v["id"].as_u64(), v["code"].clone());
        }
    }
    for v in lines.iter().filter(|v| v["type"] == "finding") {
        let cb = &v["caused_by"];
        if cb.is_null() {
            continue;
        }
        linked += 1;
        assert!(cb["code"].is_string(), "caused_by without code: {v}");
        assert_eq!(codes.get(&cb["id"].as_u64()), Some(&cb["code"]), "{v}");
    }
    assert!(
        linked > 0,
        "demo.pcap has an auth-loop caused by invalid-credentials"
    );
    let last = lines.last().expect("lines");
    assert_eq!(last["type"], "stats");
    assert_eq!(last["final"], true);
    assert!(last["finding_count"].as_u64().is_some_and(|n| n > 0));
}

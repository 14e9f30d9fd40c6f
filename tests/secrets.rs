//! Secrets audit (issues "Authentication decoding" and "Hostile input"): every
//! output mode (text, JSON, NDJSON; `Debug` of records built through the library)
//! over every fixture capture with made-up credentials must not contain a
//! password, token, key or cookie value, nor its base64 or URL-encoded form,
//! unless `--show-secrets` is given; with it, the JSON outputs do contain them
//! (so the search itself is shown to work).
//!
//! The secret values are not only the documented fixture ones: they are
//! extracted per file from the wire with tshark (`http.authorization`,
//! `http.cookie`, `http.set_cookie`), from the HAR JSON, and from our own
//! `--show-secrets` report. The redaction under test is by type (the `Secret`
//! type, secret header fields, secret query parameters); this test is the only
//! place that searches output for known strings.

mod common;

use base64::Engine as _;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Documented fixture secrets (captures/scenarios/README.md).
const KNOWN: &[&str] = &["correct-horse", "wrong-pass", "ak_test_5f2b9c0e1d"];

/// Shorter values are too likely to occur by chance (`1`, `dark`, `en`).
const MIN_SECRET_LEN: usize = 6;

fn fixtures() -> Vec<PathBuf> {
    let dir = common::captures_dir();
    let mut out = vec![dir.join("demo.pcap")];
    for sub in ["scenarios", "har"] {
        for p in common::files_under(&dir.join(sub)) {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext == "pcap" || ext == "har" {
                out.push(p);
            }
        }
    }
    out
}

/// Standard output of a run; standard error must be empty (no secret can hide there).
fn run(args: &[&str]) -> Vec<u8> {
    let r = common::run_authscope(args, Duration::from_secs(60));
    assert!(!r.timed_out, "{args:?} timed out");
    assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
    assert!(
        r.stderr.is_empty(),
        "{args:?} wrote to stderr: {}",
        r.stderr
    );
    r.stdout
}

/// `user:pass` of a Basic token68 gives the password too.
fn add_header_value(name: &str, value: &str, into: &mut BTreeSet<String>) {
    let n = name.to_ascii_lowercase();
    let value = value.trim();
    match n.as_str() {
        "authorization" | "proxy-authorization" => {
            let token = value.split_once(' ').map_or(value, |(_, t)| t.trim());
            into.insert(token.to_string());
            if let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(token) {
                if let Some((_, pass)) = String::from_utf8_lossy(&raw).split_once(':') {
                    into.insert(pass.to_string());
                }
            }
        }
        "cookie" => {
            for pair in value.split(';') {
                if let Some((_, v)) = pair.split_once('=') {
                    into.insert(v.trim().to_string());
                }
            }
        }
        "set-cookie" => {
            let first = value.split(';').next().unwrap_or("");
            if let Some((_, v)) = first.split_once('=') {
                into.insert(v.trim().to_string());
            }
        }
        "x-api-key" | "api-key" => {
            into.insert(value.to_string());
        }
        _ => {}
    }
}

/// Values tshark shows in the credential header fields of a pcap.
fn secrets_from_tshark(path: &Path, into: &mut BTreeSet<String>) -> bool {
    let out = Command::new("tshark")
        .args(["--enable-heuristic", "http_tcp", "-r"])
        .arg(path)
        .args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"])
        .args(["-e", "http.authorization", "-e", "http.cookie"])
        .args(["-e", "http.set_cookie", "-e", "http.request.line"])
        .output();
    let Ok(out) = out else {
        return false;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let names = ["authorization", "cookie", "set-cookie"];
        for (name, col) in names.iter().zip(cols.iter()) {
            for v in col.split('|').filter(|v| !v.is_empty()) {
                add_header_value(name, v, into);
            }
        }
        for l in cols.get(3).unwrap_or(&"").split('|') {
            if let Some((name, value)) = l.trim_end_matches("\\r\\n").split_once(':') {
                add_header_value(name, value, into);
            }
        }
    }
    true
}

/// Values in the HAR's credential headers and cookie arrays.
fn secrets_from_har(path: &Path, into: &mut BTreeSet<String>) {
    let text = std::fs::read_to_string(path).expect("read HAR");
    let doc: Value = serde_json::from_str(&text).expect("HAR JSON");
    let entries = doc["log"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for e in entries {
        for side in ["request", "response"] {
            for h in e[side]["headers"].as_array().into_iter().flatten() {
                if let (Some(n), Some(v)) = (h["name"].as_str(), h["value"].as_str()) {
                    add_header_value(n, v, into);
                }
            }
            for c in e[side]["cookies"].as_array().into_iter().flatten() {
                if let Some(v) = c["value"].as_str() {
                    into.insert(v.to_string());
                }
            }
        }
    }
}

/// Values our own `--show-secrets` JSON reveals (typed fields and headers).
fn secrets_from_revealed(doc: &Value, into: &mut BTreeSet<String>) {
    let exchanges = doc["exchanges"].as_array().cloned().unwrap_or_default();
    for ex in exchanges {
        let mut creds: Vec<Value> = vec![ex["credentials"].clone()];
        creds.extend(
            ex["extra_credentials"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        for c in creds {
            for k in ["password", "token", "raw", "response", "access_key"] {
                if let Some(v) = c[k].as_str() {
                    into.insert(v.to_string());
                }
            }
        }
        for list in ["api_keys", "cookies", "set_cookies"] {
            for item in ex[list].as_array().into_iter().flatten() {
                if let Some(v) = item["value"].as_str() {
                    into.insert(v.to_string());
                }
            }
        }
        for hs in ["request_headers", "response_headers"] {
            for h in ex[hs].as_array().into_iter().flatten() {
                if let (Some(n), Some(v)) = (h[0].as_str(), h[1].as_str()) {
                    add_header_value(n, v, into);
                }
            }
        }
    }
}

fn url_encode(s: &str, upper: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// The value as it appears inside a JSON string (quotes and backslashes escaped).
fn json_escaped(s: &str) -> String {
    let q = serde_json::to_string(s).unwrap_or_default();
    q.trim_matches('"').to_string()
}

/// The value, its JSON-escaped, (standard and URL-safe, padded or not) and URL-encoded forms.
fn forms(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let mut v = vec![
        secret.to_string(),
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        url_encode(secret, true),
        url_encode(secret, false),
        json_escaped(secret),
    ];
    v.sort();
    v.dedup();
    v
}

fn contains(hay: &[u8], needle: &str) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn leaks(out: &[u8], secrets: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for s in secrets {
        for f in forms(s) {
            if contains(out, &f) {
                found.push(format!("{s:?} as {f:?}"));
            }
        }
    }
    found
}

/// Every secret of one fixture file, from all three extractions.
fn file_secrets(path: &Path, revealed: &Value, have_tshark: &mut bool) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    if path.extension().is_some_and(|e| e == "har") {
        secrets_from_har(path, &mut all);
    } else if *have_tshark {
        *have_tshark = secrets_from_tshark(path, &mut all);
    }
    secrets_from_revealed(revealed, &mut all);
    all.retain(|s| s.len() >= MIN_SECRET_LEN && !s.starts_with('\u{2022}'));
    all
}

#[test]
fn no_output_mode_leaks_a_secret_unless_asked() {
    let mut have_tshark = true;
    let mut seen_known: BTreeSet<&str> = BTreeSet::new();
    let mut total = 0usize;
    for path in fixtures() {
        let p = path.to_string_lossy().to_string();
        let revealed_json = run(&["report", "--format", "json", "--show-secrets", &p]);
        let revealed: Value = serde_json::from_slice(&revealed_json).expect("JSON report");
        let secrets = file_secrets(&path, &revealed, &mut have_tshark);
        for k in KNOWN {
            if secrets.contains(*k) {
                seen_known.insert(k);
            }
        }
        total += secrets.len();
        for format in ["text", "json", "ndjson"] {
            let out = run(&["report", "--format", format, &p]);
            let found = leaks(&out, &secrets);
            assert!(found.is_empty(), "{p} --format {format} leaks {found:?}");
        }
        let revealed_nd = run(&["report", "--format", "ndjson", "--show-secrets", &p]);
        for s in &secrets {
            let shown = forms(s).iter().any(|f| contains(&revealed_json, f))
                && forms(s).iter().any(|f| contains(&revealed_nd, f));
            assert!(shown, "{p}: {s:?} not shown with --show-secrets");
        }
    }
    if !have_tshark {
        eprintln!("NOTE: tshark not found; secrets taken from HAR files and our own output only");
    }
    for k in KNOWN {
        assert!(seen_known.contains(k), "fixture secret {k} never found");
    }
    assert!(total > 20, "only {total} secrets found: extraction broke");
}

/// Every record of `path` analysed through the library API, as `{:?}` and
/// `{:#?}`, plus the whole snapshot.
fn debug_dump(path: &Path) -> Vec<u8> {
    use authscope::engine::{Engine, EngineConfig};
    use authscope::model::FingerprintKey;
    let config = EngineConfig {
        fingerprint_key: FingerprintKey::fixed(7),
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(config);
    let mut src =
        authscope::source::open_inputs(&[path.to_string_lossy().to_string()]).expect("open");
    while let Ok(Some(item)) = src.next_item() {
        engine.feed(item);
    }
    engine.finish();
    let snap = engine.snapshot(src.stats(), src.notes());
    assert!(
        !snap.exchanges.is_empty(),
        "{}: no exchanges",
        path.display()
    );
    let mut out = String::new();
    for r in &snap.exchanges {
        out.push_str(&format!("{r:?}\n{r:#?}\n{:?}\n", r.auth));
    }
    out.push_str(&format!("{snap:?}"));
    out.into_bytes()
}

#[test]
fn debug_output_of_records_masks_secrets() {
    let mut have_tshark = true;
    let mut checked = 0usize;
    for path in fixtures() {
        let p = path.to_string_lossy().to_string();
        let revealed = run(&["report", "--format", "json", "--show-secrets", &p]);
        let revealed: Value = serde_json::from_slice(&revealed).expect("JSON report");
        let secrets = file_secrets(&path, &revealed, &mut have_tshark);
        let dump = debug_dump(&path);
        let mut found = leaks(&dump, &secrets);
        for s in &secrets {
            let list = format!("{:?}", s.as_bytes());
            if contains(&dump, list.trim_start_matches('[').trim_end_matches(']')) {
                found.push(format!("{s:?} as a byte list"));
            }
        }
        assert!(found.is_empty(), "{p}: Debug leaks {found:?}");
        checked += secrets.len();
    }
    assert!(checked > 20, "only {checked} secrets checked");
}

/// Control, C1 and bidi characters an attacker puts in network text.
const HOSTILE: &[&str] = &[
    "\u{1b}]0;pwned\u{7}",
    "\u{1b}[2J",
    "\u{9b}31m",
    "\u{202e}",
    "\u{2066}",
];

fn hostile(i: usize) -> &'static str {
    HOSTILE.get(i % HOSTILE.len()).copied().unwrap_or("")
}

fn har_header(name: &str, value: &str) -> Value {
    serde_json::json!({"name": name, "value": value})
}

/// A HAR whose every displayed string carries escape, C1 or bidi sequences,
/// plus secrets in places only typed redaction finds (a query parameter, a
/// `Location` URL, a newline-joined `Set-Cookie`). Made-up values throughout.
fn hostile_har() -> (Value, Vec<&'static str>) {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let user = format!("mal{}lory", hostile(0));
    let basic = STANDARD.encode(format!("{user}:pw-hostile-4711"));
    let claims = format!(
        r#"{{"sub":"eve{}","exp":1,"scope":"r{}"}}"#,
        hostile(3),
        hostile(1)
    );
    let jwt = format!(
        "{}.{}.c2lnbmF0dXJlLWhvc3RpbGU",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let entry = |i: usize, auth: String| {
        serde_json::json!({
            "startedDateTime": format!("2026-01-01T00:00:0{i}.000Z"),
            "time": 1.0,
            "request": {
                "method": "GET",
                "url": format!("http://h.test/p{}?access_token=tok-hostile-9931&x={}", hostile(i), hostile(i + 1)),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": [
                    har_header("Host", &format!("h.test{}", hostile(i + 2))),
                    har_header("Authorization", &auth),
                    har_header(&format!("X-Ev{}il", hostile(i)), &format!("v{}", hostile(i + 3))),
                    har_header("Cookie", &format!("s{}id=ck-hostile-5521; other=zz-hostile-7788", hostile(i))),
                ],
                "queryString": [], "headersSize": -1, "bodySize": 0
            },
            "response": {
                "status": 401,
                "statusText": format!("No{}pe", hostile(i + 4)),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": [
                    har_header("WWW-Authenticate", &format!("Basic realm=\"r{}\"", hostile(i))),
                    har_header("Location", "/cb?code=code-hostile-3141&state=ok"),
                    har_header("Set-Cookie", "a=sc-hostile-1618; Path=/\nb=sc-hostile-2718; Secure"),
                ],
                "content": {"size": 0, "mimeType": "text/plain"},
                "headersSize": -1, "bodySize": 0, "redirectURL": ""
            },
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}
        })
    };
    let har = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
        "entries": [entry(0, format!("Basic {basic}")), entry(1, format!("Bearer {jwt}")),
                    entry(2, format!("Basic {basic}"))]}});
    let secrets = vec![
        "pw-hostile-4711",
        "tok-hostile-9931",
        "ck-hostile-5521",
        "zz-hostile-7788",
        "code-hostile-3141",
        "sc-hostile-1618",
        "sc-hostile-2718",
        "c2lnbmF0dXJlLWhvc3RpbGU",
    ];
    (har, secrets)
}

/// Raw or JSON-escaped control, C1 and bidi characters in an output.
fn unsafe_chars(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(out);
    let mut found = Vec::new();
    for c in text.chars() {
        let u = c as u32;
        let bad = (u < 0x20 && c != '\n')
            || (0x7f..0xa0).contains(&u)
            || (0x202a..=0x202e).contains(&u)
            || (0x2066..=0x2069).contains(&u);
        if bad {
            found.push(format!("U+{u:04X}"));
        }
    }
    for esc in ["\\u001b", "\\u0007", "\\u009b", "\\u202e", "\\u2066"] {
        if text.to_ascii_lowercase().contains(esc) {
            found.push(esc.to_string());
        }
    }
    found
}

#[test]
fn hostile_har_strings_are_inert_and_secrets_masked_in_every_mode() {
    let (har, secrets) = hostile_har();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hostile.har");
    std::fs::write(&path, serde_json::to_vec(&har).expect("HAR")).expect("write HAR");
    let p = path.to_string_lossy().to_string();
    let secrets: BTreeSet<String> = secrets.iter().map(|s| s.to_string()).collect();
    for format in ["text", "json", "ndjson"] {
        for reveal in [false, true] {
            let mut args = vec!["report", "--format", format, p.as_str()];
            if reveal {
                args.push("--show-secrets");
            }
            let out = run(&args);
            assert!(
                contains(&out, "mal\u{241b}]0"),
                "{args:?}: the hostile user name did not reach the output at all"
            );
            let bad = unsafe_chars(&out);
            assert!(bad.is_empty(), "{args:?}: unsafe characters {bad:?}");
            let found = leaks(&out, &secrets);
            if !reveal {
                assert!(found.is_empty(), "{args:?} leaks {found:?}");
            } else if format != "text" {
                assert!(
                    found.len() >= secrets.len(),
                    "{args:?} shows only {found:?}"
                );
            }
        }
    }
}

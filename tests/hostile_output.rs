//! Terminal safety of the headless outputs: `report` in text, JSON and NDJSON
//! over the hostile capture and HAR of `common::hostile`, masked and with
//! `--show-secrets`. The text report and standard error carry no control,
//! bidi or zero-width character from the network; JSON is valid, and its
//! strings are sanitized too (JSON escaping alone would let `jq -r` print
//! the escape sequences).

mod common;

use authscope::report::{exchange_line, finding_line, ReportOptions};
use common::hostile::har::hostile_har;
use common::hostile::{
    analyse, forbidden_in, hostile_pcap, is_forbidden, unescaped_markers, C0_SHOWN,
};
use common::run_authscope;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let pcap = dir.join("hostile.pcap");
    std::fs::write(&pcap, hostile_pcap()).expect("write the capture");
    let har = dir.join("hostile.har");
    std::fs::write(&har, hostile_har()).expect("write the HAR");
    vec![pcap, har]
}

/// `report` output (stdout, stderr) for one fixture, format and secrets flag.
fn report(file: &Path, format: &str, secrets: bool) -> (String, String) {
    let path = file.to_string_lossy();
    let mut args = vec!["report", "--format", format];
    if secrets {
        args.push("--show-secrets");
    }
    args.push(&path);
    let run = run_authscope(&args, Duration::from_secs(60));
    assert!(!run.timed_out, "{path} {format}: timed out");
    assert_eq!(run.code, Some(0), "{path} {format}: {}", run.stderr);
    let stdout = String::from_utf8(run.stdout).expect("reports are UTF-8");
    (stdout, run.stderr)
}

/// Strings and keys of `v` that hold a forbidden character.
fn forbidden_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.chars().any(is_forbidden) => out.push(format!("{s:?}")),
        Value::Array(a) => a.iter().for_each(|x| forbidden_strings(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                if k.chars().any(is_forbidden) {
                    out.push(format!("key {k:?}"));
                }
                forbidden_strings(x, out);
            }
        }
        _ => {}
    }
}

fn check_json_doc(label: &str, doc: &str, problems: &mut Vec<String>) {
    let v: Value = match serde_json::from_str(doc) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("{label}: invalid JSON: {e}"));
            return;
        }
    };
    let mut bad = Vec::new();
    forbidden_strings(&v, &mut bad);
    problems.extend(bad.into_iter().map(|b| format!("{label}: {b}")));
    if doc.contains("\\u001b") || doc.contains("\\u0007") {
        problems.push(format!(
            "{label}: an escaped ESC or BEL survives in a string"
        ));
    }
}

fn check_text(label: &str, text: &str, problems: &mut Vec<String>) {
    problems.extend(
        forbidden_in(text)
            .into_iter()
            .map(|b| format!("{label}: {b}")),
    );
    problems.extend(
        unescaped_markers(text)
            .into_iter()
            .map(|b| format!("{label}: {b}")),
    );
}

#[test]
fn reports_of_hostile_input_carry_no_terminal_controls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut problems = Vec::new();
    for file in fixtures(dir.path()) {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        for secrets in [false, true] {
            for format in ["text", "json", "ndjson"] {
                let label = format!("{name} {format} secrets={secrets}");
                let (out, err) = report(&file, format, secrets);
                check_text(&format!("{label} stderr"), &err, &mut problems);
                // Raw output: no control or bidi character, whatever the format.
                check_text(&label, &out, &mut problems);
                match format {
                    "json" => check_json_doc(&label, &out, &mut problems),
                    "ndjson" => {
                        for (i, line) in out.lines().enumerate() {
                            check_json_doc(&format!("{label} line {i}"), line, &mut problems);
                        }
                    }
                    _ => {}
                }
                assert!(
                    out.contains(C0_SHOWN),
                    "{label}: the escape sequences show in visible form"
                );
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The one-line forms `live` prints headless, for every exchange and finding.
#[test]
fn streaming_lines_of_hostile_input_carry_no_terminal_controls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut problems = Vec::new();
    let mut shown = false;
    for file in fixtures(dir.path()) {
        let snap = analyse(&file);
        assert!(
            !snap.findings.is_empty(),
            "{}: findings fire",
            file.display()
        );
        for show_secrets in [false, true] {
            let opts = ReportOptions { show_secrets };
            for rec in &snap.exchanges {
                let line = exchange_line(rec, &opts);
                shown |= line.contains(C0_SHOWN);
                check_text(
                    &format!("exchange {}", rec.exchange.id),
                    &line,
                    &mut problems,
                );
            }
        }
        for f in &snap.findings {
            let line = finding_line(f);
            shown |= line.contains(C0_SHOWN);
            check_text(&format!("finding {}", f.code), &line, &mut problems);
            if line.contains('\n') {
                problems.push(format!("finding {}: more than one line", f.code));
            }
        }
    }
    assert!(shown, "the escape sequences show in visible form");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

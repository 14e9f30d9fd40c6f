//! Output digest: `authscope report --format json` on a capture made by the
//! `gencap` generator (`--size 5M --seed 7`, default mix) must stay byte for
//! byte what `tests/data/perf_digest.txt` records, so a performance change that
//! alters the output fails here. The generator is included from
//! `examples/gencap/` and writes the capture into a temporary directory; the
//! report runs there on a relative file name with `AUTHSCOPE_FP_SEED=7`, so
//! neither the path in `sources` nor the secret fingerprints vary between
//! runs (the report reads no clock). Besides the two SHA-256 digests (capture
//! and report), the committed file holds a readable summary (counts of
//! exchanges, statuses, findings by code, TCP and HTTP counters) so a failure
//! shows what moved.
//!
//! After a reviewed, intended change of output:
//! `UPDATE_DIGEST=1 cargo test --profile ci --test perf_digest`, then read the
//! diff of `tests/data/perf_digest.txt` before committing. The new report is
//! also left in the cargo target temp directory for comparison.

mod common;

#[allow(dead_code)]
// `common::hostile` includes the generator's `wire.rs` on its own as well: two
// copies of a few pcap-writing helpers in this test binary, on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../examples/gencap/generator.rs"]
mod generator;

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

const CAPTURE_NAME: &str = "perf-digest.pcap";

fn expected_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/perf_digest.txt")
}

/// `gencap --size 5M --seed 7` with every other option at its default.
fn capture() -> Vec<u8> {
    let cfg = generator::Config {
        size_bytes: 5 << 20,
        seed: 7,
        clients: 500,
        concurrency: 64,
        reorder: 0.01,
        retransmit: 0.005,
        format: generator::FileFormat::Pcap,
    };
    let (bytes, summary) = generator::generate(&cfg, Vec::new()).expect("write to a Vec");
    assert!(summary.exchanges > 1000, "{summary:?}");
    bytes
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn report_json(dir: &Path) -> Vec<u8> {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_authscope"));
    cmd.current_dir(dir)
        .args(["report", "--format", "json", CAPTURE_NAME])
        .env("AUTHSCOPE_FP_SEED", "7")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let run = common::run_with_deadline(cmd, Duration::from_secs(120));
    assert!(!run.timed_out, "report timed out");
    assert_eq!(run.code, Some(0), "report failed: {}", run.stderr);
    run.stdout
}

fn count_map(map: &BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    parts.join(" ")
}

/// `key=value` lines that say what the report contains.
fn summary(doc: &Value) -> Vec<String> {
    let stats = &doc["stats"];
    let n = |v: &Value| {
        v.as_u64()
            .map_or_else(|| "?".to_string(), |n| n.to_string())
    };
    let mut codes = BTreeMap::new();
    let mut severities = BTreeMap::new();
    let findings = doc["findings"].as_array().map_or(&[][..], Vec::as_slice);
    for f in findings {
        let code = f["code"].as_str().unwrap_or("?").to_string();
        *codes.entry(code).or_insert(0u64) += 1;
        let severity = f["severity"].as_str().unwrap_or("?").to_string();
        *severities.entry(severity).or_insert(0u64) += 1;
    }
    let statuses: BTreeMap<String, u64> = stats["status_counts"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let kept = doc["exchanges"].as_array().map_or(0, Vec::len);
    let (tcp, http) = (&stats["tcp"], &stats["http"]);
    vec![
        format!("packets={}", n(&stats["packets"])),
        format!("exchanges={} kept={kept}", n(&stats["exchanges"])),
        format!("statuses={}", count_map(&statuses)),
        format!("findings={}", findings.len()),
        format!("finding_codes={}", count_map(&codes)),
        format!("severities={}", count_map(&severities)),
        format!(
            "tcp=connections:{} out_of_order:{} duplicate_bytes:{} gaps:{}",
            n(&tcp["connections"]),
            n(&tcp["out_of_order"]),
            n(&tcp["duplicate_bytes"]),
            n(&tcp["gaps"])
        ),
        format!(
            "http=requests:{} responses:{} unanswered:{} resyncs:{}",
            n(&http["requests"]),
            n(&http["responses"]),
            n(&http["unanswered"]),
            n(&http["resyncs"])
        ),
    ]
}

fn render(capture_sha: &str, report_sha: &str, summary: &[String]) -> String {
    let mut s = String::from(
        "# authscope report --format json on gencap --size 5M --seed 7 (AUTHSCOPE_FP_SEED=7).\n\
         # Checked by tests/perf_digest.rs; after a reviewed output change:\n\
         # UPDATE_DIGEST=1 cargo test --profile ci --test perf_digest\n",
    );
    let _ = writeln!(s, "capture_sha256={capture_sha}");
    let _ = writeln!(s, "report_sha256={report_sha}");
    for line in summary {
        let _ = writeln!(s, "{line}");
    }
    s
}

/// Lines of `expected` and `actual` that differ, as a short diff.
fn line_diff(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        if x != y {
            let _ = writeln!(out, "  - {}", x.unwrap_or("(none)"));
            let _ = writeln!(out, "  + {}", y.unwrap_or("(none)"));
        }
    }
    out
}

#[test]
fn report_json_on_generated_capture_matches_committed_digest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = capture();
    std::fs::write(dir.path().join(CAPTURE_NAME), &bytes).expect("write capture");
    let out = report_json(dir.path());
    let doc: Value = serde_json::from_slice(&out).expect("the report is JSON");
    assert_eq!(doc["sources"][0]["path"], CAPTURE_NAME, "path as given");
    let actual = render(&sha256(&bytes), &sha256(&out), &summary(&doc));

    let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join("perf_digest_report.json");
    let _ = std::fs::write(&saved, &out);
    let path = expected_path();
    let update = std::env::var_os("UPDATE_DIGEST").is_some_and(|v| v == "1");
    if update && std::env::var_os("CI").is_none() {
        std::fs::create_dir_all(path.parent().expect("tests/data")).expect("mkdir");
        std::fs::write(&path, &actual).expect("write digest");
        eprintln!("perf_digest: wrote {}", path.display());
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let capture_moved = !expected.contains(&format!("capture_sha256={}", sha256(&bytes)));
        panic!(
            "the JSON report on the generated capture changed{}.\n\
             differences (- committed, + now):\n{}\
             this run's report: {}\n\
             if the change is intended and reviewed, update the committed digest with\n  \
             UPDATE_DIGEST=1 cargo test --profile ci --test perf_digest\n\
             and commit {}",
            if capture_moved {
                " (the capture itself differs: examples/gencap changed)"
            } else {
                ""
            },
            line_diff(&expected, &actual),
            saved.display(),
            path.display()
        );
    }
}

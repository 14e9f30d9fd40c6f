//! Cross-check against a peer: for the corpus `http/` and `auth/` captures that
//! have no Zeek baseline, our request and response counts must equal tshark's
//! (`-Y http.request` / `http.response`, out-of-order reassembly on, the
//! non-standard ports of MANIFEST.md decoded as HTTP). Files where the counts
//! differ are listed with the reason. Skips when tshark is absent.

mod common;

use common::{corpus_dir, files_under, report_json_lenient, run_with_deadline};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The ports MANIFEST.md says were decoded as HTTP.
const PORTS: &[u16] = &[
    8000, 8001, 8065, 1080, 8888, 5432, 5060, 6667, 22, 81, 8008, 4443, 8081, 9000, 3000, 5000,
    888, 8002, 3128, 1234,
];

/// Captures whose counts differ from tshark's, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

fn tshark_available() -> bool {
    Command::new("tshark")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Requests and responses tshark dissects in `file`, from one pass that
/// prints both fields of every HTTP frame.
fn tshark_counts(file: &Path) -> (usize, usize) {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(file);
    cmd.args(["-o", "tcp.reassemble_out_of_order:TRUE"]);
    for p in PORTS {
        cmd.args(["-d", &format!("tcp.port=={p},http")]);
    }
    cmd.args(["-Y", "http.request or http.response", "-T", "fields"]);
    cmd.args([
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
        "-E",
        "separator=/t",
    ]);
    cmd.args(["-e", "http.request.method", "-e", "http.response.code"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let run = run_with_deadline(cmd, Duration::from_secs(120));
    assert!(!run.timed_out, "{}: tshark timed out", file.display());
    let count = |field: &str| field.split(',').filter(|v| !v.is_empty()).count();
    String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| {
            let mut cols = l.split('\t');
            let req = cols.next().map_or(0, count);
            (req, cols.next().map_or(0, count))
        })
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// (requests, responses).
type Counts = (usize, usize);

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn our_counts(report: &serde_json::Value) -> Counts {
    let empty = Vec::new();
    let list = report["exchanges"].as_array().unwrap_or(&empty);
    let requests = list.iter().filter(|e| !e["method"].is_null()).count();
    let responses = list
        .iter()
        .map(|e| {
            let interim = e["interim"].as_array().map_or(0, Vec::len);
            usize::from(!e["status"].is_null()) + interim
        })
        .sum();
    (requests, responses)
}

#[test]
fn request_and_response_counts_match_tshark() {
    let Some(corpus) = corpus_dir() else { return };
    if !tshark_available() {
        eprintln!("SKIP: tshark is not installed (scripts/setup.sh --test installs it)");
        return;
    }
    let all = files_under(&corpus);
    let has_zeek = |name: &str| {
        all.iter().any(|p| {
            p.to_string_lossy()
                .contains(&format!("{name}.zeek-http.log"))
        })
    };
    let files: Vec<PathBuf> = ["http", "auth"]
        .iter()
        .flat_map(|sub| files_under(&corpus.join(sub)))
        .filter(|f| !has_zeek(&file_name(f)))
        .collect();
    // Two workers: each file costs one tshark run and one of ours.
    let results: Vec<(String, Counts, Counts)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                let files = &files;
                scope.spawn(move || {
                    files
                        .iter()
                        .skip(w)
                        .step_by(2)
                        .map(|f| {
                            let theirs = tshark_counts(f);
                            (file_name(f), our_counts(&report_json_lenient(f)), theirs)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker panicked"))
            .collect()
    });
    let checked = results.len();
    let mut failures = Vec::new();
    let mut matching = 0;
    for (name, ours, theirs) in &results {
        let known = KNOWN_DIFFERENCES.iter().find(|(f, _)| f == name);
        match (ours == theirs, known) {
            (true, None) => matching += 1,
            (true, Some(_)) => {
                failures.push(format!("{name}: listed as differing but now matches"))
            }
            (false, Some((_, why))) => {
                eprintln!("{name}: known difference ours {ours:?} tshark {theirs:?} ({why})")
            }
            (false, None) => failures.push(format!(
                "{name}: ours (requests, responses) {ours:?}, tshark {theirs:?}"
            )),
        }
    }
    for (listed, _) in KNOWN_DIFFERENCES {
        if !results.iter().any(|(n, _, _)| n == listed) {
            failures.push(format!("{listed}: listed but not checked"));
        }
    }
    eprintln!("{matching} of {checked} captures match tshark");
    assert!(checked > 50, "only {checked} captures checked");
    assert!(
        failures.is_empty(),
        "differences from tshark:\n{}",
        failures.join("\n")
    );
}

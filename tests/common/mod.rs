//! Helpers shared by the integration tests: where the shared corpus is, running
//! the built binary with a deadline, and reading its JSON report.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `../shared/corpus` beside the checkout, or the workplace's copy; `None` (and
/// a printed reason) when neither exists, so the calling test can skip.
pub fn corpus_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        manifest.join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ];
    for c in candidates {
        if c.join("MANIFEST.md").is_file() {
            return Some(c);
        }
    }
    eprintln!("SKIP: ../shared/corpus not found beside the checkout; corpus tests skipped");
    None
}

/// The project's `captures/` folder.
pub fn captures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures")
}

/// Every file below `dir`, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// What a finished run of the binary gave.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
    pub timed_out: bool,
}

/// Runs the built binary with `args`, killing it after `limit`.
pub fn run_authscope(args: &[&str], limit: Duration) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authscope"));
    cmd.args(args)
        .env("AUTHSCOPE_FP_SEED", "7")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run_with_deadline(cmd, limit)
}

/// Runs a prepared command, killing it after `limit`; stdout and stderr are
/// drained on threads so a chatty child cannot block.
pub fn run_with_deadline(mut cmd: Command, limit: Duration) -> Run {
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let t1 = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let t2 = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait after kill");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = t1.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&t2.join().unwrap_or_default()).into_owned();
    Run {
        code: status.code(),
        stdout,
        stderr,
        elapsed: start.elapsed(),
        timed_out,
    }
}

/// `report --format json FILE` parsed; panics with the stderr when it fails.
pub fn report_json(file: &Path) -> serde_json::Value {
    let path = file.to_string_lossy();
    let run = run_authscope(
        &["report", "--format", "json", &path],
        Duration::from_secs(60),
    );
    assert!(!run.timed_out, "{path}: timed out");
    assert_eq!(
        run.code,
        Some(0),
        "{path}: exit {:?}: {}",
        run.code,
        run.stderr
    );
    serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("{path}: bad JSON: {e}"))
}

/// Like [`report_json`], but a capture that ends in a read error (exit 2 after
/// the packets before the error were reported) is accepted too.
pub fn report_json_lenient(file: &Path) -> serde_json::Value {
    let path = file.to_string_lossy();
    let run = run_authscope(
        &["report", "--format", "json", &path],
        Duration::from_secs(60),
    );
    assert!(!run.timed_out, "{path}: timed out");
    assert!(
        matches!(run.code, Some(0) | Some(2)),
        "{path}: exit {:?}: {}",
        run.code,
        run.stderr
    );
    serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "{path}: bad JSON (exit {:?}: {}): {e}",
            run.code, run.stderr
        )
    })
}

/// The finding codes of a JSON report.
pub fn finding_codes(report: &serde_json::Value) -> std::collections::BTreeSet<String> {
    report["findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

/// Appends to `failures` every `expected` code the report lacks and every
/// `must_not` code it has, naming `label`.
pub fn check_codes(
    label: &str,
    report: &serde_json::Value,
    expected: &[&str],
    must_not: &[&str],
    failures: &mut Vec<String>,
) {
    let got = finding_codes(report);
    for c in expected {
        if !got.contains(*c) {
            failures.push(format!("{label}: expected {c}, got {got:?}"));
        }
    }
    for c in must_not {
        if got.contains(*c) {
            failures.push(format!("{label}: must not report {c}, got {got:?}"));
        }
    }
}

/// The hostile capture and HAR of the terminal-safety tests.
pub mod hostile;
pub mod tmux;

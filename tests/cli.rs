//! Command-line contract: exit codes and one-line errors for bad files and flags.

mod common;

use common::run_authscope;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(30);

fn one_line_error(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn missing_file_is_exit_2_with_one_line() {
    let run = run_authscope(&["report", "/nonexistent/capture.pcap"], LIMIT);
    assert_eq!(run.code, Some(2));
    one_line_error(&run.stderr);
    assert!(
        run.stderr.contains("/nonexistent/capture.pcap"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_file_kind_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, b"this is not a capture file at all\n").expect("write");
    let p = path.to_string_lossy();
    let run = run_authscope(&["report", &p], LIMIT);
    assert_eq!(run.code, Some(2));
    one_line_error(&run.stderr);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
}

#[test]
fn empty_file_is_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.pcap");
    std::fs::write(&path, b"").expect("write");
    let run = run_authscope(&["report", &path.to_string_lossy()], LIMIT);
    assert_eq!(run.code, Some(2));
    one_line_error(&run.stderr);
}

#[test]
fn bad_flag_is_exit_2() {
    let run = run_authscope(&["report", "--format", "yaml", "x.pcap"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("yaml"), "{}", run.stderr);
    let run = run_authscope(&["report", "--no-such-flag", "x.pcap"], LIMIT);
    assert_eq!(run.code, Some(2));
    let run = run_authscope(&["frobnicate"], LIMIT);
    assert_eq!(run.code, Some(2));
    let run = run_authscope(&["report", "--threads", "0", "x.pcap"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--threads"), "{}", run.stderr);
}

#[test]
fn bad_speed_is_exit_2() {
    let run = run_authscope(&["replay", "--speed", "fast", "x.pcap"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("fast"), "{}", run.stderr);
}

#[test]
fn help_is_exit_0() {
    let run = run_authscope(&["--help"], LIMIT);
    assert_eq!(run.code, Some(0));
    let out = String::from_utf8_lossy(&run.stdout);
    for sub in ["report", "replay", "live"] {
        assert!(out.contains(sub), "{out}");
    }
}

//! `report --threads 2` (front and back halves of the engine on two threads)
//! must print byte for byte what `--threads 1` prints: on a generated capture
//! large enough for hundreds of batches between the threads (with a small store
//! so evictions happen on the back thread), the same capture streamed through
//! stdin, every bundled capture in every format, and every file of the shared
//! corpus in JSON (including malformed ones, whose error text and exit code must
//! match too). Also: a reader that closes the pipe early stops either quietly.

mod common;

#[allow(dead_code)]
#[allow(clippy::duplicate_mod)]
#[path = "../examples/gencap/generator.rs"]
mod generator;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

/// Runs `report` with `--threads n` and the given arguments; stdin from `input`
/// when given.
fn report(n: u8, args: &[&str], input: Option<&[u8]>) -> common::Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authscope"));
    cmd.arg("report")
        .args(["--threads", &n.to_string()])
        .args(args)
        .env("AUTHSCOPE_FP_SEED", "11")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let Some(bytes) = input else {
        cmd.stdin(Stdio::null());
        return common::run_with_deadline(cmd, LIMIT);
    };
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let bytes = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        // Written in pieces so the report sees a stream arriving.
        for piece in bytes.chunks(64 << 10) {
            if stdin.write_all(piece).is_err() {
                return;
            }
        }
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    common::Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: Duration::ZERO,
        timed_out: false,
    }
}

/// Both thread counts give the same stdout, stderr and exit code.
fn assert_same(what: &str, args: &[&str], input: Option<&[u8]>) -> common::Run {
    let one = report(1, args, input);
    let two = report(2, args, input);
    assert!(!one.timed_out && !two.timed_out, "{what}: timed out");
    assert_eq!(one.code, two.code, "{what}: exit codes differ");
    assert_eq!(one.stderr, two.stderr, "{what}: stderr differs");
    assert!(
        one.stdout == two.stdout,
        "{what}: --threads 2 printed {} bytes, --threads 1 {} bytes, not the same",
        two.stdout.len(),
        one.stdout.len()
    );
    two
}

fn generated(dir: &Path) -> (std::path::PathBuf, Vec<u8>) {
    let cfg = generator::Config {
        size_bytes: 24 << 20,
        seed: 5,
        clients: 300,
        concurrency: 48,
        reorder: 0.01,
        retransmit: 0.005,
        format: generator::FileFormat::Pcap,
    };
    let (bytes, summary) = generator::generate(&cfg, Vec::new()).expect("write to a Vec");
    assert!(summary.exchanges > 5000, "{summary:?}");
    let path = dir.join("threads.pcap");
    std::fs::write(&path, &bytes).expect("write capture");
    (path, bytes)
}

#[test]
fn generated_capture_is_the_same_on_two_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, bytes) = generated(dir.path());
    let file = path.to_str().expect("utf-8 path");
    for format in ["json", "text", "ndjson"] {
        let run = assert_same(
            &format!("generated capture, {format}"),
            &["--format", format, "--max-exchanges", "700", file],
            None,
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(run.stdout.len() > 100_000, "{format}: report too small");
    }
    let run = assert_same(
        "generated capture on stdin, ndjson",
        &["--format", "ndjson", "-"],
        Some(&bytes),
    );
    let lines = run.stdout.split(|b| *b == b'\n').count();
    assert!(lines > 5000, "only {lines} NDJSON lines");
}

#[test]
fn bundled_captures_are_the_same_on_two_threads() {
    let files = common::files_under(&common::captures_dir());
    let mut checked = 0;
    for f in files.iter().filter(|f| is_input(f)) {
        let file = f.to_str().expect("utf-8 path");
        for format in ["json", "text", "ndjson"] {
            assert_same(
                &format!("{file} {format}"),
                &["--format", format, file],
                None,
            );
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} bundled captures");
}

#[test]
fn corpus_is_the_same_on_two_threads() {
    let Some(corpus) = common::corpus_dir() else {
        return;
    };
    let mut checked = 0;
    for f in common::files_under(&corpus).iter().filter(|f| is_input(f)) {
        let file = f.to_str().expect("utf-8 path");
        assert_same(file, &["--format", "json", file], None);
        checked += 1;
    }
    assert!(checked > 300, "only {checked} corpus files");
}

fn is_input(path: &Path) -> bool {
    let name = path.to_string_lossy();
    [".pcap", ".pcapng", ".cap", ".har", ".cut", ".gz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// A reader that goes away early (`authscope report x.pcap | head`) ends the
/// report quietly with status 0 on both thread counts, as SIGPIPE would.
#[test]
fn closed_output_stops_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, _) = generated(dir.path());
    for n in [1u8, 2] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_authscope"))
            .args(["report", "--threads", &n.to_string(), "--format", "ndjson"])
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut first = [0u8; 100];
        child
            .stdout
            .take()
            .expect("stdout")
            .read_exact(&mut first)
            .expect("some output");
        // The pipe's read end is closed here.
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "--threads {n}");
        assert!(
            out.stderr.is_empty(),
            "--threads {n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

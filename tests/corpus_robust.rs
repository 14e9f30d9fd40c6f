//! Robustness over the public corpus (../shared/corpus): every file either
//! opens or fails with a one-line input error, decoding never panics, and the
//! built binary's `report --format json` exits 0 or 2 within a time limit.

use authscope::decode::{DecodeConfig, Decoder};
use authscope::model::{DecodeStats, SourceItem};
use authscope::source::open_inputs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The corpus next to the checkout, else the shared one; `None` when absent.
fn corpus_dir() -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    [local, PathBuf::from("/work/shared/corpus")]
        .into_iter()
        .find(|p| p.is_dir())
}

/// Every file under `dir`, sorted, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// What reading and decoding one file gave.
struct Outcome {
    packets: u64,
    decode: DecodeStats,
    error: Option<String>,
}

fn read_and_decode(path: &Path) -> Outcome {
    let name = path.to_string_lossy().to_string();
    let mut source = match open_inputs(std::slice::from_ref(&name)) {
        Ok(s) => s,
        Err(e) => {
            return Outcome {
                packets: 0,
                decode: DecodeStats::default(),
                error: Some(e.to_string()),
            }
        }
    };
    let mut decoder = Decoder::new(DecodeConfig::default());
    let mut error = None;
    loop {
        match source.next_item() {
            Ok(Some(SourceItem::Frame(frame))) => {
                let _ = decoder.decode(&frame);
            }
            Ok(Some(SourceItem::Exchange(_))) => {}
            Ok(None) => break,
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    Outcome {
        packets: source.stats().iter().map(|s| s.packets).sum(),
        decode: decoder.stats().clone(),
        error,
    }
}

#[test]
fn corpus_captures_open_or_fail_cleanly_and_decode() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("skipped: no corpus at ../shared/corpus or /work/shared/corpus");
        return;
    };
    let mut failed = Vec::new();
    for sub in ["http", "auth", "malformed"] {
        for path in files_under(&corpus.join(sub)) {
            let out = read_and_decode(&path);
            assert_eq!(out.decode.frames, out.packets, "{}", path.display());
            if let Some(e) = out.error {
                assert!(!e.contains('\n'), "multi-line error: {e}");
                assert!(
                    e.starts_with(&*path.to_string_lossy()),
                    "error names the file: {e}"
                );
                failed.push(e);
            }
        }
    }
    eprintln!("{} corpus files failed to open or read:", failed.len());
    for e in &failed {
        eprintln!("  {e}");
    }
}

/// Packet counts from MANIFEST.md (capinfos) and TCP segment counts from
/// `tshark -Y tcp`, which also reassembles IP fragments.
#[test]
fn corpus_counts_match_the_manifest_and_tshark() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("skipped: no corpus at ../shared/corpus or /work/shared/corpus");
        return;
    };
    let cases: [(&str, u64, Option<u64>); 9] = [
        (
            "http/zeek_1000-requests-one-dropped-response.pcap.gz",
            4102,
            None,
        ),
        ("auth/zeek_erspan-ntlm-sharepoint.pcap", 287, Some(106)),
        ("http/zeek_mixed-vlan-mpls.pcap", 47, Some(47)),
        ("http/lwerdna_simple_http_tzsp.pcapng", 5, Some(5)),
        ("http/lwerdna_simple_http_sll2.pcap", 24, Some(24)),
        ("http/zeek_tcp-http-with-padding.pcap", 25, Some(25)),
        ("auth/sv_http-auth-bearer.pcap", 12, Some(12)),
        ("http/pcpp_raw_ip.pcap", 100, Some(92)),
        ("http/sv_detect-pcre-02_linux-sll.pcap", 10, Some(10)),
    ];
    for (file, packets, tcp) in cases {
        let out = read_and_decode(&corpus.join(file));
        assert_eq!(out.error, None, "{file}");
        assert_eq!(out.packets, packets, "{file}: packets");
        if let Some(tcp) = tcp {
            assert_eq!(out.decode.tcp_segments, tcp, "{file}: TCP segments");
            assert_eq!(out.decode.malformed, 0, "{file}: malformed");
        }
    }
}

/// Runs the binary with a time limit; returns (exit code, stdout, stderr).
fn run_with_limit(
    args: &[&str],
    stdin: Option<&Path>,
    limit: Duration,
) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authscope"));
    cmd.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("AUTHSCOPE_FP_SEED", "1");
    match stdin {
        Some(p) => cmd.stdin(std::fs::File::open(p).expect("stdin fixture opens")),
        None => cmd.stdin(Stdio::null()),
    };
    let mut child = cmd.spawn().expect("the binary starts");
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        String::from_utf8_lossy(&s).to_string()
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        String::from_utf8_lossy(&s).to_string()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting works") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let status = child.wait().expect("killed child is reaped");
            let stdout = out_thread.join().unwrap_or_default();
            let stderr = err_thread.join().unwrap_or_default();
            panic!("timed out after {limit:?}: {args:?} {status:?}\nstdout: {stdout}\nstderr: {stderr}");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    (status.code(), stdout, stderr)
}

#[test]
fn report_json_on_every_corpus_file_exits_cleanly() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("skipped: no corpus at ../shared/corpus or /work/shared/corpus");
        return;
    };
    let limit = Duration::from_secs(20);
    let files = files_under(&corpus);
    assert!(!files.is_empty());
    for path in files {
        let name = path.to_string_lossy().to_string();
        let (code, stdout, stderr) =
            run_with_limit(&["report", "--format", "json", &name], None, limit);
        assert!(
            matches!(code, Some(0) | Some(2)),
            "{name}: exit {code:?} (None = killed by a signal)\nstderr: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        if code == Some(0) {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(&stdout);
            assert!(parsed.is_ok(), "{name}: stdout is not JSON");
        } else {
            assert_eq!(
                stderr.trim().lines().count(),
                1,
                "{name}: one-line error: {stderr}"
            );
        }
    }
}

#[test]
fn stdin_dash_reads_a_pcap_stream() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("skipped: no corpus at ../shared/corpus or /work/shared/corpus");
        return;
    };
    let file = corpus.join("http/zeek_mixed-vlan-mpls.pcap");
    let (code, stdout, stderr) = run_with_limit(
        &["report", "--format", "json", "-"],
        Some(&file),
        Duration::from_secs(20),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    let source = &json["sources"][0];
    assert_eq!(source["kind"], "stdin");
    assert_eq!(source["path"], "-");
    assert_eq!(source["packets"], 47);
}

//! A pcap stream on stdin (`tcpdump -U -w - | authscope report --format ndjson -`)
//! is analysed as it arrives: the first exchange is printed while the writer
//! still holds the pipe open.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

/// Killed and reaped when the test ends, passing or not.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A classic pcap split into its file header and its packet records
/// (record header included), enough to replay it in pieces.
fn pcap_records(bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let magic = bytes.get(..4).expect("pcap magic");
    let little = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => panic!("not a classic pcap"),
    };
    let header = bytes.get(..24).expect("pcap header").to_vec();
    let mut records = Vec::new();
    let mut at = 24;
    while at < bytes.len() {
        let len_bytes: [u8; 4] = bytes
            .get(at + 8..at + 12)
            .and_then(|b| b.try_into().ok())
            .expect("record header");
        let caplen = if little {
            u32::from_le_bytes(len_bytes)
        } else {
            u32::from_be_bytes(len_bytes)
        } as usize;
        let end = at + 16 + caplen;
        records.push(bytes.get(at..end).expect("record data").to_vec());
        at = end;
    }
    (header, records)
}

#[test]
fn first_exchange_appears_before_the_pipe_closes() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures/scenarios/basic_ok.pcap");
    let bytes = std::fs::read(&path).expect("read basic_ok.pcap");
    let (header, records) = pcap_records(&bytes);
    // Handshake, GET, ACK, 401, ACK: the first exchange, nothing of the second.
    assert_eq!(records.len(), 12, "basic_ok.pcap changed");
    let (first, rest) = records.split_at(7);

    let mut child = Command::new(env!("CARGO_BIN_EXE_authscope"))
        .args(["report", "--format", "ndjson", "-"])
        .env("AUTHSCOPE_FP_SEED", "7")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn authscope");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut guard = Guard(child);
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    stdin.write_all(&header).expect("write header");
    for r in first {
        stdin.write_all(r).expect("write packet");
    }
    stdin.flush().expect("flush");
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("an NDJSON line within 10 s while the pipe is open");
    let v: Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(v["type"], "exchange", "{v}");
    assert_eq!(v["status"], 401, "{v}");
    assert_eq!(v["target"], "/reports/", "{v}");
    assert!(
        matches!(guard.0.try_wait(), Ok(None)),
        "the reader must still be waiting for more input"
    );

    for r in rest {
        stdin.write_all(r).expect("write packet");
    }
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Ok(Some(s)) = guard.0.try_wait() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after the pipe closed");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let mut lines: Vec<Value> = Vec::new();
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(5)) {
        lines.push(serde_json::from_str(&l).expect("JSON"));
    }
    assert!(
        lines
            .iter()
            .any(|v| v["type"] == "exchange" && v["status"] == 200),
        "second exchange"
    );
    let last = lines.last().expect("a stats line");
    assert_eq!(last["type"], "stats");
    assert_eq!(last["sources"][0]["kind"], "stdin", "{last}");
    assert_eq!(last["packets"], 12, "{last}");
}

//! Source tests: small pcap and pcapng files written to a temporary directory
//! and read back through libpcap.

use super::sniff::{sniff_bytes, SniffedKind};
use super::*;
use crate::model::{LinkType, Timestamp};
use std::io::Write;
use std::path::{Path, PathBuf};

/// (seconds, sub-second part, captured bytes, original length)
type Record<'a> = (u32, u32, &'a [u8], u32);

/// A classic pcap file: little-endian, micro- or nanosecond magic, Ethernet.
fn pcap_bytes(nanos: bool, records: &[Record<'_>]) -> Vec<u8> {
    let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
    let mut out = magic.to_le_bytes().to_vec();
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (secs, sub, data, orig) in records {
        for v in [*secs, *sub, data.len() as u32, *orig] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(data);
    }
    out
}

fn pcapng_block(kind: u32, body: &[u8]) -> Vec<u8> {
    let padded = body.len().div_ceil(4) * 4;
    let total = (12 + padded) as u32;
    let mut out = kind.to_le_bytes().to_vec();
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(8 + padded, 0);
    out.extend_from_slice(&total.to_le_bytes());
    out
}

/// A pcapng file: section header, one raw-IP interface (microseconds), then
/// enhanced packet blocks.
fn pcapng_bytes(records: &[Record<'_>]) -> Vec<u8> {
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    let mut out = pcapng_block(0x0a0d_0d0a, &shb);
    let mut idb = 101u16.to_le_bytes().to_vec();
    idb.extend_from_slice(&[0, 0]);
    idb.extend_from_slice(&0u32.to_le_bytes());
    out.extend(pcapng_block(1, &idb));
    for (secs, sub, data, orig) in records {
        let micros = u64::from(*secs) * 1_000_000 + u64::from(*sub);
        let mut epb = 0u32.to_le_bytes().to_vec();
        epb.extend_from_slice(&((micros >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(micros as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&orig.to_le_bytes());
        epb.extend_from_slice(data);
        out.extend(pcapng_block(6, &epb));
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, bytes).expect("temp file is writable");
    path.to_string_lossy().to_string()
}

/// A frame read back: (timestamp µs, link type, bytes, original length).
type Read = (i64, LinkType, Vec<u8>, u32);

/// Every frame of `src`, and the error that ended it, if any.
fn drain(src: &mut dyn Source) -> (Vec<Read>, Option<InputError>) {
    let mut frames = Vec::new();
    loop {
        match src.next_item() {
            Ok(Some(SourceItem::Frame(f))) => {
                frames.push((f.ts.as_micros(), f.link_type, f.data.to_vec(), f.orig_len))
            }
            Ok(Some(SourceItem::Exchange(_))) => {}
            Ok(None) => return (frames, None),
            Err(e) => return (frames, Some(e)),
        }
    }
}

fn error_of(paths: &[String]) -> String {
    match open_inputs(paths) {
        Ok(_) => panic!("{paths:?} should not open"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn sniff_recognises_each_magic() {
    let cases: [(&[u8], Result<SniffedKind, &str>); 12] = [
        (&[0xd4, 0xc3, 0xb2, 0xa1, 2], Ok(SniffedKind::Pcap)),
        (&[0xa1, 0xb2, 0xc3, 0xd4, 0], Ok(SniffedKind::Pcap)),
        (&[0x4d, 0x3c, 0xb2, 0xa1], Ok(SniffedKind::Pcap)),
        (&[0xa1, 0xb2, 0x3c, 0x4d], Ok(SniffedKind::Pcap)),
        (&[0x0a, 0x0d, 0x0d, 0x0a, 0x1c], Ok(SniffedKind::Pcapng)),
        (&[0x1f, 0x8b, 8], Ok(SniffedKind::Gzip)),
        (b"{\"log\": {}}", Ok(SniffedKind::Har)),
        (b"\xef\xbb\xbf \r\n\t{", Ok(SniffedKind::Har)),
        (b"", Err("empty file")),
        (b"\x0a\x0d", Err("too short to be a capture file (2 bytes)")),
        (
            b"[1, 2]",
            Err("not a pcap, pcapng or HAR file (starts with 5b 31 2c 20)"),
        ),
        (
            b"snoop\0",
            Err("not a pcap, pcapng or HAR file (starts with 73 6e 6f 6f)"),
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            sniff_bytes(bytes),
            want.map_err(str::to_string),
            "{bytes:x?}"
        );
    }
}

#[test]
fn pcap_file_reads_back_with_times_and_lengths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "a.pcap",
        &pcap_bytes(false, &[(10, 5, b"abc", 3), (11, 999_999, b"defg", 1500)]),
    );
    let mut src = open_inputs(std::slice::from_ref(&file)).expect("opens");
    let (frames, err) = drain(src.as_mut());
    assert!(err.is_none());
    assert_eq!(
        frames,
        vec![
            (10_000_005, LinkType::Ethernet, b"abc".to_vec(), 3),
            (11_999_999, LinkType::Ethernet, b"defg".to_vec(), 1500),
        ]
    );
    let stats = src.stats();
    assert_eq!((stats[0].packets, stats[0].bytes), (2, 7));
    assert_eq!(stats[0].kind, SourceKind::Pcap);
    assert_eq!(stats[0].path, file);
}

#[test]
fn nanosecond_pcap_rounds_down_to_microseconds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "n.pcap",
        &pcap_bytes(true, &[(3, 123_456_789, b"x", 1)]),
    );
    let mut src = open_inputs(&[file]).expect("opens");
    let (frames, _) = drain(src.as_mut());
    assert_eq!(
        frames[0].0,
        Timestamp::from_secs_micros(3, 123_456).as_micros()
    );
}

#[test]
fn pcapng_file_reads_back_with_its_link_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "b.pcapng",
        &pcapng_bytes(&[(7, 250, b"\x45hello", 6)]),
    );
    let mut src = open_inputs(&[file]).expect("opens");
    let (frames, err) = drain(src.as_mut());
    assert!(err.is_none());
    assert_eq!(
        frames,
        vec![(7_000_250, LinkType::RawIp, b"\x45hello".to_vec(), 6)]
    );
    assert_eq!(src.stats()[0].kind, SourceKind::Pcapng);
}

#[test]
fn gzip_compressed_capture_is_decompressed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&pcap_bytes(false, &[(1, 0, b"zz", 2)]))
        .expect("in memory");
    let file = write(dir.path(), "c.pcap.gz", &gz.finish().expect("in memory"));
    let mut src = open_inputs(&[file]).expect("opens");
    let (frames, err) = drain(src.as_mut());
    assert!(err.is_none());
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].2, b"zz");
}

#[test]
fn gzip_over_the_size_limit_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&pcap_bytes(false, &[(1, 0, &[0u8; 4096], 4096)]))
        .expect("in memory");
    let file = write(dir.path(), "big.pcap.gz", &gz.finish().expect("in memory"));
    match sniff::gunzip_to_temp(&file, 1024) {
        Ok(_) => panic!("limit not applied"),
        Err(e) => assert!(e.message.contains("larger than"), "{e}"),
    }
}

#[test]
fn several_files_merge_by_timestamp_ties_to_the_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(
        dir.path(),
        "a.pcap",
        &pcap_bytes(
            false,
            &[(1, 0, b"a1", 2), (3, 0, b"a3", 2), (5, 0, b"a5", 2)],
        ),
    );
    let b = write(
        dir.path(),
        "b.pcapng",
        &pcapng_bytes(&[(2, 0, b"b2", 2), (3, 0, b"b3", 2), (9, 0, b"b9", 2)]),
    );
    let mut src = open_inputs(&[a, b]).expect("opens");
    let (frames, err) = drain(src.as_mut());
    assert!(err.is_none());
    let order: Vec<&[u8]> = frames.iter().map(|f| f.2.as_slice()).collect();
    assert_eq!(order, [b"a1", b"b2", b"a3", b"b3", b"a5", b"b9"]);
    assert_eq!(frames[1].1, LinkType::RawIp);
    let stats = src.stats();
    assert_eq!((stats[0].packets, stats[1].packets), (3, 3));
}

#[test]
fn truncated_file_delivers_packets_then_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = pcap_bytes(false, &[(1, 0, b"one", 3), (2, 0, b"twotwo", 6)]);
    bytes.truncate(bytes.len() - 3);
    let file = write(dir.path(), "t.pcap", &bytes);
    let mut src = open_inputs(std::slice::from_ref(&file)).expect("opens");
    let (frames, err) = drain(src.as_mut());
    assert_eq!(frames.len(), 1);
    let err = err.expect("an error at the cut");
    assert_eq!(err.path, file);
    assert!(err.message.starts_with("truncated capture: "), "{err}");
    assert!(matches!(src.next_item(), Ok(None)));
}

#[test]
fn truncated_file_in_a_merge_fails_after_the_others_drain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bad = pcap_bytes(false, &[(1, 0, b"x1", 2), (2, 0, b"x2", 2)]);
    bad.truncate(bad.len() - 1);
    let bad = write(dir.path(), "bad.pcap", &bad);
    let good = write(
        dir.path(),
        "good.pcap",
        &pcap_bytes(false, &[(5, 0, b"g5", 2)]),
    );
    let mut src = open_inputs(&[bad.clone(), good]).expect("opens");
    let (frames, err) = drain(src.as_mut());
    assert_eq!(frames.len(), 2);
    assert!(err
        .expect("reported at the end")
        .to_string()
        .starts_with(&bad));
}

#[test]
fn bad_inputs_give_one_line_errors_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let unknown = write(dir.path(), "x.pcap", b"<html>hello</html>");
    let empty = write(dir.path(), "e.pcap", b"");
    let short = write(dir.path(), "s.pcap", b"\xd4\xc3");
    let har = write(dir.path(), "h.har", b"\xef\xbb\xbf{\"log\":{}}");
    let bad_header = write(dir.path(), "v.pcap", &[0xd4, 0xc3, 0xb2, 0xa1, 9, 0, 9, 0]);
    let missing = dir.path().join("nope.pcap").to_string_lossy().to_string();
    let folder = dir.path().to_string_lossy().to_string();
    let cases = [
        (
            unknown.clone(),
            "not a pcap, pcapng or HAR file (starts with 3c 68 74 6d)",
        ),
        (empty.clone(), "empty file"),
        (short.clone(), "too short to be a capture file (2 bytes)"),
        (
            har.clone(),
            "JSON but not a HAR file: no \"log.entries\" array",
        ),
        (missing.clone(), "no such file"),
        (folder.clone(), "is a directory, not a capture file"),
    ];
    for (path, message) in cases {
        assert_eq!(
            error_of(std::slice::from_ref(&path)),
            format!("{path}: {message}")
        );
    }
    let e = error_of(std::slice::from_ref(&bad_header));
    assert!(
        e.starts_with(&format!("{bad_header}: cannot open capture: ")),
        "{e}"
    );
    assert!(!e.contains('\n'));
    // One bad input among good ones fails the whole open.
    let good = write(dir.path(), "g.pcap", &pcap_bytes(false, &[(1, 0, b"a", 1)]));
    assert_eq!(
        error_of(&[good, empty.clone()]),
        format!("{empty}: empty file")
    );
}

/// A named pipe is read as a stream, the way `-` (stdin) is: the first packet
/// must come out before the writer has sent the second.
#[test]
fn pipe_is_read_packet_by_packet_as_it_arrives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("stream.pcap");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo unavailable");
        return;
    }
    let whole = pcap_bytes(false, &[(1, 0, b"first", 5), (2, 0, b"second", 6)]);
    let first_end = 24 + 16 + 5;
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .expect("fifo opens for writing");
        pipe.write_all(&whole[..first_end]).expect("write");
        pipe.flush().expect("flush");
        let reader_saw_first = rx.recv_timeout(std::time::Duration::from_secs(10)).is_ok();
        pipe.write_all(&whole[first_end..]).expect("write");
        reader_saw_first
    });
    let mut src = open_inputs(&[fifo.to_string_lossy().to_string()]).expect("opens");
    match src.next_item() {
        Ok(Some(SourceItem::Frame(f))) => assert_eq!(f.data, b"first"),
        other => panic!("expected the first frame, got {other:?}"),
    }
    tx.send(()).expect("writer waits");
    let (rest, err) = drain(src.as_mut());
    assert!(err.is_none());
    assert_eq!(rest.len(), 1);
    assert!(
        writer.join().expect("writer ends"),
        "first packet only came after EOF"
    );
}

/// Every frame as libpcap alone reads it, and its error message if any.
fn libpcap_frames(path: &str) -> (Vec<Read>, Option<String>) {
    let mut cap = pcap::Capture::from_file_with_precision(path, pcap::Precision::Nano)
        .expect("libpcap opens it");
    let mut frames = Vec::new();
    loop {
        match cap.next_packet() {
            Ok(p) => {
                let (secs, nanos) = (p.header.ts.tv_sec, p.header.ts.tv_usec);
                let ts = Timestamp::from_secs_micros(secs, nanos.div_euclid(1000));
                let data = p.data.to_vec();
                frames.push((ts.as_micros(), LinkType::Ethernet, data, p.header.len));
            }
            Err(pcap::Error::NoMorePackets) => return (frames, None),
            Err(e) => return (frames, Some(e.to_string())),
        }
    }
}

#[test]
fn large_pcap_reads_exactly_as_libpcap_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let payloads: Vec<Vec<u8>> = (0..3000u32)
        .map(|i| (0..(i * 7 % 1500)).map(|b| (b ^ i) as u8).collect())
        .collect();
    let records: Vec<Record<'_>> = payloads
        .iter()
        .enumerate()
        .map(|(i, d)| (i as u32, i as u32 * 311, &d[..], d.len() as u32 + 4))
        .collect();
    let bytes = pcap_bytes(false, &records);
    assert!(bytes.len() > 2 << 20, "spans several reads");
    let file = write(dir.path(), "big.pcap", &bytes);
    let mut src = open_inputs(std::slice::from_ref(&file)).expect("opens");
    let (frames, err) = drain(src.as_mut());
    assert!(err.is_none());
    assert_eq!((frames, None), libpcap_frames(&file));
    assert_eq!(src.stats()[0].packets, 3000);
}

#[test]
fn odd_records_hand_over_to_libpcap_with_its_results_and_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = vec![7u8; 70_000];
    let mut bytes = pcap_bytes(
        false,
        &[
            (1, 10, b"first", 5),
            (2, 2_500_000, b"usec out of range", 17),
            (3, 30, &big, 70_000),
            (4, 40, b"after", 5),
        ],
    );
    bytes.extend_from_slice(&[1, 2, 3]);
    let file = write(dir.path(), "odd.pcap", &bytes);
    let mut src = open_inputs(std::slice::from_ref(&file)).expect("opens");
    let (frames, err) = drain(src.as_mut());
    let (want, want_err) = libpcap_frames(&file);
    assert_eq!(frames, want);
    assert_eq!(frames.len(), 4);
    assert_eq!(frames[2].2.len(), 65535, "cut to the snapshot length");
    let err = err.expect("the truncated tail is an error").message;
    assert!(err.starts_with("truncated capture: "), "{err}");
    assert!(want_err.is_some_and(|w| w.contains(err.trim_start_matches("truncated capture: "))));
}

//! Sniffing: what kind of input a file is, from its first bytes only (never its
//! name), plus the gzip step that turns a `.pcap.gz` into a temporary plain file.

use super::InputError;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;

/// Bytes read from the start of a file to decide its kind.
const SNIFF_BYTES: usize = 512;

/// Upper bound on the decompressed size of a gzip-compressed capture.
pub(crate) const MAX_GZIP_BYTES: u64 = 1 << 30;

/// What the first bytes of a file say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SniffedKind {
    /// Classic libpcap file (either byte order, micro- or nanosecond stamps).
    Pcap,
    /// pcapng file (starts with a Section Header Block).
    Pcapng,
    /// gzip stream (RFC 1952 §2.3.1 magic `1f 8b`).
    Gzip,
    /// A JSON object: taken to be a HAR export.
    Har,
}

/// Classic pcap magic numbers as read in file order: micro- and nanosecond
/// variants, both byte orders, plus the "modified" (Kuznetzov) variant that
/// libpcap also reads.
const PCAP_MAGICS: [[u8; 4]; 6] = [
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xcd, 0x34],
    [0x34, 0xcd, 0xb2, 0xa1],
];

/// The pcapng Section Header Block type; the same in both byte orders.
const PCAPNG_SHB: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

fn input_error(path: &str, message: impl Into<String>) -> InputError {
    InputError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// One-line description of an I/O error on an input.
pub(crate) fn describe_io(err: &std::io::Error) -> String {
    match err.kind() {
        ErrorKind::NotFound => "no such file".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "is a directory, not a capture file".into(),
        _ => format!("cannot read: {err}"),
    }
}

/// Decides the kind of `bytes`, the start of a file.
pub(crate) fn sniff_bytes(bytes: &[u8]) -> Result<SniffedKind, String> {
    if bytes.is_empty() {
        return Err("empty file".into());
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(SniffedKind::Gzip);
    }
    if looks_like_json_object(bytes) {
        return Ok(SniffedKind::Har);
    }
    let Some(head) = bytes.first_chunk::<4>() else {
        return Err(format!(
            "too short to be a capture file ({} bytes)",
            bytes.len()
        ));
    };
    if *head == PCAPNG_SHB {
        return Ok(SniffedKind::Pcapng);
    }
    if PCAP_MAGICS.iter().any(|m| m == head) {
        return Ok(SniffedKind::Pcap);
    }
    Err(format!(
        "not a pcap, pcapng or HAR file (starts with {:02x} {:02x} {:02x} {:02x})",
        head[0], head[1], head[2], head[3]
    ))
}

/// Optional UTF-8 byte order mark, JSON whitespace (RFC 8259 §2), then `{`.
fn looks_like_json_object(bytes: &[u8]) -> bool {
    let rest = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    rest.iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .is_some_and(|b| *b == b'{')
}

/// Opens `path` and sniffs its first bytes. Directories, missing files and
/// unreadable files become one-line errors naming the file.
pub(crate) fn sniff_file(path: &str) -> Result<SniffedKind, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| input_error(path, describe_io(&e)))?;
    if meta.is_dir() {
        return Err(input_error(path, "is a directory, not a capture file"));
    }
    let file = File::open(path).map_err(|e| input_error(path, describe_io(&e)))?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| input_error(path, describe_io(&e)))?;
    sniff_bytes(&head).map_err(|m| input_error(path, m))
}

/// Decompresses the gzip file at `path` into a fresh temporary file (deleted
/// when the handle drops), refusing more than `limit` bytes of output.
pub(crate) fn gunzip_to_temp(
    path: &str,
    limit: u64,
) -> Result<tempfile::NamedTempFile, InputError> {
    let file = File::open(path).map_err(|e| input_error(path, describe_io(&e)))?;
    let mut decoder = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)).take(limit);
    let mut tmp = tempfile::Builder::new()
        .prefix("authscope-gunzip-")
        .tempfile()
        .map_err(|e| input_error(path, format!("cannot create a temporary file: {e}")))?;
    let written = std::io::copy(&mut decoder, tmp.as_file_mut())
        .map_err(|e| input_error(path, format!("bad gzip data: {e}")))?;
    if written >= limit {
        return Err(input_error(
            path,
            format!(
                "gzip content is larger than {} MiB; decompress it first",
                limit >> 20
            ),
        ));
    }
    Ok(tmp)
}

/// Sniffs the decompressed content of a gzip file: only captures may be inside.
pub(crate) fn sniff_decompressed(path: &str, tmp: &Path) -> Result<SniffedKind, InputError> {
    let file = File::open(tmp).map_err(|e| input_error(path, describe_io(&e)))?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| input_error(path, describe_io(&e)))?;
    match sniff_bytes(&head) {
        Ok(kind @ (SniffedKind::Pcap | SniffedKind::Pcapng)) => Ok(kind),
        Ok(SniffedKind::Gzip) => Err(input_error(path, "gzip inside gzip is not supported")),
        Ok(SniffedKind::Har) => Err(input_error(
            path,
            "gzip-compressed HAR files are not supported; decompress it first",
        )),
        Err(m) => Err(input_error(path, format!("inside gzip: {m}"))),
    }
}

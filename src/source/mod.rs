//! Source: where packets and exchanges come from.
//!
//! Owns file handles and capture handles (libpcap through the `pcap` crate for
//! pcap, pcapng, stdin and live interfaces; a streaming JSON reader for HAR).
//! Receives paths or an interface name; emits [`SourceItem`]s in capture-time
//! order (several files are merged by timestamp) plus per-source counters.
//! Sniffs the kind of a file from its first bytes, never from its name. Must not
//! parse anything beyond the capture container.

// Parsers of untrusted bytes: no indexing that can panic (tests may index).
#![deny(clippy::indexing_slicing)]

mod classic;
mod file;
pub mod har;
pub mod live;
mod pcapng;
mod sniff;

use crate::model::{SourceItem, SourceKind, SourceStats};
use sniff::SniffedKind;

/// A fatal problem with an input: printed as one line, exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file, `-` or the interface.
    pub path: String,
    /// What is wrong, in a few words.
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for InputError {}

/// Something that yields source items in capture-time order.
pub trait Source {
    /// The next item, `Ok(None)` at the end of input. An `Err` ends the input
    /// (what was read before it stays valid).
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, InputError>;

    /// Counters per input.
    fn stats(&self) -> Vec<SourceStats>;

    /// Notes for the top of the report (e.g. "the HAR export was sanitized").
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }

    /// True when the input had credential headers removed before we saw it
    /// (a sanitized HAR export): absence of credentials is then no evidence.
    fn credentials_stripped(&self) -> bool {
        false
    }
}

/// Opens the inputs named on the command line (`-` is stdin), sniffing each.
/// One input is read without copying; several are merged by capture time.
pub fn open_inputs(paths: &[String]) -> Result<Box<dyn Source>, InputError> {
    if paths.is_empty() {
        return Err(InputError {
            path: "-".into(),
            message: "no input given".into(),
        });
    }
    let hars = paths.iter().filter(|p| is_har(p)).count();
    if hars > 0 {
        if hars < paths.len() {
            return Err(InputError {
                path: paths.join(", "),
                message: "HAR files and packet captures cannot be mixed in one run".into(),
            });
        }
        return har::open_many(paths).map(|s| Box::new(s) as Box<dyn Source>);
    }
    let mut readers = Vec::with_capacity(paths.len());
    for path in paths {
        readers.push(open_one(path)?);
    }
    if readers.len() == 1 {
        if let Some(reader) = readers.pop() {
            return Ok(Box::new(file::SingleSource::new(reader)));
        }
    }
    Ok(Box::new(file::MergedSource::new(readers)))
}

/// Opens one input. `-` and other non-regular files (pipes) go straight to
/// libpcap, which reads them as a stream: they cannot be rewound after sniffing.
/// True when `path` is a regular file whose first bytes are JSON (a HAR).
fn is_har(path: &str) -> bool {
    path != "-"
        && std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && matches!(sniff::sniff_file(path), Ok(SniffedKind::Har))
}

fn open_one(path: &str) -> Result<file::PcapReader, InputError> {
    if path == "-" {
        return file::PcapReader::open(path, path, SourceKind::Stdin, None);
    }
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() && !meta.is_dir() {
            return file::PcapReader::open(path, path, SourceKind::Pcap, None);
        }
    }
    match sniff::sniff_file(path)? {
        SniffedKind::Pcap => file::PcapReader::open(path, path, SourceKind::Pcap, None),
        SniffedKind::Pcapng => file::PcapReader::open(path, path, SourceKind::Pcapng, None),
        SniffedKind::Gzip => open_gzip(path),
        SniffedKind::Har => Err(InputError {
            path: path.to_string(),
            message: "a HAR file here was not expected".into(),
        }),
    }
}

/// A gzip-compressed capture: decompressed (bounded) to a temporary file that
/// libpcap then reads like any other.
fn open_gzip(path: &str) -> Result<file::PcapReader, InputError> {
    let temp = sniff::gunzip_to_temp(path, sniff::MAX_GZIP_BYTES)?;
    let kind = match sniff::sniff_decompressed(path, temp.path())? {
        SniffedKind::Pcapng => SourceKind::Pcapng,
        _ => SourceKind::Pcap,
    };
    let open_path = temp
        .path()
        .to_str()
        .map(str::to_string)
        .ok_or_else(|| InputError {
            path: path.to_string(),
            message: "temporary file name is not UTF-8".into(),
        })?;
    file::PcapReader::open(path, &open_path, kind, Some(temp))
}

#[cfg(test)]
mod tests;

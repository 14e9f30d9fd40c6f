//! Source: where packets and exchanges come from.
//!
//! Owns file handles and capture handles (libpcap through the `pcap` crate for
//! pcap, pcapng, stdin and live interfaces; a streaming JSON reader for HAR).
//! Receives paths or an interface name; emits [`SourceItem`]s in capture-time
//! order (several files are merged by timestamp) plus per-source counters.
//! Sniffs the kind of a file from its first bytes, never from its name. Must not
//! parse anything beyond the capture container.

pub mod har;
pub mod live;
mod pcapng;

use crate::model::{SourceItem, SourceStats};

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
pub fn open_inputs(paths: &[String]) -> Result<Box<dyn Source>, InputError> {
    let path = paths.first().cloned().unwrap_or_else(|| "-".to_string());
    Err(InputError {
        path,
        message: "reading captures is not built yet".into(),
    })
}

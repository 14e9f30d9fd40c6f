//! HAR 1.2 input: browser and proxy exports, read one entry at a time.
//!
//! Owns the file and a small reorder buffer. Receives a path; emits
//! `SourceItem::Exchange`s in `startedDateTime` order (entries out of order by
//! up to [`REORDER_WINDOW`] places are sorted back). HAR enters the pipeline at
//! the http → auth boundary. Entries the browser answered from its own cache
//! never reached the server and are left out (a note says how many). A bad
//! entry is skipped and counted; a file that is not JSON, not HAR, or
//! truncated ends with a one-line error naming the byte offset. Detects exports whose credential headers were stripped (Chrome and
//! Edge sanitize `Authorization`, `Cookie` and `Set-Cookie` by default).

mod entry;
mod scan;

use super::{InputError, Source};
use crate::model::{HttpExchange, SourceItem, SourceKind, SourceStats};
use scan::{Entry, ScanError, Scanner};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

pub use entry::parse_time;

/// Entries held back to put slightly out-of-order exports in time order.
pub const REORDER_WINDOW: usize = 1024;

/// Largest single entry read (bigger ones are skipped and counted).
pub const MAX_ENTRY_BYTES: usize = 64 << 20;

/// Chromium-family creators whose default export strips credentials.
const SANITIZING_CREATORS: &[&str] = &["WebInspector", "Microsoft Edge", "Chrome", "Chromium"];

/// Creators whose `connection` member is the server's port, not a connection
/// id (Firefox's HAR builder writes the remote port there; Firebug did the
/// same): every request to one port would look like one connection.
const PORT_AS_CONNECTION_CREATORS: &[&str] = &["Firefox", "Firebug"];

struct Pending(HttpExchange);

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}
impl Pending {
    fn key(&self) -> (i64, u64) {
        let idx = match self.0.origin {
            crate::model::ExchangeOrigin::Har { entry_index, .. } => entry_index,
            crate::model::ExchangeOrigin::Wire(_) => 0,
        };
        (self.0.ts().as_micros(), idx)
    }
}

/// A HAR file as a [`Source`].
pub struct HarSource {
    path: String,
    scanner: Scanner<BufReader<File>>,
    buf: Vec<u8>,
    heap: BinaryHeap<Reverse<Pending>>,
    index: u64,
    last_ts: crate::model::Timestamp,
    stats: SourceStats,
    stripped: bool,
    /// The creator is one of [`PORT_AS_CONNECTION_CREATORS`].
    connection_is_port: bool,
    /// Entries the browser answered from its own cache (left out).
    cached: u64,
    ended: bool,
    error: Option<InputError>,
}

fn input_error(path: &str, e: ScanError) -> InputError {
    let message = match e {
        ScanError::Syntax { offset, what } => {
            format!("not a HAR file: invalid JSON at byte {offset} ({what})")
        }
        ScanError::NotHar(what) => format!("JSON but not a HAR file: {what}"),
        ScanError::Truncated { offset } => {
            format!("truncated HAR file: ends inside JSON at byte {offset}")
        }
        ScanError::Io(e) => format!("read error: {e}"),
    };
    InputError {
        path: path.to_string(),
        message,
    }
}

/// Opens a HAR file and walks to its entries.
pub fn open(path: &Path, display: &str) -> Result<HarSource, InputError> {
    let io_err = |e: std::io::Error| InputError {
        path: display.to_string(),
        message: e.to_string(),
    };
    let file = File::open(path).map_err(io_err)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut scanner = Scanner::new(BufReader::with_capacity(1 << 20, file), MAX_ENTRY_BYTES);
    scanner.open().map_err(|e| input_error(display, e))?;
    let prescan = prescan(path).map_err(io_err)?;
    let creator_sanitizes = scanner
        .creator
        .as_deref()
        .or(prescan.creator_hint)
        .is_some_and(|c| SANITIZING_CREATORS.iter().any(|s| c.contains(s)));
    let connection_is_port = scanner
        .creator
        .as_deref()
        .is_some_and(|c| PORT_AS_CONNECTION_CREATORS.iter().any(|s| c.contains(s)));
    let mut stats = SourceStats::new(display, SourceKind::Har);
    stats.bytes = len;
    Ok(HarSource {
        path: display.to_string(),
        scanner,
        buf: Vec::new(),
        heap: BinaryHeap::new(),
        index: 0,
        last_ts: crate::model::Timestamp::ZERO,
        stats,
        stripped: !prescan.credential_headers && (creator_sanitizes || prescan.auth_status),
        connection_is_port,
        cached: 0,
        ended: false,
        error: None,
    })
}

struct Prescan {
    credential_headers: bool,
    creator_hint: Option<&'static str>,
    /// Some response is a 401 or 407: credentials were asked for.
    auth_status: bool,
}

/// One fast pass over the raw bytes: is any credential header named
/// (`"authorization"`, `"cookie"`, `"set-cookie"`, any case, as a header
/// name: see [`names_credential_header`]), is there a 401/407 status, and is
/// the creator a Chromium DevTools export? An export with challenges but not
/// one credential header anywhere was sanitized (issue: "auth-relevant
/// responses present, credential headers absent everywhere"); so is a
/// DevTools export without any.
fn prescan(path: &Path) -> std::io::Result<Prescan> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut carry: Vec<u8> = Vec::new();
    let mut out = Prescan {
        credential_headers: false,
        creator_hint: None,
        auth_status: false,
    };
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        carry.extend_from_slice(chunk.get(..n).unwrap_or_default());
        carry.make_ascii_lowercase();
        if names_credential_header(&carry) {
            out.credential_headers = true;
        }
        if out.creator_hint.is_none() && carry.windows(14).any(|w| w == b"\"webinspector\"") {
            out.creator_hint = Some("WebInspector");
        }
        if !out.auth_status && has_auth_status(&carry) {
            out.auth_status = true;
        }
        if out.credential_headers {
            break;
        }
        let keep = carry.len().saturating_sub(64);
        carry.drain(..keep);
    }
    Ok(out)
}

/// True when a credential header name occurs in header-name position of the
/// lower-cased JSON `buf`: right after `"name":` (`{"name": "cookie", …}`) or
/// first in a `[name, value]` pair. The same word as a value does not count:
/// `Vary: Cookie` and a CORS preflight's `Access-Control-Request-Headers:
/// authorization` survive Chrome's sanitizing export.
fn names_credential_header(buf: &[u8]) -> bool {
    const NEEDLES: &[&[u8]] = &[b"\"authorization\"", b"\"cookie\"", b"\"set-cookie\""];
    NEEDLES.iter().any(|nd| {
        buf.windows(nd.len())
            .enumerate()
            .any(|(i, w)| w == *nd && in_name_position(buf.get(..i).unwrap_or_default()))
    })
}

/// `before` (the bytes before a JSON string) ends, blanks aside, with `[` or
/// with `"name":`.
fn in_name_position(before: &[u8]) -> bool {
    let trimmed = before.trim_ascii_end();
    match trimmed.split_last() {
        Some((b'[', _)) => true,
        Some((b':', rest)) => rest.trim_ascii_end().ends_with(b"\"name\""),
        _ => false,
    }
}

/// True when `"status"` is followed (after blanks and a colon) by 401 or 407.
fn has_auth_status(buf: &[u8]) -> bool {
    const KEY: &[u8] = b"\"status\"";
    let mut rest = buf;
    while let Some(pos) = rest.windows(KEY.len()).position(|w| w == KEY) {
        rest = rest.get(pos + KEY.len()..).unwrap_or_default();
        let value: Vec<u8> = rest
            .iter()
            .copied()
            .skip_while(|b| b.is_ascii_whitespace() || *b == b':')
            .take(4)
            .collect();
        if matches!(value.get(..3), Some(b"401") | Some(b"407"))
            && !value.get(3).is_some_and(u8::is_ascii_digit)
        {
            return true;
        }
    }
    false
}

impl HarSource {
    fn fill(&mut self) {
        while !self.ended && self.heap.len() < REORDER_WINDOW {
            match self.scanner.next_entry(&mut self.buf) {
                Ok(Some(Entry::Json)) => self.convert(),
                Ok(Some(Entry::TooLarge)) => {
                    self.index += 1;
                    self.stats.skipped += 1;
                }
                Ok(None) => self.ended = true,
                Err(e) => {
                    self.ended = true;
                    self.error = Some(input_error(&self.path, e));
                }
            }
        }
    }

    fn convert(&mut self) {
        let index = self.index;
        self.index += 1;
        self.stats.packets += 1;
        let parsed = serde_json::from_slice::<serde_json::Value>(&self.buf);
        if parsed.as_ref().is_ok_and(entry::from_browser_cache) {
            self.cached += 1;
            return;
        }
        match parsed
            .ok()
            .map(|v| entry::to_exchange(&v, index, self.last_ts))
        {
            Some(Ok(mut ex)) => {
                if self.connection_is_port {
                    forget_connection(&mut ex);
                }
                self.last_ts = ex.ts();
                self.heap.push(Reverse(Pending(ex)));
            }
            _ => self.stats.skipped += 1,
        }
    }
}

/// Drops an exchange's connection id: the connection is unknown.
fn forget_connection(ex: &mut HttpExchange) {
    if let crate::model::ExchangeOrigin::Har { connection, .. } = &mut ex.origin {
        *connection = None;
    }
}

impl Source for HarSource {
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, InputError> {
        self.fill();
        if let Some(Reverse(Pending(ex))) = self.heap.pop() {
            return Ok(Some(SourceItem::Exchange(Box::new(ex))));
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(None),
        }
    }

    fn stats(&self) -> Vec<SourceStats> {
        vec![self.stats.clone()]
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.stripped {
            notes.push(format!(
                "{}: this HAR export looks sanitized: it has no Authorization, Cookie or \
                 Set-Cookie header anywhere although the server asked for credentials or the \
                 browser is Chrome/Edge, which remove them by default (\"Export HAR (sanitized)\"). \
                 Missing credentials and cookies are therefore not reported; export \"with \
                 sensitive data\" to see them.",
                self.path
            ));
        }
        if self.stats.skipped > 0 {
            notes.push(format!(
                "{}: {} HAR entries could not be read and were skipped",
                self.path, self.stats.skipped
            ));
        }
        if self.cached > 0 {
            notes.push(format!(
                "{}: {} HAR entries were answered from the browser's own cache (`_fromCache`) \
                 and never reached the server; they are left out",
                self.path, self.cached
            ));
        }
        notes
    }

    fn credentials_stripped(&self) -> bool {
        self.stripped
    }
}

/// Several HAR files merged by entry time (each already in time order).
pub struct MultiHar {
    sources: Vec<HarSource>,
    heads: Vec<Option<HttpExchange>>,
}

/// Opens one or more HAR files as one source.
pub fn open_many(paths: &[String]) -> Result<MultiHar, InputError> {
    let mut sources = Vec::with_capacity(paths.len());
    for p in paths {
        sources.push(open(Path::new(p), p)?);
    }
    let heads = sources.iter().map(|_| None).collect();
    Ok(MultiHar { sources, heads })
}

impl Source for MultiHar {
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, InputError> {
        for (src, head) in self.sources.iter_mut().zip(self.heads.iter_mut()) {
            if head.is_none() {
                if let Some(SourceItem::Exchange(ex)) = src.next_item()? {
                    *head = Some(*ex);
                }
            }
        }
        let pick = self
            .heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|e| (e.ts(), i)))
            .min()
            .map(|(_, i)| i);
        Ok(pick
            .and_then(|i| self.heads.get_mut(i).and_then(Option::take))
            .map(|ex| SourceItem::Exchange(Box::new(ex))))
    }

    fn stats(&self) -> Vec<SourceStats> {
        self.sources.iter().flat_map(|s| s.stats()).collect()
    }

    fn notes(&self) -> Vec<String> {
        self.sources.iter().flat_map(|s| s.notes()).collect()
    }

    fn credentials_stripped(&self) -> bool {
        self.sources.iter().any(|s| s.credentials_stripped())
    }
}

/// Reads a HAR file fully into exchanges (tests and tools).
pub fn read_all(path: &Path) -> Result<Vec<HttpExchange>, InputError> {
    let display = path.to_string_lossy().into_owned();
    let mut src = open(path, &display)?;
    let mut out = Vec::new();
    while let Some(item) = src.next_item()? {
        if let SourceItem::Exchange(ex) = item {
            out.push(*ex);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

//! Incremental head parsing. Owns the end-of-head scanner, the partial-head
//! buffer and the `httparse` configurations. Receives the bytes of one message
//! head (possibly over several events); emits an owned [`ReqHead`] or
//! [`RespHead`] with the framing facts read from its fields. Must not decide
//! framing or pair messages, and must not buffer more than the caller allows.

use super::detect::StartKind;
use super::framing::FramingInfo;
use crate::model::{Headers, HttpVersion, Timestamp};

/// Header slots tried on the stack before counting lines for a larger table.
const STACK_HEADERS: usize = 64;

/// Finds the empty line that ends a head (RFC 9112 §2.1), one slice at a time.
/// Accepts CRLF and bare LF line endings and remembers whether a bare LF was seen.
#[derive(Clone, Debug, Default)]
pub(crate) struct HeadScan {
    line_len: usize,
    line_first: u8,
    prev: u8,
    seen_line: bool,
    pub(crate) bare_lf: bool,
}

impl HeadScan {
    /// Scans `input`; returns the offset just past the terminating empty line.
    pub(crate) fn scan(&mut self, input: &[u8]) -> Option<usize> {
        let mut start = 0;
        for lf in memchr::memchr_iter(b'\n', input) {
            self.extend_line(input.get(start..lf).unwrap_or(&[]));
            if self.prev != b'\r' {
                self.bare_lf = true;
            }
            let empty = self.line_len == 0 || (self.line_len == 1 && self.line_first == b'\r');
            self.line_len = 0;
            self.prev = b'\n';
            start = lf + 1;
            if empty && self.seen_line {
                return Some(start);
            }
            self.seen_line |= !empty;
        }
        self.extend_line(input.get(start..).unwrap_or(&[]));
        None
    }

    fn extend_line(&mut self, seg: &[u8]) {
        if let (Some(&first), Some(&last)) = (seg.first(), seg.last()) {
            if self.line_len == 0 {
                self.line_first = first;
            }
            self.line_len = self.line_len.saturating_add(seg.len());
            self.prev = last;
        }
    }
}

/// A head being received: the bytes buffered so far (only when the head spans
/// several events), the scanner state and when its first byte arrived.
#[derive(Clone, Debug, Default)]
pub(crate) struct HeadAcc {
    pub(crate) buf: Vec<u8>,
    pub(crate) scan: HeadScan,
    pub(crate) kind: Option<StartKind>,
    pub(crate) ts: Option<Timestamp>,
}

impl HeadAcc {
    /// Forgets the current head, keeping the buffer's allocation when small.
    pub(crate) fn reset(&mut self) {
        self.buf.clear();
        if self.buf.capacity() > 16 << 10 {
            self.buf = Vec::new();
        }
        self.scan = HeadScan::default();
        self.kind = None;
        self.ts = None;
    }

    /// True when some bytes of a head were received.
    pub(crate) fn in_progress(&self) -> bool {
        self.ts.is_some()
    }
}

/// The three `httparse` configurations tried in turn: strict, lenient (RFC 9112
/// §5.2 obs-fold, whitespace before the colon or the first field, repeated
/// spaces in the start line), and lenient while skipping invalid field lines.
#[derive(Clone, Debug)]
pub(crate) struct HeadParsers {
    strict: httparse::ParserConfig,
    lenient: httparse::ParserConfig,
    skipping: httparse::ParserConfig,
}

impl HeadParsers {
    pub(crate) fn new() -> Self {
        let mut lenient = httparse::ParserConfig::default();
        lenient
            .allow_spaces_after_header_name_in_responses(true)
            .allow_obsolete_multiline_headers_in_responses(true)
            .allow_multiple_spaces_in_request_line_delimiters(true)
            .allow_multiple_spaces_in_response_status_delimiters(true)
            .allow_space_before_first_header_name(true);
        let mut skipping = lenient.clone();
        skipping
            .ignore_invalid_headers_in_requests(true)
            .ignore_invalid_headers_in_responses(true);
        HeadParsers {
            strict: httparse::ParserConfig::default(),
            lenient,
            skipping,
        }
    }

    fn tiers(&self) -> [(&httparse::ParserConfig, Option<&'static str>); 3] {
        [
            (&self.strict, None),
            (&self.lenient, Some("http_lenient_head")),
            (&self.skipping, Some("http_invalid_header_ignored")),
        ]
    }
}

/// A parsed request head.
#[derive(Clone, Debug)]
pub(crate) struct ReqHead {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) version: HttpVersion,
    pub(crate) headers: Headers,
    pub(crate) info: FramingInfo,
    pub(crate) anomalies: Vec<&'static str>,
}

/// A parsed response head.
#[derive(Clone, Debug)]
pub(crate) struct RespHead {
    pub(crate) status: u16,
    pub(crate) reason: String,
    pub(crate) version: HttpVersion,
    pub(crate) headers: Headers,
    pub(crate) info: FramingInfo,
    pub(crate) anomalies: Vec<&'static str>,
}

/// Why a complete head could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// `httparse` rejected it even with every leniency.
    Invalid(httparse::Error),
    /// `httparse` wanted more bytes although the empty line was seen.
    Incomplete,
}

/// Parses a complete request head (`bytes` ends with the empty line).
pub(crate) fn parse_request_head(p: &HeadParsers, bytes: &[u8]) -> Result<ReqHead, HeadError> {
    let first = parse_request_sized(p, bytes);
    if !matches!(first, Err(HeadError::Invalid(_))) {
        return first;
    }
    let Some(clean) = sanitize(bytes, StartKind::Request) else {
        return first;
    };
    parse_request_sized(p, &clean)
        .map(|mut h| {
            if let Some((a, b)) = spaced_target(bytes) {
                let raw = bytes.get(a..b).unwrap_or_default();
                h.target = String::from_utf8_lossy(raw).into_owned();
            } else if lacks_target(bytes) {
                h.target.clear();
            }
            h.anomalies.push(SANITIZED);
            h
        })
        .or(first)
}

/// Where the target of a request line lies when it contains spaces (between
/// the first and the last space, RFC 9112 §3.2 forbids them) or raw non-ASCII
/// bytes (clients that send UTF-8 or Latin-1 paths unencoded; servers take
/// them): `None` when it has neither.
fn spaced_target(bytes: &[u8]) -> Option<(usize, usize)> {
    let line = bytes.get(..bytes.iter().position(|&b| b == b'\n')?)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let first = line.iter().position(|&b| b == b' ')?;
    let last = line.iter().rposition(|&b| b == b' ')?;
    let start = first
        + line
            .get(first..)?
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
    let end = last
        - line
            .get(..last)?
            .iter()
            .rev()
            .take_while(|&&b| b == b' ')
            .count();
    let target = line.get(start..=end.checked_sub(1)?)?;
    let odd = target.iter().any(|&b| b == b' ' || !b.is_ascii());
    (start < end && odd).then_some((start, end))
}

/// The request line is `method SP HTTP-version` with no target between them:
/// invalid (RFC 9112 §3), yet answered by servers (Apache sent a 200 to `GET
/// HTTP/1.1` in corpus zeek_no-uri.pcap), so it is read with an empty target.
fn lacks_target(bytes: &[u8]) -> bool {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(sp) = line.iter().position(|&b| b == b' ') else {
        return false;
    };
    let rest = line.get(sp..).unwrap_or_default().trim_ascii();
    let http = rest
        .get(..5)
        .is_some_and(|t| t.eq_ignore_ascii_case(b"HTTP/"));
    http && !rest.contains(&b' ')
}

/// Parses a complete response head (`bytes` ends with the empty line).
pub(crate) fn parse_response_head(p: &HeadParsers, bytes: &[u8]) -> Result<RespHead, HeadError> {
    let first = parse_response_sized(p, bytes);
    if !matches!(first, Err(HeadError::Invalid(_))) {
        return first;
    }
    let Some(clean) = sanitize(bytes, StartKind::Response) else {
        return first;
    };
    parse_response_sized(p, &clean)
        .map(|mut h| {
            h.anomalies.push(SANITIZED);
            h
        })
        .or(first)
}

/// Anomaly of a head that parsed only after [`sanitize`].
const SANITIZED: &str = "http_sanitized_head";

/// Last resort for a head every tier rejected, tolerating what browsers and
/// servers accept but `httparse` does not: a start-line version other than
/// `HTTP/1.0` or `HTTP/1.1` (`HTTP/1.2`, `HTTP/2.0`, `HTTP/1.0.8`, a NUL
/// inside) is read as HTTP/1.1 (HTTP/1.0 when it begins so), and a bare CR or
/// a NUL in the field lines becomes a space (RFC 9112 §2.2 lets a recipient
/// treat a bare CR as whitespace); spaces inside a request target are hidden
/// (python's http.server answers such requests with a 400 we want to see); a
/// missing target gets a stand-in (see [`lacks_target`]).
/// `None` when there is nothing to change.
fn sanitize(bytes: &[u8], kind: StartKind) -> Option<Vec<u8>> {
    let line_end = bytes.iter().position(|&b| b == b'\n')?;
    let line = bytes.get(..line_end)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (start, end) = match kind {
        StartKind::Response => (0, line.iter().position(|&b| b == b' ')?),
        StartKind::Request => (line.iter().rposition(|&b| b == b' ')? + 1, line.len()),
    };
    let token = line.get(start..end)?;
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.extend_from_slice(line.get(..start)?);
    let no_target = kind == StartKind::Request && lacks_target(bytes);
    if no_target {
        out.extend_from_slice(b"/ ");
    }
    // A target with spaces or raw non-ASCII bytes: they become `+` and `_`
    // for httparse; the caller puts the original target back.
    let spaced = match kind {
        StartKind::Request => spaced_target(bytes),
        StartKind::Response => None,
    };
    if let Some((a, b)) = spaced {
        for b in out.get_mut(a..b)? {
            if *b == b' ' {
                *b = b'+';
            } else if !b.is_ascii() {
                *b = b'_';
            }
        }
    }
    let http = token
        .get(..5)
        .is_some_and(|t| t.eq_ignore_ascii_case(b"HTTP/"));
    let odd_version = http && token != b"HTTP/1.0" && token != b"HTTP/1.1";
    if odd_version {
        let v: &[u8] = if token.get(5..8) == Some(b"1.0") {
            b"HTTP/1.0"
        } else {
            b"HTTP/1.1"
        };
        out.extend_from_slice(v);
    } else {
        out.extend_from_slice(token);
    }
    out.extend_from_slice(line.get(end..)?);
    let rest = bytes.get(line.len()..)?;
    let mut changed = odd_version || spaced.is_some() || no_target;
    for (i, &b) in rest.iter().enumerate() {
        let bare_cr = b == b'\r' && rest.get(i + 1) != Some(&b'\n');
        if bare_cr || b == 0 {
            changed = true;
            out.push(b' ');
        } else {
            out.push(b);
        }
    }
    changed.then_some(out)
}

fn parse_request_sized(p: &HeadParsers, bytes: &[u8]) -> Result<ReqHead, HeadError> {
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    match request_with(p, bytes, &mut stack) {
        Err(HeadError::Invalid(httparse::Error::TooManyHeaders)) => {
            let mut heap = vec![httparse::EMPTY_HEADER; line_count(bytes)];
            request_with(p, bytes, &mut heap)
        }
        r => r,
    }
}

fn parse_response_sized(p: &HeadParsers, bytes: &[u8]) -> Result<RespHead, HeadError> {
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    match response_with(p, bytes, &mut stack) {
        Err(HeadError::Invalid(httparse::Error::TooManyHeaders)) => {
            let mut heap = vec![httparse::EMPTY_HEADER; line_count(bytes)];
            response_with(p, bytes, &mut heap)
        }
        r => r,
    }
}

fn line_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count() + 1
}

fn request_with<'b>(
    p: &HeadParsers,
    bytes: &'b [u8],
    slots: &mut [httparse::Header<'b>],
) -> Result<ReqHead, HeadError> {
    let mut last = HeadError::Incomplete;
    for (cfg, leniency) in p.tiers() {
        let mut req = httparse::Request::new(slots);
        match cfg.parse_request(&mut req, bytes) {
            Ok(httparse::Status::Complete(_)) => {
                let (headers, info, mut anomalies) = collect_fields(req.headers, leniency);
                anomalies.extend(leniency);
                return Ok(ReqHead {
                    method: req.method.unwrap_or_default().to_string(),
                    target: req.path.unwrap_or_default().to_string(),
                    version: version(req.version),
                    headers,
                    info,
                    anomalies,
                });
            }
            Ok(httparse::Status::Partial) => return Err(HeadError::Incomplete),
            Err(e @ httparse::Error::TooManyHeaders) => return Err(HeadError::Invalid(e)),
            Err(e) => last = HeadError::Invalid(e),
        }
    }
    Err(last)
}

fn response_with<'b>(
    p: &HeadParsers,
    bytes: &'b [u8],
    slots: &mut [httparse::Header<'b>],
) -> Result<RespHead, HeadError> {
    let mut last = HeadError::Incomplete;
    for (cfg, leniency) in p.tiers() {
        let mut resp = httparse::Response::new(slots);
        match cfg.parse_response(&mut resp, bytes) {
            Ok(httparse::Status::Complete(_)) => {
                let (headers, info, mut anomalies) = collect_fields(resp.headers, leniency);
                anomalies.extend(leniency);
                return Ok(RespHead {
                    status: resp.code.unwrap_or_default(),
                    reason: reason_phrase(resp.reason, bytes),
                    version: version(resp.version),
                    headers,
                    info,
                    anomalies,
                });
            }
            Ok(httparse::Status::Partial) => return Err(HeadError::Incomplete),
            Err(e @ httparse::Error::TooManyHeaders) => return Err(HeadError::Invalid(e)),
            Err(e) => last = HeadError::Invalid(e),
        }
    }
    Err(last)
}

/// The reason phrase as sent. httparse hands out none when it holds obs-text
/// (bytes from 0x80, RFC 9112 §4): those are read from the status line, as
/// UTF-8 when they are (localised servers), else as Latin-1 (old ones).
fn reason_phrase(parsed: Option<&str>, head: &[u8]) -> String {
    match parsed {
        Some(r) if !r.is_empty() => return r.to_string(),
        _ => {}
    }
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let raw = line.splitn(3, |&b| b == b' ').nth(2).unwrap_or_default();
    if raw.is_ascii() {
        return String::new();
    }
    match std::str::from_utf8(raw) {
        Ok(text) => text.to_string(),
        Err(_) => raw.iter().map(|&b| char::from(b)).collect(),
    }
}

fn version(v: Option<u8>) -> HttpVersion {
    match v {
        Some(0) => HttpVersion::Http10,
        _ => HttpVersion::Http11,
    }
}

/// Copies the fields in wire order and reads the framing facts from them in
/// the same pass. Folded values (obs-fold) get their line breaks replaced by
/// spaces, as RFC 9112 §5.2 asks of a recipient that keeps them.
fn collect_fields(
    fields: &[httparse::Header<'_>],
    leniency: Option<&'static str>,
) -> (Headers, FramingInfo, Vec<&'static str>) {
    let bytes = fields.iter().map(|f| f.name.len() + f.value.len()).sum();
    let mut headers = Headers::with_capacity(fields.len(), bytes);
    let mut info = FramingInfo::default();
    let mut anomalies = Vec::new();
    for f in fields {
        info.observe(f.name, f.value);
        if leniency.is_some() && f.value.iter().any(|&b| b == b'\n' || b == b'\r') {
            let unfolded: Vec<u8> = f
                .value
                .iter()
                .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
                .collect();
            headers.push(f.name, &unfolded);
            if !anomalies.contains(&"http_obs_fold") {
                anomalies.push("http_obs_fold");
            }
        } else {
            headers.push(f.name, f.value);
        }
    }
    anomalies.extend(info.anomalies());
    (headers, info, anomalies)
}

#[cfg(test)]
mod scan_tests {
    use super::HeadScan;

    /// The end offset of the head within the whole input and the bare-LF
    /// flag, feeding `input` in pieces of `step` bytes.
    fn scan_in_pieces(input: &[u8], step: usize) -> (Option<usize>, bool) {
        let mut scan = HeadScan::default();
        let mut fed = 0;
        for piece in input.chunks(step) {
            if let Some(end) = scan.scan(piece) {
                return (Some(fed + end), scan.bare_lf);
            }
            fed += piece.len();
        }
        (None, scan.bare_lf)
    }

    #[test]
    fn head_end_is_found_whatever_the_split() {
        let cases: [(&[u8], Option<usize>, bool); 5] = [
            (b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody", Some(27), false),
            (b"GET / HTTP/1.1\nHost: a\n\nbody", Some(24), true),
            (b"\r\nGET / HTTP/1.1\r\nX: \r\r\n\r\n", Some(26), false),
            (b"HTTP/1.1 200 OK\r\nA: b\r\n", None, false),
            (b"HTTP/1.1 200 OK\r\nA: b\n\r\n", Some(24), true),
        ];
        for (input, end, bare_lf) in cases {
            for step in 1..=input.len() {
                assert_eq!(
                    scan_in_pieces(input, step),
                    (end, bare_lf),
                    "{:?} in pieces of {step}",
                    String::from_utf8_lossy(input)
                );
            }
        }
    }
}

//! Message framing (RFC 9112 §6 and §7). Owns the body state machines:
//! Content-Length, chunked (extensions, trailers) and close-delimited. Receives
//! the framing facts of a head and then body bytes and gaps; emits body payload
//! slices to a sink and "done" or a framing error. Must not keep body bytes.

/// Bytes of one chunk-size line (size plus extensions) before it is rejected.
const MAX_CHUNK_LINE: usize = 4096;

/// `Content-Length` as read from every field and list element (RFC 9110 §8.6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum ContentLength {
    /// No field.
    #[default]
    Absent,
    /// One value (repeats of the same value are accepted).
    Value(u64),
    /// Not a decimal number.
    Invalid,
    /// Different values.
    Conflict,
}

/// The content coding of the body (RFC 9110 §8.4), as far as we decode it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Coding {
    /// No coding, or `identity`.
    #[default]
    Identity,
    /// `gzip` / `x-gzip`.
    Gzip,
    /// `deflate` (zlib, or raw deflate as some servers send it).
    Deflate,
    /// Anything else (`br`, `zstd`, stacked codings).
    Other,
}

/// Framing facts read from the header fields of one message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FramingInfo {
    pub(crate) content_length: ContentLength,
    /// `Transfer-Encoding` present.
    pub(crate) te_present: bool,
    /// The final transfer coding is `chunked` (RFC 9112 §6.3 rule 4).
    pub(crate) te_chunked: bool,
    pub(crate) coding: Coding,
    /// `Expect: 100-continue` (RFC 9110 §10.1.1).
    pub(crate) expect_continue: bool,
}

impl FramingInfo {
    /// Takes one field into account.
    pub(crate) fn observe(&mut self, name: &str, value: &[u8]) {
        if name.eq_ignore_ascii_case("content-length") {
            for item in value.split(|&b| b == b',') {
                self.content_length = merge_length(self.content_length, parse_decimal(trim(item)));
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            if let Some(last) = value
                .split(|&b| b == b',')
                .map(trim)
                .rfind(|t| !t.is_empty())
            {
                self.te_present = true;
                self.te_chunked = last.eq_ignore_ascii_case(b"chunked");
            }
        } else if name.eq_ignore_ascii_case("content-encoding") {
            self.coding = coding_of(value);
        } else if name.eq_ignore_ascii_case("expect") {
            self.expect_continue = trim(value).eq_ignore_ascii_case(b"100-continue");
        }
    }

    /// Anomalies visible from the fields alone.
    pub(crate) fn anomalies(&self) -> Option<&'static str> {
        match self.content_length {
            ContentLength::Invalid | ContentLength::Conflict => Some("http_bad_content_length"),
            _ if self.te_present && self.content_length != ContentLength::Absent => {
                Some("http_te_and_cl")
            }
            _ => None,
        }
    }
}

fn merge_length(acc: ContentLength, item: Option<u64>) -> ContentLength {
    match (acc, item) {
        (ContentLength::Conflict, _) | (ContentLength::Invalid, _) => acc,
        (_, None) => ContentLength::Invalid,
        (ContentLength::Absent, Some(n)) => ContentLength::Value(n),
        (ContentLength::Value(a), Some(n)) if a == n => acc,
        (ContentLength::Value(_), Some(_)) => ContentLength::Conflict,
    }
}

/// `1*DIGIT` (RFC 9110 §8.6): leading zeros are digits like any other, so
/// `0005` is 5; rejecting them would lose where the body ends and with it the
/// request that follows (corpus zeek_http261_variant-08-leading_zeros.pcap).
fn parse_decimal(s: &[u8]) -> Option<u64> {
    let zeros = s.iter().take_while(|&&b| b == b'0').count();
    let digits = s.get(zeros..).unwrap_or_default();
    if s.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &b| {
        let d = char::from(b).to_digit(10)?;
        acc.checked_mul(10)?.checked_add(u64::from(d))
    })
}

fn trim(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

fn coding_of(value: &[u8]) -> Coding {
    let mut coding = Coding::Identity;
    for item in value
        .split(|&b| b == b',')
        .map(trim)
        .filter(|t| !t.is_empty())
    {
        let this = if item.eq_ignore_ascii_case(b"gzip") || item.eq_ignore_ascii_case(b"x-gzip") {
            Coding::Gzip
        } else if item.eq_ignore_ascii_case(b"deflate") {
            Coding::Deflate
        } else if item.eq_ignore_ascii_case(b"identity") {
            continue;
        } else {
            Coding::Other
        };
        coding = if coding == Coding::Identity {
            this
        } else {
            Coding::Other
        };
    }
    coding
}

/// How a message's body is delimited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// `Content-Length` bytes remain.
    Length(u64),
    /// Chunked transfer coding.
    Chunked(Chunked),
    /// Until the sender closes (responses only, RFC 9112 §6.3 rule 8).
    UntilClose,
}

/// What the head says comes after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Nothing: the message ends with its head.
    NoBody,
    /// A body delimited as given.
    Body(Body),
    /// The connection stops carrying HTTP after this head (101, 2xx to CONNECT).
    Tunnel,
    /// The framing cannot be known; the stream must resynchronise.
    Bad(&'static str),
}

/// Request framing, RFC 9112 §6.3 rules 4 to 7.
pub(crate) fn request_framing(info: &FramingInfo, max_trailer: usize) -> Framing {
    if info.te_present {
        return if info.te_chunked {
            Framing::Body(Body::Chunked(Chunked::new(max_trailer)))
        } else {
            Framing::Bad("http_bad_transfer_encoding")
        };
    }
    match info.content_length {
        ContentLength::Value(0) | ContentLength::Absent => Framing::NoBody,
        ContentLength::Value(n) => Framing::Body(Body::Length(n)),
        ContentLength::Invalid | ContentLength::Conflict => Framing::Bad("http_bad_content_length"),
    }
}

/// Response framing, RFC 9112 §6.3 rules 1 to 8. `head_request` and
/// `connect_request` describe the request this response answers.
pub(crate) fn response_framing(
    info: &FramingInfo,
    status: u16,
    head_request: bool,
    connect_request: bool,
    max_trailer: usize,
) -> Framing {
    if status == 101 || (connect_request && (200..300).contains(&status)) {
        return Framing::Tunnel;
    }
    if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
        return Framing::NoBody;
    }
    if info.te_present {
        return Framing::Body(if info.te_chunked {
            Body::Chunked(Chunked::new(max_trailer))
        } else {
            Body::UntilClose
        });
    }
    match info.content_length {
        ContentLength::Value(0) => Framing::NoBody,
        ContentLength::Value(n) => Framing::Body(Body::Length(n)),
        ContentLength::Absent => Framing::Body(Body::UntilClose),
        ContentLength::Invalid | ContentLength::Conflict => Framing::Bad("http_bad_content_length"),
    }
}

/// Result of feeding body bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BodyStep {
    /// Input bytes used (the rest belongs to the next message).
    pub(crate) consumed: usize,
    /// The body ended within the used bytes.
    pub(crate) done: bool,
    /// The framing broke; the body ends here and the stream must resynchronise.
    pub(crate) error: Option<&'static str>,
}

/// What a gap did to the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GapEffect {
    /// The gap lay inside the body; `done` when it reached the body's end.
    Absorbed { done: bool },
    /// The gap ran past the body's end or broke the chunk framing.
    Lost,
}

impl Body {
    /// Feeds body bytes; payload bytes (de-chunked) go to `sink`.
    pub(crate) fn consume(&mut self, input: &[u8], sink: &mut impl FnMut(&[u8])) -> BodyStep {
        match self {
            Body::Length(remaining) => {
                let take = input
                    .len()
                    .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                sink(input.get(..take).unwrap_or(&[]));
                *remaining = remaining.saturating_sub(take as u64);
                BodyStep {
                    consumed: take,
                    done: *remaining == 0,
                    error: None,
                }
            }
            Body::Chunked(c) => c.consume(input, sink),
            Body::UntilClose => {
                sink(input);
                BodyStep {
                    consumed: input.len(),
                    done: false,
                    error: None,
                }
            }
        }
    }

    /// Accounts for `len` missing bytes.
    pub(crate) fn on_gap(&mut self, len: u64) -> GapEffect {
        match self {
            Body::Length(remaining) if len <= *remaining => {
                *remaining -= len;
                GapEffect::Absorbed {
                    done: *remaining == 0,
                }
            }
            Body::UntilClose => GapEffect::Absorbed { done: false },
            Body::Chunked(c) => c.on_gap(len),
            Body::Length(_) => GapEffect::Lost,
        }
    }
}

/// Where the chunked decoder is (RFC 9112 §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkState {
    Size,
    Ext,
    SizeLf,
    Data(u64),
    DataCr,
    DataLf,
    Trailer,
}

/// Chunked decoder. Invariant: `line_len` never exceeds the line caps, so a
/// size line or trailer section cannot grow without bound (nothing is stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chunked {
    state: ChunkState,
    size: u64,
    digits: u8,
    line_len: usize,
    line_first: u8,
    trailer_len: usize,
    max_trailer: usize,
}

impl Chunked {
    pub(crate) fn new(max_trailer: usize) -> Self {
        Chunked {
            state: ChunkState::Size,
            size: 0,
            digits: 0,
            line_len: 0,
            line_first: 0,
            trailer_len: 0,
            max_trailer,
        }
    }

    fn consume(&mut self, input: &[u8], sink: &mut impl FnMut(&[u8])) -> BodyStep {
        let mut pos = 0;
        while pos < input.len() {
            if let ChunkState::Data(rem) = self.state {
                let avail = input.len() - pos;
                let take = avail.min(usize::try_from(rem).unwrap_or(usize::MAX));
                sink(input.get(pos..pos + take).unwrap_or(&[]));
                pos += take;
                let rem = rem - take as u64;
                self.state = if rem == 0 {
                    ChunkState::DataCr
                } else {
                    ChunkState::Data(rem)
                };
                continue;
            }
            let b = input.get(pos).copied().unwrap_or(b'\n');
            pos += 1;
            match self.byte(b) {
                Ok(false) => {}
                Ok(true) => {
                    return BodyStep {
                        consumed: pos,
                        done: true,
                        error: None,
                    }
                }
                Err(code) => {
                    return BodyStep {
                        consumed: pos,
                        done: true,
                        error: Some(code),
                    }
                }
            }
        }
        BodyStep {
            consumed: pos,
            done: false,
            error: None,
        }
    }

    /// One framing byte; `Ok(true)` when the chunked body ended.
    fn byte(&mut self, b: u8) -> Result<bool, &'static str> {
        const BAD: &str = "http_bad_chunk";
        match self.state {
            ChunkState::Size => match (b, char::from(b).to_digit(16)) {
                (_, Some(d)) if self.digits < 16 => {
                    self.size = (self.size << 4) | u64::from(d);
                    self.digits += 1;
                }
                (b';' | b' ' | b'\t', _) if self.digits > 0 => self.state = ChunkState::Ext,
                (b'\r', _) if self.digits > 0 => self.state = ChunkState::SizeLf,
                (b'\n', _) if self.digits > 0 => self.end_size_line(),
                _ => return Err(BAD),
            },
            ChunkState::Ext => match b {
                b'\n' => self.end_size_line(),
                _ if self.line_len >= MAX_CHUNK_LINE => return Err(BAD),
                _ => self.line_len += 1,
            },
            ChunkState::SizeLf if b == b'\n' => self.end_size_line(),
            ChunkState::DataCr if b == b'\r' => self.state = ChunkState::DataLf,
            ChunkState::DataCr | ChunkState::DataLf if b == b'\n' => self.state = ChunkState::Size,
            ChunkState::Trailer => return self.trailer_byte(b),
            ChunkState::SizeLf | ChunkState::DataCr | ChunkState::DataLf | ChunkState::Data(_) => {
                return Err(BAD)
            }
        }
        Ok(false)
    }

    fn end_size_line(&mut self) {
        self.state = if self.size == 0 {
            ChunkState::Trailer
        } else {
            ChunkState::Data(self.size)
        };
        self.size = 0;
        self.digits = 0;
        self.line_len = 0;
    }

    /// Trailer section (RFC 9112 §7.1.2): field lines until an empty line; the
    /// fields are counted and dropped.
    fn trailer_byte(&mut self, b: u8) -> Result<bool, &'static str> {
        if b == b'\n' {
            let empty = self.line_len == 0 || (self.line_len == 1 && self.line_first == b'\r');
            self.line_len = 0;
            return Ok(empty);
        }
        if self.line_len == 0 {
            self.line_first = b;
        }
        self.line_len += 1;
        self.trailer_len += 1;
        if self.trailer_len > self.max_trailer {
            return Err("http_header_too_large");
        }
        Ok(false)
    }

    fn on_gap(&mut self, len: u64) -> GapEffect {
        match self.state {
            ChunkState::Data(rem) if len <= rem => {
                let rem = rem - len;
                self.state = if rem == 0 {
                    ChunkState::DataCr
                } else {
                    ChunkState::Data(rem)
                };
                GapEffect::Absorbed { done: false }
            }
            _ => GapEffect::Lost,
        }
    }
}

//! HTTP recognition by content. Owns the cheap start-line classifier and the
//! resynchronisation scanner. Receives raw stream bytes; emits a verdict
//! (request line, status line, not HTTP, need more) or the offset of the next
//! line that looks like a message start. Must not buffer more than one
//! classification window ([`WINDOW`] bytes) and must not parse heads.

/// Bytes looked at to decide whether a line starts an HTTP message: a method of
/// at most 20 characters, a space and the first target byte fit in it.
pub(crate) const WINDOW: usize = 24;

const MAX_METHOD: usize = 20;
const STATUS_PREFIX: &[u8] = b"HTTP/";

/// Which kind of start line (RFC 9112 §3 request-line, §4 status-line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StartKind {
    /// `METHOD target HTTP/1.x`.
    Request,
    /// `HTTP/1.x code reason`.
    Response,
}

/// Verdict on the first bytes of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Looks like the start of an HTTP/1 message.
    Http(StartKind),
    /// Cannot be an HTTP/1 start line.
    NotHttp,
    /// Too few bytes to decide.
    NeedMore,
}

/// Classifies a line from its first bytes (at most [`WINDOW`] are read).
/// Requests are recognised by an upper-case method token (real methods are
/// upper case, RFC 9110 §9.1) followed by spaces and a visible byte;
/// responses by `HTTP/` and a digit (servers answering `HTTP/1.2` or
/// `HTTP/2.0` over HTTP/1 framing are read as HTTP/1.1 by browsers).
pub(crate) fn classify(prefix: &[u8]) -> Class {
    let p = prefix.get(..prefix.len().min(WINDOW)).unwrap_or(prefix);
    let n = p.len().min(STATUS_PREFIX.len());
    // Case-insensitive: servers answering `http/1.1 200` are read by browsers
    // (corpus http/zeek_http-lower-case.pcap).
    let same = |a: Option<&[u8]>, b: Option<&[u8]>| match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    };
    if same(p.get(..n), STATUS_PREFIX.get(..n)) {
        return match p.get(STATUS_PREFIX.len()) {
            Some(d) if d.is_ascii_digit() => Class::Http(StartKind::Response),
            Some(_) => Class::NotHttp,
            None => Class::NeedMore,
        };
    }
    classify_request(p)
}

fn classify_request(p: &[u8]) -> Class {
    for (i, &b) in p.iter().enumerate() {
        match b {
            b'A'..=b'Z' if i < MAX_METHOD => {}
            b'-' | b'_' if i > 0 && i < MAX_METHOD => {}
            // Servers accept several spaces after the method (httparse's
            // lenient tier parses them), so skip them all.
            b' ' if i > 0 => {
                let after = p.get(i..).unwrap_or(&[]);
                return match after.iter().find(|&&b| b != b' ') {
                    None => need_more(p),
                    Some(c) if c.is_ascii_graphic() => Class::Http(StartKind::Request),
                    Some(_) => Class::NotHttp,
                };
            }
            _ => return Class::NotHttp,
        }
    }
    need_more(p)
}

fn need_more(p: &[u8]) -> Class {
    if p.len() < WINDOW {
        Class::NeedMore
    } else {
        Class::NotHttp
    }
}

/// A line start found by [`Resync::scan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    /// Offset in the scanned input where the message continues; the bytes held
    /// by [`Resync::take_carry`] come before it.
    pub at: usize,
}

/// Scanner that skips bytes until a line that looks like a message start.
///
/// Invariant: `carry_len > 0` only while `at_line_start` is true and the carried
/// bytes (fewer than [`WINDOW`], no LF) are still undecided.
#[derive(Clone, Debug)]
pub(crate) struct Resync {
    at_line_start: bool,
    carry: [u8; WINDOW],
    carry_len: usize,
}

impl Resync {
    /// A scanner; `at_line_start` says whether the next byte begins a line.
    pub(crate) fn new(at_line_start: bool) -> Self {
        Resync {
            at_line_start,
            carry: [0; WINDOW],
            carry_len: 0,
        }
    }

    /// Marks that the next byte begins a line (after a gap) and forgets the carry.
    pub(crate) fn restart_at_line(&mut self) {
        self.at_line_start = true;
        self.carry_len = 0;
    }

    /// The carried bytes that start a found message (empty when none).
    pub(crate) fn take_carry(&mut self) -> ([u8; WINDOW], usize) {
        let n = std::mem::take(&mut self.carry_len);
        (self.carry, n)
    }

    /// Scans `input`; returns the bytes consumed and, when a line start of an
    /// accepted kind was found, where. `expect` restricts the kind accepted.
    pub(crate) fn scan(
        &mut self,
        input: &[u8],
        expect: Option<StartKind>,
    ) -> (usize, Option<Found>) {
        let accepts = |c: Class| matches!(c, Class::Http(k) if expect.is_none_or(|e| e == k));
        if self.carry_len > 0 {
            let mut win = [0u8; WINDOW];
            let n = join_window(
                &mut win,
                self.carry.get(..self.carry_len).unwrap_or(&[]),
                input,
            );
            match classify(win.get(..n).unwrap_or(&[])) {
                c if accepts(c) => return (0, Some(Found { at: 0 })),
                Class::NeedMore => {
                    self.stash(input);
                    return (input.len(), None);
                }
                _ => {
                    self.carry_len = 0;
                    self.at_line_start = false;
                }
            }
        }
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or(&[]);
            if self.at_line_start && !rest.is_empty() {
                match classify(rest) {
                    c if accepts(c) => return (pos, Some(Found { at: pos })),
                    Class::NeedMore => {
                        self.stash(rest);
                        return (input.len(), None);
                    }
                    _ => {}
                }
            }
            match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    pos += i + 1;
                    self.at_line_start = true;
                }
                None => {
                    self.at_line_start = rest.is_empty() && self.at_line_start;
                    return (input.len(), None);
                }
            }
        }
    }

    fn stash(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(slot) = self.carry.get_mut(self.carry_len) {
                *slot = b;
                self.carry_len += 1;
            }
        }
    }
}

/// Copies `a` then as much of `b` as fits into `win`; returns the length used.
pub(crate) fn join_window(win: &mut [u8; WINDOW], a: &[u8], b: &[u8]) -> usize {
    let mut n = 0;
    for (slot, &byte) in win.iter_mut().zip(a.iter().chain(b.iter())) {
        *slot = byte;
        n += 1;
    }
    n
}

//! The kept body prefix of error responses. Owns a bounded, streaming content
//! decoder (gzip, zlib or raw deflate via flate2) per 4xx/5xx response in
//! progress. Receives de-chunked body payload; emits at most `cap` decoded
//! bytes. Must not decode past the cap: input is fed in small pieces and
//! feeding stops once the output is full, so a decompression bomb costs at most
//! one piece's worth of inflation.

use super::framing::Coding;
use flate2::write::{DeflateDecoder, GzDecoder, ZlibDecoder};
use std::io::Write;

/// Compressed bytes handed to the decoder at a time (inflation is at most about
/// 1032:1, so one piece yields at most ~260 KiB of discarded output).
const PIECE: usize = 256;

/// A writer that keeps the first `cap` bytes and silently drops the rest.
#[derive(Debug, Default)]
struct Capped {
    buf: Vec<u8>,
    cap: usize,
}

impl Capped {
    fn full(&self) -> bool {
        self.buf.len() >= self.cap
    }
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = self.cap.saturating_sub(self.buf.len());
        self.buf
            .extend_from_slice(data.get(..room.min(data.len())).unwrap_or(&[]));
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Debug)]
enum Decoder {
    Identity(Capped),
    /// `deflate` before its first byte: zlib wrapper or raw deflate is unknown.
    DeflatePending(usize),
    Gzip(Box<GzDecoder<Capped>>),
    Zlib(Box<ZlibDecoder<Capped>>),
    Raw(Box<DeflateDecoder<Capped>>),
    /// Unknown coding, a decode error or a gap: nothing more is kept.
    Stopped(Vec<u8>),
}

/// Collects the decoded first bytes of a body.
#[derive(Debug)]
pub(crate) struct BodyPrefix {
    dec: Decoder,
    error: bool,
}

impl BodyPrefix {
    /// A collector for a body with content coding `coding`, keeping `cap` bytes.
    pub(crate) fn new(coding: Coding, cap: usize) -> Self {
        let sink = || Capped {
            buf: Vec::new(),
            cap,
        };
        let dec = match coding {
            Coding::Identity => Decoder::Identity(sink()),
            Coding::Gzip => Decoder::Gzip(Box::new(GzDecoder::new(sink()))),
            Coding::Deflate => Decoder::DeflatePending(cap),
            Coding::Other => Decoder::Stopped(Vec::new()),
        };
        BodyPrefix { dec, error: false }
    }

    /// Feeds payload bytes (after de-chunking, before content decoding).
    pub(crate) fn feed(&mut self, data: &[u8]) {
        if let (Decoder::DeflatePending(cap), Some(&first)) = (&self.dec, data.first()) {
            let sink = Capped {
                buf: Vec::new(),
                cap: *cap,
            };
            // RFC 1950 §2.2: a zlib stream starts with CM = 8 and CINFO <= 7.
            self.dec = if first & 0x0f == 8 && first >> 4 <= 7 {
                Decoder::Zlib(Box::new(ZlibDecoder::new(sink)))
            } else {
                Decoder::Raw(Box::new(DeflateDecoder::new(sink)))
            };
        }
        let ok = match &mut self.dec {
            Decoder::Identity(s) => s.write(data).is_ok(),
            Decoder::Gzip(d) => feed_pieces(d.as_mut(), data),
            Decoder::Zlib(d) => feed_pieces(d.as_mut(), data),
            Decoder::Raw(d) => feed_pieces(d.as_mut(), data),
            Decoder::DeflatePending(_) | Decoder::Stopped(_) => true,
        };
        if !ok {
            self.error = true;
            self.stop();
        }
    }

    /// Stops collecting (after a gap the decoder's state is useless).
    pub(crate) fn stop(&mut self) {
        let kept = self.take_output();
        self.dec = Decoder::Stopped(kept);
    }

    /// The decoded prefix, and whether decoding failed on the way.
    pub(crate) fn finish(mut self) -> (Vec<u8>, bool) {
        let flushed = match &mut self.dec {
            Decoder::Gzip(d) => d.try_finish().is_ok(),
            Decoder::Zlib(d) => d.try_finish().is_ok(),
            Decoder::Raw(d) => d.try_finish().is_ok(),
            _ => true,
        };
        let full = self.is_full();
        let out = self.take_output();
        (out, self.error || (!flushed && !full))
    }

    fn is_full(&self) -> bool {
        match &self.dec {
            Decoder::Identity(s) => s.full(),
            Decoder::Gzip(d) => d.get_ref().full(),
            Decoder::Zlib(d) => d.get_ref().full(),
            Decoder::Raw(d) => d.get_ref().full(),
            Decoder::DeflatePending(_) | Decoder::Stopped(_) => true,
        }
    }

    fn take_output(&mut self) -> Vec<u8> {
        match &mut self.dec {
            Decoder::Identity(s) => std::mem::take(&mut s.buf),
            Decoder::Gzip(d) => std::mem::take(&mut d.get_mut().buf),
            Decoder::Zlib(d) => std::mem::take(&mut d.get_mut().buf),
            Decoder::Raw(d) => std::mem::take(&mut d.get_mut().buf),
            Decoder::DeflatePending(_) => Vec::new(),
            Decoder::Stopped(v) => std::mem::take(v),
        }
    }
}

/// The part of the flate2 write decoders we use.
trait CappedWrite: Write {
    fn sink(&self) -> &Capped;
}

impl CappedWrite for GzDecoder<Capped> {
    fn sink(&self) -> &Capped {
        self.get_ref()
    }
}

impl CappedWrite for ZlibDecoder<Capped> {
    fn sink(&self) -> &Capped {
        self.get_ref()
    }
}

impl CappedWrite for DeflateDecoder<Capped> {
    fn sink(&self) -> &Capped {
        self.get_ref()
    }
}

/// Feeds `data` in small pieces until the sink is full; false on a decode error.
fn feed_pieces(d: &mut impl CappedWrite, data: &[u8]) -> bool {
    for piece in data.chunks(PIECE) {
        if d.sink().full() {
            return true;
        }
        if d.write_all(piece).is_err() {
            return false;
        }
    }
    true
}

//! A small, bounded DER reader (ITU-T X.690 §8 with the DER restrictions of
//! §10) for the handful of ASN.1 structures SPNEGO and Kerberos put on the
//! wire. Hand-written on purpose: the ASN.1 crates decode whole schemas
//! eagerly and reject the partial or slightly wrong tokens a capture holds;
//! this reader only walks TLVs. Receives bytes; emits borrowed [`Tlv`]s or a
//! [`DerError`]. Every length comes from the wire: it is checked against the
//! bytes actually present, children per element are capped, and nothing is
//! copied; callers bound nesting (the walkers follow fixed structures).

use super::anomaly::AuthAnomaly;

/// Most children read from one constructed element.
pub const MAX_CHILDREN: usize = 64;

/// Why a DER element could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DerError {
    /// The element runs past the end of its container (a lying length).
    Truncated,
    /// Indefinite or over-long length form.
    BadLength,
    /// A tag the structure does not allow at this place.
    Unexpected,
}

impl DerError {
    /// The matching anomaly.
    pub fn anomaly(self) -> AuthAnomaly {
        match self {
            DerError::Truncated => AuthAnomaly::DerTruncated,
            DerError::BadLength => AuthAnomaly::DerBadLength,
            DerError::Unexpected => AuthAnomaly::DerUnexpected,
        }
    }
}

/// One element: its identifier octet(s) and its contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Class bits (0 universal, 1 application, 2 context, 3 private).
    pub class: u8,
    /// Constructed bit.
    pub constructed: bool,
    /// Tag number.
    pub tag: u32,
    /// Contents octets.
    pub body: &'a [u8],
}

impl Tlv<'_> {
    /// True for `[class tag]` with the given class and number.
    pub fn is(&self, class: u8, tag: u32) -> bool {
        self.class == class && self.tag == tag
    }
}

/// Class numbers.
pub const UNIVERSAL: u8 = 0;
/// Application class.
pub const APPLICATION: u8 = 1;
/// Context-specific class.
pub const CONTEXT: u8 = 2;

/// Reads one element from the front of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), DerError> {
    let first = *input.first().ok_or(DerError::Truncated)?;
    let mut i = 1usize;
    let mut tag = u32::from(first & 0x1f);
    if tag == 0x1f {
        tag = 0;
        loop {
            let b = *input.get(i).ok_or(DerError::Truncated)?;
            i += 1;
            if i > 5 {
                return Err(DerError::BadLength);
            }
            tag = (tag << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let l0 = *input.get(i).ok_or(DerError::Truncated)?;
    i += 1;
    let len = if l0 < 0x80 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return Err(DerError::BadLength);
        }
        let bytes = input.get(i..i + n).ok_or(DerError::Truncated)?;
        i += n;
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let end = i.checked_add(len).ok_or(DerError::Truncated)?;
    let body = input.get(i..end).ok_or(DerError::Truncated)?;
    let tlv = Tlv {
        class: first >> 6,
        constructed: first & 0x20 != 0,
        tag,
        body,
    };
    Ok((tlv, input.get(end..).unwrap_or(&[])))
}

/// Reads exactly one element that must have the given class and tag.
pub fn expect(input: &[u8], class: u8, tag: u32) -> Result<Tlv<'_>, DerError> {
    let (t, _) = read(input)?;
    if t.is(class, tag) {
        Ok(t)
    } else {
        Err(DerError::Unexpected)
    }
}

/// The children of a constructed element, at most [`MAX_CHILDREN`].
pub fn children(body: &[u8]) -> Result<Vec<Tlv<'_>>, DerError> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() && out.len() < MAX_CHILDREN {
        let (t, r) = read(rest)?;
        out.push(t);
        rest = r;
    }
    Ok(out)
}

/// The context-tagged child `[n]` of a SEQUENCE body, when present.
pub fn field(seq_body: &[u8], n: u32) -> Result<Option<Tlv<'_>>, DerError> {
    Ok(children(seq_body)?.into_iter().find(|t| t.is(CONTEXT, n)))
}

/// The single element inside an explicit tag.
pub fn inner(t: Tlv<'_>) -> Result<Tlv<'_>, DerError> {
    read(t.body).map(|(x, _)| x)
}

/// An INTEGER of at most eight octets.
pub fn integer(t: Tlv<'_>) -> Option<i64> {
    if !t.is(UNIVERSAL, 2) && !t.is(UNIVERSAL, 10) || t.body.is_empty() || t.body.len() > 8 {
        return None;
    }
    let neg = t.body.first().is_some_and(|b| b & 0x80 != 0);
    let init: i64 = if neg { -1 } else { 0 };
    Some(
        t.body
            .iter()
            .fold(init, |acc, &b| (acc << 8) | i64::from(b)),
    )
}

/// An OBJECT IDENTIFIER in dotted form (X.690 §8.19); at most 32 arcs.
pub fn oid(t: Tlv<'_>) -> Option<String> {
    if !t.is(UNIVERSAL, 6) || t.body.is_empty() || t.body.len() > 64 {
        return None;
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for &b in t.body {
        acc = acc.checked_mul(128)?.checked_add(u64::from(b & 0x7f))?;
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
    }
    let s: Vec<String> = arcs.iter().map(u64::to_string).collect();
    Some(s.join("."))
}

/// A string type (GeneralString, UTF8String, IA5String, …) as lossy text.
pub fn string(t: Tlv<'_>) -> Option<String> {
    matches!(t.tag, 12 | 19 | 22 | 26 | 27)
        .then(|| String::from_utf8_lossy(t.body).into_owned())
        .filter(|_| t.class == UNIVERSAL)
}

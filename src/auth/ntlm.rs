//! NTLM messages (MS-NLMP §2.2): NEGOTIATE (type 1), CHALLENGE (type 2) and
//! AUTHENTICATE (type 3) decoded into an [`NtlmView`]. Hand-written on
//! purpose: the NTLM crates that exist compute or verify responses, none
//! offers a bounded, non-verifying view of a captured message. Receives the
//! decoded token bytes; emits the view and [`AuthAnomaly`]s. Every offset and
//! length comes from the wire, so every read goes through `.get()` and
//! checked arithmetic. Must not keep LM/NT responses, session keys or the
//! server challenge (they are hash material).

use super::anomaly::{note, AuthAnomaly};
use crate::model::{NtlmMessage, NtlmView, Timestamp};

/// `NTLMSSP\0`.
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
const NEGOTIATE_ESS: u32 = 0x0008_0000;
const NEGOTIATE_VERSION: u32 = 0x0200_0000;

/// Flag names by bit (MS-NLMP §2.2.2.5); reserved bits have no name.
const FLAG_NAMES: [(u32, &str); 22] = [
    (0x0000_0001, "NTLMSSP_NEGOTIATE_UNICODE"),
    (0x0000_0002, "NTLM_NEGOTIATE_OEM"),
    (0x0000_0004, "NTLMSSP_REQUEST_TARGET"),
    (0x0000_0010, "NTLMSSP_NEGOTIATE_SIGN"),
    (0x0000_0020, "NTLMSSP_NEGOTIATE_SEAL"),
    (0x0000_0040, "NTLMSSP_NEGOTIATE_DATAGRAM"),
    (0x0000_0080, "NTLMSSP_NEGOTIATE_LM_KEY"),
    (0x0000_0200, "NTLMSSP_NEGOTIATE_NTLM"),
    (0x0000_0800, "NTLMSSP_ANONYMOUS"),
    (0x0000_1000, "NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED"),
    (0x0000_2000, "NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED"),
    (0x0000_8000, "NTLMSSP_NEGOTIATE_ALWAYS_SIGN"),
    (0x0001_0000, "NTLMSSP_TARGET_TYPE_DOMAIN"),
    (0x0002_0000, "NTLMSSP_TARGET_TYPE_SERVER"),
    (0x0008_0000, "NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY"),
    (0x0010_0000, "NTLMSSP_NEGOTIATE_IDENTIFY"),
    (0x0040_0000, "NTLMSSP_REQUEST_NON_NT_SESSION_KEY"),
    (0x0080_0000, "NTLMSSP_NEGOTIATE_TARGET_INFO"),
    (0x0200_0000, "NTLMSSP_NEGOTIATE_VERSION"),
    (0x2000_0000, "NTLMSSP_NEGOTIATE_128"),
    (0x4000_0000, "NTLMSSP_NEGOTIATE_KEY_EXCH"),
    (0x8000_0000, "NTLMSSP_NEGOTIATE_56"),
];

/// AV pair ids (MS-NLMP §2.2.2.1).
const AV_NAMES: [&str; 11] = [
    "MsvAvEOL",
    "MsvAvNbComputerName",
    "MsvAvNbDomainName",
    "MsvAvDnsComputerName",
    "MsvAvDnsDomainName",
    "MsvAvDnsTreeName",
    "MsvAvFlags",
    "MsvAvTimestamp",
    "MsvAvSingleHost",
    "MsvAvTargetName",
    "MsvAvChannelBindings",
];

/// Most AV pairs kept from one list.
const MAX_AV_PAIRS: usize = 32;

/// Names of the set flags, in bit order.
pub fn flag_names(flags: u32) -> Vec<&'static str> {
    FLAG_NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| *n)
        .collect()
}

fn u16le(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([*s.first()?, *s.get(1)?]))
}

fn u32le(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    let a: [u8; 4] = s.try_into().ok()?;
    Some(u32::from_le_bytes(a))
}

fn u64le(b: &[u8], off: usize) -> Option<u64> {
    let s = b.get(off..off.checked_add(8)?)?;
    let a: [u8; 8] = s.try_into().ok()?;
    Some(u64::from_le_bytes(a))
}

/// A `(Len, MaxLen, Offset)` field descriptor at `at`: the payload it points to.
/// `Some(&[])` for an empty field; `None` (with an anomaly) when it points outside.
fn field<'a>(b: &'a [u8], at: usize, notes: &mut Vec<AuthAnomaly>) -> Option<&'a [u8]> {
    let len = usize::from(u16le(b, at)?);
    let off = usize::try_from(u32le(b, at.checked_add(4)?)?).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    let got = off.checked_add(len).and_then(|end| b.get(off..end));
    if got.is_none() {
        note(notes, AuthAnomaly::NtlmFieldOutOfBounds);
    }
    got
}

/// Offset of a field's payload, for telling where the fixed header ends.
fn field_offset(b: &[u8], at: usize) -> Option<usize> {
    let len = u16le(b, at)?;
    let off = usize::try_from(u32le(b, at.checked_add(4)?)?).ok()?;
    (len > 0).then_some(off)
}

/// UTF-16LE (Unicode) or OEM (read as Latin-1) text, lossy.
fn string(b: &[u8], unicode: bool) -> String {
    if unicode {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| {
                u16::from_le_bytes([
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ])
            })
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

fn opt_string(b: Option<&[u8]>, unicode: bool) -> Option<String> {
    b.filter(|s| !s.is_empty()).map(|s| string(s, unicode))
}

/// The 8-byte VERSION structure (MS-NLMP §2.2.2.10): `10.0.19041 NTLM 15`.
fn version(b: &[u8], at: usize) -> Option<String> {
    let v = b.get(at..at.checked_add(8)?)?;
    let build = u16le(v, 2)?;
    Some(format!(
        "{}.{}.{} NTLM {}",
        v.first()?,
        v.get(1)?,
        build,
        v.get(7)?
    ))
}

/// Version is present when the flag says so and the payload starts after it.
fn version_if_present(b: &[u8], flags: u32, at: usize, payload_starts: &[usize]) -> Option<String> {
    let fits = payload_starts.iter().all(|&o| o >= at + 8);
    (flags & NEGOTIATE_VERSION != 0 && fits)
        .then(|| version(b, at))
        .flatten()
}

/// Windows FILETIME (100 ns since 1601) to a timestamp.
pub fn filetime(ft: u64) -> Option<Timestamp> {
    const EPOCH_DIFF_MICROS: i64 = 11_644_473_600_000_000;
    let micros = i64::try_from(ft / 10).ok()?;
    Some(Timestamp::from_micros(
        micros.checked_sub(EPOCH_DIFF_MICROS)?,
    ))
}

/// Parses one NTLM message. `None` (with an anomaly) when the signature is
/// missing or the fixed header is truncated.
pub fn parse_ntlm(bytes: &[u8], notes: &mut Vec<AuthAnomaly>) -> Option<NtlmView> {
    if bytes.get(..8) != Some(&SIGNATURE[..]) {
        note(
            notes,
            if bytes.len() < 8 && SIGNATURE.starts_with(bytes) {
                AuthAnomaly::NtlmTruncated
            } else {
                AuthAnomaly::NtlmBadSignature
            },
        );
        return None;
    }
    let Some(kind) = u32le(bytes, 8) else {
        note(notes, AuthAnomaly::NtlmTruncated);
        return None;
    };
    let view = match kind {
        1 => negotiate(bytes),
        2 => challenge(bytes, notes),
        3 => authenticate(bytes, notes),
        _ => {
            note(notes, AuthAnomaly::NtlmUnknownType);
            Some(empty(NtlmMessage::Unknown, 0))
        }
    };
    if view.is_none() {
        note(notes, AuthAnomaly::NtlmTruncated);
    }
    view
}

fn empty(message: NtlmMessage, flags: u32) -> NtlmView {
    NtlmView {
        message,
        flags,
        flag_names: flag_names(flags),
        domain: None,
        user: None,
        workstation: None,
        target_name: None,
        target_info: Vec::new(),
        timestamp: None,
        version: None,
        response_kind: None,
        anonymous: false,
    }
}

/// NEGOTIATE_MESSAGE (§2.2.1.1). Domain and workstation are OEM strings.
fn negotiate(b: &[u8]) -> Option<NtlmView> {
    let flags = u32le(b, 12)?;
    let mut v = empty(NtlmMessage::Negotiate, flags);
    let mut ignore = Vec::new();
    if b.len() >= 32 {
        v.domain = opt_string(field(b, 16, &mut ignore), false);
        v.workstation = opt_string(field(b, 24, &mut ignore), false);
        let starts: Vec<usize> = [16, 24]
            .iter()
            .filter_map(|&a| field_offset(b, a))
            .collect();
        v.version = version_if_present(b, flags, 32, &starts);
    }
    Some(v)
}

/// CHALLENGE_MESSAGE (§2.2.1.2): target name and target info.
fn challenge(b: &[u8], notes: &mut Vec<AuthAnomaly>) -> Option<NtlmView> {
    if b.len() < 32 {
        return None;
    }
    let flags = u32le(b, 20)?;
    let unicode = flags & NEGOTIATE_UNICODE != 0;
    let mut v = empty(NtlmMessage::Challenge, flags);
    v.target_name = opt_string(field(b, 12, notes), unicode);
    if b.len() >= 48 {
        if let Some(info) = field(b, 40, notes) {
            let (pairs, ts) = av_pairs(info, notes);
            v.target_info = pairs;
            v.timestamp = ts;
        }
        let starts: Vec<usize> = [12, 40]
            .iter()
            .filter_map(|&a| field_offset(b, a))
            .collect();
        v.version = version_if_present(b, flags, 48, &starts);
    }
    Some(v)
}

/// AUTHENTICATE_MESSAGE (§2.2.1.3): names, version, response kind.
fn authenticate(b: &[u8], notes: &mut Vec<AuthAnomaly>) -> Option<NtlmView> {
    if b.len() < 52 {
        return None;
    }
    let flags = if b.len() >= 64 { u32le(b, 60)? } else { 0 };
    let unicode = flags & NEGOTIATE_UNICODE != 0;
    let lm = field(b, 12, notes);
    let nt = field(b, 20, notes);
    let mut v = empty(NtlmMessage::Authenticate, flags);
    v.domain = opt_string(field(b, 28, notes), unicode);
    v.user = opt_string(field(b, 36, notes), unicode);
    v.workstation = opt_string(field(b, 44, notes), unicode);
    // The session key is not kept; its descriptor is still checked for a lying length.
    let _ = field(b, 52, notes);
    let starts: Vec<usize> = [12, 20, 28, 36, 44, 52]
        .iter()
        .filter_map(|&a| field_offset(b, a))
        .collect();
    v.version = version_if_present(b, flags, 64, &starts);
    // MS-NLMP §3.2.5.1.2: anonymous is an empty NT response with an empty or Z(1) LM response.
    let anonymous = matches!(nt, Some([])) && matches!(lm, Some([] | [0])) && v.user.is_none();
    v.anonymous = anonymous;
    v.response_kind = match nt.map(<[u8]>::len) {
        Some(0) if anonymous => Some("anonymous"),
        Some(24) if flags & NEGOTIATE_ESS != 0 => Some("NTLMv1-ESS"),
        Some(24) => Some("NTLMv1"),
        Some(n) if n > 24 => Some("NTLMv2"),
        _ => None,
    };
    if let Some(nt) = nt.filter(|n| n.len() > 24) {
        client_challenge(nt, &mut v, notes);
    }
    Some(v)
}

/// NTLMv2_CLIENT_CHALLENGE (§2.2.2.7) after the 16-byte NTProofStr: its
/// timestamp and AV pairs are not secret and tell which SPN the client targeted.
fn client_challenge(nt: &[u8], v: &mut NtlmView, notes: &mut Vec<AuthAnomaly>) {
    v.timestamp = u64le(nt, 24).and_then(filetime);
    if let Some(pairs) = nt.get(44..) {
        let (pairs, _) = av_pairs(pairs, notes);
        v.target_info = pairs;
    }
}

/// AV_PAIR list (§2.2.2.1) up to MsvAvEOL; returns the pairs and MsvAvTimestamp.
pub fn av_pairs(
    mut b: &[u8],
    notes: &mut Vec<AuthAnomaly>,
) -> (Vec<(String, String)>, Option<Timestamp>) {
    let mut out = Vec::new();
    let mut ts = None;
    while !b.is_empty() && out.len() < MAX_AV_PAIRS {
        let (Some(id), Some(len)) = (u16le(b, 0), u16le(b, 2)) else {
            note(notes, AuthAnomaly::NtlmBadAvPairs);
            break;
        };
        if id == 0 {
            break;
        }
        let Some(val) = b.get(4..4 + usize::from(len)) else {
            note(notes, AuthAnomaly::NtlmBadAvPairs);
            break;
        };
        let name = AV_NAMES
            .get(usize::from(id))
            .map_or_else(|| format!("MsvAv{id}"), |n| (*n).to_string());
        let shown = match id {
            1..=5 | 9 => string(val, true),
            6 => u32le(val, 0).map_or_else(String::new, |f| format!("0x{f:08x}")),
            7 => {
                ts = u64le(val, 0).and_then(filetime);
                ts.map_or_else(String::new, |t| t.to_rfc3339())
            }
            _ => format!("<{} bytes>", val.len()),
        };
        out.push((name, shown));
        b = b.get(4 + usize::from(len)..).unwrap_or(&[]);
    }
    (out, ts)
}

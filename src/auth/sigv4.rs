//! AWS Signature Version 4 `Authorization` values
//! (`AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request,
//! SignedHeaders=host;x-amz-date, Signature=…`) and the request's
//! `X-Amz-Date` (`20150830T123600Z`). Receives the text after the scheme;
//! emits a [`SigV4View`] with the access key id masked. The signature is
//! never kept.

use super::anomaly::{note, AuthAnomaly};
use crate::model::{FingerprintKey, Secret, SigV4View, Timestamp};

/// Most signed header names kept.
const MAX_SIGNED: usize = 64;

/// Decodes SigV4 parameters; `amz_date` is the request's `X-Amz-Date`.
pub fn parse_sigv4(
    params: &str,
    amz_date: Option<&str>,
    key: &FingerprintKey,
    notes: &mut Vec<AuthAnomaly>,
) -> SigV4View {
    let mut v = SigV4View {
        access_key: Secret::new("", key),
        date: None,
        region: None,
        service: None,
        signed_headers: Vec::new(),
        amz_date: amz_date.map(str::to_string),
        amz_time: None,
    };
    let mut saw_credential = false;
    for part in params.split([',', ' ']).filter(|p| !p.is_empty()) {
        let Some((k, val)) = part.split_once('=') else {
            continue;
        };
        if k.trim().eq_ignore_ascii_case("Credential") {
            saw_credential = credential(val.trim(), &mut v, key);
        } else if k.trim().eq_ignore_ascii_case("SignedHeaders") {
            v.signed_headers = val
                .split(';')
                .filter(|h| !h.is_empty())
                .take(MAX_SIGNED)
                .map(str::to_string)
                .collect();
        }
    }
    if !saw_credential {
        note(notes, AuthAnomaly::SigV4BadCredential);
    }
    if let Some(d) = amz_date {
        v.amz_time = parse_amz_date(d);
        if v.amz_time.is_none() {
            note(notes, AuthAnomaly::SigV4BadDate);
        }
    }
    v
}

/// `AKID/date/region/service/aws4_request`; false when the shape is wrong.
fn credential(val: &str, v: &mut SigV4View, key: &FingerprintKey) -> bool {
    let parts: Vec<&str> = val.splitn(6, '/').collect();
    if let Some(akid) = parts.first() {
        v.access_key = Secret::new(akid, key);
    }
    v.date = parts.get(1).map(|s| s.to_string());
    v.region = parts.get(2).map(|s| s.to_string());
    v.service = parts.get(3).map(|s| s.to_string());
    parts.len() == 5 && parts.get(4) == Some(&"aws4_request")
}

/// ISO 8601 basic format `YYYYMMDD'T'HHMMSS'Z'`.
pub fn parse_amz_date(s: &str) -> Option<Timestamp> {
    let b = s.trim().as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(b.get(r)?).ok()?.parse().ok()
    };
    let month = time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(num(0..4)?).ok()?,
        month,
        u8::try_from(num(6..8)?).ok()?,
    )
    .ok()?;
    let t = time::Time::from_hms(
        u8::try_from(num(9..11)?).ok()?,
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(13..15)?).ok()?,
    )
    .ok()?;
    Some(Timestamp::from_secs(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp(),
    ))
}

//! Every auth header parser. The first byte picks the parser, the rest is the
//! header value (or raw token bytes for NTLM and SPNEGO/DER). Selector 14 and
//! 15 read the rest as `Name: value` lines: request headers, a blank line,
//! response headers, and run `parse_headers` (every parser the extractor uses)
//! or the rate-limit parser over them.
#![no_main]

use authscope::auth::{self, AuthAnomaly};
use authscope::model::{ChallengeTarget, FingerprintKey, Headers, Timestamp};
use libfuzzer_sys::fuzz_target;

fn headers(text: &[u8]) -> (Headers, Headers) {
    let mut req = Headers::new();
    let mut resp = Headers::new();
    let mut in_resp = false;
    for line in text.split(|b| *b == b'\n') {
        if line.is_empty() {
            in_resp = true;
            continue;
        }
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = line.split_at(colon);
        let name = String::from_utf8_lossy(name);
        let value = value.get(1..).unwrap_or_default();
        if in_resp {
            resp.push(&name, value);
        } else {
            req.push(&name, value);
        }
    }
    (req, resp)
}

fn target(sel: u8) -> ChallengeTarget {
    if sel & 0x80 == 0 {
        ChallengeTarget::Server
    } else {
        ChallengeTarget::Proxy
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, value)) = data.split_first() else {
        return;
    };
    let key = FingerprintKey::fixed(7);
    let now = Timestamp::from_secs(1_700_000_000);
    let text = String::from_utf8_lossy(value);
    let mut notes: Vec<AuthAnomaly> = Vec::new();
    match sel & 0x7f {
        0 => drop(auth::parse_challenges(value, target(sel), &mut notes)),
        1 => drop(auth::parse_params(value, &mut notes)),
        2 => {
            let (amz, val) = text.split_once('\n').unwrap_or(("20240301T000000Z", &text));
            drop(auth::parse_authorization(
                val.as_bytes(),
                target(sel),
                Some(amz),
                &key,
                &mut notes,
            ));
        }
        3 => drop(auth::parse_basic(&text, &key, &mut notes)),
        4 => drop(auth::parse_bearer(&text, &key, &mut notes)),
        5 => drop(auth::parse_jwt(&text, &mut notes)),
        6 => drop(auth::parse_digest(&text, &key, &mut notes)),
        7 => drop(auth::parse_ntlm(value, &mut notes)),
        8 => drop(auth::parse_negotiate(value, &mut notes)),
        9 => {
            let (amz, val) = text.split_once('\n').unwrap_or(("", &text));
            drop(auth::parse_sigv4(val, Some(amz), &key, &mut notes));
        }
        10 => drop(auth::parse_cookie_header(value, &key, &mut notes)),
        11 => drop(auth::parse_set_cookie(value, now, &key, &mut notes)),
        12 => drop(auth::parse_cookie_date(&text)),
        13 => drop(auth::parse_retry_after(&text, now)),
        14 => {
            let (req, resp) = headers(value);
            drop(auth::parse_headers(&req, &resp, &key, &mut notes));
        }
        15 => {
            let (_, resp) = headers(value);
            drop(auth::parse_rate_limit(&resp, now, &mut notes));
        }
        16 => drop(auth::parse_amz_date(&text)),
        17 => drop(auth::parse_query_keys(&text, &key)),
        18 => drop(auth::parse_iis_substatus(&text, 401)),
        _ => drop(auth::parse_challenges(value, target(sel), &mut notes)),
    }
    assert!(
        notes.len() <= 4096,
        "anomaly notes unbounded: {}",
        notes.len()
    );
});

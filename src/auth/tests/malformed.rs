//! Malformed inputs give typed anomalies and never panic; a proptest feeds
//! random bytes to every `parse_*` function.

use super::{b64, hex, key};
use crate::auth::{
    parse_authorization, parse_basic, parse_bearer, parse_challenges, parse_cookie_header,
    parse_digest, parse_jwt, parse_negotiate, parse_ntlm, parse_params, parse_query_keys,
    parse_retry_after, parse_set_cookie, parse_sigv4, AuthAnomaly,
};
use crate::model::{ChallengeTarget, CredentialKind, NegotiateInner, Timestamp};
use proptest::prelude::*;

fn auth(v: &[u8]) -> (CredentialKind, Vec<AuthAnomaly>) {
    let mut notes = Vec::new();
    let c = parse_authorization(v, ChallengeTarget::Server, None, &key(), &mut notes);
    (c.kind, notes)
}

#[test]
fn truncated_ntlm_at_every_length() {
    let full = hex("4e544c4d5353500003000000180018006c00000018001800840000000c000c00480000000800080054000000100010005c000000100010009c000000358280e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d005000550054004500520098def7b87f88aa5dafe2df779688a172def11c7d5ccdef1367c43011f30298a2ad35ece64f16331c44bdbed927841f94518822b1b3f350c8958682ecbb3e3cb7");
    for n in 0..full.len() {
        let (kind, notes) = auth(format!("NTLM {}", b64(&full[..n])).as_bytes());
        let ok = matches!(kind, CredentialKind::Ntlm(_));
        assert!(
            ok && notes.contains(&AuthAnomaly::NtlmFieldOutOfBounds)
                || matches!(kind, CredentialKind::Malformed { .. }) && !notes.is_empty()
                || n == 0,
            "length {n}: {kind:?} {notes:?}"
        );
    }
    let mut notes = Vec::new();
    assert!(parse_ntlm(b"NTLMSSP\0\x09\0\0\0", &mut notes).is_some());
    assert!(notes.contains(&AuthAnomaly::NtlmUnknownType));
    assert!(parse_ntlm(b"NOTNTLM!\x01\0\0\0", &mut notes).is_none());
    assert!(notes.contains(&AuthAnomaly::NtlmBadSignature));
}

#[test]
fn ntlm_lying_offsets_and_av_pairs() {
    // Type 2 whose target-info length runs past the end, then one whose AV pair lies.
    let mut m = hex("4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000");
    m[40] = 0xff;
    let mut notes = Vec::new();
    let v = parse_ntlm(&m, &mut notes).expect("header is fine");
    assert!(v.target_info.is_empty());
    assert!(notes.contains(&AuthAnomaly::NtlmFieldOutOfBounds));
    m[40] = 0x24;
    m[0x44 + 2] = 0xff;
    let mut notes = Vec::new();
    let _ = parse_ntlm(&m, &mut notes);
    assert!(notes.contains(&AuthAnomaly::NtlmBadAvPairs));
    // An offset near u32::MAX must not overflow.
    m[44..48].copy_from_slice(&u32::MAX.to_le_bytes());
    let _ = parse_ntlm(&m, &mut Vec::new());
}

#[test]
fn der_lying_lengths_and_deep_nesting() {
    let cases: &[(&str, AuthAnomaly)] = &[
        ("a1203012a0030a0100", AuthAnomaly::DerTruncated),
        ("a18480000000", AuthAnomaly::DerTruncated),
        ("a180", AuthAnomaly::DerBadLength),
        ("a1853000000000", AuthAnomaly::DerBadLength),
        ("a103020101", AuthAnomaly::DerUnexpected),
        ("6084ffffffff", AuthAnomaly::DerTruncated),
        ("ff", AuthAnomaly::DerUnexpected),
    ];
    for (h, want) in cases {
        let mut notes = Vec::new();
        let v = parse_negotiate(&hex(h), &mut notes);
        assert_eq!(v.inner, NegotiateInner::Unknown, "{h}");
        assert!(notes.contains(want), "{h}: {notes:?}");
    }
    // SPNEGO nested in SPNEGO as mechToken, 200 deep: bounded, no stack overflow.
    let mut tok = hex("a1143012a0030a0100a10b06092a864886f712010202");
    for _ in 0..200 {
        tok = wrap_init(&tok);
    }
    let mut notes = Vec::new();
    let _ = parse_negotiate(&tok, &mut notes);
    assert!(notes.contains(&AuthAnomaly::DerTooDeep) || notes.contains(&AuthAnomaly::DerTruncated));
}

/// `60 { OID spnego, a0 { 30 { a2 { 04 inner } } } }` with long-form lengths.
fn wrap_init(inner: &[u8]) -> Vec<u8> {
    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, 0x84];
        v.extend((body.len() as u32).to_be_bytes());
        v.extend(body);
        v
    }
    let seq = tlv(0x30, &tlv(0xa2, &tlv(0x04, inner)));
    let mut body = hex("06062b0601050502");
    body.extend(tlv(0xa0, &seq));
    tlv(0x60, &body)
}

#[test]
fn one_megabyte_values_are_bounded() {
    let big = "A".repeat(1 << 20);
    for scheme in ["Basic", "Bearer", "NTLM", "Negotiate", "Digest", ""] {
        let (kind, notes) = auth(format!("{scheme} {big}").as_bytes());
        assert!(
            notes.contains(&AuthAnomaly::ValueTooLarge),
            "{scheme}: {notes:?}"
        );
        if let CredentialKind::Malformed { raw, .. } = kind {
            assert!(raw.len() <= crate::auth::util::MAX_VALUE);
        }
    }
    let mut notes = Vec::new();
    assert!(parse_challenges(
        format!("Basic realm={big}").as_bytes(),
        ChallengeTarget::Server,
        &mut notes
    )
    .is_empty());
    assert!(notes.contains(&AuthAnomaly::ValueTooLarge));
    let c = parse_set_cookie(
        format!("a={big}").as_bytes(),
        Timestamp::ZERO,
        &key(),
        &mut notes,
    );
    assert!(c.value.len() <= crate::auth::util::MAX_VALUE);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_parser_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let k = key();
        let mut n = Vec::new();
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_challenges(&bytes, ChallengeTarget::Server, &mut n);
        let _ = parse_params(&bytes, &mut n);
        let _ = parse_authorization(&bytes, ChallengeTarget::Proxy, Some(&text), &k, &mut n);
        let _ = parse_basic(&text, &k, &mut n);
        let _ = parse_bearer(&text, &k, &mut n);
        let _ = parse_jwt(&text, &mut n);
        let _ = parse_digest(&text, &k, &mut n);
        let _ = parse_sigv4(&text, Some(&text), &k, &mut n);
        let _ = parse_ntlm(&bytes, &mut n);
        let _ = parse_negotiate(&bytes, &mut n);
        let _ = parse_cookie_header(&bytes, &k, &mut n);
        let _ = parse_set_cookie(&bytes, Timestamp::ZERO, &k, &mut n);
        let _ = parse_retry_after(&text, Timestamp::ZERO);
        let _ = parse_query_keys(&text, &k);
        let _ = crate::auth::parse_iis_substatus(&text, 0);
        let _ = crate::auth::parse_cookie_date(&text);
        let names = ["Authorization", "WWW-Authenticate", "Set-Cookie", "Cookie", "RateLimit", "Retry-After", "X-RateLimit-Reset", "Date"];
        let mut h = crate::model::Headers::new();
        for (i, chunk) in bytes.chunks(40).enumerate() {
            h.push(names[i % names.len()], chunk);
        }
        let v = crate::auth::parse_headers(&h, &h, &k, &mut n);
        prop_assert!(v.anomalies.len() <= crate::auth::anomaly::MAX_ANOMALIES);
        prop_assert!(n.len() <= crate::auth::anomaly::MAX_ANOMALIES);
    }

    #[test]
    fn structured_prefixes_with_random_tails(tail in proptest::collection::vec(any::<u8>(), 0..300), pick in 0usize..4) {
        let prefix: &[u8] = [&b"NTLMSSP\0\x03\0\0\0"[..], b"NTLMSSP\0\x02\0\0\0", b"\x60\x82\x01\x00\x06\x06\x2b\x06\x01\x05\x05\x02\xa0", b"\xa1\x81\xf0\x30\x81\xed\xa0\x03\x0a\x01\x01\xa2"][pick];
        let mut m = prefix.to_vec();
        m.extend(&tail);
        let mut n = Vec::new();
        let _ = parse_ntlm(&m, &mut n);
        let _ = parse_negotiate(&m, &mut n);
        let _ = parse_authorization(format!("Negotiate {}", b64(&m)).as_bytes(), ChallengeTarget::Server, None, &key(), &mut n);
    }
}

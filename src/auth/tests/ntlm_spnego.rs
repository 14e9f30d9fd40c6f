//! NTLM (MS-NLMP §4.2 test vectors, corpus captures, curl on loopback) and
//! SPNEGO/Kerberos tables.

use super::{b64, hex};
use crate::auth::{parse_challenges, parse_negotiate, parse_ntlm, AuthAnomaly};
use crate::model::{ChallengeTarget, NegotiateInner, NtlmMessage, NtlmView, Timestamp};

/// MS-NLMP §4.2.2.3 CHALLENGE_MESSAGE (NTLMv1).
const V1_CHALLENGE: &str = "4e544c4d53535000020000000c000c003800000033820a820123456789abcdef00000000000000000000000000000000060070170000000f530065007200760065007200";
/// MS-NLMP §4.2.2.3 AUTHENTICATE_MESSAGE (NTLMv1).
const V1_AUTHENTICATE: &str = "4e544c4d5353500003000000180018006c00000018001800840000000c000c00480000000800080054000000100010005c000000100010009c000000358280e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d005000550054004500520098def7b87f88aa5dafe2df779688a172def11c7d5ccdef1367c43011f30298a2ad35ece64f16331c44bdbed927841f94518822b1b3f350c8958682ecbb3e3cb7";
/// MS-NLMP §4.2.4.3 CHALLENGE_MESSAGE (NTLMv2, with target info).
const V2_CHALLENGE: &str = "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000";
/// MS-NLMP §4.2.4.3 AUTHENTICATE_MESSAGE (NTLMv2).
const V2_AUTHENTICATE: &str = "4e544c4d5353500003000000180018006c00000054005400840000000c000c00480000000800080054000000100010005c00000010001000d8000000358288e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000c5dad2544fc9799094ce1ce90bc9d03e";

/// A SPNEGO NegTokenInit whose mechToken is a Kerberos AP-REQ for
/// `cifs/files.corp.com@CORP.COM`, etype 18 (a published LDAP SASL test
/// vector with placeholder ciphertext).
pub const SPNEGO_KRB5_INIT: &str = "6081d006062b0601050502a081c53081c2a024302206092a864882f71201020206092a864886f712010202060a2b06010401823702020aa2819904819660819306092a864886f71201020201006e8183308180a003020105a10302010ea20703050020000000a3526150304ea003020105a10a1b08434f52502e434f4da221301fa003020102a11830161b04636966731b0e66696c65732e636f72702e636f6da3183016a003020112a103020103a20a0408cccccccccccccccca4173015a003020112a20e040cffffffffffffffffffffffff";

fn ntlm(bytes: &[u8]) -> (NtlmView, Vec<AuthAnomaly>) {
    let mut notes = Vec::new();
    let v = parse_ntlm(bytes, &mut notes).expect("decodes");
    (v, notes)
}

fn ntlm_b64(s: &str) -> (NtlmView, Vec<AuthAnomaly>) {
    use base64::Engine as _;
    ntlm(&base64::engine::general_purpose::STANDARD.decode(s).unwrap())
}

#[test]
fn ms_nlmp_4_2_vectors() {
    let (v, notes) = ntlm(&hex(V1_CHALLENGE));
    assert!(notes.is_empty());
    assert_eq!(v.message, NtlmMessage::Challenge);
    assert_eq!(v.flags, 0x820a_8233);
    assert_eq!(v.target_name.as_deref(), Some("Server"));
    assert_eq!(v.version.as_deref(), Some("6.0.6000 NTLM 15"));
    assert!(v.flag_names.contains(&"NTLMSSP_NEGOTIATE_UNICODE"));
    assert!(v.flag_names.contains(&"NTLMSSP_TARGET_TYPE_SERVER"));

    let (v, notes) = ntlm(&hex(V1_AUTHENTICATE));
    assert!(notes.is_empty());
    assert_eq!(v.message, NtlmMessage::Authenticate);
    assert_eq!(
        (
            v.domain.as_deref(),
            v.user.as_deref(),
            v.workstation.as_deref()
        ),
        (Some("Domain"), Some("User"), Some("COMPUTER"))
    );
    assert_eq!(v.version.as_deref(), Some("5.1.2600 NTLM 15"));
    assert_eq!(v.response_kind, Some("NTLMv1"));
    assert!(!v.anonymous);

    let (v, notes) = ntlm(&hex(V2_CHALLENGE));
    assert!(notes.is_empty());
    assert_eq!(
        v.target_info,
        vec![
            ("MsvAvNbDomainName".to_string(), "Domain".to_string()),
            ("MsvAvNbComputerName".to_string(), "Server".to_string()),
        ]
    );

    let (v, notes) = ntlm(&hex(V2_AUTHENTICATE));
    assert!(notes.is_empty());
    assert_eq!(v.user.as_deref(), Some("User"));
    assert_eq!(v.response_kind, Some("NTLMv2"));
    assert_eq!(
        v.timestamp,
        Some(Timestamp::from_micros(-11_644_473_600_000_000))
    );
}

#[test]
fn corpus_ntlm_type1_type2_table() {
    // (capture, header token, message, domain/target, workstation, version)
    type Row<'a> = (
        &'a str,
        &'a str,
        NtlmMessage,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let cases: &[Row<'_>] = &[
        ("ndpi_webdav-ntlm type 1 (curl)", "TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=", NtlmMessage::Negotiate, None, None, None),
        ("zeek_erspan type 1", "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==", NtlmMessage::Negotiate, None, None, Some("6.1.7601 NTLM 15")),
        ("arkime_ntlm_synthetic type 1", "TlRMTVNTUAABAAAABwIAAgcABwAoAAAACAAIAC8AAAAKAGFKAAAAD0hUVFBET01IVFRQSE9TVA==", NtlmMessage::Negotiate, Some("HTTPDOM"), Some("HTTPHOST"), Some("10.0.19041 NTLM 15")),
        ("zeek_erspan type 2 (IIS 7.5)", "TlRMTVNTUAACAAAABAAEADgAAAAFgomi7mG9THVaDtMAAAAAAAAAAG4AbgA8AAAABgGxHQAAAA9TAFAAAgAEAFMAUAABAAoAVABGAEQAUwBQAAQAEABzAHAALgBsAG8AYwBhAGwAAwAcAFQARgBEAFMAUAAuAHMAcAAuAGwAbwBjAGEAbAAFABAAcwBwAC4AbABvAGMAYQBsAAcACACXm7aj9u/QAQAAAAA=", NtlmMessage::Challenge, Some("SP"), None, Some("6.1.7601 NTLM 15")),
        ("ndpi_webdav-ntlm type 2", "TlRMTVNTUAACAAAACwALADgAAAAGgooC0Nn2DM9nS9AAAAAAAAAAAHgAeABDAAAACgB8TwAAAA9ETFAtVEVTVC1SNQIAFgBEAEwAUAAtAFQARQBTAFQALQBSADUAAQAWAEQATABQAC0AVABFAFMAVAAtAFIANQAEABYARABMAFAALQBUAEUAUwBUAC0AUgA1AAMAFgBEAEwAUAAtAFQARQBTAFQALQBSADUABwAIACJwM0Zs09oBAAAAAA==", NtlmMessage::Challenge, Some("DLP-TEST-R5"), None, Some("10.0.20348 NTLM 15")),
    ];
    for (why, tok, msg, dom, ws, ver) in cases {
        let (v, notes) = ntlm_b64(tok);
        assert!(notes.is_empty(), "{why}: {notes:?}");
        assert_eq!(v.message, *msg, "{why}");
        let name = if *msg == NtlmMessage::Challenge {
            &v.target_name
        } else {
            &v.domain
        };
        assert_eq!(name.as_deref(), *dom, "{why}");
        assert_eq!(v.workstation.as_deref(), *ws, "{why}");
        assert_eq!(v.version.as_deref(), *ver, "{why}");
    }
}

#[test]
fn type2_target_info_timestamp_from_iis() {
    // zeek_erspan-ntlm-sharepoint: the IIS challenge carries MsvAvTimestamp.
    let (v, _) = ntlm_b64("TlRMTVNTUAACAAAABAAEADgAAAAFgomi7mG9THVaDtMAAAAAAAAAAG4AbgA8AAAABgGxHQAAAA9TAFAAAgAEAFMAUAABAAoAVABGAEQAUwBQAAQAEABzAHAALgBsAG8AYwBhAGwAAwAcAFQARgBEAFMAUAAuAHMAcAAuAGwAbwBjAGEAbAAFABAAcwBwAC4AbABvAGMAYQBsAAcACACXm7aj9u/QAQAAAAA=");
    let names: Vec<&str> = v.target_info.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "MsvAvNbDomainName",
            "MsvAvNbComputerName",
            "MsvAvDnsDomainName",
            "MsvAvDnsComputerName",
            "MsvAvDnsTreeName",
            "MsvAvTimestamp"
        ]
    );
    assert_eq!(v.target_info[3].1, "TFDSP.sp.local");
    let ts = v.timestamp.expect("timestamp");
    assert_eq!(ts.to_rfc3339().get(..10), Some("2015-09-15"));
}

#[test]
fn type3_from_curl_on_loopback() {
    // `curl --ntlm -u 'CORP\bob:…'` answering the §4.2.4.3 challenge.
    let (v, notes) = ntlm_b64("TlRMTVNTUAADAAAAGAAYAEAAAABUAFQAWAAAAAgACACsAAAABgAGALQAAAAWABYAugAAAAAAAAAAAAAAM4KK4kpQafOmyNx+FesxlTTojMOTDpU1JK89UJWJeFahDcK+G5B5YFQfRPABAQAAAAAAAAB+QzTEet0Bkw6VNSSvPVAAAAAAAgAMAEQAbwBtAGEAaQBuAAEADABTAGUAcgB2AGUAcgAAAAAAAAAAAEMATwBSAFAAYgBvAGIAVwBPAFIASwBTAFQAQQBUAEkATwBOAA==");
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(v.domain.as_deref(), Some("CORP"));
    assert_eq!(v.user.as_deref(), Some("bob"));
    assert_eq!(v.workstation.as_deref(), Some("WORKSTATION"));
    assert_eq!(v.response_kind, Some("NTLMv2"));
}

#[test]
fn anonymous_type3() {
    // MS-NLMP §3.2.5.1.2 anonymous: empty user, empty NT, Z(1) LM.
    let mut m = b"NTLMSSP\0\x03\0\0\0".to_vec();
    let payload = 64u32;
    for (len, off) in [
        (1u16, payload),
        (0, payload + 1),
        (0, payload + 1),
        (0, payload + 1),
        (0, payload + 1),
        (0, payload + 1),
    ] {
        m.extend_from_slice(&len.to_le_bytes());
        m.extend_from_slice(&len.to_le_bytes());
        m.extend_from_slice(&off.to_le_bytes());
    }
    m.extend_from_slice(&0x0000_0801u32.to_le_bytes());
    m.push(0);
    let (v, notes) = ntlm(&m);
    assert!(notes.is_empty(), "{notes:?}");
    assert!(v.anonymous);
    assert_eq!(v.response_kind, Some("anonymous"));
    assert!(v.flag_names.contains(&"NTLMSSP_ANONYMOUS"));
}

#[test]
fn negotiate_wrapped_ntlm_challenge_from_corpus() {
    // arkime_ntlm_synthetic, HTTP over IPv6: `WWW-Authenticate: Negotiate <NTLMSSP type 2>`.
    let v = "Negotiate TlRMTVNTUAACAAAAEAAQADgAAAAFAgACASNFZ4mrze8AAAAAAAAAAAQABABIAAAACgBdWAAAAA9IAFQAVABQADYAVABHAFQAAAAAAA==";
    let mut notes = Vec::new();
    let c = parse_challenges(v.as_bytes(), ChallengeTarget::Server, &mut notes);
    assert!(notes.is_empty(), "{notes:?}");
    let n = c[0].ntlm.as_ref().expect("ntlm view");
    assert_eq!(n.target_name.as_deref(), Some("HTTP6TGT"));
    assert_eq!(c[0].negotiate.as_ref().map(|n| n.token), Some("raw"));
}

#[test]
fn spnego_table() {
    let mut notes = Vec::new();
    let v = parse_negotiate(&hex(SPNEGO_KRB5_INIT), &mut notes);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(v.token, "init");
    assert_eq!(
        v.mech_types,
        vec![
            "1.2.840.48018.1.2.2 (MS Kerberos 5)",
            "1.2.840.113554.1.2.2 (Kerberos 5)",
            "1.3.6.1.4.1.311.2.2.10 (NTLMSSP)"
        ]
    );
    assert_eq!(
        v.inner,
        NegotiateInner::Kerberos {
            realm: Some("CORP.COM".into()),
            spn: Some("cifs/files.corp.com".into()),
            etype: Some(18),
        }
    );

    // NegTokenResp accept-completed, Kerberos chosen (a typical final IIS answer).
    let v = parse_negotiate(
        &hex("a1143012a0030a0100a10b06092a864886f712010202"),
        &mut notes,
    );
    assert_eq!((v.token, v.neg_state), ("resp", Some("accept-completed")));
    assert_eq!(
        v.supported_mech.as_deref(),
        Some("1.2.840.113554.1.2.2 (Kerberos 5)")
    );

    // NegTokenResp accept-incomplete carrying an NTLM type 2 (§4.2.4.3 challenge).
    let t2 = hex(V2_CHALLENGE);
    let mut resp = hex("a0030a0101a10c060a2b06010401823702020a");
    resp.extend([0xa2, 0x81, (t2.len() + 3) as u8, 0x04, 0x81, t2.len() as u8]);
    resp.extend(&t2);
    let mut tok = vec![
        0xa1,
        0x81,
        (resp.len() + 3) as u8,
        0x30,
        0x81,
        resp.len() as u8,
    ];
    tok.extend(resp);
    let v = parse_negotiate(&tok, &mut notes);
    assert_eq!(v.neg_state, Some("accept-incomplete"));
    assert!(
        matches!(&v.inner, NegotiateInner::Ntlm(n) if n.target_name.as_deref() == Some("Server"))
    );

    // KRB-ERROR 37 (KRB_AP_ERR_SKEW) in GSS framing with TOK_ID 03 00.
    let err = hex("7e243022a003020105a10302011ea411180f32303234303530313030303030305aa603020125");
    let mut body = hex("06092a864886f712010202 0300");
    body.extend(&err);
    let mut tok = vec![0x60, body.len() as u8];
    tok.extend(body);
    let v = parse_negotiate(&tok, &mut notes);
    assert_eq!(v.inner, NegotiateInner::KerberosError { code: Some(37) });
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn negotiate_token_from_challenge_is_decoded() {
    let tok = b64(&hex("a1143012a0030a0100a10b06092a864886f712010202"));
    let mut notes = Vec::new();
    let c = parse_challenges(
        format!("Negotiate {tok}").as_bytes(),
        ChallengeTarget::Server,
        &mut notes,
    );
    assert_eq!(
        c[0].negotiate.as_ref().and_then(|n| n.neg_state),
        Some("accept-completed")
    );
}

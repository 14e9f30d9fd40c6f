//! Negotiate tokens (RFC 4559): SPNEGO (RFC 4178) NegTokenInit / NegTokenResp
//! inside the GSS-API framing of RFC 2743 §3.1, with the inner mechanism token
//! recognised as a Kerberos AP-REQ / KRB-ERROR (RFC 4120 §5.5.1, §5.9.1,
//! framed per RFC 4121 §4.1) or an NTLMSSP message. Hand-written over the
//! bounded reader in [`super::der`]: no maintained crate gives a
//! non-decrypting view of these tokens. Receives decoded token bytes; emits a
//! [`NegotiateView`] and [`AuthAnomaly`]s. Kerberos tickets and authenticators
//! are never decrypted; only the clear-text realm, service name and
//! encryption type are read.

use super::anomaly::{note, AuthAnomaly};
use super::der::{self, DerError, Tlv, APPLICATION, CONTEXT, UNIVERSAL};
use super::ntlm;
use crate::model::{NegotiateInner, NegotiateView};

const OID_SPNEGO: &str = "1.3.6.1.5.5.2";
const OID_KRB5: &str = "1.2.840.113554.1.2.2";
const OID_MS_KRB5: &str = "1.2.840.48018.1.2.2";

/// Well-known mechanism OIDs and their names.
const MECH_NAMES: [(&str, &str); 8] = [
    (OID_SPNEGO, "SPNEGO"),
    (OID_KRB5, "Kerberos 5"),
    (OID_MS_KRB5, "MS Kerberos 5"),
    ("1.2.840.113554.1.2.2.3", "Kerberos 5 user-to-user"),
    ("1.3.6.1.4.1.311.2.2.10", "NTLMSSP"),
    ("1.3.6.1.4.1.311.2.2.30", "NEGOEX"),
    ("1.3.6.1.5.2.5", "IAKERB"),
    ("1.3.6.1.5.5.14", "SPKM-3"),
];

/// Nested SPNEGO inside SPNEGO is followed this deep.
const MAX_NESTING: u8 = 4;

/// `1.2.840.113554.1.2.2 (Kerberos 5)`, or the bare OID.
pub fn mech_name(oid: &str) -> String {
    match MECH_NAMES.iter().find(|(o, _)| *o == oid) {
        Some((_, n)) => format!("{oid} ({n})"),
        None => oid.to_string(),
    }
}

/// Parses a Negotiate token. Never fails: what cannot be read becomes
/// `NegotiateInner::Unknown` plus an anomaly.
pub fn parse_negotiate(bytes: &[u8], notes: &mut Vec<AuthAnomaly>) -> NegotiateView {
    parse_at(bytes, 0, notes)
}

fn view(token: &'static str, inner: NegotiateInner) -> NegotiateView {
    NegotiateView {
        token,
        mech_types: Vec::new(),
        neg_state: None,
        supported_mech: None,
        inner,
    }
}

fn parse_at(bytes: &[u8], depth: u8, notes: &mut Vec<AuthAnomaly>) -> NegotiateView {
    if depth > MAX_NESTING {
        note(notes, AuthAnomaly::DerTooDeep);
        return view("raw", NegotiateInner::Unknown);
    }
    if bytes.starts_with(ntlm::SIGNATURE) {
        return view("raw", ntlm_inner(bytes, notes));
    }
    let result = match bytes.first() {
        Some(0x60) => gss_framed(bytes, depth, notes),
        Some(0xa0) => der::read(bytes).and_then(|(t, _)| neg_token_init(t, depth, notes)),
        Some(0xa1) => der::read(bytes).and_then(|(t, _)| neg_token_resp(t, depth, notes)),
        Some(0x6e | 0x7e | 0x6f) => Ok(view("raw", kerberos_message(bytes, notes))),
        _ => Err(DerError::Unexpected),
    };
    result.unwrap_or_else(|e| {
        note(notes, e.anomaly());
        view("raw", NegotiateInner::Unknown)
    })
}

fn ntlm_inner(bytes: &[u8], notes: &mut Vec<AuthAnomaly>) -> NegotiateInner {
    match ntlm::parse_ntlm(bytes, notes) {
        Some(v) => NegotiateInner::Ntlm(v),
        None => NegotiateInner::Unknown,
    }
}

/// `[APPLICATION 0] IMPLICIT SEQUENCE { thisMech OID, innerContextToken }`.
fn gss_framed(
    bytes: &[u8],
    depth: u8,
    notes: &mut Vec<AuthAnomaly>,
) -> Result<NegotiateView, DerError> {
    let app = der::expect(bytes, APPLICATION, 0)?;
    let (mech, rest) = der::read(app.body)?;
    let mech = der::oid(mech).ok_or(DerError::Unexpected)?;
    if mech == OID_SPNEGO {
        let (t, _) = der::read(rest)?;
        return match (t.class, t.tag) {
            (CONTEXT, 0) => neg_token_init(t, depth, notes),
            (CONTEXT, 1) => neg_token_resp(t, depth, notes),
            _ => Err(DerError::Unexpected),
        };
    }
    if mech == OID_KRB5 || mech == OID_MS_KRB5 {
        let mut v = view("raw", kerberos_message(rest.get(2..).unwrap_or(&[]), notes));
        v.mech_types.push(mech_name(&mech));
        return Ok(v);
    }
    let mut v = view("raw", NegotiateInner::Unknown);
    v.mech_types.push(mech_name(&mech));
    Ok(v)
}

/// NegTokenInit (RFC 4178 §4.2.1): mechTypes [0], reqFlags [1], mechToken [2].
fn neg_token_init(
    t: Tlv<'_>,
    depth: u8,
    notes: &mut Vec<AuthAnomaly>,
) -> Result<NegotiateView, DerError> {
    let seq = der::inner(t)?;
    if !seq.is(UNIVERSAL, 16) {
        return Err(DerError::Unexpected);
    }
    let mut v = view("init", NegotiateInner::None);
    if let Some(list) = der::field(seq.body, 0)? {
        let list = der::inner(list)?;
        for m in der::children(list.body)? {
            if let Some(o) = der::oid(m) {
                v.mech_types.push(mech_name(&o));
            }
        }
    }
    if let Some(tok) = der::field(seq.body, 2)? {
        v.inner = mech_token(der::inner(tok)?, depth, notes);
    }
    Ok(v)
}

/// NegTokenResp (RFC 4178 §4.2.2): negState [0], supportedMech [1], responseToken [2].
fn neg_token_resp(
    t: Tlv<'_>,
    depth: u8,
    notes: &mut Vec<AuthAnomaly>,
) -> Result<NegotiateView, DerError> {
    let seq = der::inner(t)?;
    if !seq.is(UNIVERSAL, 16) {
        return Err(DerError::Unexpected);
    }
    let mut v = view("resp", NegotiateInner::None);
    if let Some(s) = der::field(seq.body, 0)? {
        v.neg_state = match der::integer(der::inner(s)?) {
            Some(0) => Some("accept-completed"),
            Some(1) => Some("accept-incomplete"),
            Some(2) => Some("reject"),
            Some(3) => Some("request-mic"),
            _ => None,
        };
    }
    if let Some(m) = der::field(seq.body, 1)? {
        v.supported_mech = der::oid(der::inner(m)?).map(|o| mech_name(&o));
    }
    if let Some(tok) = der::field(seq.body, 2)? {
        v.inner = mech_token(der::inner(tok)?, depth, notes);
    }
    Ok(v)
}

/// The OCTET STRING holding the mechanism's own token.
fn mech_token(t: Tlv<'_>, depth: u8, notes: &mut Vec<AuthAnomaly>) -> NegotiateInner {
    if !t.is(UNIVERSAL, 4) {
        note(notes, AuthAnomaly::DerUnexpected);
        return NegotiateInner::Unknown;
    }
    let b = t.body;
    if b.starts_with(ntlm::SIGNATURE) {
        return ntlm_inner(b, notes);
    }
    match b.first() {
        Some(0x60) => parse_at(b, depth.saturating_add(1), notes).inner,
        Some(0x6e | 0x7e | 0x6f) => kerberos_message(b, notes),
        _ => NegotiateInner::Unknown,
    }
}

/// A bare Kerberos message: AP-REQ [APPLICATION 14], AP-REP [15], KRB-ERROR [30].
fn kerberos_message(b: &[u8], notes: &mut Vec<AuthAnomaly>) -> NegotiateInner {
    let read = der::read(b).and_then(|(app, _)| {
        let seq = der::inner(app)?;
        match app.tag {
            14 if app.class == APPLICATION => ap_req(seq.body),
            30 if app.class == APPLICATION => krb_error(seq.body),
            _ => Ok(NegotiateInner::Unknown),
        }
    });
    read.unwrap_or_else(|e| {
        note(notes, e.anomaly());
        NegotiateInner::Unknown
    })
}

/// AP-REQ ticket [3] → Ticket [APPLICATION 1] { realm [1], sname [2], enc-part [3] }.
fn ap_req(seq: &[u8]) -> Result<NegotiateInner, DerError> {
    let ticket = der::field(seq, 3)?.ok_or(DerError::Unexpected)?;
    let app = der::inner(ticket)?;
    if !app.is(APPLICATION, 1) {
        return Err(DerError::Unexpected);
    }
    let tseq = der::inner(app)?;
    let realm = der::field(tseq.body, 1)?
        .map(der::inner)
        .transpose()?
        .and_then(der::string);
    let spn = match der::field(tseq.body, 2)? {
        Some(s) => principal(der::inner(s)?)?,
        None => None,
    };
    let etype = match der::field(tseq.body, 3)? {
        Some(e) => {
            let enc = der::inner(e)?;
            der::field(enc.body, 0)?
                .map(der::inner)
                .transpose()?
                .and_then(der::integer)
        }
        None => None,
    };
    Ok(NegotiateInner::Kerberos { realm, spn, etype })
}

/// PrincipalName { name-type [0], name-string [1] SEQUENCE OF KerberosString } as `a/b`.
fn principal(seq: Tlv<'_>) -> Result<Option<String>, DerError> {
    let Some(names) = der::field(seq.body, 1)? else {
        return Ok(None);
    };
    let list = der::inner(names)?;
    let parts: Vec<String> = der::children(list.body)?
        .into_iter()
        .filter_map(der::string)
        .collect();
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

/// KRB-ERROR error-code [6].
fn krb_error(seq: &[u8]) -> Result<NegotiateInner, DerError> {
    let code = der::field(seq, 6)?
        .map(der::inner)
        .transpose()?
        .and_then(der::integer);
    Ok(NegotiateInner::KerberosError { code })
}

//! Challenges: `WWW-Authenticate` / `Proxy-Authenticate` values parsed per
//! RFC 9110 §11.6.1 (`#challenge`, §11.2 auth-params and token68, §5.6.4
//! quoted strings). Owns the list grammar shared with Digest credentials
//! ([`parse_params`]). Receives one raw field value; emits [`Challenge`]s and
//! [`AuthAnomaly`]s. Lenient the way real servers need (unquoted values with
//! spaces, missing or trailing commas) and records each leniency. Must not
//! panic, loop without consuming input, or keep more than the caps below.

use super::anomaly::{note, AuthAnomaly};
use super::util::{b64, is_tchar, MAX_VALUE};
use super::{ntlm, spnego};
use crate::model::{Challenge, ChallengeParam, ChallengeTarget, NegotiateInner};

/// Most challenges kept from one field value.
pub const MAX_CHALLENGES: usize = 32;
/// Most auth-params kept per challenge.
pub const MAX_PARAMS: usize = 64;

/// Scheme names a missing comma most likely hides in front of.
const KNOWN_SCHEMES: &[&str] = &[
    "basic",
    "bearer",
    "digest",
    "ntlm",
    "negotiate",
    "kerberos",
    "hoba",
    "mutual",
    "scram-sha-1",
    "scram-sha-256",
    "vapid",
    "dpop",
    "aws4-hmac-sha256",
];

/// A byte cursor over one field value.
struct Cur<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    /// Skips spaces and tabs; returns how many.
    fn ows(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i - start
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.i;
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
        self.s.get(start..self.i).unwrap_or(&[])
    }

    fn token(&mut self) -> &'a [u8] {
        self.take_while(is_tchar)
    }

    /// True when a `token BWS "="` (an auth-param) starts at the cursor.
    fn param_ahead(&self) -> bool {
        let mut c = Cur {
            s: self.s,
            i: self.i,
        };
        if c.token().is_empty() {
            return false;
        }
        c.ows();
        c.peek() == Some(b'=')
    }

    /// True when the next element is a known scheme name followed by a space or the end.
    fn known_scheme_ahead(&self) -> bool {
        let mut c = Cur {
            s: self.s,
            i: self.i,
        };
        let t = text(c.token());
        (c.at_end() || matches!(c.peek(), Some(b' ' | b'\t' | b',')))
            && KNOWN_SCHEMES.iter().any(|k| k.eq_ignore_ascii_case(&t))
    }

    /// Skips `,` and whitespace between list elements; returns the commas seen.
    fn separators(&mut self) -> usize {
        let mut commas = 0;
        loop {
            self.ows();
            if self.peek() == Some(b',') {
                commas += 1;
                self.i += 1;
            } else {
                return commas;
            }
        }
    }

    /// A quoted-string (RFC 9110 §5.6.4) with the opening quote at the cursor.
    fn quoted(&mut self, notes: &mut Vec<AuthAnomaly>) -> String {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => {
                    note(notes, AuthAnomaly::ChallengeUnterminatedQuote);
                    break;
                }
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    if let Some(&c) = self.s.get(self.i + 1) {
                        out.push(c);
                    }
                    self.i += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// An unquoted value: a token, extended over spaces when a real server
    /// forgot the quotes (`realm=My Realm`), stopping at `,` or at the next
    /// `name=` / known scheme (a missing comma).
    fn bare_value(&mut self, notes: &mut Vec<AuthAnomaly>) -> String {
        let start = self.i;
        let mut end = self.i;
        loop {
            self.take_while(|b| b != b',' && b != b' ' && b != b'\t');
            end = end.max(self.i);
            let save = self.i;
            if self.ows() == 0 || self.at_end() || self.peek() == Some(b',') {
                self.i = save;
                break;
            }
            if self.param_ahead() || self.known_scheme_ahead() {
                self.i = save;
                break;
            }
            note(notes, AuthAnomaly::ChallengeUnquotedSpace);
        }
        text(self.s.get(start..end).unwrap_or(&[]))
    }
}

fn text(b: &[u8]) -> String {
    crate::model::lossy(b).into_owned()
}

/// Parses one `WWW-Authenticate` / `Proxy-Authenticate` field value into its
/// challenges (RFC 9110 §11.6.1). NTLM and Negotiate token68 payloads are
/// decoded (MS-NLMP type 2, SPNEGO NegTokenResp).
pub fn parse_challenges(
    value: &[u8],
    target: ChallengeTarget,
    notes: &mut Vec<AuthAnomaly>,
) -> Vec<Challenge> {
    let mut out = Vec::new();
    if value.len() > MAX_VALUE {
        note(notes, AuthAnomaly::ValueTooLarge);
        return out;
    }
    let mut c = Cur { s: value, i: 0 };
    loop {
        let commas = c.separators();
        if c.at_end() {
            if commas > 0 && !out.is_empty() {
                note(notes, AuthAnomaly::ChallengeTrailingComma);
            }
            break;
        }
        if out.len() >= MAX_CHALLENGES {
            note(notes, AuthAnomaly::ChallengeTooMany);
            break;
        }
        let scheme = c.token();
        if scheme.is_empty() {
            note(notes, AuthAnomaly::ChallengeNoScheme);
            skip_element(&mut c, notes);
            continue;
        }
        let mut ch = Challenge {
            target,
            scheme: text(scheme),
            params: Vec::new(),
            token68: None,
            ntlm: None,
            negotiate: None,
        };
        challenge_body(&mut c, &mut ch, notes);
        decode_token68(&mut ch, notes);
        out.push(ch);
    }
    out
}

/// Skips to the next top-level comma (respecting quotes).
fn skip_element(c: &mut Cur<'_>, notes: &mut Vec<AuthAnomaly>) {
    while let Some(b) = c.peek() {
        match b {
            b',' => return,
            b'"' => {
                c.quoted(notes);
            }
            _ => c.i += 1,
        }
    }
}

/// Reads what follows a scheme: nothing, a token68, or auth-params.
fn challenge_body(c: &mut Cur<'_>, ch: &mut Challenge, notes: &mut Vec<AuthAnomaly>) {
    if c.ows() == 0 && !c.at_end() && c.peek() != Some(b',') {
        note(notes, AuthAnomaly::ChallengeBadParam);
        skip_element(c, notes);
        return;
    }
    if c.at_end() || c.peek() == Some(b',') {
        if c.peek() == Some(b',') && next_is_param(c) {
            c.separators();
            ch.params = param_list(c, notes);
        }
        return;
    }
    if let Some(t) = token68_ahead(c) {
        ch.token68 = Some(t);
        return;
    }
    ch.params = param_list(c, notes);
}

/// After a comma: does an auth-param of the same challenge follow?
fn next_is_param(c: &Cur<'_>) -> bool {
    let mut k = Cur { s: c.s, i: c.i };
    k.separators();
    k.param_ahead()
}

/// A token68 (RFC 9110 §11.2) ending the element, consumed when present.
fn token68_ahead(c: &mut Cur<'_>) -> Option<String> {
    let mut k = Cur { s: c.s, i: c.i };
    let body = k.take_while(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if body.is_empty() {
        return None;
    }
    k.take_while(|b| b == b'=');
    let end = k.i;
    k.ows();
    if !(k.at_end() || k.peek() == Some(b',')) {
        return None;
    }
    let t = text(c.s.get(c.i..end).unwrap_or(&[]));
    c.i = k.i;
    Some(t)
}

/// `#auth-param` for one challenge: stops before a new challenge.
fn param_list(c: &mut Cur<'_>, notes: &mut Vec<AuthAnomaly>) -> Vec<ChallengeParam> {
    let mut params: Vec<ChallengeParam> = Vec::new();
    loop {
        let Some(p) = one_param(c, notes) else {
            note(notes, AuthAnomaly::ChallengeBadParam);
            skip_element(c, notes);
            if !next_is_param(c) {
                break;
            }
            c.separators();
            continue;
        };
        if params.iter().any(|q| q.name == p.name) {
            note(notes, AuthAnomaly::ChallengeDuplicateParam);
        }
        if params.len() < MAX_PARAMS {
            params.push(p);
        } else {
            note(notes, AuthAnomaly::ChallengeTooMany);
        }
        c.ows();
        if c.at_end() {
            break;
        }
        if c.peek() == Some(b',') {
            if !next_is_param(c) {
                break;
            }
            c.separators();
            continue;
        }
        note(notes, AuthAnomaly::ChallengeMissingComma);
        if !c.param_ahead() {
            break;
        }
    }
    params
}

/// `token BWS "=" BWS ( token / quoted-string )`.
fn one_param(c: &mut Cur<'_>, notes: &mut Vec<AuthAnomaly>) -> Option<ChallengeParam> {
    let name = c.token();
    if name.is_empty() {
        return None;
    }
    c.ows();
    if c.peek() != Some(b'=') {
        return None;
    }
    c.i += 1;
    c.ows();
    let value = if c.peek() == Some(b'"') {
        c.quoted(notes)
    } else {
        c.bare_value(notes)
    };
    Some(ChallengeParam {
        name: text(name).to_ascii_lowercase(),
        value,
    })
}

/// Parses a bare `#auth-param` list (Digest credentials, RFC 7616 §3.4).
pub fn parse_params(value: &[u8], notes: &mut Vec<AuthAnomaly>) -> Vec<ChallengeParam> {
    if value.len() > MAX_VALUE {
        note(notes, AuthAnomaly::ValueTooLarge);
        return Vec::new();
    }
    let mut c = Cur { s: value, i: 0 };
    c.separators();
    if c.at_end() {
        return Vec::new();
    }
    let params = param_list(&mut c, notes);
    if c.separators() > 0 && c.at_end() {
        note(notes, AuthAnomaly::ChallengeTrailingComma);
    }
    params
}

/// Decodes an NTLM type 2 or a SPNEGO token carried as the challenge's token68.
fn decode_token68(ch: &mut Challenge, notes: &mut Vec<AuthAnomaly>) {
    let Some(t) = &ch.token68 else {
        return;
    };
    let is_ntlm = ch.scheme_is("NTLM");
    if !is_ntlm && !ch.scheme_is("Negotiate") && !ch.scheme_is("Kerberos") {
        return;
    }
    let Some(bytes) = b64(t) else {
        note(notes, AuthAnomaly::TokenBadBase64);
        return;
    };
    if is_ntlm {
        ch.ntlm = ntlm::parse_ntlm(&bytes, notes);
        return;
    }
    let view = spnego::parse_negotiate(&bytes, notes);
    if let NegotiateInner::Ntlm(n) = &view.inner {
        ch.ntlm = Some(n.clone());
    }
    ch.negotiate = Some(view);
}

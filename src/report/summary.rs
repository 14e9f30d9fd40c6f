//! Short one-line descriptions of an exchange's auth traffic, shared by the text
//! report and the streaming text lines. Credentials are named by the credential
//! fingerprint (the one the diagnosis explanations cite), never by value.

use crate::model::{
    human_duration, sanitize_str, ChallengeTarget, CredentialKind, ExchangeOrigin, ExchangeRecord,
    HttpExchange, NegotiateInner, NtlmMessage, NtlmView,
};

/// Cookie names listed per exchange before "+N more".
const COOKIE_NAMES: usize = 4;

/// The client as shown: `ip:port`, or `None` when the source does not know it
/// (a HAR entry records the server side only).
pub fn client_label(ex: &HttpExchange) -> Option<String> {
    client_known(ex).then(|| ex.client.to_string())
}

/// False when the source does not know the client (see [`client_label`]).
pub(super) fn client_known(ex: &HttpExchange) -> bool {
    let unknown = matches!(ex.origin, ExchangeOrigin::Har { .. })
        && ex.client.ip().is_unspecified()
        && ex.client.port() == 0;
    !unknown
}

/// The server as shown: `ip:port`, or `None` when a HAR entry did not record
/// the server address (`serverIPAddress`).
pub fn server_label(ex: &HttpExchange) -> Option<String> {
    let unknown =
        matches!(ex.origin, ExchangeOrigin::Har { .. }) && ex.server.ip().is_unspecified();
    (!unknown).then(|| ex.server.to_string())
}

/// The client address alone, `-` when unknown.
pub fn client_ip_label(ex: &HttpExchange) -> String {
    match client_label(ex) {
        Some(_) => ex.client.ip().to_string(),
        None => "-".into(),
    }
}

/// What the client sent, e.g. `Basic alice (cred 1a2b3c4d)`,
/// `Bearer JWT sub=bob expired 3m12s before (cred …)`; `None` when nothing.
pub fn sent_summary(r: &ExchangeRecord) -> Option<String> {
    let mut parts = Vec::new();
    for c in &r.auth.credentials {
        let proxy = if c.target == ChallengeTarget::Proxy {
            "proxy "
        } else {
            ""
        };
        let detail = credential_detail(r, &c.kind);
        let with_fp = match &c.kind {
            CredentialKind::Basic { .. }
            | CredentialKind::Bearer { .. }
            | CredentialKind::Other { .. }
            | CredentialKind::Malformed { .. } => format!("{detail} (cred {})", c.fingerprint),
            _ => detail,
        };
        let scheme = if c.scheme.is_empty() {
            "(no scheme)".to_string()
        } else {
            sanitize_str(&c.scheme)
        };
        let mut part = format!("{proxy}{scheme} {with_fp}");
        part.truncate(part.trim_end().len());
        if memchr::memmem::find(part.as_bytes(), b"  ").is_some() {
            part = part.replace("  ", " ");
        }
        parts.push(part);
    }
    for k in &r.auth.api_keys {
        parts.push(format!(
            "API key in {} (fp {})",
            sanitize_str(&k.source),
            k.value.fingerprint()
        ));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn credential_detail(r: &ExchangeRecord, kind: &CredentialKind) -> String {
    match kind {
        CredentialKind::Basic { user, .. } => sanitize_str(user),
        CredentialKind::Bearer { jwt: Some(j), .. } => {
            let mut s = "JWT".to_string();
            if let Some(sub) = &j.sub {
                s.push_str(&format!(" sub={}", sanitize_str(sub)));
            }
            if let (Some(e), Some(rq)) = (j.exp, r.exchange.request.as_ref()) {
                let d = e.micros_since(rq.ts);
                if d < 0 {
                    s.push_str(&format!(" expired {} earlier", human_duration(-d)));
                } else {
                    s.push_str(&format!(" expires in {}", human_duration(d)));
                }
            }
            s
        }
        CredentialKind::Bearer { token, jwt: None } => format!("opaque {} bytes", token.len()),
        CredentialKind::Digest(d) => d.username.as_deref().map(sanitize_str).unwrap_or_default(),
        CredentialKind::Ntlm(n) => ntlm_detail(n),
        CredentialKind::Negotiate(v) => match &v.inner {
            NegotiateInner::Ntlm(n) => format!("(NTLMSSP) {}", ntlm_detail(n)),
            NegotiateInner::Kerberos { spn, .. } => match spn {
                Some(s) => format!("Kerberos {}", sanitize_str(s)),
                None => "Kerberos".into(),
            },
            NegotiateInner::KerberosError { .. } => "Kerberos error".into(),
            NegotiateInner::None | NegotiateInner::Unknown => String::new(),
        },
        CredentialKind::SigV4(v) => {
            let region = v.region.as_deref().map(sanitize_str).unwrap_or_default();
            let service = v.service.as_deref().map(sanitize_str).unwrap_or_default();
            format!("{region}/{service} (key fp {})", v.access_key.fingerprint())
        }
        CredentialKind::Other { token } => format!("{} bytes", token.len()),
        CredentialKind::Malformed { reason, .. } => format!("malformed: {reason}"),
    }
}

fn ntlm_detail(n: &NtlmView) -> String {
    let step = match n.message {
        NtlmMessage::Negotiate => "negotiate",
        NtlmMessage::Challenge => "challenge",
        NtlmMessage::Authenticate => "authenticate",
        NtlmMessage::Unknown => "unknown message",
    };
    match (&n.domain, &n.user) {
        (Some(d), Some(u)) if !d.is_empty() => {
            format!("{step} {}\\{}", sanitize_str(d), sanitize_str(u))
        }
        (_, Some(u)) => format!("{step} {}", sanitize_str(u)),
        _ if n.anonymous => format!("{step} anonymous"),
        _ => step.to_string(),
    }
}

/// The challenges offered, e.g. `Basic realm="ops", Negotiate`; `None` when none.
pub fn offered_summary(r: &ExchangeRecord) -> Option<String> {
    let parts: Vec<String> = r
        .auth
        .challenges
        .iter()
        .map(|c| {
            let mut s = String::new();
            if c.target == ChallengeTarget::Proxy {
                s.push_str("proxy ");
            }
            s.push_str(&sanitize_str(&c.scheme));
            if c.ntlm.is_some() {
                s.push_str(" challenge");
            }
            if let Some(realm) = c.param("realm") {
                s.push_str(&format!(" realm=\"{}\"", sanitize_str(realm)));
            }
            for name in ["error", "scope", "stale"] {
                if let Some(v) = c.param(name) {
                    s.push_str(&format!(" {name}={}", sanitize_str(v)));
                }
            }
            s
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Cookies sent and set, by name and value fingerprint:
/// `cookie sid (fp …); set-cookie sid (fp …, Path=/, Secure)`.
pub fn cookie_summary(r: &ExchangeRecord) -> Option<String> {
    let mut parts = Vec::new();
    if !r.auth.cookies.is_empty() {
        let names: Vec<String> = r
            .auth
            .cookies
            .iter()
            .map(|c| format!("{} (fp {})", sanitize_str(&c.name), c.value.fingerprint()))
            .collect();
        parts.push(format!("cookie {}", name_list(&names)));
    }
    for sc in r.auth.set_cookies.iter().take(COOKIE_NAMES) {
        let mut attrs = vec![format!("fp {}", sc.value.fingerprint())];
        if sc.expired {
            attrs.push("expired".to_string());
        }
        if let Some(d) = &sc.domain {
            attrs.push(format!("Domain={}", sanitize_str(d)));
        }
        if let Some(p) = &sc.path {
            attrs.push(format!("Path={}", sanitize_str(p)));
        }
        if sc.secure {
            attrs.push("Secure".into());
        }
        if let Some(s) = &sc.same_site {
            attrs.push(format!("SameSite={}", sanitize_str(s)));
        }
        parts.push(format!(
            "set-cookie {} ({})",
            sanitize_str(&sc.name),
            attrs.join(", ")
        ));
    }
    if r.auth.set_cookies.len() > COOKIE_NAMES {
        parts.push(format!(
            "+{} more set-cookie",
            r.auth.set_cookies.len() - COOKIE_NAMES
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn name_list(names: &[String]) -> String {
    let mut out: Vec<String> = names.iter().take(COOKIE_NAMES).cloned().collect();
    if names.len() > COOKIE_NAMES {
        out.push(format!("+{} more", names.len() - COOKIE_NAMES));
    }
    out.join(", ")
}

/// Server signals worth a glance: `IIS 401.2`, `Retry-After 10`, `remaining 0/3`.
pub fn server_summary(r: &ExchangeRecord) -> Option<String> {
    let mut parts = Vec::new();
    if let Some((status, sub)) = r.auth.hints.iis_substatus {
        parts.push(format!("IIS {status}.{sub}"));
    }
    if let Some(rl) = &r.auth.rate_limit {
        if let Some(ra) = &rl.retry_after_raw {
            parts.push(format!("Retry-After {}", sanitize_str(ra)));
        }
        match (rl.remaining, rl.limit) {
            (Some(rem), Some(lim)) => parts.push(format!("remaining {rem}/{lim}")),
            (Some(rem), None) => parts.push(format!("remaining {rem}")),
            _ => {}
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Everything auth-related in one line: `sent …; offered …; cookie …`.
pub fn auth_summary(r: &ExchangeRecord) -> String {
    let mut out = String::new();
    let parts = [
        ("sent ", sent_summary(r)),
        ("offered ", offered_summary(r)),
        ("", cookie_summary(r)),
        ("", server_summary(r)),
    ];
    for (label, part) in parts {
        let Some(part) = part else { continue };
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(label);
        out.push_str(&part);
    }
    out
}

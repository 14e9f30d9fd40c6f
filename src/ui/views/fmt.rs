//! Short text forms shared by the views: counts, sizes, schemes sent and
//! offered, credential and challenge summaries. Every capture string that
//! leaves this module has been through `sanitize_str` or `model::redact`.

use crate::cli::Speed;
use crate::model::{
    human_duration, sanitize_str, Challenge, ChallengeTarget, Credential, CredentialKind,
    ExchangeRecord, NegotiateInner, NtlmMessage, Timestamp,
};

/// `12,345`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `1.5 MB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    match (unit, UNITS.get(unit)) {
        (0, _) => format!("{n} B"),
        (_, Some(u)) => format!("{v:.1} {u}"),
        (_, None) => format!("{n} B"),
    }
}

/// `max`, `2x`, `0.5x`.
pub fn speed(s: Speed) -> String {
    match s {
        Speed::Max => "max".into(),
        Speed::Factor(f) => format!("{f}x"),
    }
}

/// At most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Request method, sanitized (`-` when the request was not seen).
pub fn method(rec: &ExchangeRecord) -> String {
    rec.exchange
        .request
        .as_ref()
        .map(|r| sanitize_str(&clip(&r.method, 10)))
        .unwrap_or_else(|| "-".into())
}

/// `host/target` with secrets in the query masked; the target alone when it
/// names the host (a proxy's absolute-form, CONNECT).
pub fn host_target(rec: &ExchangeRecord, reveal: bool) -> String {
    let host = sanitize_str(&rec.exchange.host());
    let target = rec
        .exchange
        .request
        .as_ref()
        .map(|r| crate::model::redact::display_target(&r.target, reveal))
        .unwrap_or_else(|| "(request not seen)".into());
    let names_host = rec
        .exchange
        .request
        .as_ref()
        .is_some_and(|r| r.target_names_host());
    if target.starts_with('/') {
        format!("{host}{target}")
    } else if names_host {
        target
    } else {
        format!("{host} {target}")
    }
}

/// Schemes of the credentials sent (`Basic`, `P:NTLM` for a proxy), an API key
/// or cookie hint, or `-`.
pub fn scheme_sent(rec: &ExchangeRecord) -> String {
    let mut parts: Vec<String> = rec
        .auth
        .credentials
        .iter()
        .map(|c| {
            let scheme = if c.scheme.is_empty() {
                "?".to_string()
            } else {
                sanitize_str(&clip(&c.scheme, 12))
            };
            match c.target {
                ChallengeTarget::Server => scheme,
                ChallengeTarget::Proxy => format!("P:{scheme}"),
            }
        })
        .collect();
    if parts.is_empty() && !rec.auth.api_keys.is_empty() {
        parts.push("api-key".into());
    }
    if parts.is_empty() && !rec.auth.cookies.is_empty() {
        parts.push("cookie".into());
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(",")
    }
}

/// Schemes offered by the response's challenges (`P:` for a proxy), or `-`.
pub fn schemes_offered(rec: &ExchangeRecord) -> String {
    let server = rec.auth.offered_schemes(ChallengeTarget::Server);
    let proxy = rec.auth.offered_schemes(ChallengeTarget::Proxy);
    let parts: Vec<String> = server
        .iter()
        .map(|s| sanitize_str(&clip(s, 12)))
        .chain(
            proxy
                .iter()
                .map(|s| format!("P:{}", sanitize_str(&clip(s, 12)))),
        )
        .collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(",")
    }
}

/// The user a credential names, sanitized, or empty.
pub fn user(rec: &ExchangeRecord) -> String {
    rec.auth
        .credentials
        .iter()
        .find_map(|c| c.user())
        .map(|u| sanitize_str(&clip(u, 32)))
        .unwrap_or_default()
}

/// One credential in a few words: `Basic alice:••••`, `Bearer eyJ…(exp -3m00s)`.
pub fn credential(cred: &Credential, at: Timestamp, reveal: bool) -> String {
    let scheme = sanitize_str(&clip(&cred.scheme, 16));
    match &cred.kind {
        CredentialKind::Basic { user, password } => {
            format!(
                "{scheme} {}:{}",
                sanitize_str(user),
                short_secret(password, reveal)
            )
        }
        CredentialKind::Bearer { token, jwt } => {
            let shown = match (reveal, jwt) {
                (true, _) => clip(&token.render(true), 16),
                (false, Some(_)) => "eyJ…".into(),
                (false, None) => crate::model::redact::MASK.into(),
            };
            let exp = jwt
                .as_ref()
                .and_then(|j| j.exp)
                .map(|e| format!("(exp {})", human_duration(e.micros_since(at))))
                .unwrap_or_default();
            format!("{scheme} {shown}{exp}")
        }
        CredentialKind::Digest(d) => match &d.username {
            Some(u) => format!("{scheme} user={}", sanitize_str(u)),
            None => scheme,
        },
        CredentialKind::Ntlm(n) => format!("{scheme} {}", ntlm_words(n)),
        CredentialKind::Negotiate(n) => match &n.inner {
            NegotiateInner::Kerberos { .. } => format!("{scheme} (Kerberos)"),
            NegotiateInner::KerberosError { code } => {
                format!("{scheme} (KRB-ERROR {})", code.unwrap_or(0))
            }
            NegotiateInner::Ntlm(v) => format!("{scheme} (NTLM {})", ntlm_words(v)),
            NegotiateInner::None | NegotiateInner::Unknown => scheme,
        },
        CredentialKind::SigV4(v) => format!(
            "{scheme} {}/{}",
            sanitize_str(v.region.as_deref().unwrap_or("?")),
            sanitize_str(v.service.as_deref().unwrap_or("?"))
        ),
        CredentialKind::Other { token } => format!("{scheme} {}", short_secret(token, reveal)),
        CredentialKind::Malformed { reason, .. } => format!("{scheme} (malformed: {reason})"),
    }
}

fn short_secret(secret: &crate::model::Secret, reveal: bool) -> String {
    if reveal {
        clip(&secret.render(true), 24)
    } else {
        crate::model::redact::MASK.into()
    }
}

fn ntlm_words(n: &crate::model::NtlmView) -> String {
    let kind = match n.message {
        NtlmMessage::Negotiate => "type1",
        NtlmMessage::Challenge => "type2",
        NtlmMessage::Authenticate => "type3",
        NtlmMessage::Unknown => "type?",
    };
    match (&n.domain, &n.user) {
        (Some(d), Some(u)) => format!("{kind} {}\\{}", sanitize_str(d), sanitize_str(u)),
        (None, Some(u)) => format!("{kind} {}", sanitize_str(u)),
        _ => kind.to_string(),
    }
}

/// One challenge in a few words: `Bearer error=invalid_token`, `Basic realm=ops`.
pub fn challenge(ch: &Challenge) -> String {
    let mut out = sanitize_str(&clip(&ch.scheme, 16));
    for name in ["realm", "error", "scope", "stale"] {
        if let Some(v) = ch.param(name) {
            out.push_str(&format!(" {name}={}", sanitize_str(&clip(v, 40))));
        }
    }
    if ch.ntlm.is_some() {
        out.push_str(" (NTLM type2)");
    }
    out
}

//! Redaction by type: which header fields and query parameters carry secrets,
//! and how they are shown. Every output (text, JSON, NDJSON, dashboard) goes
//! through these, so a secret is masked wherever it appears.

use super::text::{sanitize, sanitize_str};

/// Header fields whose whole value is a credential (compared ignoring case).
const SECRET_FIELDS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "apikey",
    "x-apikey",
    "x-auth-token",
    "x-access-token",
    "x-amz-security-token",
    "ocp-apim-subscription-key",
    "x-goog-api-key",
    "x-functions-key",
    "x-csrf-token",
    "x-xsrf-token",
    "private-token",
    "x-vault-token",
    "authentication",
    "x-gitlab-token",
];

/// Query parameters whose value is a credential (compared ignoring case).
const SECRET_PARAMS: &[&str] = &[
    "access_token",
    "api_key",
    "apikey",
    "api-key",
    "key",
    "token",
    "auth",
    "password",
    "passwd",
    "pwd",
    "secret",
    "client_secret",
    "id_token",
    "refresh_token",
    "code",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "session",
    "sessionid",
];

/// The mask shown in place of a secret.
pub const MASK: &str = "\u{2022}\u{2022}\u{2022}\u{2022}";

/// True when the header field `name` carries a credential.
pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// True when the query parameter `name` carries a credential.
pub fn is_secret_param(name: &str) -> bool {
    SECRET_PARAMS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// A header value as every output shows it: sanitized, and masked when the
/// field carries a credential (the auth scheme stays visible, e.g. `Basic ••••`;
/// cookie names stay visible, values are masked).
pub fn display_field(name: &str, value: &[u8], reveal: bool) -> String {
    if reveal || !is_secret_field(name) {
        return sanitize(value);
    }
    let text = String::from_utf8_lossy(value);
    let text = text.trim();
    if name.eq_ignore_ascii_case("cookie") {
        return text
            .split(';')
            .map(|pair| match pair.split_once('=') {
                Some((n, _)) => format!("{}={MASK}", sanitize_str(n.trim())),
                None => MASK.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    if name.eq_ignore_ascii_case("set-cookie") {
        let mut parts = text.split(';');
        let first = parts.next().unwrap_or("");
        let head = match first.split_once('=') {
            Some((n, _)) => format!("{}={MASK}", sanitize_str(n.trim())),
            None => MASK.to_string(),
        };
        let attrs: Vec<String> = parts.map(|a| sanitize_str(a.trim())).collect();
        if attrs.is_empty() {
            return head;
        }
        return format!("{head}; {}", attrs.join("; "));
    }
    if name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("proxy-authorization")
    {
        return match text.split_once(' ') {
            Some((scheme, _)) if is_scheme_token(scheme) => {
                format!("{} {MASK}", sanitize_str(scheme))
            }
            _ => MASK.to_string(),
        };
    }
    MASK.to_string()
}

fn is_scheme_token(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A request target as every output shows it: sanitized, with credential query
/// parameters and URL user-info masked.
pub fn display_target(target: &str, reveal: bool) -> String {
    if reveal {
        return sanitize_str(target);
    }
    let mut out = String::with_capacity(target.len());
    let (before_query, query) = match target.split_once('?') {
        Some((a, b)) => (a, Some(b)),
        None => (target, None),
    };
    out.push_str(&mask_userinfo(before_query));
    if let Some(q) = query {
        out.push('?');
        let (q, frag) = match q.split_once('#') {
            Some((a, b)) => (a, Some(b)),
            None => (q, None),
        };
        let parts: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if is_secret_param(k) => format!("{k}={MASK}"),
                _ => p.to_string(),
            })
            .collect();
        out.push_str(&parts.join("&"));
        if let Some(f) = frag {
            out.push('#');
            out.push_str(f);
        }
    }
    sanitize_str(&out)
}

fn mask_userinfo(s: &str) -> String {
    let Some(scheme_end) = s.find("://") else {
        return s.to_string();
    };
    let rest = &s[scheme_end + 3..];
    let auth_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    match authority.rfind('@') {
        Some(at) => {
            let user = authority[..at].split(':').next().unwrap_or("");
            format!("{}{user}:{MASK}@{}", &s[..scheme_end + 3], &rest[at + 1..])
        }
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_keeps_scheme_only() {
        let v = display_field("Authorization", b"Basic YWxpY2U6c2VjcmV0", false);
        assert_eq!(v, format!("Basic {MASK}"));
        assert!(!v.contains("YWxp"));
    }

    #[test]
    fn cookie_names_stay_values_go() {
        let v = display_field("Cookie", b"sid=abc123; theme=dark", false);
        assert_eq!(v, format!("sid={MASK}; theme={MASK}"));
        let v = display_field("Set-Cookie", b"sid=abc123; Path=/; HttpOnly", false);
        assert_eq!(v, format!("sid={MASK}; Path=/; HttpOnly"));
    }

    #[test]
    fn query_secrets_and_userinfo_masked() {
        let t = display_target("http://bob:hunter2@h/x?access_token=abc&page=2", false);
        assert!(!t.contains("hunter2") && !t.contains("abc"));
        assert!(t.contains("page=2") && t.contains("bob"));
    }
}

//! Redaction by type: which header fields and query parameters carry secrets,
//! and how they are shown. Every output (text, JSON, NDJSON, dashboard, and the
//! `Debug` of [`super::Headers`]) goes through these, so a secret is masked
//! wherever it appears. Receives raw field names and values; emits display-safe
//! (sanitized) text. Decides by the kind of field or parameter, never by
//! searching for known values; must not reveal unless the caller passes
//! `reveal` (`--show-secrets`).

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

/// Header fields whose value is a URL: their query parameters and user-info
/// are masked like a request target's (an OAuth redirect carries `code=` or
/// `access_token=` in `Location`).
const URL_FIELDS: &[&str] = &["location", "content-location", "referer", "refresh"];

/// A header value as every output shows it: sanitized, and masked when the
/// field carries a credential (the auth scheme stays visible, e.g. `Basic ••••`;
/// cookie names stay visible, values are masked). URL-valued fields have their
/// secret query parameters masked. Values that hold several lines (a HAR
/// producer joining repeated `Set-Cookie` fields with newlines) are masked line
/// by line.
pub fn display_field(name: &str, value: &[u8], reveal: bool) -> String {
    if reveal {
        return sanitize(value);
    }
    if URL_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name)) {
        return display_target(&String::from_utf8_lossy(value), false);
    }
    if !is_secret_field(name) {
        return sanitize(value);
    }
    let text = String::from_utf8_lossy(value);
    let lines: Vec<String> = text
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| mask_line(name, l))
        .collect();
    if lines.is_empty() {
        return MASK.to_string();
    }
    lines.join(" / ")
}

fn mask_pair(pair: &str) -> String {
    match pair.split_once('=') {
        Some((n, _)) => format!("{}={MASK}", sanitize_str(n.trim())),
        None => MASK.to_string(),
    }
}

fn mask_line(name: &str, text: &str) -> String {
    if name.eq_ignore_ascii_case("cookie") {
        return text
            .split(';')
            .map(mask_pair)
            .collect::<Vec<_>>()
            .join("; ");
    }
    if name.eq_ignore_ascii_case("set-cookie") {
        let mut parts = text.split(';');
        let head = mask_pair(parts.next().unwrap_or(""));
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
                Some((k, _)) if is_secret_param(&percent_decoded(k)) => format!("{k}={MASK}"),
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

/// A query-parameter name with `%XX` escapes and `+` decoded, for comparison only.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (c, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn joined_set_cookie_lines_each_masked() {
        let v = display_field(
            "set-cookie",
            b"sid=abc123; Path=/\nremember=zz9plural; Secure",
            false,
        );
        assert!(!v.contains("abc123") && !v.contains("zz9plural"), "{v}");
        assert!(v.contains("sid=") && v.contains("remember=") && v.contains("Secure"));
        let v = display_field("Cookie", b"a=1\r\nb=secretvalue", false);
        assert!(!v.contains("secretvalue"), "{v}");
    }

    #[test]
    fn url_fields_mask_query_secrets() {
        let v = display_field("Location", b"/cb?code=s3cr3tcode&state=xyz", false);
        assert!(!v.contains("s3cr3tcode") && v.contains("state=xyz"), "{v}");
        let v = display_field("Location", b"/cb?code=s3cr3tcode", true);
        assert!(v.contains("s3cr3tcode"));
    }

    #[test]
    fn other_secret_fields_and_case() {
        for name in [
            "X-API-Key",
            "x-api-key",
            "Ocp-Apim-Subscription-Key",
            "X-Auth-Token",
        ] {
            assert_eq!(display_field(name, b"ak_live_123456", false), MASK);
        }
        let v = display_field(
            "PROXY-AUTHORIZATION",
            b"Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag",
            false,
        );
        assert_eq!(v, format!("Negotiate {MASK}"));
        assert_eq!(display_field("Authorization", b"justatoken", false), MASK);
        assert_eq!(display_field("Accept", b"text/html", false), "text/html");
        assert_eq!(
            display_field("Authorization", b"Basic YWxp", true),
            "Basic YWxp"
        );
    }

    #[test]
    fn query_secrets_and_userinfo_masked() {
        let t = display_target("http://bob:hunter2@h/x?access_token=abc&page=2", false);
        assert!(!t.contains("hunter2") && !t.contains("abc"));
        assert!(t.contains("page=2") && t.contains("bob"));
        let t = display_target("/x?Access%5Ftoken=abcdef&API_KEY=k123456", false);
        assert!(!t.contains("abcdef") && !t.contains("k123456"), "{t}");
        assert!(t.contains("Access%5Ftoken="));
    }
}

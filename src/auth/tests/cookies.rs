//! `Cookie` / `Set-Cookie` tables (RFC 6265 §3.1 examples, corpus captures).

use super::key;
use crate::auth::{parse_cookie_date, parse_cookie_header, parse_set_cookie, AuthAnomaly};
use crate::model::{SetCookie, Timestamp};

fn set(v: &str, now_secs: i64) -> (SetCookie, Vec<AuthAnomaly>) {
    let mut notes = Vec::new();
    let c = parse_set_cookie(
        v.as_bytes(),
        Timestamp::from_secs(now_secs),
        &key(),
        &mut notes,
    );
    (c, notes)
}

const NOW: i64 = 1_700_000_000;

#[test]
fn set_cookie_table() {
    // (why, value, name, path, domain, secure, httponly, samesite, expired)
    type Row<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        bool,
        bool,
        Option<&'a str>,
        bool,
    );
    let cases: &[Row<'_>] = &[
        ("RFC 6265 §3.1", "SID=31d4d96e407aad42; Path=/; Secure; HttpOnly", "SID", Some("/"), None, true, true, None, false),
        ("RFC 6265 §3.1 domain", "lang=en-US; Path=/; Domain=example.com", "lang", Some("/"), Some("example.com"), false, false, None, false),
        ("RFC 6265 §3.1 deletion", "lang=; Expires=Sun, 06 Nov 1994 08:49:37 GMT", "lang", None, None, false, false, None, true),
        ("corpus packets_http_dvwa_clearlogin", "PHPSESSID=8tokslnu6t07ru35q4vbsc8tk6; path=/; httponly", "PHPSESSID", Some("/"), None, false, true, None, false),
        ("corpus packets_http_post-login (RFC 850 date, past)", "comment_author_0d7dc802882e903c170f35a2d747915b=Chris+Sanders; expires=Saturday, 22-Jan-11 07:50:27 GMT; path=/", "comment_author_0d7dc802882e903c170f35a2d747915b", Some("/"), None, false, false, None, true),
        ("corpus arkime_arkime_synthetic", "newsession=def456", "newsession", None, None, false, false, None, false),
        ("6265bis SameSite and CHIPS Partitioned", "__Host-id=1; Secure; Path=/; SameSite=None; Partitioned", "__Host-id", Some("/"), None, true, false, Some("None"), false),
        ("Max-Age=0 deletes", "sid=x; Max-Age=0", "sid", None, None, false, false, None, true),
        ("Max-Age wins over a past Expires", "sid=x; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "sid", None, None, false, false, None, false),
    ];
    for (why, v, name, path, domain, secure, http_only, same_site, expired) in cases {
        let (c, notes) = set(v, NOW);
        assert!(notes.is_empty(), "{why}: {notes:?}");
        assert_eq!(c.name, *name, "{why}");
        assert_eq!(c.path.as_deref(), *path, "{why}");
        assert_eq!(c.domain.as_deref(), *domain, "{why}");
        assert_eq!((c.secure, c.http_only), (*secure, *http_only), "{why}");
        assert_eq!(c.same_site.as_deref(), *same_site, "{why}");
        assert_eq!(c.expired, *expired, "{why}");
    }
    let (c, _) = set("__Host-id=1; Partitioned", NOW);
    assert!(c.partitioned);
    assert_eq!(c.size, "__Host-id".len() + 1);
}

#[test]
fn set_cookie_malformed_table() {
    let cases: &[(&str, AuthAnomaly)] = &[
        ("novalue", AuthAnomaly::SetCookieNoName),
        ("a=b; Expires=someday", AuthAnomaly::SetCookieBadExpires),
        ("a=b; Max-Age=12s", AuthAnomaly::SetCookieBadMaxAge),
    ];
    for (v, want) in cases {
        let (_, notes) = set(v, NOW);
        assert!(notes.contains(want), "{v}: {notes:?}");
    }
}

#[test]
fn cookie_dates_table() {
    let cases: &[(&str, i64)] = &[
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777),
        ("Sun Nov  6 08:49:37 1994", 784_111_777),
        ("Sun, 06-Nov-1994 08:49:37 GMT", 784_111_777),
        ("06 Nov 1994 08:49:37", 784_111_777),
        ("Saturday, 22-Jan-11 07:50:27 GMT", 1_295_682_627),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
    ];
    for (v, secs) in cases {
        assert_eq!(
            parse_cookie_date(v),
            Some(Timestamp::from_secs(*secs)),
            "{v}"
        );
    }
    assert_eq!(parse_cookie_date("Sun, 32 Nov 1994 08:49:37 GMT"), None);
}

#[test]
fn cookie_header_pairs() {
    let mut notes = Vec::new();
    // Corpus sv_bug-130 request cookie.
    let v = b"JSESSIONID=8A029CD6F4754906F7B91EA224D10E13; JSESSIONIDSSO=6CF31DE7AD7A737B8B062B58F66899EF";
    let pairs = parse_cookie_header(v, &key(), &mut notes);
    let names: Vec<&str> = pairs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["JSESSIONID", "JSESSIONIDSSO"]);
    assert_eq!(pairs[0].value.expose(), "8A029CD6F4754906F7B91EA224D10E13");
    assert!(notes.is_empty());
    let pairs = parse_cookie_header(b"a=1; flag; b=", &key(), &mut notes);
    assert_eq!(pairs.len(), 3);
    assert_eq!(notes, vec![AuthAnomaly::CookieNoEquals]);
    let many = "x=1; ".repeat(1000);
    let pairs = parse_cookie_header(many.as_bytes(), &key(), &mut notes);
    assert_eq!(pairs.len(), crate::auth::cookie::MAX_COOKIES);
    assert!(notes.contains(&AuthAnomaly::CookieTooMany));
}

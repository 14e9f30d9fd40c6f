//! `WWW-Authenticate` / `Proxy-Authenticate` tables.

use crate::auth::{parse_challenges, AuthAnomaly};
use crate::model::{Challenge, ChallengeTarget};

fn parse(v: &str) -> (Vec<Challenge>, Vec<AuthAnomaly>) {
    let mut notes = Vec::new();
    let c = parse_challenges(v.as_bytes(), ChallengeTarget::Server, &mut notes);
    (c, notes)
}

/// `scheme[name=value,...]` per challenge, for compact expectations.
fn shape(cs: &[Challenge]) -> Vec<String> {
    cs.iter()
        .map(|c| {
            let mut s = c.scheme.clone();
            if let Some(t) = &c.token68 {
                s.push_str(&format!(" {t}"));
            }
            let p: Vec<String> = c
                .params
                .iter()
                .map(|p| format!("{}={}", p.name, p.value))
                .collect();
            if !p.is_empty() {
                s.push_str(&format!("[{}]", p.join("|")));
            }
            s
        })
        .collect()
}

#[test]
fn challenge_table_spec_and_real_values() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "RFC 9110 §11.6.1 example: two challenges, escaped quote",
            r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#,
            &[r#"Newauth[realm=apps|type=1|title=Login to "apps"]"#, "Basic[realm=simple]"],
        ),
        (
            "RFC 7616 §3.9.1 example",
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#,
            &["Digest[realm=http-auth@example.org|qop=auth, auth-int|algorithm=SHA-256|nonce=7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v|opaque=FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS]"],
        ),
        (
            "RFC 6750 §3 example",
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
            &["Bearer[realm=example|error=invalid_token|error_description=The access token expired]"],
        ),
        (
            "corpus ndpi_http_auth.pcap (Apache)",
            r#"Basic realm="BrowserSpy.dk - HTTP Password Test""#,
            &["Basic[realm=BrowserSpy.dk - HTTP Password Test]"],
        ),
        (
            "corpus sv_bug-130 (Apache)",
            r#"Basic realm="Authentification user password""#,
            &["Basic[realm=Authentification user password]"],
        ),
        (
            "nginx 1.22 auth_basic on loopback",
            r#"Basic realm="ops area""#,
            &["Basic[realm=ops area]"],
        ),
        ("bare schemes in one field, case kept", "Negotiate, NTLM", &["Negotiate", "NTLM"]),
        (
            "token68 with padding then a challenge",
            "Negotiate oRQwEqADCgEAoQsGCSqGSIb3EgECAg==, Basic realm=x",
            &["Negotiate oRQwEqADCgEAoQsGCSqGSIb3EgECAg==", "Basic[realm=x]"],
        ),
        (
            "stale digest and BWS around =",
            r#"DIGEST realm = "r" , nonce="n", stale=TRUE"#,
            &["DIGEST[realm=r|nonce=n|stale=TRUE]"],
        ),
        (
            "empty list elements are allowed (RFC 9110 §5.6.1)",
            r#", ,Basic realm="a""#,
            &["Basic[realm=a]"],
        ),
    ];
    for (why, input, want) in cases {
        let (got, notes) = parse(input);
        assert_eq!(shape(&got), *want, "{why}");
        assert!(notes.is_empty(), "{why}: unexpected {notes:?}");
    }
}

#[test]
fn challenge_table_lenient_with_anomalies() {
    let cases: &[(&str, &str, &[&str], AuthAnomaly)] = &[
        (
            "unquoted value with spaces",
            "Basic realm=My Realm",
            &["Basic[realm=My Realm]"],
            AuthAnomaly::ChallengeUnquotedSpace,
        ),
        (
            "missing comma between params",
            r#"Digest realm="r" nonce="n""#,
            &["Digest[realm=r|nonce=n]"],
            AuthAnomaly::ChallengeMissingComma,
        ),
        (
            "missing comma between challenges",
            r#"Basic realm="a" NTLM"#,
            &["Basic[realm=a]", "NTLM"],
            AuthAnomaly::ChallengeMissingComma,
        ),
        (
            "trailing comma",
            r#"Basic realm="a","#,
            &["Basic[realm=a]"],
            AuthAnomaly::ChallengeTrailingComma,
        ),
        (
            "unterminated quote keeps the rest",
            r#"Basic realm="abc"#,
            &["Basic[realm=abc]"],
            AuthAnomaly::ChallengeUnterminatedQuote,
        ),
        (
            "duplicate param",
            r#"Basic realm="a", realm="b""#,
            &["Basic[realm=a|realm=b]"],
            AuthAnomaly::ChallengeDuplicateParam,
        ),
        (
            "element without scheme",
            r#""quoted", Basic realm=x"#,
            &["Basic[realm=x]"],
            AuthAnomaly::ChallengeNoScheme,
        ),
    ];
    for (why, input, want, anomaly) in cases {
        let (got, notes) = parse(input);
        assert_eq!(shape(&got), *want, "{why}");
        assert!(notes.contains(anomaly), "{why}: {notes:?}");
    }
}

#[test]
fn challenge_accessors_are_case_insensitive() {
    let (c, _) = parse(r#"bEaReR Realm="api", Scope="read write""#);
    let c = &c[0];
    assert!(c.scheme_is("Bearer"));
    assert_eq!(c.param("scope"), Some("read write"));
    assert_eq!(c.param("REALM"), Some("api"));
}

#[test]
fn challenge_proxy_target_is_kept() {
    let mut notes = Vec::new();
    let c = parse_challenges(b"Basic realm=\"proxy\"", ChallengeTarget::Proxy, &mut notes);
    assert_eq!(c[0].target, ChallengeTarget::Proxy);
}

#[test]
fn challenge_cap_on_many_elements() {
    let v = "Basic, ".repeat(1000);
    let (c, notes) = parse(&v);
    assert_eq!(c.len(), crate::auth::challenge::MAX_CHALLENGES);
    assert!(notes.contains(&AuthAnomaly::ChallengeTooMany));
}

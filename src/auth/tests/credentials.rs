//! `Authorization` tables: Basic, Bearer/JWT, Digest, SigV4, unknown schemes,
//! with the header values found in the corpus captures (extracted with
//! `tshark -T fields -e http.authorization`) and made by curl on loopback.

use super::{b64, key};
use crate::auth::{parse_authorization, AuthAnomaly};
use crate::model::{ChallengeTarget, Credential, CredentialKind, NegotiateInner, Timestamp};

fn cred(v: &str) -> (Credential, Vec<AuthAnomaly>) {
    let mut notes = Vec::new();
    let c = parse_authorization(
        v.as_bytes(),
        ChallengeTarget::Server,
        None,
        &key(),
        &mut notes,
    );
    (c, notes)
}

fn kind_name(k: &CredentialKind) -> &'static str {
    match k {
        CredentialKind::Basic { .. } => "basic",
        CredentialKind::Bearer { jwt: Some(_), .. } => "jwt",
        CredentialKind::Bearer { .. } => "bearer",
        CredentialKind::Digest(_) => "digest",
        CredentialKind::Ntlm(_) => "ntlm",
        CredentialKind::Negotiate(_) => "negotiate",
        CredentialKind::SigV4(_) => "sigv4",
        CredentialKind::Other { .. } => "other",
        CredentialKind::Malformed { .. } => "malformed",
    }
}

/// Every scheme and user tshark names for the corpus captures
/// (`tshark -T fields -e http.authorization -e http.authbasic -e ntlmssp.auth.username`).
#[test]
fn corpus_credentials_name_the_users_tshark_names() {
    let cases: &[(&str, &str, &str, &str, Option<&str>)] = &[
        ("arkime_arkime_synthetic", "Basic dXNlcm5hbWU6cGFzc3dvcmQ=", "Basic", "basic", Some("username")),
        ("arkime_http-basicauth", "Basic dXNlcnJycnI6cGFzc3dvcmRkZGRk", "Basic", "basic", Some("userrrrr")),
        (
            "arkime_http-digestauth",
            r#"Digest username="user12345678@domain.xxxx",realm="xxxxxxx",nonce="xxxxxxxxxxxxxxxx",uri="/xxxxxxxxxxxxxxxxxxxxxxxxxxx/xxxx/xxxxxxxxxxxxxxxxxxxxxxxx",algorithm="MD5",cnonce="xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",nc=00000003,qop="auth",response="xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",opaque="""#,
            "Digest",
            "digest",
            Some("user12345678@domain.xxxx"),
        ),
        ("ndpi_http_auth", "Basic dGVzdDpmYWlsMg==", "Basic", "basic", Some("test")),
        ("zeek_basic-auth-with-colon (two spaces, colon in password)", "Basic  dGVzdDoxOjM0", "Basic", "basic", Some("test")),
        ("zeek_basic-auth-with-extra-space", "Basic  dGVzdDoxMjM0", "Basic", "basic", Some("test")),
        ("sv_http-auth-bearer (RFC 6750 example token)", "Bearer mF_9.B5f-4.1JqM", "Bearer", "bearer", None),
        ("sv_http-post-file upper-case scheme", "BEARER 1gsho83nt3bkmykh5aynw6kzgy", "BEARER", "bearer", None),
        ("sv_http-auth-unrecognized", "Turbo customAuthDataHere", "Turbo", "other", None),
        (
            "sv_bug-7390 bare JWT",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYW1lIjoicHJlc3RvIiwidXNlcl9pZCI6MSwiZXhwIjoxNzMxMDQ5NTQwfQ.gGLVRqXFRbyc0QQRXWBop5f71ycy7uyGeg2KI81DPI4",
            "",
            "jwt",
            None,
        ),
        (
            "arkime_ntlm_synthetic type 3",
            "NTLM TlRMTVNTUAADAAAAGAAYAFgAAAAYABgAcAAAAA4ADgCIAAAACAAIAJYAAAAQABAAngAAABAAEACuAAAABQIAAgoAYUoAAAAPAAAAAAAAAAAAAAAAAAAAAExMTExMTExMTExMTExMTExMTExMTExMTE5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTkgAVABUAFAARABPAE0AZABhAHYAZQBIAFQAVABQAEgATwBTAFQAS0tLS0tLS0tLS0tLS0tLSw==",
            "NTLM",
            "ntlm",
            Some("dave"),
        ),
        (
            "arkime_ntlm_synthetic NTLMSSP under Negotiate",
            "Negotiate TlRMTVNTUAADAAAAGAAYAFgAAAAYABgAcAAAABAAEACIAAAABgAGAJgAAAASABIAngAAABAAEACwAAAABQIAAgoAXVgAAAAPAAAAAAAAAAAAAAAAAAAAAExMTExMTExMTExMTExMTExMTExMTExMTE5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTkgAVABUAFAANgBEAE8ATQBlAHYAZQBIAFQAVABQADYASABPAFMAVABLS0tLS0tLS0tLS0tLS0tL",
            "Negotiate",
            "negotiate",
            Some("eve"),
        ),
        (
            "ndpi_webdav-ntlm type 3 (curl, NTLMv2)",
            "NTLM TlRMTVNTUAADAAAAGAAYAEAAAACoAKgAWAAAABAAEAAAAQAABgAGABABAAATABMAFgEAAAAAAAAAAAAABoKKAjrvL98Vy9vwrskDqtNIRrSr8NGw9v9Tc/SY7SF4InoLycCfluQXmwwBAQAAAAAAAADjsEVs09oBq/DRsPb/U3MAAAAAAgAWAEQATABQAC0AVABFAFMAVAAtAFIANQABABYARABMAFAALQBUAEUAUwBUAC0AUgA1AAQAFgBEAEwAUAAtAFQARQBTAFQALQBSADUAAwAWAEQATABQAC0AVABFAFMAVAAtAFIANQAHAAgAInAzRmzT2gEAAAAAAAAAAHd3dy5kbHAtdGVzdC5jb21XZWJEQVZpdmFuLUxhdGl0dWRlLUU2NTQw",
            "NTLM",
            "ntlm",
            Some("WebDAV"),
        ),
        (
            "zeek_erspan-ntlm-sharepoint type 3",
            "NTLM TlRMTVNTUAADAAAAGAAYAIYAAAAYARgBngAAAAQABABYAAAAGgAaAFwAAAAQABAAdgAAAAAAAAC2AQAABYKIogYBsR0AAAAPSBY1blXQHh37pNh65/bJ3XMAcABhAGQAbQBpAG4AaQBzAHQAcgBhAHQAbwByAFMAVABFAFYARQAtAFAAQwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAXVF8cA5dSOsl6E8DN+6VMAQEAAAAAAACXm7aj9u/QAYjdzEYfLuXEAAAAAAIABABTAFAAAQAKAFQARgBEAFMAUAAEABAAcwBwAC4AbABvAGMAYQBsAAMAHABUAEYARABTAFAALgBzAHAALgBsAG8AYwBhAGwABQAQAHMAcAAuAGwAbwBjAGEAbAAHAAgAl5u2o/bv0AEGAAQAAgAAAAgAMAAwAAAAAAAAAAEAAAAAEAAAUtMWP+ydsMKy+Ihdol9U5aEm8BXtpbMKujLU5tfJg9IKABAAAAAAAAAAAAAAAAAAAAAAAAkAIgBIAFQAVABQAC8AMQA5ADIALgAxADYAOAAuADYAOQAuADIAAAAAAAAAAAAAAAAA",
            "NTLM",
            "ntlm",
            Some("administrator"),
        ),
    ];
    for (why, value, scheme, kind, user) in cases {
        let (c, notes) = cred(value);
        assert_eq!(c.scheme, *scheme, "{why}");
        assert_eq!(kind_name(&c.kind), *kind, "{why}");
        assert_eq!(c.user(), *user, "{why}");
        let bad: Vec<_> = notes
            .iter()
            .filter(|a| {
                !matches!(
                    a,
                    AuthAnomaly::CredentialExtraSpace | AuthAnomaly::CredentialNoScheme
                )
            })
            .collect();
        assert!(bad.is_empty(), "{why}: {notes:?}");
    }
}

#[test]
fn basic_extra_space_and_colon_in_password() {
    let (c, notes) = cred("Basic  dGVzdDoxOjM0");
    assert_eq!(notes, vec![AuthAnomaly::CredentialExtraSpace]);
    let CredentialKind::Basic { user, password } = &c.kind else {
        panic!("{c:?}")
    };
    assert_eq!(user, "test");
    assert_eq!(password.expose(), "1:34");
}

#[test]
fn basic_same_password_same_fingerprint() {
    let (a, _) = cred(&format!("Basic {}", b64(b"alice:hunter2")));
    let (b, _) = cred(&format!("Basic {}", b64(b"bob:hunter2")));
    let (c, _) = cred(&format!("Basic {}", b64(b"alice:hunter3")));
    let pw = |c: &Credential| match &c.kind {
        CredentialKind::Basic { password, .. } => password.fingerprint(),
        _ => panic!(),
    };
    assert_eq!(pw(&a), pw(&b));
    assert_ne!(pw(&a), pw(&c));
    assert_ne!(
        a.fingerprint, b.fingerprint,
        "whole-value fingerprint differs by user"
    );
}

#[test]
fn basic_from_curl_on_loopback() {
    // `curl --basic -u 'carol:p:a:ss'` against a local python server.
    let (c, notes) = cred("Basic Y2Fyb2w6cDphOnNz");
    assert!(notes.is_empty());
    assert_eq!(c.user(), Some("carol"));
}

#[test]
fn basic_malformed_table() {
    let cases: &[(&str, AuthAnomaly)] = &[
        ("Basic !!!notbase64***", AuthAnomaly::BasicBadBase64),
        ("Basic dXNlcm5hbWU", AuthAnomaly::BasicNoColon),
        ("Basic /w==", AuthAnomaly::BasicNotUtf8),
        ("Basic", AuthAnomaly::CredentialEmpty),
    ];
    for (v, want) in cases {
        let (_, notes) = cred(v);
        assert!(notes.contains(want), "{v}: {notes:?}");
    }
}

#[test]
fn bare_jwt_is_decoded_without_scheme() {
    // Corpus sv_bug-7390: the client forgot "Bearer".
    let (c, notes) = cred("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYW1lIjoicHJlc3RvIiwidXNlcl9pZCI6MSwiZXhwIjoxNzMxMDQ5NTQwfQ.gGLVRqXFRbyc0QQRXWBop5f71ycy7uyGeg2KI81DPI4");
    assert_eq!(notes, vec![AuthAnomaly::CredentialNoScheme]);
    let CredentialKind::Bearer { jwt: Some(j), .. } = &c.kind else {
        panic!("{c:?}")
    };
    assert_eq!(j.alg.as_deref(), Some("HS256"));
    assert_eq!(j.typ.as_deref(), Some("JWT"));
    assert_eq!(j.exp, Some(Timestamp::from_secs(1_731_049_540)));
    assert_eq!(
        j.other_claims,
        vec!["name".to_string(), "user_id".to_string()]
    );
}

#[test]
fn bearer_jwt_claims_table() {
    // RFC 7519 §3.1 example JWS.
    let rfc = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let (c, notes) = cred(&format!("Bearer {rfc}"));
    assert!(notes.is_empty(), "{notes:?}");
    let CredentialKind::Bearer { jwt: Some(j), .. } = &c.kind else {
        panic!()
    };
    assert_eq!(j.iss.as_deref(), Some("joe"));
    assert_eq!(j.exp, Some(Timestamp::from_secs(1_300_819_380)));
    assert_eq!(
        j.other_claims,
        vec!["http://example.com/is_root".to_string()]
    );

    let header = b64url(br#"{"alg":"RS256","kid":"k1"}"#);
    let claims = b64url(
        br#"{"sub":"svc-7","aud":["api","web"],"scope":"read write","scp":["admin"],"roles":["ops"],"iat":1700000000,"nbf":1700000000.5}"#,
    );
    let (c, _) = cred(&format!("Bearer {header}.{claims}.c2ln"));
    let CredentialKind::Bearer { jwt: Some(j), .. } = &c.kind else {
        panic!()
    };
    assert_eq!(j.kid.as_deref(), Some("k1"));
    assert_eq!(c.user(), Some("svc-7"));
    assert_eq!(j.aud, vec!["api", "web"]);
    assert_eq!(j.scopes, vec!["read", "write", "admin", "ops"]);
    assert_eq!(j.nbf, Some(Timestamp::from_micros(1_700_000_000_500_000)));
}

fn b64url(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn jwt_garbage_segments_table() {
    let cases: &[(&str, AuthAnomaly)] = &[
        ("Bearer eyJ!!!.x.y", AuthAnomaly::JwtBadBase64),
        ("Bearer eyJub3Rqc29u.e30.x", AuthAnomaly::JwtBadJson),
        (
            "Bearer eyJhbGciOiJub25lIn0.e30",
            AuthAnomaly::JwtBadSegments,
        ),
    ];
    for (v, want) in cases {
        let (c, notes) = cred(v);
        assert!(notes.contains(want), "{v}: {notes:?}");
        assert!(matches!(c.kind, CredentialKind::Bearer { .. }));
    }
}

#[test]
fn digest_rfc7616_and_curl() {
    // RFC 7616 §3.9.1 (SHA-256 response).
    let rfc = r#"Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
    // `curl --digest -u alice:…` against a local python server.
    let curl = r#"Digest username="alice", realm="test@example.org", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", uri="/dir/index.html", cnonce="YzgzMDNiZGNiOTlhMDQ1ZTNhZmE5NGE1OGFmNzgwMWE=", nc=00000001, qop=auth, response="0bd2c9b766dac20047637a415130c9b04ea9141d409b14af7b606487e6d8c498", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", algorithm=SHA-256"#;
    // RFC 7616 §3.9.2: username* in RFC 8187 encoding.
    let star = r#"Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org", uri="/doe.json", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", nc=00000001, cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", qop=auth, response="ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd", userhash=false"#;
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (rfc, "Mufasa", "SHA-256", "00000001", "auth"),
        (curl, "alice", "SHA-256", "00000001", "auth"),
        (star, "Jäsøn Doe", "SHA-512-256", "00000001", "auth"),
    ];
    for (v, user, alg, nc, qop) in cases {
        let (c, notes) = cred(v);
        assert!(notes.is_empty(), "{notes:?}");
        let CredentialKind::Digest(d) = &c.kind else {
            panic!()
        };
        assert_eq!(d.username.as_deref(), Some(*user));
        assert_eq!(d.algorithm.as_deref(), Some(*alg));
        assert_eq!(d.nc.as_deref(), Some(*nc));
        assert_eq!(d.qop.as_deref(), Some(*qop));
        assert!(d.response.is_some() && !d.userhash);
    }
}

#[test]
fn sigv4_aws_documentation_example() {
    // AWS SigV4 documentation example request (IAM ListUsers).
    let v = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
    let mut notes = Vec::new();
    let c = parse_authorization(
        v.as_bytes(),
        ChallengeTarget::Server,
        Some("20150830T123600Z"),
        &key(),
        &mut notes,
    );
    assert!(notes.is_empty(), "{notes:?}");
    let CredentialKind::SigV4(s) = &c.kind else {
        panic!()
    };
    assert_eq!(s.access_key.expose(), "AKIDEXAMPLE");
    assert_eq!(s.date.as_deref(), Some("20150830"));
    assert_eq!(s.region.as_deref(), Some("us-east-1"));
    assert_eq!(s.service.as_deref(), Some("iam"));
    assert_eq!(s.signed_headers, vec!["content-type", "host", "x-amz-date"]);
    assert_eq!(s.amz_time, Some(Timestamp::from_secs(1_440_938_160)));
    assert!(!format!("{c:?}").contains("5d672d79"));
}

#[test]
fn negotiate_kerberos_credential_is_typed() {
    let tok = b64(&super::hex(super::ntlm_spnego::SPNEGO_KRB5_INIT));
    let (c, notes) = cred(&format!("Negotiate {tok}"));
    assert!(notes.is_empty(), "{notes:?}");
    let CredentialKind::Negotiate(n) = &c.kind else {
        panic!()
    };
    assert!(matches!(n.inner, NegotiateInner::Kerberos { .. }));
}

//! Codes about sequences: loops, cookies, sessions, redirects, rate limits,
//! connections and server hints.

use super::super::testkit::{at, get};
use super::{by_id, expect, one, run};
use crate::model::{ExchangeRecord, NtlmMessage, RateLimitView, Severity};

const C: &str = "10.0.0.7";
const H: &str = "intranet.example";

fn rejected(id: u64, ms: i64, user: &str, pass: &str) -> ExchangeRecord {
    get(id, ms, C, H, "/api")
        .basic(user, pass)
        .status(401)
        .challenge("Basic", &[("realm", "ops")])
        .build()
}

#[test]
fn auth_loop_from_replayed_credentials() {
    let recs: Vec<ExchangeRecord> = (0..9)
        .map(|i| rejected(i, i as i64 * 1_750, "alice", "old"))
        .collect();
    let f = run(&recs);
    expect(
        &f,
        &["auth-loop", "invalid-credentials", "failed-login-burst"],
        &["missing-credentials", "scheme-mismatch"],
    );
    let l = one(&f, "auth-loop");
    assert_eq!(l.count, 9);
    assert_eq!(l.evidence.len(), 9);
    assert!(
        l.title
            .starts_with("alice@10.0.0.7 → intranet.example:80: 9 401 responses in 14s"),
        "{}",
        l.title
    );
    let cause = by_id(&f, l.caused_by.expect("loop has a cause"));
    assert_eq!(cause.code, "invalid-credentials");
    assert!(l.explanation.contains("invalid-credentials"));
    // Burst and invalid-credentials titles carry the rejected-login count.
    assert!(one(&f, "failed-login-burst")
        .title
        .contains("9 rejected Basic logins in 14s"));
}

#[test]
fn auth_loop_needs_the_threshold() {
    let recs: Vec<ExchangeRecord> = (0..3)
        .map(|i| rejected(i, i as i64 * 100, "alice", "old"))
        .collect();
    expect(
        &run(&recs),
        &["invalid-credentials"],
        &["auth-loop", "failed-login-burst"],
    );
    // Four failures spread over more than the 30 s window are not a loop.
    let recs: Vec<ExchangeRecord> = (0..4)
        .map(|i| rejected(i, i as i64 * 11_000, "alice", "old"))
        .collect();
    expect(&run(&recs), &["invalid-credentials"], &["auth-loop"]);
}

#[test]
fn failed_login_burst_per_user_across_clients() {
    let recs: Vec<ExchangeRecord> = (0..5)
        .map(|i| {
            let client = if i % 2 == 0 { C } else { "10.0.0.8" };
            get(i, i as i64 * 12_000, client, H, "/login")
                .basic("alice", &format!("guess{i}"))
                .status(401)
                .challenge("Basic", &[])
                .build()
        })
        .collect();
    let f = run(&recs);
    expect(
        &f,
        &["failed-login-burst", "invalid-credentials"],
        &["auth-loop"],
    );
    let b = one(&f, "failed-login-burst");
    assert_eq!(b.count, 5);
    assert!(
        b.explanation.contains("10.0.0.7") && b.explanation.contains("10.0.0.8"),
        "{}",
        b.explanation
    );
}

#[test]
fn login_redirect_loop_caused_by_secure_cookie_over_http() {
    let mut recs = vec![get(1, 0, C, H, "/app")
        .status(302)
        .location("/login?next=/app")
        .build()];
    recs.push(
        get(2, 100, C, H, "/login?next=/app")
            .status(302)
            .location("http://intranet.example/app")
            .set_cookie("sid", "s3ss10n-v4lue-0001", |c| c.secure = true)
            .build(),
    );
    for i in 0..3 {
        let base = 200 + i * 200;
        recs.push(
            get(3 + i as u64 * 2, base, C, H, "/app")
                .status(302)
                .location("/login?next=/app")
                .build(),
        );
        recs.push(
            get(4 + i as u64 * 2, base + 100, C, H, "/login?next=/app")
                .status(302)
                .location("/app")
                .set_cookie("sid", "s3ss10n-v4lue-0001", |c| c.secure = true)
                .build(),
        );
    }
    let f = run(&recs);
    expect(
        &f,
        &["login-redirect-loop", "cookie-not-returned"],
        &["auth-loop", "missing-credentials"],
    );
    let l = one(&f, "login-redirect-loop");
    let cause = by_id(&f, l.caused_by.expect("loop has a cause"));
    assert_eq!(cause.code, "cookie-not-returned");
    assert!(
        cause.explanation.contains("`Secure`"),
        "{}",
        cause.explanation
    );
}

#[test]
fn login_redirect_loop_from_a_client_without_cookie_jar() {
    let mut recs = Vec::new();
    for i in 0..3u64 {
        let ms = i as i64 * 1_000;
        recs.push(
            get(i * 3, ms, C, H, "/app")
                .status(302)
                .location("/login")
                .build(),
        );
        recs.push(
            get(i * 3 + 1, ms + 100, C, H, "/login")
                .method("POST")
                .status(302)
                .location("/app")
                .set_cookie("sid", "0123456789abcdef0123", |_| {})
                .build(),
        );
    }
    let f = run(&recs);
    expect(&f, &["login-redirect-loop", "cookie-not-returned"], &[]);
    let l = one(&f, "login-redirect-loop");
    assert_eq!(
        by_id(&f, l.caused_by.expect("cause")).code,
        "cookie-not-returned"
    );
}

#[test]
fn cookie_not_returned_reasons() {
    type Attr = fn(&mut crate::model::SetCookie);
    let cases: [(Attr, &str); 5] = [
        (
            |c| c.domain = Some("other.example".into()),
            "Domain=other.example",
        ),
        (|c| c.same_site = Some("None".into()), "SameSite=None"),
        (
            |c| {
                c.expired = true;
                c.max_age = Some(0);
            },
            "Max-Age=0",
        ),
        (|c| c.size = 5000, "5000 bytes"),
        (|c| c.secure = true, "`Secure`"),
    ];
    for (attr, words) in cases {
        let f = run(&[
            get(1, 0, C, H, "/login")
                .method("POST")
                .status(200)
                .set_cookie("sid", "0123456789abcdef0123", attr)
                .build(),
            get(2, 100, C, H, "/home").status(200).build(),
        ]);
        expect(&f, &["cookie-not-returned"], &["login-redirect-loop"]);
        assert!(
            one(&f, "cookie-not-returned").explanation.contains(words),
            "{words}: {}",
            one(&f, "cookie-not-returned").explanation
        );
    }
    // Path only matters where the missing cookie hurts.
    let f = run(&[
        get(1, 0, C, H, "/login")
            .method("POST")
            .status(200)
            .set_cookie("sid", "0123456789abcdef0123", |c| {
                c.path = Some("/admin".into())
            })
            .build(),
        get(2, 100, C, H, "/static/a.css").status(200).build(),
        get(3, 200, C, H, "/app")
            .status(401)
            .challenge("Basic", &[])
            .build(),
    ]);
    assert!(one(&f, "cookie-not-returned")
        .explanation
        .contains("Path=/admin"));
    // Returned cookies, a logout deletion and an attribute-clean cookie: nothing.
    let f = run(&[
        get(1, 0, C, H, "/login")
            .method("POST")
            .status(200)
            .set_cookie("sid", "0123456789abcdef0123", |c| c.secure = true)
            .build(),
        get(2, 100, C, H, "/home")
            .cookie("sid", "0123456789abcdef0123")
            .status(200)
            .build(),
        get(3, 200, C, H, "/logout")
            .status(200)
            .set_cookie("sid", "", |c| {
                c.expired = true;
                c.max_age = Some(0);
            })
            .build(),
        get(4, 300, C, H, "/home").status(200).build(),
    ]);
    expect(&f, &[], &["cookie-not-returned"]);
}

#[test]
fn session_expired_reports_the_idle_gap() {
    let f = run(&[
        get(1, 0, C, H, "/app")
            .cookie("JSESSIONID", "abc")
            .status(200)
            .build(),
        get(2, 31 * 60_000, C, H, "/app")
            .cookie("JSESSIONID", "abc")
            .status(302)
            .location("/login")
            .build(),
    ]);
    expect(
        &f,
        &["session-expired"],
        &[
            "missing-credentials",
            "login-redirect-loop",
            "token-expired",
        ],
    );
    let s = one(&f, "session-expired");
    assert!(s.title.contains("expired after 31m00s idle"), "{}", s.title);
    assert_eq!(s.severity, Severity::Warning);

    let f = run(&[
        get(1, 0, C, H, "/api")
            .bearer("opaque-1", None)
            .status(200)
            .build(),
        get(2, 3_600_000, C, H, "/api")
            .bearer("opaque-1", None)
            .status(401)
            .challenge("Bearer", &[])
            .build(),
    ]);
    expect(&f, &["session-expired"], &["missing-credentials"]);
    // A different cookie value (new session) is not an expiry of the old one.
    let f = run(&[
        get(1, 0, C, H, "/app")
            .cookie("JSESSIONID", "abc")
            .status(200)
            .build(),
        get(2, 60_000, C, H, "/app")
            .cookie("JSESSIONID", "xyz")
            .status(401)
            .build(),
    ]);
    expect(&f, &[], &["session-expired"]);
}

#[test]
fn retry_after_ignored_only_inside_the_wait() {
    let rl = RateLimitView {
        retry_after_raw: Some("30".into()),
        retry_after: Some(at(30_010)),
        ..RateLimitView::default()
    };
    let f = run(&[
        get(1, 0, C, H, "/api").status(429).rate(rl.clone()).build(),
        get(2, 5_000, C, H, "/api").status(429).build(),
        get(3, 40_000, C, H, "/api").status(200).build(),
    ]);
    expect(&f, &["rate-limited", "retry-after-ignored"], &["auth-loop"]);
    let r = one(&f, "retry-after-ignored");
    assert_eq!(r.count, 1);
    assert!(r.explanation.contains("25s early"), "{}", r.explanation);

    let f = run(&[
        get(1, 0, C, H, "/api").status(503).rate(rl).build(),
        get(2, 31_000, C, H, "/api").status(200).build(),
    ]);
    expect(&f, &["rate-limited"], &["retry-after-ignored"]);
}

#[test]
fn ip_denied_from_iis_and_error_page() {
    let f = run(&[get(1, 0, C, H, "/")
        .status(401)
        .challenge("Basic", &[])
        .hints(|h| h.iis_substatus = Some((401, 503)))
        .build()]);
    expect(
        &f,
        &["ip-denied", "iis-substatus"],
        &["missing-credentials", "forbidden"],
    );
    assert_eq!(one(&f, "ip-denied").severity, Severity::Error);
    let f = run(&[get(1, 0, C, H, "/")
        .basic("a", "b")
        .status(403)
        .hints(|h| h.ip_denied = true)
        .build()]);
    expect(&f, &["ip-denied"], &["forbidden"]);
}

#[test]
fn iis_substatus_severity_by_meaning() {
    let f = run(&[rejected(1, 0, "alice", "x")].map(|mut r| {
        r.auth.hints.iis_substatus = Some((401, 1));
        r
    }));
    expect(&f, &["iis-substatus", "invalid-credentials"], &[]);
    let i = one(&f, "iis-substatus");
    assert_eq!(i.severity, Severity::Error);
    assert!(i.explanation.contains("invalid user name or password"));
    let f = run(&[get(1, 0, C, H, "/dir/")
        .basic("a", "b")
        .status(403)
        .hints(|h| h.iis_substatus = Some((403, 14)))
        .build()]);
    assert_eq!(one(&f, "iis-substatus").severity, Severity::Info);
}

#[test]
fn header_too_large_431_or_400_with_hint() {
    let f = run(&[get(1, 0, C, H, "/")
        .cookie("big", &"x".repeat(9000))
        .status(431)
        .build()]);
    expect(&f, &["header-too-large"], &[]);
    let h = one(&f, "header-too-large");
    assert!(
        h.explanation.contains("bytes in Cookie (1 cookie)"),
        "{}",
        h.explanation
    );
    expect(
        &run(&[get(1, 0, C, H, "/")
            .status(400)
            .hints(|h| h.header_too_large = true)
            .build()]),
        &["header-too-large"],
        &[],
    );
    expect(
        &run(&[get(1, 0, C, H, "/").status(400).build()]),
        &[],
        &["header-too-large"],
    );
}

#[test]
fn connection_auth_broken_across_connections_or_on_close() {
    use NtlmMessage::{Authenticate, Negotiate};
    let f = run(&[
        get(1, 0, C, H, "/")
            .conn(1)
            .ntlm("NTLM", Negotiate, None)
            .status(401)
            .ntlm_challenge("NTLM")
            .build(),
        get(2, 50, C, H, "/")
            .conn(2)
            .ntlm("NTLM", Authenticate, Some("alice"))
            .status(401)
            .challenge("NTLM", &[])
            .build(),
    ]);
    expect(
        &f,
        &["connection-auth-broken"],
        &["invalid-credentials", "kerberos-fallback-ntlm"],
    );
    let b = one(&f, "connection-auth-broken");
    assert_eq!(b.evidence.len(), 2);
    assert!(
        b.explanation.contains("connection c1") && b.explanation.contains("connection c2"),
        "{}",
        b.explanation
    );

    let f = run(&[get(1, 0, C, H, "/")
        .conn(1)
        .ntlm("NTLM", Negotiate, None)
        .status(401)
        .ntlm_challenge("NTLM")
        .resp_header("Connection", "close")
        .build()]);
    expect(&f, &["connection-auth-broken"], &[]);
    let f = run(&[get(1, 0, C, H, "/")
        .conn(1)
        .ntlm("NTLM", Negotiate, None)
        .status(401)
        .ntlm_challenge("NTLM")
        .resp_http10()
        .build()]);
    expect(&f, &["connection-auth-broken"], &[]);
    // HAR entries without a connection id cannot be judged.
    let f = run(&[
        get(1, 0, C, H, "/")
            .har()
            .ntlm("NTLM", Negotiate, None)
            .status(401)
            .ntlm_challenge("NTLM")
            .build(),
        get(2, 50, C, H, "/")
            .har()
            .ntlm("NTLM", Authenticate, Some("alice"))
            .status(200)
            .build(),
    ]);
    expect(&f, &[], &["connection-auth-broken"]);
}

#[test]
fn kerberos_fallback_ntlm_inside_negotiate() {
    use NtlmMessage::{Authenticate, Negotiate};
    let f = run(&[
        get(1, 0, C, H, "/")
            .conn(3)
            .status(401)
            .challenge("Negotiate", &[])
            .build(),
        get(2, 10, C, H, "/")
            .conn(3)
            .ntlm("Negotiate", Negotiate, None)
            .status(401)
            .ntlm_challenge("Negotiate")
            .build(),
        get(3, 20, C, H, "/")
            .conn(3)
            .ntlm("Negotiate", Authenticate, Some("alice"))
            .status(200)
            .build(),
    ]);
    expect(
        &f,
        &["kerberos-fallback-ntlm"],
        &[
            "connection-auth-broken",
            "invalid-credentials",
            "missing-credentials",
        ],
    );
    assert!(one(&f, "kerberos-fallback-ntlm")
        .fixes
        .iter()
        .any(|x| x.contains("setspn -Q HTTP/intranet.example")));
}

#[test]
fn credentials_dropped_on_cross_origin_redirect() {
    let f = run(&[
        get(1, 0, C, H, "/files")
            .basic("alice", "pw")
            .status(302)
            .location("http://files.example/files")
            .build(),
        get(2, 50, C, "files.example", "/files")
            .status(401)
            .challenge("Basic", &[])
            .build(),
    ]);
    expect(
        &f,
        &["credentials-dropped-on-redirect"],
        &["missing-credentials", "invalid-credentials"],
    );
    assert_eq!(one(&f, "credentials-dropped-on-redirect").evidence.len(), 2);
    // Same-origin redirect: the client keeps the credentials; nothing to report.
    let f = run(&[
        get(1, 0, C, H, "/a")
            .basic("alice", "pw")
            .status(302)
            .location("/b")
            .build(),
        get(2, 50, C, H, "/b")
            .basic("alice", "pw")
            .status(200)
            .build(),
    ]);
    expect(&f, &[], &["credentials-dropped-on-redirect"]);
}

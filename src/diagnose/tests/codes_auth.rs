//! Challenge, credential and token codes.

use super::super::testkit::{get, jwt};
use super::{expect, one, run};
use crate::model::{ExchangeRecord, RateLimitView, Severity};

const C: &str = "10.0.0.7";
const H: &str = "intranet.example";

fn basic_401(id: u64, ms: i64) -> ExchangeRecord {
    get(id, ms, C, H, "/api")
        .status(401)
        .challenge("Basic", &[("realm", "ops")])
        .build()
}

#[test]
fn missing_credentials_fires_when_the_challenge_is_never_answered() {
    let mut recs = vec![basic_401(1, 0)];
    // Another client answers its challenge: the normal dance.
    recs.push(
        get(2, 0, "10.0.0.8", H, "/api")
            .status(401)
            .challenge("Basic", &[("realm", "ops")])
            .build(),
    );
    recs.push(
        get(3, 500, "10.0.0.8", H, "/api")
            .basic("bob", "pw")
            .status(200)
            .build(),
    );
    let f = run(&recs);
    expect(
        &f,
        &["missing-credentials"],
        &["invalid-credentials", "auth-loop", "scheme-mismatch"],
    );
    let m = one(&f, "missing-credentials");
    assert_eq!(m.client, Some(C.parse().expect("ip")));
    assert_eq!(m.evidence, vec![crate::model::ExchangeId(1)]);
    assert!(m.explanation.contains("Basic"), "{}", m.explanation);
}

#[test]
fn missing_credentials_when_the_answer_comes_after_the_window() {
    let f = run(&[
        basic_401(1, 0),
        get(2, 45_000, C, H, "/api")
            .basic("a", "b")
            .status(200)
            .build(),
    ]);
    expect(&f, &["missing-credentials"], &["invalid-credentials"]);
}

#[test]
fn scheme_mismatch_names_sent_and_offered() {
    let f = run(&[
        get(1, 0, C, H, "/api")
            .bearer("tok-1", None)
            .status(401)
            .challenge("Basic", &[("realm", "ops")])
            .build(),
        get(2, 100, C, H, "/api")
            .bearer("tok-1", None)
            .status(401)
            .challenge("Basic", &[("realm", "ops")])
            .build(),
    ]);
    expect(
        &f,
        &["scheme-mismatch"],
        &["invalid-credentials", "missing-credentials", "auth-loop"],
    );
    let m = one(&f, "scheme-mismatch");
    assert_eq!(m.severity, Severity::Error);
    assert_eq!(m.count, 2);
    assert!(
        m.explanation.contains("Bearer") && m.explanation.contains("Basic realm=\"ops\""),
        "{}",
        m.explanation
    );
}

#[test]
fn invalid_credentials_for_rejected_basic_and_ntlm_type3() {
    let f = run(&[
        basic_401(1, 0),
        get(2, 100, C, H, "/api")
            .basic("alice", "wrong")
            .status(401)
            .challenge("Basic", &[("realm", "ops")])
            .build(),
        get(3, 200, C, H, "/api")
            .basic("alice", "wrong")
            .status(401)
            .challenge("Basic", &[("realm", "ops")])
            .build(),
    ]);
    expect(
        &f,
        &["invalid-credentials"],
        &[
            "auth-loop",
            "failed-login-burst",
            "scheme-mismatch",
            "missing-credentials",
        ],
    );
    let m = one(&f, "invalid-credentials");
    assert_eq!(m.user.as_deref(), Some("alice"));
    assert!(
        m.title.contains("alice@10.0.0.7") && m.title.contains("2 rejected Basic logins"),
        "{}",
        m.title
    );
    assert!(m.explanation.contains("sent 2 times"), "{}", m.explanation);

    use crate::model::NtlmMessage::{Authenticate, Negotiate};
    let f = run(&[
        get(1, 0, C, H, "/")
            .conn(5)
            .ntlm("NTLM", Negotiate, None)
            .status(401)
            .ntlm_challenge("NTLM")
            .build(),
        get(2, 50, C, H, "/")
            .conn(5)
            .ntlm("NTLM", Authenticate, Some("alice"))
            .status(401)
            .challenge("NTLM", &[])
            .build(),
    ]);
    expect(
        &f,
        &["invalid-credentials"],
        &["connection-auth-broken", "missing-credentials"],
    );
}

#[test]
fn token_expired_from_jwt_exp_and_from_the_challenge() {
    let f = run(&[get(1, 300_000, C, H, "/api")
        .bearer("jwt-1", Some(jwt(Some(0), Some(-3_600_000))))
        .status(401)
        .challenge("Bearer", &[("error", "invalid_token")])
        .build()]);
    expect(
        &f,
        &["token-expired"],
        &["invalid-credentials", "clock-skew", "session-expired"],
    );
    let t = one(&f, "token-expired");
    assert!(
        t.explanation.contains("5m00s before the request"),
        "{}",
        t.explanation
    );

    let f = run(&[get(1, 0, C, H, "/api")
        .bearer("opaque", None)
        .status(401)
        .challenge(
            "Bearer",
            &[
                ("error", "invalid_token"),
                ("error_description", "The access token expired"),
            ],
        )
        .build()]);
    expect(&f, &["token-expired"], &["invalid-credentials"]);
}

#[test]
fn clock_skew_from_jwt_date_and_kerberos() {
    let f = run(&[get(1, 0, C, H, "/api")
        .bearer("jwt-2", Some(jwt(Some(7_200_000), Some(600_000))))
        .status(200)
        .build()]);
    expect(&f, &["clock-skew"], &["token-expired"]);
    assert!(one(&f, "clock-skew")
        .title
        .contains("`iat` is 10m00s in the future"));

    let f = run(&[get(1, 0, C, H, "/")
        .status(401)
        .challenge("Basic", &[("realm", "ops")])
        .hints(|h| h.date_skew_secs = Some(-900))
        .build()]);
    expect(&f, &["clock-skew"], &[]);
    let skew = one(&f, "clock-skew");
    assert!(skew.title.contains("15m00s behind"));
    assert!(!skew.explanation.contains("time-zone"));

    // 10 h 59 m ahead (corpus zeek_erspan-ntlm-sharepoint): a time-zone error.
    let f = run(&[get(1, 0, C, H, "/")
        .basic("alice", "pw")
        .status(200)
        .hints(|h| h.date_skew_secs = Some(39_570))
        .build()]);
    assert!(one(&f, "clock-skew").explanation.contains("time-zone"));

    // A plain page's error (no credentials, no challenge) says nothing about auth.
    let f = run(&[get(1, 0, C, H, "/")
        .status(400)
        .hints(|h| h.date_skew_secs = Some(-900))
        .build()]);
    expect(&f, &[], &["clock-skew"]);

    let f = run(&[get(1, 0, C, H, "/")
        .status(200)
        .hints(|h| h.date_skew_secs = Some(100))
        .build()]);
    expect(&f, &[], &["clock-skew"]);

    let f = run(&[get(1, 0, C, H, "/")
        .kerberos()
        .status(401)
        .kerberos_error(37)
        .build()]);
    expect(
        &f,
        &["clock-skew"],
        &["invalid-credentials", "scheme-mismatch"],
    );
}

#[test]
fn insufficient_scope_is_not_forbidden() {
    let f = run(&[get(1, 0, C, H, "/admin")
        .bearer("jwt-3", Some(jwt(Some(3_600_000), Some(0))))
        .status(403)
        .challenge(
            "Bearer",
            &[("error", "insufficient_scope"), ("scope", "admin:write")],
        )
        .build()]);
    expect(
        &f,
        &["insufficient-scope"],
        &["forbidden", "invalid-credentials", "token-expired"],
    );
    assert!(one(&f, "insufficient-scope").title.contains("admin:write"));
}

#[test]
fn forbidden_needs_an_identity() {
    let f = run(&[
        get(1, 0, C, H, "/")
            .basic("alice", "pw")
            .status(200)
            .build(),
        get(2, 100, C, H, "/admin")
            .basic("alice", "pw")
            .status(403)
            .build(),
    ]);
    expect(
        &f,
        &["forbidden"],
        &[
            "invalid-credentials",
            "missing-credentials",
            "insufficient-scope",
        ],
    );
    assert!(one(&f, "forbidden").explanation.contains("/admin"));
    // An anonymous 403 from a fresh client is not "forbidden after login".
    let f = run(&[get(1, 0, C, H, "/admin").status(403).build()]);
    expect(&f, &[], &["forbidden"]);
}

#[test]
fn missing_challenge_and_proxy_auth_required() {
    // No scheme offered: the client has nothing to answer, so no "missing credentials".
    let f = run(&[get(1, 0, C, H, "/api").status(401).build()]);
    expect(
        &f,
        &["missing-challenge"],
        &["proxy-auth-required", "missing-credentials"],
    );

    let f = run(&[get(1, 0, C, H, "/").status(407).build()]);
    expect(
        &f,
        &["missing-challenge", "proxy-auth-required"],
        &["missing-credentials"],
    );

    let f = run(&[
        get(1, 0, C, H, "/")
            .status(407)
            .proxy_challenge("Basic", &[("realm", "proxy")])
            .build(),
        get(2, 50, C, H, "/")
            .proxy_basic("p", "wrong")
            .status(407)
            .proxy_challenge("Basic", &[("realm", "proxy")])
            .build(),
    ]);
    expect(
        &f,
        &["proxy-auth-required"],
        &[
            "missing-challenge",
            "missing-credentials",
            "scheme-mismatch",
        ],
    );
    assert_eq!(one(&f, "proxy-auth-required").count, 2);
}

#[test]
fn stale_nonce_is_info_unless_it_loops() {
    let f = run(&[
        get(1, 0, C, H, "/d")
            .digest("alice", "n0")
            .status(401)
            .challenge(
                "Digest",
                &[("realm", "r"), ("nonce", "n1"), ("stale", "true")],
            )
            .build(),
        get(2, 50, C, H, "/d")
            .digest("alice", "n1")
            .status(200)
            .build(),
    ]);
    expect(&f, &["stale-nonce"], &["invalid-credentials", "auth-loop"]);
    assert_eq!(one(&f, "stale-nonce").severity, Severity::Info);

    let recs: Vec<ExchangeRecord> = (0..5)
        .map(|i| {
            get(i, i as i64 * 100, C, H, "/d")
                .digest("alice", "old")
                .status(401)
                .challenge("Digest", &[("nonce", "n"), ("stale", "TRUE")])
                .build()
        })
        .collect();
    let f = run(&recs);
    expect(&f, &["stale-nonce", "auth-loop"], &["invalid-credentials"]);
}

#[test]
fn preflight_unauthorized_and_nothing_else() {
    let f = run(&[get(1, 0, C, H, "/api")
        .method("OPTIONS")
        .req_header("Access-Control-Request-Method", "PUT")
        .status(401)
        .build()]);
    expect(
        &f,
        &["preflight-unauthorized"],
        &["missing-credentials", "missing-challenge", "forbidden"],
    );
}

#[test]
fn cleartext_credentials_one_finding_per_kind() {
    let mut recs: Vec<ExchangeRecord> = (0..3)
        .map(|i| {
            get(i, i as i64 * 10, C, H, "/")
                .basic("alice", "pw")
                .status(200)
                .build()
        })
        .collect();
    recs.push(
        get(10, 100, C, H, "/")
            .api_key("X-API-Key", "k-123")
            .status(200)
            .build(),
    );
    recs.push(
        get(11, 100, C, H, "/")
            .digest("alice", "n")
            .status(200)
            .build(),
    );
    recs.push(
        get(12, 100, "10.0.0.9", H, "/")
            .https()
            .basic("carol", "pw")
            .status(200)
            .build(),
    );
    let f = run(&recs);
    let clear: Vec<_> = f
        .iter()
        .filter(|x| x.code == "cleartext-credentials")
        .collect();
    assert_eq!(
        clear.len(),
        2,
        "{:?}",
        clear.iter().map(|x| &x.title).collect::<Vec<_>>()
    );
    assert!(clear
        .iter()
        .any(|x| x.count == 3 && x.title.contains("Basic")));
    assert!(clear
        .iter()
        .all(|x| x.severity == Severity::Warning
            && x.client != Some("10.0.0.9".parse().expect("ip"))));
}

#[test]
fn conflicting_auth_methods_alternation_and_double_header() {
    let offer = |e: crate::diagnose::testkit::Ex| {
        e.challenge("Negotiate", &[])
            .challenge("Basic", &[("realm", "r")])
    };
    let f = run(&[
        offer(get(1, 0, C, H, "/").status(401)).build(),
        offer(get(2, 10, C, H, "/").basic("alice", "pw").status(401)).build(),
        offer(get(3, 20, C, H, "/").kerberos().status(401)).build(),
        get(4, 30, C, H, "/")
            .basic("alice", "pw")
            .status(200)
            .build(),
    ]);
    expect(&f, &["conflicting-auth-methods"], &["scheme-mismatch"]);

    let f = run(&[get(1, 0, C, H, "/")
        .basic("a", "b")
        .bearer("t", None)
        .status(200)
        .build()]);
    expect(&f, &["conflicting-auth-methods"], &[]);
    // One switch (Kerberos refused, then Basic) is a fallback, not alternation.
    let f = run(&[
        offer(get(1, 0, C, H, "/").kerberos().status(401)).build(),
        get(2, 10, C, H, "/")
            .basic("alice", "pw")
            .status(200)
            .build(),
    ]);
    expect(&f, &[], &["conflicting-auth-methods"]);
}

#[test]
fn rate_limited_sources() {
    let rl = |remaining| RateLimitView {
        remaining: Some(remaining),
        limit: Some(100),
        sources: vec!["x-ratelimit-remaining".into()],
        ..RateLimitView::default()
    };
    let f = run(&[get(1, 0, C, H, "/").status(200).rate(rl(0)).build()]);
    expect(&f, &["rate-limited"], &["retry-after-ignored"]);
    let f = run(&[get(1, 0, C, H, "/").status(200).rate(rl(5)).build()]);
    expect(&f, &[], &["rate-limited"]);
    let f = run(&[get(1, 0, C, H, "/")
        .status(401)
        .challenge("Basic", &[])
        .hints(|h| h.iis_substatus = Some((401, 502)))
        .build()]);
    expect(
        &f,
        &["rate-limited", "iis-substatus"],
        &["missing-credentials", "invalid-credentials"],
    );
    assert_eq!(one(&f, "iis-substatus").severity, Severity::Info);
}

//! Regressions found by running recorded scenarios and the public corpus:
//! single sign-on round trips, short session expiry, logouts, a proxy that
//! refuses its own credentials (squid), Digest retries (Apache).

use super::super::testkit::get;
use super::{expect, one, run};

const C: &str = "10.0.0.7";
const H: &str = "intranet.example";

/// The recorded scenario (captures/scenarios/session_expired.pcap) idles 3 s:
/// a value refused on a path where it was accepted is expired whatever the gap;
/// elsewhere a quick refusal is another permission, and a logout that deletes
/// the cookie ends the session on purpose.
#[test]
fn session_expired_short_gap_needs_the_same_path() {
    let ok = |id, ms, path| {
        get(id, ms, C, H, path)
            .cookie("sid", "s-1")
            .status(200)
            .build()
    };
    let refused = |id, ms, path| {
        get(id, ms, C, H, path)
            .cookie("sid", "s-1")
            .status(401)
            .challenge("Cookie", &[("realm", "app")])
            .build()
    };
    let f = run(&[
        ok(1, 0, "/short/"),
        ok(2, 300, "/short/api/"),
        refused(3, 3_400, "/short/api/"),
    ]);
    let s = one(&f, "session-expired");
    assert!(s.title.contains("3s idle"), "{}", s.title);
    assert_eq!(s.evidence.len(), 2);

    let f = run(&[ok(1, 0, "/short/"), refused(2, 3_000, "/short/admin/")]);
    expect(&f, &[], &["session-expired"]);

    let logout = get(2, 120_000, C, H, "/logout")
        .cookie("sid", "s-1")
        .status(302)
        .location("/login")
        .set_cookie("sid", "", |c| {
            c.expired = true;
            c.max_age = Some(0);
        })
        .build();
    let f = run(&[ok(1, 0, "/app/"), logout]);
    expect(&f, &[], &["session-expired"]);

    // A logout that only invalidates the session on the server, then the old
    // value on the page it was accepted on: logged out, not expired.
    let logout = get(2, 120_000, C, H, "/auth/logout")
        .cookie("sid", "s-1")
        .status(302)
        .location("/login")
        .build();
    let back = get(3, 121_000, C, H, "/app/")
        .cookie("sid", "s-1")
        .status(302)
        .location("/login")
        .build();
    let f = run(&[ok(1, 0, "/app/"), logout, back]);
    expect(&f, &[], &["session-expired"]);
}

/// Single sign-on round trip (corpus har/pagexray_redirect_redirect-and-redirect-back):
/// app → IdP → app's cookie endpoint → back to the first URL, which then
/// answers 200. Returning to an application URL is not a loop; the same
/// chain that redirects again from there is.
#[test]
fn sso_round_trip_is_not_a_loop_until_it_repeats() {
    const APP: &str = "checkout.example";
    const IDP: &str = "sso.example";
    let hop =
        |id, ms, host, path, to: &str| get(id, ms, C, host, path).status(302).location(to).build();
    let round = |first: u64, ms: i64| {
        vec![
            hop(
                first,
                ms,
                APP,
                "/checkout/registration",
                "http://sso.example/session/recognise/530e",
            ),
            hop(
                first + 1,
                ms + 200,
                IDP,
                "/session/recognise/530e",
                "http://checkout.example/session/setCookies/530e",
            ),
            hop(
                first + 2,
                ms + 400,
                APP,
                "/session/setCookies/530e",
                "/checkout/registration",
            ),
        ]
    };
    let mut recs = round(1, 0);
    recs.push(
        get(4, 500, C, APP, "/checkout/registration")
            .status(200)
            .build(),
    );
    let f = run(&recs);
    expect(&f, &[], &["login-redirect-loop"]);

    let mut recs = round(1, 0);
    recs.extend(round(4, 500));
    let f = run(&recs);
    expect(&f, &["login-redirect-loop"], &[]);
}

/// captures/har/h2_login_loop_unshared_sessions.har: over https the Secure
/// session cookie comes back every time, yet two servers without a shared
/// session store send the browser back to the form. The loop must name the
/// cookies it saw and lead with the load balancer, not blame the cookie.
#[test]
fn login_loop_with_the_cookie_returned_points_at_the_session_store() {
    let mut recs = Vec::new();
    for i in 0..3u64 {
        let ms = i as i64 * 1_000;
        recs.push(
            get(i * 2, ms, C, H, "/app/")
                .https()
                .cookie("sid", &format!("s-{i}"))
                .status(302)
                .location("/app/login")
                .build(),
        );
        recs.push(
            get(i * 2 + 1, ms + 100, C, H, "/app/login")
                .https()
                .method("POST")
                .status(302)
                .location("/app/")
                .set_cookie("sid", &format!("s-{}", i + 1), |c| c.secure = true)
                .build(),
        );
    }
    let f = run(&recs);
    expect(&f, &["login-redirect-loop"], &["cookie-not-returned"]);
    let l = one(&f, "login-redirect-loop");
    assert!(
        l.explanation.contains("carried cookies (sid)"),
        "{}",
        l.explanation
    );
    assert!(
        l.fixes.first().is_some_and(|x| x.contains("load balancer")),
        "{:?}",
        l.fixes
    );

    // An unrelated cookie rides along while the Secure session cookie is
    // refused over http: the loop is the cookie's fault and says nothing of
    // cookies carried.
    let mut recs = Vec::new();
    for i in 0..3u64 {
        let ms = i as i64 * 1_000;
        recs.push(
            get(i * 2, ms, C, H, "/app/")
                .cookie("_ga", "GA1.1")
                .status(302)
                .location("/app/login")
                .build(),
        );
        recs.push(
            get(i * 2 + 1, ms + 100, C, H, "/app/login")
                .method("POST")
                .cookie("_ga", "GA1.1")
                .status(302)
                .location("/app/")
                .set_cookie("sid", &format!("s-{}", i + 1), |c| c.secure = true)
                .build(),
        );
    }
    let f = run(&recs);
    expect(&f, &["login-redirect-loop", "cookie-not-returned"], &[]);
    let l = one(&f, "login-redirect-loop");
    assert!(l.caused_by.is_some());
    assert!(
        !l.explanation.contains("carried cookies"),
        "{}",
        l.explanation
    );
}

/// captures/scenarios/squid_proxy_auth.pcap: 407s to wrong proxy passwords
/// are the proxy's refusals, of the user in Proxy-Authorization; they are
/// not API keys, not 401s, and the anonymous 407s are counted apart.
#[test]
fn proxy_refusals_name_the_proxy_and_its_user() {
    let asked = |id, ms| {
        get(id, ms, C, H, "/")
            .status(407)
            .proxy_challenge("Basic", &[("realm", "corp-proxy")])
    };
    let mut recs = vec![asked(1, 0).build()];
    for i in 0..5 {
        recs.push(
            asked(2 + i, 200 * (i as i64 + 1))
                .proxy_basic("alice", "wrong-pass")
                .build(),
        );
    }
    recs.push(asked(7, 1_300).build());
    recs.push(
        get(8, 1_310, C, H, "/")
            .proxy_basic("alice", "right")
            .status(200)
            .build(),
    );
    let f = run(&recs);
    expect(
        &f,
        &[
            "invalid-credentials",
            "failed-login-burst",
            "auth-loop",
            "proxy-auth-required",
        ],
        &["missing-credentials", "scheme-mismatch"],
    );
    let invalid = one(&f, "invalid-credentials");
    assert_eq!(invalid.user.as_deref(), Some("alice"));
    assert!(
        invalid.title.contains("rejected proxy Basic logins"),
        "{}",
        invalid.title
    );
    assert!(
        invalid.explanation.contains("The proxy answered 407"),
        "{}",
        invalid.explanation
    );
    let burst = one(&f, "failed-login-burst");
    assert_eq!(burst.user.as_deref(), Some("alice"));
    assert!(!burst.title.contains("API key"), "{}", burst.title);
    assert!(
        burst.explanation.contains("rejected by the proxy"),
        "{}",
        burst.explanation
    );
    let lp = one(&f, "auth-loop");
    assert!(lp.title.contains("407 responses"), "{}", lp.title);
    assert!(
        lp.explanation.contains("proxy Basic on /"),
        "{}",
        lp.explanation
    );
    let asked = one(&f, "proxy-auth-required");
    assert!(
        asked
            .explanation
            .contains("5 carried `Proxy-Authorization: Basic …` and the proxy refused")
            && asked
                .explanation
                .contains("2 carried no Proxy-Authorization"),
        "{}",
        asked.explanation
    );
    let clear = one(&f, "cleartext-credentials");
    assert!(
        clear.title.contains("proxy Basic credentials"),
        "{}",
        clear.title
    );
}

/// A proxy's 407 is about Proxy-Authorization: the origin's Authorization
/// user is not the one it refused, and a 401 is not the proxy's.
#[test]
fn the_user_of_a_refusal_is_the_one_its_status_judges() {
    let f = run(&[
        get(1, 0, C, H, "/")
            .basic("bob", "pw")
            .proxy_basic("alice", "wrong")
            .status(407)
            .proxy_challenge("Basic", &[("realm", "p")])
            .build(),
        get(2, 100, C, H, "/")
            .basic("bob", "wrong")
            .proxy_basic("alice", "right")
            .status(401)
            .challenge("Basic", &[("realm", "ops")])
            .build(),
    ]);
    let users: Vec<Option<&str>> = f
        .iter()
        .filter(|f| f.code == "invalid-credentials")
        .map(|f| f.user.as_deref())
        .collect();
    assert!(
        users.contains(&Some("alice")) && users.contains(&Some("bob")),
        "{users:?}"
    );

    // Only Proxy-Authorization: its user on a proxy's 403, not on a site's 401.
    let f = run(&[get(1, 0, C, "blocked.example", "/")
        .proxy_basic("alice", "pw")
        .status(403)
        .build()]);
    assert_eq!(
        one(&f, "cleartext-credentials").user.as_deref(),
        Some("alice")
    );
    let f = run(&[get(1, 0, C, H, "/")
        .proxy_basic("alice", "pw")
        .status(401)
        .challenge("Basic", &[("realm", "ops")])
        .build()]);
    let missing = one(&f, "missing-credentials");
    assert_eq!(missing.user, None, "{}", missing.title);
}

/// captures/scenarios/apache_digest_wrong_password.pcap: every Digest answer
/// hashes a fresh nonce, so distinct fingerprints are not distinct passwords.
#[test]
fn digest_refusals_do_not_count_nonces_as_passwords() {
    let refused = |id, ms, nonce| {
        get(id, ms, C, H, "/digest/")
            .digest("alice", nonce)
            .status(401)
            .challenge("Digest", &[("realm", "intranet"), ("qop", "auth")])
            .build()
    };
    let f = run(&[
        refused(1, 0, "n1"),
        refused(2, 200, "n2"),
        refused(3, 400, "n3"),
    ]);
    let invalid = one(&f, "invalid-credentials");
    assert_eq!(invalid.count, 3);
    assert!(
        !invalid.explanation.contains("different credentials"),
        "{}",
        invalid.explanation
    );
    assert!(
        invalid.explanation.contains("cannot tell"),
        "{}",
        invalid.explanation
    );
    // Basic fingerprints do identify the password.
    let basic = |id, ms, pw| {
        get(id, ms, C, H, "/")
            .basic("alice", pw)
            .status(401)
            .challenge("Basic", &[("realm", "ops")])
            .build()
    };
    let f = run(&[basic(1, 0, "a"), basic(2, 200, "b")]);
    let invalid = one(&f, "invalid-credentials");
    assert!(
        invalid.explanation.contains("2 different credentials"),
        "{}",
        invalid.explanation
    );
}

/// captures/scenarios/squid_proxy_ntlm.pcap: NTLM type 1 to a proxy answered
/// by a 407 carrying the type 2 is a handshake leg, not a refusal.
#[test]
fn proxy_ntlm_legs_are_the_dance_not_refusals() {
    use crate::model::NtlmMessage;
    let f = run(&[
        get(1, 0, C, H, "/")
            .ntlm("NTLM", NtlmMessage::Negotiate, None)
            .status(407)
            .ntlm_challenge("NTLM")
            .for_proxy()
            .build(),
        get(2, 10, C, H, "/")
            .conn(1)
            .ntlm("NTLM", NtlmMessage::Authenticate, Some("alice"))
            .status(200)
            .for_proxy()
            .build(),
    ]);
    expect(
        &f,
        &["proxy-auth-required"],
        &["invalid-credentials", "auth-loop", "connection-auth-broken"],
    );
    let asked = one(&f, "proxy-auth-required");
    assert!(
        asked.explanation.contains("1 carried NTLM handshake legs"),
        "{}",
        asked.explanation
    );
    assert!(
        !asked.explanation.contains("refused"),
        "{}",
        asked.explanation
    );
}

/// captures/scenarios/conflicting_auth_methods.pcap: an NTLM type 1 answered
/// by a bare `NTLM` challenge (no type 2) is a handshake the server would not
/// start; no password was checked, so the wording must not speak of a type 3.
#[test]
fn ntlm_type1_refused_is_worded_as_a_handshake_not_started() {
    use crate::model::NtlmMessage;
    let refused = |id, ms| {
        get(id, ms, C, H, "/portal")
            .conn(id)
            .ntlm("NTLM", NtlmMessage::Negotiate, None)
            .status(401)
            .challenge("NTLM", &[])
            .build()
    };
    let f = run(&[refused(1, 0), refused(2, 100)]);
    expect(&f, &["invalid-credentials"], &["connection-auth-broken"]);
    let invalid = one(&f, "invalid-credentials");
    assert!(
        invalid.title.contains("2 NTLM handshakes not started"),
        "{}",
        invalid.title
    );
    assert!(
        invalid.explanation.contains("no type 2 challenge")
            && !invalid.explanation.contains("type 3"),
        "{}",
        invalid.explanation
    );
    assert!(
        !invalid.fixes.iter().any(|x| x.contains("Re-enter")),
        "{:?}",
        invalid.fixes
    );
}

//! Regressions found by running recorded scenarios and the public corpus:
//! single sign-on round trips, short session expiry, logouts.

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

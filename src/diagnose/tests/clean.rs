//! Healthy traffic: the normal dance yields nothing above info except the
//! expected `cleartext-credentials` for Basic over plain http.

use super::super::testkit::{get, jwt, Ex};
use super::{quiet_except, run};
use crate::model::{ExchangeRecord, NtlmMessage};

const H: &str = "intranet.example";

fn basic_dance(out: &mut Vec<ExchangeRecord>) {
    let c = "10.0.1.1";
    out.push(
        get(100, 0, c, H, "/basic")
            .status(401)
            .challenge("Basic", &[("realm", "ops")])
            .build(),
    );
    out.push(
        get(101, 300, c, H, "/basic")
            .basic("alice", "right")
            .status(200)
            .build(),
    );
    out.push(
        get(102, 900, c, H, "/basic/img.png")
            .basic("alice", "right")
            .status(304)
            .build(),
    );
}

fn digest_with_stale_refresh(out: &mut Vec<ExchangeRecord>) {
    let c = "10.0.1.2";
    let offer = |e: Ex, nonce: &str, stale: &str| {
        e.challenge(
            "Digest",
            &[
                ("realm", "r"),
                ("nonce", nonce),
                ("qop", "auth"),
                ("stale", stale),
            ],
        )
    };
    out.push(offer(get(200, 0, c, H, "/d").status(401), "n1", "false").build());
    out.push(
        get(201, 100, c, H, "/d")
            .digest("alice", "n1")
            .status(200)
            .build(),
    );
    out.push(
        offer(
            get(202, 60_000, c, H, "/d")
                .digest("alice", "n1")
                .status(401),
            "n2",
            "true",
        )
        .build(),
    );
    out.push(
        get(203, 60_100, c, H, "/d")
            .digest("alice", "n2")
            .status(200)
            .build(),
    );
}

fn bearer_over_https(out: &mut Vec<ExchangeRecord>) {
    let c = "10.0.1.3";
    for i in 0..5u64 {
        let token = jwt(Some(3_600_000), Some(-60_000));
        out.push(
            get(300 + i, i as i64 * 1_000, c, "api.example", "/v1/items")
                .https()
                .bearer("jwt-ok", Some(token))
                .status(200)
                .build(),
        );
    }
}

/// A browser opening several connections, each doing anonymous → NTLM 1-2-3.
fn ntlm_parallel_connections(out: &mut Vec<ExchangeRecord>) {
    use NtlmMessage::{Authenticate, Negotiate};
    let c = "10.0.1.4";
    for k in 0..4u64 {
        let conn = 40 + k;
        let path = format!("/portal/res{k}");
        let base = k as i64 * 5;
        let id = 400 + k * 10;
        out.push(
            get(id, base, c, H, &path)
                .conn(conn)
                .status(401)
                .challenge("Negotiate", &[])
                .challenge("NTLM", &[])
                .build(),
        );
        out.push(
            get(id + 1, base + 40, c, H, &path)
                .conn(conn)
                .ntlm("NTLM", Negotiate, None)
                .status(401)
                .ntlm_challenge("NTLM")
                .build(),
        );
        out.push(
            get(id + 2, base + 80, c, H, &path)
                .conn(conn)
                .ntlm("NTLM", Authenticate, Some("alice"))
                .status(200)
                .build(),
        );
    }
    out.sort_by_key(|r| r.exchange.ts());
}

fn kerberos(out: &mut Vec<ExchangeRecord>) {
    let c = "10.0.1.5";
    out.push(
        get(500, 0, c, H, "/k")
            .status(401)
            .challenge("Negotiate", &[])
            .build(),
    );
    out.push(get(501, 30, c, H, "/k").kerberos().status(200).build());
}

fn login_redirect_then_success(out: &mut Vec<ExchangeRecord>) {
    let c = "10.0.1.6";
    let h = "shop.example";
    out.push(
        get(600, 0, c, h, "/account/orders")
            .status(302)
            .location("/login?next=/account/orders")
            .build(),
    );
    out.push(
        get(601, 100, c, h, "/login?next=/account/orders")
            .status(200)
            .build(),
    );
    out.push(
        get(602, 5_000, c, h, "/login")
            .method("POST")
            .status(302)
            .location("/account/orders")
            .set_cookie("sessionid", "0123456789abcdef0123", |_| {})
            .build(),
    );
    out.push(
        get(603, 5_100, c, h, "/account/orders")
            .cookie("sessionid", "0123456789abcdef0123")
            .status(200)
            .build(),
    );
    out.push(
        get(604, 6_000, c, h, "/static/app.css")
            .cookie("sessionid", "0123456789abcdef0123")
            .status(304)
            .build(),
    );
    out.push(
        get(605, 9_000, c, h, "/logout")
            .cookie("sessionid", "0123456789abcdef0123")
            .status(302)
            .location("/")
            .set_cookie("sessionid", "", |s| {
                s.expired = true;
                s.max_age = Some(0);
            })
            .build(),
    );
    out.push(get(606, 9_100, c, h, "/").status(200).build());
}

fn plain_browsing(out: &mut Vec<ExchangeRecord>) {
    let c = "10.0.1.7";
    out.push(
        get(700, 0, c, "www.example", "/")
            .status(301)
            .location("https://www.example/")
            .build(),
    );
    for i in 0..6u64 {
        out.push(
            get(
                701 + i,
                100 + i as i64 * 50,
                c,
                "www.example",
                &format!("/img/{i}.png"),
            )
            .https()
            .status(304)
            .build(),
        );
    }
}

#[test]
fn healthy_traffic_raises_nothing_but_expected_cleartext() {
    let mut recs = Vec::new();
    basic_dance(&mut recs);
    digest_with_stale_refresh(&mut recs);
    bearer_over_https(&mut recs);
    ntlm_parallel_connections(&mut recs);
    kerberos(&mut recs);
    login_redirect_then_success(&mut recs);
    plain_browsing(&mut recs);
    let f = run(&recs);
    quiet_except(&f, &["cleartext-credentials"]);
    let clear: Vec<_> = f
        .iter()
        .filter(|x| x.code == "cleartext-credentials")
        .collect();
    assert_eq!(clear.len(), 1, "only Basic over http is cleartext");
    assert_eq!(clear[0].count, 2);
}

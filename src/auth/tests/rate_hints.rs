//! Rate-limit and server-hint tables.

use super::{exchange, headers};
use crate::auth::{
    parse_iis_substatus, parse_rate_limit, parse_retry_after, AuthAnomaly, AuthExtractor,
};
use crate::model::Timestamp;

const NOW: i64 = 1_700_000_000;

#[test]
fn retry_after_table() {
    let now = Timestamp::from_secs(NOW);
    assert_eq!(
        parse_retry_after("120", now),
        Some(Timestamp::from_secs(NOW + 120))
    );
    // RFC 9110 §10.2.3 example date.
    assert_eq!(
        parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now),
        Some(Timestamp::from_secs(946_684_799))
    );
    assert_eq!(parse_retry_after("soon", now), None);
    assert!(parse_retry_after("99999999999999999999999", now).is_some());
}

#[test]
fn rate_limit_header_families_table() {
    type Row<'a> = (
        &'a str,
        &'a [(&'a str, &'a str)],
        Option<u64>,
        Option<u64>,
        Option<u64>,
    );
    let cases: &[Row<'_>] = &[
        (
            "IETF draft -08 items",
            &[
                ("RateLimit", "\"default\";r=50;t=30"),
                ("RateLimit-Policy", "\"default\";q=100;w=60"),
            ],
            Some(100),
            Some(50),
            Some(30),
        ),
        (
            "IETF draft -07 dictionary",
            &[("RateLimit", "limit=100, remaining=0, reset=5")],
            Some(100),
            Some(0),
            Some(5),
        ),
        (
            "IETF draft -03 separate fields",
            &[
                ("RateLimit-Limit", "10"),
                ("RateLimit-Remaining", "9"),
                ("RateLimit-Reset", "7"),
            ],
            Some(10),
            Some(9),
            Some(7),
        ),
        (
            "GitHub epoch reset",
            &[
                ("X-RateLimit-Limit", "5000"),
                ("X-RateLimit-Remaining", "4999"),
                ("X-RateLimit-Reset", "1700000300"),
            ],
            Some(5000),
            Some(4999),
            Some(300),
        ),
        (
            "Twitter family",
            &[
                ("x-rate-limit-limit", "900, 900;w=900"),
                ("x-rate-limit-remaining", "0"),
            ],
            Some(900),
            Some(0),
            None,
        ),
    ];
    for (why, hs, limit, remaining, reset) in cases {
        let mut notes = Vec::new();
        let v = parse_rate_limit(&headers(hs), Timestamp::from_secs(NOW), &mut notes).expect(why);
        assert!(notes.is_empty(), "{why}: {notes:?}");
        assert_eq!(
            (v.limit, v.remaining, v.reset_secs),
            (*limit, *remaining, *reset),
            "{why}"
        );
        assert_eq!(v.sources.len(), hs.len(), "{why}");
    }
    let mut notes = Vec::new();
    assert!(parse_rate_limit(
        &headers(&[("Server", "nginx")]),
        Timestamp::ZERO,
        &mut notes
    )
    .is_none());
    let v = parse_rate_limit(
        &headers(&[("X-RateLimit-Limit", "lots"), ("Retry-After", "later")]),
        Timestamp::ZERO,
        &mut notes,
    );
    assert!(v.is_some());
    assert!(
        notes.contains(&AuthAnomaly::RateLimitBadNumber)
            && notes.contains(&AuthAnomaly::RetryAfterBad)
    );
}

#[test]
fn iis_substatus_table() {
    type Row<'a> = (&'a str, u16, Option<(u16, u16)>);
    let cases: &[Row<'_>] = &[
        (
            "<title>IIS 10.0 Detailed Error - 401.1 - Unauthorized</title>",
            401,
            Some((401, 1)),
        ),
        (
            "<h3>HTTP Error 401.2 - Unauthorized</h3>",
            401,
            Some((401, 2)),
        ),
        ("HTTP Error 401.501 - Unauthorized", 401, Some((401, 501))),
        (
            "<h2>403.6 - Forbidden: IP address rejected.</h2>",
            403,
            Some((403, 6)),
        ),
        ("Version 10.0.19041.1 is 401 ok", 401, None),
        ("HTTP Error 404.0 - Not Found", 401, None),
    ];
    for (body, status, want) in cases {
        assert_eq!(
            parse_iis_substatus(&body.to_ascii_lowercase(), *status),
            *want,
            "{body}"
        );
    }
}

#[test]
fn server_hints_from_exchange() {
    let mut ex = AuthExtractor::new(super::key());
    let body = b"<html><head><title>IIS 10.0 Detailed Error - 403.6 - Forbidden</title></head><body>HTTP Error 403.6 - Forbidden: The IP address of the client has been rejected.</body></html>";
    let e = exchange(
        "/",
        &[],
        403,
        &[
            ("Server", "Microsoft-IIS/10.0"),
            ("Date", "Tue, 14 Nov 2023 22:13:50 GMT"),
        ],
        body,
        NOW,
    );
    let h = ex.extract(&e).hints;
    assert_eq!(h.iis_substatus, Some((403, 6)));
    assert_eq!(h.server_product.as_deref(), Some("IIS"));
    assert_eq!(h.date_skew_secs, Some(30));
    assert!(h.ip_denied && !h.header_too_large);

    // nginx 1.22 on loopback answering a 3000-byte Cookie (large_client_header_buffers 2 1k);
    // the prefix is gzip-compressed here to exercise the inflate path.
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(NGINX_400).unwrap();
    let e = exchange(
        "/",
        &[],
        400,
        &[("Server", "nginx/1.22.1")],
        &gz.finish().unwrap(),
        NOW,
    );
    let h = ex.extract(&e).hints;
    assert!(h.header_too_large);
    assert_eq!(h.server_product.as_deref(), Some("nginx"));

    let e = exchange("/", &[], 401, &[("X-Azure-Ref", "0abc")], b"", NOW);
    assert_eq!(
        ex.extract(&e).hints.server_product.as_deref(),
        Some("Azure Front Door")
    );
}

const NGINX_400: &[u8] = b"<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

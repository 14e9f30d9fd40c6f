//! Unit tests of one HAR entry to an exchange: HTTP/2 shapes (pseudo-headers,
//! split cookies), failed and request-only entries, cookie arrays.

use super::*;
use serde_json::json;

#[test]
fn chrome_http2_entry_becomes_an_exchange() {
    let e = json!({
        "startedDateTime": "2023-03-30T00:00:54.250Z",
        "connection": "4242",
        "serverIPAddress": "[2001:db8::1]",
        "request": {"method": "GET", "url": "https://example.org:8443/a?b=1#frag", "httpVersion": "http/2.0",
            "headers": [{"name": ":authority", "value": "example.org:8443"}, {"name": ":path", "value": "/a"},
                        ["authorization", "Bearer abc"]]},
        "response": {"status": 401, "httpVersion": "http/2.0", "statusText": "",
            "headers": [{"name": "www-authenticate", "value": "Bearer"}],
            "content": {"size": 5, "text": "bm9wZQ==", "encoding": "base64"}},
        "timings": {"blocked": 1.0, "dns": -1, "connect": -1, "send": 0.5, "wait": 10.0, "receive": 2.0}
    });
    let ex = to_exchange(&e, 3, Timestamp::ZERO).expect("exchange");
    let rq = ex.request.as_ref().expect("request");
    assert_eq!(rq.target, "/a?b=1");
    assert_eq!(rq.headers.get("host"), Some(&b"example.org:8443"[..]));
    assert_eq!(rq.headers.get("authorization"), Some(&b"Bearer abc"[..]));
    assert!(rq.headers.get(":path").is_none());
    let rs = ex.response.as_ref().expect("response");
    assert_eq!(rs.body_prefix, b"nope");
    assert_eq!(ex.server.port(), 8443);
    assert_eq!(ex.scheme, "https");
    assert_eq!(ex.latency_ms(), Some(11.5));
    assert!(ex.origin.conn().is_some());
}

#[test]
fn failed_and_request_only_entries_have_no_response() {
    let e = json!({"startedDateTime": "2023-03-30T00:00:54Z", "request": {"url": "http://h/"},
                   "response": {"status": 0}});
    // Playwright writes -1 for a request the browser blocked (CORS).
    let blocked = json!({"startedDateTime": "2023-03-30T00:00:54Z", "request": {"url": "https://h/"},
                         "response": {"status": -1, "headers": [], "_failureText": "net::ERR_FAILED"}});
    assert!(to_exchange(&blocked, 0, Timestamp::ZERO)
        .expect("ok")
        .response
        .is_none());
    assert!(to_exchange(&e, 0, Timestamp::ZERO)
        .expect("ok")
        .response
        .is_none());
    let e =
        json!({"startedDateTime": "2023-03-30T00:00:54+02:00", "request": {"url": "http://h/"}});
    assert!(to_exchange(&e, 0, Timestamp::ZERO)
        .expect("ok")
        .response
        .is_none());
    let t = Timestamp::from_secs(5);
    let ex = to_exchange(&json!({"request": {}}), 0, t).expect("ok");
    assert_eq!(
        (ex.ts(), ex.anomalies.clone()),
        (t, vec!["har_missing_time"])
    );
    assert_eq!(to_exchange(&json!([1]), 0, t), Err(EntryError::NoRequest));
}

#[test]
fn pseudo_headers_mean_http2_whatever_the_version_field_says() {
    // Playwright's entry for an HTTP/2 navigation that failed after its
    // 401 arrived: pseudo-headers, but "HTTP/1.1" on both sides.
    let e = json!({"startedDateTime": "2026-11-23T04:41:08Z",
        "request": {"method": "GET", "url": "https://intranet.test:8443/reports/", "httpVersion": "HTTP/1.1",
            "headers": [{"name": ":authority", "value": "intranet.test:8443"}, {"name": ":method", "value": "GET"},
                        {"name": "authorization", "value": "Basic eDp5"}]},
        "response": {"status": 401, "httpVersion": "HTTP/1.1", "headers": [{"name": "www-authenticate", "value": "Basic"}]}});
    let ex = to_exchange(&e, 0, Timestamp::ZERO).expect("ok");
    let rq = ex.request.as_ref().expect("request");
    assert_eq!(rq.version, HttpVersion::Http2);
    assert_eq!(
        ex.response.as_ref().map(|r| r.version),
        Some(HttpVersion::Http2)
    );
    let names: Vec<&[u8]> = rq.headers.fields().map(|(n, _)| n).collect();
    assert_eq!(names, [&b"Host"[..], b"authorization"]);
    // No pseudo-headers: the field is believed; HTTP/3 is kept.
    let plain = json!({"request": {"url": "http://h/", "httpVersion": "HTTP/1.1", "headers": [["Host", "h"]]}});
    let ex = to_exchange(&plain, 0, Timestamp::ZERO).expect("ok");
    assert_eq!(ex.request.map(|r| r.version), Some(HttpVersion::Http11));
    let h3 = json!({"request": {"url": "https://h/", "httpVersion": "h3", "headers": [[":method", "GET"]]}});
    let ex = to_exchange(&h3, 0, Timestamp::ZERO).expect("ok");
    assert_eq!(ex.request.map(|r| r.version), Some(HttpVersion::Http3));
}

#[test]
fn authority_and_host_give_one_host_and_split_cookies_stay_fields() {
    // Firefox lists `host` beside `:authority`; HTTP/2 lets a browser
    // send the cookie as several `cookie` fields (RFC 9113 §8.2.3).
    let e = json!({"startedDateTime": "2026-01-01T10:00:00Z",
        "request": {"url": "https://shop.example/cart", "httpVersion": "HTTP/2",
            "headers": [[":authority", "shop.example"], ["host", "shop.example"],
                        ["cookie", "sid=abc"], ["cookie", "theme=dark"], ["cookie", "lang=en"]]}});
    let ex = to_exchange(&e, 0, Timestamp::ZERO).expect("ok");
    let rq = ex.request.as_ref().expect("request");
    assert_eq!(rq.headers.get_all("host").count(), 1);
    let cookies: Vec<&[u8]> = rq.headers.get_all("cookie").collect();
    assert_eq!(cookies, [&b"sid=abc"[..], b"theme=dark", b"lang=en"]);
}

#[test]
fn cookie_arrays_fill_missing_headers() {
    let e = json!({"startedDateTime": "2023-03-30T00:00:54Z",
        "request": {"url": "http://h/", "cookies": [{"name": "sid", "value": "x"}]},
        "response": {"status": 302, "redirectURL": "/login",
            "cookies": [{"name": "sid", "value": "y", "path": "/", "secure": true, "httpOnly": true}]}});
    let ex = to_exchange(&e, 0, Timestamp::ZERO).expect("ok");
    assert_eq!(
        ex.request.as_ref().and_then(|r| r.headers.get("cookie")),
        Some(&b"sid=x"[..])
    );
    let rs = ex.response.as_ref().expect("response");
    assert_eq!(
        rs.headers.get("set-cookie"),
        Some(&b"sid=y; Path=/; HttpOnly; Secure"[..])
    );
    assert_eq!(rs.headers.get("location"), Some(&b"/login"[..]));
}

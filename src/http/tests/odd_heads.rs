//! Heads `httparse` rejects but browsers and servers accept, read after
//! sanitising (regressions from the corpus cross-check against tshark).

use super::support::*;

const EICAR_CHUNKED: &[u8] = b"5\r\nhello\r\n0\r\n\r\n";

fn one_response(head: &[u8], body: &[u8]) -> super::support::Run {
    let mut resp = head.to_vec();
    resp.extend_from_slice(body);
    run(&[
        c(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(&resp),
        c(b"GET /y HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 204 No Content\r\n\r\n"),
    ])
}

fn assert_two_answered(r: &super::support::Run, first: u16) {
    let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
    assert_eq!(got, [(Some("/x"), Some(first)), (Some("/y"), Some(204))]);
    assert_eq!(r.anomalies.get("http_sanitized_head"), Some(&1));
}

#[test]
fn http_odd_status_line_versions_read_as_http11() {
    // sv_http-evader-047 (HTTP/1.2), -048 (HTTP/2.0), -391 (NUL in the version).
    for version in [&b"HTTP/1.2"[..], b"HTTP/2.0", b"HTTP/1\0.1"] {
        let mut head = version.to_vec();
        head.extend_from_slice(b" 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n");
        let r = one_response(&head, EICAR_CHUNKED);
        assert_two_answered(&r, 200);
    }
}

#[test]
fn http_bare_cr_and_nul_in_fields_become_spaces() {
    // sv_http-evader-075, -285, -297 (bare CR), -291 (NUL in a field name).
    for fields in [
        &b"Transfer-Encoding: \r chunked\r\n"[..],
        b"Connection: keep-alive\r\n\r\r\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding\r :chunked\r\n",
    ] {
        let mut head = b"HTTP/1.1 200 ok\r\n".to_vec();
        head.extend_from_slice(fields);
        head.extend_from_slice(b"\r\n");
        let r = one_response(&head, EICAR_CHUNKED);
        assert_two_answered(&r, 200);
    }
    // The field with a NUL in its name is dropped; the body is delimited by
    // the connection's end.
    let head = b"HTTP/1.1 200 ok\r\nTransfer\0-encoding:chunked\r\n\r\n";
    let r = run(&[
        c(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(head),
        s(EICAR_CHUNKED),
    ]);
    assert_eq!(r.exchanges.len(), 1);
    assert_eq!(status(&r.exchanges[0]), Some(200));
}

#[test]
fn http_request_version_with_extra_digits_is_read() {
    // packets_weather_working.pcapng: a weather station sends `HTTP/1.0.8`.
    let r = run(&[
        c(b"GET /update?x=1 HTTP/1.0.8\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    ]);
    assert_eq!(r.exchanges.len(), 1);
    assert_eq!(target(&r.exchanges[0]), Some("/update?x=1"));
    assert_eq!(status(&r.exchanges[0]), Some(200));
    assert_eq!(
        r.exchanges[0].request.as_ref().map(|q| q.version),
        Some(crate::model::HttpVersion::Http10)
    );
}

#[test]
fn http_status_line_without_a_digit_after_the_slash_is_not_http() {
    let r = run(&[s(b"HTTP/x 200 ok\r\n\r\n")]);
    assert!(r.exchanges.is_empty());
}

#[test]
fn http_request_line_with_many_spaces_after_the_method_is_read() {
    // ndpi_http-manipulated.pcap: `GET` and 18 spaces; the server answered 200.
    let r = run(&[
        c(b"GET                  /long_uri HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    ]);
    assert_eq!(r.exchanges.len(), 1);
    assert_eq!(target(&r.exchanges[0]), Some("/long_uri"));
    assert_eq!(status(&r.exchanges[0]), Some(200));
}

#[test]
fn http_keep_alive_octet_before_the_first_request_is_skipped() {
    // scapy_http_chunk.pcap.gz: picked up mid-stream at a keep-alive probe's NUL.
    let r = run_cut(
        crate::http::HttpConfig::default(),
        true,
        &[
            c(b"\0"),
            c(b"GET /img HTTP/1.1\r\nHost: a\r\n\r\n"),
            s(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        ],
        &|_, _| Vec::new(),
    );
    assert_eq!(r.exchanges.len(), 1);
    assert_eq!(target(&r.exchanges[0]), Some("/img"));
    assert_eq!(status(&r.exchanges[0]), Some(200));
}

#[test]
fn http_request_target_with_spaces_is_kept_and_answered() {
    // sv_http-uri-spaces.pcap: the server answers 400; the exchange is kept.
    let r = run(&[
        c(b"GET /uri afterspace HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.0 400 Bad request syntax\r\nContent-Length: 0\r\n\r\n"),
    ]);
    assert_eq!(r.exchanges.len(), 1);
    assert_eq!(target(&r.exchanges[0]), Some("/uri afterspace"));
    assert_eq!(status(&r.exchanges[0]), Some(400));
}

#[test]
fn http_lower_case_status_line_is_a_response() {
    // zeek_http-lower-case.pcap: the server answers `http/1.1 200 OK`.
    let r = one_response(b"http/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", b"hello");
    assert_two_answered(&r, 200);
}

#[test]
fn http_content_length_with_leading_zeros_is_decimal() {
    // zeek_http261_variant-08-leading_zeros.pcap: `1*DIGIT` (RFC 9110 §8.6), so
    // the body is 5 bytes and the request after it is found.
    let r = run(&[
        c(b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 000000000000000000000000005\r\n\r\nhello"),
        c(b"GET /b HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        s(b"HTTP/1.1 204 No Content\r\n\r\n"),
    ]);
    let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
    assert_eq!(got, [(Some("/a"), Some(200)), (Some("/b"), Some(204))]);
    assert_eq!(r.exchanges[0].request.as_ref().map(|q| q.body_len), Some(5));
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
    let zero = run(&[
        c(b"POST /z HTTP/1.1\r\nHost: a\r\nContent-Length: 000\r\n\r\n"),
        s(b"HTTP/1.1 204 No Content\r\n\r\n"),
    ]);
    assert_eq!(status(&zero.exchanges[0]), Some(204));
    assert!(zero.anomalies.is_empty(), "{:?}", zero.anomalies);
}

#[test]
fn http_request_line_without_target_is_read_with_an_empty_target() {
    // zeek_no-uri.pcap: Apache answered `GET HTTP/1.1` with a 200.
    for line in [&b"GET HTTP/1.1\r\n"[..], b"OPTIONS  HTTP/1.0\n"] {
        let mut head = line.to_vec();
        head.extend_from_slice(b"Host: a\r\nAuthorization: Basic dTpw\r\n\r\n");
        let r = run(&[
            c(&head),
            s(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        ]);
        assert_eq!(r.exchanges.len(), 1);
        let req = r.exchanges[0].request.as_ref().expect("request");
        assert_eq!(req.target, "");
        assert!(req.headers.get("authorization").is_some());
        assert_eq!(status(&r.exchanges[0]), Some(200));
        assert_eq!(r.anomalies.get("http_sanitized_head"), Some(&1));
    }
}

#[test]
fn http_answer_to_a_first_request_that_is_not_http_is_kept() {
    // zeek_http-bad-request-with-version.pcap (bytes before the method),
    // zeek_methods.pcap (`OPTIONS` alone, a non-ASCII method, `GET /HTTP/1.1`).
    for first in [
        &b"\xdd\0\0\0 GET /txt HTTP/1.1\r\nHost: a\r\n\r\n"[..],
        b"OPTIONS\nHost: a\n\n",
        b"\xc3\x83\xc3\x82 / HTTP/1.1\nHost: a\n\n",
        b"GET /HTTP/1.1\nHost: a\n\n",
    ] {
        let r = run(&[
            c(first),
            c(b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\n"),
            s(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad"),
            s(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        ]);
        let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
        assert_eq!(
            got,
            [(None, Some(400)), (Some("/ok"), Some(200))],
            "{first:?}"
        );
        assert_eq!((r.stats.unparsed_streams, r.stats.orphan_responses), (0, 1));
    }
}

#[test]
fn http_client_and_server_both_not_http_is_given_up() {
    let r = run(&[c(b"\x16\x03\x01\x02\x00"), s(b"\x16\x03\x03\x00\x31")]);
    assert!(r.stopped() && r.exchanges.is_empty());
    assert_eq!(r.stats.unparsed_streams, 1);
    // Nothing from the server: counted as unparsed when the connection ends.
    let silent = run(&[c(b"\x16\x03\x01\x02\x00")]);
    assert!(silent.exchanges.is_empty());
    assert_eq!(silent.stats.unparsed_streams, 1);
    // A second client message that is not HTTP ends the wait.
    let twice = run(&[c(b"HELO x\r\n\r\nEHLO y\r\n\r\n")]);
    assert!(twice.stopped());
    assert_eq!(twice.stats.unparsed_streams, 1);
}

#[test]
fn http_non_utf8_request_target_is_kept_lossily() {
    // A Latin-1 or raw byte in the target (clients that do not percent-encode)
    // must not make the connection look like something other than HTTP.
    let r = run(&[
        c(b"GET /caf\xe9?q=\xff HTTP/1.1\r\nHost: a\r\nAuthorization: Basic dTpw\r\n\r\n"),
        s(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"),
        c(b"GET /y HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 204 No Content\r\n\r\n"),
    ]);
    let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
    assert_eq!(
        got,
        [
            (Some("/caf\u{fffd}?q=\u{fffd}"), Some(401)),
            (Some("/y"), Some(204))
        ]
    );
}

fn reason_of(r: &super::support::Run) -> Option<&str> {
    r.exchanges
        .first()
        .and_then(|e| e.response.as_ref())
        .map(|resp| resp.reason.as_str())
}

#[test]
fn http_reason_phrase_with_non_ascii_bytes_is_kept() {
    // obs-text in the reason phrase (RFC 9112 §4): UTF-8 from localised
    // servers, Latin-1 from old ones. httparse hands out no text for it.
    let utf8 = "HTTP/1.1 401 Nicht autorisiert – Zugriff verweigert\r\nContent-Length: 0\r\n\r\n";
    let r = one_response(utf8.as_bytes(), b"");
    assert_eq!(
        reason_of(&r),
        Some("Nicht autorisiert – Zugriff verweigert")
    );
    let latin1 = b"HTTP/1.1 403 Acc\xe8s interdit\r\nContent-Length: 0\r\n\r\n";
    let r = one_response(latin1, b"");
    assert_eq!(reason_of(&r), Some("Accès interdit"));
    let plain = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(reason_of(&one_response(plain, b"")), Some("Unauthorized"));
    let none = b"HTTP/1.1 401\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(reason_of(&one_response(none, b"")), Some(""));
}

//! Scripted conversations and the split-invariance property for [`HttpParser`].

mod odd_heads;
mod support;

use super::HttpConfig;
use crate::model::{ConnId, ExchangeOrigin, HttpVersion, StreamInterest};
use proptest::prelude::*;
use support::*;

#[test]
fn http_401_then_retry_with_credentials_pairs_both() {
    let r = run(&auth_retry());
    assert_eq!(r.exchanges.len(), 2);
    let (first, second) = (&r.exchanges[0], &r.exchanges[1]);
    assert_eq!(status(first), Some(401));
    assert_eq!(status(second), Some(200));
    assert_eq!((first.seq_on_conn, second.seq_on_conn), (0, 1));
    let req = second.request.as_ref().expect("request");
    assert_eq!(
        req.headers.get("authorization"),
        Some(&b"Basic dXNlcjpwYXNz"[..])
    );
    assert_eq!(req.method, "GET");
    assert_eq!(req.version, HttpVersion::Http11);
    assert_eq!((req.ts, req.ts_end), (at(3), at(3)));
    let resp = first.response.as_ref().expect("response");
    assert_eq!(resp.body_len, 6);
    assert_eq!(resp.body_prefix, b"denied");
    assert_eq!(
        resp.headers.iter().next().map(|(n, _)| n),
        Some("WWW-Authenticate")
    );
    assert_eq!(first.origin, ExchangeOrigin::Wire(ConnId(7)));
    assert_eq!(
        (first.client, first.server, first.scheme),
        (client(), server(), "http")
    );
    assert_eq!(
        second.response.as_ref().map(|r| r.body_prefix.len()),
        Some(0)
    );
    assert_eq!(
        (r.stats.requests, r.stats.responses, r.stats.unanswered),
        (2, 2, 0)
    );
    assert!(
        first.anomalies.is_empty() && r.anomalies.is_empty(),
        "{:?}",
        r.anomalies
    );
}

#[test]
fn http_pipelined_requests_pair_in_order() {
    let r = run(&pipelined());
    let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
    assert_eq!(
        got,
        [
            (Some("/1"), Some(200)),
            (Some("/2"), Some(200)),
            (Some("/3"), Some(404))
        ]
    );
    assert_eq!(
        r.exchanges[1].response.as_ref().map(|r| r.body_len),
        Some(3)
    );
    assert_eq!(
        r.exchanges[2]
            .response
            .as_ref()
            .map(|r| r.body_prefix.clone()),
        Some(b"gone".to_vec())
    );
}

#[test]
fn http_pipelining_cap_flushes_oldest_as_unanswered() {
    let cfg = HttpConfig {
        max_pending_requests: 2,
        ..HttpConfig::default()
    };
    let r = run_cut(cfg, false, &pipelined()[..1], &|_, _| Vec::new());
    assert_eq!(r.stats.unanswered, 3);
    assert_eq!(r.anomalies.get("http_too_many_pending"), Some(&1));
    assert_eq!(
        r.exchanges.iter().map(target).collect::<Vec<_>>(),
        [Some("/1"), Some("/2"), Some("/3")]
    );
}

#[test]
fn http_expect_100_continue_records_interim() {
    let r = run(&expect_continue());
    assert_eq!(r.exchanges.len(), 1);
    let ex = &r.exchanges[0];
    assert_eq!(status(ex), Some(201));
    assert_eq!(
        ex.response.as_ref().map(|r| r.interim.clone()),
        Some(vec![100])
    );
    let req = ex.request.as_ref().expect("request");
    assert_eq!((req.body_len, req.ts_end), (11, at(3)));
    assert_eq!(ex.response.as_ref().map(|r| r.ts), Some(at(4)));
}

#[test]
fn http_expect_continue_body_skipped_after_final_status() {
    let steps = expect_skipped();
    let r = run(&steps);
    assert_eq!(
        r.exchanges.iter().map(status).collect::<Vec<_>>(),
        [Some(401), Some(200)]
    );
    assert_eq!(r.anomalies.get("http_expect_body_not_sent"), Some(&1));
}

#[test]
fn http_head_304_204_have_no_body() {
    let r = run(&head_and_304());
    let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
    assert_eq!(
        got,
        [
            (Some("/big"), Some(200)),
            (Some("/etag"), Some(304)),
            (Some("/after"), Some(204))
        ]
    );
    assert!(r
        .exchanges
        .iter()
        .all(|e| e.response.as_ref().is_some_and(|r| r.body_len == 0)));
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn http_chunked_split_in_size_line_completes() {
    let steps = chunked_trailers();
    let whole = run(&steps);
    let split = run_cut(HttpConfig::default(), false, &steps, &|i, _| {
        if i == 2 {
            vec![1]
        } else {
            vec![]
        }
    });
    assert_eq!(
        (&whole.exchanges, &whole.stats),
        (&split.exchanges, &split.stats)
    );
    assert_eq!(whole.exchanges.len(), 1);
    let ex = &whole.exchanges[0];
    assert_eq!(ex.request.as_ref().map(|r| r.body_len), Some(4));
    let resp = ex.response.as_ref().expect("response");
    assert_eq!(resp.body_len, 42);
    // `Transfer-Encoding: gzip, chunked` without Content-Encoding: prefix is the raw payload.
    assert_eq!(resp.body_prefix.len(), 42);
    assert_eq!(resp.ts_end, at(3));
}

#[test]
fn http_close_delimited_body_ends_at_fin() {
    let r = run(&close_delimited());
    assert_eq!(r.exchanges.len(), 1);
    let resp = r.exchanges[0].response.as_ref().expect("response");
    assert_eq!((resp.body_len, resp.ts_end), (8, at(3)));
    assert_eq!(resp.body_prefix, b"no entry");
    assert_eq!(resp.version, HttpVersion::Http10);
}

#[test]
fn http_101_upgrade_stops_parsing() {
    let steps = vec![
        c(b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
        s(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"),
        c(b"\x81\x85abcd1234"),
    ];
    let r = run(&steps);
    assert_eq!(
        r.exchanges.iter().map(status).collect::<Vec<_>>(),
        [Some(101)]
    );
    assert_eq!(r.interests[2], StreamInterest::Ignore);
    assert_eq!(r.stats.upgraded_streams, 1);
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn http_connect_407_then_tunnel() {
    let steps = vec![
        c(b"CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n"),
        s(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\n\r\n"),
        c(b"CONNECT example.test:443 HTTP/1.1\r\nProxy-Authorization: Basic eDp5\r\n\r\n"),
        s(b"HTTP/1.1 200 Connection established\r\n\r\n"),
        c(b"\x16\x03\x01\x00\x05hello"),
    ];
    let r = run(&steps);
    assert_eq!(
        r.exchanges.iter().map(status).collect::<Vec<_>>(),
        [Some(407), Some(200)]
    );
    assert_eq!(
        r.exchanges[1].request.as_ref().map(|q| q.target.as_str()),
        Some("example.test:443")
    );
    assert_eq!(r.interests[4], StreamInterest::Ignore);
    assert_eq!(r.stats.upgraded_streams, 1);
}

#[test]
fn http_gap_in_body_keeps_stream() {
    let r = run(&gap_in_body());
    assert_eq!(r.exchanges.len(), 2);
    let first = &r.exchanges[0];
    assert_eq!(first.response.as_ref().map(|r| r.body_len), Some(10));
    assert_eq!(first.anomalies, ["http_body_gap"]);
    assert_eq!(target(&r.exchanges[1]), Some("/h"));
    assert_eq!(r.stats.resyncs, 0);
}

#[test]
fn http_gap_in_head_resyncs_at_next_request() {
    let r = run(&gap_in_head());
    assert_eq!(r.stats.resyncs, 1);
    assert_eq!(r.anomalies.get("http_gap_in_head"), Some(&1));
    let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
    assert_eq!(got, [(None, Some(200)), (Some("/b"), Some(200))]);
    assert_eq!(
        r.exchanges[1]
            .response
            .as_ref()
            .map(|r| r.body_prefix.len()),
        Some(0)
    );
    assert_eq!(r.stats.orphan_responses, 1);
}

#[test]
fn http_non_http_stream_ignored_on_first_bytes() {
    let tls = run(&[
        c(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
        s(b"\x16\x03\x03"),
    ]);
    // A client that does not speak HTTP leaves the verdict to the server's
    // first bytes (they could be a 400 worth a row); those end it.
    assert_eq!(tls.interests[1], StreamInterest::Continue);
    assert_eq!(tls.interests[2], StreamInterest::Ignore);
    assert_eq!(tls.stats.unparsed_streams, 1);
    let ssh = run(&[s(b"SSH-2.0-OpenSSH_9.6\r\n"), c(b"SSH-2.0-libssh\r\n")]);
    assert_eq!(ssh.interests[1], StreamInterest::Ignore);
    let smtp = run(&[s(b"220 mail.example.test ESMTP\r\n")]);
    assert!(smtp.stopped() && smtp.exchanges.is_empty());
}

#[test]
fn http_swapped_roles_are_corrected() {
    let steps = vec![
        s(b"GET /s HTTP/1.1\r\nHost: a\r\n\r\n"),
        c(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"),
    ];
    let r = run_cut(HttpConfig::default(), true, &steps, &|_, _| Vec::new());
    assert_eq!(r.exchanges.len(), 1);
    let ex = &r.exchanges[0];
    assert_eq!((ex.client, ex.server), (server(), client()));
    assert_eq!((target(ex), status(ex)), (Some("/s"), Some(401)));
    assert_eq!(ex.anomalies, ["http_roles_swapped"]);
}

#[test]
fn http_gzip_401_body_decoded_into_prefix() {
    let r = run(&gzip_401());
    let resp = r.exchanges[0].response.as_ref().expect("response");
    assert_eq!(resp.body_prefix, TOO_LARGE_PAGE);
    assert_eq!(resp.body_len, gzip(TOO_LARGE_PAGE).len() as u64);
}

#[test]
fn http_gzip_bomb_prefix_is_bounded() {
    let bomb = gzip(&vec![b'A'; 8 << 20]);
    let mut resp = format!(
        "HTTP/1.1 503 Busy\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        bomb.len()
    )
    .into_bytes();
    resp.extend_from_slice(&bomb);
    let r = run(&[c(b"GET / HTTP/1.1\r\n\r\n"), Step::Data(S2C, resp)]);
    let resp = r.exchanges[0].response.as_ref().expect("response");
    assert_eq!(resp.body_prefix.len(), 4096);
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
}

#[test]
fn http_lenient_heads_parse_with_anomalies() {
    let r = run(&lenient());
    let ex = &r.exchanges[0];
    let resp = ex.response.as_ref().expect("response");
    assert_eq!(resp.headers.get("x-folded"), Some(&b"one   two"[..]));
    assert_eq!(resp.body_len, 2);
    for code in ["http_bare_lf", "http_obs_fold", "http_lenient_head"] {
        assert!(
            ex.anomalies.contains(&code),
            "{code} missing from {:?}",
            ex.anomalies
        );
    }
}

#[test]
fn http_header_too_large_resyncs_and_keeps_error_page() {
    let cfg = HttpConfig {
        max_header_bytes: 256,
        ..HttpConfig::default()
    };
    let big = format!(
        "GET /big HTTP/1.1\r\nHost: a\r\nCookie: {}\r\n\r\n",
        "k=v; ".repeat(100)
    );
    let mut resp = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\n\r\n",
        TOO_LARGE_PAGE.len()
    )
    .into_bytes();
    resp.extend_from_slice(TOO_LARGE_PAGE);
    let steps = vec![
        c(big.as_bytes()),
        Step::Data(S2C, resp),
        c(b"GET /small HTTP/1.1\r\nHost: a\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    ];
    for cut in [0usize, 40, 200] {
        let r = run_cut(cfg.clone(), false, &steps, &move |i, _| {
            if i == 0 && cut > 0 {
                vec![cut]
            } else {
                vec![]
            }
        });
        assert_eq!(r.anomalies.get("http_header_too_large"), Some(&1));
        let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
        assert_eq!(got, [(None, Some(400)), (Some("/small"), Some(200))]);
        assert_eq!(
            r.exchanges[0].response.as_ref().map(|r| &r.body_prefix[..]),
            Some(TOO_LARGE_PAGE)
        );
    }
}

#[test]
fn http_unanswered_request_emitted_at_close() {
    let r = run(&[c(b"GET /lost HTTP/1.1\r\nHost: a\r\n\r\n")]);
    assert_eq!(r.exchanges.len(), 1);
    assert!(r.exchanges[0].response.is_none());
    assert_eq!(r.stats.unanswered, 1);
}

#[test]
fn http_conflicting_content_length_is_an_anomaly() {
    let steps = vec![
        c(b"GET / HTTP/1.1\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
    ];
    let r = run(&steps);
    assert_eq!(r.exchanges[0].anomalies, ["http_bad_content_length"]);
    assert_eq!(r.anomalies.get("http_bad_content_length"), Some(&1));
}

/// Every offset of every step, one cut at a time.
#[test]
fn http_split_at_every_offset_equals_single_shot() {
    for (name, steps) in fixtures() {
        let whole = run(&steps);
        assert!(!whole.exchanges.is_empty(), "{name}: no exchanges");
        for (i, step) in steps.iter().enumerate() {
            let Step::Data(_, bytes) = step else { continue };
            for off in 1..bytes.len() {
                let cut = run_cut(HttpConfig::default(), false, &steps, &|j, _| {
                    if j == i {
                        vec![off]
                    } else {
                        vec![]
                    }
                });
                assert_eq!(
                    cut.exchanges, whole.exchanges,
                    "{name}: step {i} cut at {off}"
                );
                assert_eq!(
                    (&cut.stats, &cut.anomalies),
                    (&whole.stats, &whole.anomalies),
                    "{name}"
                );
            }
        }
    }
}

proptest! {
    #[test]
    fn http_random_multi_cuts_equal_single_shot(
        which in 0usize..11,
        seeds in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let fixtures = fixtures();
        let (name, steps) = &fixtures[which % fixtures.len()];
        let whole = run(steps);
        let cut = run_cut(HttpConfig::default(), false, steps, &|i, len| {
            if len == 0 {
                return Vec::new();
            }
            let mut offs: Vec<usize> = seeds.iter().map(|s| s.wrapping_add(i * 7919) % len).collect();
            offs.sort_unstable();
            offs.dedup();
            offs
        });
        prop_assert_eq!(&cut.exchanges, &whole.exchanges, "{}", name);
        prop_assert_eq!(&cut.stats, &whole.stats);
        prop_assert_eq!(&cut.anomalies, &whole.anomalies);
    }

    #[test]
    fn http_arbitrary_bytes_never_panic(
        a in proptest::collection::vec(any::<u8>(), 0..300),
        b in proptest::collection::vec(any::<u8>(), 0..300),
        gap in 0u64..50,
    ) {
        let mut req = b"GET / HTTP/1.1\r\n".to_vec();
        req.extend_from_slice(&a);
        let mut resp = b"HTTP/1.1 200 OK\r\n".to_vec();
        resp.extend_from_slice(&b);
        let steps = vec![Step::Data(C2S, req), Step::Gap(S2C, gap), Step::Data(S2C, resp.clone()), Step::Data(S2C, resp)];
        let r = run_cut(HttpConfig::default(), true, &steps, &|_, len| vec![len / 3]);
        prop_assert!(r.exchanges.len() <= 8);
    }
}

/// 20,000 keep-alive exchanges with MSS-sized response segments all pair up
/// (throughput is measured by benchmarks, never in tests).
#[test]
fn http_many_keepalive_exchanges_in_segments_all_pair() {
    let n = 20_000;
    let body = vec![b'x'; 2000];
    let mut steps = Vec::new();
    let mut total = 0usize;
    for i in 0..n {
        let req = format!("GET /item/{i} HTTP/1.1\r\nHost: example.test\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\nCookie: session=abcdef0123456789; theme=dark\r\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig\r\n\r\n");
        let mut resp = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nCache-Control: no-store\r\nSet-Cookie: a=b; Path=/; HttpOnly\r\n\r\n", body.len()).into_bytes();
        resp.extend_from_slice(&body);
        total += req.len() + resp.len();
        steps.push(c(req.as_bytes()));
        steps.extend(resp.chunks(1460).map(s));
    }
    let r = run(&steps);
    assert_eq!(r.exchanges.len(), n);
    assert!(total > n * 2000);
}

/// Response heads that real servers send, and the anomalies each must leave.
#[rstest::rstest]
#[case::clean(&b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"[..], &[][..])]
#[case::bare_lf(&b"HTTP/1.1 200 OK\nContent-Length: 0\n\n"[..], &["http_bare_lf"][..])]
#[case::space_before_colon(&b"HTTP/1.1 200 OK\r\nServer : x\r\nContent-Length: 0\r\n\r\n"[..], &["http_lenient_head"][..])]
#[case::two_spaces_in_status(&b"HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n"[..], &["http_lenient_head"][..])]
#[case::bad_field_line(&b"HTTP/1.1 200 OK\r\nBad Field: x\r\nContent-Length: 0\r\n\r\n"[..], &["http_invalid_header_ignored"][..])]
#[case::same_length_twice(&b"HTTP/1.1 200 OK\r\nContent-Length: 0, 0\r\n\r\n"[..], &[][..])]
#[case::negative_length(&b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"[..], &["http_bad_content_length"][..])]
#[case::te_and_cl(&b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"[..], &["http_te_and_cl"][..])]
fn http_response_head_table(#[case] head: &[u8], #[case] expected: &[&str]) {
    let r = run(&[c(b"GET / HTTP/1.1\r\n\r\n"), s(head)]);
    assert_eq!(r.exchanges.len(), 1, "{:?}", r.anomalies);
    assert_eq!(status(&r.exchanges[0]), Some(200));
    let got: Vec<&str> = r.exchanges[0].anomalies.to_vec();
    assert_eq!(got, expected);
}

#[test]
fn http_gap_past_chunk_resyncs_at_next_response() {
    let steps = vec![
        c(b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
        Step::Gap(S2C, 30),
        s(b"x\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    ];
    let r = run(&steps);
    let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
    assert_eq!(got, [(Some("/1"), Some(200)), (Some("/2"), Some(200))]);
    assert_eq!(r.exchanges[0].anomalies, ["http_body_gap"]);
    assert_eq!(r.stats.resyncs, 1);
}

#[test]
fn http_midstream_capture_skips_to_first_message() {
    let steps = vec![
        s(b"tail of an earlier body\r\nmore\r\nHTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"),
        c(b"GET /next HTTP/1.1\r\n\r\n"),
        s(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    ];
    let r = run_cut(HttpConfig::default(), true, &steps, &|_, _| Vec::new());
    let got: Vec<_> = r.exchanges.iter().map(|e| (target(e), status(e))).collect();
    assert_eq!(got, [(None, Some(401)), (Some("/next"), Some(200))]);
    assert_eq!(r.stats.orphan_responses, 1);
    assert!(!r.stopped());
}

//! Criterion benches of every auth parser in `src/auth/`, each on a typical
//! value: `Authorization` credentials (Basic, Bearer with a JWT, Digest, NTLM
//! type 3, Negotiate/SPNEGO, AWS SigV4) through `parse_authorization`, the
//! scheme dispatcher the extractor calls; `WWW-Authenticate` lists and an
//! NTLM type 2 challenge through `parse_challenges`; `Cookie` and
//! `Set-Cookie`; the rate-limit header families; and `parse_headers` over a
//! whole request/response header set. Throughput is in header-value bytes.
//! NTLM and SPNEGO blobs are the MS-NLMP §4.2.4 and LDAP SASL test vectors
//! the unit tests use; every credential is made up.
//!
//! ```text
//! cargo bench --bench auth
//! ```

mod support;

use authscope::auth::{
    parse_authorization, parse_challenges, parse_cookie_header, parse_headers, parse_rate_limit,
    parse_set_cookie,
};
use authscope::model::{ChallengeTarget, FingerprintKey, Headers, Timestamp};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use std::hint::black_box;

/// MS-NLMP §4.2.4.3 AUTHENTICATE_MESSAGE (NTLMv2).
const NTLM_AUTHENTICATE: &str = "4e544c4d5353500003000000180018006c00000054005400840000000c000c00480000000800080054000000100010005c00000010001000d8000000358288e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000c5dad2544fc9799094ce1ce90bc9d03e";
/// MS-NLMP §4.2.4.3 CHALLENGE_MESSAGE.
const NTLM_CHALLENGE: &str = "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000";
/// SPNEGO NegTokenInit carrying a Kerberos AP-REQ (placeholder ciphertext).
const SPNEGO_KRB5_INIT: &str = "6081d006062b0601050502a081c53081c2a024302206092a864882f71201020206092a864886f712010202060a2b06010401823702020aa2819904819660819306092a864886f71201020201006e8183308180a003020105a10302010ea20703050020000000a3526150304ea003020105a10a1b08434f52502e434f4da221301fa003020102a11830161b04636966731b0e66696c65732e636f72702e636f6da3183016a003020112a103020103a20a0408cccccccccccccccca4173015a003020112a20e040cffffffffffffffffffffffff";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2).expect("even length"), 16).expect("hex"))
        .collect()
}

fn jwt() -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT","kid":"bench-key-1"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        br#"{"iss":"https://idp.example.com/","sub":"alice","aud":"api://items","exp":1709254800,"iat":1709251200,"nbf":1709251200,"scope":"items.read items.write","jti":"5f1c2d3e"}"#,
    );
    let signature = URL_SAFE_NO_PAD.encode([0x5au8; 256]);
    format!("{header}.{claims}.{signature}")
}

/// `(name, Authorization value)` for each scheme.
fn credentials() -> Vec<(&'static str, String)> {
    vec![
        ("basic", format!("Basic {}", STANDARD.encode("alice:correct-horse-battery"))),
        ("bearer_jwt", format!("Bearer {}", jwt())),
        (
            "digest",
            "Digest username=\"alice\", realm=\"files@example.com\", \
             nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", uri=\"/dir/index.html\", \
             algorithm=SHA-256, response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", \
             qop=auth, nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", \
             opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
                .to_string(),
        ),
        ("ntlm_type3", format!("NTLM {}", STANDARD.encode(hex(NTLM_AUTHENTICATE)))),
        ("negotiate_spnego", format!("Negotiate {}", STANDARD.encode(hex(SPNEGO_KRB5_INIT)))),
        (
            "sigv4",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240301/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
                .to_string(),
        ),
    ]
}

fn bench_value<F, R>(
    group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    len: usize,
    f: F,
) where
    F: Fn() -> R,
{
    group.throughput(Throughput::Bytes(len as u64));
    group.bench_function(name, |b| b.iter(|| black_box(f())));
}

fn authorization(c: &mut Criterion) {
    let key = FingerprintKey::fixed(7);
    let mut group = c.benchmark_group("auth/authorization");
    for (name, value) in credentials() {
        let amz_date = (name == "sigv4").then_some("20240301T000000Z");
        let mut notes = Vec::new();
        let cred = parse_authorization(
            value.as_bytes(),
            ChallengeTarget::Server,
            amz_date,
            &key,
            &mut notes,
        );
        assert!(notes.is_empty(), "{name}: {notes:?}");
        black_box(cred);
        bench_value(&mut group, name, value.len(), || {
            let mut notes = Vec::new();
            parse_authorization(
                value.as_bytes(),
                ChallengeTarget::Server,
                amz_date,
                &key,
                &mut notes,
            )
        });
    }
    group.finish();
}

fn challenges(c: &mut Criterion) {
    let cases = [
        (
            "www_authenticate_list",
            "Negotiate, NTLM, Basic realm=\"Corporate Intranet\", charset=\"UTF-8\", \
             Digest realm=\"files@example.com\", qop=\"auth, auth-int\", algorithm=SHA-256, \
             nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", \
             Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token expired\""
                .to_string(),
        ),
        ("ntlm_type2", format!("NTLM {}", STANDARD.encode(hex(NTLM_CHALLENGE)))),
    ];
    let mut group = c.benchmark_group("auth/challenges");
    for (name, value) in cases {
        let mut notes = Vec::new();
        assert!(
            !parse_challenges(value.as_bytes(), ChallengeTarget::Server, &mut notes).is_empty()
        );
        bench_value(&mut group, name, value.len(), || {
            let mut notes = Vec::new();
            parse_challenges(value.as_bytes(), ChallengeTarget::Server, &mut notes)
        });
    }
    group.finish();
}

fn cookies(c: &mut Criterion) {
    let key = FingerprintKey::fixed(7);
    let now = Timestamp::from_secs(1_709_251_200);
    let cookie = "_ga=GA1.2.1000042.1709251200; theme=dark; lang=en-GB; \
                  session=9f8e7d6c5b4a39281706f5e4d3c2b1a0; csrftoken=Zm9vYmFyYmF6cXV4";
    let set_cookie = "session=9f8e7d6c5b4a39281706f5e4d3c2b1a0; Path=/; Domain=app.example.com; \
                      Expires=Fri, 01 Mar 2024 01:00:00 GMT; Max-Age=3600; Secure; HttpOnly; SameSite=Lax";
    let mut group = c.benchmark_group("auth/cookies");
    let mut notes = Vec::new();
    assert_eq!(
        parse_cookie_header(cookie.as_bytes(), &key, &mut notes).len(),
        5
    );
    bench_value(&mut group, "cookie_header", cookie.len(), || {
        let mut notes = Vec::new();
        parse_cookie_header(cookie.as_bytes(), &key, &mut notes)
    });
    bench_value(&mut group, "set_cookie", set_cookie.len(), || {
        let mut notes = Vec::new();
        parse_set_cookie(set_cookie.as_bytes(), now, &key, &mut notes)
    });
    group.finish();
}

fn headers(pairs: &[(&str, &str)]) -> Headers {
    let mut h = Headers::new();
    for (name, value) in pairs {
        h.push(name, value.as_bytes());
    }
    h
}

fn rate_limit(c: &mut Criterion) {
    let now = Timestamp::from_secs(1_709_251_200);
    let resp = headers(&[
        ("Date", "Fri, 01 Mar 2024 00:00:00 GMT"),
        ("Content-Type", "application/json"),
        ("Retry-After", "30"),
        ("RateLimit-Policy", "100;w=60"),
        ("RateLimit", "limit=100, remaining=0, reset=30"),
        ("X-RateLimit-Limit", "100"),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", "1709251230"),
    ]);
    let mut notes = Vec::new();
    assert!(parse_rate_limit(&resp, now, &mut notes).is_some());
    let mut group = c.benchmark_group("auth/rate_limit");
    bench_value(&mut group, "headers", resp.byte_len(), || {
        let mut notes = Vec::new();
        parse_rate_limit(&resp, now, &mut notes)
    });
    group.finish();
}

/// Every parser over one realistic header set: a browser's request with a
/// Bearer token and cookies, answered by a `401` with challenges.
fn all_headers(c: &mut Criterion) {
    let key = FingerprintKey::fixed(7);
    let bearer = format!("Bearer {}", jwt());
    let req = headers(&[
        ("Host", "app.example.com"),
        (
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ),
        (
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        ("Authorization", &bearer),
        (
            "Cookie",
            "_ga=GA1.2.1000042.1709251200; theme=dark; session=9f8e7d6c5b4a3928",
        ),
    ]);
    let resp = headers(&[
        ("Date", "Fri, 01 Mar 2024 00:00:00 GMT"),
        ("Server", "nginx"),
        (
            "WWW-Authenticate",
            "Bearer realm=\"api\", error=\"invalid_token\"",
        ),
        ("WWW-Authenticate", "Basic realm=\"app\", charset=\"UTF-8\""),
        (
            "Set-Cookie",
            "session=; Path=/; Max-Age=0; Secure; HttpOnly",
        ),
        ("Content-Length", "0"),
    ]);
    let mut group = c.benchmark_group("auth/headers");
    bench_value(
        &mut group,
        "request_and_401",
        req.byte_len() + resp.byte_len(),
        || {
            let mut notes = Vec::new();
            parse_headers(&req, &resp, &key, &mut notes)
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = support::criterion();
    targets = authorization, challenges, cookies, rate_limit, all_headers
}
criterion_main!(benches);

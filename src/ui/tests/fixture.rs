//! A hand-built snapshot for the dashboard tests: a Bearer 401 loop, a Basic
//! login that sets a cookie, a 429 burst, a 403 whose header and body carry
//! terminal escape sequences, and an unanswered request. Credentials are made up.

use crate::model::*;
use crate::ui::{ReplayStatus, Theme, UiState};
use std::net::SocketAddr;
use std::sync::Arc;

/// Capture time of the first exchange: 2024-05-01T10:00:00Z.
pub const T0: i64 = 1_714_557_600;

pub const EVIL: &[u8] = b"x\x1b]0;pwned\x07y\x1b[2Jz";

fn key() -> FingerprintKey {
    FingerprintKey::fixed(7)
}

fn client() -> SocketAddr {
    "10.0.0.7:51000".parse().expect("literal address")
}

fn server() -> SocketAddr {
    "192.0.2.10:80".parse().expect("literal address")
}

fn request(ts: Timestamp, method: &str, target: &str, extra: &[(&str, &[u8])]) -> HttpRequest {
    let mut headers = Headers::new();
    headers.push("Host", b"api.example.com");
    for (n, v) in extra {
        headers.push(n, v);
    }
    HttpRequest {
        ts,
        ts_end: ts,
        method: method.into(),
        target: target.into(),
        version: HttpVersion::Http11,
        headers,
        body_len: 0,
    }
}

fn response(ts: Timestamp, status: u16, extra: &[(&str, &[u8])], body: &[u8]) -> HttpResponse {
    let mut headers = Headers::new();
    for (n, v) in extra {
        headers.push(n, v);
    }
    HttpResponse {
        ts,
        ts_end: ts,
        version: HttpVersion::Http11,
        status,
        reason: "Reason".into(),
        headers,
        interim: Vec::new(),
        body_len: body.len() as u64,
        body_prefix: body.to_vec(),
    }
}

fn exchange(id: u64, req: Option<HttpRequest>, resp: Option<HttpResponse>) -> HttpExchange {
    HttpExchange {
        id: ExchangeId(id),
        origin: ExchangeOrigin::Wire(ConnId(1)),
        client: client(),
        server: server(),
        scheme: "http",
        seq_on_conn: id as u32,
        request: req,
        response: resp,
        anomalies: Vec::new(),
    }
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs(T0 + secs)
}

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl";

fn bearer_401(id: u64, secs: i64) -> ExchangeRecord {
    let auth_value = format!("Bearer {JWT}");
    let req = request(
        at(secs),
        "GET",
        "/api/orders?access_token=tok123&page=2",
        &[("Authorization", auth_value.as_bytes())],
    );
    let challenge = b"Bearer realm=\"api\", error=\"invalid_token\"";
    let resp = response(at(secs), 401, &[("WWW-Authenticate", challenge)], b"");
    let jwt = JwtView {
        alg: Some("HS256".into()),
        sub: Some("bob".into()),
        exp: Some(at(secs - 180)),
        ..JwtView::default()
    };
    let auth = AuthView {
        credentials: vec![Credential {
            target: ChallengeTarget::Server,
            scheme: "Bearer".into(),
            kind: CredentialKind::Bearer {
                token: Secret::new(JWT, &key()),
                jwt: Some(std::sync::Arc::new(jwt)),
            },
            fingerprint: key().fingerprint(auth_value.as_bytes()),
        }],
        challenges: vec![Challenge {
            target: ChallengeTarget::Server,
            scheme: "Bearer".into(),
            params: vec![
                ChallengeParam {
                    name: "realm".into(),
                    value: "api".into(),
                },
                ChallengeParam {
                    name: "error".into(),
                    value: "invalid_token".into(),
                },
            ],
            token68: None,
            ntlm: None,
            negotiate: None,
        }],
        ..AuthView::default()
    };
    ExchangeRecord {
        exchange: exchange(id, Some(req), Some(resp)),
        auth,
    }
}

fn basic_login(id: u64, secs: i64) -> ExchangeRecord {
    let req = request(
        at(secs),
        "POST",
        "/login",
        &[("Authorization", b"Basic YWxpY2U6aHVudGVyMg==")],
    );
    let set = b"sid=s3cr3tsession; Path=/; Secure; HttpOnly";
    let resp = response(at(secs), 200, &[("Set-Cookie", set)], b"");
    let auth = AuthView {
        credentials: vec![Credential {
            target: ChallengeTarget::Server,
            scheme: "Basic".into(),
            kind: CredentialKind::Basic {
                user: "alice".into(),
                password: Secret::new("hunter2", &key()),
            },
            fingerprint: key().fingerprint(b"Basic YWxpY2U6aHVudGVyMg=="),
        }],
        set_cookies: vec![SetCookie {
            name: "sid".into(),
            value: Secret::new("s3cr3tsession", &key()),
            expires: None,
            max_age: None,
            domain: None,
            path: Some("/".into()),
            secure: true,
            http_only: true,
            same_site: None,
            partitioned: false,
            size: 16,
            expired: false,
        }],
        ..AuthView::default()
    };
    ExchangeRecord {
        exchange: exchange(id, Some(req), Some(resp)),
        auth,
    }
}

fn rate_limited(id: u64, secs: i64) -> ExchangeRecord {
    let req = request(at(secs), "GET", "/report", &[]);
    let resp = response(at(secs), 429, &[("Retry-After", b"30")], b"slow down\n");
    let auth = AuthView {
        rate_limit: Some(RateLimitView {
            retry_after_raw: Some("30".into()),
            remaining: Some(0),
            sources: vec!["Retry-After".into()],
            ..RateLimitView::default()
        }),
        ..AuthView::default()
    };
    ExchangeRecord {
        exchange: exchange(id, Some(req), Some(resp)),
        auth,
    }
}

fn evil(id: u64, secs: i64) -> ExchangeRecord {
    let req = request(at(secs), "GET", "/evil\x1b[2J", &[("X-Evil", EVIL)]);
    let mut body = b"<h1>denied</h1>\n".to_vec();
    body.extend_from_slice(EVIL);
    let resp = response(at(secs), 403, &[("X-Title", EVIL)], &body);
    ExchangeRecord {
        exchange: exchange(id, Some(req), Some(resp)),
        auth: AuthView::default(),
    }
}

fn finding(id: u32, code: &'static str, sev: Severity, title: &str, ev: &[u64]) -> Finding {
    Finding {
        id: FindingId(id),
        code,
        severity: sev,
        title: title.into(),
        explanation: "the client keeps sending an expired token".into(),
        fixes: vec!["refresh the token before it expires".into()],
        evidence: ev.iter().map(|&e| ExchangeId(e)).collect(),
        client: Some(client().ip()),
        origin: Some("api.example.com:80".into()),
        user: None,
        first_ts: at(0),
        last_ts: at(3),
        count: ev.len() as u64,
        caused_by: None,
        revision: 1,
    }
}

/// The fixture snapshot.
pub fn snapshot() -> AnalysisSnapshot {
    let mut records = vec![
        bearer_401(0, 0),
        basic_login(1, 1),
        bearer_401(2, 2),
        bearer_401(3, 3),
        rate_limited(4, 5),
        rate_limited(5, 5),
        evil(6, 6),
    ];
    let unanswered = ExchangeRecord {
        exchange: exchange(7, Some(request(at(8), "GET", "/slow", &[])), None),
        auth: AuthView::default(),
    };
    records.push(unanswered);
    let mut src = SourceStats::new("captures/demo.pcap", SourceKind::Pcap);
    src.packets = 1234;
    src.bytes = 56_789;
    let timeline = (0..=8)
        .map(|s| TimelineBucket {
            sec: T0 + s,
            total: 1,
            s401: u32::from(matches!(s, 0 | 2 | 3)),
            s403: u32::from(s == 6),
            s429: if s == 5 { 2 } else { 0 },
            ..TimelineBucket::default()
        })
        .collect();
    let evil_title = format!("title {}", String::from_utf8_lossy(EVIL));
    AnalysisSnapshot {
        sources: vec![src],
        stats: Stats {
            exchanges: records.len() as u64,
            ..Stats::default()
        },
        exchanges: records.into_iter().map(Arc::new).collect(),
        findings: vec![
            finding(
                1,
                "auth-loop",
                Severity::Error,
                "3 × 401 from api.example.com:80",
                &[0, 2, 3],
            ),
            finding(
                2,
                "rate-limited",
                Severity::Warning,
                "2 × 429 on /report",
                &[4, 5],
            ),
            finding(3, "forbidden", Severity::Info, &evil_title, &[6]),
        ],
        timeline,
        thresholds: Thresholds::default(),
        notes: Vec::new(),
        finished: true,
    }
}

/// A finished replay of the fixture.
pub fn status() -> ReplayStatus {
    ReplayStatus {
        source_label: "captures/demo.pcap".into(),
        clock: Some(at(8)),
        bytes_total: Some(60_000),
        loading: false,
        ..ReplayStatus::default()
    }
}

/// A state over the fixture, sized for a `w`×`h` terminal.
pub fn state(w: u16, h: u16, color: bool) -> UiState {
    let mut s = UiState::new(Arc::new(snapshot()), status(), Theme::new(color));
    let rows = crate::ui::views::list_rows(ratatui::layout::Rect::new(0, 0, w, h), &s);
    s.set_list_rows(rows);
    s
}

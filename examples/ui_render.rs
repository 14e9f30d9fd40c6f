//! Times the dashboard with 100,000 synthetic exchanges: the first frame (state
//! built from the snapshot, then drawn) and steady frames, at 80×24 and 160×48,
//! into an in-memory buffer. Run with
//! `cargo run --release --example ui_render [-- N]`.

use authscope::model::{
    AnalysisSnapshot, AuthView, Challenge, ChallengeTarget, ConnId, Credential, CredentialKind,
    ExchangeId, ExchangeOrigin, ExchangeRecord, Finding, FindingId, FingerprintKey, Headers,
    HttpExchange, HttpRequest, HttpResponse, HttpVersion, Secret, Severity, TimelineBucket,
    Timestamp,
};
use authscope::ui::views::{list_rows, render_dashboard};
use authscope::ui::{Action, ReplayStatus, Theme, UiState};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::Arc;
use std::time::{Duration, Instant};

const T0: i64 = 1_714_557_600;

fn record(i: u64, key: &FingerprintKey) -> ExchangeRecord {
    let ts = Timestamp::from_micros((T0 * 1_000_000).saturating_add(i as i64 * 20_000));
    let mut rq = Headers::new();
    rq.push("Host", format!("api{}.example.com", i % 7).as_bytes());
    rq.push("Authorization", b"Basic YWxpY2U6d3Jvbmc=");
    let status = if i % 5 == 0 { 401 } else { 200 };
    let mut rs = Headers::new();
    if status == 401 {
        rs.push("WWW-Authenticate", b"Basic realm=\"ops\"");
    }
    let exchange = HttpExchange {
        id: ExchangeId(i),
        origin: ExchangeOrigin::Wire(ConnId(i / 4)),
        client: format!("10.0.{}.{}:5{:04}", (i / 250) % 250, i % 250, i % 10_000)
            .parse()
            .expect("synthetic address"),
        server: "192.0.2.10:80".parse().expect("literal address"),
        scheme: "http",
        seq_on_conn: (i % 4) as u32,
        request: Some(HttpRequest {
            ts,
            ts_end: ts,
            method: "GET".into(),
            target: format!("/api/items/{i}?page=2"),
            version: HttpVersion::Http11,
            headers: rq,
            body_len: 0,
        }),
        response: Some(HttpResponse {
            ts,
            ts_end: ts,
            version: HttpVersion::Http11,
            status,
            reason: "OK".into(),
            headers: rs,
            interim: Vec::new(),
            body_len: 0,
            body_prefix: Vec::new(),
        }),
        anomalies: Vec::new(),
    };
    let auth = AuthView {
        credentials: vec![Credential {
            target: ChallengeTarget::Server,
            scheme: "Basic".into(),
            kind: CredentialKind::Basic {
                user: "alice".into(),
                password: Secret::new("wrong", key),
            },
            fingerprint: key.fingerprint(b"Basic YWxpY2U6d3Jvbmc="),
        }],
        challenges: if status == 401 {
            vec![Challenge {
                target: ChallengeTarget::Server,
                scheme: "Basic".into(),
                params: Vec::new(),
                token68: None,
                ntlm: None,
                negotiate: None,
            }]
        } else {
            Vec::new()
        },
        ..AuthView::default()
    };
    ExchangeRecord { exchange, auth }
}

fn snapshot(n: u64) -> AnalysisSnapshot {
    let key = FingerprintKey::fixed(1);
    let exchanges: Vec<Arc<ExchangeRecord>> = (0..n).map(|i| Arc::new(record(i, &key))).collect();
    let timeline = (0..(n / 50).max(1))
        .map(|s| TimelineBucket {
            sec: T0 + s as i64,
            total: 50,
            s401: 10,
            ..TimelineBucket::default()
        })
        .collect();
    let findings = (0..20)
        .map(|f| Finding {
            id: FindingId(f),
            code: "invalid-credentials",
            severity: Severity::Error,
            title: format!("Basic credentials rejected on api{f}.example.com"),
            explanation: "the same password keeps being rejected".into(),
            fixes: vec!["re-enter the password".into()],
            evidence: (0..50)
                .map(|e| ExchangeId(u64::from(f) * 1000 + e * 5))
                .collect(),
            client: None,
            origin: None,
            user: Some("alice".into()),
            first_ts: Timestamp::from_secs(T0),
            last_ts: Timestamp::from_secs(T0 + 10),
            count: 50,
            caused_by: None,
            revision: 1,
        })
        .collect();
    let mut snap = AnalysisSnapshot {
        exchanges,
        timeline,
        findings,
        finished: true,
        ..AnalysisSnapshot::default()
    };
    snap.stats.exchanges = n;
    snap
}

fn draw(state: &UiState, buf: &mut Buffer) {
    render_dashboard(buf.area, buf, state);
}

fn time_frames(state: &mut UiState, w: u16, h: u16, label: &str) {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    let frames = 200u32;
    let start = Instant::now();
    for i in 0..frames {
        state.apply(if i % 2 == 0 {
            Action::Down
        } else {
            Action::PageDown
        });
        draw(state, &mut buf);
    }
    let per = start.elapsed() / frames;
    println!("  {label:<34} {w}x{h}: {:>8.3} ms/frame", ms(per));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let snap = Arc::new(snapshot(n));
    println!("built {n} synthetic exchanges in {:.1} ms", ms(t.elapsed()));
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let start = Instant::now();
        let mut state = UiState::new(Arc::clone(&snap), ReplayStatus::default(), Theme::new(true));
        let rows = list_rows(Rect::new(0, 0, w, h), &state);
        state.set_list_rows(rows);
        let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
        draw(&state, &mut buf);
        println!("first frame {w}x{h}: {:.3} ms", ms(start.elapsed()));
        time_frames(&mut state, w, h, "list focused");
        state.apply(Action::NextPane);
        time_frames(&mut state, w, h, "diagnosis focused");
        state.apply(Action::NextPane);
        time_frames(&mut state, w, h, "flow focused (conversation scan)");
        state.apply(Action::NextPane);
        state.apply(Action::Open);
        time_frames(&mut state, w, h, "detail view");
        state.apply(Action::Back);
        let filter = authscope::ui::filter::Filter::parse("status:401 host:api3");
        let start = Instant::now();
        let matching = authscope::ui::filter::visible(&snap, &filter, false);
        println!(
            "  full re-filter of {n} exchanges ({} match): {:.3} ms",
            matching.len(),
            ms(start.elapsed())
        );
        state.filter = filter;
        let mut grown = (*snap).clone();
        let key = FingerprintKey::fixed(1);
        grown
            .exchanges
            .extend((n..n + 1000).map(|i| Arc::new(record(i, &key))));
        let start = Instant::now();
        state.set_snapshot(Arc::new(grown));
        println!(
            "  snapshot with 1,000 appended, filtered incrementally: {:.3} ms",
            ms(start.elapsed())
        );
        time_frames(&mut state, w, h, "list, filtered");
    }
}

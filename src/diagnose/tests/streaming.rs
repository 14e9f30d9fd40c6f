//! Streaming behaviour, `caused_by` links, sanitized input and ranking.

use super::super::testkit::{at, get};
use super::super::Diagnoser;
use super::{by_id, expect, one, run};
use crate::model::{ExchangeRecord, Finding, NtlmMessage, Severity, Thresholds};
use std::collections::BTreeSet;

const C: &str = "10.0.0.7";
const H: &str = "intranet.example";

fn scenario() -> Vec<ExchangeRecord> {
    let mut recs: Vec<ExchangeRecord> = (0..12)
        .map(|i| {
            get(i, i as i64 * 1_000, C, H, "/api")
                .basic("alice", "stale")
                .status(401)
                .challenge("Basic", &[("realm", "ops")])
                .build()
        })
        .collect();
    recs.push(
        get(20, 2_500, "10.0.0.8", H, "/api")
            .status(401)
            .challenge("Basic", &[])
            .build(),
    );
    recs.push(
        get(21, 3_000, "10.0.0.9", H, "/login")
            .method("POST")
            .status(200)
            .set_cookie("sid", "0123456789abcdef0123", |c| c.secure = true)
            .build(),
    );
    recs.push(get(22, 4_000, "10.0.0.9", H, "/home").status(200).build());
    recs.push(
        get(23, 90_000, C, H, "/api")
            .basic("alice", "stale")
            .status(401)
            .challenge("Basic", &[])
            .build(),
    );
    recs.sort_by_key(|r| r.exchange.ts());
    recs
}

type Norm = (
    String,
    &'static str,
    Severity,
    u64,
    Vec<u64>,
    Option<&'static str>,
);

fn normalise(f: &[Finding]) -> BTreeSet<Norm> {
    f.iter()
        .map(|x| {
            let cause = x.caused_by.map(|c| by_id(f, c).code);
            (
                x.title.clone(),
                x.code,
                x.severity,
                x.count,
                x.evidence.iter().map(|e| e.0).collect(),
                cause,
            )
        })
        .collect()
}

#[test]
fn streaming_keeps_one_id_per_loop_and_equals_batch() {
    let recs = scenario();
    let batch = run(&recs);
    let mut d = Diagnoser::new(Thresholds::default());
    let mut loop_ids = BTreeSet::new();
    let mut revisions = Vec::new();
    for r in &recs {
        d.observe(r);
        d.tick(r.exchange.ts());
        for id in d.drain_changed() {
            let f = d.finding(id).expect("changed id exists");
            if f.code == "auth-loop" {
                loop_ids.insert(id);
                revisions.push(f.revision);
            }
        }
    }
    d.tick(at(200_000));
    d.finish();
    let streamed = d.findings();
    assert_eq!(loop_ids.len(), 1, "a growing loop keeps its id");
    assert!(
        revisions.windows(2).all(|w| w[0] < w[1]),
        "revisions grow: {revisions:?}"
    );
    // All 12 failures within the window belong to the loop; the late one does not.
    assert_eq!(one(&streamed, "auth-loop").count, 12);
    assert_eq!(normalise(&batch), normalise(&streamed));
    expect(
        &streamed,
        &[
            "missing-credentials",
            "cookie-not-returned",
            "invalid-credentials",
        ],
        &[],
    );
}

#[test]
fn drain_changed_is_empty_when_nothing_grew() {
    let mut d = Diagnoser::new(Thresholds::default());
    d.observe(&get(1, 0, C, H, "/").status(200).build());
    assert!(d.drain_changed().is_empty());
    d.observe(&get(2, 0, C, H, "/").basic("a", "b").status(200).build());
    assert_eq!(d.drain_changed().len(), 1);
    assert!(d.drain_changed().is_empty());
}

fn loop_cause(recs: &[ExchangeRecord]) -> &'static str {
    let f = run(recs);
    let l = one(&f, "auth-loop");
    by_id(&f, l.caused_by.expect("auth-loop has a cause")).code
}

#[test]
fn auth_loop_causes() {
    let repeat = |make: &dyn Fn(u64) -> ExchangeRecord| (0..5).map(make).collect::<Vec<_>>();
    let ms = |i: u64| i as i64 * 500;
    assert_eq!(
        loop_cause(&repeat(&|i| get(i, ms(i), C, H, "/")
            .basic("alice", "old")
            .status(401)
            .challenge("Basic", &[])
            .build())),
        "invalid-credentials"
    );
    assert_eq!(
        loop_cause(&repeat(&|i| get(i, ms(i), C, H, "/")
            .bearer("t", Some(super::super::testkit::jwt(Some(-1_000), None)))
            .status(401)
            .challenge("Bearer", &[])
            .build())),
        "token-expired"
    );
    assert_eq!(
        loop_cause(&repeat(&|i| get(i, ms(i), C, H, "/")
            .bearer("t", None)
            .status(401)
            .challenge("NTLM", &[])
            .build())),
        "scheme-mismatch"
    );
    assert_eq!(
        loop_cause(&repeat(&|i| get(i, ms(i), C, H, "/")
            .digest("a", "n")
            .status(401)
            .challenge("Digest", &[("stale", "true")])
            .build())),
        "stale-nonce"
    );
    assert_eq!(
        loop_cause(&repeat(&|i| get(i, ms(i), C, H, "/")
            .status(401)
            .challenge("Basic", &[])
            .build())),
        "missing-credentials"
    );
    let ntlm: Vec<ExchangeRecord> = (0..5u64)
        .flat_map(|i| {
            [
                get(i * 2, ms(i), C, H, "/")
                    .conn(i * 2)
                    .ntlm("NTLM", NtlmMessage::Negotiate, None)
                    .status(401)
                    .ntlm_challenge("NTLM")
                    .build(),
                get(i * 2 + 1, ms(i) + 50, C, H, "/")
                    .conn(i * 2 + 1)
                    .ntlm("NTLM", NtlmMessage::Authenticate, Some("alice"))
                    .status(401)
                    .challenge("NTLM", &[])
                    .build(),
            ]
        })
        .collect();
    assert_eq!(loop_cause(&ntlm), "connection-auth-broken");
}

#[test]
fn sanitized_input_never_reports_missing_credentials_or_cookies() {
    let recs = scenario();
    let mut d = Diagnoser::new(Thresholds::default());
    d.set_credentials_stripped(true);
    for r in &recs {
        d.observe(r);
    }
    d.finish();
    expect(
        &d.findings(),
        &["auth-loop"],
        &["missing-credentials", "cookie-not-returned"],
    );
}

#[test]
fn findings_are_ranked_and_evidence_is_bounded() {
    let mut recs: Vec<ExchangeRecord> = (0..300)
        .map(|i| {
            get(i, i as i64 * 50, C, H, "/api")
                .basic("alice", "old")
                .status(401)
                .challenge("Basic", &[])
                .build()
        })
        .collect();
    recs.push(
        get(1000, 0, "10.0.0.8", H, "/")
            .basic("bob", "pw")
            .status(200)
            .build(),
    );
    let f = run(&recs);
    let sev: Vec<Severity> = f.iter().map(|x| x.severity).collect();
    assert!(sev.windows(2).all(|w| w[0] >= w[1]), "{sev:?}");
    for w in f.windows(2) {
        if w[0].severity == w[1].severity {
            assert!(w[0].count >= w[1].count);
        }
    }
    let l = one(&f, "auth-loop");
    assert_eq!(l.count, 300);
    assert_eq!(l.evidence.len(), super::super::findings::MAX_EVIDENCE);
    assert_eq!(f.last().map(|x| x.code), Some("cleartext-credentials"));
}

/// A loop's explanation quotes its cause's title with the cause's count: when
/// the cause keeps growing after the loop stopped (rejections too far apart to
/// loop), the quote follows, whether texts were written after every exchange
/// (a stream) or only at the end, and the stream is told of the new text.
#[test]
fn loop_quotes_its_cause_as_it_is_at_the_end() {
    let rejected = |i: u64, ms: i64| {
        get(i, ms, C, H, "/api")
            .basic("alice", "old")
            .status(401)
            .challenge("Basic", &[("realm", "ops")])
            .build()
    };
    let mut recs: Vec<ExchangeRecord> = (0..5).map(|i| rejected(i, i as i64 * 400)).collect();
    recs.push(rejected(5, 100_000));
    recs.push(rejected(6, 200_000));
    let check = |f: &[Finding]| {
        let l = one(f, "auth-loop");
        assert_eq!(l.count, 5, "the late rejections are not a loop");
        let cause = by_id(f, l.caused_by.expect("loop has a cause"));
        assert_eq!(cause.count, 7);
        assert!(
            l.explanation.contains(&cause.title),
            "loop quotes a stale cause: {} / {}",
            l.explanation,
            cause.title
        );
    };
    check(&run(&recs));
    let mut d = Diagnoser::new(Thresholds::default());
    let mut re_sent = false;
    for r in &recs {
        d.observe(r);
        let changed = d.drain_changed();
        let loop_id = d
            .findings()
            .iter()
            .find(|f| f.code == "auth-loop")
            .map(|f| f.id);
        if r.exchange.id.0 >= 5 && loop_id.is_some_and(|l| changed.contains(&l)) {
            re_sent = true;
        }
    }
    d.finish();
    let _ = d.drain_changed();
    check(&d.findings());
    assert!(re_sent, "the loop's new text was not marked changed");
}

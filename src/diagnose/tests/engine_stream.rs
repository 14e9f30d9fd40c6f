//! Recorded scenarios through the real engine, packet by packet with events
//! on: the events tell the story as it happens, a growing loop keeps one id,
//! and the end state equals a batch run of the same file.

use crate::engine::{Engine, EngineConfig, EngineEvent};
use crate::model::{Finding, FindingId, FingerprintKey, Timestamp};
use crate::source::open_inputs;
use std::collections::{BTreeMap, BTreeSet};

fn scenario(name: &str) -> String {
    format!("{}/captures/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn engine(emit_events: bool) -> Engine {
    Engine::new(EngineConfig {
        fingerprint_key: FingerprintKey::fixed(7),
        emit_events,
        ..EngineConfig::default()
    })
}

/// Comparable view of findings: everything but ids, with causes by code.
type Norm = BTreeSet<(String, String, u64, Vec<u64>, Option<String>)>;

fn normalise(f: &[Finding]) -> Norm {
    let code_of = |id: FindingId| f.iter().find(|x| x.id == id).map(|x| x.code.to_string());
    f.iter()
        .map(|x| {
            (
                x.code.to_string(),
                x.title.clone(),
                x.count,
                x.evidence.iter().map(|e| e.0).collect(),
                x.caused_by.and_then(code_of),
            )
        })
        .collect()
}

fn batch(file: &str) -> Vec<Finding> {
    let mut src = open_inputs(&[scenario(file)]).expect("open");
    let mut e = engine(false);
    while let Ok(Some(item)) = src.next_item() {
        e.feed(item);
    }
    e.finish();
    e.snapshot(Vec::new(), Vec::new()).findings
}

/// Streams `file`, returning the final findings and every finding event.
fn stream(file: &str) -> (Vec<Finding>, Vec<Finding>) {
    let mut src = open_inputs(&[scenario(file)]).expect("open");
    let mut e = engine(true);
    let mut events = Vec::new();
    let mut last: Option<Timestamp> = None;
    while let Ok(Some(item)) = src.next_item() {
        e.feed(item);
        if let Some(now) = e.clock() {
            if last != Some(now) {
                e.tick(now);
                last = Some(now);
            }
        }
        for ev in e.drain_events() {
            if let EngineEvent::Finding(f) = ev {
                events.push(*f);
            }
        }
    }
    e.finish();
    for ev in e.drain_events() {
        if let EngineEvent::Finding(f) = ev {
            events.push(*f);
        }
    }
    (e.snapshot(Vec::new(), Vec::new()).findings, events)
}

#[test]
fn streamed_scenarios_end_like_the_batch_run() {
    for file in [
        "basic_wrong_password_loop.pcap",
        "login_redirect_loop_secure_cookie.pcap",
        "rate_limit_burst_429.pcap",
        "ntlm_split_connections.pcap",
        "missing_credentials.pcap",
    ] {
        let b = batch(file);
        let (s, events) = stream(file);
        assert!(!b.is_empty(), "{file}: no findings");
        assert_eq!(normalise(&s), normalise(&b), "{file}");
        // The last event of each finding is its final state.
        let mut latest: BTreeMap<FindingId, &Finding> = BTreeMap::new();
        for f in &events {
            latest.insert(f.id, f);
        }
        let from_events: Vec<Finding> = latest.values().map(|f| (*f).clone()).collect();
        assert_eq!(normalise(&from_events), normalise(&s), "{file}: events");
    }
}

#[test]
fn a_growing_loop_keeps_one_finding_id() {
    let (findings, events) = stream("basic_wrong_password_loop.pcap");
    let loops: Vec<&Finding> = events.iter().filter(|f| f.code == "auth-loop").collect();
    let ids: BTreeSet<FindingId> = loops.iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), 1, "one auth-loop id: {ids:?}");
    assert!(loops.len() >= 2, "the loop is re-emitted as it grows");
    let counts: Vec<u64> = loops.iter().map(|f| f.count).collect();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    assert!(counts.first() < counts.last(), "{counts:?}");
    let revisions: Vec<u32> = loops.iter().map(|f| f.revision).collect();
    assert!(revisions.windows(2).all(|w| w[0] < w[1]), "{revisions:?}");
    let final_loop = findings
        .iter()
        .find(|f| f.code == "auth-loop")
        .expect("loop");
    assert_eq!(Some(final_loop.id), ids.first().copied());
    assert_eq!(counts.last(), Some(&final_loop.count));
}

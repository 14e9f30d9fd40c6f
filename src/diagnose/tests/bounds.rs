//! Bounded state under a flood of distinct clients.

use super::super::testkit::get;
use super::super::{findings::MAX_FINDINGS, Diagnoser, Limits};
use crate::model::Thresholds;
use std::net::Ipv4Addr;

#[test]
fn a_million_clients_keep_state_bounded() {
    // Optimised builds run the full million; debug builds a fifth of it.
    let n: u32 = if cfg!(debug_assertions) {
        200_000
    } else {
        1_000_000
    };
    let limits = Limits::default();
    let mut d = Diagnoser::new(Thresholds::default());
    let mut peak = 0;
    for i in 0..n {
        let client = Ipv4Addr::from(0x0a00_0000 + i).to_string();
        // One 401 per client, 0.5 ms apart: some idle expiry, mostly cap eviction.
        let rec = get(
            u64::from(i),
            i64::from(i) / 2,
            &client,
            "intranet.example",
            "/api",
        )
        .status(401)
        .challenge("Basic", &[])
        .build();
        d.observe(&rec);
        if i % 1024 == 0 {
            d.tick(rec.exchange.ts());
            peak = peak.max(d.stats().conversations);
        }
    }
    d.finish();
    let s = d.stats();
    assert!(peak <= limits.max_conversations, "peak {peak}");
    assert!(s.conversations <= limits.max_conversations);
    assert!(
        s.conversations_evicted + s.conversations_expired
            >= u64::from(n) - limits.max_conversations as u64
    );
    assert!(s.findings <= MAX_FINDINGS);
    assert!(s.findings_dropped > 0);
    let c = s.counters();
    assert_eq!(c.conversations_evicted, s.conversations_evicted);
    assert_eq!(c.findings_dropped, s.findings_dropped);
    assert!(c.lost_anything());
    assert!(!Diagnoser::new(Thresholds::default())
        .stats()
        .counters()
        .lost_anything());
    let _ = Limits {
        max_conversations: 1,
        ..limits
    };
}

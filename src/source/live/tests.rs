//! Unit tests of the capture queue, the ring sizing and the link-type mapping.

use super::*;

#[test]
fn default_filter_adds_extra_ports_once() {
    let f = default_filter(&[9000, 80]);
    assert_eq!(
        f,
        "tcp and (port 80 or port 8080 or port 8000 or port 8008 or port 3000 \
         or port 5000 or port 9000)"
    );
}

#[test]
fn raw_ip_dlt_becomes_linktype_raw() {
    assert_eq!(pcapng_link_type(12), 101);
    assert_eq!(pcapng_link_type(14), 101);
    assert_eq!(pcapng_link_type(1), 1);
    assert_eq!(pcapng_link_type(113), 113);
}

#[test]
fn ring_grows_for_large_mtu_only() {
    const MIB: i32 = 1 << 20;
    // Ethernet: 2048 slots of ~1.6 KiB fit in the 16 MiB asked for.
    assert_eq!(ring_bytes(16, 262_144, Some(1500)), 16 * MIB);
    // Loopback: 2048 slots of ~64 KiB.
    let lo = ring_bytes(16, 262_144, Some(65_536));
    assert!((2048 * 65_536..=256 * MIB).contains(&lo), "{lo}");
    // A small snap length keeps slots small.
    assert_eq!(ring_bytes(16, 1024, Some(65_536)), 16 * MIB);
    // Unknown MTU: the snap length bounds the slot; growth is capped.
    assert_eq!(ring_bytes(16, 262_144, None), 256 * MIB);
    // An explicit larger buffer is kept.
    assert_eq!(ring_bytes(512, 262_144, Some(65_536)), 512 * MIB);
}

#[test]
fn full_queue_counts_drops_and_never_blocks() {
    let (tx, rx) = sync_channel(2);
    let shared = Shared::default();
    for _ in 0..5 {
        assert!(enqueue(&tx, &shared, Timestamp::ZERO, 10, &[0u8; 10]));
    }
    assert_eq!(shared.packets.load(Ordering::Relaxed), 5);
    assert_eq!(shared.queue_dropped.load(Ordering::Relaxed), 3);
    assert_eq!(shared.queued_bytes.load(Ordering::Relaxed), 20);
    drop(rx);
    assert!(!enqueue(&tx, &shared, Timestamp::ZERO, 10, &[0u8; 10]));
}

#[test]
fn byte_cap_drops_before_the_frame_cap() {
    let (tx, _rx) = sync_channel(16);
    let shared = Shared::default();
    let big = vec![0u8; QUEUE_BYTES / 2 + 1];
    assert!(enqueue(&tx, &shared, Timestamp::ZERO, 0, &big));
    assert!(enqueue(&tx, &shared, Timestamp::ZERO, 0, &big));
    assert_eq!(shared.queue_dropped.load(Ordering::Relaxed), 1);
    assert_eq!(shared.queued_bytes.load(Ordering::Relaxed), big.len());
}

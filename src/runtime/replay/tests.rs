//! Engine-thread tests over a fake source: no terminal, bounded waits on the
//! status channel instead of sleeps.

use super::*;
use crate::model::{ConnId, ExchangeId, ExchangeOrigin, HttpExchange, SourceKind, SourceStats};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Exchanges one per second of capture time, then the end or an error.
struct FakeSource {
    items: std::vec::IntoIter<HttpExchange>,
    fail_at_end: bool,
    read: u64,
}

impl Source for FakeSource {
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, InputError> {
        match self.items.next() {
            Some(e) => {
                self.read += 1;
                Ok(Some(SourceItem::Exchange(Box::new(e))))
            }
            None if self.fail_at_end => Err(InputError {
                path: "fake.pcap".into(),
                message: "truncated record".into(),
            }),
            None => Ok(None),
        }
    }

    fn stats(&self) -> Vec<SourceStats> {
        let mut s = SourceStats::new("fake.pcap", SourceKind::Pcap);
        s.packets = self.read;
        vec![s]
    }
}

fn exchange(i: u64) -> HttpExchange {
    HttpExchange {
        id: ExchangeId(0),
        origin: ExchangeOrigin::Wire(ConnId(1)),
        client: "10.0.0.1:5000".parse().expect("literal"),
        server: "10.0.0.2:80".parse().expect("literal"),
        scheme: "http",
        seq_on_conn: 0,
        request: None,
        response: Some(crate::model::HttpResponse {
            ts: Timestamp::from_secs(1_700_000_000 + i as i64),
            ts_end: Timestamp::from_secs(1_700_000_000 + i as i64),
            version: crate::model::HttpVersion::Http11,
            status: 401,
            reason: "Unauthorized".into(),
            headers: Default::default(),
            interim: Vec::new(),
            body_len: 0,
            body_prefix: Vec::new(),
        }),
        anomalies: Vec::new(),
    }
}

struct Harness {
    snaps: watch::Receiver<Arc<AnalysisSnapshot>>,
    status: watch::Receiver<ReplayStatus>,
    ctrl: mpsc::Sender<Control>,
    opened: Arc<AtomicUsize>,
    thread: std::thread::JoinHandle<()>,
}

fn start(n: u64, speed: Speed, paused: bool, fail: Option<bool>) -> Harness {
    let (snap_tx, snaps) = watch::channel(Arc::new(AnalysisSnapshot::default()));
    let (status_tx, status) = watch::channel(ReplayStatus::default());
    let (ctrl, ctrl_rx) = mpsc::channel();
    let opened = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&opened);
    let open: Opener = Box::new(move || {
        count.fetch_add(1, Ordering::SeqCst);
        match fail {
            None => Err(InputError {
                path: "fake.pcap".into(),
                message: "not a capture\x1b[2J".into(),
            }),
            Some(fail_at_end) => Ok(Box::new(FakeSource {
                items: (0..n).map(exchange).collect::<Vec<_>>().into_iter(),
                fail_at_end,
                read: 0,
            }) as Box<dyn Source>),
        }
    });
    let replayer = Replayer {
        open,
        config: EngineConfig::default(),
        speed,
        paused,
        anchor: None,
        snap_tx,
        status_tx,
        ctrl_rx,
        status: ReplayStatus::default(),
        last_publish: None,
        dirty: false,
    };
    let thread = std::thread::spawn(move || replayer.run());
    Harness {
        snaps,
        status,
        ctrl,
        opened,
        thread,
    }
}

/// Blocks (bounded) until the status satisfies `pred`.
fn wait_status(h: &mut Harness, pred: impl Fn(&ReplayStatus) -> bool) -> ReplayStatus {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let waited = tokio::time::timeout(Duration::from_secs(20), h.status.wait_for(pred));
        waited
            .await
            .expect("status in time")
            .expect("sender alive")
            .clone()
    })
}

fn quit(h: Harness) {
    h.ctrl.send(Control::Quit).expect("engine thread alive");
    h.thread.join().expect("engine thread ends cleanly");
}

#[test]
fn max_speed_loads_everything_and_publishes_the_end() {
    let mut h = start(50, Speed::Max, false, Some(false));
    let st = wait_status(&mut h, |s| !s.loading);
    assert!(st.error.is_none());
    let snap = h.snaps.borrow().clone();
    assert!(snap.finished);
    assert_eq!(snap.stats.exchanges, 50);
    assert_eq!(st.clock, Some(Timestamp::from_secs(1_700_000_049)));
    quit(h);
}

#[test]
fn paused_start_feeds_nothing_until_resumed() {
    let mut h = start(20, Speed::Max, true, Some(false));
    let st = wait_status(&mut h, |s| s.paused);
    assert!(st.loading);
    assert_eq!(h.snaps.borrow().stats.exchanges, 0);
    h.ctrl.send(Control::TogglePause).expect("alive");
    wait_status(&mut h, |s| !s.loading);
    assert_eq!(h.snaps.borrow().stats.exchanges, 20);
    quit(h);
}

#[test]
fn seek_to_start_reopens_and_seek_to_end_stops_pacing() {
    // A slow pace: 1 s of capture per 100 s of wall time would never finish.
    let mut h = start(10, Speed::Factor(0.01), false, Some(false));
    h.ctrl.send(Control::SeekEnd).expect("alive");
    let st = wait_status(&mut h, |s| !s.loading);
    assert_eq!(st.speed, Speed::Max);
    h.ctrl.send(Control::SeekStart).expect("alive");
    let opened = Arc::clone(&h.opened);
    let st = wait_status(&mut h, |s| !s.loading && opened.load(Ordering::SeqCst) == 2);
    assert!(st.error.is_none());
    assert_eq!(h.opened.load(Ordering::SeqCst), 2);
    assert_eq!(h.snaps.borrow().stats.exchanges, 10);
    quit(h);
}

#[test]
fn input_errors_end_loading_and_are_reported_sanitized() {
    let mut h = start(5, Speed::Max, false, Some(true));
    let st = wait_status(&mut h, |s| !s.loading);
    assert_eq!(st.error.as_deref(), Some("fake.pcap: truncated record"));
    assert_eq!(h.snaps.borrow().stats.exchanges, 5, "what was read stays");
    quit(h);
    let mut h = start(0, Speed::Max, false, None);
    let st = wait_status(&mut h, |s| s.error.is_some());
    assert!(!st.loading);
    assert_eq!(st.error.as_deref(), Some("fake.pcap: not a capture␛[2J"));
    quit(h);
}

#[test]
fn engine_thread_ends_when_the_ui_goes_away() {
    let h = start(3, Speed::Max, true, Some(false));
    drop(h.ctrl);
    h.thread.join().expect("engine thread ends");
}

//! Live capture from an interface through libpcap.
//!
//! Owns the capture handle (on its own thread) and a bounded queue of copied
//! frames. Receives capture options; emits owned frames and counters: packets,
//! bytes, our own drops (queue full: the capture thread never blocks, so the
//! kernel buffer is never stalled by analysis) and libpcap's kernel/interface
//! drops. Privileges are dropped right after the interface is opened, before any
//! packet is read. Must not parse packets.

mod interfaces;
mod privileges;

pub use interfaces::list_interfaces;

use super::pcapng::PcapngWriter;
use super::{InputError, Source};
use crate::model::{LinkType, RawFrame, SourceItem, SourceKind, SourceStats, Timestamp};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The ports the default filter captures, besides every `--port`.
pub const DEFAULT_PORTS: &[u16] = &[80, 8080, 8000, 8008, 3000, 5000];

/// Frames queued between the capture thread and the analysis.
pub const QUEUE_FRAMES: usize = 65_536;

/// Captured bytes queued between the capture thread and the analysis: with
/// 64 KiB loopback frames the frame cap alone would allow 4 GiB.
pub const QUEUE_BYTES: usize = 128 << 20;

/// How often the capture thread reads libpcap's counters and flushes `--write`.
const HOUSEKEEPING_EVERY: Duration = Duration::from_millis(250);

/// How to open the interface.
#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Interface; `None` picks as tcpdump does.
    pub interface: Option<String>,
    /// BPF filter; `None` uses [`default_filter`].
    pub filter: Option<String>,
    /// Extra ports for the default filter.
    pub ports: Vec<u16>,
    /// Bytes captured per packet.
    pub snaplen: i32,
    /// Promiscuous mode.
    pub promisc: bool,
    /// Kernel buffer in MiB.
    pub buffer_mib: i32,
    /// Save raw packets to this pcapng file.
    pub write: Option<PathBuf>,
    /// Drop privileges to this user after opening.
    pub user: Option<String>,
}

/// `tcp and (port 80 or port 8080 …)` for the default ports and `extra`.
pub fn default_filter(extra: &[u16]) -> String {
    let mut ports: Vec<u16> = DEFAULT_PORTS.to_vec();
    for p in extra {
        if !ports.contains(p) {
            ports.push(*p);
        }
    }
    let list: Vec<String> = ports.iter().map(|p| format!("port {p}")).collect();
    format!("tcp and ({})", list.join(" or "))
}

/// One captured packet, copied off libpcap's buffer.
#[derive(Debug)]
struct OwnedFrame {
    ts: Timestamp,
    orig_len: u32,
    data: Vec<u8>,
}

/// State shared between the capture thread and the reader.
#[derive(Debug, Default)]
struct Shared {
    packets: AtomicU64,
    bytes: AtomicU64,
    queue_dropped: AtomicU64,
    kernel_dropped: AtomicU64,
    if_dropped: AtomicU64,
    queued_bytes: AtomicUsize,
    /// Why the capture ended, when it ended on its own (interface gone).
    error: Mutex<Option<String>>,
}

impl Shared {
    fn set_error(&self, message: String) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(message);
    }

    fn error(&self) -> Option<String> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// A running capture.
pub struct LiveCapture {
    name: String,
    filter: String,
    link_type: LinkType,
    rx: Receiver<OwnedFrame>,
    shared: Arc<Shared>,
    stop: StopHandle,
    thread: Option<JoinHandle<()>>,
    current: Option<OwnedFrame>,
    last: Option<OwnedFrame>,
    /// The capture thread has ended and every queued frame was taken.
    drained: bool,
    error_reported: bool,
}

/// Stops a capture from any thread (a Ctrl-C handler, a deadline): sets the
/// flag and wakes the capture thread out of libpcap's blocking read.
#[derive(Clone)]
pub struct StopHandle {
    flag: Arc<AtomicBool>,
    breaker: Arc<pcap::BreakLoop>,
}

impl StopHandle {
    /// Asks the capture to end.
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.breaker.breakloop();
    }

    /// True once a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

fn permission_hint(iface: &str, e: &pcap::Error) -> InputError {
    let text = e.to_string();
    let denied = text.contains("ermission") || text.contains("not permitted");
    let message = if denied {
        format!(
            "capture not permitted ({text}); run with sudo, or grant the binary the capability: \
             sudo setcap cap_net_raw,cap_net_admin=eip $(command -v authscope)"
        )
    } else {
        format!("cannot capture: {text}")
    };
    InputError {
        path: iface.to_string(),
        message,
    }
}

/// Packets the kernel ring must hold at least, whatever their size.
const MIN_RING_SLOTS: i64 = 2048;

/// Upper bound of the automatic ring growth (an explicit larger
/// `--buffer-size` is still honoured).
const MAX_AUTO_RING: i64 = 256 << 20;

/// Kernel buffer in bytes: `--buffer-size`, raised when needed so the ring
/// holds [`MIN_RING_SLOTS`] packets. In immediate mode libpcap uses TPACKET_V2,
/// whose slots all have the size of the largest packet (snap length capped by
/// the MTU): on `lo` (MTU 65,536) 16 MiB is only ~250 packets, and a scheduling
/// hiccup of a few milliseconds at a few thousand packets/s overflows it.
fn ring_bytes(buffer_mib: i32, snaplen: i32, mtu: Option<u32>) -> i32 {
    let asked = i64::from(buffer_mib.clamp(1, 2047)) << 20;
    let largest = mtu.map_or(i64::from(snaplen), |m| {
        i64::from(snaplen).min(i64::from(m).saturating_add(64))
    });
    // Slot: packet, tpacket2_hdr and sockaddr_ll, rounded as the kernel does.
    let slot = (largest + 96 + 15) & !15;
    let wanted = slot.saturating_mul(MIN_RING_SLOTS).min(MAX_AUTO_RING);
    i32::try_from(asked.max(wanted)).unwrap_or(i32::MAX)
}

/// The interface's MTU (Linux sysfs); `None` elsewhere or when unreadable.
fn interface_mtu(name: &str) -> Option<u32> {
    if name.contains('/') || name.contains("..") {
        return None;
    }
    std::fs::read_to_string(format!("/sys/class/net/{name}/mtu"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn open_handle(name: &str, opts: &LiveOptions) -> Result<pcap::Capture<pcap::Active>, InputError> {
    let ring = ring_bytes(opts.buffer_mib, snaplen(opts), interface_mtu(name));
    pcap::Capture::from_device(name)
        .and_then(|c| {
            c.promisc(opts.promisc)
                .snaplen(snaplen(opts))
                .immediate_mode(true)
                .buffer_size(ring)
                .timeout(100)
                .open()
        })
        .map_err(|e| permission_hint(name, &e))
}

/// The snap length in force: at least 256 bytes, so headers are never cut.
fn snaplen(opts: &LiveOptions) -> i32 {
    opts.snaplen.max(256)
}

impl LiveCapture {
    /// Opens the interface, applies the filter, creates the `--write` file,
    /// drops privileges, then starts the capture thread.
    pub fn open(opts: &LiveOptions) -> Result<LiveCapture, InputError> {
        let name = match &opts.interface {
            Some(i) => i.clone(),
            None => interfaces::pick_default()?,
        };
        let filter = opts
            .filter
            .clone()
            .unwrap_or_else(|| default_filter(&opts.ports));
        let mut cap = open_handle(&name, opts)?;
        cap.filter(&filter, true).map_err(|e| InputError {
            path: name.clone(),
            message: format!("bad capture filter '{filter}': {e}"),
        })?;
        let dlt = cap.get_datalink().0;
        let link_type = LinkType::from_dlt(u32::try_from(dlt).unwrap_or(u32::MAX));
        let writer = match &opts.write {
            Some(p) => Some(
                PcapngWriter::create(p, pcapng_link_type(dlt), snaplen(opts)).map_err(|e| {
                    InputError {
                        path: p.display().to_string(),
                        message: e.to_string(),
                    }
                })?,
            ),
            None => None,
        };
        if let Some(user) = privileges::target_user(opts.user.as_deref()) {
            privileges::drop_to(&user)?;
        }
        let (tx, rx) = sync_channel(QUEUE_FRAMES);
        let shared = Arc::new(Shared::default());
        let stop = StopHandle {
            flag: Arc::new(AtomicBool::new(false)),
            breaker: Arc::new(cap.breakloop_handle()),
        };
        let thread = {
            let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop.flag));
            std::thread::Builder::new()
                .name("capture".into())
                .spawn(move || capture_loop(cap, tx, shared, stop, writer))
                .map_err(|e| InputError {
                    path: name.clone(),
                    message: e.to_string(),
                })?
        };
        Ok(LiveCapture {
            name,
            filter,
            link_type,
            rx,
            shared,
            stop,
            thread: Some(thread),
            current: None,
            last: None,
            drained: false,
            error_reported: false,
        })
    }

    /// Interface name.
    pub fn interface(&self) -> &str {
        &self.name
    }

    /// Filter in force.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Waits up to `timeout` for the next frame; `false` on timeout or once
    /// the capture has ended and its queue is empty (then [`Self::ended`]).
    pub fn wait(&mut self, timeout: Duration) -> bool {
        if self.current.is_some() {
            return true;
        }
        if self.drained {
            return false;
        }
        match self.rx.recv_timeout(timeout) {
            Ok(f) => {
                self.shared
                    .queued_bytes
                    .fetch_sub(f.data.len(), Ordering::Relaxed);
                self.current = Some(f);
                true
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                self.drained = true;
                false
            }
        }
    }

    /// Asks the capture thread to stop.
    pub fn request_stop(&self) {
        self.stop.stop();
    }

    /// A handle that can stop the capture from another thread.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// True once the capture thread has ended (stopped, or failed: see
    /// [`Self::error`]) and every frame it queued has been taken.
    pub fn ended(&self) -> bool {
        self.current.is_none() && self.drained
    }

    /// Why the capture ended on its own, if it did (e.g. the interface went away).
    pub fn error(&self) -> Option<String> {
        self.shared.error()
    }
}

/// pcapng wants a LINKTYPE_ value; libpcap reports a DLT_ value. They are the
/// same numbers except for raw IP, whose DLT differs between platforms.
fn pcapng_link_type(dlt: i32) -> u16 {
    match dlt {
        12 | 14 => 101,
        other => u16::try_from(other).unwrap_or(1),
    }
}

fn capture_loop(
    mut cap: pcap::Capture<pcap::Active>,
    tx: SyncSender<OwnedFrame>,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    mut writer: Option<PcapngWriter>,
) {
    let mut housekeeping = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        match cap.next_packet() {
            Ok(p) => {
                let ts = Timestamp::from_secs_micros(p.header.ts.tv_sec, p.header.ts.tv_usec);
                if let Some(w) = writer.as_mut() {
                    w.write(ts, p.header.len, p.data);
                }
                if !enqueue(&tx, &shared, ts, p.header.len, p.data) {
                    break;
                }
            }
            Err(pcap::Error::TimeoutExpired) => {}
            // pcap_breakloop: the stop flag is set, the loop condition ends it.
            Err(pcap::Error::NoMorePackets) => {}
            Err(e) => {
                shared.set_error(format!("capture ended: {e}"));
                break;
            }
        }
        if housekeeping.elapsed() >= HOUSEKEEPING_EVERY {
            housekeeping = Instant::now();
            read_kernel_stats(&mut cap, &shared);
            if let Some(w) = writer.as_mut() {
                w.flush();
            }
        }
    }
    read_kernel_stats(&mut cap, &shared);
    if let Some(w) = writer.as_mut() {
        w.flush();
    }
}

/// Counts the packet and queues a copy, or counts it dropped when the queue
/// is full (frames or bytes). `false` when the reader is gone.
fn enqueue(
    tx: &SyncSender<OwnedFrame>,
    shared: &Shared,
    ts: Timestamp,
    orig_len: u32,
    data: &[u8],
) -> bool {
    shared.packets.fetch_add(1, Ordering::Relaxed);
    shared.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
    let queued = shared.queued_bytes.load(Ordering::Relaxed);
    if queued.saturating_add(data.len()) > QUEUE_BYTES {
        shared.queue_dropped.fetch_add(1, Ordering::Relaxed);
        return true;
    }
    let len = data.len();
    shared.queued_bytes.fetch_add(len, Ordering::Relaxed);
    let frame = OwnedFrame {
        ts,
        orig_len,
        data: data.to_vec(),
    };
    match tx.try_send(frame) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => {
            shared.queued_bytes.fetch_sub(len, Ordering::Relaxed);
            shared.queue_dropped.fetch_add(1, Ordering::Relaxed);
            true
        }
        Err(TrySendError::Disconnected(_)) => false,
    }
}

/// libpcap's counters are cumulative since the handle was opened
/// (pcap_stats(3PCAP)); they are stored, not added.
fn read_kernel_stats(cap: &mut pcap::Capture<pcap::Active>, shared: &Shared) {
    if let Ok(s) = cap.stats() {
        shared
            .kernel_dropped
            .store(u64::from(s.dropped), Ordering::Relaxed);
        shared
            .if_dropped
            .store(u64::from(s.if_dropped), Ordering::Relaxed);
    }
}

impl Source for LiveCapture {
    /// Blocks until a frame arrives; `Ok(None)` once the capture was stopped
    /// and drained; an `Err` once when it ended on its own.
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, InputError> {
        while !self.wait(Duration::from_millis(200)) {
            if self.ended() {
                return match self.error() {
                    Some(message) if !self.error_reported => {
                        self.error_reported = true;
                        Err(InputError {
                            path: self.name.clone(),
                            message,
                        })
                    }
                    _ => Ok(None),
                };
            }
        }
        // `current` (filled by `wait`) moves to `last`, which the item borrows.
        self.last = self.current.take();
        let link_type = self.link_type;
        Ok(self.last.as_ref().map(|f| {
            SourceItem::Frame(RawFrame {
                ts: f.ts,
                link_type,
                data: &f.data,
                orig_len: f.orig_len,
            })
        }))
    }

    fn stats(&self) -> Vec<SourceStats> {
        let c = &self.shared;
        let kernel = c
            .kernel_dropped
            .load(Ordering::Relaxed)
            .saturating_add(c.if_dropped.load(Ordering::Relaxed));
        let mut s = SourceStats::new(self.name.clone(), SourceKind::Live);
        s.packets = c.packets.load(Ordering::Relaxed);
        s.bytes = c.bytes.load(Ordering::Relaxed);
        s.dropped = c
            .queue_dropped
            .load(Ordering::Relaxed)
            .saturating_add(kernel);
        s.kernel_dropped = Some(kernel);
        vec![s]
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = vec![format!(
            "capturing on {} with filter: {}",
            self.name, self.filter
        )];
        notes.extend(self.error());
        notes
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;

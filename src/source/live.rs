//! Live capture from an interface through libpcap.
//!
//! Owns the capture handle (on its own thread) and a bounded queue of copied
//! frames. Receives capture options; emits owned frames and counters: packets,
//! bytes, our own drops (queue full: the capture thread never blocks, so the
//! kernel buffer is never stalled by analysis) and libpcap's kernel/interface
//! drops. Privileges are dropped right after the interface is opened, before any
//! packet is read. Must not parse packets.

use super::pcapng::PcapngWriter;
use super::{InputError, Source};
use crate::model::{LinkType, RawFrame, SourceItem, SourceKind, SourceStats, Timestamp};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The ports the default filter captures, besides every `--port`.
pub const DEFAULT_PORTS: &[u16] = &[80, 8080, 8000, 8008, 3000, 5000];

/// Frames queued between the capture thread and the analysis.
pub const QUEUE_FRAMES: usize = 65_536;

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

/// `tcp port 80 or tcp port 8080 …` for the default ports and `extra`.
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
pub struct OwnedFrame {
    ts: Timestamp,
    orig_len: u32,
    data: Vec<u8>,
}

#[derive(Debug, Default)]
struct Counters {
    packets: AtomicU64,
    bytes: AtomicU64,
    queue_dropped: AtomicU64,
    kernel_dropped: AtomicU64,
    if_dropped: AtomicU64,
}

/// A running capture.
pub struct LiveCapture {
    name: String,
    filter: String,
    link_type: LinkType,
    rx: Receiver<OwnedFrame>,
    counters: Arc<Counters>,
    stop: StopHandle,
    thread: Option<JoinHandle<()>>,
    current: Option<OwnedFrame>,
    last: Option<OwnedFrame>,
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

/// `tcpdump -D`-style lines: `1.eth0 [Up, Running]`.
pub fn list_interfaces() -> Result<Vec<String>, InputError> {
    let devices = pcap::Device::list().map_err(|e| InputError {
        path: "interfaces".into(),
        message: e.to_string(),
    })?;
    Ok(devices
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut flags = Vec::new();
            if d.flags.is_up() {
                flags.push("Up");
            }
            if d.flags.is_running() {
                flags.push("Running");
            }
            if d.flags.is_loopback() {
                flags.push("Loopback");
            }
            let desc = d
                .desc
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            format!("{}.{}{desc} [{}]", i + 1, d.name, flags.join(", "))
        })
        .collect())
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

impl LiveCapture {
    /// Opens the interface, applies the filter, drops privileges, starts the
    /// capture thread.
    pub fn open(opts: &LiveOptions) -> Result<LiveCapture, InputError> {
        let name = match &opts.interface {
            Some(i) => i.clone(),
            None => pick_default()?,
        };
        let filter = opts
            .filter
            .clone()
            .unwrap_or_else(|| default_filter(&opts.ports));
        let mut cap = pcap::Capture::from_device(name.as_str())
            .and_then(|c| {
                c.promisc(opts.promisc)
                    .snaplen(opts.snaplen.max(256))
                    .immediate_mode(true)
                    .buffer_size(opts.buffer_mib.clamp(1, 2048).saturating_mul(1 << 20))
                    .timeout(100)
                    .open()
            })
            .map_err(|e| permission_hint(&name, &e))?;
        cap.filter(&filter, true).map_err(|e| InputError {
            path: name.clone(),
            message: format!("bad capture filter '{filter}': {e}"),
        })?;
        let link_type = LinkType::from_dlt(u32::try_from(cap.get_datalink().0).unwrap_or(u32::MAX));
        let writer = match &opts.write {
            Some(p) => Some(
                PcapngWriter::create(p, link_type_number(cap.get_datalink().0), opts.snaplen)
                    .map_err(|e| InputError {
                        path: p.display().to_string(),
                        message: e.to_string(),
                    })?,
            ),
            None => None,
        };
        drop_privileges(opts.user.as_deref())?;
        let (tx, rx) = sync_channel(QUEUE_FRAMES);
        let counters = Arc::new(Counters::default());
        let stop = StopHandle {
            flag: Arc::new(AtomicBool::new(false)),
            breaker: Arc::new(cap.breakloop_handle()),
        };
        let thread = {
            let (counters, stop) = (Arc::clone(&counters), Arc::clone(&stop.flag));
            std::thread::Builder::new()
                .name("capture".into())
                .spawn(move || capture_loop(cap, tx, counters, stop, writer))
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
            counters,
            stop,
            thread: Some(thread),
            current: None,
            last: None,
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

    /// Waits up to `timeout` for the next frame; `false` on timeout or end.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        if self.current.is_some() {
            return true;
        }
        match self.rx.recv_timeout(timeout) {
            Ok(f) => {
                self.current = Some(f);
                true
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => false,
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

    /// True once the capture thread has ended and the queue is empty.
    pub fn ended(&self) -> bool {
        self.current.is_none() && self.thread.as_ref().is_none_or(|t| t.is_finished())
    }
}

fn link_type_number(dlt: i32) -> u16 {
    u16::try_from(dlt).unwrap_or(1)
}

fn pick_default() -> Result<String, InputError> {
    let err = |m: String| InputError {
        path: "interface".into(),
        message: m,
    };
    // As tcpdump: the first device libpcap lists that is up and not loopback;
    // on Linux `any` when nothing else is up.
    let devices = pcap::Device::list().map_err(|e| err(e.to_string()))?;
    let pick = devices
        .iter()
        .find(|d| {
            d.flags.is_up() && d.flags.is_running() && !d.flags.is_loopback() && d.name != "any"
        })
        .or_else(|| devices.iter().find(|d| d.name == "any"))
        .or_else(|| devices.first());
    pick.map(|d| d.name.clone())
        .ok_or_else(|| err("no capture interface found (try -i lo)".into()))
}

fn capture_loop(
    mut cap: pcap::Capture<pcap::Active>,
    tx: SyncSender<OwnedFrame>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    mut writer: Option<PcapngWriter>,
) {
    let mut since_stats = 0u32;
    while !stop.load(Ordering::Relaxed) {
        match cap.next_packet() {
            Ok(p) => {
                let ts = Timestamp::from_secs_micros(p.header.ts.tv_sec, p.header.ts.tv_usec);
                counters.packets.fetch_add(1, Ordering::Relaxed);
                counters
                    .bytes
                    .fetch_add(p.data.len() as u64, Ordering::Relaxed);
                if let Some(w) = writer.as_mut() {
                    w.write(ts, p.header.len, p.data);
                }
                let frame = OwnedFrame {
                    ts,
                    orig_len: p.header.len,
                    data: p.data.to_vec(),
                };
                match tx.try_send(frame) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => {
                        counters.queue_dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(TrySendError::Disconnected(_)) => break,
                }
            }
            Err(pcap::Error::TimeoutExpired) => {}
            Err(_) => break,
        }
        since_stats += 1;
        if since_stats >= 1000 || stop.load(Ordering::Relaxed) {
            since_stats = 0;
            read_kernel_stats(&mut cap, &counters);
        }
    }
    read_kernel_stats(&mut cap, &counters);
    if let Some(w) = writer.as_mut() {
        w.flush();
    }
}

fn read_kernel_stats(cap: &mut pcap::Capture<pcap::Active>, counters: &Counters) {
    if let Ok(s) = cap.stats() {
        counters
            .kernel_dropped
            .store(u64::from(s.dropped), Ordering::Relaxed);
        counters
            .if_dropped
            .store(u64::from(s.if_dropped), Ordering::Relaxed);
    }
}

/// Drops to `user` (or, when started through sudo as root, to `SUDO_USER`).
fn drop_privileges(user: Option<&str>) -> Result<(), InputError> {
    let target = match user {
        Some(u) => Some(u.to_string()),
        None if nix::unistd::geteuid().is_root() => std::env::var("SUDO_USER")
            .ok()
            .filter(|u| u != "root" && !u.is_empty()),
        None => None,
    };
    let Some(name) = target else { return Ok(()) };
    let err = |m: String| InputError {
        path: format!("user {name}"),
        message: m,
    };
    let u = nix::unistd::User::from_name(&name)
        .map_err(|e| err(e.to_string()))?
        .ok_or_else(|| err("no such user".into()))?;
    nix::unistd::setgroups(&[u.gid]).map_err(|e| err(format!("setgroups: {e}")))?;
    nix::unistd::setgid(u.gid).map_err(|e| err(format!("setgid: {e}")))?;
    nix::unistd::setuid(u.uid).map_err(|e| err(format!("setuid: {e}")))?;
    if nix::unistd::setuid(nix::unistd::Uid::from_raw(0)).is_ok() && !u.uid.is_root() {
        return Err(err("privileges could not be dropped".into()));
    }
    Ok(())
}

impl Source for LiveCapture {
    fn next_item(&mut self) -> Result<Option<SourceItem<'_>>, InputError> {
        while !self.wait(Duration::from_millis(200)) {
            if self.stop.is_stopped() && self.ended() {
                return Ok(None);
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
        let c = &self.counters;
        let kernel =
            c.kernel_dropped.load(Ordering::Relaxed) + c.if_dropped.load(Ordering::Relaxed);
        let mut s = SourceStats::new(self.name.clone(), SourceKind::Live);
        s.packets = c.packets.load(Ordering::Relaxed);
        s.bytes = c.bytes.load(Ordering::Relaxed);
        s.dropped = c.queue_dropped.load(Ordering::Relaxed) + kernel;
        s.kernel_dropped = Some(kernel);
        vec![s]
    }

    fn notes(&self) -> Vec<String> {
        vec![format!(
            "capturing on {} with filter: {}",
            self.name, self.filter
        )]
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

//! Engine: the one place that knows the order of the stages. Owns one instance
//! of every stage and the store. Receives [`SourceItem`]s (`feed`), capture-time
//! ticks (`tick`) and the end of input (`finish`); emits snapshots and, for
//! streaming outputs, [`EngineEvent`]s. Synchronous, no I/O, no clock.

use crate::auth::AuthExtractor;
use crate::decode::{DecodeConfig, Decoder};
use crate::diagnose::Diagnoser;
use crate::http::{HttpConfig, HttpParser};
use crate::model::{
    AnalysisSnapshot, ExchangeId, ExchangeRecord, Finding, FingerprintKey, HttpExchange,
    SourceItem, SourceStats, Stats, Thresholds, Timestamp,
};
use crate::store::Store;
use crate::tcp::{Reassembler, TcpConfig};
use std::sync::Arc;

/// Default memory budget of the kept exchanges (`--max-store-mb`): with the
/// other bounded state it keeps a report's peak RSS under 64 MB
/// (docs/PERFORMANCE.md).
pub const DEFAULT_STORE_MB: usize = 24;

/// Everything the stages can be configured with.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Decode bounds.
    pub decode: DecodeConfig,
    /// TCP bounds.
    pub tcp: TcpConfig,
    /// HTTP bounds.
    pub http: HttpConfig,
    /// Detector thresholds.
    pub thresholds: Thresholds,
    /// Exchanges kept for the UI and the report.
    pub max_exchanges: usize,
    /// Memory budget of the kept exchanges, in bytes.
    pub max_store_bytes: usize,
    /// Key for secret fingerprints.
    pub fingerprint_key: FingerprintKey,
    /// Emit [`EngineEvent`]s (NDJSON and live outputs).
    pub emit_events: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            decode: DecodeConfig::default(),
            tcp: TcpConfig::default(),
            http: HttpConfig::default(),
            thresholds: Thresholds::default(),
            max_exchanges: 20_000,
            max_store_bytes: DEFAULT_STORE_MB << 20,
            fingerprint_key: FingerprintKey::random(),
            emit_events: false,
        }
    }
}

/// Something a streaming output shows as it happens.
#[derive(Clone, Debug)]
pub enum EngineEvent {
    /// A new exchange.
    Exchange(Arc<ExchangeRecord>),
    /// A finding was created or grew.
    Finding(Box<Finding>),
}

/// Capture-time interval between TCP/diagnosis ticks.
const TICK_MICROS: i64 = 1_000_000;

/// All stages, wired in order.
#[derive(Debug)]
pub struct Engine {
    decoder: Decoder,
    reassembler: Reassembler,
    http: HttpParser,
    auth: AuthExtractor,
    diagnoser: Diagnoser,
    store: Store,
    pending: Vec<HttpExchange>,
    events: Vec<EngineEvent>,
    emit_events: bool,
    next_id: u64,
    first_ts: Option<Timestamp>,
    last_ts: Option<Timestamp>,
    last_tick: Option<Timestamp>,
    finished: bool,
}

impl Engine {
    /// A fresh engine.
    pub fn new(config: EngineConfig) -> Self {
        Engine {
            decoder: Decoder::new(config.decode),
            reassembler: Reassembler::new(config.tcp),
            http: HttpParser::new(config.http),
            auth: AuthExtractor::new(config.fingerprint_key),
            diagnoser: Diagnoser::new(config.thresholds),
            store: Store::new(config.max_exchanges, config.max_store_bytes),
            pending: Vec::new(),
            events: Vec::new(),
            emit_events: config.emit_events,
            next_id: 0,
            first_ts: None,
            last_ts: None,
            last_tick: None,
            finished: false,
        }
    }

    /// Tells the detectors that credential headers were removed from the input.
    pub fn set_credentials_stripped(&mut self, stripped: bool) {
        self.diagnoser.set_credentials_stripped(stripped);
    }

    /// Feeds one source item through every stage.
    pub fn feed(&mut self, item: SourceItem<'_>) {
        match item {
            SourceItem::Frame(frame) => {
                self.note_time(frame.ts);
                let Engine {
                    decoder,
                    reassembler,
                    http,
                    pending,
                    ..
                } = self;
                if let Some(segment) = decoder.decode(&frame) {
                    reassembler.feed(&segment, &mut |ev| http.on_event(ev, pending));
                }
            }
            SourceItem::Exchange(exchange) => {
                self.note_time(exchange.ts());
                self.pending.push(*exchange);
            }
        }
        self.drain_pending();
    }

    fn note_time(&mut self, ts: Timestamp) {
        if self.first_ts.is_none() {
            self.first_ts = Some(ts);
        }
        if self.last_ts.is_none_or(|l| ts > l) {
            self.last_ts = Some(ts);
        }
        match self.last_tick {
            None => self.last_tick = Some(ts),
            Some(t) if ts.micros_since(t) >= TICK_MICROS => self.tick(ts),
            Some(_) => {}
        }
    }

    /// Advances capture time: idle connections close, detector windows expire.
    pub fn tick(&mut self, now: Timestamp) {
        self.last_tick = Some(now);
        let Engine {
            reassembler,
            http,
            pending,
            ..
        } = self;
        reassembler.tick(now, &mut |ev| http.on_event(ev, pending));
        self.drain_pending();
        self.diagnoser.tick(now);
        self.collect_finding_events();
    }

    /// End of input: flushes every stage.
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let Engine {
            reassembler,
            http,
            pending,
            ..
        } = self;
        reassembler.finish(&mut |ev| http.on_event(ev, pending));
        self.drain_pending();
        self.diagnoser.finish();
        self.collect_finding_events();
    }

    fn drain_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut batch = std::mem::take(&mut self.pending);
        // Exchanges complete out of order across connections; analyse them in
        // the order they started.
        batch.sort_by_key(|e| e.ts());
        for mut exchange in batch.drain(..) {
            exchange.id = ExchangeId(self.next_id);
            self.next_id += 1;
            let auth = self.auth.extract(&exchange);
            let record = Arc::new(ExchangeRecord { exchange, auth });
            self.diagnoser.observe(&record);
            if self.emit_events {
                self.events.push(EngineEvent::Exchange(Arc::clone(&record)));
            }
            self.store.push(record);
        }
        self.pending = batch;
    }

    /// Finding events are coalesced: emitted at ticks (once a second of capture
    /// time) and at the end, so a growing loop is re-emitted at most once a second.
    fn collect_finding_events(&mut self) {
        let changed = self.diagnoser.drain_changed();
        if !self.emit_events {
            return;
        }
        for id in changed {
            if let Some(f) = self.diagnoser.finding(id) {
                self.events.push(EngineEvent::Finding(Box::new(f)));
            }
        }
    }

    /// Takes the events produced since the last call.
    pub fn drain_events(&mut self) -> Vec<EngineEvent> {
        std::mem::take(&mut self.events)
    }

    /// Counters of every stage.
    pub fn stats(&self) -> Stats {
        let mut anomalies = self.decoder.anomalies().clone();
        anomalies.merge(self.reassembler.anomalies());
        anomalies.merge(self.http.anomalies());
        Stats {
            decode: self.decoder.stats().clone(),
            tcp: self.reassembler.stats().clone(),
            http: self.http.stats().clone(),
            anomalies,
            exchanges: self.store.total(),
            exchanges_evicted: self.store.evicted(),
            status_counts: self.store.status_counts().clone(),
            first_ts: self.first_ts,
            last_ts: self.last_ts,
            diagnose: self.diagnoser.stats().counters(),
        }
    }

    /// An immutable picture for the UI and the report.
    pub fn snapshot(&mut self, sources: Vec<SourceStats>, notes: Vec<String>) -> AnalysisSnapshot {
        AnalysisSnapshot {
            sources,
            stats: self.stats(),
            exchanges: self.store.exchanges().cloned().collect(),
            findings: self.diagnoser.findings(),
            timeline: self.store.timeline(),
            thresholds: self.diagnoser.thresholds().clone(),
            notes,
            finished: self.finished,
        }
    }

    /// Capture time of the newest item fed.
    pub fn clock(&self) -> Option<Timestamp> {
        self.last_ts
    }
}

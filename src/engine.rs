//! Engine: the one place that knows the order of the stages. Owns one instance
//! of every stage and the store. Receives [`SourceItem`]s (`feed`), capture-time
//! ticks (`tick`) and the end of input (`finish`); emits snapshots and, for
//! streaming outputs, [`EngineEvent`]s. Synchronous, no I/O, no clock.
//!
//! The stages fall in two halves joined by an ordered list of [`Step`]s:
//! [`Front`] (decode, TCP, HTTP and the request side of auth extraction:
//! everything that turns input into numbered exchanges) and [`Back`] (the
//! response side of auth extraction, diagnosis and the store: everything that
//! reads the exchanges in order). Auth extraction is cut between the two
//! because that balances them on the generated benchmark capture (whole in
//! the front, the front did 57 % of the work; whole in the back, 32 %). [`Engine`] runs both on one thread; a caller
//! can also [`Engine::into_parts`], run the halves on two threads with the
//! steps carried between them in order, and [`Engine::from_parts`] them again:
//! the back half sees exactly the same sequence, so the output is identical.

use crate::auth::{AuthExtractor, RequestAuth};
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

/// What the front half hands the back half, in order.
#[derive(Debug)]
pub enum Step {
    /// A finished exchange, numbered, with its request's auth decoded.
    Exchange(Box<(HttpExchange, RequestAuth)>),
    /// Capture time advanced to here (after the exchanges it closed).
    Tick(Timestamp),
    /// End of input (after the last exchanges).
    Finish,
}

/// All stages, wired in order.
#[derive(Debug)]
pub struct Engine {
    front: Front,
    back: Back,
}

/// Decode, TCP reassembly, HTTP parsing and request auth: items in, numbered
/// exchanges and ticks out ([`Front::take_steps`]).
#[derive(Debug)]
pub struct Front {
    decoder: Decoder,
    reassembler: Reassembler,
    http: HttpParser,
    auth: AuthExtractor,
    pending: Vec<HttpExchange>,
    steps: Vec<Step>,
    next_id: u64,
    first_ts: Option<Timestamp>,
    last_ts: Option<Timestamp>,
    last_tick: Option<Timestamp>,
    finished: bool,
}

/// Response auth, diagnosis and the store: applies [`Step`]s in order.
#[derive(Debug)]
pub struct Back {
    auth: AuthExtractor,
    diagnoser: Diagnoser,
    store: Store,
    events: Vec<EngineEvent>,
    emit_events: bool,
    finished: bool,
}

impl Engine {
    /// A fresh engine.
    pub fn new(config: EngineConfig) -> Self {
        Engine {
            front: Front {
                decoder: Decoder::new(config.decode),
                reassembler: Reassembler::new(config.tcp),
                http: HttpParser::new(config.http),
                auth: AuthExtractor::new(config.fingerprint_key),
                pending: Vec::new(),
                steps: Vec::new(),
                next_id: 0,
                first_ts: None,
                last_ts: None,
                last_tick: None,
                finished: false,
            },
            back: Back {
                auth: AuthExtractor::new(config.fingerprint_key),
                diagnoser: Diagnoser::new(config.thresholds),
                store: Store::new(config.max_exchanges, config.max_store_bytes),
                events: Vec::new(),
                emit_events: config.emit_events,
                finished: false,
            },
        }
    }

    /// The two halves, to run on separate threads. Steps the front produced
    /// and the back has not applied yet stay with the front.
    pub fn into_parts(self) -> (Front, Back) {
        (self.front, self.back)
    }

    /// The engine again, after the back half applied every step of the front.
    pub fn from_parts(front: Front, back: Back) -> Self {
        let mut engine = Engine { front, back };
        engine.apply_steps();
        engine
    }

    /// Tells the detectors that credential headers were removed from the input.
    pub fn set_credentials_stripped(&mut self, stripped: bool) {
        self.back.diagnoser.set_credentials_stripped(stripped);
    }

    /// Feeds one source item through every stage.
    pub fn feed(&mut self, item: SourceItem<'_>) {
        self.front.feed(item);
        self.apply_steps();
    }

    /// Advances capture time: idle connections close, detector windows expire.
    pub fn tick(&mut self, now: Timestamp) {
        self.front.tick(now);
        self.apply_steps();
    }

    /// End of input: flushes every stage.
    pub fn finish(&mut self) {
        self.front.finish();
        self.apply_steps();
    }

    fn apply_steps(&mut self) {
        for step in self.front.steps.drain(..) {
            self.back.apply(step);
        }
    }

    /// Takes the events produced since the last call.
    pub fn drain_events(&mut self) -> Vec<EngineEvent> {
        self.back.drain_events()
    }

    /// Counters of every stage.
    pub fn stats(&self) -> Stats {
        let (front, back) = (&self.front, &self.back);
        let mut anomalies = front.decoder.anomalies().clone();
        anomalies.merge(front.reassembler.anomalies());
        anomalies.merge(front.http.anomalies());
        Stats {
            decode: front.decoder.stats().clone(),
            tcp: front.reassembler.stats().clone(),
            http: front.http.stats().clone(),
            anomalies,
            exchanges: back.store.total(),
            exchanges_evicted: back.store.evicted(),
            status_counts: back.store.status_counts().clone(),
            first_ts: front.first_ts,
            last_ts: front.last_ts,
            diagnose: back.diagnoser.stats().counters(),
        }
    }

    /// An immutable picture for the UI and the report.
    pub fn snapshot(&mut self, sources: Vec<SourceStats>, notes: Vec<String>) -> AnalysisSnapshot {
        AnalysisSnapshot {
            sources,
            stats: self.stats(),
            exchanges: self.back.store.exchanges().cloned().collect(),
            findings: self.back.diagnoser.findings(),
            timeline: self.back.store.timeline(),
            thresholds: self.back.diagnoser.thresholds().clone(),
            notes,
            finished: self.front.finished && self.back.finished,
        }
    }

    /// Capture time of the newest item fed.
    pub fn clock(&self) -> Option<Timestamp> {
        self.front.last_ts
    }
}

impl Front {
    /// Feeds one source item through decode, TCP, HTTP and auth extraction.
    pub fn feed(&mut self, item: SourceItem<'_>) {
        match item {
            SourceItem::Frame(frame) => {
                self.note_time(frame.ts);
                let Front {
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

    /// Advances capture time: idle connections close, then a [`Step::Tick`].
    pub fn tick(&mut self, now: Timestamp) {
        self.last_tick = Some(now);
        let Front {
            reassembler,
            http,
            pending,
            ..
        } = self;
        reassembler.tick(now, &mut |ev| http.on_event(ev, pending));
        self.drain_pending();
        self.steps.push(Step::Tick(now));
    }

    /// End of input: flushes every stage, then a [`Step::Finish`].
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let Front {
            reassembler,
            http,
            pending,
            ..
        } = self;
        reassembler.finish(&mut |ev| http.on_event(ev, pending));
        self.drain_pending();
        self.steps.push(Step::Finish);
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
            let request_auth = self.auth.extract_request(&exchange);
            self.steps
                .push(Step::Exchange(Box::new((exchange, request_auth))));
        }
        self.pending = batch;
    }

    /// Steps produced since the last call, in order.
    pub fn take_steps(&mut self) -> Vec<Step> {
        std::mem::take(&mut self.steps)
    }

    /// Number of steps waiting to be taken.
    pub fn steps_waiting(&self) -> usize {
        self.steps.len()
    }
}

impl Back {
    /// Applies one step: an exchange has its authentication completed, then is
    /// diagnosed and stored; a tick expires detector windows; the finish fires
    /// what waited for the end of input.
    pub fn apply(&mut self, step: Step) {
        match step {
            Step::Exchange(parsed) => {
                let (exchange, request_auth) = *parsed;
                let auth = self.auth.complete(&exchange, request_auth);
                let record = Arc::new(ExchangeRecord { exchange, auth });
                self.diagnoser.observe(&record);
                if self.emit_events {
                    self.events.push(EngineEvent::Exchange(Arc::clone(&record)));
                }
                self.store.push(record);
            }
            Step::Tick(now) => {
                self.diagnoser.tick(now);
                // Without a stream to feed, findings are worded once, when
                // read (the snapshot), not at every second of capture time.
                if self.emit_events {
                    self.collect_finding_events();
                }
            }
            Step::Finish => {
                self.finished = true;
                self.diagnoser.finish();
                self.collect_finding_events();
            }
        }
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
}

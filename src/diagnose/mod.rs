//! Diagnose: stateful detectors over the stream of exchanges.
//!
//! Owns per-conversation detector state (client, origin and URL scheme; user,
//! cookie, token and connection where it matters), bounded by caps and expired
//! by capture time, and the finding registry. Receives [`ExchangeRecord`]s in
//! approximate capture order, capture-time ticks and the end of input; emits
//! [`Finding`]s that grow while their evidence grows (one finding per code and
//! subject, stable id, `caused_by` links). The vocabulary is DIAGNOSES.md; one
//! file per family of codes. Must not read a clock or look at anything but the
//! records it is given.

mod challenge;
mod connection_auth;
mod cookies;
mod ctx;
mod findings;
mod hygiene;
mod loops;
mod missing;
mod rate_limit;
mod redirects;
mod refusal;
mod server_hints;
mod state;
mod tokens;
mod words;

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use crate::model::{ExchangeRecord, Finding, FindingId, Thresholds, Timestamp};
use challenge::Outcome;
use ctx::{ConvKey, Ctx};
use findings::Registry;
use state::BoundedMap;
use std::collections::VecDeque;
use std::net::IpAddr;

/// What every detector needs besides the exchange and its own state.
pub(crate) struct Env<'a> {
    reg: &'a mut Registry,
    th: &'a Thresholds,
    /// Credentials and cookies were removed from the input (sanitized HAR).
    stripped: bool,
}

impl Env<'_> {
    /// Records a hit of `code` for `ctx` under `key`.
    fn hit<'e, 'c>(
        &'e mut self,
        ctx: &'c Ctx<'_>,
        code: &'static str,
        sev: crate::model::Severity,
        key: impl Into<std::borrow::Cow<'c, str>>,
    ) -> Option<findings::Entry<'e>> {
        self.reg.hit(ctx.hit(code, sev, key))
    }
}

/// All detector state of one conversation.
#[derive(Default)]
struct Conv {
    missing: missing::MissingState,
    loops: loops::LoopState,
    cookies: cookies::CookieState,
    rate: rate_limit::RateState,
    conn: connection_auth::ConnAuthState,
    hygiene: hygiene::HygieneState,
    /// A request with credentials or a session cookie was answered 2xx.
    authed: bool,
    /// [`ConvKey::text`] of this conversation, built when it was created.
    text: Option<std::sync::Arc<str>>,
}

/// Detector state kept beside the conversations, with its own keys and expiry.
struct Side {
    clients: BoundedMap<IpAddr, redirects::RedirectState>,
    bursts: BoundedMap<String, loops::BurstState>,
    /// Keyed by [`ConvKey::text`], which names the conversation as well.
    sessions: BoundedMap<std::sync::Arc<str>, cookies::SessionState>,
}

impl Side {
    fn expire(&mut self, now: Timestamp) {
        self.clients.expire(now, &mut Vec::new());
        self.bursts.expire(now, &mut Vec::new());
        self.sessions.expire(now, &mut Vec::new());
    }
}

/// Caps on detector state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Conversations (client, origin, scheme) tracked at once.
    pub max_conversations: usize,
    /// Client addresses tracked at once (redirect chains).
    pub max_clients: usize,
    /// Users (or clients) tracked for failed-login bursts.
    pub max_users: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_conversations: 100_000,
            max_clients: 100_000,
            max_users: 100_000,
        }
    }
}

/// Counters of the diagnose stage's own bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiagnoseStats {
    /// Conversations held now.
    pub conversations: usize,
    /// Conversations evicted because the cap was reached.
    pub conversations_evicted: u64,
    /// Conversations forgotten after `idle_secs` of capture time.
    pub conversations_expired: u64,
    /// Findings held.
    pub findings: usize,
    /// Distinct findings not kept because the finding cap was reached.
    pub findings_dropped: u64,
    /// Answer deadlines dropped because their queue was full.
    pub deadlines_dropped: u64,
}

impl DiagnoseStats {
    /// The counters as the engine's [`Stats`](crate::model::Stats) carries them.
    pub fn counters(&self) -> crate::model::DiagnoseCounters {
        let n = |x: usize| u64::try_from(x).unwrap_or(u64::MAX);
        crate::model::DiagnoseCounters {
            conversations: n(self.conversations),
            conversations_evicted: self.conversations_evicted,
            conversations_expired: self.conversations_expired,
            findings_dropped: self.findings_dropped,
            deadlines_dropped: self.deadlines_dropped,
        }
    }
}

/// The diagnose stage.
pub struct Diagnoser {
    thresholds: Thresholds,
    limits: Limits,
    stripped: bool,
    reg: Registry,
    convs: BoundedMap<ConvKey, Conv>,
    side: Side,
    /// `missing-credentials` deadlines in capture order (bounded).
    deadlines: VecDeque<(Timestamp, ConvKey)>,
    deadlines_dropped: u64,
}

impl std::fmt::Debug for Diagnoser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diagnoser")
            .field("thresholds", &self.thresholds)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Diagnoser {
    /// Detectors with the given thresholds.
    pub fn new(thresholds: Thresholds) -> Self {
        Self::with_limits(thresholds, Limits::default())
    }

    /// Detectors with the given thresholds and state caps.
    pub fn with_limits(thresholds: Thresholds, limits: Limits) -> Self {
        let idle = thresholds.idle_secs;
        let session_idle = thresholds.session_memory_secs.max(idle);
        Diagnoser {
            thresholds,
            limits,
            stripped: false,
            reg: Registry::default(),
            convs: BoundedMap::new(limits.max_conversations, idle),
            side: Side {
                clients: BoundedMap::new(limits.max_clients, idle),
                bursts: BoundedMap::new(limits.max_users, idle),
                sessions: BoundedMap::new(limits.max_conversations, session_idle),
            },
            deadlines: VecDeque::new(),
            deadlines_dropped: 0,
        }
    }

    /// The HAR input was sanitized: do not report what the export removed.
    pub fn set_credentials_stripped(&mut self, stripped: bool) {
        self.stripped = stripped;
    }

    /// Looks at one exchange.
    pub fn observe(&mut self, record: &ExchangeRecord) {
        let ctx = Ctx::new(record);
        if ctx.req.is_none() && ctx.resp.is_none() {
            return;
        }
        self.expire(ctx.ts);
        let mut dropped = Vec::new();
        let Diagnoser {
            thresholds,
            stripped,
            reg,
            convs,
            side,
            ..
        } = self;
        let conv = convs.touch(ctx.conv_key(), ctx.ts, &mut dropped);
        let text = conv
            .text
            .get_or_insert_with(|| ctx.conv_key().text().into());
        ctx.set_conv_text(text.clone());
        let mut env = Env {
            reg,
            th: thresholds,
            stripped: *stripped,
        };
        let waiting = run(&ctx, conv, side, &mut env);
        if waiting {
            self.schedule(&ctx, ctx.conv_key());
        }
        self.settle(dropped, ctx.ts);
    }

    /// Advances capture time (expires state, closes windows).
    pub fn tick(&mut self, now: Timestamp) {
        self.expire(now);
        while self
            .deadlines
            .front()
            .is_some_and(|(d, _)| now.micros_since(*d) > 0)
        {
            let Some((_, key)) = self.deadlines.pop_front() else {
                break;
            };
            let Diagnoser {
                thresholds,
                stripped,
                reg,
                convs,
                ..
            } = self;
            if let Some(conv) = convs.get_mut(&key) {
                let mut env = Env {
                    reg,
                    th: thresholds,
                    stripped: *stripped,
                };
                fire_missing(conv, Some(now), &mut env);
            }
        }
    }

    /// End of input: challenges still unanswered are reported.
    pub fn finish(&mut self) {
        self.deadlines.clear();
        let Diagnoser {
            thresholds,
            stripped,
            reg,
            convs,
            ..
        } = self;
        let mut env = Env {
            reg,
            th: thresholds,
            stripped: *stripped,
        };
        // In challenge order, not the map's per-process random order, so the
        // finding ids are the same on every run.
        let mut waiting: Vec<&mut Conv> = convs
            .values_mut()
            .filter(|c| c.missing.is_waiting())
            .collect();
        waiting.sort_by_key(|c| c.missing.first_pending());
        for conv in waiting {
            fire_missing(conv, None, &mut env);
        }
    }

    /// All findings, ranked: errors, warnings, info; then by count (desc), then first time.
    pub fn findings(&mut self) -> Vec<Finding> {
        self.write_texts();
        self.reg.ranked()
    }

    /// Ids of findings created or grown since the last call (texts written).
    pub fn drain_changed(&mut self) -> Vec<FindingId> {
        self.write_texts();
        self.reg.drain_changed()
    }

    /// Brings every finding's text up to date: the findings queued for
    /// re-wording (their text names their cause) and the deferred wordings.
    /// Cheap when nothing changed; call before reading findings.
    pub fn write_texts(&mut self) {
        self.reg.requeue_stale_quotes();
        if !self.reg.has_pending_text() {
            return;
        }
        let mut env = Env {
            reg: &mut self.reg,
            th: &self.thresholds,
            stripped: self.stripped,
        };
        for (id, reword) in env.reg.take_reword() {
            reword(id, &mut env);
        }
        self.reg.flush();
    }

    /// One finding by id.
    pub fn finding(&self, id: FindingId) -> Option<Finding> {
        self.reg.current(id)
    }

    /// Thresholds in force.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// Counters of the stage's bounds.
    pub fn stats(&self) -> DiagnoseStats {
        DiagnoseStats {
            conversations: self.convs.len(),
            conversations_evicted: self.convs.evicted(),
            conversations_expired: self.convs.expired(),
            findings: self.reg.len(),
            findings_dropped: self.reg.dropped(),
            deadlines_dropped: self.deadlines_dropped,
        }
    }

    fn expire(&mut self, now: Timestamp) {
        let mut dropped = Vec::new();
        self.convs.expire(now, &mut dropped);
        self.side.expire(now);
        self.settle(dropped, now);
    }

    /// Conversations leaving the table still report challenges whose window closed.
    fn settle(&mut self, dropped: Vec<Conv>, now: Timestamp) {
        let mut env = Env {
            reg: &mut self.reg,
            th: &self.thresholds,
            stripped: self.stripped,
        };
        for mut conv in dropped {
            if conv.missing.is_waiting() {
                fire_missing(&mut conv, Some(now), &mut env);
            }
        }
    }

    fn schedule(&mut self, ctx: &Ctx<'_>, key: ConvKey) {
        let window = i64::from(self.thresholds.challenge_answer_secs).saturating_mul(1_000_000);
        if self.deadlines.len() >= self.limits.max_conversations.saturating_mul(2).max(1) {
            self.deadlines.pop_front();
            self.deadlines_dropped = self.deadlines_dropped.saturating_add(1);
        }
        self.deadlines
            .push_back((ctx.resp_ts().add_micros(window), key));
    }
}

/// Runs every detector on one exchange; true when a challenge now waits for an answer.
fn run(ctx: &Ctx<'_>, conv: &mut Conv, maps: &mut Side, env: &mut Env<'_>) -> bool {
    if ctx.is_preflight() {
        challenge::preflight(ctx, env);
        return false;
    }
    let broken = connection_auth::observe(ctx, &mut conv.conn, env);
    let outcome = challenge::classify(ctx, broken.is_some());
    let mut cause = broken;
    cause = cause.or(tokens::observe(ctx, outcome, conv.authed, env));
    cause = cause.or(challenge::observe(ctx, outcome, env));
    cause = cause.or(server_hints::observe(ctx, env));
    cause = cause.or(rate_limit::observe(ctx, &mut conv.rate, env));
    hygiene::observe(ctx, &mut conv.hygiene, env);
    cookies::observe(ctx, &mut conv.cookies, env);
    let presented = cookies::presented(ctx, &conv.cookies);
    if !presented.is_empty() {
        let key = ctx.conv_text_shared().clone();
        let s = maps.sessions.touch(key, ctx.ts, &mut Vec::new());
        cookies::session(ctx, outcome, presented, s, env);
    }
    if outcome == Some(Outcome::Invalid) {
        let key = loops::burst_key(ctx);
        let burst = maps.bursts.touch(key.clone(), ctx.ts, &mut Vec::new());
        loops::burst(ctx, &key, burst, env);
    }
    loops::observe(ctx, outcome, cause, &mut conv.loops, env);
    let red = maps.clients.touch(ctx.client, ctx.ts, &mut Vec::new());
    let redirect = redirects::observe(ctx, red, env);
    if let Some(lp) = redirect.login_loop {
        if let Some(c) = cookies::explain_loop(ctx, &mut conv.cookies, env) {
            env.reg.set_cause(lp, c);
        }
    }
    if ctx.is_success() && (ctx.has_credentials() || ctx.has_session_cookie()) {
        conv.authed = true;
    }
    let explained = redirect.dropped || denied_before_login(ctx);
    missing::observe(ctx, outcome, explained, &mut conv.missing, env)
}

/// IIS refused the client by address or rate (401.501–401.504) or the page says
/// the address is denied: credentials would not help, so no "missing" finding.
fn denied_before_login(ctx: &Ctx<'_>) -> bool {
    ctx.auth.hints.ip_denied || ctx.auth.hints.iis_substatus.is_some_and(|(_, s)| s >= 500)
}

/// Reports unanswered challenges and links the conversation's loop to them.
fn fire_missing(conv: &mut Conv, now: Option<Timestamp>, env: &mut Env<'_>) {
    let Some(id) = missing::fire(&mut conv.missing, now, env) else {
        return;
    };
    if let Some(lp) = conv.loops.finding {
        if env.reg.get(lp).is_some_and(|f| f.caused_by.is_none()) {
            env.reg.set_cause(lp, id);
            env.reg.reword_later(lp, loops::render_loop);
        }
    }
}

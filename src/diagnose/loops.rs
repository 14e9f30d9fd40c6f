//! Loops and bursts of failed logins: `auth-loop` and `failed-login-burst`.
//!
//! Owns, per conversation, the recent failed 401/407s and the findings that
//! explained them; per user (or client), the recent rejected credentials.
//! Receives each exchange with its classified outcome and the finding that
//! explains it; emits the loop finding linked (`caused_by`) to the dominant
//! explanation. Must not count the normal dance (first anonymous 401, NTLM
//! type 1 → type 2) as a loop.

use super::challenge::Outcome;
use super::ctx::Ctx;
use super::findings::{Facts, MAX_FACTS};
use super::words::{clip, clip_cow, list, over, secs, who};
use super::Env;
use crate::model::{ChallengeTarget, ExchangeId, FindingId, Severity, Timestamp};
use std::collections::VecDeque;
use std::fmt::Write as _;

/// Recent events kept per window.
const MAX_RECENT: usize = 64;
/// Distinct anonymous targets remembered per conversation.
const MAX_TARGETS: usize = 16;
/// Candidate causes remembered per conversation.
const MAX_CAUSES: usize = 8;

/// Per-conversation loop state.
#[derive(Default)]
pub(crate) struct LoopState {
    recent: VecDeque<(ExchangeId, Timestamp)>,
    anon_targets: Vec<(String, Timestamp)>,
    causes: Vec<(FindingId, u32)>,
    /// The newest event already reported to the registry.
    reported: Option<ExchangeId>,
    /// The `auth-loop` finding of this conversation, once it fired.
    pub finding: Option<FindingId>,
    /// Who refused the loop's requests so far.
    refused_by: RefusedBy,
}

/// Who refused an `auth-loop`'s requests: the origin server (401), a proxy
/// (407) or both; kept in the finding's facts for its wording.
#[derive(Clone, Copy, Default)]
pub(crate) struct RefusedBy {
    server: bool,
    proxy: bool,
}

impl RefusedBy {
    /// The status counted and who sent it, for the loop's wording.
    fn words(self, origin: &str) -> (&'static str, String) {
        match (self.server, self.proxy) {
            (false, true) => ("407", format!("the proxy on the way to {origin}")),
            (true, true) => (
                "401/407",
                format!("{origin} and the proxy on the way to it"),
            ),
            _ => ("401", origin.to_string()),
        }
    }
}

/// Per-user (or per-client) rejected credentials.
#[derive(Default)]
pub(crate) struct BurstState {
    recent: VecDeque<(ExchangeId, Timestamp)>,
    /// The newest event already reported to the registry.
    reported: Option<ExchangeId>,
    clients: Vec<std::net::IpAddr>,
    /// How many of `clients` were already offered to the finding's labels.
    labelled: usize,
}

fn window_push(
    q: &mut VecDeque<(ExchangeId, Timestamp)>,
    id: ExchangeId,
    ts: Timestamp,
    window_secs: u32,
) {
    let w = i64::from(window_secs).saturating_mul(1_000_000);
    while q.front().is_some_and(|(_, t)| ts.micros_since(*t) > w) {
        q.pop_front();
    }
    if q.len() >= MAX_RECENT {
        q.pop_front();
    }
    q.push_back((id, ts));
}

/// The events of the window not yet reported (exchange ids grow in the order
/// exchanges are observed), and the window marked as reported up to its end.
fn unreported(
    q: &VecDeque<(ExchangeId, Timestamp)>,
    reported: &mut Option<ExchangeId>,
) -> Vec<(ExchangeId, Timestamp)> {
    let fresh = q
        .iter()
        .filter(|(id, _)| reported.is_none_or(|r| *id > r))
        .copied()
        .collect();
    if let Some(&(last, _)) = q.back() {
        *reported = Some(last);
    }
    fresh
}

/// The 401/407 counts toward a loop: a failure, or an anonymous request
/// repeated on a target that was already refused.
fn is_loop_event(ctx: &Ctx<'_>, outcome: Outcome, st: &mut LoopState, window_secs: u32) -> bool {
    if outcome.is_failure() {
        return true;
    }
    if outcome != Outcome::NoCredentials {
        return false;
    }
    let w = i64::from(window_secs).saturating_mul(1_000_000);
    st.anon_targets
        .retain(|(_, t)| ctx.ts.micros_since(*t) <= w);
    let path = ctx.path();
    if st.anon_targets.iter().any(|(p, _)| p == path) {
        return true;
    }
    if st.anon_targets.len() >= MAX_TARGETS {
        st.anon_targets.remove(0);
    }
    st.anon_targets.push((path.to_string(), ctx.ts));
    false
}

/// `auth-loop`; returns the loop finding when this exchange is part of one.
pub(crate) fn observe(
    ctx: &Ctx<'_>,
    outcome: Option<Outcome>,
    cause: Option<FindingId>,
    st: &mut LoopState,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let outcome = outcome?;
    if !is_loop_event(ctx, outcome, st, env.th.loop_window_secs) {
        return None;
    }
    window_push(&mut st.recent, ctx.id, ctx.ts, env.th.loop_window_secs);
    if ctx.status == Some(407) {
        st.refused_by.proxy = true;
    } else {
        st.refused_by.server = true;
    }
    if let Some(c) = cause {
        if let Some(e) = st.causes.iter_mut().find(|(id, _)| *id == c) {
            e.1 = e.1.saturating_add(1);
        } else if st.causes.len() < MAX_CAUSES {
            st.causes.push((c, 1));
        }
    }
    if st.recent.len() < env.th.loop_count.max(1) as usize {
        return None;
    }
    let mut id = st.finding;
    let mut known = None;
    for (ev, ts) in unreported(&st.recent, &mut st.reported) {
        let hit = ctx.hit_at("auth-loop", Severity::Error, ctx.conv_text(), ev, ts);
        id = env.reg.hit_or_id(known, hit).map(|e| e.f.id);
        known = id;
    }
    let id = id?;
    st.finding = Some(id);
    if let Some((c, _)) = st.causes.iter().max_by_key(|(_, n)| *n) {
        env.reg.set_cause(id, *c);
    }
    if let Some(e) = env.reg.entry(id) {
        note_loop(ctx, st.refused_by, e.facts);
    }
    env.reg.reword_later(id, render_loop);
    Some(id)
}

/// Keeps in the loop's facts who refused it and what was sent where
/// (`Basic on /reports/`, `proxy Basic on /`, `no credentials on /`).
fn note_loop(ctx: &Ctx<'_>, refused_by: RefusedBy, facts: &mut Facts) {
    if let Some(r) = facts.last_mut::<RefusedBy>() {
        *r = refused_by;
    }
    if facts.labels.len() >= MAX_FACTS {
        return;
    }
    let head = match ctx.answered_cred() {
        Some(c) if c.target == ChallengeTarget::Proxy => {
            format!("proxy {}", clip_cow(&c.scheme, 24)).into()
        }
        Some(c) => clip_cow(&c.scheme, 24),
        None => "no credentials".into(),
    };
    let path = clip_cow(ctx.path(), 60);
    let known = facts
        .labels
        .iter()
        .any(|l| l.strip_prefix(&*head).and_then(|r| r.strip_prefix(" on ")) == Some(&*path));
    if !known {
        facts.label(&format!("{head} on {path}"));
    }
}

/// Re-renders the loop text from the finding itself (also when its cause is
/// linked later, at a tick).
pub(crate) fn render_loop(id: FindingId, env: &mut Env<'_>) {
    let cause = env.reg.get(id).and_then(|f| f.caused_by);
    let cause_code = cause
        .and_then(|c| env.reg.current(c))
        .map(|c| (c.code, c.title));
    let (loop_count, window) = (env.th.loop_count, env.th.loop_window_secs);
    let Some(e) = env.reg.entry(id) else {
        return;
    };
    let addr = e.f.client.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let client = super::words::client_label(addr);
    let origin = clip(e.f.origin.as_deref().unwrap_or(""), 80);
    let whom = who(e.f.user.as_deref(), addr);
    let refused_by = e.facts.last::<RefusedBy>().copied().unwrap_or_default();
    let (status, from) = refused_by.words(&origin);
    e.f.title = format!(
        "{whom} → {origin}: {} {status} responses{}, client keeps retrying",
        e.f.count,
        over(e.f)
    );
    let because = match &cause_code {
        Some((code, title)) => format!(" Cause: {code} ({title})."),
        None => String::new(),
    };
    e.f.explanation = format!(
        "{client} got {status} from {from} {} times{} (threshold: {loop_count} in {}) and kept \
         sending ({}). A single {status} followed by a successful retry is normal; a client that \
         retries without changing what it sends will never get in.{because}",
        e.f.count,
        over(e.f),
        secs(i64::from(window)),
        list(&e.facts.labels),
    );
    let mut fixes = vec![format!(
        "Stop the retry loop: cap retries after a {status} and back off"
    )];
    fixes.push(cause_fix(cause_code.as_ref().map(|c| c.0)));
    e.f.fixes = fixes;
}

fn cause_fix(code: Option<&str>) -> String {
    match code {
        Some("invalid-credentials") => "Replace the cached credentials the client keeps replaying (password manager, saved connection, config file)".to_string(),
        Some("token-expired") => "Refresh the token before retrying".to_string(),
        Some("scheme-mismatch") => "Send credentials in the scheme the server offers".to_string(),
        Some("missing-credentials") => "Configure the client to send credentials for this URL".to_string(),
        Some("stale-nonce") => "Lengthen the Digest nonce lifetime; make the client use the newest nonce".to_string(),
        Some("connection-auth-broken") => "Keep the NTLM/Negotiate handshake on one connection (proxy/load-balancer affinity)".to_string(),
        Some(other) => format!("Fix the cause reported as {other}"),
        None => "Check what the client sends against what the server offers in its challenge".to_string(),
    }
}

const BURST_FIXES: [&str; 3] = [
    "Stop the retry loop that keeps sending the rejected credentials",
    "Check the password (and whether it was changed recently) before trying again",
    "Check whether the account is already locked out and have it unlocked",
];

/// `failed-login-burst`: rejected credentials for one user (or one client).
pub(crate) fn burst(ctx: &Ctx<'_>, key: &str, st: &mut BurstState, env: &mut Env<'_>) {
    window_push(&mut st.recent, ctx.id, ctx.ts, env.th.burst_window_secs);
    if st.clients.len() < 8 && !st.clients.contains(&ctx.client) {
        st.clients.push(ctx.client);
    }
    if st.recent.len() < env.th.burst_count.max(1) as usize {
        return;
    }
    let mut last = None;
    for (ev, ts) in unreported(&st.recent, &mut st.reported) {
        let hit = ctx.hit_at("failed-login-burst", Severity::Error, key, ev, ts);
        last = env.reg.hit_or_id(last, hit).map(|e| e.f.id);
    }
    let Some(e) = last.and_then(|id| env.reg.entry(id)) else {
        return;
    };
    if e.facts.labels.is_empty() {
        let scheme = match ctx.answered_cred() {
            Some(c) if c.target == ChallengeTarget::Proxy => {
                format!("proxy {}", clip(&c.scheme, 24))
            }
            Some(c) => clip(&c.scheme, 24),
            None => "API key".to_string(),
        };
        e.facts.label(&scheme);
    }
    // Labels only grow: clients offered on an earlier hit need no new look.
    let mut text = String::new();
    for c in st.clients.iter().skip(st.labelled) {
        if e.facts.labels.len() >= MAX_FACTS {
            break;
        }
        text.clear();
        let _ = write!(text, "{c}");
        e.facts.label(&text);
    }
    st.labelled = st.clients.len();
    let id = e.f.id;
    env.reg.reword_later(id, render_burst);
}

/// Words a `failed-login-burst` finding from the finding (user, first client,
/// origin, count, span) and its facts (the scheme, then the clients seen).
pub(crate) fn render_burst(id: FindingId, env: &mut Env<'_>) {
    let (count, window) = (env.th.burst_count, env.th.burst_window_secs);
    let Some(e) = env.reg.entry(id) else {
        return;
    };
    let client = e.f.client.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let origin = clip(e.f.origin.as_deref().unwrap_or(""), 80);
    let (scheme, clients) = e
        .facts
        .labels
        .split_first()
        .map_or(("", &[][..]), |(s, c)| (s.as_str(), c));
    e.f.title = format!(
        "{} → {origin}: {} rejected {scheme} logins{}",
        who(e.f.user.as_deref(), client),
        e.f.count,
        over(e.f)
    );
    let subject = match e.f.user.as_deref() {
        Some(u) => format!("user \"{}\"", clip(u, 40)),
        None => format!("client {}", super::words::client_label(client)),
    };
    let by = if scheme.starts_with("proxy ") {
        format!("the proxy on the way to {origin}")
    } else {
        origin.clone()
    };
    e.f.explanation = format!(
        "{} logins for {subject} were rejected by {by}{} (threshold: {count} in {}; from {}). \
         Repeated failures lock directory accounts (e.g. an Active Directory lockout threshold) \
         and trip WAF or fail2ban IP blocks.",
        e.f.count,
        over(e.f),
        secs(i64::from(window)),
        list(clients)
    );
    e.f.fixes = super::words::fixes(&BURST_FIXES);
}

/// The burst state key: per user at an origin, else per conversation.
pub(crate) fn burst_key(ctx: &Ctx<'_>) -> String {
    match ctx.user() {
        Some(u) => {
            let mut key = String::with_capacity(ctx.origin.len() + u.len() + 16);
            for part in [ctx.scheme, "://", &ctx.origin, "|user:", u] {
                key.push_str(part);
            }
            key
        }
        None => ctx.conv_text().to_string(),
    }
}

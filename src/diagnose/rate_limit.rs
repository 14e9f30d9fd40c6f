//! Rate limiting: `rate-limited` and `retry-after-ignored`.
//!
//! Owns, per conversation, the time until which the server asked the client to
//! wait. Receives each exchange (with `Retry-After` already resolved to an
//! absolute capture time by the auth stage); emits the findings. Must not count
//! a request that was already on its way before the limiting response arrived.

use super::ctx::Ctx;
use super::findings::{Facts, MAX_FACTS};
use super::words::{client_label, clip, fixes, list, over, plural, set_opt, set_str, span};
use super::Env;
use crate::model::{ExchangeId, Finding, FindingId, Severity, Timestamp};
use std::borrow::Cow;
use std::net::IpAddr;

struct Wait {
    until: Timestamp,
    given_at: Timestamp,
    given_in: ExchangeId,
    raw: String,
}

/// Per-conversation state.
#[derive(Default)]
pub(crate) struct RateState {
    wait: Option<Wait>,
}

/// Runs the detectors; returns the `rate-limited` finding when this exchange
/// was limited.
pub(crate) fn observe(ctx: &Ctx<'_>, st: &mut RateState, env: &mut Env<'_>) -> Option<FindingId> {
    if ctx.req.is_some() {
        ignored(ctx, st, env);
    }
    let rl = ctx.auth.rate_limit.as_ref();
    let status = ctx.status?;
    let retry = rl.and_then(|r| r.retry_after);
    let iis = matches!(ctx.auth.hints.iis_substatus, Some((401, 501 | 502)));
    let exhausted = rl.is_some_and(|r| r.remaining == Some(0));
    let limited = status == 429 || (status == 503 && retry.is_some()) || iis || exhausted;
    if !limited {
        return None;
    }
    if let (Some(until), true) = (retry, status >= 400) {
        st.wait = Some(Wait {
            until,
            given_at: ctx.resp_ts(),
            given_in: ctx.id,
            raw: rl
                .and_then(|r| r.retry_after_raw.clone())
                .unwrap_or_default(),
        });
    }
    limited_hit(ctx, status, iis, env)
}

fn limited_hit(ctx: &Ctx<'_>, status: u16, iis: bool, env: &mut Env<'_>) -> Option<FindingId> {
    let e = env
        .reg
        .hit(ctx.hit("rate-limited", Severity::Warning, ctx.conv_text()))?;
    let id = e.f.id;
    if e.facts.labels.len() < MAX_FACTS {
        let sign: Cow<'_, str> = match (status, iis) {
            (_, true) => format!(
                "IIS {}.{}",
                status,
                ctx.auth.hints.iis_substatus.map(|s| s.1).unwrap_or(0)
            )
            .into(),
            (429, _) => "429 Too Many Requests".into(),
            (503, _) => "503 with Retry-After".into(),
            (s, _) => format!("{s} with a remaining quota of 0").into(),
        };
        e.facts.label(&sign);
    }
    let rl = ctx.auth.rate_limit.as_ref();
    if let Some(last) = e.facts.last_mut::<LastLimit>() {
        last.client = Some(ctx.client);
        set_str(&mut last.origin, &ctx.origin);
        set_opt(
            &mut last.retry_after_raw,
            rl.and_then(|r| r.retry_after_raw.as_deref()),
        );
        last.limit = rl.and_then(|r| r.limit);
        last.remaining = rl.and_then(|r| r.remaining);
        last.reset_secs = rl.and_then(|r| r.reset_secs);
        set_opt(&mut last.policy, rl.and_then(|r| r.policy.as_deref()));
    }
    e.facts.render = Some(render_limited);
    Some(id)
}

/// What the wording of `rate-limited` takes from the latest limited response.
#[derive(Default)]
struct LastLimit {
    client: Option<IpAddr>,
    origin: String,
    retry_after_raw: Option<String>,
    limit: Option<u64>,
    remaining: Option<u64>,
    reset_secs: Option<u64>,
    policy: Option<String>,
}

/// Words a `rate-limited` finding; facts: the signs seen, the latest response.
fn render_limited(f: &mut Finding, facts: &Facts) {
    let Some(last) = facts.last::<LastLimit>() else {
        return;
    };
    let client = client_label(last.client.unwrap_or(IpAddr::from([0, 0, 0, 0])));
    let origin = clip(&last.origin, 80);
    let details = details(last);
    f.title = format!(
        "{client} → {origin}: rate limited ({})",
        plural(f.count, "response")
    );
    let signals = if details.is_empty() {
        " The last response named no Retry-After or quota headers.".to_string()
    } else {
        format!(" Last signals: {}.", list(&details))
    };
    f.explanation = format!(
        "{origin} limited {client}: {} ({}){}.{signals}",
        plural(f.count, "response"),
        list(&facts.labels),
        over(f),
    );
    f.fixes = fixes(&[
        "Back off: wait as long as Retry-After says, otherwise retry with exponential backoff",
        "Spread the client's requests over time; cache responses instead of polling",
        "If many users share one address (NAT, proxy), or the client is trusted, ask for a higher limit",
    ]);
}

/// The rate-limit signals of one response, in words.
fn details(rl: &LastLimit) -> Vec<String> {
    let mut details = Vec::new();
    if let Some(r) = &rl.retry_after_raw {
        details.push(format!("Retry-After: {}", clip(r, 40)));
    }
    if let Some(l) = rl.limit {
        details.push(format!("limit {l}"));
    }
    if let Some(r) = rl.remaining {
        details.push(format!("remaining {r}"));
    }
    if let Some(s) = rl.reset_secs {
        details.push(format!("resets in {s}s"));
    }
    if let Some(p) = &rl.policy {
        details.push(format!("policy {}", clip(p, 60)));
    }
    details
}

fn ignored(ctx: &Ctx<'_>, st: &mut RateState, env: &mut Env<'_>) {
    let Some(w) = &st.wait else {
        return;
    };
    if ctx.ts >= w.until {
        st.wait = None;
        return;
    }
    if ctx.ts <= w.given_at {
        return;
    }
    let Some(e) = env
        .reg
        .hit(ctx.hit("retry-after-ignored", Severity::Warning, ctx.conv_text()))
    else {
        return;
    };
    let id = e.f.id;
    if let Some(last) = e.facts.last_mut::<LastIgnored>() {
        last.client = Some(ctx.client);
        set_str(&mut last.origin, &ctx.origin);
        last.given_at = w.given_at;
        last.given_in = w.given_in;
        last.until = w.until;
        set_str(&mut last.raw, &w.raw);
        last.ts = ctx.ts;
        last.id = ctx.id;
    }
    e.facts.render = Some(render_ignored);
    let (given_in, given_at) = (w.given_in, w.given_at);
    env.reg.add_evidence(id, given_in, given_at);
}

/// What the wording of `retry-after-ignored` takes from the latest early request.
#[derive(Default)]
struct LastIgnored {
    client: Option<IpAddr>,
    origin: String,
    given_at: Timestamp,
    given_in: ExchangeId,
    until: Timestamp,
    raw: String,
    ts: Timestamp,
    id: ExchangeId,
}

/// Words a `retry-after-ignored` finding from its latest early request.
fn render_ignored(f: &mut Finding, facts: &Facts) {
    let Some(w) = facts.last::<LastIgnored>() else {
        return;
    };
    let client = client_label(w.client.unwrap_or(IpAddr::from([0, 0, 0, 0])));
    f.title = format!(
        "{client} → {}: {} sent before Retry-After",
        clip(&w.origin, 80),
        plural(f.count, "request")
    );
    f.explanation = format!(
        "At {} ({}) the server told {client} to wait until {} (Retry-After: {}, {}); the client \
         sent again {} early ({}). Requests during the wait are refused again and may extend \
         the block (RFC 9110 §10.2.3).",
        w.given_at,
        w.given_in,
        w.until,
        clip(&w.raw, 40),
        span(w.given_at, w.until),
        span(w.ts, w.until),
        w.id
    );
    f.fixes = fixes(&[
        "Honour Retry-After (seconds or an HTTP date) before sending again",
        "Use exponential backoff with jitter when no Retry-After is given",
    ]);
}

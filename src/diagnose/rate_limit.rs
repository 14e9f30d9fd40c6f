//! Rate limiting: `rate-limited` and `retry-after-ignored`.
//!
//! Owns, per conversation, the time until which the server asked the client to
//! wait. Receives each exchange (with `Retry-After` already resolved to an
//! absolute capture time by the auth stage); emits the findings. Must not count
//! a request that was already on its way before the limiting response arrived.

use super::ctx::Ctx;
use super::words::{clip, fixes, list, over, plural, span};
use super::Env;
use crate::model::{ExchangeId, FindingId, RateLimitView, Severity, Timestamp};

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
    let rl = ctx.auth.rate_limit.clone().unwrap_or_default();
    let e = env
        .reg
        .hit(ctx.hit("rate-limited", Severity::Warning, ctx.conv_text()))?;
    let sign = match (status, iis) {
        (_, true) => format!(
            "IIS {}.{}",
            status,
            ctx.auth.hints.iis_substatus.map(|s| s.1).unwrap_or(0)
        ),
        (429, _) => "429 Too Many Requests".to_string(),
        (503, _) => "503 with Retry-After".to_string(),
        (s, _) => format!("{s} with a remaining quota of 0"),
    };
    e.facts.label(&sign);
    let details = details(&rl);
    e.f.title = format!(
        "{} → {}: rate limited ({})",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "response")
    );
    let signals = if details.is_empty() {
        " The last response named no Retry-After or quota headers.".to_string()
    } else {
        format!(" Last signals: {}.", list(&details))
    };
    e.f.explanation = format!(
        "{} limited {}: {} ({}){}.{signals}",
        clip(&ctx.origin, 80),
        super::words::client_label(ctx.client),
        plural(e.f.count, "response"),
        list(&e.facts.labels),
        over(e.f),
    );
    e.f.fixes = fixes(&[
        "Back off: wait as long as Retry-After says, otherwise retry with exponential backoff",
        "Spread the client's requests over time; cache responses instead of polling",
        "If many users share one address (NAT, proxy), or the client is trusted, ask for a higher limit",
    ]);
    Some(e.f.id)
}

/// The rate-limit signals of one response, in words.
fn details(rl: &RateLimitView) -> Vec<String> {
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
    e.f.title = format!(
        "{} → {}: {} sent before Retry-After",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "request")
    );
    e.f.explanation = format!(
        "At {} ({}) the server told {} to wait until {} (Retry-After: {}, {}); the client sent \
         again {} early ({}). Requests during the wait are refused again and may extend the \
         block (RFC 9110 §10.2.3).",
        w.given_at,
        w.given_in,
        super::words::client_label(ctx.client),
        w.until,
        clip(&w.raw, 40),
        span(w.given_at, w.until),
        span(ctx.ts, w.until),
        ctx.id
    );
    e.f.fixes = fixes(&[
        "Honour Retry-After (seconds or an HTTP date) before sending again",
        "Use exponential backoff with jitter when no Retry-After is given",
    ]);
    let (given_in, given_at) = (w.given_in, w.given_at);
    env.reg.add_evidence(id, given_in, given_at);
}

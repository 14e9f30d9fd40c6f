//! `missing-credentials`: a 401 to a request without credentials that the
//! client never answers.
//!
//! Owns, per conversation, the unanswered challenges (bounded). Receives every
//! exchange of the conversation (a later request with credentials answers the
//! challenges of the window) and capture-time deadlines from the diagnoser;
//! emits the finding once a challenge's window has passed, or at the end of
//! input. Must not fire while the window is still open, nor for sanitized input
//! whose credentials were removed, nor for a 401 that offers no scheme.

use super::challenge::Outcome;
use super::ctx::Ctx;
use super::findings::Hit;
use super::words::{client_label, clip, fixes, list, over, plural, secs};
use super::Env;
use crate::model::{ExchangeId, FindingId, Severity, Timestamp};
use std::net::IpAddr;

/// Unanswered challenges kept per conversation.
const MAX_PENDING: usize = 32;

const FIXES: [&str; 3] = [
    "Configure the client with the credentials, token or API key this service expects",
    "Check that the code path making these requests attaches the token (a call made outside the authenticated HTTP client)",
    "Check the URL: a wrong path can hit a protected route directly; in a browser, log in from the main page first",
];

/// Per-conversation state.
#[derive(Default)]
pub(crate) struct MissingState {
    pending: Vec<(ExchangeId, Timestamp)>,
    client: Option<IpAddr>,
    conv: String,
    origin: String,
    path: String,
    offered: String,
}

impl MissingState {
    /// True while challenges wait for an answer.
    pub fn is_waiting(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The oldest challenge still waiting.
    pub fn first_pending(&self) -> Option<ExchangeId> {
        self.pending.iter().map(|(id, _)| *id).min()
    }
}

/// Looks at one exchange of the conversation; true when a new challenge now
/// waits for an answer (the caller schedules its deadline).
pub(crate) fn observe(
    ctx: &Ctx<'_>,
    outcome: Option<Outcome>,
    explained: bool,
    st: &mut MissingState,
    env: &Env<'_>,
) -> bool {
    if env.stripped || ctx.req.is_none() {
        return false;
    }
    let window = i64::from(env.th.challenge_answer_secs).saturating_mul(1_000_000);
    if ctx.has_credentials() || ctx.has_session_cookie() {
        st.pending.retain(|(_, t)| ctx.ts.micros_since(*t) > window);
        return false;
    }
    if explained || ctx.status != Some(401) || outcome != Some(Outcome::NoCredentials) {
        return false;
    }
    // A 401 without a challenge gives the client nothing to answer:
    // `missing-challenge` is the finding, not the client's silence.
    if ctx
        .offered(crate::model::ChallengeTarget::Server)
        .is_empty()
    {
        return false;
    }
    if st.pending.len() >= MAX_PENDING {
        st.pending.remove(0);
    }
    st.pending.push((ctx.id, ctx.resp_ts()));
    st.client = Some(ctx.client);
    st.conv = ctx.conv_text().to_string();
    st.origin = ctx.origin.clone();
    st.path = clip(ctx.path(), 80);
    st.offered = list(&ctx.offered(crate::model::ChallengeTarget::Server));
    true
}

/// Reports the challenges whose window closed before `now` (all of them when
/// `now` is None: end of input).
pub(crate) fn fire(
    st: &mut MissingState,
    now: Option<Timestamp>,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let window = i64::from(env.th.challenge_answer_secs).saturating_mul(1_000_000);
    let due: Vec<(ExchangeId, Timestamp)> = match now {
        Some(n) => {
            let (due, keep) = st
                .pending
                .iter()
                .partition(|(_, t)| n.micros_since(*t) > window);
            st.pending = keep;
            due
        }
        None => std::mem::take(&mut st.pending),
    };
    let client = st.client?;
    let mut last = None;
    for (id, ts) in due {
        let Some(e) = env.reg.hit(Hit {
            code: "missing-credentials",
            severity: Severity::Warning,
            key: st.conv.as_str().into(),
            client: Some(client),
            origin: Some(&st.origin),
            user: None,
            evidence: id,
            ts,
        }) else {
            continue;
        };
        e.facts.label(&st.path);
        let who = client_label(client);
        e.f.title = format!(
            "{who} → {}: {} never answered with credentials",
            clip(&st.origin, 80),
            plural(e.f.count, "401 challenge")
        );
        e.f.explanation = format!(
            "{} from {who} to {} without credentials (on {}) got 401 offering {}{}, and the \
             client did not retry with credentials within {}. The first 401 is normally followed \
             by a retry that carries Authorization; here none came.",
            plural(e.f.count, "request"),
            clip(&st.origin, 80),
            list(&e.facts.labels),
            st.offered,
            over(e.f),
            secs(i64::from(env.th.challenge_answer_secs))
        );
        e.f.fixes = fixes(&FIXES);
        last = Some(e.f.id);
    }
    last
}

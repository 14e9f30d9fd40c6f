//! Redirect detectors: `login-redirect-loop` and
//! `credentials-dropped-on-redirect`.
//!
//! Owns, per client address (a login flow crosses origins: application and
//! identity provider), the recent redirects to login URLs, the current redirect
//! chain, and redirects that left the origin of a request with credentials.
//! Receives each exchange; emits the findings. Must not flag the normal flow:
//! one redirect to a login page, then a successful login.

use super::ctx::{is_login_url, url_origin, Ctx};
use super::findings::{Facts, MAX_FACTS};
use super::words::{client_label, clip, fixes, list, over, secs, set_str};
use super::Env;
use crate::model::{ExchangeId, Finding, FindingId, Severity, Timestamp};
use std::collections::VecDeque;
use std::net::IpAddr;

/// Login URLs tracked per client.
const MAX_LOGIN_URLS: usize = 8;
/// Redirects kept per login URL, and chain length.
const MAX_HOPS: usize = 32;
/// Cross-origin redirects waiting for their follow-up.
const MAX_CROSS: usize = 8;
/// A follow-up request later than this is not part of the chain.
const FOLLOW_MICROS: i64 = 10_000_000;
/// Cross-origin follow-ups are matched within this time.
const CROSS_MICROS: i64 = 30_000_000;
/// Cookie names a `login-redirect-loop` remembers from the requests sent back.
const MAX_LOOP_COOKIES: usize = 4;

struct Cross {
    to: String,
    from: String,
    scheme: String,
    id: ExchangeId,
    ts: Timestamp,
}

/// Per-client state.
#[derive(Default)]
pub(crate) struct RedirectState {
    logins: Vec<(String, VecDeque<(ExchangeId, Timestamp)>)>,
    chain: Vec<(String, ExchangeId, Timestamp)>,
    next: Option<(String, Timestamp)>,
    cross: Vec<Cross>,
}

/// What the redirect detectors concluded about one exchange.
#[derive(Default)]
pub(crate) struct RedirectVerdict {
    /// The `login-redirect-loop` finding this exchange is part of.
    pub login_loop: Option<FindingId>,
    /// This 401 is explained by credentials dropped on a redirect.
    pub dropped: bool,
}

/// Runs the detectors.
pub(crate) fn observe(ctx: &Ctx<'_>, st: &mut RedirectState, env: &mut Env<'_>) -> RedirectVerdict {
    let dropped = dropped_on_redirect(ctx, st, env);
    RedirectVerdict {
        login_loop: login_loop(ctx, st, env),
        dropped,
    }
}

fn login_loop(ctx: &Ctx<'_>, st: &mut RedirectState, env: &mut Env<'_>) -> Option<FindingId> {
    let revisit = chain_step(ctx, st);
    let counted = count_login(ctx, st, env.th.redirect_loop_window_secs);
    let evidence: Vec<(ExchangeId, Timestamp)> = match (revisit, counted) {
        (Some(chain), _) => chain,
        (None, Some(hits)) if hits.len() >= env.th.redirect_loop_count.max(1) as usize => hits,
        _ => return None,
    };
    let to = ctx.redirect_to(false)?;
    loop_hit(ctx, &login_of_loop(to, st), &evidence, env)
}

/// Follows the redirect chain; returns the chain's evidence when this
/// redirect goes back to a URL the chain already visited.
fn chain_step(ctx: &Ctx<'_>, st: &mut RedirectState) -> Option<Vec<(ExchangeId, Timestamp)>> {
    let redirect = ctx.redirect_to(true);
    let due = st
        .next
        .as_ref()
        .is_some_and(|(_, t)| ctx.ts.micros_since(*t) <= FOLLOW_MICROS);
    if redirect.is_none() && !due {
        return None;
    }
    let follow = due && st.next.as_ref().is_some_and(|(n, _)| ctx.url_full_is(n));
    let Some(to) = redirect else {
        if follow {
            st.chain.clear();
            st.next = None;
        }
        return None;
    };
    let url = ctx.url_full();
    if !follow {
        st.chain.clear();
    }
    // A URL of this chain redirects again: the cycle repeats.
    let repeated = st.chain.iter().any(|(u, _, _)| *u == url);
    if st.chain.len() >= MAX_HOPS {
        st.chain.remove(0);
    }
    st.chain.push((url.clone(), ctx.id, ctx.ts));
    st.next = Some((to.to_string(), ctx.resp_ts()));
    // Coming back to the login page the chain started from (after the form was
    // posted) is a loop at once. Coming back to the application URL is how
    // single sign-on ends (app → IdP → app), a loop only if it redirects again.
    let is_get = matches!(ctx.method(), "GET" | "HEAD");
    let back_to_login = (st.chain.len() >= 2 || is_get)
        && is_login_url(to)
        && st.chain.iter().any(|(u, _, _)| *u == to);
    (repeated || back_to_login).then(|| st.chain.iter().map(|(_, id, ts)| (*id, *ts)).collect())
}

/// Counts redirects to the same login URL within the window.
fn count_login(
    ctx: &Ctx<'_>,
    st: &mut RedirectState,
    window_secs: u32,
) -> Option<Vec<(ExchangeId, Timestamp)>> {
    let to = ctx.redirect_to(false).filter(|u| is_login_url(u))?;
    let w = i64::from(window_secs).saturating_mul(1_000_000);
    let i = match st.logins.iter().position(|(u, _)| *u == to) {
        Some(i) => i,
        None => {
            if st.logins.len() >= MAX_LOGIN_URLS {
                st.logins.remove(0);
            }
            st.logins.push((to.to_string(), VecDeque::new()));
            st.logins.len() - 1
        }
    };
    let q = &mut st.logins.get_mut(i)?.1;
    while q.front().is_some_and(|(_, t)| ctx.ts.micros_since(*t) > w) {
        q.pop_front();
    }
    if q.len() >= MAX_HOPS {
        q.pop_front();
    }
    q.push_back((ctx.id, ctx.ts));
    Some(q.iter().copied().collect())
}

/// The login URL a loop is about, so both directions of a cycle (application
/// → login → application) grow one finding: the target when it is a login
/// URL, else a login URL of the chain, else the target.
fn login_of_loop(to: &str, st: &RedirectState) -> String {
    if is_login_url(to) {
        return to.to_string();
    }
    st.chain
        .iter()
        .map(|(u, _, _)| u.split(['?', '#']).next().unwrap_or(u))
        .find(|u| is_login_url(u))
        .unwrap_or(to)
        .to_string()
}

fn loop_hit(
    ctx: &Ctx<'_>,
    to: &str,
    evidence: &[(ExchangeId, Timestamp)],
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let key = format!("{}|{}", ctx.client, to);
    let mut id = None;
    for &(ev, ts) in evidence {
        let hit = ctx.hit_at("login-redirect-loop", Severity::Error, key.as_str(), ev, ts);
        id = env.reg.hit_or_id(id, hit).map(|e| e.f.id);
    }
    let (count, window) = (env.th.redirect_loop_count, env.th.redirect_loop_window_secs);
    let e = env.reg.entry(id?)?;
    if e.facts.labels.len() < MAX_FACTS {
        e.facts.label(&clip(&ctx.url(), 100));
    }
    if let Some(last) = e.facts.last_mut::<LastLoop>() {
        last.client = Some(ctx.client);
        set_str(&mut last.to, to);
        last.count = count;
        last.window_secs = window;
        for c in &ctx.auth.cookies {
            if last.cookies.len() < MAX_LOOP_COOKIES && !last.cookies.contains(&c.name) {
                last.cookies.push(c.name.clone());
            }
        }
    }
    e.facts.render = Some(render_loop);
    Some(e.f.id)
}

/// What the wording of `login-redirect-loop` takes from its latest hit.
#[derive(Default)]
struct LastLoop {
    client: Option<IpAddr>,
    /// The login URL the client is sent back to.
    to: String,
    /// The thresholds in force.
    count: u32,
    window_secs: u32,
    /// Names of the cookies the requests sent back to the login carried.
    cookies: Vec<String>,
}

/// Words a `login-redirect-loop` finding; facts: the URLs that redirected.
fn render_loop(f: &mut Finding, facts: &Facts) {
    let Some(l) = facts.last::<LastLoop>() else {
        return;
    };
    let client = client_label(l.client.unwrap_or(IpAddr::from([0, 0, 0, 0])));
    f.title = format!(
        "{client}: sent back to {} {} times{}",
        clip(&l.to, 100),
        f.count,
        over(f)
    );
    // With a cause (cookie-not-returned) the cookies seen are beside the point.
    let returned = f.caused_by.is_none() && !l.cookies.is_empty();
    let why = if !returned {
        "The login is answered, but the next request is not recognised as logged in, so the \
         application sends the client back to log in again."
            .to_string()
    } else {
        format!(
            "The login is answered and the requests sent back carried cookies ({}); if the \
             session cookie is among them, the client keeps and returns it and the server does \
             not recognise the session. Typical causes: servers behind a load balancer that do \
             not share their session store, a session the server forgets at once, or an \
             identity provider whose answer the application rejects.",
            list(&l.cookies)
        )
    };
    f.explanation = format!(
        "{client} keeps being sent to {} (threshold: {} in {}, or a chain of redirects that comes \
         back to a URL it already visited); the redirects came from {}. {why}",
        clip(&l.to, 100),
        l.count,
        secs(i64::from(l.window_secs)),
        list(&facts.labels)
    );
    let cookie_fix = "Check that the session cookie set after login comes back on the next request (see cookie-not-returned when it was reported)";
    let balancer_fix = "Behind a load balancer: share the session store between servers or enable session affinity";
    let (first, second) = if !returned {
        (cookie_fix, balancer_fix)
    } else {
        (balancer_fix, cookie_fix)
    };
    f.fixes = fixes(&[
        first,
        second,
        "Check the identity provider's redirect URIs and the application's idea of its own external URL (http vs https, host name)",
    ]);
}

/// Remembers a redirect that leaves the origin of a request with credentials.
fn remember_cross(ctx: &Ctx<'_>, scheme: &str, st: &mut RedirectState) {
    let Some(to) = ctx.redirect_to(false) else {
        return;
    };
    if url_origin(to) == ctx.origin_url() {
        return;
    }
    if st.cross.len() >= MAX_CROSS {
        st.cross.remove(0);
    }
    st.cross.push(Cross {
        to: to.to_string(),
        from: ctx.url(),
        scheme: clip(scheme, 24),
        id: ctx.id,
        ts: ctx.ts,
    });
}

/// True when this exchange is a follow-up that lost its credentials and got 401.
fn dropped_on_redirect(ctx: &Ctx<'_>, st: &mut RedirectState, env: &mut Env<'_>) -> bool {
    st.cross
        .retain(|c| ctx.ts.micros_since(c.ts) <= CROSS_MICROS);
    if let Some(cred) = ctx.server_cred() {
        remember_cross(ctx, &cred.scheme, st);
        return false;
    }
    if st.cross.is_empty() {
        return false;
    }
    let url = ctx.url();
    let Some(i) = st.cross.iter().position(|c| c.to == url && c.ts < ctx.ts) else {
        return false;
    };
    let c = st.cross.remove(i);
    if ctx.status != Some(401) || env.stripped {
        return false;
    }
    let key = format!("{}|{}", ctx.client, url_origin(&c.to));
    let Some(e) = env
        .reg
        .hit(ctx.hit("credentials-dropped-on-redirect", Severity::Error, key))
    else {
        return true;
    };
    let id = e.f.id;
    e.f.title = format!(
        "{}: credentials dropped on redirect {} → {}",
        super::words::client_label(ctx.client),
        clip(url_origin(&c.from), 80),
        clip(url_origin(&c.to), 80)
    );
    e.f.explanation = format!(
        "{} sent `Authorization: {} …` to {} and was redirected to {}, another origin. The \
         follow-up request ({}) carried no credentials and got 401. Clients drop Authorization \
         when a redirect leaves the origin (browsers, curl, python-requests do this on purpose, \
         so credentials do not leak to another host).",
        c.id,
        c.scheme,
        clip(&c.from, 100),
        clip(&c.to, 100),
        ctx.id
    );
    e.f.fixes = fixes(&[
        "Send the request (with credentials) to the final URL directly",
        "If the redirect target is trusted, tell the client to keep credentials (curl --location-trusted)",
        "Fix the redirect so it stays on the same scheme, host and port",
    ]);
    env.reg.add_evidence(id, c.id, c.ts);
    true
}

//! Cookie and session detectors: `cookie-not-returned` and `session-expired`.
//!
//! Owns, per conversation, the cookies the origin set (with the attribute that
//! predicts the client will not send them back) and the session cookies and
//! tokens that were last accepted. Receives each exchange; emits the findings
//! and, for a login loop, the cookie that explains it. Must not report anything
//! for sanitized input (cookies removed by the export) nor treat a deletion
//! (`Max-Age=0` with an empty value, e.g. logout) as a lost cookie.

use super::challenge::Outcome;
use super::ctx::{contains_ci, looks_like_session, Ctx};
use super::words::{clip, clip_cow, fixes, plural, span, who};
use super::Env;
use crate::model::{
    CredentialKind, ExchangeId, FindingId, Fingerprint, SetCookie, Severity, Timestamp,
};
use std::borrow::Cow;

/// Cookies and accepted sessions remembered per conversation.
const MAX_TRACKED: usize = 16;
/// RFC 6265 §6.1: user agents must support cookies of at least 4096 bytes.
const MAX_COOKIE_BYTES: usize = 4096;
/// A refusal on a path the value was never accepted on, closer than this to
/// the last success, is not called an expiry (idle timeouts are minutes; a
/// quick 401 elsewhere is more likely another permission). On a path where the
/// same value was accepted before, any gap counts: the server forgot it.
const MIN_GAP_MICROS: i64 = 60_000_000;
/// Paths remembered per accepted session.
const MAX_PATHS: usize = 8;

struct SetRecord {
    name: String,
    reason: Option<String>,
    path: Option<String>,
    session: bool,
    set_id: ExchangeId,
    set_ts: Timestamp,
    misses: u32,
    finding: Option<FindingId>,
}

struct Accepted {
    label: String,
    fp: Fingerprint,
    last_ok: Timestamp,
    ok_id: ExchangeId,
    paths: Vec<String>,
}

/// Per-conversation cookie state.
#[derive(Default)]
pub(crate) struct CookieState {
    set: Vec<SetRecord>,
}

/// Per-conversation accepted sessions, kept longer than the conversation
/// itself (`session_memory_secs`) so long idle gaps are still seen.
#[derive(Default)]
pub(crate) struct SessionState {
    accepted: Vec<Accepted>,
}

/// `cookie-not-returned` on one exchange; remembers its Set-Cookies.
pub(crate) fn observe(ctx: &Ctx<'_>, st: &mut CookieState, env: &mut Env<'_>) {
    if env.stripped {
        return;
    }
    if ctx.req.is_some() {
        check_returned(ctx, st, env);
    }
    for sc in &ctx.auth.set_cookies {
        remember_set(ctx, sc, st);
    }
}

/// Why a client will not send this cookie back (RFC 6265bis §5.7), or None.
fn reason(ctx: &Ctx<'_>, sc: &SetCookie) -> Option<String> {
    if sc.secure && ctx.scheme == "http" {
        return Some("it is marked `Secure` but was set over plain http, so clients drop it (browsers make an exception only for localhost)".to_string());
    }
    if let Some(d) = &sc.domain {
        let host = ctx
            .origin
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(&ctx.origin)
            .to_ascii_lowercase();
        let d = d.trim_start_matches('.').to_ascii_lowercase();
        // The host is the domain or ends with `.domain`.
        let covered = host
            .strip_suffix(d.as_str())
            .is_some_and(|head| head.is_empty() || head.ends_with('.'));
        if !covered {
            return Some(format!(
                "its `Domain={}` does not match the host {}, so clients reject it",
                clip(&d, 60),
                clip(&host, 60)
            ));
        }
    }
    if sc
        .same_site
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("none"))
        && !sc.secure
    {
        return Some("it has `SameSite=None` without `Secure`, which browsers reject".to_string());
    }
    if let Some(r) = prefix_reason(sc) {
        return Some(r);
    }
    expiry_or_size(ctx, sc)
}

/// Cookie name prefixes (RFC 6265bis §4.1.3) whose rules are broken.
fn prefix_reason(sc: &SetCookie) -> Option<String> {
    if sc.name.starts_with("__Host-")
        && (!sc.secure || sc.domain.is_some() || sc.path.as_deref() != Some("/"))
    {
        return Some(
            "its `__Host-` prefix requires `Secure`, `Path=/` and no `Domain`".to_string(),
        );
    }
    if sc.name.starts_with("__Secure-") && !sc.secure {
        return Some("its `__Secure-` prefix requires `Secure`".to_string());
    }
    None
}

fn expiry_or_size(ctx: &Ctx<'_>, sc: &SetCookie) -> Option<String> {
    if sc.expired {
        return Some(match (sc.max_age, sc.expires) {
            (Some(m), _) => format!("it was already expired when set (`Max-Age={m}`)"),
            (None, Some(t)) => format!(
                "it was already expired when set (`Expires` {t}, {} before the response)",
                span(t, ctx.resp_ts())
            ),
            _ => "it was already expired when set".to_string(),
        });
    }
    if sc.size > MAX_COOKIE_BYTES {
        return Some(format!(
            "it is {} bytes, over the 4096 bytes clients must keep",
            sc.size
        ));
    }
    None
}

fn remember_set(ctx: &Ctx<'_>, sc: &SetCookie, st: &mut CookieState) {
    let deletion = sc.expired && is_deletion(ctx, sc);
    st.set.retain(|r| r.name != sc.name);
    if deletion {
        return;
    }
    if st.set.len() >= MAX_TRACKED {
        st.set.remove(0);
    }
    st.set.push(SetRecord {
        name: sc.name.clone(),
        reason: reason(ctx, sc),
        path: sc.path.clone(),
        session: sc.http_only || looks_like_session(&sc.name),
        set_id: ctx.id,
        set_ts: ctx.resp_ts(),
        misses: 0,
        finding: None,
    });
}

/// An expired cookie that deletes rather than sets: a short placeholder value
/// (`""`, `deleted`) or an `Expires` far in the past (logout). A real session
/// value that arrives already expired is what `cookie-not-returned` reports.
fn is_deletion(ctx: &Ctx<'_>, sc: &SetCookie) -> bool {
    const DAY_MICROS: i64 = 86_400_000_000;
    sc.value.len() < 16
        || (sc.max_age.is_none()
            && sc
                .expires
                .is_some_and(|t| ctx.resp_ts().micros_since(t) > DAY_MICROS))
}

/// RFC 6265 §5.1.4 path-match.
fn path_matches(cookie_path: &str, req_path: &str) -> bool {
    req_path == cookie_path
        || (req_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || req_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

fn check_returned(ctx: &Ctx<'_>, st: &mut CookieState, env: &mut Env<'_>) {
    let failed = matches!(ctx.status, Some(401 | 403)) || ctx.redirects_to_login();
    let sent = |name: &str| ctx.auth.cookies.iter().any(|c| c.name == name);
    st.set.retain(|r| !(r.set_ts < ctx.ts && sent(&r.name)));
    for r in st
        .set
        .iter_mut()
        .filter(|r| r.set_ts < ctx.ts && r.set_id != ctx.id)
    {
        let outside_path = r
            .path
            .as_deref()
            .is_some_and(|p| !path_matches(p, ctx.path()));
        let why = match (&r.reason, outside_path) {
            (Some(w), _) => w.clone(),
            (None, true) if failed => format!(
                "its `Path={}` does not cover {}, so it is not sent there",
                clip(r.path.as_deref().unwrap_or("/"), 60),
                clip(ctx.path(), 60)
            ),
            _ => {
                r.misses = r.misses.saturating_add(1);
                continue;
            }
        };
        r.finding = not_returned(ctx, &r.name, r.set_id, r.set_ts, &why, env).or(r.finding);
    }
}

fn not_returned(
    ctx: &Ctx<'_>,
    name: &str,
    set_id: ExchangeId,
    set_ts: Timestamp,
    why: &str,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let key = format!("{}|{}", ctx.conv_text(), name);
    let e = env
        .reg
        .hit(ctx.hit("cookie-not-returned", Severity::Error, key))?;
    let id = e.f.id;
    e.f.title = format!(
        "{} → {}: cookie `{}` never sent back ({})",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        clip(name, 60),
        plural(e.f.count, "request")
    );
    e.f.explanation = format!(
        "{} set cookie `{}` in {set_id} at {set_ts}, but the next {} from {} to it came without \
         it: {why}. Whatever the cookie carries (often the login session) is lost, so the server \
         treats each request as new.",
        clip(&ctx.origin, 80),
        clip(name, 60),
        plural(e.f.count, "request"),
        ctx.client
    );
    e.f.fixes = fixes(&[
        "Serve the site over https, or drop `Secure` in a plain-http test environment",
        "Make `Domain` and `Path` match the host and paths the client uses (or omit them)",
        "Use `SameSite=None` only together with `Secure`; keep cookies small; clear corrupt cookies in the client",
    ]);
    env.reg.add_evidence(id, set_id, set_ts);
    Some(id)
}

/// The cookie that explains a login loop of this conversation: one already
/// reported, else a session cookie the client never sent back although its
/// attributes allow it (the client keeps no cookies).
pub(crate) fn explain_loop(
    ctx: &Ctx<'_>,
    st: &mut CookieState,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    if env.stripped {
        return None;
    }
    if let Some(id) = st.set.iter().find_map(|r| r.finding) {
        return Some(id);
    }
    let r = st.set.iter_mut().find(|r| r.session && r.misses > 0)?;
    let why = "nothing in its attributes forbids it, so the client does not keep cookies (a script or curl without a cookie jar) or blocks them (third-party cookie blocking)";
    let id = not_returned(ctx, &r.name, r.set_id, r.set_ts, why, env);
    r.finding = id;
    id
}

/// A session cookie or token a request presents: its label's parts, so the
/// label is compared without being built.
pub(crate) enum Presented<'a> {
    /// `` session cookie `name` `` (the name clipped).
    Cookie(Cow<'a, str>),
    /// `Bearer token` (the scheme clipped).
    Token(Cow<'a, str>),
}

impl Presented<'_> {
    /// True when `label` is this one's label.
    fn is(&self, label: &str) -> bool {
        match self {
            Presented::Cookie(name) => {
                label
                    .strip_prefix("session cookie `")
                    .and_then(|r| r.strip_suffix('`'))
                    == Some(name.as_ref())
            }
            Presented::Token(scheme) => label.strip_suffix(" token") == Some(scheme.as_ref()),
        }
    }

    /// The label, as findings and the accepted sessions name it.
    fn label(&self) -> String {
        match self {
            Presented::Cookie(name) => format!("session cookie `{name}`"),
            Presented::Token(scheme) => format!("{scheme} token"),
        }
    }
}

/// Session cookies and tokens this request presents.
pub(crate) fn presented<'a>(ctx: &Ctx<'a>, st: &CookieState) -> Vec<(Presented<'a>, Fingerprint)> {
    let mut presented: Vec<(Presented<'a>, Fingerprint)> = ctx
        .auth
        .cookies
        .iter()
        .filter(|c| {
            looks_like_session(&c.name) || st.set.iter().any(|r| r.name == c.name && r.session)
        })
        .map(|c| {
            (
                Presented::Cookie(clip_cow(&c.name, 60)),
                c.value.fingerprint(),
            )
        })
        .collect();
    if let Some(c) = ctx.server_cred() {
        if matches!(
            c.kind,
            CredentialKind::Bearer { .. } | CredentialKind::Other { .. }
        ) {
            presented.push((Presented::Token(clip_cow(&c.scheme, 24)), c.fingerprint));
        }
    }
    presented
}

/// `session-expired`: a session cookie or token accepted earlier is refused.
pub(crate) fn session(
    ctx: &Ctx<'_>,
    outcome: Option<Outcome>,
    presented: Vec<(Presented<'_>, Fingerprint)>,
    st: &mut SessionState,
    env: &mut Env<'_>,
) {
    if env.stripped {
        return;
    }
    if ctx.is_success() {
        accept(ctx, presented, st);
        return;
    }
    forget_deleted(ctx, st);
    if is_logout(ctx.path()) {
        st.accepted
            .retain(|a| !presented.iter().any(|(p, _)| p.is(&a.label)));
        return;
    }
    let refused = ctx.status == Some(401) || ctx.redirects_to_login();
    if !refused || outcome == Some(Outcome::Expired) {
        return;
    }
    for (p, fp) in presented {
        let Some(a) = st.accepted.iter().find(|a| a.fp == fp && p.is(&a.label)) else {
            continue;
        };
        let same_path = a.paths.iter().any(|p| p == ctx.path());
        if !same_path && ctx.ts.micros_since(a.last_ok) < MIN_GAP_MICROS {
            continue;
        }
        expired(ctx, a, env);
    }
}

fn accept(ctx: &Ctx<'_>, presented: Vec<(Presented<'_>, Fingerprint)>, st: &mut SessionState) {
    for (p, fp) in presented {
        // The entry of this label moves to the end (newest), keeping its
        // buffers; its paths only while the value is the same.
        let (label, mut paths) = match st.accepted.iter().position(|a| p.is(&a.label)) {
            Some(pos) => {
                let mut old = st.accepted.remove(pos);
                if old.fp != fp {
                    old.paths.clear();
                }
                (old.label, old.paths)
            }
            None => (p.label(), Vec::new()),
        };
        if !paths.iter().any(|p| p == ctx.path()) {
            if paths.len() >= MAX_PATHS {
                paths.remove(0);
            }
            paths.push(ctx.path().to_string());
        }
        if st.accepted.len() >= MAX_TRACKED {
            st.accepted.remove(0);
        }
        st.accepted.push(Accepted {
            label,
            fp,
            last_ok: ctx.ts,
            ok_id: ctx.id,
            paths,
        });
    }
    forget_deleted(ctx, st);
}

/// A logout URL: its redirect to the login page is the logout itself, and the
/// session it ends was not lost.
fn is_logout(path: &str) -> bool {
    ["logout", "logoff", "signout", "sign-out", "log-out"]
        .iter()
        .any(|w| contains_ci(path, w))
}

/// A response that deletes a session cookie (logout) ends that session: a
/// later refusal of the old value is expected, not an expiry.
fn forget_deleted(ctx: &Ctx<'_>, st: &mut SessionState) {
    for sc in ctx.auth.set_cookies.iter().filter(|c| c.expired) {
        let cookie = Presented::Cookie(clip_cow(&sc.name, 60));
        st.accepted.retain(|a| !cookie.is(&a.label));
    }
}

fn expired(ctx: &Ctx<'_>, a: &Accepted, env: &mut Env<'_>) {
    let key = format!("{}|{}", ctx.conv_text(), a.label);
    let how = match ctx.status {
        Some(401) => "was answered 401".to_string(),
        _ => "was redirected to the login page".to_string(),
    };
    let Some(e) = env
        .reg
        .hit(ctx.hit("session-expired", Severity::Warning, key))
    else {
        return;
    };
    let id = e.f.id;
    let gap = span(a.last_ok, ctx.ts);
    e.f.title = format!(
        "{} → {}: {} expired after {gap} idle",
        who(ctx.user(), ctx.client),
        clip(&ctx.origin, 80),
        a.label
    );
    e.f.explanation = format!(
        "The {} (fingerprint {}) was accepted at {} ({}); the same value {how} at {} ({}), {gap} \
         later. The server no longer knows this session: idle timeout, absolute lifetime, a \
         server restart that lost in-memory sessions, or a logout elsewhere.",
        a.label, a.fp, a.last_ok, a.ok_id, ctx.ts, ctx.id
    );
    e.f.fixes = fixes(&[
        "Log in again (or run the token refresh flow)",
        "If the idle timeout is shorter than the workflow needs, extend it at the application or identity provider",
        "Behind several servers, use a shared session store so a restart or failover keeps sessions",
    ]);
    env.reg.add_evidence(id, a.ok_id, a.last_ok);
}

//! Token and authorization detectors: what the claims and a 403 say.
//!
//! Owns no state (the conversation's "credentials were accepted" flag lives in
//! [`super::ctx`]'s caller). Receives one exchange with its classified outcome;
//! emits `token-expired`, `clock-skew` (JWT `nbf`/`iat`, Kerberos skew),
//! `insufficient-scope` and `forbidden`. Must not compare claims with anything
//! but the exchange's capture time.

use super::challenge::{bearer_error, says_expired, Outcome};
use super::ctx::{hit, Ctx};
use super::findings::Facts;
use super::words::{clip, fixes, list, over, plural, set_opt, set_str, span, who};
use super::Env;
use crate::model::{CredentialKind, Finding, FindingId, Fingerprint, JwtView, Severity, Timestamp};
use std::net::IpAddr;

/// Runs the detectors; returns the finding that explains a failed 401.
pub(crate) fn observe(
    ctx: &Ctx<'_>,
    outcome: Option<Outcome>,
    authed: bool,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let jwt = bearer_jwt(ctx);
    if let Some(j) = jwt {
        jwt_skew(ctx, j, env);
    }
    let failed = ctx.status.is_none_or(|s| s >= 400);
    let expired = outcome == Some(Outcome::Expired)
        || (failed && jwt.and_then(|j| j.exp).is_some_and(|e| e < ctx.ts));
    let mut cause = None;
    if expired {
        cause = token_expired(ctx, jwt, env);
    }
    if outcome == Some(Outcome::Skew) {
        cause = kerberos_skew(ctx, env).or(cause);
    }
    let scope =
        bearer_error(ctx).is_some_and(|(e, _)| e.eq_ignore_ascii_case("insufficient_scope"));
    if scope && matches!(ctx.status, Some(401 | 403)) {
        cause = insufficient_scope(ctx, jwt, env).or(cause);
    } else if ctx.status == Some(403)
        && !denied_by_address(ctx)
        && (authed || ctx.has_credentials() || ctx.has_session_cookie())
    {
        forbidden(ctx, authed, env);
    }
    cause
}

fn bearer_jwt<'a>(ctx: &Ctx<'a>) -> Option<&'a JwtView> {
    match &ctx.server_cred()?.kind {
        CredentialKind::Bearer { jwt, .. } => jwt.as_deref(),
        _ => None,
    }
}

fn denied_by_address(ctx: &Ctx<'_>) -> bool {
    ctx.auth.hints.ip_denied || matches!(ctx.auth.hints.iis_substatus, Some((403, 6 | 503)))
}

fn token_expired(ctx: &Ctx<'_>, jwt: Option<&JwtView>, env: &mut Env<'_>) -> Option<FindingId> {
    let cred = ctx.server_cred()?;
    let key = format!("{}|{}", ctx.conv_text(), cred.fingerprint);
    let e = hit(ctx, env, "token-expired", Severity::Error, key)?;
    if let Some(last) = e.facts.last_mut::<LastExpired>() {
        last.client = Some(ctx.client);
        set_str(&mut last.origin, &ctx.origin);
        set_opt(&mut last.user, ctx.user());
        last.fingerprint = Some(cred.fingerprint);
        last.exp = jwt.and_then(|j| j.exp);
        last.ts = ctx.ts;
        let says = bearer_error(ctx).filter(|(e, d)| says_expired(e, d));
        match (&mut last.server_says, says) {
            (Some((e, d)), Some((ne, nd))) => {
                set_str(e, ne);
                set_str(d, nd);
            }
            (None, None) => {}
            (slot, new) => *slot = new.map(|(e, d)| (e.to_string(), d.to_string())),
        }
    }
    e.facts.render = Some(render_expired);
    Some(e.f.id)
}

/// What the wording of `token-expired` takes from its latest refused request.
#[derive(Default)]
struct LastExpired {
    client: Option<IpAddr>,
    origin: String,
    user: Option<String>,
    fingerprint: Option<Fingerprint>,
    /// The token's `exp`.
    exp: Option<Timestamp>,
    /// Capture time of the request.
    ts: Timestamp,
    /// The Bearer challenge's `error` and `error_description`, when they say expired.
    server_says: Option<(String, String)>,
}

/// Words a `token-expired` finding from its latest refused request.
fn render_expired(f: &mut Finding, facts: &Facts) {
    let Some(l) = facts.last::<LastExpired>() else {
        return;
    };
    let Some(fp) = l.fingerprint else {
        return;
    };
    let client = l.client.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    f.title = format!(
        "{} → {}: expired bearer token used {}",
        who(l.user.as_deref(), client),
        clip(&l.origin, 80),
        plural(f.count, "time")
    );
    let timing = match l.exp {
        Some(x) if x < l.ts => format!(
            "The token (fingerprint {fp}) expired at {x}, {} before the request at {}{}.",
            span(x, l.ts),
            l.ts,
            if f.count > 1 {
                format!("; it was still being sent {} later", span(x, f.last_ts))
            } else {
                String::new()
            }
        ),
        _ => format!("The token (fingerprint {fp}) was refused as expired."),
    };
    let server_says = l
        .server_says
        .as_ref()
        .map(|(e, d)| {
            format!(
                " The server says error=\"{}\", \"{}\".",
                clip(e, 40),
                clip(d, 160)
            )
        })
        .unwrap_or_default();
    f.explanation = format!(
        "{timing}{server_says} An expired token is refused with 401 however often it is retried."
    );
    f.fixes = fixes(&[
        "Get a new token: run the refresh flow (refresh_token grant) or log in again",
        "Refresh before `exp` (e.g. when less than a minute is left) instead of after a 401",
        "Check the identity provider's token lifetime and idle/session timeouts",
    ]);
}

fn jwt_skew(ctx: &Ctx<'_>, jwt: &JwtView, env: &mut Env<'_>) {
    let tolerance = i64::from(env.th.jwt_skew_secs).saturating_mul(1_000_000);
    let ahead = [("nbf", jwt.nbf), ("iat", jwt.iat)]
        .into_iter()
        .filter_map(|(n, t)| t.map(|t| (n, t)))
        .find(|(_, t)| t.micros_since(ctx.ts) > tolerance);
    let Some((claim, t)) = ahead else {
        return;
    };
    let key = format!("{}|jwt", ctx.conv_text());
    let tolerance_secs = env.th.jwt_skew_secs;
    let iss = jwt
        .iss
        .as_deref()
        .map(|i| clip(i, 80))
        .unwrap_or_else(|| "the issuer".to_string());
    let Some(e) = hit(ctx, env, "clock-skew", Severity::Warning, key) else {
        return;
    };
    e.f.title = format!(
        "{} → {}: token `{claim}` is {} in the future",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        span(ctx.ts, t)
    );
    e.f.explanation = format!(
        "The bearer token's `{claim}` claim is {t}, {} after the capture time of the request \
         ({}); more than the {}s tolerance. The clock of {iss} (or of this machine) is off, and \
         servers refuse tokens that are \"not yet valid\". Seen {}{}.",
        span(ctx.ts, t),
        ctx.ts,
        tolerance_secs,
        plural(e.f.count, "time"),
        over(e.f)
    );
    e.f.fixes = fixes(&[
        "Synchronise the clocks of the token issuer, the client and the server with NTP",
        "If small skews are expected, configure a clock-skew allowance in the token validation",
    ]);
}

fn kerberos_skew(ctx: &Ctx<'_>, env: &mut Env<'_>) -> Option<FindingId> {
    let key = format!("{}|kerberos", ctx.conv_text());
    let e = hit(ctx, env, "clock-skew", Severity::Warning, key)?;
    e.f.title = format!(
        "{} → {}: Kerberos refused with KRB_AP_ERR_SKEW ({})",
        who(ctx.user(), ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "time")
    );
    e.f.explanation = "The server's Negotiate answer carries a Kerberos error 37 \
        (KRB_AP_ERR_SKEW, RFC 4120 §7.5.9): the client's clock and the server's differ by more \
        than the 5 minutes Kerberos allows, so the ticket is refused even though it is valid."
        .to_string();
    e.f.fixes = fixes(&[
        "Fix the time on the client or the server: both should follow the domain's time source (w32tm /resync, NTP)",
        "Check the time zone and daylight-saving settings of the machine whose clock is off",
    ]);
    Some(e.f.id)
}

fn insufficient_scope(
    ctx: &Ctx<'_>,
    jwt: Option<&JwtView>,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let needed = ctx
        .auth
        .challenges
        .iter()
        .find(|c| c.scheme_is("Bearer"))
        .and_then(|c| c.param("scope"))
        .map(|s| clip(s, 120));
    let has: Vec<String> = jwt.map(|j| j.scopes.clone()).unwrap_or_default();
    let key = format!("{}|{}", ctx.conv_text(), needed.as_deref().unwrap_or(""));
    let e = hit(ctx, env, "insufficient-scope", Severity::Error, key)?;
    e.facts.label(&clip(ctx.path(), 80));
    e.f.title = format!(
        "{} → {}: token lacks scope {} ({})",
        who(ctx.user(), ctx.client),
        clip(&ctx.origin, 80),
        needed.as_deref().unwrap_or("(not named)"),
        plural(e.f.count, "request")
    );
    e.f.explanation = format!(
        "{} answered {} with `error=\"insufficient_scope\"` (RFC 6750 §3.1) on {}: the token was \
         understood, but it does not grant {}. The token carries: {}. This is authorization, not \
         a login problem: logging in again with the same scopes does not help.",
        clip(&ctx.origin, 80),
        ctx.status.unwrap_or(403),
        list(&e.facts.labels),
        needed.as_deref().unwrap_or("what this resource needs"),
        list(&has)
    );
    e.f.fixes = fixes(&[
        "Request the token with the scope the server names (add it to the client's scope list)",
        "Grant the user or client application the role or consent for that scope at the identity provider",
    ]);
    Some(e.f.id)
}

fn forbidden(ctx: &Ctx<'_>, authed: bool, env: &mut Env<'_>) {
    let sent = match ctx.server_cred() {
        Some(c) => format!("carried {} credentials", clip(&c.scheme, 24)),
        None if !ctx.auth.api_keys.is_empty() => "carried an API key".to_string(),
        None if ctx.has_session_cookie() => "carried a session cookie".to_string(),
        None => "came after credentials were accepted".to_string(),
    };
    let accepted = if authed {
        " Earlier requests of this client were accepted, so the identity is known."
    } else {
        ""
    };
    let Some(e) = hit(ctx, env, "forbidden", Severity::Warning, ctx.conv_text()) else {
        return;
    };
    e.facts.label(&clip(ctx.path(), 80));
    e.f.title = format!(
        "{} → {}: {} answered 403 Forbidden",
        who(ctx.user(), ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "request")
    );
    e.f.explanation = format!(
        "{} to {} that {sent} got 403{}.{accepted} 403 means \"I know who you are, and you may \
         not\" (RFC 9110 §15.5.4): the identity lacks permission, unlike 401 where the login \
         itself failed.",
        plural(e.f.count, "request"),
        list(&e.facts.labels),
        over(e.f)
    );
    e.f.fixes = fixes(&[
        "Give this identity the permission: group or role membership, the application's ACL, file system (NTFS) permissions",
        "Check the resource is meant to be reachable at all (directory listing, blocked path)",
        "Logging in again does not fix a 403",
    ]);
}

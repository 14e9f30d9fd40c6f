//! Detectors that read what the server tells beyond auth headers: IIS
//! sub-status codes, "address denied" pages, header-size refusals and the
//! `Date` header.
//!
//! Owns no state. Receives one exchange; emits `iis-substatus`, `ip-denied`,
//! `header-too-large` and `clock-skew` (server `Date`). Must not guess a
//! sub-status the server did not name.

use super::ctx::{hit, Ctx};
use super::words::{clip, fixes, over, plural, secs};
use super::Env;
use crate::model::{FindingId, Severity};

/// Runs the detectors; returns the finding that explains a failed 401.
pub(crate) fn observe(ctx: &Ctx<'_>, env: &mut Env<'_>) -> Option<FindingId> {
    let mut cause = None;
    if let Some((status, sub)) = ctx.auth.hints.iis_substatus {
        cause = iis_substatus(ctx, status, sub, env);
    }
    let iis_denied = matches!(
        ctx.auth.hints.iis_substatus,
        Some((401 | 403, 503 | 504)) | Some((403, 6))
    );
    if iis_denied || (ctx.auth.hints.ip_denied && ctx.status.is_some_and(|s| s >= 400)) {
        cause = ip_denied(ctx, env).or(cause);
    }
    if ctx.status == Some(431) || (ctx.status == Some(400) && ctx.auth.hints.header_too_large) {
        header_too_large(ctx, env);
    }
    date_skew(ctx, env);
    cause
}

/// Meaning, severity and fix of an IIS sub-status (IIS "HTTP status codes" KB 943891).
fn iis_meaning(status: u16, sub: u16) -> (&'static str, Severity, &'static str) {
    use Severity::{Error, Info};
    match (status, sub) {
        (401, 1) => ("logon failed: invalid user name or password", Error, "Check the credentials; clear cached ones in the client"),
        (401, 2) => ("logon failed due to server configuration: no authentication method in common with the client", Error, "Enable an authentication method the client supports in IIS (Windows/Basic) or configure the client for the one enabled"),
        (401, 3) => ("unauthorized due to an ACL on the resource (NTFS permissions)", Error, "Grant the user (or the anonymous/app-pool identity) read access to the file or folder"),
        (401, 4) => ("authorization failed by a filter", Error, "Check the ISAPI filter or module that denies the request"),
        (401, 5) => ("authorization failed by an ISAPI/CGI application", Error, "Check the application's own authorization rules"),
        (401, 501) => ("too many concurrent requests from the same client IP (Dynamic IP Restrictions)", Info, "Reduce concurrency or raise maxConcurrentRequests for trusted clients"),
        (401, 502) => ("request-rate limit exceeded for this client IP (Dynamic IP Restrictions)", Info, "Slow the client down or raise maxRequests/requestIntervalInMilliseconds"),
        (401, 503) | (403, 503) => ("the client IP address is on the deny list", Info, "Ask the administrator to review the IP Address and Domain Restrictions"),
        (401, 504) | (403, 504) => ("the client host name is denied", Info, "Ask the administrator to review the domain-name restrictions"),
        (403, 4) => ("SSL is required for this resource", Info, "Use https:// for this URL"),
        (403, 6) => ("the client IP address is rejected", Info, "Ask the administrator to review the IP restrictions"),
        (403, 7) => ("a client certificate is required", Info, "Configure the client to present its certificate"),
        (403, 14) => ("directory listing is denied", Info, "Request a file, or add a default document"),
        (403, 16) => ("the client certificate is untrusted or invalid", Info, "Check the certificate chain and the server's trusted CAs"),
        _ => ("a sub-status this tool does not know", Info, "Look the code up in the IIS documentation"),
    }
}

fn iis_substatus(ctx: &Ctx<'_>, status: u16, sub: u16, env: &mut Env<'_>) -> Option<FindingId> {
    let (meaning, sev, fix) = iis_meaning(status, sub);
    let key = format!("{}|{status}.{sub}", ctx.conv_text());
    let e = hit(ctx, env, "iis-substatus", sev, key)?;
    e.f.title = format!(
        "{} → {}: IIS {status}.{sub} ({})",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "response")
    );
    e.f.explanation = format!(
        "IIS named sub-status {status}.{sub}: {meaning}. Seen on {} {}{}.",
        clip(ctx.method(), 16),
        clip(ctx.path(), 80),
        over(e.f)
    );
    e.f.fixes = vec![fix.to_string()];
    (sev == Severity::Error).then_some(e.f.id)
}

fn ip_denied(ctx: &Ctx<'_>, env: &mut Env<'_>) -> Option<FindingId> {
    let how = match ctx.auth.hints.iis_substatus {
        Some((s, sub)) => format!("IIS answered {s}.{sub}"),
        None => format!(
            "the {} error page says the client address or host name is denied",
            ctx.status.unwrap_or(403)
        ),
    };
    let e = hit(ctx, env, "ip-denied", Severity::Error, ctx.conv_text())?;
    e.f.title = format!(
        "{} → {}: client address denied ({})",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "request")
    );
    e.f.explanation = format!(
        "{how}: the server refuses {} by address or name, before any login. Credentials do not \
         change this. First seen at {}, last at {}.",
        ctx.client, e.f.first_ts, e.f.last_ts
    );
    e.f.fixes = vec![
        "Check IP deny lists, geo-blocking and WAF rules on the server or in front of it".to_string(),
        format!(
            "Ask the site's administrator, giving the time ({}) and the client address ({})",
            e.f.first_ts, ctx.client
        ),
        "If the client goes out through a NAT or proxy, the denied address may be that of the proxy".to_string(),
    ];
    Some(e.f.id)
}

fn header_too_large(ctx: &Ctx<'_>, env: &mut Env<'_>) {
    let head = ctx.req.map(|r| r.headers.byte_len()).unwrap_or(0);
    let cookie_bytes: usize = ctx
        .req
        .map(|r| r.headers.get_all("cookie").map(<[u8]>::len).sum())
        .unwrap_or(0);
    let ncookies = ctx.auth.cookies.len();
    let kerberos = ctx.server_cred().is_some_and(|c| c.scheme_is("Negotiate"));
    let Some(e) = hit(
        ctx,
        env,
        "header-too-large",
        Severity::Error,
        ctx.conv_text(),
    ) else {
        return;
    };
    e.f.title = format!(
        "{} → {}: request header refused as too large ({})",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "time")
    );
    let req_words = if head > 0 {
        format!(
            " The request header was {head} bytes, of which {cookie_bytes} bytes in Cookie ({}){}.",
            plural(ncookies as u64, "cookie"),
            if kerberos {
                "; it also carried a Negotiate (Kerberos) token, which grows with the user's group memberships"
            } else {
                ""
            }
        )
    } else {
        String::new()
    };
    e.f.explanation = format!(
        "The server answered {} because the request header (usually the Cookie header) is \
         larger than its buffer (RFC 6585 §5).{req_words}",
        ctx.status.unwrap_or(431)
    );
    e.f.fixes = fixes(&[
        "Clear this site's cookies in the client: accumulated or corrupt cookies are the usual cause",
        "Raise the server's header buffer (nginx large_client_header_buffers, Apache LimitRequestFieldSize, IIS MaxFieldLength/MaxRequestBytes)",
        "Have the application set fewer or smaller cookies",
    ]);
}

fn date_skew(ctx: &Ctx<'_>, env: &mut Env<'_>) {
    let Some(skew) = ctx.auth.hints.date_skew_secs else {
        return;
    };
    // A wrong clock matters to authentication only where authentication is in
    // play; a 400 or 500 of a plain page is left alone.
    let auth_related = matches!(ctx.status, Some(401 | 403 | 407))
        || !ctx.auth.credentials.is_empty()
        || !ctx.auth.challenges.is_empty();
    if !auth_related {
        return;
    }
    // A cached response keeps its original Date; `Age` says how old it is (RFC 9111 §5.1).
    let age: i64 = ctx
        .resp
        .and_then(|r| r.headers.get_str("age"))
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or(0)
        .clamp(0, i64::from(u32::MAX));
    let skew = skew.saturating_add(age);
    if skew.unsigned_abs() <= u64::from(env.th.date_skew_secs) {
        return;
    }
    let key = format!("{}://{}|date", ctx.scheme, ctx.origin);
    let dir = if skew > 0 { "ahead of" } else { "behind" };
    let tolerance = secs(i64::from(env.th.date_skew_secs));
    let Some(e) = hit(ctx, env, "clock-skew", Severity::Warning, key) else {
        return;
    };
    e.f.title = format!(
        "{}: server clock is {} {dir} the capture clock",
        clip(&ctx.origin, 80),
        secs(skew.abs())
    );
    e.f.explanation = format!(
        "The server's `Date` header is {} {dir} the capture time of its responses (tolerance {}; \
         seen in {}). Time-based checks fail when clocks disagree: Kerberos allows 5 minutes, \
         token `nbf`/`exp` checks and cookie expiry use the clock too. The capture machine's \
         clock may be the one that is off.{}",
        secs(skew.abs()),
        tolerance,
        plural(e.f.count, "response"),
        zone_hint(skew)
    );
    e.f.fixes = fixes(&[
        "Synchronise the server's clock with NTP (and check its time zone setting)",
        "If the server is right, fix the clock of the machine that captured the traffic",
    ]);
}

/// A skew within two minutes of a whole number of hours (up to 14) is the
/// signature of a time-zone error, not of a drifting clock.
fn zone_hint(skew: i64) -> &'static str {
    let a = skew.unsigned_abs();
    let hours = (a + 1_800) / 3_600;
    if (1..=14).contains(&hours) && a.abs_diff(hours * 3_600) <= 120 {
        " The difference is close to a whole number of hours: a time-zone error (local time \
         sent as GMT, or a capture machine whose clock is set to local time) is more likely \
         than drift."
    } else {
        ""
    }
}

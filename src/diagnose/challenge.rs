//! Challenge/response detectors: what a 401 or 407 says about the credentials
//! that were sent.
//!
//! Owns no state. Receives one exchange with its classified [`Outcome`];
//! emits `missing-challenge`, `proxy-auth-required`, `scheme-mismatch`,
//! `stale-nonce`, `invalid-credentials` and `preflight-unauthorized`. Must not
//! treat the first leg of the normal dance (no credentials yet, NTLM type 1)
//! as a failure.

use super::ctx::{hit, is_continuation, is_ntlm_first_leg, Ctx};
use super::refusal::{render_invalid, LastRefusal};
use super::words::{clip, clip_cow, fixes, list, over, plural, set_str, who};
use super::Env;
use crate::model::{
    ChallengeTarget, Credential, CredentialKind, FindingId, NegotiateInner, Severity,
};
use std::fmt::Write as _;

/// How a 401/407 relates to the credentials of its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No credentials were sent: the challenge is the start of the dance.
    NoCredentials,
    /// A handshake leg answered by the next challenge (NTLM type 1 → type 2).
    Intermediate,
    /// Credentials in a scheme the server did not offer.
    Mismatch,
    /// Digest `stale=true`: right password, old nonce.
    Stale,
    /// The bearer token has expired.
    Expired,
    /// Kerberos refused because of clock skew.
    Skew,
    /// Bearer `insufficient_scope` on a 401.
    Scope,
    /// The NTLM/Negotiate legs were not on one connection.
    Broken,
    /// The credentials were refused.
    Invalid,
}

impl Outcome {
    /// Counts toward `auth-loop` (the dance itself does not).
    pub fn is_failure(self) -> bool {
        !matches!(self, Outcome::NoCredentials | Outcome::Intermediate)
    }
}

/// Target of a 401 (server) or 407 (proxy); None for other statuses.
pub(crate) fn target_of(status: Option<u16>) -> Option<ChallengeTarget> {
    match status {
        Some(401) => Some(ChallengeTarget::Server),
        Some(407) => Some(ChallengeTarget::Proxy),
        _ => None,
    }
}

/// Classifies a 401/407. `broken` is set when the connection detector found
/// this request's NTLM type 3 on the wrong connection.
pub(crate) fn classify(ctx: &Ctx<'_>, broken: bool) -> Option<Outcome> {
    let target = target_of(ctx.status)?;
    let Some(cred) = ctx.cred(target) else {
        let key_sent = target == ChallengeTarget::Server && !ctx.auth.api_keys.is_empty();
        return Some(if key_sent {
            Outcome::Invalid
        } else {
            Outcome::NoCredentials
        });
    };
    if broken {
        return Some(Outcome::Broken);
    }
    if is_ntlm_first_leg(cred) || negotiate_continues(ctx, target) {
        let continued = ctx
            .challenges(target)
            .any(|ch| ch.scheme.eq_ignore_ascii_case(&cred.scheme) && is_continuation(ch));
        if continued {
            return Some(Outcome::Intermediate);
        }
    }
    if kerberos_skew(ctx) {
        return Some(Outcome::Skew);
    }
    let offered = ctx.offered(target);
    if !offered.is_empty() && !offered.iter().any(|s| cred.scheme_is(s)) {
        return Some(Outcome::Mismatch);
    }
    Some(scheme_specific(ctx, cred, target))
}

fn negotiate_continues(ctx: &Ctx<'_>, target: ChallengeTarget) -> bool {
    ctx.challenges(target).any(|ch| {
        ch.negotiate
            .as_ref()
            .is_some_and(|v| v.neg_state == Some("accept-incomplete"))
    })
}

/// A Negotiate reply carrying KRB_AP_ERR_SKEW (RFC 4120 §7.5.9, code 37).
pub(crate) fn kerberos_skew(ctx: &Ctx<'_>) -> bool {
    ctx.auth.challenges.iter().any(|ch| {
        ch.negotiate
            .as_ref()
            .is_some_and(|v| matches!(v.inner, NegotiateInner::KerberosError { code: Some(37) }))
    })
}

fn scheme_specific(ctx: &Ctx<'_>, cred: &Credential, target: ChallengeTarget) -> Outcome {
    match &cred.kind {
        CredentialKind::Digest(_) => {
            let stale = ctx.challenges(target).any(|ch| {
                ch.scheme_is("Digest")
                    && ch
                        .param("stale")
                        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            });
            if stale {
                Outcome::Stale
            } else {
                Outcome::Invalid
            }
        }
        CredentialKind::Bearer { jwt, .. } => {
            let exp_passed = jwt.as_ref().and_then(|j| j.exp).is_some_and(|e| e < ctx.ts);
            if exp_passed || bearer_error(ctx).is_some_and(|(e, d)| says_expired(e, d)) {
                Outcome::Expired
            } else if bearer_error(ctx).is_some_and(|(e, _)| e == "insufficient_scope") {
                Outcome::Scope
            } else {
                Outcome::Invalid
            }
        }
        _ => Outcome::Invalid,
    }
}

/// `error` and `error_description` of the Bearer challenge (RFC 6750 §3).
pub(crate) fn bearer_error<'a>(ctx: &Ctx<'a>) -> Option<(&'a str, &'a str)> {
    let ch = ctx.auth.challenges.iter().find(|c| c.scheme_is("Bearer"))?;
    let err = ch.param("error")?;
    Some((err, ch.param("error_description").unwrap_or("")))
}

/// An `invalid_token` error whose description talks about expiry.
pub(crate) fn says_expired(err: &str, desc: &str) -> bool {
    err.eq_ignore_ascii_case("invalid_token") && desc.to_ascii_lowercase().contains("expir")
}

/// Runs the detectors of this family; returns the finding that explains a
/// failed 401/407, when one fired.
pub(crate) fn observe(
    ctx: &Ctx<'_>,
    outcome: Option<Outcome>,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let target = target_of(ctx.status)?;
    missing_challenge(ctx, target, env);
    let proxy = if target == ChallengeTarget::Proxy {
        proxy_auth_required(ctx, outcome, env)
    } else {
        None
    };
    let specific = match outcome? {
        Outcome::Mismatch => scheme_mismatch(ctx, target, env),
        Outcome::Stale => stale_nonce(ctx, env),
        Outcome::Invalid => invalid_credentials(ctx, target, env),
        _ => None,
    };
    specific.or(proxy)
}

fn missing_challenge(ctx: &Ctx<'_>, target: ChallengeTarget, env: &mut Env<'_>) {
    let header = match target {
        ChallengeTarget::Server => "WWW-Authenticate",
        ChallengeTarget::Proxy => "Proxy-Authenticate",
    };
    let present = ctx.resp.is_some_and(|r| r.headers.contains(header));
    if present || ctx.challenges(target).next().is_some() {
        return;
    }
    let status = ctx.status.unwrap_or(401);
    let key = format!("{}://{}|{}", ctx.scheme, ctx.origin, status);
    let Some(e) = hit(ctx, env, "missing-challenge", Severity::Error, key) else {
        return;
    };
    e.f.title = format!(
        "{}: {} without {header}",
        clip(&ctx.origin, 80),
        plural(e.f.count, &format!("{status} response"))
    );
    e.f.explanation = format!(
        "{} answered {} {} with {status} but sent no {header} header{}. RFC 9110 §15.5.2 \
         (§15.5.8 for 407) requires the challenge that names the schemes it accepts; without \
         it a client cannot know how to log in and browsers never show a login prompt.",
        clip(&ctx.origin, 80),
        clip(ctx.method(), 16),
        clip(ctx.path(), 80),
        over(e.f),
    );
    e.f.fixes = fixes(&[
        "Add the header to every such response, e.g. `WWW-Authenticate: Bearer realm=\"api\"` or `Basic realm=\"…\"` (the application probably sets the status by hand)",
        "If the caller is known but not allowed, answer 403 Forbidden instead of 401",
    ]);
}

/// What the 407s of a `proxy-auth-required` finding answered: how many
/// carried no Proxy-Authorization, how many were handshake legs answered by
/// the next challenge (NTLM type 1), how many were refused; and the scheme
/// last sent.
#[derive(Default)]
struct ProxyAsked {
    without: u64,
    legs: u64,
    refused: u64,
    scheme: String,
}

impl ProxyAsked {
    fn count(&mut self, sent: Option<&Credential>, outcome: Option<Outcome>) {
        let Some(c) = sent else {
            self.without = self.without.saturating_add(1);
            return;
        };
        if outcome == Some(Outcome::Intermediate) {
            self.legs = self.legs.saturating_add(1);
        } else {
            self.refused = self.refused.saturating_add(1);
        }
        set_str(&mut self.scheme, &clip(&c.scheme, 24));
    }

    fn words(&self) -> String {
        let scheme = &self.scheme;
        let mut parts = Vec::new();
        if self.without > 0 {
            parts.push(format!("{} carried no Proxy-Authorization", self.without));
        }
        if self.legs > 0 {
            parts.push(format!(
                "{} carried {scheme} handshake legs the proxy answered with its next challenge \
                 (the normal dance)",
                self.legs
            ));
        }
        if self.refused > 0 {
            parts.push(format!(
                "{} carried `Proxy-Authorization: {scheme} …` and the proxy refused the \
                 credentials",
                self.refused
            ));
        }
        format!("of these, {}", parts.join(", "))
    }
}

fn proxy_auth_required(
    ctx: &Ctx<'_>,
    outcome: Option<Outcome>,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let offered = ctx.offered(ChallengeTarget::Proxy);
    let sent = ctx.cred(ChallengeTarget::Proxy);
    let e = hit(
        ctx,
        env,
        "proxy-auth-required",
        Severity::Warning,
        ctx.conv_text(),
    )?;
    e.f.title = format!(
        "{} → {}: proxy authentication required ({} × 407)",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        e.f.count
    );
    for scheme in &offered {
        e.facts.label(scheme);
    }
    let sent_words = match e.facts.last_mut::<ProxyAsked>() {
        Some(asked) => {
            asked.count(sent, outcome);
            asked.words()
        }
        None => String::new(),
    };
    e.f.explanation = format!(
        "A proxy between {} and {} asked for credentials with 407 {} (offering {}); \
         {sent_words}. It is the proxy, not the site, asking (RFC 9110 §15.5.8): logging in to \
         the site does not help.",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "time"),
        list(&e.facts.labels)
    );
    e.f.fixes = fixes(&[
        "Configure proxy credentials in the client (curl --proxy-user, HTTPS_PROXY=http://user:pass@proxy:port, system or browser proxy settings)",
        "If the site should be reached directly, add it to the proxy bypass list (NO_PROXY)",
    ]);
    Some(e.f.id)
}

fn scheme_mismatch(ctx: &Ctx<'_>, target: ChallengeTarget, env: &mut Env<'_>) -> Option<FindingId> {
    let cred = ctx.cred(target)?;
    let sent = clip(&cred.scheme, 24);
    let offered: Vec<String> = ctx
        .challenges(target)
        .map(|ch| match ch.param("realm") {
            Some(r) => format!("{} realm=\"{}\"", ch.scheme, r),
            None => ch.scheme.clone(),
        })
        .collect();
    let header = match target {
        ChallengeTarget::Server => "Authorization",
        ChallengeTarget::Proxy => "Proxy-Authorization",
    };
    let key = format!("{}|{}", ctx.conv_text(), sent.to_ascii_lowercase());
    let e = hit(ctx, env, "scheme-mismatch", Severity::Error, key)?;
    e.facts.label(&list(&offered));
    e.f.title = format!(
        "{} → {}: sent {sent} but the server only offers {}",
        who(ctx.user(), ctx.client),
        clip(&ctx.origin, 80),
        list(&ctx.offered(target))
    );
    e.f.explanation = format!(
        "{} from {} to {} sent `{header}: {sent} …` while the {} only offers {}. A server \
         ignores credentials in a scheme it did not offer, so each of these requests was refused \
         as if no credentials had been sent.",
        plural(e.f.count, "request"),
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        ctx.status.unwrap_or(401),
        list(&e.facts.labels)
    );
    let first = ctx
        .offered(target)
        .first()
        .map(|s| clip(s, 24))
        .unwrap_or_default();
    e.f.fixes = vec![
        format!("Configure the client to use {first}, the scheme the server offers"),
        format!("Or enable {sent} authentication on the server for this location"),
        "If a library adds the header automatically, check which credentials it picks for this URL"
            .to_string(),
    ];
    Some(e.f.id)
}

fn stale_nonce(ctx: &Ctx<'_>, env: &mut Env<'_>) -> Option<FindingId> {
    let e = hit(ctx, env, "stale-nonce", Severity::Info, ctx.conv_text())?;
    e.f.title = format!(
        "{} → {}: Digest nonce reported stale {}",
        who(ctx.user(), ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "time")
    );
    e.f.explanation = format!(
        "The server answered Digest credentials with 401 and `stale=true`: the password was right \
         but the nonce had expired, so the client must retry with the new nonce (RFC 7616 §3.3). \
         Once in a while this is the normal nonce refresh; seen {}{}.",
        plural(e.f.count, "time"),
        over(e.f)
    );
    e.f.fixes = fixes(&[
        "Nothing to do when the retry with the new nonce succeeds",
        "If it repeats, lengthen the server's nonce lifetime (e.g. Apache AuthDigestNonceLifetime)",
        "Make sure the client uses the newest nonce and increments nc",
    ]);
    Some(e.f.id)
}

fn invalid_credentials(
    ctx: &Ctx<'_>,
    target: ChallengeTarget,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let cred = ctx.cred(target);
    let scheme = cred.map(|c| clip_cow(&c.scheme, 24));
    let conv = ctx.conv_text();
    let mut key = String::with_capacity(conv.len() + 48);
    key.push_str(conv);
    key.push('|');
    match &scheme {
        Some(s) => key.extend(s.chars().map(|c| c.to_ascii_lowercase())),
        None => key.push_str("api key"),
    }
    let _ = match (ctx.user(), cred) {
        (Some(u), _) => write!(key, "|user:{u}"),
        (None, Some(c)) => write!(key, "|fp:{}", c.fingerprint),
        (None, None) => write!(key, "|api-key"),
    };
    let e = hit(ctx, env, "invalid-credentials", Severity::Error, key)?;
    if let Some(c) = cred {
        e.facts.fingerprint(c.fingerprint);
    }
    if let Some(last) = e.facts.last_mut::<LastRefusal>() {
        last.update(ctx, cred, target);
    }
    e.facts.render = Some(render_invalid);
    Some(e.f.id)
}

/// `preflight-unauthorized`: a CORS preflight answered 401 or 403.
pub(crate) fn preflight(ctx: &Ctx<'_>, env: &mut Env<'_>) {
    let Some(status @ (401 | 403)) = ctx.status else {
        return;
    };
    let wanted = ctx
        .req
        .and_then(|r| r.headers.get_str("access-control-request-method"))
        .map(|m| clip(&m, 16))
        .unwrap_or_default();
    let Some(e) = hit(
        ctx,
        env,
        "preflight-unauthorized",
        Severity::Error,
        ctx.conv_text(),
    ) else {
        return;
    };
    e.facts.label(&clip(ctx.path(), 80));
    e.f.title = format!(
        "{}: {} answered {status}",
        clip(&ctx.origin, 80),
        plural(e.f.count, "CORS preflight")
    );
    e.f.explanation = format!(
        "The browser at {} asked with OPTIONS whether it may send {wanted} to {} and was refused \
         with {status}. Browsers never send cookies or Authorization on a preflight (Fetch \
         standard, CORS-preflight request), so requiring authentication on OPTIONS blocks the \
         real request before it is sent.",
        super::words::client_label(ctx.client),
        list(&e.facts.labels)
    );
    e.f.fixes = fixes(&[
        "Let OPTIONS requests through without authentication (handle CORS before the authentication filter)",
        "Answer the preflight with 204 and the Access-Control-Allow-Origin/Methods/Headers it asks for",
    ]);
}

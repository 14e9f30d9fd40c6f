//! The wording of `invalid-credentials`: what the latest refusal of a
//! finding looked like, kept in place hit after hit, and the text written
//! from it when the finding is read.
//!
//! Owns no state of its own (the record lives in the finding's facts).
//! Receives one refused exchange at a time; emits the finding's title,
//! explanation and fixes. Must word exactly what the detector would have
//! written at its latest hit.

use super::challenge::bearer_error;
use super::ctx::{is_ntlm_first_leg, ntlm_of, Ctx};
use super::findings::Facts;
use super::words::{clip, fixes, list, over, set_opt, set_str, who};
use crate::model::{ChallengeTarget, Credential, CredentialKind, Finding};

/// The kind of credential a refusal is worded for.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum RefusedKind {
    #[default]
    ApiKey,
    Bearer,
    Ntlm,
    /// An NTLM type 1 answered by a 401/407 without a type 2: the handshake
    /// never started, so no password was checked.
    NtlmStart,
    Other,
}

/// What the wording of `invalid-credentials` takes from the latest refusal.
#[derive(Default)]
pub(crate) struct LastRefusal {
    client: Option<std::net::IpAddr>,
    origin: String,
    /// The user the request named (`ctx.user()`).
    user: Option<String>,
    kind: RefusedKind,
    /// The credential's scheme as sent.
    scheme: String,
    /// The user the credential names (NTLM, Basic, Digest).
    cred_user: Option<String>,
    /// Bearer `error` and `error_description`.
    bearer_error: Option<(String, String)>,
    /// JWT `iss`.
    iss: Option<String>,
    /// NTLM domain.
    domain: Option<String>,
    /// Schemes the server offered.
    offered: Vec<String>,
    /// A proxy refused the credential (407), not the origin server.
    proxy: bool,
    /// Digest, NTLM or Negotiate: the answer changes with every challenge, so
    /// its fingerprint says nothing about the password behind it.
    per_challenge: bool,
}

impl LastRefusal {
    /// Makes the record describe this refusal, copying only what changed.
    pub(crate) fn update(
        &mut self,
        ctx: &Ctx<'_>,
        cred: Option<&Credential>,
        target: ChallengeTarget,
    ) {
        self.client = Some(ctx.client);
        self.proxy = target == ChallengeTarget::Proxy;
        self.per_challenge = cred.is_some_and(|c| {
            matches!(c.kind, CredentialKind::Digest(_))
                || ntlm_of(c).is_some()
                || c.scheme_is("Negotiate")
        });
        set_str(&mut self.origin, &ctx.origin);
        set_opt(&mut self.user, ctx.user());
        self.kind = match cred.map(|c| (c, &c.kind)) {
            None => RefusedKind::ApiKey,
            Some((_, CredentialKind::Bearer { .. })) => RefusedKind::Bearer,
            Some((c, _)) if is_ntlm_first_leg(c) => RefusedKind::NtlmStart,
            Some((c, _)) if ntlm_of(c).is_some() => RefusedKind::Ntlm,
            Some(_) => RefusedKind::Other,
        };
        set_str(
            &mut self.scheme,
            cred.map(|c| c.scheme.as_str()).unwrap_or(""),
        );
        set_opt(&mut self.cred_user, cred.and_then(|c| c.user()));
        let (err, iss, domain) = match cred.map(|c| &c.kind) {
            Some(CredentialKind::Bearer { jwt, .. }) => (
                bearer_error(ctx),
                jwt.as_ref().and_then(|j| j.iss.as_deref()),
                None,
            ),
            _ => (
                None,
                None,
                cred.and_then(ntlm_of).and_then(|n| n.domain.as_deref()),
            ),
        };
        match (&mut self.bearer_error, err) {
            (Some((e, d)), Some((ne, nd))) => {
                set_str(e, ne);
                set_str(d, nd);
            }
            (None, None) => {}
            (slot, new) => *slot = new.map(|(e, d)| (e.to_string(), d.to_string())),
        }
        set_opt(&mut self.iss, iss);
        set_opt(&mut self.domain, domain);
        let mut offered = ctx.auth.offered_schemes(target).into_iter();
        let same = self.offered.len() == offered.len()
            && self
                .offered
                .iter()
                .zip(offered.by_ref())
                .all(|(a, b)| a == b);
        if !same {
            self.offered = ctx
                .auth
                .offered_schemes(target)
                .into_iter()
                .map(str::to_string)
                .collect();
        }
    }
}

/// Words an `invalid-credentials` finding from its latest refusal and the
/// fingerprints seen.
pub(crate) fn render_invalid(f: &mut Finding, facts: &Facts) {
    let Some(last) = facts.last::<LastRefusal>() else {
        return;
    };
    let client = last.client.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let scheme = match last.kind {
        RefusedKind::ApiKey => "API key".to_string(),
        _ if last.proxy => format!("proxy {}", clip(&last.scheme, 24)),
        _ => clip(&last.scheme, 24),
    };
    let plural = if f.count == 1 { "" } else { "s" };
    let what = if last.kind == RefusedKind::NtlmStart {
        format!("{scheme} handshake{plural} not started")
    } else {
        format!("rejected {scheme} login{plural}")
    };
    f.title = format!(
        "{} → {}: {} {what}{}",
        who(last.user.as_deref(), client),
        clip(&last.origin, 80),
        f.count,
        over(f)
    );
    let meaning = if last.proxy {
        "407 means the proxy between the client and the site refused the login: the site itself \
         has not seen the request yet."
    } else {
        "401 means \"I don't know who you are\": this is a failed login, not a missing \
         permission (that would be 403)."
    };
    f.explanation = if last.kind == RefusedKind::NtlmStart {
        format!(
            "{} The {} offers {}, yet it does not carry NTLM through: the NTLM provider is \
             disabled or failing there, or a proxy or load balancer in front of it strips the \
             NTLM headers or does not keep the client's connection.",
            describe_refusal(last),
            responder(last),
            list(&last.offered),
        )
    } else {
        format!(
            "{} The {} offered {}, so the scheme is right and the credentials themselves were \
             refused. {meaning} {}",
            describe_refusal(last),
            responder(last),
            list(&last.offered),
            replay_words(facts, last)
        )
    };
    f.fixes = invalid_fixes(last);
}

/// Who refused: `server` or `proxy`.
fn responder(last: &LastRefusal) -> &'static str {
    if last.proxy {
        "proxy"
    } else {
        "server"
    }
}

fn describe_refusal(last: &LastRefusal) -> String {
    let scheme = || clip(&last.scheme, 24);
    let user = || clip(last.cred_user.as_deref().unwrap_or("?"), 40);
    match last.kind {
        RefusedKind::ApiKey => {
            "The server answered 401 to a request that carried an API key.".to_string()
        }
        RefusedKind::Bearer => {
            let detail = match &last.bearer_error {
                Some((e, d)) => format!(" (error=\"{}\" {})", clip(e, 40), clip(d, 120)),
                None => String::new(),
            };
            let iss = last
                .iss
                .as_deref()
                .map(|i| format!(" issued by {}", clip(i, 80)))
                .unwrap_or_default();
            format!("The server refused the bearer token{iss} with 401{detail} and no more specific reason: signature, issuer or audience not accepted, or the token was revoked.")
        }
        RefusedKind::Ntlm => {
            let dom = last
                .domain
                .as_deref()
                .map(|d| format!("{}\\", clip(d, 40)))
                .unwrap_or_default();
            format!(
                "The server refused the {} type 3 answer for {dom}{} after the handshake.",
                scheme(),
                user()
            )
        }
        RefusedKind::NtlmStart => format!(
            "The {} answered the {} type 1 (negotiate) message with {} and no type 2 challenge: \
             the handshake never started, so no password was checked.",
            responder(last),
            scheme(),
            if last.proxy { "407" } else { "401" }
        ),
        RefusedKind::Other if last.proxy => format!(
            "The proxy answered 407 to {} proxy credentials (Proxy-Authorization) for user \"{}\".",
            scheme(),
            user()
        ),
        RefusedKind::Other => format!(
            "The server answered 401 to {} credentials for user \"{}\".",
            scheme(),
            user()
        ),
    }
}

fn replay_words(facts: &Facts, last: &LastRefusal) -> String {
    if last.per_challenge {
        return if facts.fingerprints.len() > 1 {
            format!(
                "{} answers differ with every challenge, so the capture cannot tell whether the \
                 same password was tried again.",
                clip(&last.scheme, 24)
            )
        } else {
            String::new()
        };
    }
    match facts.most_replayed() {
        Some((fp, n)) if n > 1 => format!(
            "The same credentials (fingerprint {fp}) were sent {n} times: a client or password \
             manager is replaying a cached, stale password."
        ),
        _ if facts.fingerprints.len() > 1 => format!(
            "{} different credentials were tried.",
            facts.fingerprints.len()
        ),
        _ => String::new(),
    }
}

fn invalid_fixes(last: &LastRefusal) -> Vec<String> {
    if last.proxy && last.kind == RefusedKind::Other {
        return fixes(&[
            "Re-enter the proxy user name and password where the client keeps them (curl --proxy-user, HTTP(S)_PROXY=http://user:pass@proxy:port, system or browser proxy settings)",
            "Check that the proxy account is enabled and allowed to use this proxy",
        ]);
    }
    match last.kind {
        RefusedKind::Bearer => fixes(&[
            "Request a fresh token from the identity provider",
            "Check that the token's audience and issuer are the ones this API expects (right environment, right tenant)",
            "Check that the token was not revoked",
        ]),
        RefusedKind::ApiKey => fixes(&["Check that the API key is valid for this service and has not been revoked or rotated"]),
        RefusedKind::NtlmStart => fixes(&[
            "Check the server's Windows authentication set-up (IIS: Windows Authentication enabled with NTLM among its providers; the service account and SPNs in order)",
            "If a reverse proxy or load balancer is in front, make it pass Authorization and WWW-Authenticate unchanged and keep each client connection on one backend",
            "Compare with a request sent to the server directly, bypassing the proxy: a working server answers the type 1 with a type 2 challenge",
        ]),
        _ => fixes(&[
            "Re-enter the user name and password; check the domain prefix (DOMAIN\\user) for Windows authentication",
            "Clear cached credentials in the client, the password manager or Windows Credential Manager",
            "Check that the account is enabled, not locked and allowed to log on",
        ]),
    }
}

//! Credential hygiene: `cleartext-credentials` and `conflicting-auth-methods`.
//!
//! Owns, per conversation, the last scheme the client used, how often it
//! switched, and whether the server offered several schemes. Receives each
//! exchange; emits one `cleartext-credentials` finding per client, origin and
//! credential kind (not one per request) and `conflicting-auth-methods`. Must
//! not call Digest, NTLM, Negotiate, SigV4 or a cookie alone cleartext
//! credentials: their secrets are not sent as such.

use super::ctx::Ctx;
use super::findings::Facts;
use super::words::{clip, fixes, list, over, plural, who};
use super::Env;
use crate::model::{ChallengeTarget, Credential, CredentialKind, Finding, FindingId, Severity};

/// Per-conversation state.
#[derive(Default)]
pub(crate) struct HygieneState {
    last_scheme: Option<String>,
    switches: u32,
    offered_many: bool,
    seen: Vec<String>,
    /// `cleartext-credentials` findings of this conversation by lower-cased
    /// label, so a repeat hit needs no key (bounded).
    cleartext: Vec<(String, FindingId)>,
}

/// Cleartext findings remembered per conversation.
const MAX_CLEARTEXT: usize = 8;

/// Runs the detectors.
pub(crate) fn observe(ctx: &Ctx<'_>, st: &mut HygieneState, env: &mut Env<'_>) {
    if !st.offered_many && ctx.offered(ChallengeTarget::Server).len() > 1 {
        st.offered_many = true;
    }
    if ctx.req.is_none() {
        return;
    }
    if ctx.scheme == "http" {
        for c in &ctx.auth.credentials {
            if !reusable(c) {
                continue;
            }
            if c.target == ChallengeTarget::Proxy {
                let label = format!("proxy {}", c.scheme);
                cleartext(ctx, st, &label, kind_words(c), env);
            } else {
                cleartext(ctx, st, &c.scheme, kind_words(c), env);
            }
        }
        for k in &ctx.auth.api_keys {
            cleartext(
                ctx,
                st,
                &format!("API key ({})", clip(&k.source, 40)),
                "an API key is usable by anyone who reads it",
                env,
            );
        }
    }
    conflicting(ctx, st, env);
}

fn reusable(c: &Credential) -> bool {
    matches!(
        c.kind,
        CredentialKind::Basic { .. } | CredentialKind::Bearer { .. } | CredentialKind::Other { .. }
    )
}

fn kind_words(c: &Credential) -> &'static str {
    match c.kind {
        CredentialKind::Basic { .. } => {
            "Basic carries the user name and password, only base64-encoded (RFC 7617 §4)"
        }
        CredentialKind::Bearer { .. } => {
            "a bearer token works for whoever holds it (RFC 6750 §5.3)"
        }
        _ => "the token after the scheme is sent as is and can be replayed",
    }
}

fn cleartext(
    ctx: &Ctx<'_>,
    st: &mut HygieneState,
    label: &str,
    why: &'static str,
    env: &mut Env<'_>,
) {
    const CODE: &str = "cleartext-credentials";
    // The cached label is lower case: equal ignoring case is the same key.
    let known = st
        .cleartext
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(label))
        .map(|(_, id)| *id);
    let e = match known {
        Some(id) => env.reg.hit_id(id, ctx.hit(CODE, Severity::Warning, "")),
        None => {
            let lower = label.to_ascii_lowercase();
            let key = format!("{}|{lower}", ctx.conv_text());
            let e = env.reg.hit(ctx.hit(CODE, Severity::Warning, key));
            if let (Some(e), true) = (&e, st.cleartext.len() < MAX_CLEARTEXT) {
                st.cleartext.push((lower, e.f.id));
            }
            e
        }
    };
    let Some(e) = e else {
        return;
    };
    if e.facts.render.is_none() {
        e.facts.label(label);
        e.facts.label(why);
        e.facts.render = Some(render_cleartext);
    }
}

/// Words a `cleartext-credentials` finding; facts: the credential label, then why.
fn render_cleartext(f: &mut Finding, facts: &Facts) {
    let label = facts.labels.first().map(String::as_str).unwrap_or("");
    let why = facts.labels.get(1).map(String::as_str).unwrap_or("");
    let client = f.client.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let origin = clip(f.origin.as_deref().unwrap_or(""), 80);
    f.title = format!(
        "{} → {origin}: {} credentials sent over plain HTTP ({})",
        who(f.user.as_deref(), client),
        clip(label, 60),
        plural(f.count, "request")
    );
    let proxy = label.starts_with("proxy ");
    let carried = if proxy {
        " (Proxy-Authorization, for the proxy on the way)"
    } else {
        ""
    };
    f.explanation = format!(
        "{} from {} to http://{origin} carried {} credentials{carried} without TLS{}: {why}, so \
         anyone on the path (Wi-Fi, proxy, whoever made this capture) can read and reuse them.",
        plural(f.count, "request"),
        super::words::client_label(client),
        clip(label, 60),
        over(f)
    );
    f.fixes = if proxy {
        fixes(&[
            "Reach the proxy over TLS (an https:// proxy URL) or use a proxy scheme that does not send the password (Negotiate, NTLM, Digest)",
            "Rotate what was exposed: change the proxy password",
        ])
    } else {
        fixes(&[
            "Serve this endpoint over HTTPS only (redirect http to https, enable HSTS)",
            "Rotate what was exposed: change the password, revoke the token or key",
        ])
    };
}

/// (more than one Authorization header, the client alternates schemes).
fn conflict_signals(ctx: &Ctx<'_>, st: &mut HygieneState) -> (bool, bool) {
    let many_headers = ctx
        .req
        .is_some_and(|r| r.headers.get_all("authorization").count() > 1)
        || ctx
            .auth
            .credentials
            .iter()
            .filter(|c| c.target == ChallengeTarget::Server)
            .count()
            > 1;
    let mut alternated = false;
    if let Some(c) = ctx.server_cred() {
        // `last_scheme` is lower case: equal ignoring case means equal to
        // the lower-cased scheme, which then needs no new copy.
        let same = st
            .last_scheme
            .as_deref()
            .map(|l| l.eq_ignore_ascii_case(&c.scheme));
        if same == Some(false) {
            st.switches = st.switches.saturating_add(1);
            alternated = st.offered_many && st.switches >= 2;
        }
        if st.seen.len() < 4 && !st.seen.contains(&c.scheme) {
            st.seen.push(c.scheme.clone());
        }
        if same != Some(true) {
            st.last_scheme = Some(c.scheme.to_ascii_lowercase());
        }
    }
    (many_headers, alternated)
}

fn conflicting(ctx: &Ctx<'_>, st: &mut HygieneState, env: &mut Env<'_>) {
    let (many_headers, alternated) = conflict_signals(ctx, st);
    if !many_headers && !alternated {
        return;
    }
    let Some(e) = env.reg.hit(ctx.hit(
        "conflicting-auth-methods",
        Severity::Warning,
        ctx.conv_text(),
    )) else {
        return;
    };
    if many_headers {
        e.facts
            .label("a request carried more than one Authorization header");
    }
    if alternated {
        e.facts
            .label("the client alternates between the schemes the server offers");
    }
    e.f.title = format!(
        "{} → {}: conflicting authentication methods ({})",
        who(ctx.user(), ctx.client),
        clip(&ctx.origin, 80),
        list(&st.seen)
    );
    e.f.explanation = format!(
        "{} ({} so far{}). Schemes sent: {}. With more than one method in play the server may \
         judge a request by a different scheme than the client meant, and handshakes interfere \
         (e.g. Windows authentication and Basic enabled on the same application).",
        list(&e.facts.labels),
        plural(e.f.count, "request"),
        over(e.f),
        list(&st.seen)
    );
    e.f.fixes = fixes(&[
        "Enable one authentication method per application or location on the server",
        "Configure the client to use one scheme and send one Authorization header",
    ]);
}

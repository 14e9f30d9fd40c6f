//! Connection-oriented authentication (NTLM, Negotiate).
//!
//! Owns, per conversation, the NTLM type 2 challenges still waiting for their
//! type 3 answer, with the TCP connection each was sent on. Receives one
//! exchange; emits `connection-auth-broken` (legs on different connections, or
//! the connection closed after the challenge) and `kerberos-fallback-ntlm`.
//! Must not judge exchanges without a known connection (HAR without
//! `connection`): NTLM authenticates the connection (MS-NLMP §1.3, RFC 4559 §4).

use super::ctx::{is_continuation, is_ntlm_first_leg, is_ntlm_last_leg, ntlm_of, Ctx};
use super::words::{clip, fixes, plural, who};
use super::Env;
use crate::model::{ConnId, ExchangeId, FindingId, HttpVersion, Severity, Timestamp};

/// Type 2 challenges kept per conversation.
const MAX_PENDING: usize = 16;
/// A type 3 later than this after its challenge is not matched with it.
const HANDSHAKE_MICROS: i64 = 60_000_000;

const BROKEN_FIXES: [&str; 3] = [
    "Give the client connection affinity through the proxy or load balancer (one client connection to one server connection; e.g. HAProxy `http-reuse never` for NTLM backends)",
    "Do not send `Connection: close` with a 401 challenge; keep-alive must stay on during the handshake",
    "Avoid HTTP/1.0 proxies on the path, or use Kerberos (not connection-bound)",
];

struct Pending {
    conn: ConnId,
    challenge: ExchangeId,
    ts: Timestamp,
    /// Set when the challenge's connection was closed right after it.
    closed: Option<FindingId>,
}

/// Per-conversation state.
#[derive(Default)]
pub(crate) struct ConnAuthState {
    pending: Vec<Pending>,
}

/// Runs the detectors; returns the `connection-auth-broken` finding when this
/// exchange's type 3 answer came on the wrong connection.
pub(crate) fn observe(
    ctx: &Ctx<'_>,
    st: &mut ConnAuthState,
    env: &mut Env<'_>,
) -> Option<FindingId> {
    let cred = ctx.auth.credentials.iter().find(|c| ntlm_of(c).is_some())?;
    if cred.scheme_is("Negotiate") && is_ntlm_first_leg(cred) {
        fallback(ctx, env);
    }
    let conn = ctx.ex.origin.conn()?;
    if is_ntlm_first_leg(cred) {
        let continued = ctx.auth.challenges.iter().any(is_continuation);
        if continued {
            let closed = closes_connection(ctx)
                .then(|| broken(ctx, None, env))
                .flatten();
            if st.pending.len() >= MAX_PENDING {
                st.pending.remove(0);
            }
            st.pending.push(Pending {
                conn,
                challenge: ctx.id,
                ts: ctx.ts,
                closed,
            });
        }
        return None;
    }
    if !is_ntlm_last_leg(cred) {
        return None;
    }
    st.pending
        .retain(|p| ctx.ts.micros_since(p.ts) <= HANDSHAKE_MICROS);
    if let Some(i) = st.pending.iter().position(|p| p.conn == conn) {
        st.pending.remove(i);
        return None;
    }
    let p = st.pending.pop()?;
    match p.closed {
        Some(id) => {
            env.reg.add_evidence(id, ctx.id, ctx.ts);
            Some(id)
        }
        None => broken(ctx, Some(&p), env),
    }
}

/// The response says the connection ends after it (RFC 9112 §9.6).
fn closes_connection(ctx: &Ctx<'_>) -> bool {
    let Some(r) = ctx.resp else {
        return false;
    };
    let conn = r
        .headers
        .get_str("connection")
        .map(|v| v.to_ascii_lowercase());
    match conn.as_deref() {
        Some(v) if v.contains("close") => true,
        Some(v) if v.contains("keep-alive") => false,
        _ => r.version == HttpVersion::Http10,
    }
}

fn broken(ctx: &Ctx<'_>, earlier: Option<&Pending>, env: &mut Env<'_>) -> Option<FindingId> {
    let scheme = ctx
        .auth
        .credentials
        .iter()
        .find(|c| ntlm_of(c).is_some())
        .map(|c| clip(&c.scheme, 24))
        .unwrap_or_else(|| "NTLM".to_string());
    let this_conn = ctx
        .ex
        .origin
        .conn()
        .map(|c| c.to_string())
        .unwrap_or_default();
    let e = env
        .reg
        .hit(ctx.hit("connection-auth-broken", Severity::Error, ctx.conv_text()))?;
    e.f.title = format!(
        "{} → {}: {scheme} handshake broken across connections ({})",
        who(ctx.user(), ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "time")
    );
    let what = match earlier {
        Some(p) => format!(
            "The type 2 challenge was sent on connection {} ({}) but the type 3 answer came on \
             connection {this_conn} ({}).",
            p.conn, p.challenge, ctx.id
        ),
        None => format!(
            "The response carrying the type 2 challenge ({}) also closed connection {this_conn} \
             (`Connection: close` or HTTP/1.0), so the type 3 answer has to go on a new connection.",
            ctx.id
        ),
    };
    e.f.explanation = format!(
        "{what} {scheme} authenticates the TCP connection, not the request: a server that \
         receives the type 3 on another connection has no handshake to finish and answers 401 \
         again, so the login never completes."
    );
    e.f.fixes = fixes(&BROKEN_FIXES);
    let id = e.f.id;
    if let Some(p) = earlier {
        env.reg.add_evidence(id, p.challenge, p.ts);
    }
    Some(id)
}

fn fallback(ctx: &Ctx<'_>, env: &mut Env<'_>) {
    let host = ctx
        .origin
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(&ctx.origin);
    let ws = ctx
        .auth
        .credentials
        .iter()
        .filter_map(ntlm_of)
        .find_map(|n| n.workstation.as_deref())
        .map(|w| format!(" from workstation {}", clip(w, 40)))
        .unwrap_or_default();
    let is_ip = host
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_ok();
    let Some(e) =
        env.reg
            .hit(ctx.hit("kerberos-fallback-ntlm", Severity::Warning, ctx.conv_text()))
    else {
        return;
    };
    e.f.title = format!(
        "{} → {}: Negotiate fell back to NTLM ({})",
        super::words::client_label(ctx.client),
        clip(&ctx.origin, 80),
        plural(e.f.count, "handshake")
    );
    e.f.explanation = format!(
        "The server offers Negotiate, but the client's Negotiate token{ws} carries NTLMSSP \
         instead of a Kerberos AP-REQ: the client could not get a Kerberos ticket for \
         HTTP/{}.{} Login may still work, but NTLM is weaker, bound to one connection and \
         cannot delegate.",
        clip(host, 80),
        if is_ip {
            " The site is addressed by IP address, for which no SPN exists."
        } else {
            ""
        }
    );
    e.f.fixes = vec![
        format!("Check the SPN: `setspn -Q HTTP/{}` must return exactly one account (setspn -X finds duplicates)", clip(host, 80)),
        "Use the server's real host name, not an IP address or a CNAME alias without its own SPN".to_string(),
        "Check that the client is in the domain and has a ticket (klist), and that the site is in the browser's intranet zone".to_string(),
    ];
}

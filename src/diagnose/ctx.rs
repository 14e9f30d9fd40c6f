//! The view of one exchange that every detector reads, and the conversation key.
//!
//! Owns nothing between exchanges. Receives an [`ExchangeRecord`]; emits a
//! [`Ctx`] with the derived facts detectors share (client, origin, path,
//! credentials, preflight, …) computed once. Must not keep state.

use super::findings::Hit;
use crate::model::Severity;
use crate::model::{
    AuthView, Challenge, ChallengeTarget, Credential, CredentialKind, ExchangeId, ExchangeRecord,
    HttpExchange, HttpRequest, HttpResponse, NegotiateInner, NtlmMessage, NtlmView, Timestamp,
};
use std::borrow::Cow;
use std::net::IpAddr;

/// A conversation: one client talking to one origin over one URL scheme.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ConvKey {
    pub client: IpAddr,
    pub origin: String,
    pub scheme: &'static str,
}

impl ConvKey {
    /// Stable text form used in finding keys.
    pub fn text(&self) -> String {
        format!("{}|{}://{}", self.client, self.scheme, self.origin)
    }
}

/// One exchange with the facts detectors share.
pub(crate) struct Ctx<'a> {
    pub ex: &'a HttpExchange,
    pub auth: &'a AuthView,
    pub id: ExchangeId,
    pub ts: Timestamp,
    pub client: IpAddr,
    pub origin: String,
    pub scheme: &'static str,
    pub status: Option<u16>,
    pub req: Option<&'a HttpRequest>,
    pub resp: Option<&'a HttpResponse>,
    /// [`ConvKey::text`] of this exchange, built on first use or handed over
    /// by the conversation that keeps it.
    conv_text: std::cell::OnceCell<std::sync::Arc<str>>,
    /// [`Ctx::path`], found on first use.
    path: std::cell::OnceCell<&'a str>,
    /// [`Ctx::redirect_to`] without and with the query, resolved on first use.
    redirect: [std::cell::OnceCell<Option<String>>; 2],
}

impl<'a> Ctx<'a> {
    /// The view of `rec`.
    pub fn new(rec: &'a ExchangeRecord) -> Self {
        let ex = &rec.exchange;
        Ctx {
            ex,
            auth: &rec.auth,
            id: ex.id,
            ts: ex.ts(),
            client: ex.client.ip(),
            origin: ex.origin_key(),
            scheme: ex.scheme,
            status: ex.status(),
            req: ex.request.as_ref(),
            resp: ex.response.as_ref(),
            conv_text: std::cell::OnceCell::new(),
            path: std::cell::OnceCell::new(),
            redirect: Default::default(),
        }
    }

    /// A hit of `code` with this exchange as evidence.
    pub fn hit<'s>(
        &'s self,
        code: &'static str,
        severity: Severity,
        key: impl Into<Cow<'s, str>>,
    ) -> Hit<'s> {
        Hit {
            code,
            severity,
            key: key.into(),
            client: Some(self.client),
            origin: Some(&self.origin),
            user: self.user(),
            evidence: self.id,
            ts: self.ts,
        }
    }

    /// A hit of `code` whose evidence is an earlier exchange of the same subject.
    pub fn hit_at<'s>(
        &'s self,
        code: &'static str,
        severity: Severity,
        key: impl Into<Cow<'s, str>>,
        evidence: ExchangeId,
        ts: Timestamp,
    ) -> Hit<'s> {
        Hit {
            evidence,
            ts,
            ..self.hit(code, severity, key)
        }
    }

    /// [`ConvKey::text`] of this exchange's conversation, computed once.
    pub fn conv_text(&self) -> &str {
        self.conv_text_shared()
    }

    /// [`Ctx::conv_text`] as a shared string (a key that costs no copy).
    pub fn conv_text_shared(&self) -> &std::sync::Arc<str> {
        self.conv_text.get_or_init(|| self.conv_key().text().into())
    }

    /// Hands over the [`ConvKey::text`] the conversation already built.
    pub fn set_conv_text(&self, text: std::sync::Arc<str>) {
        let _ = self.conv_text.set(text);
    }

    /// The conversation this exchange belongs to.
    pub fn conv_key(&self) -> ConvKey {
        ConvKey {
            client: self.client,
            origin: self.origin.clone(),
            scheme: self.scheme,
        }
    }

    /// Capture time of the response (of the request when none was seen).
    pub fn resp_ts(&self) -> Timestamp {
        self.resp.map(|r| r.ts).unwrap_or(self.ts)
    }

    /// Request method, empty when no request was seen.
    pub fn method(&self) -> &str {
        self.req.map(|r| r.method.as_str()).unwrap_or("")
    }

    /// Path of the request without query or fragment (`/` when absent).
    pub fn path(&self) -> &'a str {
        self.path.get_or_init(|| path_of(self.req))
    }

    /// `scheme://host:port/path` of the request (no query).
    pub fn url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.origin, self.path())
    }

    /// `scheme://host:port/path?query` of the request.
    pub fn url_full(&self) -> String {
        let target = self.req.map(|r| r.target.as_str()).unwrap_or("/");
        resolve(target, self.scheme, &self.origin, true)
    }

    /// `self.url_full() == url`, without building the URL for the usual
    /// origin-form target (which [`resolve`] only prefixes with the origin).
    pub fn url_full_is(&self, url: &str) -> bool {
        let target = self.req.map(|r| r.target.as_str()).unwrap_or("/").trim();
        let loc = target.get(..target.find('#').unwrap_or(target.len()));
        match loc {
            Some(loc)
                if loc.starts_with('/')
                    && !loc.starts_with("//")
                    && find_scheme_sep(loc).is_none() =>
            {
                url.strip_prefix(self.scheme)
                    .and_then(|r| r.strip_prefix("://"))
                    .and_then(|r| r.strip_prefix(self.origin.as_str()))
                    == Some(loc)
            }
            _ => self.url_full() == url,
        }
    }

    /// The request's scheme and origin, `http://host:port`.
    pub fn origin_url(&self) -> String {
        format!("{}://{}", self.scheme, self.origin)
    }

    /// The first credential for `target`.
    pub fn cred(&self, target: ChallengeTarget) -> Option<&'a Credential> {
        self.auth.credentials.iter().find(|c| c.target == target)
    }

    /// The origin-server credential.
    pub fn server_cred(&self) -> Option<&'a Credential> {
        self.cred(ChallengeTarget::Server)
    }

    /// Authorization or an API key was sent to the origin server.
    pub fn has_credentials(&self) -> bool {
        self.server_cred().is_some() || !self.auth.api_keys.is_empty()
    }

    /// The request carries a cookie that looks like a session cookie.
    pub fn has_session_cookie(&self) -> bool {
        self.auth
            .cookies
            .iter()
            .any(|c| looks_like_session(&c.name))
    }

    /// The credential this response judges: the proxy's on a 407 (RFC 9110
    /// §15.5.8), else the origin server's.
    pub fn answered_cred(&self) -> Option<&'a Credential> {
        match self.status {
            Some(407) => self.cred(ChallengeTarget::Proxy),
            _ => self.server_cred(),
        }
    }

    /// The user of this exchange: the one named by [`Ctx::answered_cred`];
    /// without origin-server credentials, outside a 401, the proxy user.
    pub fn user(&self) -> Option<&'a str> {
        let named = |c: &'a Credential| c.user().filter(|u| !u.is_empty());
        match self.answered_cred() {
            Some(c) => named(c),
            None if self.status != Some(401) => self.cred(ChallengeTarget::Proxy).and_then(named),
            None => None,
        }
    }

    /// Challenges of `target`.
    pub fn challenges(&self, target: ChallengeTarget) -> impl Iterator<Item = &'a Challenge> + 'a {
        self.auth
            .challenges
            .iter()
            .filter(move |c| c.target == target)
    }

    /// Schemes offered by challenges of `target`.
    pub fn offered(&self, target: ChallengeTarget) -> Vec<&'a str> {
        self.auth.offered_schemes(target)
    }

    /// A CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
    pub fn is_preflight(&self) -> bool {
        self.req.is_some_and(|r| {
            r.method.eq_ignore_ascii_case("OPTIONS")
                && r.headers.contains("access-control-request-method")
        })
    }

    /// A 2xx or 304 answer.
    pub fn is_success(&self) -> bool {
        self.status
            .is_some_and(|s| (200..300).contains(&s) || s == 304)
    }

    /// The `Location` of a 3xx answer, resolved to `scheme://host:port/path`
    /// (with the query when `keep_query`).
    pub fn redirect_to(&self, keep_query: bool) -> Option<&str> {
        let resp = self.resp?;
        if !matches!(resp.status, 301 | 302 | 303 | 307 | 308) {
            return None;
        }
        let cell = self.redirect.get(usize::from(keep_query))?;
        cell.get_or_init(|| {
            let loc = resp.headers.get_str("location")?;
            Some(resolve(&loc, self.scheme, &self.origin, keep_query))
        })
        .as_deref()
    }

    /// A 3xx to a URL that looks like a login page.
    pub fn redirects_to_login(&self) -> bool {
        self.redirect_to(false).is_some_and(is_login_url)
    }
}

/// Path of the request without query or fragment (`/` when absent).
fn path_of(req: Option<&HttpRequest>) -> &str {
    let target = req.map(|r| r.target.as_str()).unwrap_or("/");
    let rest = match find_scheme_sep(target) {
        Some(i) => {
            let after = target.get(i + 3..).unwrap_or("");
            after.find('/').and_then(|j| after.get(j..)).unwrap_or("/")
        }
        None => target,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    match rest.get(..end) {
        Some("") | None => "/",
        Some(p) => p,
    }
}

/// `s.find("://")` by a byte scan for `:`, without a substring searcher.
fn find_scheme_sep(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(j) = b
        .get(from..)
        .and_then(|r| r.iter().position(|&c| c == b':'))
    {
        let i = from + j;
        if b.get(i + 1..i + 3) == Some(b"//".as_slice()) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// `hay.to_ascii_lowercase().contains(needle)` for a lower-case ASCII
/// `needle`, without the lower-cased copy.
pub(crate) fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// URLs of login pages and identity providers, by their usual path words.
pub(crate) fn is_login_url(url: &str) -> bool {
    let path = find_scheme_sep(url)
        .and_then(|i| url.get(i + 3..))
        .and_then(|r| r.find('/').and_then(|j| r.get(j..)))
        .unwrap_or("");
    [
        "login", "signin", "sign-in", "logon", "auth", "sso", "saml", "openid", "/cas/", "account",
        "session",
    ]
    .iter()
    .any(|w| contains_ci(path, w))
}

/// Resolves a `Location` value (RFC 9110 §10.2.2) against the request's origin,
/// dropping query and fragment; default ports are made explicit.
pub(crate) fn resolve(loc: &str, scheme: &str, origin: &str, keep_query: bool) -> String {
    let loc = loc.trim();
    let stop: &[char] = if keep_query { &['#'] } else { &['?', '#'] };
    let cut = loc.find(stop).unwrap_or(loc.len());
    let loc = loc.get(..cut).unwrap_or(loc);
    if let Some(i) = loc.find("://") {
        let s = loc.get(..i).unwrap_or("http").to_ascii_lowercase();
        let rest = loc.get(i + 3..).unwrap_or("");
        let (auth, path) = match rest.find(['/', '?']) {
            Some(j) => (rest.get(..j).unwrap_or(""), rest.get(j..).unwrap_or("/")),
            None => (rest, "/"),
        };
        let auth = auth.rsplit('@').next().unwrap_or(auth).to_ascii_lowercase();
        let auth = if auth.contains(':') && !auth.ends_with(']') {
            auth
        } else {
            format!("{}:{}", auth, if s == "https" { 443 } else { 80 })
        };
        let slash = if path.starts_with('/') { "" } else { "/" };
        return format!("{s}://{auth}{slash}{path}");
    }
    if let Some(rest) = loc.strip_prefix("//") {
        return resolve(&format!("{scheme}://{rest}"), scheme, origin, keep_query);
    }
    let path = if loc.starts_with('/') {
        loc.to_string()
    } else {
        format!("/{loc}")
    };
    format!("{scheme}://{origin}{path}")
}

/// Origin part (`scheme://host:port`) of a resolved URL.
pub(crate) fn url_origin(url: &str) -> &str {
    let start = url.find("://").map(|i| i + 3).unwrap_or(0);
    let end = url
        .get(start..)
        .and_then(|r| r.find('/'))
        .map(|j| start + j)
        .unwrap_or(url.len());
    url.get(..end).unwrap_or(url)
}

/// Cookie names that usually carry a login session.
pub(crate) fn looks_like_session(name: &str) -> bool {
    [
        "sess", "sid", "auth", "token", "jwt", "login", "identity", "remember",
    ]
    .iter()
    .any(|k| contains_ci(name, k))
}

/// The NTLM message inside a credential (scheme `NTLM` or `Negotiate`).
pub(crate) fn ntlm_of(c: &Credential) -> Option<&NtlmView> {
    match &c.kind {
        CredentialKind::Ntlm(n) => Some(n),
        CredentialKind::Negotiate(v) => match &v.inner {
            NegotiateInner::Ntlm(n) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// The credential is an NTLM type 1 (first leg of a handshake).
pub(crate) fn is_ntlm_first_leg(c: &Credential) -> bool {
    ntlm_of(c).is_some_and(|n| n.message == NtlmMessage::Negotiate)
}

/// The credential is an NTLM type 3 (last leg).
pub(crate) fn is_ntlm_last_leg(c: &Credential) -> bool {
    ntlm_of(c).is_some_and(|n| n.message == NtlmMessage::Authenticate)
}

/// The challenge carries a continuation token (NTLM type 2 or SPNEGO reply).
pub(crate) fn is_continuation(ch: &Challenge) -> bool {
    if ch
        .ntlm
        .as_ref()
        .is_some_and(|n| n.message == NtlmMessage::Challenge)
    {
        return true;
    }
    match &ch.negotiate {
        Some(v) => {
            v.neg_state == Some("accept-incomplete") || matches!(v.inner, NegotiateInner::Ntlm(_))
        }
        None => {
            ch.token68.as_ref().is_some_and(|t| !t.is_empty())
                && (ch.scheme_is("NTLM") || ch.scheme_is("Negotiate"))
        }
    }
}

/// Records a hit of `code` for `ctx` under `key` in the registry.
pub(crate) fn hit<'e, 'c>(
    ctx: &'c Ctx<'_>,
    env: &'e mut super::Env<'_>,
    code: &'static str,
    sev: Severity,
    key: impl Into<Cow<'c, str>>,
) -> Option<super::findings::Entry<'e>> {
    env.hit(ctx, code, sev, key)
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use crate::diagnose::testkit::get;

    const TARGETS: [&str; 10] = [
        "/a/b?x=1#frag",
        "/r?u=http://evil.example/x",
        "//other.example:81/p?q",
        "http://Host.Example/login?next=/",
        "relative/path",
        "  /padded  ",
        "",
        "/",
        "*",
        "/a:b//c",
    ];

    #[test]
    fn scheme_separator_scan_matches_find() {
        for s in TARGETS.iter().chain(&["a:/b://c", ":::", "x://", "://"]) {
            assert_eq!(find_scheme_sep(s), s.find("://"), "{s:?}");
        }
    }

    #[test]
    fn case_insensitive_contains_matches_lowercased_copy() {
        for hay in ["PHPSESSID", "x-Auth-Token", "Sign-In", "é_LOGIN", "", "ss"] {
            for needle in ["sess", "auth", "sign-in", "login", "/cas/"] {
                let want = hay.to_ascii_lowercase().contains(needle);
                assert_eq!(contains_ci(hay, needle), want, "{hay:?} {needle:?}");
            }
        }
    }

    #[test]
    fn url_comparison_agrees_with_the_built_url() {
        for t in TARGETS {
            let rec = get(1, 0, "10.0.0.1", "App.Example:8080", t).build();
            let ctx = Ctx::new(&rec);
            let built = ctx.url_full();
            assert!(ctx.url_full_is(&built), "{t:?} -> {built:?}");
            assert!(!ctx.url_full_is(&format!("{built}x")), "{t:?}");
            assert!(
                !ctx.url_full_is("http://app.example:8080/elsewhere"),
                "{t:?}"
            );
        }
    }
}

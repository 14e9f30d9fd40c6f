//! Typed views of everything authentication-related in one exchange. Produced by
//! the `auth` stage, read by `diagnose`, `report` and `ui`. Every credential value
//! is a [`Secret`]; names, schemes, parameters and JWT claims are not secrets.
//! All strings here are raw network text: sanitize before display.

use super::{Fingerprint, Secret, Timestamp};
use serde::Serialize;

/// Which header family a challenge or credential came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChallengeTarget {
    /// `WWW-Authenticate` / `Authorization` (the origin server).
    Server,
    /// `Proxy-Authenticate` / `Proxy-Authorization` (a proxy).
    Proxy,
}

/// One auth-param of a challenge (RFC 9110 §11.2), name lower-cased, value unquoted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChallengeParam {
    /// Parameter name, lower-case.
    pub name: String,
    /// Value with quotes and escapes removed.
    pub value: String,
}

/// One challenge (RFC 9110 §11.6.1): a scheme with a token68 or auth-params.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Challenge {
    /// Server or proxy.
    pub target: ChallengeTarget,
    /// Scheme as sent (compare with [`Challenge::scheme_is`]).
    pub scheme: String,
    /// Auth-params in order.
    pub params: Vec<ChallengeParam>,
    /// Token68 payload, when the challenge carries one (e.g. an NTLM type 2
    /// message or a Negotiate continuation token). Not secret, but long.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token68: Option<String>,
    /// Decoded NTLM type 2 message inside an `NTLM` or `Negotiate` challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ntlm: Option<NtlmView>,
    /// Decoded SPNEGO token inside a `Negotiate` challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiate: Option<NegotiateView>,
}

impl Challenge {
    /// Case-insensitive scheme comparison.
    pub fn scheme_is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// Value of a parameter by (case-insensitive) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value.as_str())
    }
}

/// Decoded JWT (header and claims, never verified).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct JwtView {
    /// `alg` from the header.
    pub alg: Option<String>,
    /// `kid` from the header.
    pub kid: Option<String>,
    /// `typ` from the header.
    pub typ: Option<String>,
    /// `iss`.
    pub iss: Option<String>,
    /// `sub`.
    pub sub: Option<String>,
    /// `aud` (string or array).
    pub aud: Vec<String>,
    /// `scope` (space separated), `scp` and `roles`, merged.
    pub scopes: Vec<String>,
    /// `exp` as a timestamp.
    pub exp: Option<Timestamp>,
    /// `nbf` as a timestamp.
    pub nbf: Option<Timestamp>,
    /// `iat` as a timestamp.
    pub iat: Option<Timestamp>,
    /// Other claim names present (values not shown: they may be personal data).
    pub other_claims: Vec<String>,
}

/// Digest credentials (RFC 7616 §3.4). `response` is a secret.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DigestCredential {
    /// `username` (or `username*`).
    pub username: Option<String>,
    /// `realm`.
    pub realm: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `uri`.
    pub uri: Option<String>,
    /// `qop`.
    pub qop: Option<String>,
    /// `nc` (nonce count).
    pub nc: Option<String>,
    /// `cnonce`.
    pub cnonce: Option<String>,
    /// `algorithm` (MD5 when absent).
    pub algorithm: Option<String>,
    /// `opaque`.
    pub opaque: Option<String>,
    /// `userhash=true`.
    pub userhash: bool,
    /// The response hash.
    pub response: Option<Secret>,
}

/// NTLM message type (MS-NLMP §2.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NtlmMessage {
    /// Type 1 NEGOTIATE_MESSAGE.
    Negotiate,
    /// Type 2 CHALLENGE_MESSAGE.
    Challenge,
    /// Type 3 AUTHENTICATE_MESSAGE.
    Authenticate,
    /// Signature right, type unknown.
    Unknown,
}

/// Decoded NTLMSSP message. Response hashes are never kept.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NtlmView {
    /// Message type.
    pub message: NtlmMessage,
    /// NegotiateFlags.
    pub flags: u32,
    /// Names of the set flags (`NTLMSSP_NEGOTIATE_UNICODE`, …).
    pub flag_names: Vec<&'static str>,
    /// Domain (type 1 supplied domain, type 3 domain).
    pub domain: Option<String>,
    /// User (type 3).
    pub user: Option<String>,
    /// Workstation (type 1/3).
    pub workstation: Option<String>,
    /// TargetName (type 2).
    pub target_name: Option<String>,
    /// AV pairs of TargetInfo (type 2): (`MsvAvNbDomainName`, value), …
    pub target_info: Vec<(String, String)>,
    /// MsvAvTimestamp from TargetInfo, as a timestamp.
    pub timestamp: Option<Timestamp>,
    /// OS version (`10.0.19041 NTLM 15`), when the version field is present.
    pub version: Option<String>,
    /// `NTLMv2`, `NTLMv1`, `NTLMv1-ESS` or `anonymous` (type 3).
    pub response_kind: Option<&'static str>,
    /// Anonymous authentication (type 3 with empty user and responses).
    pub anonymous: bool,
}

/// What is inside a Negotiate (SPNEGO) token.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NegotiateInner {
    /// A Kerberos AP-REQ (not decrypted).
    Kerberos {
        /// Realm of the ticket.
        realm: Option<String>,
        /// Service principal name of the ticket (`HTTP/web.example.com`).
        spn: Option<String>,
        /// Encryption type of the ticket's enc-part (18 = aes256-cts-hmac-sha1-96).
        etype: Option<i64>,
    },
    /// A Kerberos error (KRB-ERROR), e.g. clock skew.
    KerberosError {
        /// error-code (37 = KRB_AP_ERR_SKEW).
        code: Option<i64>,
    },
    /// NTLMSSP inside SPNEGO (or raw NTLMSSP under the Negotiate scheme).
    Ntlm(NtlmView),
    /// No inner mechanism token.
    None,
    /// Something we do not decode.
    Unknown,
}

/// Decoded SPNEGO token (RFC 4178).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NegotiateView {
    /// `init`, `resp`, or `raw` (a bare Kerberos/NTLM token with no SPNEGO wrapper).
    pub token: &'static str,
    /// Mech type OIDs offered (dotted, with a name where known).
    pub mech_types: Vec<String>,
    /// NegTokenResp negState: `accept-completed`, `accept-incomplete`, `reject`, `request-mic`.
    pub neg_state: Option<&'static str>,
    /// Supported mech chosen in a NegTokenResp.
    pub supported_mech: Option<String>,
    /// The inner token.
    pub inner: NegotiateInner,
}

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SigV4View {
    /// Access key id (masked).
    pub access_key: Secret,
    /// Credential scope date (`20240501`).
    pub date: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Service.
    pub service: Option<String>,
    /// SignedHeaders.
    pub signed_headers: Vec<String>,
    /// `X-Amz-Date` of the request.
    pub amz_date: Option<String>,
    /// `X-Amz-Date` as a timestamp.
    pub amz_time: Option<Timestamp>,
}

/// The decoded form of one credential.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CredentialKind {
    /// Basic: user shown, password secret.
    Basic {
        /// User name.
        user: String,
        /// Password.
        password: Secret,
    },
    /// Bearer token, JWT decoded when it is one.
    Bearer {
        /// The token.
        token: Secret,
        /// Decoded JWT.
        jwt: Option<std::sync::Arc<JwtView>>,
    },
    /// Digest.
    Digest(DigestCredential),
    /// NTLM (scheme `NTLM`).
    Ntlm(NtlmView),
    /// Negotiate / SPNEGO.
    Negotiate(NegotiateView),
    /// AWS SigV4.
    SigV4(SigV4View),
    /// A scheme we do not decode; the payload is kept as a secret.
    Other {
        /// The credentials after the scheme.
        token: Secret,
    },
    /// The header could not be decoded (bad base64, truncated structure …).
    Malformed {
        /// Stable anomaly code.
        reason: &'static str,
        /// What was sent after the scheme.
        raw: Secret,
    },
}

/// One `Authorization` / `Proxy-Authorization` value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Credential {
    /// Server or proxy.
    pub target: ChallengeTarget,
    /// Scheme as sent (`Basic`, `BEARER`, …); empty when the header had no scheme.
    pub scheme: String,
    /// Decoded form.
    #[serde(flatten)]
    pub kind: CredentialKind,
    /// Fingerprint of the whole header value: equal credentials compare equal.
    pub fingerprint: Fingerprint,
}

impl Credential {
    /// Case-insensitive scheme comparison.
    pub fn scheme_is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The user this credential names, when it names one.
    pub fn user(&self) -> Option<&str> {
        match &self.kind {
            CredentialKind::Basic { user, .. } => Some(user),
            CredentialKind::Digest(d) => d.username.as_deref(),
            CredentialKind::Ntlm(n) => n.user.as_deref(),
            CredentialKind::Negotiate(NegotiateView {
                inner: NegotiateInner::Ntlm(n),
                ..
            }) => n.user.as_deref(),
            CredentialKind::Bearer { jwt: Some(j), .. } => j.sub.as_deref(),
            _ => None,
        }
    }
}

/// An API key found in a well-known header or query parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApiKey {
    /// Where: the header name as sent, or `query:access_token`.
    pub source: String,
    /// The key.
    pub value: Secret,
}

/// One `name=value` pair of a request `Cookie` header.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CookiePair {
    /// Name.
    pub name: String,
    /// Value.
    pub value: Secret,
}

/// One `Set-Cookie` (RFC 6265bis §4.1) with its attributes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetCookie {
    /// Name.
    pub name: String,
    /// Value.
    pub value: Secret,
    /// `Expires`, parsed.
    pub expires: Option<Timestamp>,
    /// `Max-Age` in seconds.
    pub max_age: Option<i64>,
    /// `Domain`.
    pub domain: Option<String>,
    /// `Path`.
    pub path: Option<String>,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite` value as sent.
    pub same_site: Option<String>,
    /// `Partitioned`.
    pub partitioned: bool,
    /// Bytes of name plus value.
    pub size: usize,
    /// Already expired at the response's capture time (deletes the cookie).
    pub expired: bool,
}

/// Rate-limit signals of one response.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RateLimitView {
    /// `Retry-After` as sent.
    pub retry_after_raw: Option<String>,
    /// `Retry-After` resolved to an absolute capture time.
    pub retry_after: Option<Timestamp>,
    /// Limit (requests per window).
    pub limit: Option<u64>,
    /// Remaining requests.
    pub remaining: Option<u64>,
    /// Seconds until the window resets (delta form), when given.
    pub reset_secs: Option<u64>,
    /// `RateLimit-Policy` / `X-RateLimit-Policy` as sent.
    pub policy: Option<String>,
    /// Header names that contributed.
    pub sources: Vec<String>,
}

/// What the server itself tells us beyond auth headers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServerHints {
    /// IIS sub-status (`(401, 1)` for 401.1), from the error page or headers.
    pub iis_substatus: Option<(u16, u16)>,
    /// Product named by the `Server` header (`IIS`, `nginx`, `Apache`, …).
    pub server_product: Option<String>,
    /// The `Date` header, parsed.
    pub server_date: Option<Timestamp>,
    /// Server `Date` minus the response's capture time, in seconds.
    pub date_skew_secs: Option<i64>,
    /// The error page says the client address or host name is denied.
    pub ip_denied: bool,
    /// The error page says the request header or cookie is too large.
    pub header_too_large: bool,
}

/// Everything auth-related about one exchange.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AuthView {
    /// `Authorization` and `Proxy-Authorization`, in wire order.
    pub credentials: Vec<Credential>,
    /// API keys in headers or query parameters.
    pub api_keys: Vec<ApiKey>,
    /// Challenges from `WWW-Authenticate` and `Proxy-Authenticate`, in order.
    pub challenges: Vec<Challenge>,
    /// Request cookies.
    pub cookies: Vec<CookiePair>,
    /// Response `Set-Cookie`s.
    pub set_cookies: Vec<SetCookie>,
    /// Rate-limit signals, when any header carried one.
    pub rate_limit: Option<RateLimitView>,
    /// Server hints.
    pub hints: ServerHints,
    /// Stable snake_case anomaly codes for malformed auth data.
    pub anomalies: Vec<&'static str>,
}

impl AuthView {
    /// The first server (not proxy) credential.
    pub fn server_credential(&self) -> Option<&Credential> {
        self.credentials
            .iter()
            .find(|c| c.target == ChallengeTarget::Server)
    }

    /// Schemes offered by challenges of `target`, in order, de-duplicated.
    pub fn offered_schemes(&self, target: ChallengeTarget) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self.challenges.iter().filter(|c| c.target == target) {
            if !out.iter().any(|s| s.eq_ignore_ascii_case(&c.scheme)) {
                out.push(&c.scheme);
            }
        }
        out
    }
}

//! Test support: small builders for hand-made exchange records (the auth stage
//! is a separate branch, so tests fill the `AuthView` themselves and add the
//! matching raw headers). All credentials here are made up.

use crate::model::{
    AuthView, Challenge, ChallengeParam, ChallengeTarget, ConnId, CookiePair, Credential,
    CredentialKind, DigestCredential, ExchangeId, ExchangeOrigin, ExchangeRecord, FingerprintKey,
    Headers, HttpExchange, HttpRequest, HttpResponse, HttpVersion, JwtView, NegotiateInner,
    NegotiateView, NtlmMessage, NtlmView, RateLimitView, Secret, ServerHints, SetCookie, Timestamp,
};

/// Capture time of test millisecond 0.
pub(crate) const BASE_SECS: i64 = 1_700_000_000;

/// Capture time `ms` milliseconds after the test epoch.
pub(crate) fn at(ms: i64) -> Timestamp {
    Timestamp::from_micros(BASE_SECS * 1_000_000 + ms * 1000)
}

fn key() -> FingerprintKey {
    FingerprintKey::fixed(7)
}

fn secret(v: &str) -> Secret {
    Secret::new(v, &key())
}

/// A record under construction.
pub(crate) struct Ex {
    ex: HttpExchange,
    auth: AuthView,
}

/// `GET path` from `client` to `host` (port 80) at `ms`, exchange `id`, on connection `id`.
pub(crate) fn get(id: u64, ms: i64, client: &str, host: &str, path: &str) -> Ex {
    let mut headers = Headers::new();
    headers.push("Host", host.as_bytes());
    let ip: std::net::IpAddr = client.parse().expect("test client address");
    Ex {
        ex: HttpExchange {
            id: ExchangeId(id),
            origin: ExchangeOrigin::Wire(ConnId(id)),
            client: std::net::SocketAddr::new(ip, 50_000),
            server: "192.0.2.10:80".parse().expect("test server address"),
            scheme: "http",
            seq_on_conn: 0,
            request: Some(HttpRequest {
                ts: at(ms),
                ts_end: at(ms),
                method: "GET".to_string(),
                target: path.to_string(),
                version: HttpVersion::Http11,
                headers,
                body_len: 0,
            }),
            response: None,
            anomalies: Vec::new(),
        },
        auth: AuthView::default(),
    }
}

fn ntlm_view(message: NtlmMessage, user: Option<&str>) -> NtlmView {
    NtlmView {
        message,
        flags: 0,
        flag_names: Vec::new(),
        domain: user.map(|_| "CORP".to_string()),
        user: user.map(str::to_string),
        workstation: Some("WS01".to_string()),
        target_name: None,
        target_info: Vec::new(),
        timestamp: None,
        version: None,
        response_kind: None,
        anonymous: false,
    }
}

impl Ex {
    fn req(&mut self) -> &mut HttpRequest {
        self.ex
            .request
            .as_mut()
            .expect("builder always has a request")
    }

    fn resp(&mut self) -> &mut HttpResponse {
        let ts = self.ex.ts().add_micros(10_000);
        self.ex.response.get_or_insert_with(|| HttpResponse {
            ts,
            ts_end: ts,
            version: HttpVersion::Http11,
            status: 200,
            reason: String::new(),
            headers: Headers::new(),
            interim: Vec::new(),
            body_len: 0,
            body_prefix: Vec::new(),
        })
    }

    /// The URL scheme is https (server port 443).
    pub fn https(mut self) -> Self {
        self.ex.scheme = "https";
        self.ex.server = "192.0.2.10:443".parse().expect("test server address");
        self
    }

    /// A HAR entry without a connection id.
    pub fn har(mut self) -> Self {
        self.ex.origin = ExchangeOrigin::Har {
            entry_index: self.ex.id.0,
            connection: None,
        };
        self
    }

    /// Request method.
    pub fn method(mut self, m: &str) -> Self {
        self.req().method = m.to_string();
        self
    }

    /// TCP connection id.
    pub fn conn(mut self, c: u64) -> Self {
        self.ex.origin = ExchangeOrigin::Wire(ConnId(c));
        self
    }

    /// Response status (response at request time + 10 ms).
    pub fn status(mut self, s: u16) -> Self {
        self.resp().status = s;
        self
    }

    /// A raw request header.
    pub fn req_header(mut self, n: &str, v: &str) -> Self {
        self.req().headers.push(n, v.as_bytes());
        self
    }

    /// A raw response header.
    pub fn resp_header(mut self, n: &str, v: &str) -> Self {
        self.resp().headers.push(n, v.as_bytes());
        self
    }

    /// HTTP/1.0 response.
    pub fn resp_http10(mut self) -> Self {
        self.resp().version = HttpVersion::Http10;
        self
    }

    fn credential(
        mut self,
        target: ChallengeTarget,
        scheme: &str,
        kind: CredentialKind,
        raw: &str,
    ) -> Self {
        let header = match target {
            ChallengeTarget::Server => "Authorization",
            ChallengeTarget::Proxy => "Proxy-Authorization",
        };
        self.req()
            .headers
            .push(header, format!("{scheme} {raw}").as_bytes());
        self.auth.credentials.push(Credential {
            target,
            scheme: scheme.to_string(),
            kind,
            fingerprint: key().fingerprint(format!("{scheme} {raw}").as_bytes()),
        });
        self
    }

    /// `Authorization: Basic` for user/password.
    pub fn basic(self, user: &str, pass: &str) -> Self {
        let kind = CredentialKind::Basic {
            user: user.to_string(),
            password: secret(pass),
        };
        self.credential(
            ChallengeTarget::Server,
            "Basic",
            kind,
            &format!("{user}:{pass}"),
        )
    }

    /// `Proxy-Authorization: Basic`.
    pub fn proxy_basic(self, user: &str, pass: &str) -> Self {
        let kind = CredentialKind::Basic {
            user: user.to_string(),
            password: secret(pass),
        };
        self.credential(
            ChallengeTarget::Proxy,
            "Basic",
            kind,
            &format!("{user}:{pass}"),
        )
    }

    /// `Authorization: Bearer` with an optional decoded JWT.
    pub fn bearer(self, token: &str, jwt: Option<JwtView>) -> Self {
        let kind = CredentialKind::Bearer {
            token: secret(token),
            jwt: jwt.map(std::sync::Arc::new),
        };
        self.credential(ChallengeTarget::Server, "Bearer", kind, token)
    }

    /// `Authorization: Digest` for user with nonce.
    pub fn digest(self, user: &str, nonce: &str) -> Self {
        let kind = CredentialKind::Digest(DigestCredential {
            username: Some(user.to_string()),
            nonce: Some(nonce.to_string()),
            response: Some(secret(nonce)),
            ..DigestCredential::default()
        });
        self.credential(
            ChallengeTarget::Server,
            "Digest",
            kind,
            &format!("username=\"{user}\" nonce=\"{nonce}\""),
        )
    }

    /// `Authorization: NTLM` (or `Negotiate` wrapping NTLMSSP) with one message.
    pub fn ntlm(self, scheme: &str, msg: NtlmMessage, user: Option<&str>) -> Self {
        let view = ntlm_view(msg, user);
        let kind = if scheme == "Negotiate" {
            CredentialKind::Negotiate(NegotiateView {
                token: "init",
                mech_types: Vec::new(),
                neg_state: None,
                supported_mech: None,
                inner: NegotiateInner::Ntlm(view),
            })
        } else {
            CredentialKind::Ntlm(view)
        };
        self.credential(
            ChallengeTarget::Server,
            scheme,
            kind,
            &format!("TlRMTVNTUAA{msg:?}"),
        )
    }

    /// `Authorization: Negotiate` with a Kerberos AP-REQ.
    pub fn kerberos(self) -> Self {
        let kind = CredentialKind::Negotiate(NegotiateView {
            token: "init",
            mech_types: Vec::new(),
            neg_state: None,
            supported_mech: None,
            inner: NegotiateInner::Kerberos {
                realm: Some("CORP.EXAMPLE".into()),
                spn: Some("HTTP/intranet.example".into()),
                etype: Some(18),
            },
        });
        self.credential(ChallengeTarget::Server, "Negotiate", kind, "YIIkerberos")
    }

    /// An API key header.
    pub fn api_key(mut self, header: &str, value: &str) -> Self {
        self.req().headers.push(header, value.as_bytes());
        self.auth.api_keys.push(crate::model::ApiKey {
            source: header.to_string(),
            value: secret(value),
        });
        self
    }

    fn push_challenge(mut self, ch: Challenge) -> Self {
        let header = match ch.target {
            ChallengeTarget::Server => "WWW-Authenticate",
            ChallengeTarget::Proxy => "Proxy-Authenticate",
        };
        let params: Vec<String> = ch
            .params
            .iter()
            .map(|p| format!("{}=\"{}\"", p.name, p.value))
            .collect();
        let raw = format!(
            "{} {}{}",
            ch.scheme,
            ch.token68.clone().unwrap_or_default(),
            params.join(", ")
        );
        self.resp().headers.push(header, raw.trim().as_bytes());
        self.auth.challenges.push(ch);
        self
    }

    /// A server challenge with auth-params.
    pub fn challenge(self, scheme: &str, params: &[(&str, &str)]) -> Self {
        self.any_challenge(ChallengeTarget::Server, scheme, params)
    }

    /// A proxy challenge with auth-params.
    pub fn proxy_challenge(self, scheme: &str, params: &[(&str, &str)]) -> Self {
        self.any_challenge(ChallengeTarget::Proxy, scheme, params)
    }

    fn any_challenge(self, target: ChallengeTarget, scheme: &str, params: &[(&str, &str)]) -> Self {
        self.push_challenge(Challenge {
            target,
            scheme: scheme.to_string(),
            params: params
                .iter()
                .map(|(n, v)| ChallengeParam {
                    name: n.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            token68: None,
            ntlm: None,
            negotiate: None,
        })
    }

    /// Every credential and challenge so far addressed to the proxy instead
    /// (Proxy-Authorization, 407 Proxy-Authenticate).
    pub fn for_proxy(mut self) -> Self {
        for c in &mut self.auth.credentials {
            c.target = ChallengeTarget::Proxy;
        }
        for ch in &mut self.auth.challenges {
            ch.target = ChallengeTarget::Proxy;
        }
        self
    }

    /// An NTLM type 2 challenge under `scheme` (`NTLM` or `Negotiate`).
    pub fn ntlm_challenge(self, scheme: &str) -> Self {
        self.push_challenge(Challenge {
            target: ChallengeTarget::Server,
            scheme: scheme.to_string(),
            params: Vec::new(),
            token68: Some("TlRMTVNTUAACAAAA".to_string()),
            ntlm: Some(ntlm_view(NtlmMessage::Challenge, None)),
            negotiate: None,
        })
    }

    /// A Negotiate reply carrying a Kerberos error code.
    pub fn kerberos_error(self, code: i64) -> Self {
        self.push_challenge(Challenge {
            target: ChallengeTarget::Server,
            scheme: "Negotiate".to_string(),
            params: Vec::new(),
            token68: Some("oYkrberr".to_string()),
            ntlm: None,
            negotiate: Some(NegotiateView {
                token: "resp",
                mech_types: Vec::new(),
                neg_state: Some("reject"),
                supported_mech: None,
                inner: NegotiateInner::KerberosError { code: Some(code) },
            }),
        })
    }

    /// A request cookie.
    pub fn cookie(mut self, name: &str, value: &str) -> Self {
        self.req()
            .headers
            .push("Cookie", format!("{name}={value}").as_bytes());
        self.auth.cookies.push(CookiePair {
            name: name.to_string(),
            value: secret(value),
        });
        self
    }

    /// A response Set-Cookie; `f` adjusts attributes of a plain session cookie.
    pub fn set_cookie(mut self, name: &str, value: &str, f: impl FnOnce(&mut SetCookie)) -> Self {
        let mut sc = SetCookie {
            name: name.to_string(),
            value: secret(value),
            expires: None,
            max_age: None,
            domain: None,
            path: Some("/".to_string()),
            secure: false,
            http_only: true,
            same_site: None,
            partitioned: false,
            size: name.len() + value.len(),
            expired: false,
        };
        f(&mut sc);
        self.resp()
            .headers
            .push("Set-Cookie", format!("{name}={value}").as_bytes());
        self.auth.set_cookies.push(sc);
        self
    }

    /// A `Location` header.
    pub fn location(self, loc: &str) -> Self {
        self.resp_header("Location", loc)
    }

    /// Rate-limit signals.
    pub fn rate(mut self, rl: RateLimitView) -> Self {
        self.resp();
        self.auth.rate_limit = Some(rl);
        self
    }

    /// Server hints.
    pub fn hints(mut self, f: impl FnOnce(&mut ServerHints)) -> Self {
        self.resp();
        f(&mut self.auth.hints);
        self
    }

    /// The finished record.
    pub fn build(self) -> ExchangeRecord {
        ExchangeRecord {
            exchange: self.ex,
            auth: self.auth,
        }
    }
}

/// A JWT view with `exp`, `nbf`, `iat` relative to test millisecond 0.
pub(crate) fn jwt(exp_ms: Option<i64>, iat_ms: Option<i64>) -> JwtView {
    JwtView {
        alg: Some("RS256".into()),
        iss: Some("https://idp.example".into()),
        sub: Some("alice".into()),
        exp: exp_ms.map(at),
        iat: iat_ms.map(at),
        ..JwtView::default()
    }
}

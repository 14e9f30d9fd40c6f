use super::{ConnId, Endpoint, ExchangeId, Headers, Timestamp};

/// Where an exchange came from, so every finding can point back to its evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExchangeOrigin {
    /// Rebuilt from packets on this TCP connection.
    Wire(ConnId),
    /// Read from a HAR file; `connection` is the HAR `connection` field when
    /// present (hashed to a number), so connection-bound schemes can be checked.
    Har {
        /// Index of the entry in `log.entries`.
        entry_index: u64,
        /// The entry's `connection` identity, when the producer wrote one.
        connection: Option<ConnId>,
    },
}

impl ExchangeOrigin {
    /// The connection identity, when known.
    pub fn conn(&self) -> Option<ConnId> {
        match *self {
            ExchangeOrigin::Wire(c) => Some(c),
            ExchangeOrigin::Har { connection, .. } => connection,
        }
    }
}

/// HTTP version of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpVersion {
    /// HTTP/0.9 (no headers).
    Http09,
    /// HTTP/1.0.
    Http10,
    /// HTTP/1.1.
    Http11,
    /// HTTP/2 (HAR only).
    Http2,
    /// HTTP/3 (HAR only).
    Http3,
    /// Anything else a HAR producer wrote.
    Other,
}

impl HttpVersion {
    /// Display form, `HTTP/1.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpVersion::Http09 => "HTTP/0.9",
            HttpVersion::Http10 => "HTTP/1.0",
            HttpVersion::Http11 => "HTTP/1.1",
            HttpVersion::Http2 => "HTTP/2",
            HttpVersion::Http3 => "HTTP/3",
            HttpVersion::Other => "HTTP/?",
        }
    }
}

/// A request head plus what we know of its body.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    /// Capture time of the first byte of the request line.
    pub ts: Timestamp,
    /// Capture time of the last byte of the request (head or body).
    pub ts_end: Timestamp,
    /// Method as sent (not case-folded).
    pub method: String,
    /// Request target as sent (origin-form, absolute-form, authority-form or `*`).
    pub target: String,
    /// Version.
    pub version: HttpVersion,
    /// All header fields in wire order.
    pub headers: Headers,
    /// Body bytes (after de-chunking), as counted; not kept.
    pub body_len: u64,
}

impl HttpRequest {
    /// The `Host` header, or the authority of an absolute-form target.
    pub fn host(&self) -> Option<String> {
        self.host_str().map(std::borrow::Cow::into_owned)
    }

    /// [`HttpRequest::host`], borrowed when the header is valid UTF-8.
    pub fn host_str(&self) -> Option<std::borrow::Cow<'_, str>> {
        if let Some(h) = self.headers.get_str("host") {
            if !h.is_empty() {
                return Some(h);
            }
        }
        let rest = self
            .target
            .strip_prefix("http://")
            .or_else(|| self.target.strip_prefix("https://"))?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let auth = rest.get(..end)?;
        let auth = auth.rsplit('@').next().unwrap_or(auth);
        Some(std::borrow::Cow::Borrowed(auth))
    }

    /// The target names the host itself: absolute-form (`http://host/path`,
    /// sent to a proxy) or the authority-form of CONNECT (RFC 9112 §3.2).
    pub fn target_names_host(&self) -> bool {
        let absolute = self
            .target
            .split_once("://")
            .is_some_and(|(scheme, _)| !scheme.is_empty() && !scheme.contains('/'));
        absolute || self.method.eq_ignore_ascii_case("CONNECT")
    }
}

/// A response head plus what we know of its body.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpResponse {
    /// Capture time of the first byte of the final status line.
    pub ts: Timestamp,
    /// Capture time of the last byte of the response.
    pub ts_end: Timestamp,
    /// Version.
    pub version: HttpVersion,
    /// Final status code (after any 1xx interim responses).
    pub status: u16,
    /// Reason phrase as sent.
    pub reason: String,
    /// All header fields of the final response, in wire order.
    pub headers: Headers,
    /// Interim (1xx) status codes seen before the final one.
    pub interim: Vec<u16>,
    /// Body bytes (after de-chunking, before content decoding), as counted.
    pub body_len: u64,
    /// The first bytes of a 4xx/5xx body, content-decoded (gzip/deflate), at most
    /// the configured prefix size (4 KiB by default). Empty for other statuses.
    pub body_prefix: Vec<u8>,
}

/// One request paired with its response. At least one of the two is present: a
/// capture that starts mid-stream can hold a response whose request was not seen,
/// and a request can end the capture unanswered.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpExchange {
    /// Unique, increasing id (assigned by the engine when the exchange is stored).
    pub id: ExchangeId,
    /// Connection or HAR entry.
    pub origin: ExchangeOrigin,
    /// Client end (IP may be unknown for HAR: then 0.0.0.0:0).
    pub client: Endpoint,
    /// Server end (HAR: `serverIPAddress` and the URL's port, or 0.0.0.0:port).
    pub server: Endpoint,
    /// URL scheme: `http` for packets, whatever the URL said for HAR.
    pub scheme: &'static str,
    /// Position of this exchange on its connection (0 for the first).
    pub seq_on_conn: u32,
    /// The request, when seen.
    pub request: Option<HttpRequest>,
    /// The response, when seen.
    pub response: Option<HttpResponse>,
    /// Stable snake_case anomaly codes noticed while parsing this exchange.
    pub anomalies: Vec<&'static str>,
}

impl HttpExchange {
    /// Time of the exchange: the request's start, else the response's.
    pub fn ts(&self) -> super::Timestamp {
        match (&self.request, &self.response) {
            (Some(r), _) => r.ts,
            (None, Some(r)) => r.ts,
            (None, None) => super::Timestamp::ZERO,
        }
    }

    /// Final status code, when a response was seen.
    pub fn status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.status)
    }

    /// Request latency in milliseconds: request start to response start.
    pub fn latency_ms(&self) -> Option<f64> {
        let (rq, rs) = (self.request.as_ref()?, self.response.as_ref()?);
        Some(rs.ts.micros_since(rq.ts) as f64 / 1000.0)
    }

    /// Host as the client named it, else the server address.
    pub fn host(&self) -> String {
        self.request
            .as_ref()
            .and_then(|r| r.host())
            .unwrap_or_else(|| self.server.to_string())
    }

    /// The origin (scheme, host and port) this exchange talked to, as
    /// `host:port`; the port comes from the Host header, else the server port.
    pub fn origin_key(&self) -> String {
        let host = self
            .request
            .as_ref()
            .and_then(|r| r.host_str())
            .unwrap_or_else(|| std::borrow::Cow::Owned(self.server.to_string()));
        let has_port = if host.starts_with('[') {
            host.contains("]:")
        } else {
            host.bytes().filter(|&b| b == b':').count() == 1
        };
        let mut out = String::with_capacity(host.len() + 6);
        out.push_str(&host);
        out.make_ascii_lowercase();
        if !has_port {
            out.push(':');
            super::text::push_decimal(&mut out, u64::from(self.server.port()), 0, ' ');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{HttpRequest, HttpVersion};
    use crate::model::{Headers, Timestamp};

    fn req(method: &str, target: &str) -> HttpRequest {
        HttpRequest {
            ts: Timestamp::default(),
            ts_end: Timestamp::default(),
            method: method.to_string(),
            target: target.to_string(),
            version: HttpVersion::Http11,
            headers: Headers::new(),
            body_len: 0,
        }
    }

    #[test]
    fn absolute_and_authority_targets_name_their_host() {
        assert!(req("GET", "http://h.test:81/a").target_names_host());
        assert!(req("CONNECT", "h.test:443").target_names_host());
        assert!(!req("GET", "/a?next=http://x.test/").target_names_host());
        assert!(!req("OPTIONS", "*").target_names_host());
        assert!(!req("GET", "://odd").target_names_host());
    }
}

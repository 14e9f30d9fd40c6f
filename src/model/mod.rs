//! Types that cross a stage boundary. Owns nothing stateful; every stage imports
//! from here and from nowhere else in the pipeline. Receives nothing and emits
//! nothing: these are plain values with constructors and `Display`. Must not grow
//! logic beyond small helpers that every stage would otherwise write again.

mod anomaly;
mod auth;
mod exchange;
mod finding;
mod frame;
mod headers;
mod ids;
mod interest;
pub mod redact;
mod secret;
mod snapshot;
mod stream;
mod text;
mod time;

pub use anomaly::{Anomaly, AnomalyCounts};
pub use auth::{
    ApiKey, AuthView, Challenge, ChallengeParam, ChallengeTarget, CookiePair, Credential,
    CredentialKind, DigestCredential, JwtView, NegotiateInner, NegotiateView, NtlmMessage,
    NtlmView, RateLimitView, ServerHints, SetCookie, SigV4View,
};
pub use exchange::{ExchangeOrigin, HttpExchange, HttpRequest, HttpResponse, HttpVersion};
pub use finding::{Finding, FindingId, Severity, Thresholds};
pub use frame::{LinkType, RawFrame, SourceItem, SourceKind, SourceStats};
pub use headers::Headers;
pub use ids::{ConnId, ExchangeId};
pub use interest::StreamInterest;
pub use secret::{with_reveal, Fingerprint, FingerprintKey, Secret};
pub use snapshot::{
    AnalysisSnapshot, DecodeStats, DiagnoseCounters, ExchangeRecord, HttpStats, Stats, TcpStats,
    TimelineBucket,
};
pub use stream::{
    Direction, Endpoint, FlowKey, SeqNum, StreamEvent, StreamEventKind, TcpFlags, TcpSegment,
};
pub use text::{is_clean, lossy, push_decimal, sanitize, sanitize_str};
pub use time::{human_duration, Timestamp};

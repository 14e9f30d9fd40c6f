use super::{ExchangeId, Timestamp};
use serde::Serialize;
use std::net::IpAddr;

/// Identity of a finding within one run; stays the same while the finding grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct FindingId(pub u32);

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Probably a problem.
    Warning,
    /// Authentication is failing.
    Error,
}

impl Severity {
    /// `error`, `warning`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One diagnosis (vocabulary: DIAGNOSES.md). A finding grows while its evidence
/// grows: `count`, `last_ts`, `evidence` and `revision` change, `id` does not.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable id within the run.
    pub id: FindingId,
    /// Kebab-case code (`auth-loop`, …), part of the JSON contract.
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// One line naming the concrete thing.
    pub title: String,
    /// Plain-words explanation using what was seen.
    pub explanation: String,
    /// Fixes that fit this case.
    pub fixes: Vec<String>,
    /// Evidence exchanges (the first ones, bounded; `count` has the full number).
    pub evidence: Vec<ExchangeId>,
    /// Client address, when the finding is about one client.
    pub client: Option<IpAddr>,
    /// Origin `host:port`, when the finding is about one origin.
    pub origin: Option<String>,
    /// User name involved, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Capture time of the first evidence.
    pub first_ts: Timestamp,
    /// Capture time of the latest evidence.
    pub last_ts: Timestamp,
    /// How many times the condition was seen.
    pub count: u64,
    /// The finding that explains this one.
    pub caused_by: Option<FindingId>,
    /// Bumped each time the finding changes (for streaming re-emission).
    #[serde(skip)]
    pub revision: u32,
}

/// Detector thresholds, defaults from DIAGNOSES.md; all changeable on the command line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Thresholds {
    /// `auth-loop`: this many 401s from one origin to one client …
    pub loop_count: u32,
    /// … within this many seconds.
    pub loop_window_secs: u32,
    /// `login-redirect-loop`: redirects to the same login URL …
    pub redirect_loop_count: u32,
    /// … within this many seconds.
    pub redirect_loop_window_secs: u32,
    /// `failed-login-burst`: rejected credentials for one user/client …
    pub burst_count: u32,
    /// … within this many seconds.
    pub burst_window_secs: u32,
    /// `missing-credentials`: how long a client has to answer a challenge.
    pub challenge_answer_secs: u32,
    /// `clock-skew`: tolerance for JWT `nbf`/`iat` in the future.
    pub jwt_skew_secs: u32,
    /// `clock-skew`: tolerance for the server `Date` header.
    pub date_skew_secs: u32,
    /// Conversations idle this long are forgotten by the detectors.
    pub idle_secs: u32,
    /// `session-expired`: how long an accepted session cookie or token is
    /// remembered (idle timeouts of 20–60 minutes must still be seen).
    pub session_memory_secs: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            loop_count: 4,
            loop_window_secs: 30,
            redirect_loop_count: 3,
            redirect_loop_window_secs: 30,
            burst_count: 5,
            burst_window_secs: 60,
            challenge_answer_secs: 30,
            jwt_skew_secs: 60,
            date_skew_secs: 300,
            idle_secs: 600,
            session_memory_secs: 28_800,
        }
    }
}

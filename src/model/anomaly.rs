use super::{ConnId, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

/// Something malformed or odd in the input: named, counted, never fatal.
/// Codes are stable snake_case ids, e.g. `http_bad_content_length`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    /// Stable id.
    pub code: &'static str,
    /// Connection, when it belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn: Option<ConnId>,
    /// Capture time.
    pub ts: Timestamp,
    /// Short detail (sanitized before display).
    pub detail: String,
}

/// Anomaly counters by code, plus the first few examples of each (bounded).
#[derive(Clone, Debug, Default, Serialize)]
pub struct AnomalyCounts {
    /// Count per code.
    pub counts: BTreeMap<&'static str, u64>,
    /// Up to `EXAMPLES_PER_CODE` examples per code.
    #[serde(skip)]
    pub examples: Vec<Anomaly>,
}

impl AnomalyCounts {
    /// Examples kept per code.
    pub const EXAMPLES_PER_CODE: u64 = 3;

    /// Counts one anomaly by code only.
    pub fn bump(&mut self, code: &'static str) {
        *self.counts.entry(code).or_insert(0) += 1;
    }

    /// Counts one anomaly, keeping it as an example while few of its code are kept.
    pub fn record(&mut self, anomaly: Anomaly) {
        let n = self.counts.entry(anomaly.code).or_insert(0);
        *n += 1;
        if *n <= Self::EXAMPLES_PER_CODE {
            self.examples.push(anomaly);
        }
    }

    /// Sum of all counts.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Adds every count of `other` into `self`.
    pub fn merge(&mut self, other: &AnomalyCounts) {
        for (k, v) in &other.counts {
            *self.counts.entry(k).or_insert(0) += v;
        }
    }
}

//! Diagnose: stateful detectors over the stream of exchanges.
//!
//! Owns per-conversation detector state (client, origin; user, cookie, token,
//! connection where it matters), bounded and expired by capture time. Receives
//! [`ExchangeRecord`]s in capture order; emits [`Finding`]s that grow while
//! their evidence grows. The vocabulary is DIAGNOSES.md. Must not read a clock
//! or look at anything but the records it is given.

use crate::model::{ExchangeRecord, Finding, FindingId, Thresholds, Timestamp};

/// The diagnose stage.
#[derive(Debug)]
pub struct Diagnoser {
    thresholds: Thresholds,
    findings: Vec<Finding>,
    changed: Vec<FindingId>,
}

impl Diagnoser {
    /// Detectors with the given thresholds.
    pub fn new(thresholds: Thresholds) -> Self {
        Diagnoser {
            thresholds,
            findings: Vec::new(),
            changed: Vec::new(),
        }
    }

    /// The HAR input was sanitized: do not report what the export removed.
    pub fn set_credentials_stripped(&mut self, _stripped: bool) {}

    /// Looks at one exchange.
    pub fn observe(&mut self, _record: &ExchangeRecord) {}

    /// Advances capture time (expires state, closes windows).
    pub fn tick(&mut self, _now: Timestamp) {}

    /// End of input.
    pub fn finish(&mut self) {}

    /// All findings, ranked: errors, warnings, info; then by count.
    pub fn findings(&self) -> Vec<Finding> {
        self.findings.clone()
    }

    /// Ids of findings created or grown since the last call.
    pub fn drain_changed(&mut self) -> Vec<FindingId> {
        std::mem::take(&mut self.changed)
    }

    /// One finding by id.
    pub fn finding(&self, id: FindingId) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }

    /// Thresholds in force.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }
}

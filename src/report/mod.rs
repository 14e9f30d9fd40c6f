//! Report: headless outputs over one [`AnalysisSnapshot`]: a readable text
//! report, one JSON document (contract version 1 in DESIGN.md) and NDJSON
//! events. Receives snapshots and engine events; emits bytes to a writer.
//! Secrets are masked by type (the [`crate::model::Secret`] type, secret header
//! fields and query parameters of [`crate::model::redact`]) unless
//! `show_secrets`; every network string is sanitized. Must not analyse or reach
//! into the stages.
//!
//! [`AnalysisSnapshot`]: crate::model::AnalysisSnapshot

mod json;
mod summary;
mod text;
mod wrap;

pub use json::{
    exchange_json, finding_json, write_json, write_ndjson_events, write_ndjson_summary,
};
pub use summary::{auth_summary, cookie_summary, offered_summary, sent_summary, server_summary};
pub use text::{exchange_line, finding_line, write_text};

/// Options every output honours.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportOptions {
    /// Print secrets instead of masks (`--show-secrets`).
    pub show_secrets: bool,
}

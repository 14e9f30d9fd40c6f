//! Auth: pure functions from an exchange's headers (and kept error-body prefix)
//! to typed views: challenges, credentials, cookies, rate-limit signals, server
//! hints. Receives [`HttpExchange`]s; emits [`AuthView`]s. Every credential
//! value is wrapped in a `Secret`. Must not keep state between exchanges or
//! decide what is wrong (that is `diagnose`).

use crate::model::{AuthView, FingerprintKey, HttpExchange};

/// The auth stage: stateless apart from the fingerprint key.
#[derive(Clone, Debug)]
pub struct AuthExtractor {
    key: FingerprintKey,
}

impl AuthExtractor {
    /// An extractor that fingerprints secrets with `key`.
    pub fn new(key: FingerprintKey) -> Self {
        AuthExtractor { key }
    }

    /// Decodes everything auth-related in one exchange.
    pub fn extract(&self, _exchange: &HttpExchange) -> AuthView {
        let _ = &self.key;
        AuthView::default()
    }
}

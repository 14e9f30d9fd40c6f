//! The `/` filter: a few space-separated terms, all of which must match.
//! `host:api`, `path:/login`, `status:401` or `status:4xx`, `client:10.0.0.7`,
//! `code:auth-loop` (evidence of findings with that code); a bare word matches
//! host, path, status or client. Owns the parsed terms; receives the typed text
//! and a snapshot; emits the indices of matching exchanges. Must not allocate
//! per exchange beyond the output vector.

use crate::model::{AnalysisSnapshot, ExchangeId, ExchangeRecord};
use std::collections::HashSet;

/// Terms kept from one filter line.
const MAX_TERMS: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Term {
    Host(String),
    Path(String),
    Status(String),
    Client(String),
    Code(String),
    Any(String),
}

/// A parsed filter; the empty filter matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    text: String,
    terms: Vec<Term>,
}

impl Filter {
    /// Parses a filter line (case-insensitive).
    pub fn parse(text: &str) -> Filter {
        let text = text.trim().to_string();
        let terms = text
            .split_whitespace()
            .take(MAX_TERMS)
            .map(|word| {
                let lower = word.to_lowercase();
                match lower.split_once(':') {
                    Some(("host", v)) => Term::Host(v.to_string()),
                    Some(("path", v)) => Term::Path(v.to_string()),
                    Some(("status", v)) => Term::Status(v.to_string()),
                    Some(("client", v)) => Term::Client(v.to_string()),
                    Some(("code", v)) => Term::Code(v.to_string()),
                    _ => Term::Any(lower),
                }
            })
            .collect();
        Filter { text, terms }
    }

    /// The line as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    fn matches(&self, rec: &ExchangeRecord, code_ids: &HashSet<ExchangeId>) -> bool {
        self.terms.iter().all(|t| term_matches(t, rec, code_ids))
    }
}

fn term_matches(term: &Term, rec: &ExchangeRecord, code_ids: &HashSet<ExchangeId>) -> bool {
    let ex = &rec.exchange;
    let path = || {
        ex.request
            .as_ref()
            .map(|r| r.target.to_lowercase())
            .unwrap_or_default()
    };
    let status = || ex.status().map(|s| s.to_string()).unwrap_or_default();
    match term {
        Term::Host(v) => ex.host().to_lowercase().contains(v.as_str()),
        Term::Path(v) => path().contains(v.as_str()),
        Term::Status(v) => status_matches(&status(), v),
        Term::Client(v) => ex.client.to_string().contains(v.as_str()),
        Term::Code(_) => code_ids.contains(&ex.id),
        Term::Any(v) => {
            ex.host().to_lowercase().contains(v.as_str())
                || path().contains(v.as_str())
                || status_matches(&status(), v)
                || ex.client.to_string().contains(v.as_str())
        }
    }
}

/// `401` matches 401, `4xx` and `4` match any 4xx status.
fn status_matches(status: &str, pattern: &str) -> bool {
    if pattern.is_empty() || status.is_empty() {
        return pattern.is_empty();
    }
    pattern.len() <= status.len()
        && pattern
            .chars()
            .zip(status.chars())
            .all(|(p, s)| p == 'x' || p == s)
}

/// Indices of `snapshot.exchanges` that pass `filter` (and are failures, when
/// `failures_only`), in order.
pub fn visible(snapshot: &AnalysisSnapshot, filter: &Filter, failures_only: bool) -> Vec<usize> {
    let code_ids: HashSet<ExchangeId> = filter
        .terms
        .iter()
        .filter_map(|t| match t {
            Term::Code(c) => Some(c.as_str()),
            _ => None,
        })
        .flat_map(|code| {
            snapshot
                .findings
                .iter()
                .filter(move |f| f.code.contains(code))
                .flat_map(|f| f.evidence.iter().copied())
        })
        .collect();
    snapshot
        .exchanges
        .iter()
        .enumerate()
        .filter(|(_, r)| !failures_only || r.exchange.status().is_some_and(|s| s >= 400))
        .filter(|(_, r)| filter.is_empty() || filter.matches(r, &code_ids))
        .map(|(i, _)| i)
        .collect()
}

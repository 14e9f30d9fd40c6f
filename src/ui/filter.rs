//! The `/` filter: a few space-separated terms, all of which must match.
//! `host:api`, `path:/login`, `status:401` or `status:4xx`, `client:10.0.0.7`,
//! `code:auth-loop` (evidence of findings with that code); a bare word matches
//! host, path, status or client. Owns the parsed terms; receives the typed text
//! and a snapshot; emits the indices of matching exchanges. Must not allocate
//! per exchange beyond the output vector.

use crate::model::{AnalysisSnapshot, ExchangeId, ExchangeRecord};
use std::borrow::Cow;
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
    let host = || match ex.request.as_ref().and_then(|r| r.headers.get("host")) {
        Some(h) => Cow::Borrowed(h),
        None => Cow::Owned(ex.host().into_bytes()),
    };
    let path = || {
        ex.request
            .as_ref()
            .map_or(&b""[..], |r| r.target.as_bytes())
    };
    let mut digits = [0u8; 3];
    let status = status_digits(ex.status(), &mut digits);
    let client = |v: &str| ex.client.to_string().contains(v);
    match term {
        Term::Host(v) => contains_ci(&host(), v),
        Term::Path(v) => contains_ci(path(), v),
        Term::Status(v) => status_matches(status, v),
        Term::Client(v) => client(v),
        Term::Code(_) => code_ids.contains(&ex.id),
        Term::Any(v) => {
            contains_ci(&host(), v)
                || contains_ci(path(), v)
                || status_matches(status, v)
                || client(v)
        }
    }
}

/// The status code's three digits, or nothing.
fn status_digits(status: Option<u16>, out: &mut [u8; 3]) -> &[u8] {
    match status {
        Some(s @ 100..=999) => {
            *out = [
                b'0' + (s / 100) as u8,
                b'0' + (s / 10 % 10) as u8,
                b'0' + (s % 10) as u8,
            ];
            out
        }
        _ => &[],
    }
}

/// ASCII case-insensitive substring test; `needle` is already lower-case.
fn contains_ci(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    n.is_empty()
        || hay
            .windows(n.len())
            .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

/// `401` matches 401, `4xx` and `4` match any 4xx status.
fn status_matches(status: &[u8], pattern: &str) -> bool {
    if pattern.is_empty() || status.is_empty() {
        return pattern.is_empty();
    }
    pattern.len() <= status.len()
        && pattern
            .bytes()
            .zip(status.iter())
            .all(|(p, &s)| p == b'x' || p == s)
}

/// Indices of `snapshot.exchanges` that pass `filter` (and are failures, when
/// `failures_only`), in order.
pub fn visible(snapshot: &AnalysisSnapshot, filter: &Filter, failures_only: bool) -> Vec<usize> {
    let mut out = Vec::new();
    extend_visible(snapshot, filter, failures_only, 0, &mut out);
    out
}

/// True when the result can be extended for appended exchanges (a `code:`
/// term depends on findings, which change with every snapshot).
pub fn is_incremental(filter: &Filter) -> bool {
    !filter.terms.iter().any(|t| matches!(t, Term::Code(_)))
}

/// Appends the indices from `from` on that pass the filter to `out`.
pub fn extend_visible(
    snapshot: &AnalysisSnapshot,
    filter: &Filter,
    failures_only: bool,
    from: usize,
    out: &mut Vec<usize>,
) {
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
    let matching = snapshot
        .exchanges
        .iter()
        .enumerate()
        .skip(from)
        .filter(|(_, r)| !failures_only || r.exchange.status().is_some_and(|s| s >= 400))
        .filter(|(_, r)| filter.is_empty() || filter.matches(r, &code_ids))
        .map(|(i, _)| i);
    out.extend(matching);
}

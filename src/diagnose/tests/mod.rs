//! Scenario tests on hand-built records: per code, what must and must not fire.

use super::Diagnoser;
use crate::model::{ExchangeRecord, Finding, Severity, Thresholds};

mod bounds;
mod clean;
mod codes_auth;
mod codes_flow;
mod engine_stream;
mod regressions;
mod streaming;

/// Batch run: every record, then the end of input.
fn run(records: &[ExchangeRecord]) -> Vec<Finding> {
    let mut d = Diagnoser::new(Thresholds::default());
    for r in records {
        d.observe(r);
    }
    d.finish();
    d.findings()
}

fn summary(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "  {} [{}] x{}: {}",
                f.code,
                f.severity.as_str(),
                f.count,
                f.title
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts the codes that must and must not be among `findings`.
#[track_caller]
fn expect(findings: &[Finding], must: &[&str], must_not: &[&str]) {
    for code in must {
        assert!(
            findings.iter().any(|f| f.code == *code),
            "expected {code}, got:\n{}",
            summary(findings)
        );
    }
    for code in must_not {
        assert!(
            !findings.iter().any(|f| f.code == *code),
            "did not expect {code}, got:\n{}",
            summary(findings)
        );
    }
}

/// The single finding of `code`.
#[track_caller]
fn one<'a>(findings: &'a [Finding], code: &str) -> &'a Finding {
    let all: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(
        all.len(),
        1,
        "expected one {code}, got:\n{}",
        summary(findings)
    );
    all[0]
}

/// The finding with id `id`.
fn by_id(findings: &[Finding], id: crate::model::FindingId) -> &Finding {
    findings
        .iter()
        .find(|f| f.id == id)
        .expect("finding id present")
}

/// Nothing above info except the codes allowed.
#[track_caller]
fn quiet_except(findings: &[Finding], allowed: &[&str]) {
    let loud: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity > Severity::Info && !allowed.contains(&f.code))
        .collect();
    assert!(
        loud.is_empty(),
        "unexpected findings:\n{}",
        summary(findings)
    );
}

//! JSON and NDJSON writers (contract version 1, DESIGN.md). Every string of
//! the finished document passes through [`sanitize_value`], so no network
//! text reaches a log or terminal with control or bidi characters in it.

use super::summary::{client_label, server_label};
use super::ReportOptions;
use crate::engine::EngineEvent;
use crate::model::redact::{display_field, display_target};
use crate::model::{
    is_clean, sanitize, sanitize_str, with_reveal, AnalysisSnapshot, ExchangeRecord, Finding,
    FindingId, SourceKind,
};
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// JSON contract version.
pub const VERSION: u32 = 1;

/// One exchange as a JSON object (the `exchanges[]` element of the contract).
pub fn exchange_json(record: &ExchangeRecord, opts: &ReportOptions) -> Value {
    let mut v = with_reveal(opts.show_secrets, || {
        exchange_value(record, opts.show_secrets)
    });
    sanitize_value(&mut v);
    v
}

/// Sanitizes every string and object key of `v` in place
/// ([`crate::model::sanitize_str`]): JSON escaping alone would let bidi
/// overrides and C1 controls through to whoever prints the value.
pub fn sanitize_value(v: &mut Value) {
    match v {
        Value::String(s) => {
            if !is_clean(s) {
                *s = sanitize_str(s);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(sanitize_value),
        Value::Object(m) => {
            let dirty = m.keys().any(|k| !is_clean(k));
            if dirty {
                let old = std::mem::take(m);
                for (k, val) in old {
                    m.insert(sanitize_str(&k), val);
                }
            }
            m.values_mut().for_each(sanitize_value);
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn exchange_value(record: &ExchangeRecord, reveal: bool) -> Value {
    let ex = &record.exchange;
    let mut o = Map::new();
    o.insert("id".into(), json!(ex.id.0));
    o.insert("connection".into(), json!(ex.origin.conn().map(|c| c.0)));
    if let crate::model::ExchangeOrigin::Har { entry_index, .. } = ex.origin {
        o.insert("har_entry".into(), json!(entry_index));
    }
    o.insert("ts".into(), json!(ex.ts().to_rfc3339()));
    o.insert("client".into(), json!(client_label(ex)));
    o.insert("server".into(), json!(server_label(ex)));
    let rq = ex.request.as_ref();
    let rs = ex.response.as_ref();
    o.insert(
        "method".into(),
        json!(rq.map(|r| sanitize(r.method.as_bytes()))),
    );
    o.insert("host".into(), json!(sanitize(ex.host().as_bytes())));
    o.insert(
        "target".into(),
        json!(rq.map(|r| display_target(&r.target, reveal))),
    );
    o.insert(
        "version".into(),
        json!(rq
            .map(|r| r.version)
            .or(rs.map(|r| r.version))
            .map(|v| v.as_str())),
    );
    o.insert("status".into(), json!(rs.map(|r| r.status)));
    o.insert(
        "reason".into(),
        json!(rs.map(|r| sanitize(r.reason.as_bytes()))),
    );
    o.insert("latency_ms".into(), json!(ex.latency_ms()));
    auth_fields(&mut o, record);
    wire_fields(&mut o, record, reveal);
    Value::Object(o)
}

/// The typed auth views (secrets rendered by `Secret`'s own `Serialize`).
fn auth_fields(o: &mut Map<String, Value>, record: &ExchangeRecord) {
    let (ex, auth) = (&record.exchange, &record.auth);
    let mut creds = auth.credentials.iter();
    o.insert("credentials".into(), json!(creds.next()));
    let extra: Vec<_> = creds.collect();
    if !extra.is_empty() {
        o.insert("extra_credentials".into(), json!(extra));
    }
    if !auth.api_keys.is_empty() {
        o.insert("api_keys".into(), json!(auth.api_keys));
    }
    o.insert("challenges".into(), json!(auth.challenges));
    o.insert("cookies".into(), json!(auth.cookies));
    o.insert("set_cookies".into(), json!(auth.set_cookies));
    o.insert("rate_limit".into(), json!(auth.rate_limit));
    if auth.hints != Default::default() {
        o.insert("server_hints".into(), json!(auth.hints));
    }
    let anomalies: Vec<&str> = ex
        .anomalies
        .iter()
        .chain(auth.anomalies.iter())
        .copied()
        .collect();
    if !anomalies.is_empty() {
        o.insert("anomalies".into(), json!(anomalies));
    }
}

/// Headers as sent (credential fields masked by kind) and the error body prefix.
fn wire_fields(o: &mut Map<String, Value>, record: &ExchangeRecord, reveal: bool) {
    let ex = &record.exchange;
    if let Some(r) = &ex.request {
        o.insert(
            "request_headers".into(),
            headers_json(r.headers.iter(), reveal),
        );
    }
    if let Some(r) = &ex.response {
        o.insert(
            "response_headers".into(),
            headers_json(r.headers.iter(), reveal),
        );
        if !r.interim.is_empty() {
            o.insert("interim".into(), json!(r.interim));
        }
        if !r.body_prefix.is_empty() {
            let cut = r.body_prefix.len().min(512);
            o.insert(
                "error_body".into(),
                json!(sanitize(r.body_prefix.get(..cut).unwrap_or(&[]))),
            );
        }
    }
}

fn headers_json<'a>(fields: impl Iterator<Item = (&'a str, &'a [u8])>, reveal: bool) -> Value {
    Value::Array(
        fields
            .map(|(n, v)| json!([sanitize(n.as_bytes()), display_field(n, v, reveal)]))
            .collect(),
    )
}

/// One finding as a JSON object (the `findings[]` element of the contract);
/// `caused_by` is `{id, code}` with the code looked up in `all`.
pub fn finding_json(f: &Finding, all: &[Finding]) -> Value {
    finding_value(f, |id| all.iter().find(|g| g.id == id).map(|g| g.code))
}

fn finding_value(f: &Finding, code_of: impl Fn(FindingId) -> Option<&'static str>) -> Value {
    let caused_by = f
        .caused_by
        .map(|id| json!({"id": id.0, "code": code_of(id)}));
    let client = f.client.filter(|ip| !ip.is_unspecified());
    let mut v = json!({
        "id": f.id.0,
        "code": f.code,
        "severity": f.severity,
        "title": f.title,
        "explanation": f.explanation,
        "fixes": f.fixes,
        "evidence": f.evidence,
        "client": client.map(|c| c.to_string()),
        "origin": f.origin,
        "user": f.user,
        "first_ts": f.first_ts.to_rfc3339(),
        "last_ts": f.last_ts.to_rfc3339(),
        "count": f.count,
        "caused_by": caused_by,
    });
    sanitize_value(&mut v);
    v
}

/// `packets` and `bytes` count wire sources only (pcap, pcapng, stdin, live);
/// HAR sources count in `har_entries`.
fn stats_json(s: &AnalysisSnapshot) -> Value {
    let st = &s.stats;
    let status: Map<String, Value> = st
        .status_counts
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let wire = s.sources.iter().filter(|x| x.kind != SourceKind::Har);
    let packets: u64 = wire.clone().map(|x| x.packets).sum();
    let bytes: u64 = wire.map(|x| x.bytes).sum();
    let har_entries: u64 = s
        .sources
        .iter()
        .filter(|x| x.kind == SourceKind::Har)
        .map(|x| x.packets)
        .sum();
    json!({
        "packets": packets,
        "bytes": bytes,
        "har_entries": har_entries,
        "connections": st.tcp.connections,
        "exchanges": st.exchanges,
        "status_counts": status,
        "gaps": st.tcp.gaps,
        "unparsed_streams": st.http.unparsed_streams,
        "evicted": st.exchanges_evicted,
        "first_ts": st.first_ts.map(|t| t.to_rfc3339()),
        "last_ts": st.last_ts.map(|t| t.to_rfc3339()),
        "decode": st.decode,
        "tcp": st.tcp,
        "http": st.http,
        "anomalies": st.anomalies.counts,
    })
}

/// The whole report as one JSON document.
pub fn write_json(
    w: &mut impl Write,
    s: &AnalysisSnapshot,
    opts: &ReportOptions,
) -> io::Result<()> {
    let mut head = json!({
        "version": VERSION,
        "sources": s.sources,
        "notes": s.notes,
        "thresholds": s.thresholds,
        "stats": stats_json(s),
    });
    for key in ["sources", "notes", "stats"] {
        if let Some(v) = head.get_mut(key) {
            sanitize_value(v);
        }
    }
    let doc = Document {
        head: &head,
        snapshot: s,
        opts,
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

/// The report document, serialized as it is written: findings and exchanges
/// become JSON one at a time, so a report of many kept exchanges never holds
/// them all as JSON trees at once (the bytes are those of one whole tree).
struct Document<'a> {
    head: &'a Value,
    snapshot: &'a AnalysisSnapshot,
    opts: &'a ReportOptions,
}

impl serde::Serialize for Document<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(head) = self.head else {
            return Err(serde::ser::Error::custom("report head is not an object"));
        };
        let s = self.snapshot;
        let mut m = ser.serialize_map(Some(head.len() + 2))?;
        for (k, v) in head {
            m.serialize_entry(k, v)?;
        }
        m.serialize_entry(
            "findings",
            &Each(&s.findings, |f: &Finding| finding_json(f, &s.findings)),
        )?;
        m.serialize_entry(
            "exchanges",
            &Each(&s.exchanges, |r: &std::sync::Arc<ExchangeRecord>| {
                exchange_json(r, self.opts)
            }),
        )?;
        m.end()
    }
}

/// A sequence whose elements are made into JSON one at a time as it is written.
struct Each<'a, T, F>(&'a [T], F);

impl<T, F: Fn(&T) -> Value> serde::Serialize for Each<'_, T, F> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = ser.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&(self.1)(item))?;
        }
        seq.end()
    }
}

fn tagged(kind: &str, v: Value) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), json!(kind));
    if let Value::Object(m) = v {
        o.extend(m);
    }
    Value::Object(o)
}

fn write_line(w: &mut impl Write, v: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *w, v)?;
    w.write_all(b"\n")
}

/// Finding codes remembered by the NDJSON writer, so a `caused_by` in a later
/// batch still names its cause's code.
const CODE_MEMORY: usize = 4096;

thread_local! {
    static CODES: std::cell::RefCell<Vec<(FindingId, &'static str)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn remember_code(id: FindingId, code: &'static str) {
    CODES.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(e) = c.iter_mut().find(|(i, _)| *i == id) {
            e.1 = code;
        } else if c.len() < CODE_MEMORY {
            c.push((id, code));
        }
    });
}

fn recalled_code(id: FindingId) -> Option<&'static str> {
    CODES.with(|c| c.borrow().iter().find(|(i, _)| *i == id).map(|e| e.1))
}

/// NDJSON lines for engine events (`type` = `exchange` or `finding`). A
/// finding's `caused_by` code comes from the same batch or from a finding this
/// thread's writer emitted before (a cause is always emitted no later than the
/// finding it explains).
pub fn write_ndjson_events(
    w: &mut impl Write,
    events: Vec<EngineEvent>,
    opts: &ReportOptions,
) -> io::Result<()> {
    for ev in &events {
        if let EngineEvent::Finding(f) = ev {
            remember_code(f.id, f.code);
        }
    }
    for ev in events {
        let v = match ev {
            EngineEvent::Exchange(r) => tagged("exchange", exchange_json(&r, opts)),
            EngineEvent::Finding(f) => tagged("finding", finding_value(&f, recalled_code)),
        };
        write_line(w, &v)?;
    }
    Ok(())
}

/// The closing NDJSON line: a `stats` object (the JSON `stats` plus `final`,
/// `sources` and `finding_count`). Ends the run: the remembered cause codes are
/// forgotten.
pub fn write_ndjson_summary(
    w: &mut impl Write,
    s: &AnalysisSnapshot,
    _opts: &ReportOptions,
) -> io::Result<()> {
    let mut stats = stats_json(s);
    if let Value::Object(m) = &mut stats {
        m.insert("final".into(), json!(s.finished));
        m.insert("sources".into(), json!(s.sources));
        m.insert("finding_count".into(), json!(s.findings.len()));
    }
    sanitize_value(&mut stats);
    if s.finished {
        CODES.with(|c| c.borrow_mut().clear());
    }
    write_line(w, &tagged("stats", stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_value_cleans_strings_and_keys() {
        let mut v = json!({"a\u{1b}[2J": ["x\u{202e}y", {"k": "\u{9b}31m"}], "n": 1});
        sanitize_value(&mut v);
        let text = v.to_string();
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
        assert!(!text.contains('\u{9b}'));
        assert!(!text.contains("\\u001b"), "{text}");
        assert_eq!(v["n"], 1);
    }

    #[test]
    fn remembered_cause_codes_answer_later_batches() {
        remember_code(FindingId(40), "invalid-credentials");
        assert_eq!(recalled_code(FindingId(40)), Some("invalid-credentials"));
        remember_code(FindingId(40), "auth-loop");
        assert_eq!(recalled_code(FindingId(40)), Some("auth-loop"));
        assert_eq!(recalled_code(FindingId(41)), None);
    }
}

use super::ReportOptions;
use crate::engine::EngineEvent;
use crate::model::redact::{display_field, display_target};
use crate::model::{sanitize, with_reveal, AnalysisSnapshot, ExchangeRecord, Finding};
use serde_json::{json, Map, Value};
use std::io::{self, Write};

/// JSON contract version.
pub const VERSION: u32 = 1;

/// One exchange as a JSON object (the `exchanges[]` element of the contract).
pub fn exchange_json(record: &ExchangeRecord, opts: &ReportOptions) -> Value {
    with_reveal(opts.show_secrets, || {
        exchange_value(record, opts.show_secrets)
    })
}

fn exchange_value(record: &ExchangeRecord, reveal: bool) -> Value {
    let ex = &record.exchange;
    let auth = &record.auth;
    let mut o = Map::new();
    o.insert("id".into(), json!(ex.id.0));
    o.insert("connection".into(), json!(ex.origin.conn().map(|c| c.0)));
    if let crate::model::ExchangeOrigin::Har { entry_index, .. } = ex.origin {
        o.insert("har_entry".into(), json!(entry_index));
    }
    o.insert("ts".into(), json!(ex.ts().to_rfc3339()));
    o.insert("client".into(), json!(ex.client.to_string()));
    o.insert("server".into(), json!(ex.server.to_string()));
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
    if let Some(r) = rq {
        o.insert(
            "request_headers".into(),
            headers_json(r.headers.iter(), reveal),
        );
    }
    if let Some(r) = rs {
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
    Value::Object(o)
}

fn headers_json<'a>(fields: impl Iterator<Item = (&'a str, &'a [u8])>, reveal: bool) -> Value {
    Value::Array(
        fields
            .map(|(n, v)| json!([sanitize(n.as_bytes()), display_field(n, v, reveal)]))
            .collect(),
    )
}

/// One finding as a JSON object (the `findings[]` element of the contract).
pub fn finding_json(f: &Finding, all: &[Finding]) -> Value {
    let caused_by = f.caused_by.map(|id| {
        let code = all.iter().find(|g| g.id == id).map(|g| g.code);
        json!({"id": id.0, "code": code})
    });
    json!({
        "id": f.id.0,
        "code": f.code,
        "severity": f.severity,
        "title": crate::model::sanitize_str(&f.title),
        "explanation": crate::model::sanitize_str(&f.explanation),
        "fixes": f.fixes.iter().map(|x| crate::model::sanitize_str(x)).collect::<Vec<_>>(),
        "evidence": f.evidence,
        "client": f.client.map(|c| c.to_string()),
        "origin": f.origin.as_deref().map(crate::model::sanitize_str),
        "user": f.user.as_deref().map(crate::model::sanitize_str),
        "first_ts": f.first_ts.to_rfc3339(),
        "last_ts": f.last_ts.to_rfc3339(),
        "count": f.count,
        "caused_by": caused_by,
    })
}

fn stats_json(s: &AnalysisSnapshot) -> Value {
    let st = &s.stats;
    let status: Map<String, Value> = st
        .status_counts
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let packets: u64 = s.sources.iter().map(|x| x.packets).sum();
    let bytes: u64 = s.sources.iter().map(|x| x.bytes).sum();
    json!({
        "packets": packets,
        "bytes": bytes,
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
    let doc = json!({
        "version": VERSION,
        "sources": s.sources,
        "notes": s.notes,
        "thresholds": s.thresholds,
        "stats": stats_json(s),
        "findings": s.findings.iter().map(|f| finding_json(f, &s.findings)).collect::<Vec<_>>(),
        "exchanges": s.exchanges.iter().map(|r| exchange_json(r, opts)).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
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

/// NDJSON lines for engine events (`type` = `exchange` or `finding`).
pub fn write_ndjson_events(
    w: &mut impl Write,
    events: Vec<EngineEvent>,
    opts: &ReportOptions,
) -> io::Result<()> {
    for ev in events {
        let v = match ev {
            EngineEvent::Exchange(r) => tagged("exchange", exchange_json(&r, opts)),
            EngineEvent::Finding(f) => tagged("finding", finding_json(&f, &[])),
        };
        write_line(w, &v)?;
    }
    Ok(())
}

/// The closing NDJSON lines: final findings and a `stats` object.
pub fn write_ndjson_summary(
    w: &mut impl Write,
    s: &AnalysisSnapshot,
    _opts: &ReportOptions,
) -> io::Result<()> {
    let mut stats = stats_json(s);
    if let Value::Object(m) = &mut stats {
        m.insert("final".into(), json!(s.finished));
        m.insert("sources".into(), json!(s.sources));
        m.insert("findings".into(), json!(s.findings.len()));
    }
    write_line(w, &tagged("stats", stats))
}

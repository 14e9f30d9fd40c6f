//! The readable text report, laid out for a 100-column terminal: long lines
//! (titles, explanations, fixes, auth summaries) wrap with a hanging indent.

use super::summary::{auth_summary, client_ip_label, client_known};
use super::wrap::{truncate, write_wrapped};
use super::ReportOptions;
use crate::model::redact::display_target;
use crate::model::{
    human_duration, push_decimal, sanitize, sanitize_str, with_reveal, AnalysisSnapshot,
    ExchangeRecord, Finding, SourceKind, SourceStats,
};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Evidence exchanges printed per finding before "… and N more".
const EVIDENCE_LINES: usize = 8;
/// Width the report is laid out for.
pub(super) const WIDTH: usize = 100;
/// Indents of an exchange's auth summary: its first line, then the rest.
const AUTH_FIRST: &str = "                     ";
const AUTH_REST: &str = "                       ";

/// The readable report: notes, findings (ranked, with evidence and fixes), the
/// exchange table, stats and the thresholds in force.
pub fn write_text(
    w: &mut impl Write,
    s: &AnalysisSnapshot,
    opts: &ReportOptions,
) -> io::Result<()> {
    with_reveal(opts.show_secrets, || write_all(w, s, opts))
}

fn write_all(w: &mut impl Write, s: &AnalysisSnapshot, opts: &ReportOptions) -> io::Result<()> {
    write_header(w, s)?;
    for note in &s.notes {
        write_wrapped(w, &format!("NOTE: {}", sanitize_str(note)), "", "  ")?;
    }
    writeln!(w)?;
    write_findings(w, s, opts)?;
    write_exchanges(w, s, opts)?;
    write_stats(w, s)
}

fn source_line(src: &SourceStats) -> String {
    let (kind, unit) = match src.kind {
        SourceKind::Pcap => ("pcap", "packets"),
        SourceKind::Pcapng => ("pcapng", "packets"),
        SourceKind::Har => ("har", "entries"),
        SourceKind::Live => ("live", "packets"),
        SourceKind::Stdin => ("pcap on stdin", "packets"),
    };
    let mut extra = String::new();
    match src.kernel_dropped {
        Some(k) => extra.push_str(&format!(", dropped {} (kernel {k})", src.dropped)),
        None if src.dropped > 0 => extra.push_str(&format!(", dropped {}", src.dropped)),
        None => {}
    }
    if src.skipped > 0 {
        extra.push_str(&format!(", skipped {}", src.skipped));
    }
    format!(
        "source: {} ({kind}, {} {unit}, {} bytes{extra})",
        sanitize_str(&src.path),
        src.packets,
        src.bytes
    )
}

fn write_header(w: &mut impl Write, s: &AnalysisSnapshot) -> io::Result<()> {
    writeln!(w, "authscope report")?;
    for src in &s.sources {
        write_wrapped(w, &source_line(src), "", "  ")?;
    }
    if let (Some(a), Some(b)) = (s.stats.first_ts, s.stats.last_ts) {
        writeln!(
            w,
            "capture: {} .. {} ({})",
            a,
            b,
            human_duration(b.micros_since(a))
        )?;
    }
    Ok(())
}

fn write_findings(
    w: &mut impl Write,
    s: &AnalysisSnapshot,
    opts: &ReportOptions,
) -> io::Result<()> {
    writeln!(w, "FINDINGS ({})", s.findings.len())?;
    if s.findings.is_empty() {
        writeln!(w, "  none: no authentication problem seen")?;
    }
    for f in &s.findings {
        write_finding(w, f, s, opts)?;
    }
    writeln!(w)
}

fn write_finding(
    w: &mut impl Write,
    f: &Finding,
    s: &AnalysisSnapshot,
    opts: &ReportOptions,
) -> io::Result<()> {
    writeln!(w)?;
    let (first, last) = (f.first_ts.time_of_day(), f.last_ts.time_of_day());
    let when = if first == last {
        format!("at {first}")
    } else {
        format!("{first} .. {last}")
    };
    writeln!(
        w,
        "[{}] {}  (seen {}x, {when})",
        f.severity.as_str().to_ascii_uppercase(),
        f.code,
        f.count,
    )?;
    write_wrapped(w, &sanitize_str(&f.title), "  ", "    ")?;
    if let Some(cause) = f
        .caused_by
        .and_then(|id| s.findings.iter().find(|g| g.id == id))
    {
        let line = format!("caused by: {} ({})", cause.code, sanitize_str(&cause.title));
        write_wrapped(w, &line, "  ", "    ")?;
    }
    write_wrapped(w, &sanitize_str(&f.explanation), "  ", "  ")?;
    write_evidence(w, f, s, opts)?;
    if !f.fixes.is_empty() {
        writeln!(w, "  fixes:")?;
    }
    for fix in &f.fixes {
        write_wrapped(w, &sanitize_str(fix), "    - ", "      ")?;
    }
    Ok(())
}

fn write_evidence(
    w: &mut impl Write,
    f: &Finding,
    s: &AnalysisSnapshot,
    opts: &ReportOptions,
) -> io::Result<()> {
    if f.evidence.is_empty() {
        return Ok(());
    }
    writeln!(w, "  evidence:")?;
    for id in f.evidence.iter().take(EVIDENCE_LINES) {
        let found = s
            .exchanges
            .binary_search_by_key(id, |r| r.exchange.id)
            .ok()
            .and_then(|i| s.exchanges.get(i));
        match found {
            Some(r) => {
                let head = request_line(r, opts);
                write_wrapped(w, &head, "    ", "        ")?;
                let auth = auth_summary(r);
                if !auth.is_empty() {
                    write_wrapped(w, &auth, "        ", "          ")?;
                }
            }
            None => writeln!(w, "    {id} (no longer kept)")?,
        }
    }
    if f.evidence.len() > EVIDENCE_LINES {
        writeln!(w, "    … and {} more", f.evidence.len() - EVIDENCE_LINES)?;
    }
    Ok(())
}

/// The request's method and target as printed (target masked unless
/// secrets are shown); `-` and nothing for a response without its request.
fn method_target(r: &ExchangeRecord, opts: &ReportOptions) -> (String, String) {
    match &r.exchange.request {
        Some(rq) => (
            sanitize(rq.method.as_bytes()),
            display_target(&rq.target, opts.show_secrets),
        ),
        None => ("-".into(), String::new()),
    }
}

/// Where the request went, as printed: `host/path` for the usual origin-form
/// target; the target alone when it names the host itself (absolute-form
/// `http://host/path` sent to a proxy, authority-form `host:443` of CONNECT);
/// `host *` for the asterisk form.
fn where_to(r: &ExchangeRecord, target: String) -> String {
    let mut out = String::new();
    push_where_to(&mut out, r, &target);
    out
}

/// [`where_to`] appended to `out`.
fn push_where_to(out: &mut String, r: &ExchangeRecord, target: &str) {
    let names_host = r
        .exchange
        .request
        .as_ref()
        .is_some_and(|rq| rq.target_names_host());
    if target.is_empty() || target.starts_with('/') || !names_host {
        out.push_str(&sanitize(r.exchange.host().as_bytes()));
        if !target.is_empty() && !target.starts_with('/') {
            out.push(' ');
        }
    }
    out.push_str(target);
}

/// `#3 10:00:01.123 10.0.0.5 GET host/admin -> 401`.
fn request_line(r: &ExchangeRecord, opts: &ReportOptions) -> String {
    let ex = &r.exchange;
    let (method, target) = method_target(r, opts);
    let status = ex.status().map_or("-".to_string(), |s| s.to_string());
    format!(
        "{} {} {} {} {} -> {}",
        ex.id,
        ex.ts().time_of_day(),
        client_ip_label(ex),
        method,
        where_to(r, target),
        status
    )
}

/// One line per exchange for streaming text output:
/// `#3 10:00:01.123 10.0.0.5 GET host/admin -> 401  sent Basic alice (cred …)`.
pub fn exchange_line(r: &ExchangeRecord, opts: &ReportOptions) -> String {
    with_reveal(opts.show_secrets, || {
        let auth = auth_summary(r);
        let head = request_line(r, opts);
        if auth.is_empty() {
            head
        } else {
            format!("{head}  {auth}")
        }
    })
}

/// `[ERROR] auth-loop x9  title`, one line for streaming text output.
pub fn finding_line(f: &Finding) -> String {
    format!(
        "[{}] {} x{}  {}",
        f.severity.as_str().to_ascii_uppercase(),
        f.code,
        f.count,
        sanitize_str(&f.title)
    )
}

fn write_exchanges(
    w: &mut impl Write,
    s: &AnalysisSnapshot,
    opts: &ReportOptions,
) -> io::Result<()> {
    let kept = s.exchanges.len() as u64;
    writeln!(w, "EXCHANGES ({} total, {} shown)", s.stats.exchanges, kept)?;
    writeln!(
        w,
        "  {:>5} {:<12} {:<21} {:>6}  REQUEST / AUTH",
        "ID", "TIME", "CLIENT", "STATUS"
    )?;
    let mut line = String::with_capacity(256);
    for r in &s.exchanges {
        exchange_row(&mut line, r, opts);
        writeln!(w, "{}", truncate(&line, WIDTH))?;
        let auth = auth_summary(r);
        if !auth.is_empty() {
            write_wrapped(w, &auth, AUTH_FIRST, AUTH_REST)?;
        }
    }
    writeln!(w)
}

/// One row of the exchange table into `line` (cleared first), not yet cut to
/// the report width.
fn exchange_row(line: &mut String, r: &ExchangeRecord, opts: &ReportOptions) {
    let ex = &r.exchange;
    let (method, target) = method_target(r, opts);
    line.clear();
    // Columns as `  {id:>5} {time:<12} {client:<21} {status:>6}`, written
    // without the formatting machinery.
    line.push_str("  ");
    push_decimal(line, ex.id.0, 5, ' ');
    line.push(' ');
    let start = line.len();
    ex.ts().push_time_of_day(line);
    pad_from(line, start, 12);
    line.push(' ');
    let start = line.len();
    match client_known(ex) {
        true => {
            // Writing to a String cannot fail.
            let _ = write!(line, "{}", ex.client);
        }
        false => line.push('-'),
    }
    pad_from(line, start, 21);
    line.push(' ');
    match ex.status() {
        Some(status) => push_decimal(line, u64::from(status), 6, ' '),
        None => line.push_str("     -"),
    }
    line.push_str("  ");
    line.push_str(&method);
    line.push(' ');
    push_where_to(line, r, &target);
}

/// Pads what was written to `line` since `start` with spaces to `width`
/// characters (a left-aligned column).
fn pad_from(line: &mut String, start: usize, width: usize) {
    let written = line.get(start..).map_or(0, |s| s.chars().count());
    line.extend(std::iter::repeat_n(' ', width.saturating_sub(written)));
}

fn write_stats(w: &mut impl Write, s: &AnalysisSnapshot) -> io::Result<()> {
    let st = &s.stats;
    let wire = s.sources.iter().any(|x| x.kind != SourceKind::Har) || st.decode.frames > 0;
    writeln!(w, "STATS")?;
    if wire {
        write_wire_stats(w, s)?;
    }
    let har: u64 = s
        .sources
        .iter()
        .filter(|x| x.kind == SourceKind::Har)
        .map(|x| x.packets)
        .sum();
    let har = if har > 0 {
        format!("  har entries {har}")
    } else {
        String::new()
    };
    writeln!(
        w,
        "  exchanges {} (evicted {}){har}",
        st.exchanges, st.exchanges_evicted
    )?;
    let codes: Vec<String> = st
        .status_counts
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    let codes = if codes.is_empty() {
        "-".to_string()
    } else {
        codes.join(" ")
    };
    write_wrapped(w, &format!("status {codes}"), "  ", "    ")?;
    if !st.anomalies.counts.is_empty() {
        let a: Vec<String> = st
            .anomalies
            .counts
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        write_wrapped(w, &format!("anomalies {}", a.join(" ")), "  ", "    ")?;
    }
    let dg = &st.diagnose;
    if dg.lost_anything() {
        writeln!(
            w,
            "  diagnosis bounds: conversations evicted {}  findings dropped {}  deadlines dropped {}",
            dg.conversations_evicted, dg.findings_dropped, dg.deadlines_dropped
        )?;
    }
    write_thresholds(w, s)
}

/// Frame, TCP and HTTP counters (wire sources only).
fn write_wire_stats(w: &mut impl Write, s: &AnalysisSnapshot) -> io::Result<()> {
    let st = &s.stats;
    writeln!(
        w,
        "  frames {}  tcp segments {}  non-tcp {}  non-ip {}  malformed {}",
        st.decode.frames,
        st.decode.tcp_segments,
        st.decode.non_tcp,
        st.decode.non_ip,
        st.decode.malformed
    )?;
    writeln!(
        w,
        "  connections {}  mid-stream {}  gaps {} ({} bytes)  out-of-order {}  evicted flows {}",
        st.tcp.connections,
        st.tcp.midstream,
        st.tcp.gaps,
        st.tcp.gap_bytes,
        st.tcp.out_of_order,
        st.tcp.flows_evicted
    )?;
    writeln!(
        w,
        "  requests {}  responses {}  non-http streams {}",
        st.http.requests, st.http.responses, st.http.unparsed_streams
    )?;
    Ok(())
}

fn write_thresholds(w: &mut impl Write, s: &AnalysisSnapshot) -> io::Result<()> {
    let t = &s.thresholds;
    writeln!(w, "THRESHOLDS")?;
    writeln!(
        w,
        "  auth-loop {} in {}s  login-redirect-loop {} in {}s  failed-login-burst {} in {}s",
        t.loop_count,
        t.loop_window_secs,
        t.redirect_loop_count,
        t.redirect_loop_window_secs,
        t.burst_count,
        t.burst_window_secs
    )?;
    writeln!(
        w,
        "  challenge answer {}s  jwt skew {}s  date skew {}s",
        t.challenge_answer_secs, t.jwt_skew_secs, t.date_skew_secs
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(method: &str, target: &str, host: &str) -> ExchangeRecord {
        crate::diagnose::testkit::get(1, 0, "10.0.0.7", host, target)
            .method(method)
            .build()
    }

    #[test]
    fn the_target_is_printed_once_whatever_its_form() {
        let show = |m: &str, t: &str, h: &str| where_to(&rec(m, t, h), t.to_string());
        assert_eq!(show("GET", "/a?b", "h.test"), "h.test/a?b");
        assert_eq!(
            show("GET", "http://h.test:81/", "h.test:81"),
            "http://h.test:81/"
        );
        assert_eq!(show("CONNECT", "h.test:443", "h.test:443"), "h.test:443");
        assert_eq!(show("OPTIONS", "*", "h.test"), "h.test *");
    }
}

#[cfg(test)]
mod diagnose_counter_tests {
    use super::*;

    fn text(s: &AnalysisSnapshot) -> String {
        let mut out = Vec::new();
        write_text(&mut out, s, &ReportOptions::default()).expect("write");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn diagnosis_bounds_are_printed_only_when_something_was_lost() {
        let mut s = AnalysisSnapshot::default();
        s.stats.diagnose.conversations = 12;
        assert!(!text(&s).contains("diagnosis bounds"));
        s.stats.diagnose.findings_dropped = 3;
        let t = text(&s);
        assert!(t.contains("diagnosis bounds:"), "{t}");
        assert!(t.contains("findings dropped 3"), "{t}");
    }
}

use super::ReportOptions;
use crate::model::redact::display_target;
use crate::model::{
    human_duration, sanitize, sanitize_str, with_reveal, AnalysisSnapshot, ChallengeTarget,
    CredentialKind, ExchangeRecord, Finding,
};
use std::io::{self, Write};

/// Evidence lines printed per finding before "… and N more".
const EVIDENCE_LINES: usize = 8;

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
        writeln!(w, "NOTE: {}", sanitize_str(note))?;
    }
    writeln!(w)?;
    write_findings(w, s, opts)?;
    write_exchanges(w, s, opts)?;
    write_stats(w, s)
}

fn write_header(w: &mut impl Write, s: &AnalysisSnapshot) -> io::Result<()> {
    writeln!(w, "authscope report")?;
    for src in &s.sources {
        let drops = match src.kernel_dropped {
            Some(k) => format!(", dropped {} (kernel {k})", src.dropped),
            None if src.dropped > 0 => format!(", dropped {}", src.dropped),
            None => String::new(),
        };
        writeln!(
            w,
            "source: {} ({:?}, {} packets, {} bytes{drops})",
            sanitize_str(&src.path),
            src.kind,
            src.packets,
            src.bytes
        )?;
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
    writeln!(
        w,
        "[{}] {}  {}",
        f.severity.as_str().to_ascii_uppercase(),
        f.code,
        sanitize_str(&f.title)
    )?;
    writeln!(
        w,
        "  seen {}x, {} .. {}",
        f.count,
        f.first_ts.time_of_day(),
        f.last_ts.time_of_day()
    )?;
    if let Some(cause) = f
        .caused_by
        .and_then(|id| s.findings.iter().find(|g| g.id == id))
    {
        writeln!(
            w,
            "  caused by: {} ({})",
            cause.code,
            sanitize_str(&cause.title)
        )?;
    }
    for line in wrap(&sanitize_str(&f.explanation), 96) {
        writeln!(w, "  {line}")?;
    }
    if !f.evidence.is_empty() {
        writeln!(w, "  evidence:")?;
    }
    for id in f.evidence.iter().take(EVIDENCE_LINES) {
        match s.exchanges.binary_search_by_key(id, |r| r.exchange.id) {
            Ok(i) => writeln!(w, "    {}", evidence_line(&s.exchanges[i], opts))?,
            Err(_) => writeln!(w, "    {id} (no longer kept)")?,
        }
    }
    if f.evidence.len() > EVIDENCE_LINES {
        writeln!(w, "    … and {} more", f.evidence.len() - EVIDENCE_LINES)?;
    }
    if !f.fixes.is_empty() {
        writeln!(w, "  fixes:")?;
    }
    for fix in &f.fixes {
        writeln!(w, "    - {}", sanitize_str(fix))?;
    }
    Ok(())
}

/// `10:00:01.123 #3 GET /admin → 401  sent: Basic alice  offered: Basic realm="ops"`.
pub fn exchange_line(r: &ExchangeRecord, opts: &ReportOptions) -> String {
    with_reveal(opts.show_secrets, || evidence_line(r, opts))
}

/// `[ERROR] auth-loop ×9  title`, one line for streaming text output.
pub fn finding_line(f: &Finding) -> String {
    format!(
        "[{}] {} x{}  {}",
        f.severity.as_str().to_ascii_uppercase(),
        f.code,
        f.count,
        sanitize_str(&f.title)
    )
}

fn evidence_line(r: &ExchangeRecord, opts: &ReportOptions) -> String {
    let ex = &r.exchange;
    let (method, target) = match &ex.request {
        Some(rq) => (
            sanitize(rq.method.as_bytes()),
            display_target(&rq.target, opts.show_secrets),
        ),
        None => ("-".into(), "-".into()),
    };
    let status = ex.status().map_or("-".to_string(), |s| s.to_string());
    let mut line = format!(
        "{} {} {} {} {}{} -> {}",
        ex.ts().time_of_day(),
        ex.id,
        ex.client.ip(),
        method,
        sanitize(ex.host().as_bytes()),
        target,
        status
    );
    line.push_str(&format!("  sent: {}", sent_summary(r)));
    let offered = offered_summary(r);
    if !offered.is_empty() {
        line.push_str(&format!("  offered: {offered}"));
    }
    line
}

/// What the client sent, e.g. `Basic alice (pw 1a2b3c4d)`, `Bearer JWT exp -3m12s`, `none`.
pub fn sent_summary(r: &ExchangeRecord) -> String {
    let mut parts = Vec::new();
    for c in &r.auth.credentials {
        let proxy = if c.target == ChallengeTarget::Proxy {
            "proxy "
        } else {
            ""
        };
        let detail = match &c.kind {
            CredentialKind::Basic { user, password } => {
                format!("{} (pw {})", sanitize_str(user), password.fingerprint())
            }
            CredentialKind::Bearer {
                jwt: Some(j),
                token,
            } => {
                let exp = match (j.exp, r.exchange.request.as_ref()) {
                    (Some(e), Some(rq)) => {
                        format!(" exp {}", human_duration(e.micros_since(rq.ts)))
                    }
                    _ => String::new(),
                };
                format!("JWT{exp} (fp {})", token.fingerprint())
            }
            CredentialKind::Bearer { token, jwt: None } => {
                format!("{} bytes (fp {})", token.len(), token.fingerprint())
            }
            CredentialKind::Malformed { reason, .. } => format!("malformed: {reason}"),
            _ => c.user().map(sanitize_str).unwrap_or_default(),
        };
        parts.push(
            format!("{proxy}{} {detail}", sanitize_str(&c.scheme))
                .trim()
                .to_string(),
        );
    }
    for k in &r.auth.api_keys {
        parts.push(format!(
            "api key in {} (fp {})",
            sanitize_str(&k.source),
            k.value.fingerprint()
        ));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// The challenges offered, e.g. `Basic realm="ops", Negotiate`.
pub fn offered_summary(r: &ExchangeRecord) -> String {
    r.auth
        .challenges
        .iter()
        .map(|c| {
            let mut s = sanitize_str(&c.scheme);
            if let Some(realm) = c.param("realm") {
                s.push_str(&format!(" realm=\"{}\"", sanitize_str(realm)));
            }
            if let Some(e) = c.param("error") {
                s.push_str(&format!(" error={}", sanitize_str(e)));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
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
        "  {:>5} {:<12} {:<21} {:<7} {:<44} {:>6}  AUTH",
        "ID", "TIME", "CLIENT", "METHOD", "HOST+TARGET", "STATUS"
    )?;
    for r in &s.exchanges {
        let ex = &r.exchange;
        let (method, target) = match &ex.request {
            Some(rq) => (
                sanitize(rq.method.as_bytes()),
                display_target(&rq.target, opts.show_secrets),
            ),
            None => ("-".into(), String::new()),
        };
        let status = ex.status().map_or("-".to_string(), |s| s.to_string());
        let mut auth = String::new();
        let sent = sent_summary(r);
        if sent != "none" {
            auth.push_str(&format!("sent {sent}"));
        }
        let offered = offered_summary(r);
        if !offered.is_empty() {
            if !auth.is_empty() {
                auth.push_str("; ");
            }
            auth.push_str(&format!("offered {offered}"));
        }
        writeln!(
            w,
            "  {:>5} {:<12} {:<21} {:<7} {:<44} {:>6}  {}",
            ex.id.0,
            ex.ts().time_of_day(),
            ex.client.to_string(),
            truncate(&method, 7),
            truncate(&format!("{}{}", sanitize(ex.host().as_bytes()), target), 44),
            status,
            auth
        )?;
    }
    writeln!(w)
}

fn write_stats(w: &mut impl Write, s: &AnalysisSnapshot) -> io::Result<()> {
    let st = &s.stats;
    writeln!(w, "STATS")?;
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
        "  requests {}  responses {}  exchanges {} (evicted {})  non-http streams {}",
        st.http.requests,
        st.http.responses,
        st.exchanges,
        st.exchanges_evicted,
        st.http.unparsed_streams
    )?;
    let codes: Vec<String> = st
        .status_counts
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    writeln!(
        w,
        "  status {}",
        if codes.is_empty() {
            "-".into()
        } else {
            codes.join(" ")
        }
    )?;
    let dg = &st.diagnose;
    if dg.lost_anything() {
        writeln!(
            w,
            "  diagnosis bounds: conversations evicted {}  findings dropped {}  deadlines dropped {}",
            dg.conversations_evicted, dg.findings_dropped, dg.deadlines_dropped
        )?;
    }
    if !st.anomalies.counts.is_empty() {
        let a: Vec<String> = st
            .anomalies
            .counts
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        writeln!(w, "  anomalies {}", a.join(" "))?;
    }
    let t = &s.thresholds;
    writeln!(
        w,
        "THRESHOLDS  loop {}/{}s  redirect-loop {}/{}s  burst {}/{}s  challenge-window {}s  jwt-skew {}s  date-skew {}s",
        t.loop_count,
        t.loop_window_secs,
        t.redirect_loop_count,
        t.redirect_loop_window_secs,
        t.burst_count,
        t.burst_window_secs,
        t.challenge_answer_secs,
        t.jwt_skew_secs,
        t.date_skew_secs
    )
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
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

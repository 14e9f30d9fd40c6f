//! The detail view of one exchange: request and response heads (credential
//! fields masked by `model::redact::display_field`), decoded credentials,
//! cookies with attributes, challenges, rate-limit signals, server hints, the
//! error-body excerpt, anomalies and the findings that cite it. Scrollable.

use super::{fmt, framed, pane_block};
use crate::model::{redact, sanitize, sanitize_str, ExchangeRecord, Headers, SetCookie};
use crate::ui::app::UiState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// Lines of the error body shown.
const BODY_LINES: usize = 12;
/// Header fields shown per message.
const MAX_FIELDS: usize = 200;

/// The detail pane over the whole main area.
pub fn render_detail(area: Rect, buf: &mut Buffer, state: &UiState) {
    let Some(rec) = state.selected() else {
        return;
    };
    let ex = &rec.exchange;
    let title = format!(
        "Exchange {} {} → {} ({}, #{} on it)  Esc back",
        ex.id,
        ex.client,
        ex.server,
        origin_label(rec),
        ex.seq_on_conn
    );
    let inner = framed(area, buf, pane_block(title, true, state));
    if inner.is_empty() {
        return;
    }
    let lines = detail_lines(rec, state);
    let max = lines.len().saturating_sub(usize::from(inner.height)) as u16;
    Paragraph::new(lines)
        .scroll((state.detail_scroll.min(max), 0))
        .render(inner, buf);
}

fn origin_label(rec: &ExchangeRecord) -> String {
    match rec.exchange.origin {
        crate::model::ExchangeOrigin::Wire(c) => format!("conn {c}"),
        crate::model::ExchangeOrigin::Har { entry_index, .. } => format!("HAR entry {entry_index}"),
    }
}

/// Every line of the detail view, in order.
pub fn detail_lines(rec: &ExchangeRecord, state: &UiState) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut out: Vec<Line<'static>> = Vec::new();
    let head = |s: &str| Line::styled(s.to_string(), t.heading());
    let ex = &rec.exchange;
    out.push(head("Request"));
    match &ex.request {
        Some(r) => {
            out.push(Line::raw(format!(
                "  {} {} {}   at {}",
                sanitize_str(&r.method),
                redact::display_target(&r.target, state.reveal),
                r.version.as_str(),
                r.ts
            )));
            header_lines(&r.headers, state, &mut out);
        }
        None => out.push(Line::styled("  (request not seen in the capture)", t.dim())),
    }
    auth_lines(rec, state, &mut out);
    out.push(head("Response"));
    match &ex.response {
        Some(r) => {
            let latency = ex
                .latency_ms()
                .map(|l| format!("   after {l:.1} ms"))
                .unwrap_or_default();
            out.push(Line::styled(
                format!(
                    "  {} {} {}{latency}",
                    r.version.as_str(),
                    r.status,
                    sanitize_str(&r.reason)
                ),
                t.status(Some(r.status)),
            ));
            header_lines(&r.headers, state, &mut out);
            body_lines(&r.body_prefix, r.body_len, state, &mut out);
        }
        None => out.push(Line::styled("  (no response seen)", t.dim())),
    }
    response_auth_lines(rec, state, &mut out);
    tail_lines(rec, state, &mut out);
    out
}

fn header_lines(h: &Headers, state: &UiState, out: &mut Vec<Line<'static>>) {
    for (name, value) in h.iter().take(MAX_FIELDS) {
        out.push(Line::from(vec![
            Span::styled(format!("  {}: ", sanitize_str(name)), state.theme.dim()),
            Span::raw(redact::display_field(name, value, state.reveal)),
        ]));
    }
    if h.len() > MAX_FIELDS {
        out.push(Line::raw(format!(
            "  … {} more fields",
            h.len() - MAX_FIELDS
        )));
    }
}

fn auth_lines(rec: &ExchangeRecord, state: &UiState, out: &mut Vec<Line<'static>>) {
    let a = &rec.auth;
    if a.credentials.is_empty() && a.api_keys.is_empty() && a.cookies.is_empty() {
        return;
    }
    out.push(Line::styled("Credentials sent", state.theme.heading()));
    let at = rec.exchange.ts();
    for c in &a.credentials {
        let target = match c.target {
            crate::model::ChallengeTarget::Server => "",
            crate::model::ChallengeTarget::Proxy => " (to the proxy)",
        };
        out.push(Line::raw(format!(
            "  {}{target}  fp {}",
            fmt::credential(c, at, state.reveal),
            c.fingerprint
        )));
        if let crate::model::CredentialKind::Bearer { jwt: Some(j), .. } = &c.kind {
            out.push(Line::raw(format!("    jwt {}", jwt_words(j, at))));
        }
    }
    for k in &a.api_keys {
        out.push(Line::raw(format!(
            "  api key in {}: {}",
            sanitize_str(&k.source),
            k.value.render(state.reveal)
        )));
    }
    for c in a.cookies.iter().take(50) {
        out.push(Line::raw(format!(
            "  cookie {}={}",
            sanitize_str(&c.name),
            c.value.render(state.reveal)
        )));
    }
}

fn jwt_words(j: &crate::model::JwtView, at: crate::model::Timestamp) -> String {
    let mut parts = Vec::new();
    let mut field = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            parts.push(format!("{k}={}", sanitize_str(&fmt::clip(v, 60))));
        }
    };
    field("alg", &j.alg);
    field("iss", &j.iss);
    field("sub", &j.sub);
    if !j.aud.is_empty() {
        parts.push(format!("aud={}", sanitize_str(&j.aud.join(","))));
    }
    if !j.scopes.is_empty() {
        parts.push(format!(
            "scope={}",
            sanitize_str(&fmt::clip(&j.scopes.join(" "), 60))
        ));
    }
    for (k, v) in [("exp", j.exp), ("nbf", j.nbf), ("iat", j.iat)] {
        if let Some(ts) = v {
            parts.push(format!("{k}={} ({})", ts, ts.human_since(at)));
        }
    }
    parts.join(" ")
}

fn body_lines(body: &[u8], len: u64, state: &UiState, out: &mut Vec<Line<'static>>) {
    if body.is_empty() {
        return;
    }
    out.push(Line::styled(
        format!("Error body ({} bytes, first {} kept)", len, body.len()),
        state.theme.heading(),
    ));
    for line in body
        .split(|&b| b == b'\n')
        .map(|l| sanitize(l).trim().to_string())
        .filter(|l| !l.is_empty())
        .take(BODY_LINES)
    {
        out.push(Line::raw(format!("  {}", fmt::clip(&line, 200))));
    }
}

fn response_auth_lines(rec: &ExchangeRecord, state: &UiState, out: &mut Vec<Line<'static>>) {
    let a = &rec.auth;
    let t = &state.theme;
    if !a.challenges.is_empty() {
        out.push(Line::styled("Challenges offered", t.heading()));
        for c in &a.challenges {
            out.push(Line::raw(format!("  {}", fmt::challenge(c))));
        }
    }
    if !a.set_cookies.is_empty() {
        out.push(Line::styled("Cookies set", t.heading()));
        for c in a.set_cookies.iter().take(50) {
            out.push(Line::raw(format!(
                "  {}",
                set_cookie_words(c, state.reveal)
            )));
        }
    }
    if let Some(rl) = &a.rate_limit {
        out.push(Line::styled("Rate limit", t.heading()));
        let mut parts = Vec::new();
        if let Some(v) = &rl.retry_after_raw {
            parts.push(format!("retry-after {}", sanitize_str(v)));
        }
        for (k, v) in [
            ("limit", rl.limit),
            ("remaining", rl.remaining),
            ("reset", rl.reset_secs),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k} {v}"));
            }
        }
        if let Some(p) = &rl.policy {
            parts.push(format!("policy {}", sanitize_str(p)));
        }
        out.push(Line::raw(format!("  {}", parts.join(", "))));
    }
}

fn set_cookie_words(c: &SetCookie, reveal: bool) -> String {
    let mut s = format!("{}={}", sanitize_str(&c.name), c.value.render(reveal));
    let flags = [
        (c.secure, "Secure"),
        (c.http_only, "HttpOnly"),
        (c.partitioned, "Partitioned"),
    ];
    for (on, name) in flags {
        if on {
            s.push_str(&format!("; {name}"));
        }
    }
    for (k, v) in [
        ("Domain", &c.domain),
        ("Path", &c.path),
        ("SameSite", &c.same_site),
    ] {
        if let Some(v) = v {
            s.push_str(&format!("; {k}={}", sanitize_str(v)));
        }
    }
    if let Some(m) = c.max_age {
        s.push_str(&format!("; Max-Age={m}"));
    }
    if let Some(e) = c.expires {
        s.push_str(&format!("; Expires={e}"));
    }
    s.push_str(&format!("  ({} bytes)", c.size));
    if c.expired {
        s.push_str("  ✗ already expired (deletes the cookie)");
    }
    s
}

fn tail_lines(rec: &ExchangeRecord, state: &UiState, out: &mut Vec<Line<'static>>) {
    let t = &state.theme;
    let h = &rec.auth.hints;
    let mut hints = Vec::new();
    if let Some((s, sub)) = h.iis_substatus {
        hints.push(format!("IIS {s}.{sub}"));
    }
    if let Some(p) = &h.server_product {
        hints.push(format!("server {}", sanitize_str(p)));
    }
    if let Some(skew) = h.date_skew_secs {
        hints.push(format!("Date skew {skew}s"));
    }
    if h.ip_denied {
        hints.push("! address denied".into());
    }
    if h.header_too_large {
        hints.push("! header too large".into());
    }
    if !hints.is_empty() {
        out.push(Line::styled("Server hints", t.heading()));
        out.push(Line::raw(format!("  {}", hints.join(", "))));
    }
    let anomalies: Vec<&str> = rec
        .exchange
        .anomalies
        .iter()
        .chain(rec.auth.anomalies.iter())
        .copied()
        .collect();
    if !anomalies.is_empty() {
        out.push(Line::styled("Anomalies", t.heading()));
        out.push(Line::styled(
            format!("  ! {}", anomalies.join(", ")),
            t.warning(),
        ));
    }
    let id = rec.exchange.id;
    let cited: Vec<String> = state
        .snapshot
        .findings
        .iter()
        .filter(|f| f.evidence.contains(&id))
        .map(|f| {
            format!(
                "  {} {}: {}",
                crate::ui::theme::severity_label(f.severity),
                f.code,
                sanitize_str(&f.title)
            )
        })
        .collect();
    if !cited.is_empty() {
        out.push(Line::styled("Findings citing this exchange", t.heading()));
        out.extend(cited.into_iter().map(Line::raw));
    }
}

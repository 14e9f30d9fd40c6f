//! Terminal safety of the dashboard: the hostile capture and HAR of
//! `common::hostile` go through the real pipeline, then every view (header,
//! timeline, list, diagnosis with each finding's explanation, flow ladder of
//! each conversation, detail of each exchange masked and revealed, help,
//! secrets question, filter prompt and filtered list title) is drawn on a
//! ratatui `TestBackend`. No cell may hold a control, bidi or zero-width
//! character, and the escape sequences must show in their visible, inert form.

mod common;

use authscope::model::AnalysisSnapshot;
use authscope::ui::views::{list_rows, render_dashboard};
use authscope::ui::{Action, Pane, ReplayStatus, Screen, Theme, UiState};
use common::hostile::har::hostile_har;
use common::hostile::{analyse, forbidden_in, hostile_pcap, unescaped_markers, C0, C0_SHOWN};
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::sync::Arc;

/// Screens rendered so far, each as text with a label.
#[derive(Default)]
struct Screens(Vec<(String, String)>);

impl Screens {
    fn draw(&mut self, label: &str, state: &UiState, w: u16, h: u16) {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        term.draw(|f| render_dashboard(f.area(), f.buffer_mut(), state))
            .expect("draw");
        let buf = term.backend().buffer();
        let text: Vec<String> = (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf.cell((x, y)).map_or(" ", |c| c.symbol()))
                    .collect::<String>()
            })
            .collect();
        self.0
            .push((format!("{label} at {w}x{h}"), text.join("\n")));
    }

    /// Every screen free of forbidden characters, with each escape sequence
    /// marker preceded by the visible ESC symbol.
    fn check(&self) {
        let mut failures = Vec::new();
        for (label, text) in &self.0 {
            for bad in forbidden_in(text) {
                failures.push(format!("{label}: {bad}"));
            }
            for bad in unescaped_markers(text) {
                failures.push(format!("{label}: {bad}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} problems:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    fn any_contains(&self, needle: &str) -> bool {
        self.0.iter().any(|(_, t)| t.contains(needle))
    }
}

/// A state whose status (input name, input error) and notes are hostile too.
fn state_for(mut snapshot: AnalysisSnapshot, w: u16, h: u16) -> UiState {
    snapshot
        .notes
        .push(format!("{C0}.har: this HAR export looks sanitized"));
    let status = ReplayStatus {
        source_label: format!("/tmp/{C0}/cap{C0}.pcap"),
        loading: false,
        error: Some(format!("read error near {C0}")),
        ..ReplayStatus::default()
    };
    let mut state = UiState::new(Arc::new(snapshot), status, Theme::new(true));
    state.set_list_rows(list_rows(Rect::new(0, 0, w, h), &state));
    state
}

/// The list with each exchange selected; the flow ladder follows the selection.
fn walk_list(s: &mut Screens, state: &mut UiState, w: u16, h: u16) {
    state.apply(Action::Top);
    for i in 0..state.visible.len() {
        s.draw(&format!("list row {i}"), state, w, h);
        state.apply(Action::Down);
    }
}

fn walk_findings(s: &mut Screens, state: &mut UiState, w: u16, h: u16) {
    while state.pane != Pane::Findings {
        state.apply(Action::NextPane);
    }
    state.apply(Action::Top);
    for i in 0..state.snapshot.findings.len() {
        s.draw(&format!("finding {i}"), state, w, h);
        state.apply(Action::Down);
    }
}

fn walk_flow(s: &mut Screens, state: &mut UiState, w: u16, h: u16) {
    while state.pane != Pane::Flow {
        state.apply(Action::NextPane);
    }
    for i in 0..4 {
        s.draw(&format!("flow scroll {i}"), state, w, h);
        state.apply(Action::Down);
    }
    while state.pane != Pane::List {
        state.apply(Action::NextPane);
    }
}

/// The detail view of every exchange, tall enough to show every line.
fn walk_details(s: &mut Screens, state: &mut UiState, reveal: bool) {
    let (w, h) = (220, 400);
    state.reveal = reveal;
    state.apply(Action::Top);
    for i in 0..state.visible.len() {
        state.apply(Action::Open);
        assert_eq!(state.screen, Screen::Detail, "row {i} opens");
        s.draw(&format!("detail {i} reveal={reveal}"), state, w, h);
        state.apply(Action::Back);
        state.apply(Action::Down);
    }
    state.reveal = false;
}

fn walk_overlays(s: &mut Screens, state: &mut UiState, w: u16, h: u16) {
    state.apply(Action::ToggleHelp);
    s.draw("help", state, w, h);
    state.apply(Action::Back);
    state.apply(Action::ToggleSecrets);
    s.draw("reveal question", state, w, h);
    state.apply(Action::Deny);
    state.apply(Action::StartFilter);
    for c in C0.chars() {
        state.apply(Action::FilterChar(c));
    }
    s.draw("filter prompt", state, w, h);
    state.apply(Action::FilterApply);
    s.draw("filtered list", state, w, h);
    state.apply(Action::StartFilter);
    state.apply(Action::FilterCancel);
}

fn every_view(snapshot: &AnalysisSnapshot) -> Screens {
    let mut s = Screens::default();
    for (w, h) in [(80, 24), (100, 30), (160, 48), (200, 90)] {
        let mut state = state_for(snapshot.clone(), w, h);
        walk_list(&mut s, &mut state, w, h);
        walk_findings(&mut s, &mut state, w, h);
        walk_flow(&mut s, &mut state, w, h);
        walk_overlays(&mut s, &mut state, w, h);
    }
    let mut state = state_for(snapshot.clone(), 220, 400);
    walk_details(&mut s, &mut state, false);
    walk_details(&mut s, &mut state, true);
    s
}

#[test]
fn every_dashboard_view_of_the_hostile_capture_is_inert() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hostile.pcap");
    std::fs::write(&path, hostile_pcap()).expect("write the capture");
    let snapshot = analyse(&path);
    assert!(snapshot.exchanges.len() >= 20, "exchanges were parsed");
    let codes: Vec<&str> = snapshot.findings.iter().map(|f| f.code).collect();
    for code in [
        "auth-loop",
        "token-expired",
        "login-redirect-loop",
        "rate-limited",
    ] {
        assert!(codes.contains(&code), "{code} fires: {codes:?}");
    }
    let screens = every_view(&snapshot);
    screens.check();
    // U+FFFD stands for the bidi override and raw C1 bytes of `HV`.
    for shown in [
        C0_SHOWN,
        "Host: api\u{fffd}RLO",
        "GET /admin/\u{fffd}RLO",
        "realm=ops\u{fffd}RLO",
        "Set-Cookie: sess\u{fffd}RLO",
        "Cookie: pref\u{fffd}RLO",
        "Location: /login\u{fffd}RLO",
        "token expired \u{fffd}RLO",
        "retry-after 30\u{fffd}RLO",
        "user=carol\u{fffd}RLO",
        "user=␛]0;pwned",
        "access denied ␛]0;pwned",
        "iss=https://sso.example/␛]0;pwned",
        "dave␛]0;pwned",
        "wrong-pw␛]0;pwned",
        "cap␛]0;pwned",
        "input error: read error near ␛]0;pwned",
        "note: ␛]0;pwned",
        "CORP␛]0;pwned",
        "bob␛]0;pwned",
        "alg=HS256␛]0;pwned",
    ] {
        assert!(screens.any_contains(shown), "{shown:?} is shown somewhere");
    }
}

#[test]
fn every_dashboard_view_of_the_hostile_har_is_inert() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hostile.har");
    std::fs::write(&path, hostile_har()).expect("write the HAR");
    let snapshot = analyse(&path);
    assert_eq!(snapshot.exchanges.len(), 7, "every entry was read");
    let screens = every_view(&snapshot);
    screens.check();
    for shown in [
        C0_SHOWN,
        "X-Name␛]0;pwned",
        "Nope␛]0;pwned",
        "◀── 429 Nope␛]0;pwned",
        "c␛]0;pwned",
    ] {
        assert!(screens.any_contains(shown), "{shown:?} is shown somewhere");
    }
}

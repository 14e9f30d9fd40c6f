//! Render tests: every view at 80×24 and 160×48 from the hand-built snapshot,
//! rendered into a plain `Buffer` (no threads, timers or terminal).

use super::fixture::{self, state};
use crate::ui::views::render_dashboard;
use crate::ui::{Action, Overlay, Pane, UiState};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::Terminal;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn render(s: &UiState, w: u16, h: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    render_dashboard(buf.area, &mut buf, s);
    buf
}

fn lines(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf.cell((x, y)).map_or(" ", |c| c.symbol()))
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

fn text(s: &UiState, w: u16, h: u16) -> String {
    lines(&render(s, w, h)).join("\n")
}

fn assert_has(screen: &str, needle: &str) {
    assert!(screen.contains(needle), "missing {needle:?} in:\n{screen}");
}

#[test]
fn dashboard_shows_header_timeline_list_and_findings() {
    for (w, h) in SIZES {
        let s = state(w, h, true);
        let screen = text(&s, w, h);
        for needle in [
            "demo.pcap │ 1,234 pkts 8 exch",
            "3 findings (1✗)",
            "speed max",
            "loaded 56.8 KB",
            "401:3 403:1 407:0 429:2",
            "Exchanges 8/8",
            "api.example.com/api/orders",
            "401✗",
            "429✗",
            "---?",
            "Bearer",
            "✗ ERR",
            "auth-loop",
            "rate-limited",
        ] {
            assert_has(&screen, needle);
        }
        assert!(!screen.contains("tok123"), "query secret leaked:\n{screen}");
        insta::assert_snapshot!(format!("dashboard_{w}x{h}"), screen);
    }
}

#[test]
fn wide_dashboard_shows_user_and_flow_side_by_side() {
    let s = state(160, 48, true);
    let screen = text(&s, 160, 48);
    assert_has(&screen, "user");
    assert_has(&screen, "Flow 10.0.0.7");
    assert_has(&screen, "why: the client keeps sending an expired token");
}

#[test]
fn flow_ladder_has_a_rung_per_leg() {
    for (w, h) in SIZES {
        let mut s = state(w, h, true);
        s.apply(Action::NextPane);
        s.apply(Action::NextPane);
        assert_eq!(s.pane, Pane::Flow);
        let screen = text(&s, w, h);
        assert_has(&screen, "client");
        assert_has(&screen, "server");
        assert_has(&screen, "GET /api/orders");
        assert_has(&screen, "Bearer eyJ…(exp -3m00s)");
        assert_has(&screen, "──▶│");
        assert_has(&screen, "│◀──");
        assert_has(&screen, "401 Bearer realm=api error=invalid_token");
        insta::assert_snapshot!(format!("flow_{w}x{h}"), screen);
    }
}

#[test]
fn detail_view_masks_secrets_and_decodes_auth() {
    for (w, h) in SIZES {
        let mut s = state(w, h, true);
        s.apply(Action::Down);
        s.apply(Action::Open);
        let screen = text(&s, w, h);
        assert_has(&screen, "Exchange #1");
        assert_has(&screen, "POST /login HTTP/1.1");
        assert_has(&screen, "Authorization: Basic ••••");
        assert_has(&screen, "Basic alice:••••");
        assert!(
            !screen.contains("hunter2") && !screen.contains("YWxp"),
            "{screen}"
        );
        if h >= 48 {
            assert_has(&screen, "Set-Cookie: sid=••••; Path=/; Secure; HttpOnly");
            assert_has(&screen, "Cookies set");
            assert!(!screen.contains("s3cr3t"), "{screen}");
        }
        insta::assert_snapshot!(format!("detail_{w}x{h}"), screen);
    }
}

#[test]
fn detail_view_reveals_secrets_only_when_asked() {
    let mut s = state(160, 48, true);
    s.apply(Action::Down);
    s.apply(Action::Open);
    s.apply(Action::ToggleSecrets);
    assert_eq!(s.overlay, Overlay::ConfirmReveal);
    let asking = text(&s, 160, 48);
    assert_has(&asking, "Reveal secrets?");
    assert!(!asking.contains("hunter2"));
    s.apply(Action::Confirm);
    let shown = text(&s, 160, 48);
    assert_has(&shown, "alice:hunter2");
    assert_has(&shown, "! SECRETS SHOWN");
}

#[test]
fn detail_view_shows_rate_limit_and_error_body() {
    let mut s = state(160, 48, true);
    for _ in 0..4 {
        s.apply(Action::Down);
    }
    s.apply(Action::Open);
    let screen = text(&s, 160, 48);
    assert_has(&screen, "Rate limit");
    assert_has(&screen, "retry-after 30, remaining 0");
    assert_has(&screen, "Error body (10 bytes, first 10 kept)");
    assert_has(&screen, "slow down");
}

#[test]
fn escape_sequences_in_capture_text_render_inert() {
    for (w, h) in SIZES {
        let mut s = state(w, h, true);
        s.apply(Action::Bottom);
        s.apply(Action::Up);
        s.apply(Action::Open);
        let buf = render(&s, w, h);
        let screen = lines(&buf).join("\n");
        assert_has(&screen, "X-Evil: x␛]0;pwned␇y␛[2Jz");
        for cell in buf.content() {
            let sym = cell.symbol();
            assert!(
                !sym.chars().any(|c| c.is_control()),
                "control character {sym:?} reached the screen"
            );
        }
        // The diagnosis pane shows the finding title that carries the same bytes.
        s.apply(Action::Back);
        s.apply(Action::NextPane);
        for _ in 0..2 {
            s.apply(Action::Down);
        }
        let buf = render(&s, w, h);
        assert!(buf.content().iter().all(|c| !c.symbol().contains('\x1b')));
        assert_has(&lines(&buf).join("\n"), "␛]0;pwned␇");
    }
}

#[test]
fn escape_sequences_never_reach_the_terminal_backend() {
    let mut s = state(80, 24, true);
    s.apply(Action::Bottom);
    s.apply(Action::Up);
    s.apply(Action::Open);
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    term.draw(|f| render_dashboard(f.area(), f.buffer_mut(), &s))
        .expect("draw");
    let shown = lines(term.backend().buffer()).join("\n");
    assert!(!shown.contains('\x1b') && !shown.contains('\x07'));
    assert_has(&shown, "pwned");
}

#[test]
fn help_overlay_lists_every_binding() {
    for (w, h) in SIZES {
        let mut s = state(w, h, true);
        s.apply(Action::ToggleHelp);
        let first = text(&s, w, h);
        insta::assert_snapshot!(format!("help_{w}x{h}"), first);
        let mut seen = String::new();
        for _ in 0..40 {
            seen.push_str(&text(&s, w, h));
            s.apply(Action::Down);
        }
        for b in crate::ui::keymap::BINDINGS {
            assert_has(&seen, b.help);
        }
    }
}

#[test]
fn filter_prompt_and_confirm_render() {
    for (w, h) in SIZES {
        let mut s = state(w, h, true);
        s.apply(Action::StartFilter);
        for c in "status:4xx".chars() {
            s.apply(Action::FilterChar(c));
        }
        let screen = text(&s, w, h);
        assert_has(&screen, "/status:4xx█");
        s.apply(Action::FilterApply);
        let screen = text(&s, w, h);
        assert_has(&screen, "Exchanges 6/8 [/status:4xx]");
        insta::assert_snapshot!(format!("filtered_{w}x{h}"), screen);
        s.apply(Action::ToggleSecrets);
        let screen = text(&s, w, h);
        assert_has(&screen, "y = yes, reveal");
    }
}

#[test]
fn findings_pane_marks_evidence_rows() {
    for (w, h) in SIZES {
        let mut s = state(w, h, true);
        s.apply(Action::NextPane);
        s.apply(Action::Open);
        let screen = text(&s, w, h);
        assert!(screen.matches('»').count() >= 3, "{screen}");
        assert_has(&screen, "3 evidence exchange(s) marked");
        insta::assert_snapshot!(format!("findings_{w}x{h}"), screen);
    }
}

#[test]
fn no_color_renders_without_colours_but_keeps_markers() {
    let s = state(80, 24, false);
    let buf = render(&s, 80, 24);
    for cell in buf.content() {
        assert_eq!(cell.fg, Color::Reset);
        assert_eq!(cell.bg, Color::Reset);
    }
    let screen = lines(&buf).join("\n");
    assert_has(&screen, "401✗");
    assert_has(&screen, "✗ ERR");
    let colored = render(&state(80, 24, true), 80, 24);
    assert!(colored.content().iter().any(|c| c.fg != Color::Reset));
}

#[test]
fn empty_snapshot_and_input_error_render() {
    for (w, h) in SIZES {
        let mut s = UiState::new(
            Default::default(),
            Default::default(),
            crate::ui::Theme::new(true),
        );
        let screen = text(&s, w, h);
        assert_has(&screen, "no HTTP exchanges yet");
        assert_has(&screen, "loading");
        let mut st = fixture::status();
        st.error = Some("x.pcap: not a capture\x1b[2J".into());
        s.set_status(st);
        let screen = text(&s, w, h);
        assert_has(&screen, "✗ input error: x.pcap: not a capture␛[2J");
    }
}

#[test]
fn tiny_terminal_does_not_panic() {
    let s = state(10, 5, true);
    for (w, h) in [(1, 1), (10, 5), (20, 8), (0, 0)] {
        let _ = render(&s, w, h);
    }
}

//! Key handling: key events in, actions, state and engine messages out.

use super::fixture::{self, state};
use crate::cli::Speed;
use crate::model::{AnalysisSnapshot, ExchangeId};
use crate::ui::control::step_speed;
use crate::ui::{Action, Control, Overlay, Pane, Screen, UiState};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::Arc;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

fn press(s: &mut UiState, keys: &str) -> Vec<Control> {
    keys.chars().filter_map(|c| s.on_key(ch(c))).collect()
}

fn selected_id(s: &UiState) -> u64 {
    s.selected().expect("a selection").exchange.id.0
}

#[test]
fn movement_keys_map_to_actions() {
    let s = state(80, 24, true);
    assert_eq!(s.action_for(ch('j')), Some(Action::Down));
    assert_eq!(s.action_for(key(KeyCode::Down)), Some(Action::Down));
    assert_eq!(s.action_for(ch('k')), Some(Action::Up));
    assert_eq!(s.action_for(key(KeyCode::PageDown)), Some(Action::PageDown));
    assert_eq!(s.action_for(ch('g')), Some(Action::Top));
    assert_eq!(
        s.action_for(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)),
        Some(Action::Bottom)
    );
    assert_eq!(s.action_for(key(KeyCode::Tab)), Some(Action::NextPane));
    assert_eq!(s.action_for(ch('x')), None);
}

#[test]
fn list_selection_moves_and_clamps() {
    let mut s = state(80, 24, true);
    press(&mut s, "jj");
    assert_eq!(selected_id(&s), 2);
    press(&mut s, "kkkk");
    assert_eq!(selected_id(&s), 0);
    press(&mut s, "G");
    assert_eq!(selected_id(&s), 7);
    assert!(s.list_offset <= s.list_sel && s.list_sel < s.list_offset + s.list_rows);
    press(&mut s, "g");
    assert_eq!((selected_id(&s), s.list_offset), (0, 0));
    s.on_key(key(KeyCode::PageDown));
    assert_eq!(s.list_sel, s.list_rows.min(7));
}

#[test]
fn tab_cycles_panes_and_esc_returns_to_list() {
    let mut s = state(80, 24, true);
    s.on_key(key(KeyCode::Tab));
    assert_eq!(s.pane, Pane::Findings);
    s.on_key(key(KeyCode::Tab));
    assert_eq!(s.pane, Pane::Flow);
    s.on_key(key(KeyCode::BackTab));
    assert_eq!(s.pane, Pane::Findings);
    s.on_key(key(KeyCode::Esc));
    assert_eq!(s.pane, Pane::List);
}

#[test]
fn enter_opens_detail_and_esc_goes_back() {
    let mut s = state(80, 24, true);
    press(&mut s, "j");
    s.on_key(key(KeyCode::Enter));
    assert_eq!(s.screen, Screen::Detail);
    press(&mut s, "jj");
    assert_eq!(s.detail_scroll, 2);
    assert_eq!(
        selected_id(&s),
        1,
        "scrolling the detail keeps the exchange"
    );
    s.on_key(key(KeyCode::Esc));
    assert_eq!(s.screen, Screen::Dashboard);
}

#[test]
fn selecting_a_finding_marks_and_jumps_to_its_evidence() {
    let mut s = state(80, 24, true);
    press(&mut s, "G");
    s.on_key(key(KeyCode::Tab));
    s.on_key(key(KeyCode::Enter));
    assert_eq!(s.pane, Pane::List);
    assert_eq!(selected_id(&s), 0);
    let marked: Vec<u64> = s.marked.iter().map(|e| e.0).collect();
    assert_eq!(marked, vec![0, 2, 3]);
    press(&mut s, "n");
    assert_eq!(selected_id(&s), 2);
    press(&mut s, "n");
    assert_eq!(selected_id(&s), 3);
    press(&mut s, "n");
    assert_eq!(selected_id(&s), 3, "no mark after the last one");
    press(&mut s, "N");
    assert_eq!(selected_id(&s), 2);
    s.on_key(key(KeyCode::Esc));
    assert!(s.marked.is_empty() && s.marked_finding.is_none());
}

#[test]
fn finding_evidence_hidden_by_filter_clears_the_filter() {
    let mut s = state(80, 24, true);
    press(&mut s, "f");
    s.apply(Action::StartFilter);
    for c in "status:429".chars() {
        s.apply(Action::FilterChar(c));
    }
    s.apply(Action::FilterApply);
    assert_eq!(s.visible.len(), 2);
    s.pane = Pane::Findings;
    s.apply(Action::Open);
    assert_eq!(selected_id(&s), 0);
    assert!(!s.failures_only && s.filter.is_empty());
}

#[test]
fn filter_prompt_types_keys_instead_of_running_them() {
    let mut s = state(80, 24, true);
    press(&mut s, "/");
    assert_eq!(s.overlay, Overlay::Filter);
    let controls = press(&mut s, "q host:api status:4 ");
    assert!(controls.is_empty() && !s.quit);
    s.on_key(key(KeyCode::Backspace));
    assert_eq!(s.filter_input, "q host:api status:4");
    s.on_key(key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None);
    assert!(s.filter.is_empty(), "Esc keeps the previous filter");
    press(&mut s, "/");
    for _ in 0..30 {
        s.on_key(key(KeyCode::Backspace));
    }
    press(&mut s, "code:auth-loop");
    s.on_key(key(KeyCode::Enter));
    let ids: Vec<u64> = s
        .visible
        .iter()
        .map(|&i| s.snapshot.exchanges[i].exchange.id.0)
        .collect();
    assert_eq!(ids, vec![0, 2, 3]);
}

#[test]
fn filter_terms_match_host_path_status_client() {
    let mut s = state(80, 24, true);
    let count = |s: &mut UiState, f: &str| {
        s.filter = crate::ui::filter::Filter::parse(f);
        s.apply(Action::ToggleFailures);
        s.apply(Action::ToggleFailures);
        s.visible.len()
    };
    assert_eq!(count(&mut s, "path:/login"), 1);
    assert_eq!(count(&mut s, "status:40x"), 4);
    assert_eq!(count(&mut s, "client:10.0.0.7"), 8);
    assert_eq!(count(&mut s, "host:nowhere"), 0);
    assert_eq!(count(&mut s, "report 429"), 2);
}

#[test]
fn failures_only_and_follow() {
    let mut s = state(80, 24, true);
    press(&mut s, "f");
    assert!(s.failures_only);
    assert_eq!(s.visible.len(), 6);
    press(&mut s, "f");
    assert_eq!(s.visible.len(), 8);
    press(&mut s, "F");
    assert!(s.follow);
    assert_eq!(selected_id(&s), 7);
    let mut snap = fixture::snapshot();
    let mut extra = (*snap.exchanges[0]).clone();
    extra.exchange.id = ExchangeId(8);
    snap.exchanges.push(Arc::new(extra));
    s.set_snapshot(Arc::new(snap));
    assert_eq!(selected_id(&s), 8, "follow keeps the newest selected");
    press(&mut s, "k");
    assert!(!s.follow, "moving up stops following");
}

#[test]
fn new_snapshot_keeps_the_selected_exchange() {
    let mut s = state(80, 24, true);
    press(&mut s, "jjj");
    let mut snap = fixture::snapshot();
    snap.exchanges.remove(0);
    s.set_snapshot(Arc::new(snap));
    assert_eq!(selected_id(&s), 3);
}

#[test]
fn replay_keys_send_engine_controls() {
    let mut s = state(80, 24, true);
    assert_eq!(press(&mut s, " "), vec![Control::TogglePause]);
    assert_eq!(
        press(&mut s, "-"),
        vec![Control::SetSpeed(Speed::Factor(1000.0))]
    );
    assert_eq!(press(&mut s, "+"), vec![Control::SetSpeed(Speed::Max)]);
    assert_eq!(press(&mut s, "<"), vec![Control::SeekStart]);
    assert_eq!(press(&mut s, ">"), vec![Control::SeekEnd]);
    assert_eq!(s.on_key(key(KeyCode::Home)), Some(Control::SeekStart));
    assert_eq!(s.on_key(key(KeyCode::End)), Some(Control::SeekEnd));
}

#[test]
fn speed_ladder_steps_and_saturates() {
    assert_eq!(step_speed(Speed::Factor(1.0), true), Speed::Factor(2.0));
    assert_eq!(step_speed(Speed::Factor(1.0), false), Speed::Factor(0.5));
    assert_eq!(step_speed(Speed::Factor(0.25), false), Speed::Factor(0.25));
    assert_eq!(step_speed(Speed::Factor(3.0), true), Speed::Factor(5.0));
    assert_eq!(step_speed(Speed::Factor(1000.0), true), Speed::Max);
    assert_eq!(step_speed(Speed::Max, true), Speed::Max);
}

#[test]
fn secrets_need_confirmation() {
    let mut s = state(80, 24, true);
    press(&mut s, "s");
    assert_eq!(s.overlay, Overlay::ConfirmReveal);
    press(&mut s, "n");
    assert!(!s.reveal && s.overlay == Overlay::None);
    press(&mut s, "s");
    s.on_key(key(KeyCode::Esc));
    assert!(!s.reveal);
    press(&mut s, "sy");
    assert!(s.reveal);
    press(&mut s, "s");
    assert!(!s.reveal, "s masks again without asking");
}

#[test]
fn help_takes_keys_until_closed_and_q_quits() {
    let mut s = state(80, 24, true);
    press(&mut s, "?");
    assert_eq!(s.overlay, Overlay::Help);
    press(&mut s, "jj");
    assert_eq!((s.help_scroll, s.list_sel), (2, 0));
    assert!(
        press(&mut s, " ").is_empty(),
        "replay keys are inert in the help"
    );
    press(&mut s, "q");
    assert_eq!(s.overlay, Overlay::None);
    assert!(!s.quit);
    assert_eq!(press(&mut s, "q"), vec![Control::Quit]);
    assert!(s.quit);
}

#[test]
fn ctrl_c_quits_everywhere_but_the_prompt_takes_it_as_nothing() {
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let mut s = state(80, 24, true);
    assert_eq!(s.on_key(ctrl_c), Some(Control::Quit));
    let mut s = state(80, 24, true);
    press(&mut s, "/");
    assert_eq!(s.on_key(ctrl_c), None);
    assert!(s.filter_input.is_empty());
}

#[test]
fn keys_on_an_empty_snapshot_do_nothing_harmful() {
    let mut s = UiState::new(
        Default::default(),
        Default::default(),
        crate::ui::Theme::new(true),
    );
    for k in ["jkgGfFnN", "\t\t\t"].concat().chars() {
        s.on_key(ch(k));
    }
    s.on_key(key(KeyCode::Enter));
    assert_eq!(s.screen, Screen::Dashboard);
    assert!(s.selected().is_none());
}

#[test]
fn appended_snapshot_extends_the_filtered_rows_like_a_full_recompute() {
    let mut s = state(80, 24, true);
    press(&mut s, "f");
    let mut snap = fixture::snapshot();
    snap.exchanges.truncate(3);
    s.set_snapshot(Arc::new(snap));
    assert_eq!(s.visible.len(), 2);
    let full = fixture::snapshot();
    let mut grown = AnalysisSnapshot {
        exchanges: s.snapshot.exchanges.clone(),
        ..fixture::snapshot()
    };
    grown.exchanges.extend(full.exchanges[3..].iter().cloned());
    s.set_snapshot(Arc::new(grown));
    let expect = crate::ui::filter::visible(&s.snapshot, &s.filter, true);
    assert_eq!(s.visible, expect);
    assert_eq!(s.visible.len(), 6);
}

#[test]
fn restarted_snapshot_with_the_same_first_id_is_filtered_from_scratch() {
    let mut s = state(80, 24, true);
    press(&mut s, "f");
    assert_eq!(s.visible.len(), 6);
    // A replay restarted from the start: ids begin at 0 again, other records.
    let mut restarted = fixture::snapshot();
    for r in restarted.exchanges.iter_mut() {
        let mut rec = (**r).clone();
        if let Some(resp) = rec.exchange.response.as_mut() {
            resp.status = 200;
        }
        *r = Arc::new(rec);
    }
    s.set_snapshot(Arc::new(restarted));
    assert!(s.visible.is_empty());
}

//! End-to-end: the real `authscope` binary in a real pseudo-terminal. A
//! detached tmux server (own socket, fixed 100×30 size) runs
//! `authscope replay FILE` under `sh`; the test reads the screen with
//! `capture-pane`, polling with a deadline (no fixed sleeps), types keys with
//! `send-keys`, and after `q` checks the exit status and that the alternate
//! screen was left.
//!
//! `AUTHSCOPE_TUI_CAPTURE` and `AUTHSCOPE_TUI_EXPECT` replace the bundled
//! capture and the finding code waited for.

mod common;

use common::tmux::{self, Tmux};
use std::path::{Path, PathBuf};

/// `sh -c` line: run the dashboard, print its exit status, keep the pane open.
fn shell_command(file: &Path) -> String {
    format!(
        "'{}' replay --no-mouse '{}'; echo authscope-exit=$?; exec sleep 120",
        env!("CARGO_BIN_EXE_authscope"),
        file.display()
    )
}

/// Quits with `q` and checks exit status and terminal restoration.
fn quit_and_check(tmux: &Tmux, expected_exit: i32) {
    tmux.keys(&["q"]);
    let marker = "authscope-exit=";
    let screen = tmux.wait_for("the dashboard to exit", |s| s.contains(marker));
    let code = screen
        .lines()
        .find_map(|l| l.trim().strip_prefix(marker))
        .unwrap_or("?");
    assert_eq!(
        code,
        expected_exit.to_string(),
        "exit status; screen:\n{screen}"
    );
    assert_eq!(tmux.alternate_on(), "0", "alternate screen still on");
    assert!(
        !screen.contains("Exchanges"),
        "dashboard left on screen:\n{screen}"
    );
}

#[test]
fn replay_shows_finding_jumps_to_evidence_opens_detail_and_quits() {
    if !tmux::available() {
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let file = std::env::var_os("AUTHSCOPE_TUI_CAPTURE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/demo.pcap"));
    if !file.exists() {
        eprintln!("skipping: {} does not exist yet", file.display());
        return;
    }
    let code = std::env::var("AUTHSCOPE_TUI_EXPECT").unwrap_or_else(|_| "auth-loop".into());
    let Some(tmux) = Tmux::start("e2e", &shell_command(&file), 100, 30) else {
        eprintln!("skipping: could not start tmux");
        return;
    };
    tmux.wait_for("the finding", |s| s.contains(&code));
    tmux.keys(&["Tab"]);
    // Move down the diagnosis pane until the selected line (▶) names the finding.
    let is_selected = |s: &str| {
        s.lines()
            .any(|l| l.starts_with("▶ ") && l.contains('×') && l.contains(code.as_str()))
    };
    tmux.wait_for("the diagnosis pane focus", |s| s.contains("▶ Diagnosis"));
    for _ in 0..50 {
        let before = tmux.screen();
        if is_selected(&before) {
            break;
        }
        tmux.keys(&["j"]);
        tmux.wait_for("the selection to move", |s| s != before);
    }
    tmux.keys(&["Enter"]);
    let marked = format!("{code}: ");
    tmux.wait_for("the evidence to be marked", |s| {
        s.contains(&marked) && s.contains("marked") && s.lines().any(|l| l.starts_with("▶»"))
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the detail view", |s| {
        s.contains("Exchange #") && s.contains("Esc back") && s.contains("Request")
    });
    quit_and_check(&tmux, 0);
}

#[test]
fn replay_of_unreadable_input_shows_the_error_and_restores_the_terminal() {
    if !tmux::available() {
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("not-a-capture.pcap");
    std::fs::write(&file, b"this is not a capture file\n").expect("write temp file");
    let Some(tmux) = Tmux::start("err", &shell_command(&file), 100, 30) else {
        eprintln!("skipping: could not start tmux");
        return;
    };
    tmux.wait_for("the input error in the header", |s| {
        s.contains("✗ input error")
    });
    assert_eq!(
        tmux.alternate_on(),
        "1",
        "dashboard runs on the alternate screen"
    );
    tmux.keys(&["?"]);
    tmux.wait_for("the help overlay", |s| s.contains("Keys (? or Esc closes"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help to close", |s| {
        !s.contains("Keys (? or Esc closes")
    });
    tmux.keys(&["Tab"]);
    tmux.wait_for("the diagnosis pane focus", |s| s.contains("▶ Diagnosis"));
    quit_and_check(&tmux, 2);
}

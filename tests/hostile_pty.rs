//! Terminal safety end to end: the real `authscope replay` of the hostile
//! capture (`common::hostile`) in a tmux pane of 130×40, walked through the
//! list (every row), the diagnosis pane (every finding), the flow ladder, the
//! detail view, the help and the filter prompt. tmux `pipe-pane` records the
//! raw bytes the program wrote to its pseudo-terminal; they must hold only the
//! CSI sequences a ratatui frame is made of (no OSC, DCS, BEL, C1, bidi or
//! zero-width character), never a hostile sequence as written on the wire,
//! and the hostile text in its visible form. The pane title must not change
//! and `capture-pane` must show the same inert text.

mod common;

use common::hostile::har::hostile_har;
use common::hostile::{forbidden_in, hostile_pcap, is_forbidden, unescaped_markers, C0_SHOWN};
use common::tmux::{self, Tmux, DEADLINE, POLL};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

/// Starts the dashboard in a pane whose output is piped to `raw` from its
/// first byte (the command waits for a line on stdin until the pipe is set).
fn start(file: &Path, raw: &Path) -> Option<Tmux> {
    let name = format!(
        "hostile-{}",
        file.extension().and_then(|e| e.to_str()).unwrap_or("x")
    );
    let command = format!(
        "read _; '{}' replay --no-mouse '{}'; echo authscope-exit=$?; exec sleep 120",
        env!("CARGO_BIN_EXE_authscope"),
        file.display()
    );
    let tmux = Tmux::start(&name, &command, 130, 40)?;
    let pipe = format!("cat >> '{}'", raw.display());
    tmux.run(&["pipe-pane", "-o", "-t", "main", &pipe])?;
    tmux.run(&["send-keys", "-t", "main", "Enter"])?;
    Some(tmux)
}

/// Every view, each step waiting for the screen to change: the list row by
/// row, every finding, the flow pane, help and the filter prompt; then, with
/// secrets revealed, the detail view of every exchange.
fn walk(tmux: &Tmux) {
    tmux.wait_for("the input to load", |s| {
        s.contains("loaded") && s.contains("auth-loop")
    });
    let screen = tmux.screen();
    let exchanges = count_after(&screen, "Exchanges ").unwrap_or(1);
    for i in 1..exchanges {
        tmux.press("j", &format!("list row {i}"));
    }
    tmux.press("Tab", "the diagnosis pane");
    let findings = count_after(&screen, "Diagnosis (").unwrap_or(1);
    for i in 1..findings {
        tmux.press("j", &format!("finding {i}"));
    }
    tmux.press("Tab", "the flow pane");
    tmux.press("Tab", "the list again");
    tmux.press("?", "the help");
    tmux.press("Escape", "the dashboard");
    tmux.press("/", "the filter prompt");
    tmux.press("a", "the filter text");
    tmux.press("Escape", "the dashboard");
    tmux.press("s", "the reveal question");
    tmux.press("y", "secrets shown");
    tmux.press("g", "the first row");
    for i in 0..exchanges {
        tmux.press("Enter", &format!("the detail of row {i}"));
        tmux.press("Escape", "the dashboard");
        if i + 1 < exchanges {
            tmux.press("j", &format!("list row {i}"));
        }
    }
}

/// The number after `prefix` on `screen` (`Exchanges 24/24` → 24).
fn count_after(screen: &str, prefix: &str) -> Option<usize> {
    let at = screen.find(prefix)? + prefix.len();
    let digits: String = screen
        .get(at..)?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Escape sequences of `raw`: each ESC must open a CSI sequence (ESC `[`,
/// parameters, one final byte). Returns the CSI finals seen and every other
/// escape found (OSC, DCS, ST, a lone ESC...).
fn escapes(raw: &str) -> (BTreeSet<char>, Vec<String>) {
    let mut finals = BTreeSet::new();
    let mut other = Vec::new();
    let mut it = raw.char_indices().peekable();
    while let Some((at, c)) = it.next() {
        if c != '\u{1b}' {
            continue;
        }
        if it.next_if(|&(_, n)| n == '[').is_none() {
            let context: String = raw.get(at..).unwrap_or("").chars().take(24).collect();
            other.push(format!("{context:?}"));
            continue;
        }
        while it
            .next_if(|&(_, n)| ('\u{20}'..='\u{3f}').contains(&n))
            .is_some()
        {}
        match it.next() {
            Some((_, f)) if ('\u{40}'..='\u{7e}').contains(&f) => {
                finals.insert(f);
            }
            _ => other.push(format!("unterminated CSI at byte {at}")),
        }
    }
    (finals, other)
}

fn check_raw(raw: &[u8]) {
    let text = std::str::from_utf8(raw).expect("the dashboard writes UTF-8");
    let (finals, other) = escapes(text);
    assert!(other.is_empty(), "escapes other than CSI: {other:?}");
    // SGR, cursor position and visibility, modes, erase: what ratatui and
    // crossterm write. A hostile CSI would still fail the checks below.
    let allowed: BTreeSet<char> = "mHJKhl".chars().collect();
    let unexpected: Vec<&char> = finals.difference(&allowed).collect();
    assert!(
        unexpected.is_empty(),
        "unexpected CSI finals {unexpected:?}"
    );
    let stray: Vec<String> = text
        .chars()
        .filter(|&c| is_forbidden(c) && !matches!(c, '\u{1b}' | '\r'))
        .map(|c| format!("{c:?}"))
        .collect();
    assert!(stray.is_empty(), "forbidden characters written: {stray:?}");
    for hostile in ["\u{1b}[31mRED", "\u{1b}[2J\u{1b}[31m", "\u{1b}[6n"] {
        assert!(
            !text.contains(hostile),
            "the hostile sequence {hostile:?} was written raw"
        );
    }
    assert!(text.contains(C0_SHOWN), "the visible form was written");
}

/// Replays `bytes` saved as `name` and checks everything the terminal got.
fn replay_is_inert(name: &str, bytes: &[u8]) {
    if !tmux::available() {
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).expect("write the input");
    let raw_path = dir.path().join("pty.raw");
    let Some(tmux) = start(&file, &raw_path) else {
        eprintln!("skipping: could not start tmux");
        return;
    };
    let title_before = tmux.stdout(&["display-message", "-p", "-t", "main", "#{pane_title}"]);
    walk(&tmux);
    let styled = tmux.stdout(&["capture-pane", "-p", "-e", "-t", "main"]);
    let plain = tmux.screen();
    let title = tmux.stdout(&["display-message", "-p", "-t", "main", "#{pane_title}"]);
    tmux.run(&["send-keys", "-t", "main", "q"]);
    tmux.wait_for("the dashboard to exit", |s| s.contains("authscope-exit=0"));
    let start = Instant::now();
    let raw = loop {
        let raw = std::fs::read(&raw_path).unwrap_or_default();
        if raw.windows(15).any(|w| w == b"authscope-exit=") || start.elapsed() > DEADLINE {
            break raw;
        }
        std::thread::sleep(POLL);
    };
    assert_eq!(title, title_before, "the pane title was changed");
    assert!(!title.contains("pwned"), "OSC title set: {title}");
    assert!(
        forbidden_in(&plain).is_empty(),
        "{:?}",
        forbidden_in(&plain)
    );
    assert!(unescaped_markers(&plain).is_empty(), "{plain}");
    let (_, other) = escapes(&styled);
    assert!(other.is_empty(), "capture-pane -e shows {other:?}");
    check_raw(&raw);
}

#[test]
fn hostile_capture_in_a_real_terminal_writes_only_the_dashboards_own_escapes() {
    replay_is_inert("hostile.pcap", &hostile_pcap());
}

#[test]
fn hostile_har_in_a_real_terminal_writes_only_the_dashboards_own_escapes() {
    replay_is_inert("hostile.har", hostile_har().as_bytes());
}

//! Key bindings as data: one table maps (context, key) to an [`Action`] with a
//! help text, and the help overlay is generated from the same table, so every
//! key that works is listed. Owns the table; receives key events; emits actions.
//! Must not change state.

use super::app::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where a binding applies. `Global` bindings work on the dashboard and in the
/// detail view, after the context's own bindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyContext {
    /// Dashboard and detail view.
    Global,
    /// Exchange list focused.
    List,
    /// Diagnosis pane focused.
    Findings,
    /// Flow ladder focused.
    Flow,
    /// Detail view of one exchange.
    Detail,
    /// Filter prompt open.
    Prompt,
    /// A y/n question open.
    Confirm,
    /// Help overlay open.
    Help,
}

impl KeyContext {
    /// Heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            KeyContext::Global => "Everywhere",
            KeyContext::List => "Exchange list",
            KeyContext::Findings => "Diagnosis pane",
            KeyContext::Flow => "Flow ladder",
            KeyContext::Detail => "Detail view",
            KeyContext::Prompt => "Filter prompt (/)",
            KeyContext::Confirm => "Questions",
            KeyContext::Help => "This help",
        }
    }
}

/// One key: a code plus the modifiers that must be held (Shift is ignored for characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl/Alt that must be held.
    pub mods: KeyModifiers,
}

const fn k(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn c(ch: char) -> Key {
    k(KeyCode::Char(ch))
}

const fn ctrl(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        mods: KeyModifiers::CONTROL,
    }
}

/// One binding: keys in a context doing one action.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// Where it applies.
    pub context: KeyContext,
    /// The keys.
    pub keys: &'static [Key],
    /// What they do.
    pub action: Action,
    /// What the help says.
    pub help: &'static str,
}

const fn b(
    context: KeyContext,
    keys: &'static [Key],
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        action,
        help,
    }
}

use KeyCode as KC;
use KeyContext as Cx;

const MOVE_UP: &[Key] = &[k(KC::Up), c('k')];
const MOVE_DOWN: &[Key] = &[k(KC::Down), c('j')];
const PAGE_UP: &[Key] = &[k(KC::PageUp), ctrl('b')];
const PAGE_DOWN: &[Key] = &[k(KC::PageDown), ctrl('f')];
const TOP: &[Key] = &[c('g')];
const BOTTOM: &[Key] = &[c('G')];

/// Every binding. Order matters only within a context (first match wins).
pub const BINDINGS: &[Binding] = &[
    b(Cx::Global, &[c('q'), ctrl('c')], Action::Quit, "quit"),
    b(Cx::Global, &[c('?')], Action::ToggleHelp, "show this help"),
    b(Cx::Global, MOVE_UP, Action::Up, "up one row / line"),
    b(Cx::Global, MOVE_DOWN, Action::Down, "down one row / line"),
    b(Cx::Global, PAGE_UP, Action::PageUp, "one page up"),
    b(Cx::Global, PAGE_DOWN, Action::PageDown, "one page down"),
    b(Cx::Global, TOP, Action::Top, "first row"),
    b(Cx::Global, BOTTOM, Action::Bottom, "last row"),
    b(Cx::Global, &[k(KC::Tab)], Action::NextPane, "next pane"),
    b(
        Cx::Global,
        &[k(KC::BackTab)],
        Action::PrevPane,
        "previous pane",
    ),
    b(Cx::Global, &[k(KC::Enter)], Action::Open, "open"),
    b(
        Cx::Global,
        &[k(KC::Esc)],
        Action::Back,
        "back / clear marks",
    ),
    b(
        Cx::Global,
        &[c('/')],
        Action::StartFilter,
        "filter: host: path: status: client: code:",
    ),
    b(
        Cx::Global,
        &[c('f')],
        Action::ToggleFailures,
        "failures only (status >= 400)",
    ),
    b(
        Cx::Global,
        &[c('F')],
        Action::ToggleFollow,
        "follow the newest exchange",
    ),
    b(
        Cx::Global,
        &[c('n')],
        Action::NextMark,
        "next marked evidence",
    ),
    b(
        Cx::Global,
        &[c('N')],
        Action::PrevMark,
        "previous marked evidence",
    ),
    b(
        Cx::Global,
        &[c(' ')],
        Action::TogglePause,
        "pause / resume the replay",
    ),
    b(
        Cx::Global,
        &[c('+'), c('=')],
        Action::SpeedUp,
        "replay faster",
    ),
    b(Cx::Global, &[c('-')], Action::SpeedDown, "replay slower"),
    b(
        Cx::Global,
        &[c('<'), k(KC::Home)],
        Action::SeekStart,
        "replay from the start",
    ),
    b(
        Cx::Global,
        &[c('>'), k(KC::End)],
        Action::SeekEnd,
        "jump to the end (full speed)",
    ),
    b(
        Cx::Global,
        &[c('s')],
        Action::ToggleSecrets,
        "reveal secrets (asks) / mask again",
    ),
    b(
        Cx::List,
        &[k(KC::Enter)],
        Action::Open,
        "open the exchange's detail",
    ),
    b(
        Cx::Findings,
        &[k(KC::Enter)],
        Action::Open,
        "mark the finding's evidence, jump to it",
    ),
    b(
        Cx::Flow,
        &[k(KC::Enter)],
        Action::Open,
        "open the selected exchange's detail",
    ),
    b(
        Cx::Detail,
        &[k(KC::Esc), c('h'), k(KC::Left)],
        Action::Back,
        "back to the dashboard",
    ),
    b(
        Cx::Prompt,
        &[k(KC::Enter)],
        Action::FilterApply,
        "apply the filter",
    ),
    b(Cx::Prompt, &[k(KC::Esc)], Action::FilterCancel, "cancel"),
    b(
        Cx::Prompt,
        &[k(KC::Backspace)],
        Action::FilterBackspace,
        "delete a character",
    ),
    b(Cx::Confirm, &[c('y'), c('Y')], Action::Confirm, "yes"),
    b(
        Cx::Confirm,
        &[c('n'), c('N'), k(KC::Esc)],
        Action::Deny,
        "no",
    ),
    b(
        Cx::Help,
        &[c('?'), k(KC::Esc), c('q')],
        Action::ToggleHelp,
        "close the help",
    ),
    b(Cx::Help, MOVE_UP, Action::Up, "scroll up"),
    b(Cx::Help, MOVE_DOWN, Action::Down, "scroll down"),
];

fn key_matches(key: &Key, event: &KeyEvent) -> bool {
    let held = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
    if held != key.mods {
        return false;
    }
    match (key.code, event.code) {
        (KC::Char(a), KC::Char(b)) => a == b,
        (a, b) => a == b,
    }
}

fn find(context: KeyContext, event: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.context == context)
        .find(|b| b.keys.iter().any(|k| key_matches(k, event)))
        .map(|b| b.action)
}

/// The action for `event` in `context`: the context's own bindings first, then
/// (on the dashboard and in the detail view) the global ones. In the filter
/// prompt an unbound printable character is typed.
pub fn lookup(context: KeyContext, event: KeyEvent) -> Option<Action> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    if let Some(a) = find(context, &event) {
        return Some(a);
    }
    match context {
        Cx::Prompt => match event.code {
            KC::Char(ch) if !event.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Action::FilterChar(ch))
            }
            _ => None,
        },
        Cx::Confirm => Some(Action::Deny),
        Cx::Help => None,
        _ => find(Cx::Global, &event),
    }
}

/// A key as the help shows it: `j`, `↓`, `Ctrl-c`, `PgUp`.
pub fn key_label(key: &Key) -> String {
    let base = match key.code {
        KC::Char(' ') => "Space".to_string(),
        KC::Char(ch) => ch.to_string(),
        KC::Up => "↑".into(),
        KC::Down => "↓".into(),
        KC::Left => "←".into(),
        KC::Right => "→".into(),
        KC::PageUp => "PgUp".into(),
        KC::PageDown => "PgDn".into(),
        KC::Home => "Home".into(),
        KC::End => "End".into(),
        KC::Tab => "Tab".into(),
        KC::BackTab => "Shift-Tab".into(),
        KC::Enter => "Enter".into(),
        KC::Esc => "Esc".into(),
        KC::Backspace => "Backspace".into(),
        other => format!("{other:?}"),
    };
    if key.mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{base}")
    } else {
        base
    }
}

/// Help lines grouped by context: (context title, [(keys, help)]).
pub fn help_sections() -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    let order = [
        Cx::Global,
        Cx::List,
        Cx::Findings,
        Cx::Flow,
        Cx::Detail,
        Cx::Prompt,
        Cx::Confirm,
        Cx::Help,
    ];
    order
        .iter()
        .map(|&cx| {
            let rows = BINDINGS
                .iter()
                .filter(|b| b.context == cx)
                .map(|b| {
                    let keys: Vec<String> = b.keys.iter().map(key_label).collect();
                    (keys.join(" "), b.help)
                })
                .collect();
            (cx.title(), rows)
        })
        .collect()
}

//! Styles of the dashboard. Owns the colour switch (`NO_COLOR`, `--no-color`);
//! receives status codes and severities; emits `Style`s. Colour only ever
//! doubles a signal that is also written as text (a status code, a ✗ or !
//! marker, a severity word); without colour, bold and reverse video remain.

use crate::model::Severity;
use ratatui::style::{Color, Modifier, Style};

/// The palette, or none of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Colours are allowed.
    pub color: bool,
}

impl Theme {
    /// A theme with or without colours.
    pub fn new(color: bool) -> Self {
        Theme { color }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    /// Plain text.
    pub fn normal(&self) -> Style {
        Style::new()
    }

    /// Pane titles and column headings.
    pub fn heading(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The focused pane's title.
    pub fn focused(&self) -> Style {
        self.fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// Less important text.
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    /// The selected row (reverse video works without colour).
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Something that went wrong (input error, ✗).
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Something to look at (!).
    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Good news.
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    /// A row of the exchange list by status class.
    pub fn status(&self, status: Option<u16>) -> Style {
        match status {
            Some(401 | 403 | 407) => self.fg(Color::Red),
            Some(429) => self.fg(Color::Magenta),
            Some(400..=499) => self.fg(Color::LightRed),
            Some(500..=599) => self.fg(Color::Yellow),
            Some(300..=399) => self.fg(Color::Cyan),
            Some(_) => self.normal(),
            None => self.dim(),
        }
    }

    /// A finding's severity.
    pub fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Error => self.error(),
            Severity::Warning => self.warning(),
            Severity::Info => self.fg(Color::Blue),
        }
    }
}

/// Text marker of a status class, so colour is never the only signal.
pub fn status_marker(status: Option<u16>) -> &'static str {
    match status {
        Some(401 | 403 | 407 | 429) => "✗",
        Some(400..=599) => "!",
        Some(300..=399) => "→",
        Some(_) => " ",
        None => "?",
    }
}

/// Marker and short word for a severity: `✗ ERR`, `! WRN`, `i INF`.
pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "✗ ERR",
        Severity::Warning => "! WRN",
        Severity::Info => "i INF",
    }
}

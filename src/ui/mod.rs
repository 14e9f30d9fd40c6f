//! UI: the ratatui dashboard. Owns the terminal and [`UiState`]; receives
//! `AnalysisSnapshot`s and a [`ReplayStatus`] published by the runtime and never
//! blocks on capture; emits [`Control`] messages back to the engine thread.
//! Must not analyse: everything it shows comes from a snapshot, and every
//! string from the capture is sanitized before it reaches the terminal.
//!
//! `app` holds state and actions, `keymap` the bindings as data, `event` the
//! loop, `theme` the styles, `views` the pure renderers.

pub mod app;
pub mod control;
pub mod event;
pub mod filter;
pub mod keymap;
pub mod theme;
pub mod views;

#[cfg(test)]
mod tests;

pub use app::{Action, Overlay, Pane, Screen, UiState};
pub use control::{Control, ReplayStatus};
pub use event::{run_dashboard, DashboardChannels, DashboardOptions};
pub use theme::Theme;

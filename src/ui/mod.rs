//! UI: the ratatui dashboard. Owns terminal state and `UiState`; reads
//! `AnalysisSnapshot`s published by the runtime and never blocks on capture.
//! Must not analyse: everything it shows comes from a snapshot.

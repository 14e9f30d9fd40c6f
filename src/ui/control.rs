//! What crosses between the dashboard and the runtime: [`Control`] messages
//! to the engine thread and the [`ReplayStatus`] it publishes back. Owns the
//! speed ladder of `+`/`-`. Plain values, no behaviour beyond stepping speeds.

use crate::cli::Speed;
use crate::model::Timestamp;

/// A request for the engine thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    /// Pause or resume feeding.
    TogglePause,
    /// New pacing.
    SetSpeed(Speed),
    /// Reopen the inputs and start over with a fresh engine.
    SeekStart,
    /// Stop pacing: load the rest as fast as possible.
    SeekEnd,
    /// The dashboard is closing.
    Quit,
}

/// What the runtime tells the UI besides the analysis itself.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayStatus {
    /// Input names, joined.
    pub source_label: String,
    /// Current pacing.
    pub speed: Speed,
    /// Feeding is paused.
    pub paused: bool,
    /// Capture time of the newest item fed.
    pub clock: Option<Timestamp>,
    /// Size of the input files in bytes, when known (not for stdin).
    pub bytes_total: Option<u64>,
    /// Still reading input.
    pub loading: bool,
    /// The input error that ended loading, sanitized.
    pub error: Option<String>,
}

impl Default for ReplayStatus {
    fn default() -> Self {
        ReplayStatus {
            source_label: String::new(),
            speed: Speed::Max,
            paused: false,
            clock: None,
            bytes_total: None,
            loading: true,
            error: None,
        }
    }
}

/// Replay speeds `+`/`-` step through.
const SPEED_STEPS: &[f64] = &[0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0, 100.0, 1000.0];

/// The next speed up or down the ladder; `max` is above the fastest step.
pub fn step_speed(speed: Speed, up: bool) -> Speed {
    let last = SPEED_STEPS.len() - 1;
    match (speed, up) {
        (Speed::Max, true) => Speed::Max,
        (Speed::Max, false) => Speed::Factor(SPEED_STEPS[last]),
        (Speed::Factor(f), true) => match SPEED_STEPS.iter().find(|&&s| s > f + 1e-9) {
            Some(&s) => Speed::Factor(s),
            None => Speed::Max,
        },
        (Speed::Factor(f), false) => match SPEED_STEPS.iter().rev().find(|&&s| s < f - 1e-9) {
            Some(&s) => Speed::Factor(s),
            None => Speed::Factor(SPEED_STEPS[0]),
        },
    }
}

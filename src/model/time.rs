use serde::{Serialize, Serializer};

/// A capture timestamp in microseconds since the Unix epoch (UTC). The only clock
/// the analysis core knows: every timeout and rate is computed from these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The epoch itself; used where a source has no time at all.
    pub const ZERO: Timestamp = Timestamp(0);

    /// Builds a timestamp from microseconds since the epoch.
    pub const fn from_micros(micros: i64) -> Self {
        Timestamp(micros)
    }

    /// Builds a timestamp from seconds and a sub-second part in microseconds.
    pub const fn from_secs_micros(secs: i64, micros: i64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000).saturating_add(micros))
    }

    /// Builds a timestamp from whole seconds since the epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000))
    }

    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch (floored).
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// `self - earlier` in microseconds (negative when `earlier` is later).
    pub const fn micros_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// This timestamp moved by `micros` (saturating).
    pub const fn add_micros(self, micros: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(micros))
    }

    /// RFC 3339 in UTC with microseconds, e.g. `2024-05-01T10:00:00.123456Z`.
    pub fn to_rfc3339(self) -> String {
        let secs = self.as_secs();
        let micros = self.0.rem_euclid(1_000_000);
        match time::OffsetDateTime::from_unix_timestamp(secs) {
            Ok(t) => format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                micros
            ),
            Err(_) => format!("@{}.{:06}", secs, micros),
        }
    }

    /// Time of day `HH:MM:SS.mmm` (UTC), for compact tables.
    pub fn time_of_day(self) -> String {
        let mut out = String::with_capacity(12);
        self.push_time_of_day(&mut out);
        out
    }

    /// [`Timestamp::time_of_day`] appended to `out`.
    pub fn push_time_of_day(self, out: &mut String) {
        let secs = self.as_secs().rem_euclid(86_400).unsigned_abs();
        let millis = self.0.rem_euclid(1_000_000).unsigned_abs() / 1000;
        super::text::push_decimal(out, secs / 3600, 2, '0');
        out.push(':');
        super::text::push_decimal(out, (secs / 60) % 60, 2, '0');
        out.push(':');
        super::text::push_decimal(out, secs % 60, 2, '0');
        out.push('.');
        super::text::push_decimal(out, millis, 3, '0');
    }
}

/// Formats a signed duration in microseconds as `3m12s`, `450ms`, `2h05m`, `1d3h`.
pub fn human_duration(micros: i64) -> String {
    let neg = micros < 0;
    let us = micros.unsigned_abs();
    let s = us / 1_000_000;
    let body = if s == 0 {
        format!("{}ms", us / 1000)
    } else if s < 60 {
        format!("{}s", s)
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, (s / 60) % 60)
    } else {
        format!("{}d{}h", s / 86_400, (s / 3600) % 24)
    };
    if neg {
        format!("-{}", body)
    } else {
        body
    }
}

impl Timestamp {
    /// `human_duration(self - earlier)`.
    pub fn human_since(self, earlier: Timestamp) -> String {
        human_duration(self.micros_since(earlier))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_of_day_is_zero_padded_utc() {
        for micros in [
            0i64,
            999,
            1_000,
            59_999_999,
            86_399_999_999,
            1_709_254_861_042_117,
            -1,
            -86_400_000_001,
        ] {
            let t = Timestamp(micros);
            let secs = t.as_secs().rem_euclid(86_400);
            let millis = micros.rem_euclid(1_000_000) / 1000;
            let want = format!(
                "{:02}:{:02}:{:02}.{:03}",
                secs / 3600,
                (secs / 60) % 60,
                secs % 60,
                millis
            );
            assert_eq!(t.time_of_day(), want, "{micros}");
        }
        assert_eq!(
            Timestamp(1_709_254_861_042_117).time_of_day(),
            "01:01:01.042"
        );
    }

    #[test]
    fn rfc3339_has_microseconds() {
        let t = Timestamp::from_secs_micros(1_700_000_000, 42);
        assert_eq!(t.to_rfc3339(), "2023-11-14T22:13:20.000042Z");
    }

    #[test]
    fn human_duration_units() {
        assert_eq!(human_duration(192_000_000), "3m12s");
        assert_eq!(human_duration(-450_000), "-450ms");
        assert_eq!(human_duration(7_500_000_000), "2h05m");
    }
}

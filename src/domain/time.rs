//! Saturating time arithmetic. Durations reach here from the config and from
//! servers (`Cache-Control: max-age`, Retry-After); chrono's `+` and `-`
//! panic when a result leaves its range, so every computation that such a
//! duration can reach goes through these instead.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// `duration` as a chrono delta, saturating at the largest one.
pub fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// `at + duration`, or the latest representable time.
pub fn later(at: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    at.checked_add_signed(delta(duration)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `at - duration`, or the earliest representable time.
pub fn earlier(at: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    at.checked_sub_signed(delta(duration)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Where "now" comes from for what follows the newsroom's wall clock (digest
/// slots, the quiet night): the system clock, or in tests a clock they step.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
    /// The longest a task waiting for a time of day sleeps before looking at
    /// the clock again (a stepped clock does not wake sleepers).
    fn recheck(&self) -> Duration;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn recheck(&self) -> Duration {
        Duration::from_secs(30)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn ordinary_durations_add_and_subtract() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 1, 20, 0).single().expect("valid");
        let hour = Duration::from_secs(3600);
        assert_eq!(later(now, hour), Utc.with_ymd_and_hms(2026, 11, 27, 2, 20, 0).single().expect("valid"));
        assert_eq!(earlier(now, hour), Utc.with_ymd_and_hms(2026, 11, 27, 0, 20, 0).single().expect("valid"));
    }

    #[test]
    fn absurd_durations_saturate_instead_of_panicking() {
        let now = Utc::now();
        let years_300000 = Duration::from_secs(300_000 * 365 * 24 * 3600);
        for huge in [years_300000, Duration::from_secs(u64::MAX), Duration::MAX] {
            assert_eq!(later(now, huge), DateTime::<Utc>::MAX_UTC);
            assert_eq!(earlier(now, huge), DateTime::<Utc>::MIN_UTC);
        }
        assert_eq!(delta(Duration::MAX), TimeDelta::MAX);
        assert_eq!(later(DateTime::<Utc>::MAX_UTC, Duration::from_secs(1)), DateTime::<Utc>::MAX_UTC);
    }
}

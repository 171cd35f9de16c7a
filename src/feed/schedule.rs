//! When to check a feed next. Pure: `now` and the random jitter come in.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// A server's Retry-After is honoured up to this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A feed's polling bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchedulePolicy {
    /// The configured poll period.
    pub interval: Duration,
    /// Never poll more often than this (protects publishers from tiny intervals).
    pub min_interval: Duration,
    /// The server's hints may stretch the period up to this, no further.
    pub max_interval: Duration,
    /// Longest wait after repeated failures.
    pub backoff_max: Duration,
}

impl SchedulePolicy {
    fn base(&self) -> Duration {
        self.interval.max(self.min_interval)
    }
}

/// What the server and the feed said about how often to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScheduleHints {
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
    /// RSS `<ttl>`.
    pub ttl: Option<Duration>,
    /// `sy:updatePeriod` / `sy:updateFrequency`.
    pub update_period: Option<Duration>,
}

/// After a successful fetch (or a 304): one interval later, stretched by the
/// server's hints within the feed's `max_interval`.
pub fn next_check_after_success(now: DateTime<Utc>, policy: &SchedulePolicy, hints: &ScheduleHints) -> DateTime<Utc> {
    let base = policy.base();
    let hinted = [hints.max_age, hints.ttl, hints.update_period].into_iter().flatten().max();
    let wait = match hinted {
        Some(hint) if hint > base => hint.min(policy.max_interval.max(base)),
        _ => base,
    };
    crate::domain::time::later(now, wait)
}

/// After the `failures`-th failure in a row: the period doubled per failure,
/// spread by ±20% jitter (`jitter` in [0, 1)) so that many feeds failing at
/// once do not come back at once, capped at `backoff_max`, and never sooner
/// than the server's Retry-After.
pub fn next_check_after_failure(
    now: DateTime<Utc>,
    policy: &SchedulePolicy,
    failures: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> DateTime<Utc> {
    let base = policy.base();
    let cap = policy.backoff_max.max(base);
    let doublings = failures.saturating_sub(1).min(20);
    let backoff = base.saturating_mul(1 << doublings).min(cap);
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    let jittered =
        Duration::try_from_secs_f64(backoff.as_secs_f64() * spread).unwrap_or(cap).min(cap).max(policy.min_interval);
    let wait = jittered.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER));
    crate::domain::time::later(now, wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn policy() -> SchedulePolicy {
        SchedulePolicy {
            interval: 2 * MINUTE,
            min_interval: Duration::from_secs(30),
            max_interval: 15 * MINUTE,
            backoff_max: 60 * MINUTE,
        }
    }

    fn secs(at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
        (at - now).num_seconds()
    }

    #[test]
    fn success_waits_one_interval_unless_hints_stretch_it_within_bounds() {
        let now = Utc::now();
        let none = ScheduleHints::default();
        assert_eq!(secs(next_check_after_success(now, &policy(), &none), now), 120);
        let short = ScheduleHints { max_age: Some(MINUTE), ..none };
        assert_eq!(secs(next_check_after_success(now, &policy(), &short), now), 120, "hints never speed polling up");
        let cache = ScheduleHints { max_age: Some(5 * MINUTE), ..none };
        assert_eq!(secs(next_check_after_success(now, &policy(), &cache), now), 300);
        let hourly = ScheduleHints { update_period: Some(60 * MINUTE), ttl: Some(10 * MINUTE), ..none };
        assert_eq!(secs(next_check_after_success(now, &policy(), &hourly), now), 900, "capped at max_interval");
        let own_site = SchedulePolicy { max_interval: 2 * MINUTE, ..policy() };
        assert_eq!(
            secs(next_check_after_success(now, &own_site, &hourly), now),
            120,
            "max_interval = interval ignores hints"
        );
    }

    #[test]
    fn the_minimum_interval_protects_publishers() {
        let now = Utc::now();
        let eager = SchedulePolicy { interval: Duration::from_secs(1), ..policy() };
        assert_eq!(secs(next_check_after_success(now, &eager, &ScheduleHints::default()), now), 30);
    }

    #[test]
    fn failures_back_off_exponentially_with_jitter_and_a_cap() {
        let now = Utc::now();
        let middle: Vec<i64> =
            (1..=8).map(|n| secs(next_check_after_failure(now, &policy(), n, None, 0.5), now)).collect();
        assert_eq!(middle, [120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        let low = secs(next_check_after_failure(now, &policy(), 3, None, 0.0), now);
        let high = secs(next_check_after_failure(now, &policy(), 3, None, 0.999), now);
        assert_eq!((low, high), (384, 575), "±20%");
        assert_eq!(
            secs(next_check_after_failure(now, &policy(), 12, None, 0.999), now),
            3600,
            "jitter stays under the cap"
        );
    }

    #[test]
    fn retry_after_is_respected_up_to_a_day() {
        let now = Utc::now();
        let at = next_check_after_failure(now, &policy(), 1, Some(15 * MINUTE), 0.5);
        assert_eq!(secs(at, now), 900);
        let absurd = next_check_after_failure(now, &policy(), 1, Some(Duration::from_secs(30 * 86_400)), 0.5);
        assert_eq!(secs(absurd, now), 86_400);
    }

    #[test]
    fn absurd_bounds_and_hints_saturate_instead_of_panicking() {
        let now = Utc::now();
        let unbounded = SchedulePolicy { max_interval: Duration::MAX, backoff_max: Duration::MAX, ..policy() };
        let huge = ScheduleHints { max_age: Some(Duration::from_secs(u64::MAX)), ..ScheduleHints::default() };
        assert_eq!(next_check_after_success(now, &unbounded, &huge), DateTime::<Utc>::MAX_UTC);
        let failing = next_check_after_failure(now, &unbounded, 30, Some(Duration::MAX), 0.999);
        assert!(failing > now, "{failing}");
    }
}

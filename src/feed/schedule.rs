//! When to check a feed next. Pure: `now` comes in.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Longest wait after repeated failures, unless the interval itself is longer.
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);

/// After a successful fetch: one interval later.
pub fn next_check_after_success(now: DateTime<Utc>, interval: Duration) -> DateTime<Utc> {
    now + to_chrono(interval)
}

/// After the `consecutive_failures`-th failure in a row: the interval doubled
/// per failure, capped at an hour (or the interval, if that is longer), and
/// never sooner than a server's Retry-After.
pub fn next_check_after_failure(
    now: DateTime<Utc>,
    interval: Duration,
    consecutive_failures: u32,
    retry_after: Option<Duration>,
) -> DateTime<Utc> {
    let doublings = consecutive_failures.saturating_sub(1).min(16);
    let backoff = interval.saturating_mul(1 << doublings).min(MAX_BACKOFF.max(interval));
    now + to_chrono(backoff.max(retry_after.unwrap_or_default()))
}

fn to_chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
        (at - now).num_seconds()
    }

    #[test]
    fn success_waits_one_interval() {
        let now = Utc::now();
        assert_eq!(secs(next_check_after_success(now, Duration::from_secs(120)), now), 120);
    }

    #[test]
    fn failures_back_off_exponentially_with_a_cap() {
        let now = Utc::now();
        let interval = Duration::from_secs(120);
        let waits: Vec<i64> = (1..=8).map(|n| secs(next_check_after_failure(now, interval, n, None), now)).collect();
        assert_eq!(waits, [120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        let daily = Duration::from_secs(86_400);
        assert_eq!(secs(next_check_after_failure(now, daily, 5, None), now), 86_400);
    }

    #[test]
    fn retry_after_is_respected() {
        let now = Utc::now();
        let at = next_check_after_failure(now, Duration::from_secs(60), 1, Some(Duration::from_secs(900)));
        assert_eq!(secs(at, now), 900);
    }
}

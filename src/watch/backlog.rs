//! Whether the routine outbox keeps growing: pure, over samples of its size.
//! A fan-out drains the outbox between articles and each article fills it
//! again, so the size is a saw; what matters is whether its low points rise.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

/// How long the outbox must have grown before the admins hear of it.
pub const GROWING_FOR: Duration = Duration::hours(1);
/// The hour is judged in quarters: each one's lowest size must exceed the last's.
const QUARTERS: i32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// Each quarter of the last hour started from a higher low point.
    Growing,
    /// Empty, or the last quarter's low point is below the one before.
    Shrinking,
    /// Neither (or not an hour of samples yet).
    Unclear,
}

/// Samples of the outbox size, the last [`GROWING_FOR`] and a little more.
#[derive(Debug, Default)]
pub struct BacklogSamples {
    samples: VecDeque<(DateTime<Utc>, i64)>,
}

impl BacklogSamples {
    /// Adds a sample and says where the outbox is heading.
    pub fn add(&mut self, now: DateTime<Utc>, pending: i64) -> Trend {
        self.samples.push_back((now, pending));
        let keep_from = now - GROWING_FOR - GROWING_FOR / QUARTERS;
        while self.samples.front().is_some_and(|(at, _)| *at < keep_from) {
            self.samples.pop_front();
        }
        trend(&self.samples, now)
    }
}

fn trend(samples: &VecDeque<(DateTime<Utc>, i64)>, now: DateTime<Utc>) -> Trend {
    if samples.back().is_some_and(|(_, pending)| *pending == 0) {
        return Trend::Shrinking;
    }
    let start = now - GROWING_FOR;
    let quarter = GROWING_FOR / QUARTERS;
    let lows: Vec<Option<i64>> = (0..QUARTERS)
        .map(|i| {
            let (from, to) = (start + quarter * i, start + quarter * (i + 1));
            samples.iter().filter(|(at, _)| *at >= from && (*at < to || i == QUARTERS - 1)).map(|(_, n)| *n).min()
        })
        .collect();
    let known: Vec<i64> = lows.iter().flatten().copied().collect();
    if let [.., before, last] = known[..]
        && last < before
    {
        return Trend::Shrinking;
    }
    let covered = samples.front().is_some_and(|(at, _)| *at <= start);
    if covered && known.len() == lows.len() && known.windows(2).all(|pair| pair[1] > pair[0]) {
        Trend::Growing
    } else {
        Trend::Unclear
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples every minute for `minutes`, the size given by `size(minute)`.
    fn run(minutes: i64, size: impl Fn(i64) -> i64) -> Vec<Trend> {
        let start = Utc::now();
        let mut samples = BacklogSamples::default();
        (0..=minutes).map(|m| samples.add(start + Duration::minutes(m), size(m))).collect()
    }

    #[test]
    fn a_saw_whose_low_points_rise_for_an_hour_is_growing() {
        // Every 10 minutes an article adds 1,000; the fan-out drains 60 a minute.
        let saw = |m: i64| 1_000 * (m / 10 + 1) - 60 * (m % 10) + 10 * m;
        let trends = run(90, saw);
        assert!(trends[..60].iter().all(|t| *t != Trend::Growing), "not before an hour: {trends:?}");
        assert_eq!(trends[61], Trend::Growing);
    }

    #[test]
    fn a_saw_that_drains_to_the_same_floor_is_not_growing() {
        let steady = |m: i64| 1_000 - 90 * (m % 11);
        assert!(run(120, steady).iter().all(|t| *t != Trend::Growing));
    }

    #[test]
    fn an_empty_outbox_or_a_falling_floor_is_shrinking() {
        let trends = run(80, |m| if m < 70 { 100 + m } else { 100 });
        assert_eq!(trends[65], Trend::Growing);
        assert_eq!(trends[80], Trend::Shrinking, "the last quarter's floor fell");
        assert_eq!(run(5, |m| 5 - m)[5], Trend::Shrinking, "empty");
    }
}

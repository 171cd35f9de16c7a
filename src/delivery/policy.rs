//! Pure retry rules for failed sends.

use std::time::Duration;

/// Exponential backoff for sends that failed for a reason that may pass
/// (network, Telegram 5xx), with a dead-letter limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub initial: Duration,
    pub max: Duration,
    pub max_attempts: u32,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    RetryIn(Duration),
    GiveUp,
}

impl RetryPolicy {
    /// `attempts` counts the attempt that just failed.
    pub fn after_failure(&self, attempts: u32) -> RetryDecision {
        if attempts >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        let doublings = attempts.saturating_sub(1).min(20);
        RetryDecision::RetryIn(self.initial.saturating_mul(1 << doublings).min(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_then_gives_up() {
        let policy = RetryPolicy { initial: Duration::from_secs(5), max: Duration::from_secs(60), max_attempts: 6 };
        let decisions: Vec<_> = (1..=6).map(|n| policy.after_failure(n)).collect();
        assert_eq!(
            decisions,
            [
                RetryDecision::RetryIn(Duration::from_secs(5)),
                RetryDecision::RetryIn(Duration::from_secs(10)),
                RetryDecision::RetryIn(Duration::from_secs(20)),
                RetryDecision::RetryIn(Duration::from_secs(40)),
                RetryDecision::RetryIn(Duration::from_secs(60)),
                RetryDecision::GiveUp,
            ]
        );
    }
}

//! Per-reader command rate limit: a token bucket per reader. A reader who
//! floods is told once to wait, then ignored for a pause. Pure (time is passed in).

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How often idle readers are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// What to do with a reader's command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Over the limit: say "wait" this once.
    Warn,
    /// Over the limit and already told.
    Ignore,
}

#[derive(Debug, Clone, Copy)]
struct Allowance {
    tokens: f64,
    updated: Instant,
    paused_until: Option<Instant>,
}

#[derive(Debug)]
pub struct CommandLimiter {
    burst: f64,
    refill: Duration,
    pause: Duration,
    readers: HashMap<i64, Allowance>,
    last_prune: Option<Instant>,
}

impl CommandLimiter {
    /// `burst` commands at once, one more per `refill`; a flooder is ignored for `pause`.
    pub fn new(burst: u32, refill: Duration, pause: Duration) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            refill: refill.max(Duration::from_millis(1)),
            pause,
            readers: HashMap::new(),
            last_prune: None,
        }
    }

    pub fn check(&mut self, reader: i64, now: Instant) -> Verdict {
        self.prune(now);
        let burst = self.burst;
        let allowance =
            self.readers.entry(reader).or_insert(Allowance { tokens: burst, updated: now, paused_until: None });
        if let Some(until) = allowance.paused_until {
            if now < until {
                return Verdict::Ignore;
            }
            allowance.paused_until = None;
        }
        let earned = now.saturating_duration_since(allowance.updated).as_secs_f64() / self.refill.as_secs_f64();
        allowance.tokens = (allowance.tokens + earned).min(burst);
        allowance.updated = now;
        if allowance.tokens >= 1.0 {
            allowance.tokens -= 1.0;
            return Verdict::Allow;
        }
        // Paused at least one refill period, so the "wait" is never repeated at once.
        allowance.paused_until = Some(now + self.pause.max(self.refill));
        Verdict::Warn
    }

    /// Readers tracked (for tests and memory bounds).
    pub fn tracked(&self) -> usize {
        self.readers.len()
    }

    /// Forgets readers whose bucket is full again and who are not paused.
    fn prune(&mut self, now: Instant) {
        if self.last_prune.is_some_and(|last| now.saturating_duration_since(last) < PRUNE_EVERY) {
            return;
        }
        self.last_prune = Some(now);
        let full_after = self.refill.mul_f64(self.burst);
        self.readers.retain(|_, a| {
            a.paused_until.is_some_and(|until| until > now) || now.saturating_duration_since(a.updated) < full_after
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_one_warning_then_silence_then_service_again() {
        let mut limiter = CommandLimiter::new(3, Duration::from_secs(2), Duration::from_secs(60));
        let start = Instant::now();
        let verdicts: Vec<_> = (0..6).map(|i| limiter.check(1, start + Duration::from_millis(i * 10))).collect();
        assert_eq!(
            verdicts,
            [Verdict::Allow, Verdict::Allow, Verdict::Allow, Verdict::Warn, Verdict::Ignore, Verdict::Ignore]
        );
        // Another reader is not affected.
        assert_eq!(limiter.check(2, start), Verdict::Allow);
        // Still paused after 59 s; served after the pause, with a refilled bucket.
        assert_eq!(limiter.check(1, start + Duration::from_secs(59)), Verdict::Ignore);
        let later = start + Duration::from_secs(61);
        assert_eq!(limiter.check(1, later), Verdict::Allow);
        assert_eq!(limiter.check(1, later), Verdict::Allow);
    }

    #[test]
    fn a_steady_pace_is_never_limited() {
        let mut limiter = CommandLimiter::new(2, Duration::from_secs(2), Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..100 {
            assert_eq!(limiter.check(1, start + Duration::from_secs(2 * i)), Verdict::Allow, "command {i}");
        }
    }

    #[test]
    fn idle_readers_are_forgotten() {
        let mut limiter = CommandLimiter::new(2, Duration::from_secs(1), Duration::from_secs(5));
        let start = Instant::now();
        for reader in 0..1000 {
            limiter.check(reader, start);
        }
        assert_eq!(limiter.tracked(), 1000);
        limiter.check(5000, start + Duration::from_secs(120));
        assert_eq!(limiter.tracked(), 1);
    }
}

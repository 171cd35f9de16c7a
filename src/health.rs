//! What `/readyz` knows besides the database: when Telegram last answered.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;

/// Shared by the dispatcher, the delivery worker and the HTTP listener.
#[derive(Debug, Default)]
pub struct Health {
    /// Unix milliseconds of the last successful contact with the Bot API (0: never).
    telegram_ok_at: AtomicI64,
}

impl Health {
    /// Telegram answered (an update arrived, a message went out, getMe worked).
    pub fn telegram_ok(&self) {
        self.telegram_ok_at.store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// Whether Telegram answered within `window`.
    pub fn telegram_seen_within(&self, window: Duration) -> bool {
        let at = self.telegram_ok_at.load(Ordering::Relaxed);
        let window = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        at > 0 && Utc::now().timestamp_millis().saturating_sub(at) <= window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_seen_until_told() {
        let health = Health::default();
        assert!(!health.telegram_seen_within(Duration::from_secs(3600)));
        health.telegram_ok();
        assert!(health.telegram_seen_within(Duration::from_secs(1)));
    }
}

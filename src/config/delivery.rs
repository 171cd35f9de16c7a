//! `[delivery]`: retries, leases and pacing of the outbox worker.

use std::time::Duration;

use serde::Deserialize;

use super::check::{self, Invalid, within, within_because};
use super::value;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Attempts before a delivery that keeps failing is set aside as dead.
    pub max_attempts: u32,
    /// First retry delay after a failed send; doubles per attempt.
    #[serde(deserialize_with = "value::duration")]
    pub retry_initial: Duration,
    /// Longest retry delay.
    #[serde(deserialize_with = "value::duration")]
    pub retry_max: Duration,
    /// How long a claimed delivery stays reserved before another worker may take it over.
    #[serde(deserialize_with = "value::duration")]
    pub lease: Duration,
    /// Messages per second overall (Telegram: about 30).
    pub overall_per_second: u32,
    /// Messages per minute to one private chat (Telegram: about 1/s).
    pub private_per_minute: u32,
    /// Messages per minute to one group or supergroup (Telegram: 20).
    pub group_per_minute: u32,
    /// Messages per minute to one channel.
    pub channel_per_minute: u32,
    /// Sends in flight at once.
    pub concurrency: usize,
    /// Paid broadcast (needs the bot to qualify in BotFather): messages above
    /// the free 30/s cost 0.1 Star each; the overall rate becomes `paid_per_second`.
    pub paid_broadcast: bool,
    pub paid_per_second: u32,
    /// At shutdown, sends in flight get this long to finish.
    #[serde(deserialize_with = "value::duration")]
    pub shutdown_grace: Duration,
    /// A reply held back by flood control is still sent when it would arrive
    /// within this long of the command; later it is dropped.
    #[serde(deserialize_with = "value::duration")]
    pub reply_freshness: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 12,
            retry_initial: Duration::from_secs(5),
            retry_max: Duration::from_secs(30 * 60),
            lease: Duration::from_secs(60),
            overall_per_second: 30,
            private_per_minute: 60,
            group_per_minute: 20,
            channel_per_minute: 20,
            concurrency: 32,
            paid_broadcast: false,
            paid_per_second: 1000,
            shutdown_grace: Duration::from_secs(5),
            reply_freshness: Duration::from_secs(60),
        }
    }
}

/// Bounds of `max_attempts`.
pub(super) const MAX_ATTEMPTS: (u32, u32) = (1, 100);
/// Bounds of `retry_initial` (and it is at most `retry_max`).
pub(super) const RETRY_INITIAL: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(3600));
/// Bounds of `retry_max`.
pub(super) const RETRY_MAX: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(7 * 24 * 3600));
/// Bounds of `lease`.
pub(super) const LEASE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(3600));
/// Bounds of the per-second rates: Telegram's paid broadcast tops out at 1000/s.
pub(super) const PER_SECOND: (u32, u32) = (1, 1000);
/// Bounds of the per-minute rates to one private chat or group (Telegram allows
/// about 60 and 20).
pub(super) const PER_MINUTE: (u32, u32) = (1, 600);
/// Bounds of the per-minute rate to one channel.
pub(super) const CHANNEL_PER_MINUTE: (u32, u32) = (1, 6000);
/// Bounds of `concurrency`.
pub(super) const CONCURRENCY: (usize, usize) = (1, 512);
/// Bounds of `shutdown_grace`: Warta exits within 10s.
pub(super) const SHUTDOWN_GRACE: (Duration, Duration) = (Duration::ZERO, Duration::from_secs(8));

/// Bounds of `reply_freshness`.
pub(super) const REPLY_FRESHNESS: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(600));

impl DeliveryConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        within("delivery.max_attempts", self.max_attempts, MAX_ATTEMPTS.0, MAX_ATTEMPTS.1, check::number)?;
        within("delivery.retry_initial", self.retry_initial, RETRY_INITIAL.0, RETRY_INITIAL.1, check::duration)?;
        within("delivery.retry_max", self.retry_max, RETRY_MAX.0, RETRY_MAX.1, check::duration)?;
        if self.retry_initial > self.retry_max {
            return Err(("delivery.retry_initial".into(), "must be at most delivery.retry_max".into()));
        }
        within("delivery.lease", self.lease, LEASE.0, LEASE.1, check::duration)?;
        let per_second = [
            ("delivery.overall_per_second", self.overall_per_second),
            ("delivery.paid_per_second", self.paid_per_second),
        ];
        for (key, rate) in per_second {
            within(key, rate, PER_SECOND.0, PER_SECOND.1, check::number)?;
        }
        let per_minute = [
            ("delivery.private_per_minute", self.private_per_minute),
            ("delivery.group_per_minute", self.group_per_minute),
        ];
        for (key, rate) in per_minute {
            within(key, rate, PER_MINUTE.0, PER_MINUTE.1, check::number)?;
        }
        let channel = self.channel_per_minute;
        within("delivery.channel_per_minute", channel, CHANNEL_PER_MINUTE.0, CHANNEL_PER_MINUTE.1, check::number)?;
        within("delivery.concurrency", self.concurrency, CONCURRENCY.0, CONCURRENCY.1, check::number)?;
        let freshness = self.reply_freshness;
        within("delivery.reply_freshness", freshness, REPLY_FRESHNESS.0, REPLY_FRESHNESS.1, check::duration)?;
        within_because(
            "delivery.shutdown_grace",
            self.shutdown_grace,
            SHUTDOWN_GRACE,
            check::duration,
            "Warta exits within 10s",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(config: DeliveryConfig) -> String {
        config.validate().expect_err("refused").0
    }

    #[test]
    fn every_bound_accepts_its_ends_and_refuses_past_them() {
        let base = DeliveryConfig::default;
        let ms = Duration::from_millis;
        assert!(DeliveryConfig { max_attempts: MAX_ATTEMPTS.0, ..base() }.validate().is_ok());
        assert!(DeliveryConfig { max_attempts: MAX_ATTEMPTS.1, ..base() }.validate().is_ok());
        assert_eq!(refused(DeliveryConfig { max_attempts: 0, ..base() }), "delivery.max_attempts");
        assert_eq!(refused(DeliveryConfig { max_attempts: MAX_ATTEMPTS.1 + 1, ..base() }), "delivery.max_attempts");
        assert!(DeliveryConfig { retry_initial: RETRY_INITIAL.0, retry_max: RETRY_MAX.1, ..base() }.validate().is_ok());
        let wide = DeliveryConfig { retry_initial: RETRY_INITIAL.1, retry_max: RETRY_MAX.1, ..base() };
        assert!(wide.validate().is_ok());
        let initial = |retry_initial| refused(DeliveryConfig { retry_initial, retry_max: RETRY_MAX.1, ..base() });
        assert_eq!(initial(RETRY_INITIAL.0 - ms(1)), "delivery.retry_initial");
        assert_eq!(initial(RETRY_INITIAL.1 + ms(1)), "delivery.retry_initial");
        assert_eq!(refused(DeliveryConfig { retry_max: RETRY_MAX.1 + ms(1), ..base() }), "delivery.retry_max");
        assert_eq!(
            refused(DeliveryConfig { retry_initial: ms(20), retry_max: ms(10), ..base() }),
            "delivery.retry_initial"
        );
        assert!(DeliveryConfig { lease: LEASE.0, ..base() }.validate().is_ok());
        assert!(DeliveryConfig { lease: LEASE.1, ..base() }.validate().is_ok());
        assert_eq!(refused(DeliveryConfig { lease: LEASE.0 - ms(1), ..base() }), "delivery.lease");
        assert_eq!(refused(DeliveryConfig { lease: LEASE.1 + ms(1), ..base() }), "delivery.lease");
        assert!(DeliveryConfig { overall_per_second: PER_SECOND.1, paid_per_second: 1, ..base() }.validate().is_ok());
        let too_fast = DeliveryConfig { overall_per_second: PER_SECOND.1 + 1, ..base() };
        assert_eq!(refused(too_fast), "delivery.overall_per_second");
        assert_eq!(refused(DeliveryConfig { paid_per_second: 0, ..base() }), "delivery.paid_per_second");
        assert!(DeliveryConfig { group_per_minute: PER_MINUTE.1, private_per_minute: 1, ..base() }.validate().is_ok());
        assert_eq!(
            refused(DeliveryConfig { group_per_minute: PER_MINUTE.1 + 1, ..base() }),
            "delivery.group_per_minute"
        );
        assert!(DeliveryConfig { channel_per_minute: CHANNEL_PER_MINUTE.1, ..base() }.validate().is_ok());
        let too_fast = DeliveryConfig { channel_per_minute: CHANNEL_PER_MINUTE.1 + 1, ..base() };
        assert_eq!(refused(too_fast), "delivery.channel_per_minute");
        assert_eq!(refused(DeliveryConfig { private_per_minute: 0, ..base() }), "delivery.private_per_minute");
        assert!(DeliveryConfig { concurrency: CONCURRENCY.1, ..base() }.validate().is_ok());
        assert_eq!(refused(DeliveryConfig { concurrency: 0, ..base() }), "delivery.concurrency");
        assert_eq!(refused(DeliveryConfig { concurrency: CONCURRENCY.1 + 1, ..base() }), "delivery.concurrency");
        assert!(DeliveryConfig { shutdown_grace: SHUTDOWN_GRACE.1, ..base() }.validate().is_ok());
        assert!(DeliveryConfig { reply_freshness: REPLY_FRESHNESS.0, ..base() }.validate().is_ok());
        assert!(DeliveryConfig { reply_freshness: REPLY_FRESHNESS.1, ..base() }.validate().is_ok());
        let stale = DeliveryConfig { reply_freshness: REPLY_FRESHNESS.1 + ms(1), ..base() };
        assert_eq!(refused(stale), "delivery.reply_freshness");
        let slow = DeliveryConfig { shutdown_grace: SHUTDOWN_GRACE.1 + ms(1), ..base() };
        assert_eq!(refused(slow), "delivery.shutdown_grace");
    }
}

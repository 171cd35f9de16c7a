//! `[delivery]`: how the outbox is sent: pace, retries, leases.

use std::time::Duration;

use serde::Deserialize;

use super::values::duration;

// Every key is optional: what is left out takes its value from `Default`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Attempts before a delivery that keeps failing is set aside as dead.
    pub max_attempts: u32,
    /// First retry delay after a failed send; doubles per attempt.
    #[serde(deserialize_with = "duration")]
    pub retry_initial: Duration,
    /// Longest retry delay.
    #[serde(deserialize_with = "duration")]
    pub retry_max: Duration,
    /// How long a claimed delivery stays reserved before another worker may take it over.
    #[serde(deserialize_with = "duration")]
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
    #[serde(deserialize_with = "duration")]
    pub shutdown_grace: Duration,
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
        }
    }
}

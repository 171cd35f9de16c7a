//! `[delivery]`: how the outbox is sent: pace, retries, leases.

use std::time::Duration;

use serde::Deserialize;

use super::values::duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Attempts before a delivery that keeps failing is set aside as dead.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// First retry delay after a failed send; doubles per attempt.
    #[serde(default = "default_retry_initial", deserialize_with = "duration")]
    pub retry_initial: Duration,
    /// Longest retry delay.
    #[serde(default = "default_retry_max", deserialize_with = "duration")]
    pub retry_max: Duration,
    /// How long a claimed delivery stays reserved before another worker may take it over.
    #[serde(default = "default_lease", deserialize_with = "duration")]
    pub lease: Duration,
    /// Messages per second overall (Telegram: about 30).
    #[serde(default = "default_overall_per_second")]
    pub overall_per_second: u32,
    /// Messages per minute to one private chat (Telegram: about 1/s).
    #[serde(default = "default_private_per_minute")]
    pub private_per_minute: u32,
    /// Messages per minute to one group or supergroup (Telegram: 20).
    #[serde(default = "default_group_per_minute")]
    pub group_per_minute: u32,
    /// Messages per minute to one channel.
    #[serde(default = "default_channel_per_minute")]
    pub channel_per_minute: u32,
    /// Sends in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Paid broadcast (needs the bot to qualify in BotFather): messages above
    /// the free 30/s cost 0.1 Star each; the overall rate becomes `paid_per_second`.
    #[serde(default)]
    pub paid_broadcast: bool,
    #[serde(default = "default_paid_per_second")]
    pub paid_per_second: u32,
    /// At shutdown, sends in flight get this long to finish.
    #[serde(default = "default_shutdown_grace", deserialize_with = "duration")]
    pub shutdown_grace: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            max_attempts: default_max_attempts(),
            retry_initial: default_retry_initial(),
            retry_max: default_retry_max(),
            lease: default_lease(),
            overall_per_second: default_overall_per_second(),
            private_per_minute: default_private_per_minute(),
            group_per_minute: default_group_per_minute(),
            channel_per_minute: default_channel_per_minute(),
            concurrency: default_concurrency(),
            paid_broadcast: false,
            paid_per_second: default_paid_per_second(),
            shutdown_grace: default_shutdown_grace(),
        }
    }
}

fn default_overall_per_second() -> u32 {
    30
}

fn default_private_per_minute() -> u32 {
    60
}

fn default_group_per_minute() -> u32 {
    20
}

fn default_channel_per_minute() -> u32 {
    20
}

fn default_concurrency() -> usize {
    32
}

fn default_paid_per_second() -> u32 {
    1000
}

fn default_shutdown_grace() -> Duration {
    Duration::from_secs(5)
}

fn default_max_attempts() -> u32 {
    12
}

fn default_retry_initial() -> Duration {
    Duration::from_secs(5)
}

fn default_retry_max() -> Duration {
    Duration::from_secs(30 * 60)
}

fn default_lease() -> Duration {
    Duration::from_secs(60)
}

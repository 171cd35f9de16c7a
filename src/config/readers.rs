//! `[readers]`: how the bot treats readers' commands.

use std::time::Duration;

use serde::Deserialize;

use super::values::duration;

/// How the bot treats readers' commands.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadersConfig {
    /// Commands (and button presses) a reader may send in a burst.
    #[serde(default = "default_command_burst")]
    pub command_burst: u32,
    /// One more command is allowed after each such period.
    #[serde(default = "default_command_refill", deserialize_with = "duration")]
    pub command_refill: Duration,
    /// A reader over the limit is told once to wait, then ignored this long.
    #[serde(default = "default_flood_pause", deserialize_with = "duration")]
    pub flood_pause: Duration,
}

impl Default for ReadersConfig {
    fn default() -> Self {
        Self {
            command_burst: default_command_burst(),
            command_refill: default_command_refill(),
            flood_pause: default_flood_pause(),
        }
    }
}

fn default_command_burst() -> u32 {
    10
}

fn default_command_refill() -> Duration {
    Duration::from_secs(2)
}

fn default_flood_pause() -> Duration {
    Duration::from_secs(60)
}

//! `[readers]`: how the bot treats readers' commands.

use std::time::Duration;

use serde::Deserialize;

use super::values::duration;

/// How the bot treats readers' commands.
// Every key is optional: what is left out takes its value from `Default`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadersConfig {
    /// Commands (and button presses) a reader may send in a burst.
    pub command_burst: u32,
    /// One more command is allowed after each such period.
    #[serde(deserialize_with = "duration")]
    pub command_refill: Duration,
    /// A reader over the limit is told once to wait, then ignored this long.
    #[serde(deserialize_with = "duration")]
    pub flood_pause: Duration,
}

impl Default for ReadersConfig {
    fn default() -> Self {
        Self { command_burst: 10, command_refill: Duration::from_secs(2), flood_pause: Duration::from_secs(60) }
    }
}

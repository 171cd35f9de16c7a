//! `[readers]`: the per-reader limit on commands and button presses, and
//! the quiet night.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::check::{self, Invalid, within};
use super::value;
use crate::domain::QuietHours;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadersConfig {
    /// Commands (and button presses) a reader may send in a burst.
    pub command_burst: u32,
    /// One more command is allowed after each such period.
    #[serde(deserialize_with = "value::duration")]
    pub command_refill: Duration,
    /// A reader over the limit is told once to wait, then ignored this long.
    #[serde(deserialize_with = "value::duration")]
    pub flood_pause: Duration,
    /// Routine posts in these hours (`format.timezone`, "HH:MM-HH:MM") come
    /// without sound to readers who keep "Malam tenang" on; "" turns it off.
    #[serde(deserialize_with = "quiet_hours")]
    pub quiet_hours: Option<QuietHours>,
}

fn quiet_hours<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<QuietHours>, D::Error> {
    let raw = String::deserialize(deserializer)?;
    if raw.trim().is_empty() {
        return Ok(None);
    }
    QuietHours::parse(&raw).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "invalid hours {raw:?}: expected \"HH:MM-HH:MM\" with two different times, e.g. \"22:00-06:00\", or \"\" for none"
        ))
    })
}

impl Default for ReadersConfig {
    fn default() -> Self {
        Self {
            command_burst: 10,
            command_refill: Duration::from_secs(2),
            flood_pause: Duration::from_secs(60),
            quiet_hours: QuietHours::parse("22:00-06:00"),
        }
    }
}

/// Bounds of `command_burst` (the replies bench lifts it to 100000, far above a person's pace).
pub(super) const COMMAND_BURST: (u32, u32) = (1, 100_000);
/// Bounds of `command_refill`.
pub(super) const COMMAND_REFILL: (Duration, Duration) = (Duration::from_millis(1), Duration::from_secs(3600));
/// Bounds of `flood_pause`.
pub(super) const FLOOD_PAUSE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(24 * 3600));

impl ReadersConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        within("readers.command_burst", self.command_burst, COMMAND_BURST.0, COMMAND_BURST.1, check::number)?;
        within("readers.command_refill", self.command_refill, COMMAND_REFILL.0, COMMAND_REFILL.1, check::duration)?;
        within("readers.flood_pause", self.flood_pause, FLOOD_PAUSE.0, FLOOD_PAUSE.1, check::duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_accept_their_ends_and_refuse_past_them() {
        let base = ReadersConfig::default;
        let lowest = ReadersConfig {
            command_burst: COMMAND_BURST.0,
            command_refill: COMMAND_REFILL.0,
            flood_pause: FLOOD_PAUSE.0,
            quiet_hours: None,
        };
        let highest = ReadersConfig {
            command_burst: COMMAND_BURST.1,
            command_refill: COMMAND_REFILL.1,
            flood_pause: FLOOD_PAUSE.1,
            quiet_hours: None,
        };
        assert_eq!((lowest.validate(), highest.validate()), (Ok(()), Ok(())));
        let refused = |config: ReadersConfig| config.validate().expect_err("refused").0;
        let tick = Duration::from_millis(1);
        assert_eq!(refused(ReadersConfig { command_burst: 0, ..base() }), "readers.command_burst");
        assert_eq!(refused(ReadersConfig { command_burst: COMMAND_BURST.1 + 1, ..base() }), "readers.command_burst");
        assert_eq!(refused(ReadersConfig { command_refill: Duration::ZERO, ..base() }), "readers.command_refill");
        let slow = ReadersConfig { command_refill: COMMAND_REFILL.1 + tick, ..base() };
        assert_eq!(refused(slow), "readers.command_refill");
        assert_eq!(refused(ReadersConfig { flood_pause: FLOOD_PAUSE.0 - tick, ..base() }), "readers.flood_pause");
        assert_eq!(refused(ReadersConfig { flood_pause: FLOOD_PAUSE.1 + tick, ..base() }), "readers.flood_pause");
    }
}

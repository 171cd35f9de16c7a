//! `[newsroom]`: breaking news, pins and alerts.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::values::{duration, optional_duration};

/// The newsroom's controls: breaking news, pins, alerts.
// Every key is optional: what is left out takes its value from `Default`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewsroomConfig {
    /// An unconfirmed breaking-news preview is void after this long.
    #[serde(deserialize_with = "duration")]
    pub preview_expiry: Duration,
    /// Pin breaking news in the channels.
    pub pin_breaking: bool,
    /// Unpin breaking news this long after it was pinned (unset: stays pinned).
    #[serde(default, deserialize_with = "optional_duration")]
    pub unpin_after: Option<Duration>,
    /// Admins are told when a feed that fetches fine brings nothing new for
    /// this long during the daytime hours.
    #[serde(deserialize_with = "duration")]
    pub silent_feed_after: Duration,
    /// The daytime hours, in `format.timezone`: "HH:MM-HH:MM" (equal: all day).
    #[serde(deserialize_with = "daytime")]
    pub daytime: Daytime,
    /// How often feeds' silence and dead-lettered deliveries are checked.
    #[serde(deserialize_with = "duration")]
    pub alert_check: Duration,
}

impl Default for NewsroomConfig {
    fn default() -> Self {
        Self {
            preview_expiry: Duration::from_secs(10 * 60),
            pin_breaking: true,
            unpin_after: None,
            silent_feed_after: Duration::from_secs(3 * 3600),
            daytime: Daytime {
                start: chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default(),
                end: chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap_or_default(),
            },
            alert_check: Duration::from_secs(60),
        }
    }
}

/// Hours of the day, from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daytime {
    pub start: chrono::NaiveTime,
    pub end: chrono::NaiveTime,
}

impl Daytime {
    pub fn contains(&self, time: chrono::NaiveTime) -> bool {
        if self.start == self.end {
            return true;
        }
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    fn parse(raw: &str) -> Result<Self, String> {
        let bad = || format!("invalid hours {raw:?}: expected \"HH:MM-HH:MM\", e.g. \"07:00-21:00\"");
        let (start, end) = raw.split_once('-').ok_or_else(bad)?;
        let time = |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        Ok(Self { start: time(start)?, end: time(end)? })
    }
}

fn daytime<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Daytime, D::Error> {
    let raw = String::deserialize(deserializer)?;
    Daytime::parse(&raw).map_err(serde::de::Error::custom)
}

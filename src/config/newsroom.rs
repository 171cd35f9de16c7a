//! `[newsroom]`: breaking news, pins and alerts.

use std::time::Duration;

use chrono::NaiveTime;
use serde::{Deserialize, Deserializer};

use super::check::{self, Invalid, within};
use super::value;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewsroomConfig {
    /// An unconfirmed breaking-news preview is void after this long.
    #[serde(deserialize_with = "value::duration")]
    pub preview_expiry: Duration,
    /// Pin breaking news in the channels.
    pub pin_breaking: bool,
    /// Unpin breaking news this long after it was pinned (unset: stays pinned).
    #[serde(deserialize_with = "value::optional_duration")]
    pub unpin_after: Option<Duration>,
    /// Admins are told when a feed that fetches fine brings nothing new for
    /// this long during the daytime hours.
    #[serde(deserialize_with = "value::duration")]
    pub silent_feed_after: Duration,
    /// The daytime hours, in `format.timezone`: "HH:MM-HH:MM" (equal: all day).
    pub daytime: Daytime,
    /// How often feeds' silence and dead-lettered deliveries are checked.
    #[serde(deserialize_with = "value::duration")]
    pub alert_check: Duration,
}

impl Default for NewsroomConfig {
    fn default() -> Self {
        let at = |hour| NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default();
        Self {
            preview_expiry: Duration::from_secs(10 * 60),
            pin_breaking: true,
            unpin_after: None,
            silent_feed_after: Duration::from_secs(3 * 3600),
            daytime: Daytime { start: at(7), end: at(21) },
            alert_check: Duration::from_secs(60),
        }
    }
}

/// Hours of the day, from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daytime {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Daytime {
    pub fn contains(&self, time: NaiveTime) -> bool {
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
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        Ok(Self { start: time(start)?, end: time(end)? })
    }
}

impl<'de> Deserialize<'de> for Daytime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

const DAY: Duration = Duration::from_secs(24 * 3600);
/// Bounds of `preview_expiry`.
pub(super) const PREVIEW_EXPIRY: (Duration, Duration) = (Duration::from_secs(1), DAY);
/// Bounds of `unpin_after` and `silent_feed_after`.
pub(super) const LONG_WAIT: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(30 * 24 * 3600));
/// Bounds of `alert_check`.
pub(super) const ALERT_CHECK: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(3600));

impl NewsroomConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        within("newsroom.preview_expiry", self.preview_expiry, PREVIEW_EXPIRY.0, PREVIEW_EXPIRY.1, check::duration)?;
        within("newsroom.alert_check", self.alert_check, ALERT_CHECK.0, ALERT_CHECK.1, check::duration)?;
        if let Some(after) = self.unpin_after {
            within("newsroom.unpin_after", after, LONG_WAIT.0, LONG_WAIT.1, check::duration)?;
        }
        within("newsroom.silent_feed_after", self.silent_feed_after, LONG_WAIT.0, LONG_WAIT.1, check::duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_accept_their_ends_and_refuse_past_them() {
        let base = NewsroomConfig::default;
        let lowest = NewsroomConfig {
            preview_expiry: PREVIEW_EXPIRY.0,
            unpin_after: Some(LONG_WAIT.0),
            silent_feed_after: LONG_WAIT.0,
            alert_check: ALERT_CHECK.0,
            ..base()
        };
        let highest = NewsroomConfig {
            preview_expiry: PREVIEW_EXPIRY.1,
            unpin_after: Some(LONG_WAIT.1),
            silent_feed_after: LONG_WAIT.1,
            alert_check: ALERT_CHECK.1,
            ..base()
        };
        assert_eq!((lowest.validate(), highest.validate()), (Ok(()), Ok(())));
        let refused = |config: NewsroomConfig| config.validate().expect_err("refused").0;
        let tick = Duration::from_millis(1);
        let expiry = |preview_expiry| refused(NewsroomConfig { preview_expiry, ..base() });
        assert_eq!(expiry(PREVIEW_EXPIRY.0 - tick), "newsroom.preview_expiry");
        assert_eq!(expiry(PREVIEW_EXPIRY.1 + tick), "newsroom.preview_expiry");
        let check = |alert_check| refused(NewsroomConfig { alert_check, ..base() });
        assert_eq!(check(ALERT_CHECK.0 - tick), "newsroom.alert_check");
        assert_eq!(check(ALERT_CHECK.1 + tick), "newsroom.alert_check");
        let unpin = |after| refused(NewsroomConfig { unpin_after: Some(after), ..base() });
        assert_eq!(unpin(LONG_WAIT.0 - tick), "newsroom.unpin_after");
        assert_eq!(unpin(LONG_WAIT.1 + tick), "newsroom.unpin_after");
        let silent = |after| refused(NewsroomConfig { silent_feed_after: after, ..base() });
        assert_eq!(silent(LONG_WAIT.0 - tick), "newsroom.silent_feed_after");
        assert_eq!(silent(LONG_WAIT.1 + tick), "newsroom.silent_feed_after");
    }
}

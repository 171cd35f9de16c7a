//! `[[feeds]]`: the feeds to watch.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::check::{self, Invalid, within};
use super::value;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    pub url: Url,
    /// Poll period.
    #[serde(default = "default_interval", deserialize_with = "value::duration")]
    pub interval: Duration,
    /// Source name shown under each post; defaults to the feed's own title.
    #[serde(default)]
    pub name: Option<String>,
    /// Longest period the server's hints (Cache-Control, ttl, sy:updatePeriod)
    /// may stretch polling to; defaults to `[fetch] max_interval`.
    #[serde(default, deserialize_with = "value::optional_duration")]
    pub max_interval: Option<Duration>,
    /// On the very first fetch, post the newest N articles (0: post nothing, only record).
    #[serde(default)]
    pub backfill: u32,
}

fn default_interval() -> Duration {
    Duration::from_secs(120)
}

const DAY: Duration = Duration::from_secs(24 * 3600);
/// Bounds of a feed's `interval`.
pub(super) const INTERVAL: (Duration, Duration) = (Duration::from_millis(10), DAY);
/// Upper bound of a feed's `max_interval` (its lower bound is the feed's interval).
pub(super) const MAX_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Upper bound of `backfill`: more would flood the channel on the first fetch.
pub(super) const BACKFILL_MAX: u32 = 100;
/// Longest source name, in characters.
pub(super) const NAME_MAX: usize = 100;
/// Most feeds.
pub(super) const FEEDS_MAX: usize = 500;

/// Checks every feed and that none is listed twice.
pub(super) fn validate(feeds: &[FeedConfig]) -> Result<(), Invalid> {
    if feeds.is_empty() {
        return Err(("feeds".into(), "add at least one [[feeds]] entry with a url".into()));
    }
    within("feeds", feeds.len(), 1, FEEDS_MAX, check::entries)?;
    for (index, feed) in feeds.iter().enumerate() {
        feed.validate(index)?;
        if feeds[..index].iter().any(|other| other.url == feed.url) {
            return Err((format!("feeds[{index}].url"), format!("{} is listed twice", feed.url)));
        }
    }
    Ok(())
}

impl FeedConfig {
    fn validate(&self, index: usize) -> Result<(), Invalid> {
        let key = |name: &str| format!("feeds[{index}].{name}");
        check::http_url(key("url"), &self.url)?;
        within(key("interval"), self.interval, INTERVAL.0, INTERVAL.1, check::duration)?;
        if let Some(name) = &self.name
            && name.trim().is_empty()
        {
            return Err((key("name"), "must not be empty (remove it to use the feed's title)".into()));
        }
        check::text(&key("name"), self.name.as_deref(), NAME_MAX)?;
        if let Some(max) = self.max_interval {
            if max < self.interval {
                return Err((key("max_interval"), "must not be shorter than the feed's interval".into()));
            }
            within(key("max_interval"), max, self.interval, MAX_INTERVAL, check::duration)?;
        }
        within(key("backfill"), self.backfill, 0, BACKFILL_MAX, check::number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> FeedConfig {
        FeedConfig {
            url: Url::parse("https://a.id/feed").expect("url"),
            interval: default_interval(),
            name: None,
            max_interval: None,
            backfill: 0,
        }
    }

    #[test]
    fn interval_backfill_and_name_bounds() {
        let ms = Duration::from_millis;
        let ok = |f: FeedConfig| f.validate(0).is_ok();
        let refused = |f: FeedConfig| f.validate(0).expect_err("refused").0;
        assert!(ok(FeedConfig { interval: INTERVAL.0, ..feed() }));
        assert!(ok(FeedConfig { interval: INTERVAL.1, max_interval: Some(MAX_INTERVAL), ..feed() }));
        assert_eq!(refused(FeedConfig { interval: INTERVAL.0 - ms(1), ..feed() }), "feeds[0].interval");
        assert_eq!(refused(FeedConfig { interval: INTERVAL.1 + ms(1), ..feed() }), "feeds[0].interval");
        assert_eq!(refused(FeedConfig { max_interval: Some(MAX_INTERVAL + ms(1)), ..feed() }), "feeds[0].max_interval");
        assert!(ok(FeedConfig { backfill: BACKFILL_MAX, ..feed() }));
        assert_eq!(refused(FeedConfig { backfill: BACKFILL_MAX + 1, ..feed() }), "feeds[0].backfill");
        assert!(ok(FeedConfig { name: Some("n".repeat(NAME_MAX)), ..feed() }));
        assert_eq!(refused(FeedConfig { name: Some("n".repeat(NAME_MAX + 1)), ..feed() }), "feeds[0].name");
    }
}

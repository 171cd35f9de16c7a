//! `[fetch]`: how feeds are fetched and scheduled.

use std::time::Duration;

use serde::Deserialize;

use super::check::{self, Invalid, within};
use super::value;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchConfig {
    /// Whole-request timeout, redirects included.
    #[serde(deserialize_with = "value::duration")]
    pub timeout: Duration,
    #[serde(deserialize_with = "value::duration")]
    pub connect_timeout: Duration,
    /// Largest body accepted on the wire.
    #[serde(deserialize_with = "value::size")]
    pub max_body: usize,
    /// Largest body accepted after decompression (a gzip bomb stops here).
    #[serde(deserialize_with = "value::size")]
    pub max_decompressed: usize,
    /// No feed is polled more often than this, whatever its interval.
    #[serde(deserialize_with = "value::duration")]
    pub min_interval: Duration,
    /// Default for a feed's `max_interval`.
    #[serde(deserialize_with = "value::duration")]
    pub max_interval: Duration,
    /// Longest wait between attempts at a failing feed.
    #[serde(deserialize_with = "value::duration")]
    pub backoff_max: Duration,
    /// Consecutive failures before admins are told (once; and again on recovery).
    pub alert_after: u32,
    /// Older pages (WordPress `?paged=N`) fetched when every item of a fetch is new.
    pub backfill_pages: u32,
    /// A corrected article's posts are edited if they were sent within this window.
    #[serde(deserialize_with = "value::duration")]
    pub edit_window: Duration,
    /// Hosts (names or IP addresses) that images, redirects and hubs may reach
    /// even on private addresses; the configured feeds' hosts always may.
    pub allow_hosts: Vec<String>,
    /// A fetch with more new items than this is held for the admins (Kirim semua / Lewati).
    pub flood_threshold: u32,
    /// Publish pings and "fetch now" fetch a feed at most once per this long.
    #[serde(deserialize_with = "value::duration")]
    pub ping_debounce: Duration,
    /// A `Retry-After` longer than this (WordPress's maintenance mode says 600 s) is cut to it.
    #[serde(deserialize_with = "value::duration")]
    pub max_retry_after: Duration,
    /// After 304s, a feed is fetched without validators at least this often (a
    /// scheduled WordPress post can go live without changing the feed's validators).
    #[serde(deserialize_with = "value::duration")]
    pub unconditional_every: Duration,
    /// How long new articles may wait for their photo to be looked up (the
    /// WordPress REST API, else the page's og:image); then they go out without it.
    #[serde(deserialize_with = "value::duration")]
    pub photo_lookup: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body: 5 * MIB,
            max_decompressed: 20 * MIB,
            min_interval: Duration::from_secs(30),
            max_interval: Duration::from_secs(15 * 60),
            backoff_max: Duration::from_secs(3600),
            alert_after: 5,
            backfill_pages: 5,
            edit_window: Duration::from_secs(48 * 3600),
            allow_hosts: Vec::new(),
            flood_threshold: 50,
            ping_debounce: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
            unconditional_every: Duration::from_secs(15 * 60),
            photo_lookup: Duration::from_secs(3),
        }
    }
}

const MIB: usize = 1024 * 1024;
const DAY: Duration = Duration::from_secs(24 * 3600);
const fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// Bounds of `timeout`.
pub(super) const TIMEOUT: (Duration, Duration) = (ms(100), ms(600_000));
/// Bounds of `connect_timeout`.
pub(super) const CONNECT_TIMEOUT: (Duration, Duration) = (ms(100), ms(300_000));
/// Bounds of `max_body`.
pub(super) const MAX_BODY: (usize, usize) = (1024, 100 * MIB);
/// Upper bound of `max_decompressed` (its lower bound is `max_body`).
pub(super) const MAX_DECOMPRESSED: usize = 500 * MIB;
/// Bounds of `min_interval`.
pub(super) const MIN_INTERVAL: (Duration, Duration) = (ms(10), DAY);
/// Upper bound of `max_interval` (its lower bound is `min_interval`).
pub(super) const MAX_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Bounds of `backoff_max`.
pub(super) const BACKOFF_MAX: (Duration, Duration) = (ms(100), MAX_INTERVAL);
/// Bounds of `alert_after`.
pub(super) const ALERT_AFTER: (u32, u32) = (1, 1000);
/// Upper bound of `backfill_pages`.
pub(super) const BACKFILL_PAGES: u32 = 50;
/// Bounds of `edit_window`.
pub(super) const EDIT_WINDOW: (Duration, Duration) = (ms(60_000), Duration::from_secs(30 * 24 * 3600));
/// Bounds of `ping_debounce`.
pub(super) const PING_DEBOUNCE: (Duration, Duration) = (ms(0), ms(600_000));
/// Bounds of `max_retry_after`.
pub(super) const MAX_RETRY_AFTER: (Duration, Duration) = (ms(1000), DAY);
/// Bounds of `unconditional_every`.
pub(super) const UNCONDITIONAL_EVERY: (Duration, Duration) = (ms(1000), DAY);
/// Bounds of `photo_lookup` (0: no lookup).
pub(super) const PHOTO_LOOKUP: (Duration, Duration) = (ms(0), ms(30_000));
/// Bounds of `flood_threshold` (0 turns the flood guard off).
pub(super) const FLOOD_THRESHOLD: (u32, u32) = (0, 10_000);

impl FetchConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        within("fetch.timeout", self.timeout, TIMEOUT.0, TIMEOUT.1, check::duration)?;
        within("fetch.connect_timeout", self.connect_timeout, CONNECT_TIMEOUT.0, CONNECT_TIMEOUT.1, check::duration)?;
        within("fetch.min_interval", self.min_interval, MIN_INTERVAL.0, MIN_INTERVAL.1, check::duration)?;
        if self.max_interval < self.min_interval {
            return Err(("fetch.max_interval".into(), "must not be shorter than fetch.min_interval".into()));
        }
        within("fetch.max_interval", self.max_interval, self.min_interval, MAX_INTERVAL, check::duration)?;
        within("fetch.backoff_max", self.backoff_max, BACKOFF_MAX.0, BACKOFF_MAX.1, check::duration)?;
        within("fetch.max_body", self.max_body, MAX_BODY.0, MAX_BODY.1, check::size)?;
        if self.max_decompressed < self.max_body {
            return Err(("fetch.max_decompressed".into(), "must be at least fetch.max_body".into()));
        }
        within("fetch.max_decompressed", self.max_decompressed, self.max_body, MAX_DECOMPRESSED, check::size)?;
        within("fetch.alert_after", self.alert_after, ALERT_AFTER.0, ALERT_AFTER.1, check::number)?;
        within("fetch.backfill_pages", self.backfill_pages, 0, BACKFILL_PAGES, check::number)?;
        within("fetch.edit_window", self.edit_window, EDIT_WINDOW.0, EDIT_WINDOW.1, check::duration)?;
        within("fetch.flood_threshold", self.flood_threshold, FLOOD_THRESHOLD.0, FLOOD_THRESHOLD.1, check::number)?;
        within("fetch.ping_debounce", self.ping_debounce, PING_DEBOUNCE.0, PING_DEBOUNCE.1, check::duration)?;
        within("fetch.max_retry_after", self.max_retry_after, MAX_RETRY_AFTER.0, MAX_RETRY_AFTER.1, check::duration)?;
        let every = self.unconditional_every;
        within("fetch.unconditional_every", every, UNCONDITIONAL_EVERY.0, UNCONDITIONAL_EVERY.1, check::duration)?;
        within("fetch.photo_lookup", self.photo_lookup, PHOTO_LOOKUP.0, PHOTO_LOOKUP.1, check::duration)?;
        for (index, host) in self.allow_hosts.iter().enumerate() {
            if !is_bare_host(host) {
                return Err((
                    format!("fetch.allow_hosts[{index}]"),
                    format!("{host:?} is not a host name or IP address (no scheme, port or path)"),
                ));
            }
        }
        Ok(())
    }
}

/// A host name or IP address (IPv6 with or without brackets), nothing more.
fn is_bare_host(host: &str) -> bool {
    let host = host.trim();
    let unbracketed = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    unbracketed.parse::<std::net::IpAddr>().is_ok()
        || (!host.is_empty() && !host.contains(['/', ':', '@', ' ']) && url::Host::parse(host).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(config: FetchConfig) -> String {
        config.validate().expect_err("refused").0
    }

    #[test]
    fn duration_bounds() {
        let base = FetchConfig::default;
        let tick = ms(1);
        let lowest = FetchConfig {
            timeout: TIMEOUT.0,
            connect_timeout: CONNECT_TIMEOUT.0,
            min_interval: MIN_INTERVAL.0,
            max_interval: MIN_INTERVAL.0,
            backoff_max: BACKOFF_MAX.0,
            edit_window: EDIT_WINDOW.0,
            ..base()
        };
        assert_eq!(lowest.validate(), Ok(()));
        let highest = FetchConfig {
            timeout: TIMEOUT.1,
            connect_timeout: CONNECT_TIMEOUT.1,
            min_interval: MIN_INTERVAL.1,
            max_interval: MAX_INTERVAL,
            backoff_max: BACKOFF_MAX.1,
            edit_window: EDIT_WINDOW.1,
            ..base()
        };
        assert_eq!(highest.validate(), Ok(()));
        assert_eq!(refused(FetchConfig { timeout: TIMEOUT.0 - tick, ..base() }), "fetch.timeout");
        assert_eq!(refused(FetchConfig { timeout: TIMEOUT.1 + tick, ..base() }), "fetch.timeout");
        let connect = |connect_timeout| refused(FetchConfig { connect_timeout, ..base() });
        assert_eq!(connect(CONNECT_TIMEOUT.0 - tick), "fetch.connect_timeout");
        assert_eq!(connect(CONNECT_TIMEOUT.1 + tick), "fetch.connect_timeout");
        assert_eq!(refused(FetchConfig { min_interval: MIN_INTERVAL.0 - tick, ..base() }), "fetch.min_interval");
        assert_eq!(refused(FetchConfig { max_interval: MAX_INTERVAL + tick, ..base() }), "fetch.max_interval");
        assert_eq!(refused(FetchConfig { backoff_max: BACKOFF_MAX.0 - tick, ..base() }), "fetch.backoff_max");
        assert_eq!(refused(FetchConfig { backoff_max: BACKOFF_MAX.1 + tick, ..base() }), "fetch.backoff_max");
        assert_eq!(refused(FetchConfig { edit_window: EDIT_WINDOW.0 - tick, ..base() }), "fetch.edit_window");
        assert_eq!(refused(FetchConfig { edit_window: EDIT_WINDOW.1 + tick, ..base() }), "fetch.edit_window");
        let debounce = |ping_debounce| refused(FetchConfig { ping_debounce, ..base() });
        assert_eq!(debounce(PING_DEBOUNCE.1 + tick), "fetch.ping_debounce");
        let retry = |max_retry_after| refused(FetchConfig { max_retry_after, ..base() });
        assert_eq!(retry(MAX_RETRY_AFTER.0 - tick), "fetch.max_retry_after");
        assert_eq!(retry(MAX_RETRY_AFTER.1 + tick), "fetch.max_retry_after");
        let every = |unconditional_every| refused(FetchConfig { unconditional_every, ..base() });
        assert_eq!(every(UNCONDITIONAL_EVERY.0 - tick), "fetch.unconditional_every");
        assert_eq!(every(UNCONDITIONAL_EVERY.1 + tick), "fetch.unconditional_every");
        let lookup = |photo_lookup| refused(FetchConfig { photo_lookup, ..base() });
        assert_eq!(lookup(PHOTO_LOOKUP.1 + tick), "fetch.photo_lookup");
        let edges = FetchConfig {
            ping_debounce: PING_DEBOUNCE.0,
            max_retry_after: MAX_RETRY_AFTER.1,
            unconditional_every: UNCONDITIONAL_EVERY.0,
            photo_lookup: PHOTO_LOOKUP.1,
            ..base()
        };
        assert_eq!(edges.validate(), Ok(()));
    }

    #[test]
    fn size_and_count_bounds() {
        let base = FetchConfig::default;
        let smallest = FetchConfig { max_body: MAX_BODY.0, max_decompressed: MAX_BODY.0, ..base() };
        assert_eq!(smallest.validate(), Ok(()));
        let largest = FetchConfig { max_body: MAX_BODY.1, max_decompressed: MAX_DECOMPRESSED, ..base() };
        assert_eq!(largest.validate(), Ok(()));
        assert_eq!(refused(FetchConfig { max_body: MAX_BODY.0 - 1, ..base() }), "fetch.max_body");
        let huge = FetchConfig { max_body: MAX_BODY.1 + 1, max_decompressed: MAX_DECOMPRESSED, ..base() };
        assert_eq!(refused(huge), "fetch.max_body");
        let bomb = FetchConfig { max_decompressed: MAX_DECOMPRESSED + 1, ..base() };
        assert_eq!(refused(bomb), "fetch.max_decompressed");
        let counts = FetchConfig {
            alert_after: ALERT_AFTER.1,
            backfill_pages: BACKFILL_PAGES,
            flood_threshold: FLOOD_THRESHOLD.1,
            ..base()
        };
        assert_eq!(counts.validate(), Ok(()));
        assert_eq!(refused(FetchConfig { alert_after: 0, ..base() }), "fetch.alert_after");
        assert_eq!(refused(FetchConfig { alert_after: ALERT_AFTER.1 + 1, ..base() }), "fetch.alert_after");
        let pages = FetchConfig { backfill_pages: BACKFILL_PAGES + 1, ..base() };
        assert_eq!(refused(pages), "fetch.backfill_pages");
        let flood = FetchConfig { flood_threshold: FLOOD_THRESHOLD.1 + 1, ..base() };
        assert_eq!(refused(flood), "fetch.flood_threshold");
        assert!(FetchConfig { flood_threshold: 0, ..base() }.validate().is_ok(), "0 turns the guard off");
    }
}

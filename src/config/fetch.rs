//! `[fetch]`: how feeds are fetched and scheduled.

use std::time::Duration;

use serde::Deserialize;

use super::values::{duration, size};

/// How feeds are fetched and scheduled.
// Every key is optional: what is left out takes its value from `Default`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchConfig {
    /// Whole-request timeout, redirects included.
    #[serde(deserialize_with = "duration")]
    pub timeout: Duration,
    #[serde(deserialize_with = "duration")]
    pub connect_timeout: Duration,
    /// Largest body accepted on the wire.
    #[serde(deserialize_with = "size")]
    pub max_body: usize,
    /// Largest body accepted after decompression (a gzip bomb stops here).
    #[serde(deserialize_with = "size")]
    pub max_decompressed: usize,
    /// No feed is polled more often than this, whatever its interval.
    #[serde(deserialize_with = "duration")]
    pub min_interval: Duration,
    /// Default for a feed's `max_interval`.
    #[serde(deserialize_with = "duration")]
    pub max_interval: Duration,
    /// Longest wait between attempts at a failing feed.
    #[serde(deserialize_with = "duration")]
    pub backoff_max: Duration,
    /// Consecutive failures before admins are told (once; and again on recovery).
    pub alert_after: u32,
    /// Older pages (WordPress `?paged=N`) fetched when every item of a fetch is new.
    pub backfill_pages: u32,
    /// A corrected article's posts are edited if they were sent within this window.
    #[serde(deserialize_with = "duration")]
    pub edit_window: Duration,
    /// Hosts (names or IP addresses) that images, redirects and hubs may reach
    /// even on private addresses; the configured feeds' hosts always may.
    pub allow_hosts: Vec<String>,
    /// A fetch with more new items than this is held for the admins (Kirim semua / Lewati); 0 turns the guard off.
    pub flood_threshold: u32,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body: 5 * 1024 * 1024,
            max_decompressed: 20 * 1024 * 1024,
            min_interval: Duration::from_secs(30),
            max_interval: Duration::from_secs(15 * 60),
            backoff_max: Duration::from_secs(60 * 60),
            alert_after: 5,
            backfill_pages: 5,
            edit_window: Duration::from_secs(48 * 3600),
            allow_hosts: Vec::new(),
            flood_threshold: 50,
        }
    }
}

impl FetchConfig {
    /// Its own checks; returns the offending key and why.
    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        let fetch = self;
        let positive = [
            ("fetch.timeout", fetch.timeout),
            ("fetch.connect_timeout", fetch.connect_timeout),
            ("fetch.min_interval", fetch.min_interval),
            ("fetch.backoff_max", fetch.backoff_max),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, value)| value.is_zero()) {
            return Err(((*key).to_owned(), "must be above zero".into()));
        }
        if fetch.max_interval < fetch.min_interval {
            return Err(("fetch.max_interval".into(), "must not be shorter than fetch.min_interval".into()));
        }
        if fetch.max_body < 1024 {
            return Err(("fetch.max_body".into(), "must be at least 1KiB".into()));
        }
        if fetch.max_decompressed < fetch.max_body {
            return Err(("fetch.max_decompressed".into(), "must be at least fetch.max_body".into()));
        }
        if fetch.alert_after == 0 {
            return Err(("fetch.alert_after".into(), "must be at least 1".into()));
        }
        for (index, host) in fetch.allow_hosts.iter().enumerate() {
            let host_part = host.trim();
            let unbracketed = host_part.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host_part);
            let valid = unbracketed.parse::<std::net::IpAddr>().is_ok()
                || (!host_part.is_empty()
                    && !host_part.contains(['/', ':', '@', ' '])
                    && url::Host::parse(host_part).is_ok());
            if !valid {
                return Err((
                    format!("fetch.allow_hosts[{index}]"),
                    format!("{host:?} is not a host name or IP address (no scheme, port or path)"),
                ));
            }
        }
        if fetch.backfill_pages > 50 {
            return Err(("fetch.backfill_pages".into(), "must be at most 50".into()));
        }
        Ok(())
    }
}

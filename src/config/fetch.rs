//! `[fetch]`: how feeds are fetched and scheduled.

use std::time::Duration;

use serde::Deserialize;

use super::values::{duration, size};

/// How feeds are fetched and scheduled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// Whole-request timeout, redirects included.
    #[serde(default = "default_fetch_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    #[serde(default = "default_connect_timeout", deserialize_with = "duration")]
    pub connect_timeout: Duration,
    /// Largest body accepted on the wire.
    #[serde(default = "default_max_body", deserialize_with = "size")]
    pub max_body: usize,
    /// Largest body accepted after decompression (a gzip bomb stops here).
    #[serde(default = "default_max_decompressed", deserialize_with = "size")]
    pub max_decompressed: usize,
    /// No feed is polled more often than this, whatever its interval.
    #[serde(default = "default_min_interval", deserialize_with = "duration")]
    pub min_interval: Duration,
    /// Default for a feed's `max_interval`.
    #[serde(default = "default_max_interval", deserialize_with = "duration")]
    pub max_interval: Duration,
    /// Longest wait between attempts at a failing feed.
    #[serde(default = "default_backoff_max", deserialize_with = "duration")]
    pub backoff_max: Duration,
    /// Consecutive failures before admins are told (once; and again on recovery).
    #[serde(default = "default_alert_after")]
    pub alert_after: u32,
    /// Older pages (WordPress `?paged=N`) fetched when every item of a fetch is new.
    #[serde(default = "default_backfill_pages")]
    pub backfill_pages: u32,
    /// A corrected article's posts are edited if they were sent within this window.
    #[serde(default = "default_edit_window", deserialize_with = "duration")]
    pub edit_window: Duration,
    /// Hosts (names or IP addresses) that images, redirects and hubs may reach
    /// even on private addresses; the configured feeds' hosts always may.
    #[serde(default)]
    pub allow_hosts: Vec<String>,
    /// A fetch with more new items than this is held for the admins (Kirim semua / Lewati); 0 turns the guard off.
    #[serde(default = "default_flood_threshold")]
    pub flood_threshold: u32,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            timeout: default_fetch_timeout(),
            connect_timeout: default_connect_timeout(),
            max_body: default_max_body(),
            max_decompressed: default_max_decompressed(),
            min_interval: default_min_interval(),
            max_interval: default_max_interval(),
            backoff_max: default_backoff_max(),
            alert_after: default_alert_after(),
            backfill_pages: default_backfill_pages(),
            edit_window: default_edit_window(),
            allow_hosts: Vec::new(),
            flood_threshold: default_flood_threshold(),
        }
    }
}

fn default_fetch_timeout() -> Duration {
    Duration::from_secs(30)
}

fn default_connect_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_max_body() -> usize {
    5 * 1024 * 1024
}

fn default_max_decompressed() -> usize {
    20 * 1024 * 1024
}

fn default_min_interval() -> Duration {
    Duration::from_secs(30)
}

fn default_max_interval() -> Duration {
    Duration::from_secs(15 * 60)
}

fn default_backoff_max() -> Duration {
    Duration::from_secs(60 * 60)
}

fn default_alert_after() -> u32 {
    5
}

fn default_flood_threshold() -> u32 {
    50
}

fn default_backfill_pages() -> u32 {
    5
}

fn default_edit_window() -> Duration {
    Duration::from_secs(48 * 3600)
}

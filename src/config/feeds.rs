//! `[[feeds]]`, `[[channels]]` and `[admins]`: what is watched, where it is posted, who runs it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::values::{duration, optional_duration};
use crate::domain::ChatRef;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    pub url: Url,
    /// Poll period.
    #[serde(default = "default_interval", deserialize_with = "duration")]
    pub interval: Duration,
    /// Source name shown under each post; defaults to the feed's own title.
    #[serde(default)]
    pub name: Option<String>,
    /// Longest period the server's hints (Cache-Control, ttl, sy:updatePeriod)
    /// may stretch polling to; defaults to `[fetch] max_interval`.
    #[serde(default, deserialize_with = "optional_duration")]
    pub max_interval: Option<Duration>,
    /// On the very first fetch, post the newest N articles (0: post nothing, only record).
    #[serde(default)]
    pub backfill: u32,
}

fn default_interval() -> Duration {
    Duration::from_secs(120)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// Where new articles are posted: @username or numeric id.
    pub chat: ChatRef,
    /// Link preview under text posts: off, small or large.
    #[serde(default)]
    pub link_preview: PreviewSetting,
    /// Post without notification sound.
    #[serde(default)]
    pub silent: bool,
    /// UTM parameters appended to article links.
    #[serde(default)]
    pub utm_source: Option<String>,
    #[serde(default)]
    pub utm_medium: Option<String>,
    #[serde(default)]
    pub utm_campaign: Option<String>,
    /// Replaces `[format] sponsored_label` in this channel.
    #[serde(default)]
    pub sponsored_label: Option<String>,
    /// Overrides `[format] images` in this channel.
    #[serde(default)]
    pub images: Option<bool>,
    /// In a forum group: the topic (message_thread_id) for each category's posts.
    #[serde(default)]
    pub topics: BTreeMap<String, i32>,
    /// In a forum group: the topic for posts of no listed category (unset: General).
    #[serde(default)]
    pub default_topic: Option<i32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PreviewSetting {
    #[default]
    Off,
    Small,
    Large,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminsConfig {
    #[serde(default)]
    pub user_ids: Vec<i64>,
}

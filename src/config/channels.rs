//! `[[channels]]`: the chats that get every new article.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::check::{self, Invalid, within};
use crate::domain::ChatRef;

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
    /// "every" (each article as it appears) or "digest" (only the `[digest]`
    /// digests, e.g. a morning-briefing channel).
    #[serde(default)]
    pub mode: ChannelMode,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelMode {
    #[default]
    Every,
    Digest,
}

impl ChannelMode {
    pub fn delivery_mode(self) -> crate::domain::DeliveryMode {
        match self {
            Self::Every => crate::domain::DeliveryMode::Every,
            Self::Digest => crate::domain::DeliveryMode::Digest,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PreviewSetting {
    #[default]
    Off,
    Small,
    Large,
}

/// Numeric ids of groups, supergroups and channels are negative: a channel's
/// "-100…" down to Telegram's lowest, a group's at least seven digits long.
pub(super) const CHAT_ID: (i64, i64) = (-1_997_852_516_352, -1_000_000);
/// Longest UTM value, in characters.
pub(super) const UTM_MAX: usize = 100;
/// Longest sponsored label, in characters (as `[format] sponsored_label`).
pub(super) const LABEL_MAX: usize = super::format::LABEL_MAX;
/// Most channels.
pub(super) const CHANNELS_MAX: usize = 100;

/// Checks every channel and that none is listed twice.
pub(super) fn validate(channels: &[ChannelConfig]) -> Result<(), Invalid> {
    within("channels", channels.len(), 0, CHANNELS_MAX, check::entries)?;
    for (index, channel) in channels.iter().enumerate() {
        if channels[..index].iter().any(|other| other.chat == channel.chat) {
            return Err((format!("channels[{index}].chat"), format!("{} is listed twice", channel.chat)));
        }
        channel.validate(index)?;
    }
    Ok(())
}

impl ChannelConfig {
    fn validate(&self, index: usize) -> Result<(), Invalid> {
        let key = |name: &str| format!("channels[{index}].{name}");
        if let ChatRef::Id(id) = self.chat {
            within(key("chat"), id, CHAT_ID.0, CHAT_ID.1, check::number).map_err(|(key, message)| {
                (key, format!("{id} is not a channel or group id (those are negative, like -1001234567890): {message}"))
            })?;
        }
        for (category, topic) in &self.topics {
            if crate::domain::CategoryKey::new(category).is_empty() {
                return Err((key("topics"), format!("{category:?} is not a category name")));
            }
            if *topic <= 0 {
                return Err((key("topics"), format!("the topic of {category:?} must be a positive message_thread_id")));
            }
        }
        if self.default_topic.is_some_and(|topic| topic <= 0) {
            return Err((key("default_topic"), "must be a positive message_thread_id".into()));
        }
        let utm =
            [("utm_source", &self.utm_source), ("utm_medium", &self.utm_medium), ("utm_campaign", &self.utm_campaign)];
        for (name, value) in utm {
            check::text(&key(name), value.as_deref(), UTM_MAX)?;
        }
        check::text(&key("sponsored_label"), self.sponsored_label.as_deref(), LABEL_MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(chat: ChatRef) -> ChannelConfig {
        ChannelConfig {
            chat,
            link_preview: PreviewSetting::Off,
            silent: false,
            utm_source: None,
            utm_medium: None,
            utm_campaign: None,
            sponsored_label: None,
            images: None,
            topics: BTreeMap::new(),
            default_topic: None,
            mode: ChannelMode::Every,
        }
    }

    #[test]
    fn chat_ids_are_group_or_channel_ids() {
        for id in [CHAT_ID.0, CHAT_ID.1, -1001234567890] {
            assert!(channel(ChatRef::Id(id)).validate(0).is_ok(), "{id}");
        }
        for id in [CHAT_ID.0 - 1, CHAT_ID.1 + 1, -1, 42] {
            let (key, message) = channel(ChatRef::Id(id)).validate(0).expect_err("refused");
            assert_eq!(key, "channels[0].chat", "{id}");
            assert!(message.contains("not a channel or group id") && message.contains("must be at"), "{message}");
        }
    }

    #[test]
    fn labels_are_bounded() {
        let with = |label: &str| {
            ChannelConfig { utm_campaign: Some(label.to_owned()), ..channel(ChatRef::Id(-1001234567890)) }.validate(3)
        };
        assert!(with(&"x".repeat(UTM_MAX)).is_ok());
        assert_eq!(with(&"x".repeat(UTM_MAX + 1)).expect_err("long").0, "channels[3].utm_campaign");
        let label = |text: String| {
            ChannelConfig { sponsored_label: Some(text), ..channel(ChatRef::Id(-1001234567890)) }.validate(0)
        };
        assert!(label("x".repeat(LABEL_MAX)).is_ok());
        assert_eq!(label("x".repeat(LABEL_MAX + 1)).expect_err("long").0, "channels[0].sponsored_label");
        let many: Vec<_> = (1..=CHANNELS_MAX as i64 + 1).map(|n| channel(ChatRef::Id(-1001234567890 - n))).collect();
        assert_eq!(validate(&many[..CHANNELS_MAX]), Ok(()));
        assert_eq!(validate(&many).expect_err("too many").0, "channels");
    }
}

//! The alerts Warta raises to its admins: each raised once, and cleared with
//! one notice when the trouble is over.

use std::fmt;

use super::NewPost;

/// What an alert is about; stored as its [`fmt::Display`] form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertKey {
    /// A feed keeps failing to fetch or parse.
    FeedFailing { feed_id: i64 },
    /// A feed fetches fine but brings nothing new in daytime.
    FeedSilent { feed_id: i64 },
    /// A configured channel refuses posts (the chats row id).
    ChannelRefuses { chat_id: i64 },
    /// Deliveries were dead-lettered within the last hour.
    DeadLetters,
    /// The routine outbox kept growing for an hour.
    BacklogGrowing,
}

impl fmt::Display for AlertKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FeedFailing { feed_id } => write!(f, "feed:{feed_id}"),
            Self::FeedSilent { feed_id } => write!(f, "silent:{feed_id}"),
            Self::ChannelRefuses { chat_id } => write!(f, "channel:{chat_id}"),
            Self::DeadLetters => f.write_str("dead-letters"),
            Self::BacklogGrowing => f.write_str("backlog-growing"),
        }
    }
}

impl AlertKey {
    /// The key a stored alert has; `None` for one this Warta does not know.
    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "dead-letters" => return Some(Self::DeadLetters),
            "backlog-growing" => return Some(Self::BacklogGrowing),
            _ => {}
        }
        let (kind, id) = stored.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "feed" => Some(Self::FeedFailing { feed_id: id }),
            "silent" => Some(Self::FeedSilent { feed_id: id }),
            "channel" => Some(Self::ChannelRefuses { chat_id: id }),
            _ => None,
        }
    }
}

/// A message to the admins, rendered in each admin's language (their
/// `/bahasa` choice, else Telegram's language code; `None` when unknown).
pub trait AdminNotice {
    fn render(&self, language: Option<&str>) -> NewPost;
}

/// The same post for every admin.
impl AdminNotice for NewPost {
    fn render(&self, _language: Option<&str>) -> NewPost {
        self.clone()
    }
}

impl<F: Fn(Option<&str>) -> NewPost> AdminNotice for F {
    fn render(&self, language: Option<&str>) -> NewPost {
        self(language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_stored_form() {
        let keys = [
            AlertKey::FeedFailing { feed_id: 3 },
            AlertKey::FeedSilent { feed_id: 3 },
            AlertKey::ChannelRefuses { chat_id: -7 },
            AlertKey::DeadLetters,
            AlertKey::BacklogGrowing,
        ];
        let stored: Vec<String> = keys.iter().map(ToString::to_string).collect();
        assert_eq!(stored, ["feed:3", "silent:3", "channel:-7", "dead-letters", "backlog-growing"]);
        for key in keys {
            assert_eq!(AlertKey::parse(&key.to_string()), Some(key));
        }
        for unknown in ["", "feed", "feed:x", "other:1", "dead-letters:1"] {
            assert_eq!(AlertKey::parse(unknown), None, "{unknown}");
        }
    }
}

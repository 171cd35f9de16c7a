use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// Where a post can go: a public @username (channels, public groups) or a numeric chat id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChatRef {
    Username(String),
    Id(i64),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChatRefError {
    #[error("empty chat reference")]
    Empty,
    #[error("\"{0}\" is not a chat: use @username (5-32 letters, digits or _) or a numeric id such as -1001234567890")]
    Invalid(String),
}

impl FromStr for ChatRef {
    type Err = ChatRefError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(ChatRefError::Empty);
        }
        if let Some(name) = raw.strip_prefix('@') {
            let valid_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
            if valid_chars && starts_with_letter && (5..=32).contains(&name.len()) {
                return Ok(Self::Username(format!("@{name}")));
            }
            return Err(ChatRefError::Invalid(raw.to_owned()));
        }
        match raw.parse::<i64>() {
            Ok(0) | Err(_) => Err(ChatRefError::Invalid(raw.to_owned())),
            Ok(id) => Ok(Self::Id(id)),
        }
    }
}

impl fmt::Display for ChatRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Username(name) => f.write_str(name),
            Self::Id(id) => write!(f, "{id}"),
        }
    }
}

impl<'de> Deserialize<'de> for ChatRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Id(i64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Id(0) => Err(serde::de::Error::custom(ChatRefError::Invalid("0".into()))),
            Raw::Id(id) => Ok(Self::Id(id)),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// What kind of chat a post goes to; pacing and error handling differ per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatKind {
    /// A configured News Update channel or group.
    Channel,
    /// A reader's private chat with the bot.
    Private,
    /// A group the bot is in.
    Group,
}

impl ChatKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Channel => "channel",
            Self::Private => "private",
            Self::Group => "group",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "channel" => Some(Self::Channel),
            "private" => Some(Self::Private),
            "group" => Some(Self::Group),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_usernames_and_ids() {
        assert_eq!("@kaltimtodaydotco".parse(), Ok(ChatRef::Username("@kaltimtodaydotco".into())));
        assert_eq!(" -1001234567890 ".parse(), Ok(ChatRef::Id(-1001234567890)));
        assert_eq!("42".parse(), Ok(ChatRef::Id(42)));
    }

    #[test]
    fn rejects_what_telegram_would_not_accept() {
        for bad in [
            "",
            "  ",
            "@",
            "@abc",
            "@1abcdef",
            "@kaltim-today",
            "kaltimtoday",
            "0",
            "@a_very_long_username_that_is_way_too_long_x",
        ] {
            assert!(bad.parse::<ChatRef>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn deserializes_from_string_or_integer() {
        #[derive(Deserialize)]
        struct Holder {
            chat: ChatRef,
        }
        let by_name: Holder = toml::from_str("chat = \"@kaltimtodaydotco\"").expect("name");
        assert_eq!(by_name.chat, ChatRef::Username("@kaltimtodaydotco".into()));
        let by_id: Holder = toml::from_str("chat = -100123").expect("id");
        assert_eq!(by_id.chat, ChatRef::Id(-100123));
        assert!(toml::from_str::<Holder>("chat = \"nope\"").is_err());
    }
}

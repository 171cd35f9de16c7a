//! Which rendering of a story a chat gets. Stored as text in `chats.style`
//! and `posts.style`; the default rendering has none.

use super::ChatRef;

/// A rendering other than the default one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StyleKey {
    /// A configured channel's own options (preview, UTM, label, images).
    Channel(ChatRef),
    /// Readers' private copies in English (Indonesian readers get the default).
    ReaderEnglish,
}

impl StyleKey {
    /// The stored form of [`StyleKey::ReaderEnglish`].
    pub const READER_ENGLISH: &'static str = "reader:en";

    /// The stored form: a channel's reference as configured, or `reader:en`.
    pub fn stored(&self) -> String {
        match self {
            Self::Channel(chat) => chat.to_string(),
            Self::ReaderEnglish => Self::READER_ENGLISH.to_owned(),
        }
    }

    /// What a stored style stands for; `None` for one this Warta does not know.
    pub fn parse(stored: &str) -> Option<Self> {
        if stored == Self::READER_ENGLISH {
            return Some(Self::ReaderEnglish);
        }
        stored.parse().ok().map(Self::Channel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_keys_keep_their_stored_form() {
        for key in [
            StyleKey::ReaderEnglish,
            StyleKey::Channel(ChatRef::Username("@kaltimtodaydotco".into())),
            StyleKey::Channel(ChatRef::Id(-1001234567890)),
        ] {
            assert_eq!(StyleKey::parse(&key.stored()), Some(key));
        }
        assert_eq!(StyleKey::ReaderEnglish.stored(), "reader:en");
        assert_eq!(StyleKey::parse("reader:xx"), None);
    }
}

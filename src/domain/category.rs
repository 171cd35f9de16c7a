//! Categories as the site names them, and the key that identifies one
//! whatever its spelling ("Ekonomi & Bisnis", "ekonomi-bisnis", "EKONOMI BISNIS").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest key kept; category names are short, anything longer is noise.
const KEY_CHARS: usize = 64;

/// A category's identity: lower-case letters and digits without diacritics,
/// words joined by `-`. Empty for names without a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryKey(String);

impl CategoryKey {
    pub fn new(name: &str) -> Self {
        let mut key = String::new();
        let mut pending_dash = false;
        for ch in name.nfkd().filter(|c| !is_combining_mark(*c)) {
            if ch.is_alphanumeric() {
                if pending_dash && !key.is_empty() {
                    key.push('-');
                }
                pending_dash = false;
                key.extend(ch.to_lowercase());
            } else {
                pending_dash = true;
            }
            if key.chars().count() >= KEY_CHARS {
                break;
            }
        }
        Self(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every word of `query` starts a word of this key, in order
    /// ("eko bis" matches "ekonomi-bisnis").
    pub fn matches_prefix(&self, query: &Self) -> bool {
        if query.is_empty() {
            return false;
        }
        let mut words = self.0.split('-');
        query.0.split('-').all(|wanted| words.by_ref().any(|word| word.starts_with(wanted)))
    }
}

/// A category name as shown to readers: whitespace collapsed, bounded.
pub fn display_category(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(KEY_CHARS).collect()
}

/// Where posts go in a forum group: the topic of the article's first category
/// that has one, else the default topic (none: the General topic).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForumTopics {
    #[serde(default)]
    pub default: Option<i32>,
    /// Topic (`message_thread_id`) by category key.
    #[serde(default)]
    pub categories: BTreeMap<String, i32>,
}

impl ForumTopics {
    /// From category names as configured.
    pub fn new<'a>(default: Option<i32>, categories: impl IntoIterator<Item = (&'a str, i32)>) -> Self {
        let categories = categories
            .into_iter()
            .map(|(name, thread)| (CategoryKey::new(name).0, thread))
            .filter(|(key, _)| !key.is_empty())
            .collect();
        Self { default, categories }
    }

    pub fn is_empty(&self) -> bool {
        self.default.is_none() && self.categories.is_empty()
    }

    /// The topic for an article with these categories.
    pub fn thread_for(&self, categories: &[String]) -> Option<i32> {
        categories
            .iter()
            .find_map(|name| self.categories.get(CategoryKey::new(name).as_str()).copied())
            .or(self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forum_topics_follow_the_first_matching_category() {
        let topics = ForumTopics::new(Some(9), [("Samarinda", 12), ("Ekonomi & Bisnis", 34)]);
        assert_eq!(topics.thread_for(&["Headline".into(), "ekonomi bisnis".into(), "Samarinda".into()]), Some(34));
        assert_eq!(topics.thread_for(&["Olahraga".into()]), Some(9));
        assert_eq!(ForumTopics::new(None, [("Samarinda", 12)]).thread_for(&[]), None);
    }

    #[test]
    fn spellings_of_one_category_share_a_key() {
        for spelling in ["Ekonomi & Bisnis", "ekonomi-bisnis", "  EKONOMI   BISNIS ", "Ékonomi/Bisnis"] {
            assert_eq!(CategoryKey::new(spelling).as_str(), "ekonomi-bisnis", "{spelling}");
        }
        assert_eq!(CategoryKey::new("Café Kutai").as_str(), "cafe-kutai");
        assert!(CategoryKey::new(" & / ").is_empty());
        assert_eq!(CategoryKey::new(&"x".repeat(500)).as_str().len(), 64);
    }

    #[test]
    fn prefixes_of_words_match() {
        let key = CategoryKey::new("Ekonomi & Bisnis");
        assert!(key.matches_prefix(&CategoryKey::new("eko")));
        assert!(key.matches_prefix(&CategoryKey::new("eko bis")));
        assert!(key.matches_prefix(&CategoryKey::new("bisnis")));
        assert!(!key.matches_prefix(&CategoryKey::new("bis eko")));
        assert!(!key.matches_prefix(&CategoryKey::new("olahraga")));
        assert!(!key.matches_prefix(&CategoryKey::new("")));
    }
}

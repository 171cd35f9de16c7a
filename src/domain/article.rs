use chrono::{DateTime, Utc};
use url::Url;

/// The identity of an article within its feed.
///
/// Built from the feed's guid when it has one, else from the normalized link,
/// never from the title: a corrected headline must not look like a new story.
/// Only items with neither fall back to a hash of the title (there is nothing
/// else stable to key them on).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArticleKey(String);

impl ArticleKey {
    pub fn from_guid(guid: &str) -> Option<Self> {
        let guid = guid.trim();
        if guid.is_empty() {
            return None;
        }
        Some(Self(format!("guid:{guid}")))
    }

    pub fn from_link(link: &Url) -> Self {
        Self(format!("link:{}", normalize_link(link)))
    }

    /// Last resort for items without guid and link: a hash of what they say.
    pub fn from_content(title: &str, text: &str) -> Self {
        let normalized = format!("{}\u{1f}{}", collapse(title), collapse(text));
        Self(format!("content:{:016x}", fnv1a(normalized.as_bytes())))
    }

    /// A key made from a title alone (tests and fixtures).
    pub fn from_title(title: &str) -> Self {
        Self::from_content(title, "")
    }

    /// Rebuilds a key read back from the store.
    pub fn from_stored(key: String) -> Self {
        Self(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// FNV-1a: stable across releases and platforms, unlike `DefaultHasher`.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Normalizes an article link for deduplication: the same story reached over
/// http or https, with a different host case, a fragment or tracking
/// parameters is the same story.
pub fn normalize_link(link: &Url) -> String {
    let mut url = link.clone();
    url.set_fragment(None);
    if url.scheme() == "http" {
        // Infallible for http(s) URLs; ignore the error case for other schemes.
        let _ = url.set_scheme("https");
    }
    if url.port() == Some(443) || url.port() == Some(80) {
        let _ = url.set_port(None);
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !is_tracking_parameter(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let mut normalized = url.to_string();
    // "…/berita/" and "…/berita" are the same WordPress permalink.
    if normalized.ends_with('/') && url.path() != "/" && url.query().is_none() {
        normalized.pop();
    }
    normalized
}

fn is_tracking_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || matches!(name.as_str(), "fbclid" | "gclid" | "mc_cid" | "mc_eid")
}

/// Whether `c` is an invisible formatting character a headline has no use
/// for: zero-width spaces and joiners, directional marks, embeddings,
/// overrides and isolates (U+202E makes "gpj.exe" read "exe.jpg"), the word
/// joiner, invisible operators and the byte-order mark.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{180E}' | '\u{FEFF}')
}

/// A title without invisible formatting characters (see [`is_invisible_format`]).
pub fn strip_invisible(text: &str) -> String {
    text.chars().filter(|c| !is_invisible_format(*c)).collect()
}

/// An article as parsed from a feed, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewArticle {
    pub key: ArticleKey,
    /// Plain text (entity-decoded), never HTML.
    pub title: String,
    pub link: Option<Url>,
    /// Raw HTML as the feed gives it.
    pub summary_html: Option<String>,
    /// Raw HTML of the full content (`content:encoded`), when present.
    pub content_html: Option<String>,
    pub author: Option<String>,
    pub categories: Vec<String>,
    /// A WordPress site's tags (its feed lists them like categories): never
    /// picker entries, hashtags only after the categories and if configured.
    pub tags: Vec<String>,
    pub image_url: Option<Url>,
    /// The photo found on the site when the item had none (WordPress's
    /// featured image, else the page's og:image); not part of the item, so
    /// its absence in a later fetch is no correction.
    pub page_photo: Option<Url>,
    pub published_at: Option<DateTime<Utc>>,
}

/// An article read back from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: i64,
    pub feed_id: i64,
    pub key: ArticleKey,
    pub title: String,
    pub link: Option<Url>,
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
    pub author: Option<String>,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub image_url: Option<Url>,
    pub page_photo: Option<Url>,
    pub published_at: Option<DateTime<Utc>>,
    /// When Warta first saw the article.
    pub seen_at: DateTime<Utc>,
    /// The name of the source shown under posts (the feed's configured name or title).
    pub source_name: String,
}

impl Article {
    /// A feed's article as stored: with its row ids, when it was first seen, and its source's name.
    pub fn from_new(new: NewArticle, id: i64, feed_id: i64, seen_at: DateTime<Utc>, source_name: String) -> Self {
        Self {
            id,
            feed_id,
            key: new.key,
            title: new.title,
            link: new.link,
            summary_html: new.summary_html,
            content_html: new.content_html,
            author: new.author,
            categories: new.categories,
            tags: new.tags,
            page_photo: new.page_photo,
            image_url: new.image_url,
            published_at: new.published_at,
            seen_at,
            source_name,
        }
    }

    /// The time shown to readers: the publish time, else when we first saw it.
    pub fn display_time(&self) -> DateTime<Utc> {
        self.published_at.unwrap_or(self.seen_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn normalizes_equivalent_links_to_one_key() {
        let variants = [
            "https://kaltimtoday.co/banjir-samarinda/",
            "http://kaltimtoday.co/banjir-samarinda/",
            "https://KaltimToday.co/banjir-samarinda",
            "https://kaltimtoday.co:443/banjir-samarinda/#comments",
            "https://kaltimtoday.co/banjir-samarinda/?utm_source=telegram&utm_medium=social",
            "https://kaltimtoday.co/banjir-samarinda/?fbclid=abc",
        ];
        let keys: Vec<_> = variants.iter().map(|v| ArticleKey::from_link(&url(v))).collect();
        for key in &keys {
            assert_eq!(key, &keys[0], "{key:?}");
        }
        assert_eq!(keys[0].as_str(), "link:https://kaltimtoday.co/banjir-samarinda");
    }

    #[test]
    fn keeps_meaningful_query_parameters() {
        let a = ArticleKey::from_link(&url("https://example.id/?p=101"));
        let b = ArticleKey::from_link(&url("https://example.id/?p=102"));
        assert_ne!(a, b);
        assert_eq!(a.as_str(), "link:https://example.id/?p=101");
    }

    #[test]
    fn guid_keys_ignore_surrounding_whitespace_and_reject_empty() {
        assert_eq!(
            ArticleKey::from_guid("  https://kaltimtoday.co/?p=1 \n"),
            ArticleKey::from_guid("https://kaltimtoday.co/?p=1")
        );
        assert_eq!(ArticleKey::from_guid("   "), None);
    }

    #[test]
    fn invisible_and_direction_characters_leave_titles() {
        let cases = [
            ("Banjir\u{202E}gpj.exe", "Banjirgpj.exe"),
            ("\u{FEFF}Ban\u{200B}jir\u{200C}\u{200D}", "Banjir"),
            ("\u{202A}a\u{202B}b\u{202C}c\u{202D}d", "abcd"),
            ("\u{2066}x\u{2067}y\u{2068}z\u{2069}\u{2060}\u{200E}\u{200F}", "xyz"),
            ("Café — ڤ 🇮🇩 漢字 ok", "Café — ڤ 🇮🇩 漢字 ok"),
        ];
        for (input, expected) in cases {
            assert_eq!(strip_invisible(input), expected, "{input:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn stripped_titles_hold_no_invisible_character_and_keep_the_rest(text in "(\\PC|[\u{200B}-\u{200F}\u{202A}-\u{202E}\u{2060}\u{2066}-\u{2069}\u{FEFF}]){0,60}") {
            let clean = strip_invisible(&text);
            proptest::prop_assert!(!clean.chars().any(is_invisible_format), "{:?}", clean);
            let kept: String = text.chars().filter(|c| !is_invisible_format(*c)).collect();
            proptest::prop_assert_eq!(&clean, &kept);
            proptest::prop_assert_eq!(strip_invisible(&clean), clean.clone());
        }
    }

    #[test]
    fn content_keys_are_stable_and_distinct() {
        assert_eq!(ArticleKey::from_content("Banjir", "Air  naik"), ArticleKey::from_content(" banjir ", "air naik"));
        assert_ne!(ArticleKey::from_content("Banjir", "a"), ArticleKey::from_content("Banjir", "b"));
        assert_ne!(ArticleKey::from_content("ab", ""), ArticleKey::from_content("a", "b"));
        // Fixed value: a key must never change between releases.
        assert_eq!(ArticleKey::from_content("Banjir", "").as_str(), "content:f1096838da56f760");
    }
}

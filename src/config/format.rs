//! `[format]`: how posts look.

use chrono_tz::Tz;
use serde::Deserialize;

use super::values::{size, timezone};

// Every key is optional: what is left out takes its value from `Default`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormatConfig {
    /// Time zone for times shown to readers.
    #[serde(deserialize_with = "timezone")]
    pub timezone: Tz,
    /// Longest excerpt under a post's title, in characters.
    pub excerpt_chars: usize,
    /// The post layout; `None`: the built-in one.
    pub template: Option<String>,
    pub max_hashtags: usize,
    /// Categories never shown as hashtags.
    pub hidden_categories: Vec<String>,
    /// Categories whose articles carry the sponsored label.
    pub sponsored_categories: Vec<String>,
    pub sponsored_label: String,
    /// Paragraphs containing any of these texts are removed from articles.
    pub remove_paragraphs: Vec<String>,
    /// Post articles that have an image as photos.
    pub images: bool,
    /// Largest image downloaded and uploaded when Telegram cannot fetch it itself.
    #[serde(deserialize_with = "size")]
    pub max_image_download: usize,
}

impl Default for FormatConfig {
    fn default() -> Self {
        Self {
            timezone: chrono_tz::Asia::Makassar,
            excerpt_chars: 280,
            template: None,
            max_hashtags: 5,
            hidden_categories: vec!["Uncategorized".into(), "Tak Berkategori".into()],
            sponsored_categories: vec!["Advertorial".into()],
            sponsored_label: "📢 Advertorial".into(),
            remove_paragraphs: Vec::new(),
            images: true,
            max_image_download: 10 * 1024 * 1024,
        }
    }
}

//! `[format]`: how posts look.

use chrono_tz::Tz;
use serde::Deserialize;

use super::values::{size, timezone};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatConfig {
    /// Time zone for times shown to readers.
    #[serde(default = "default_timezone", deserialize_with = "timezone")]
    pub timezone: Tz,
    /// Longest excerpt under a post's title, in characters.
    #[serde(default = "default_excerpt_chars")]
    pub excerpt_chars: usize,
    /// The post layout; `None`: the built-in one.
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default = "default_max_hashtags")]
    pub max_hashtags: usize,
    /// Categories never shown as hashtags.
    #[serde(default = "default_hidden_categories")]
    pub hidden_categories: Vec<String>,
    /// Categories whose articles carry the sponsored label.
    #[serde(default = "default_sponsored_categories")]
    pub sponsored_categories: Vec<String>,
    #[serde(default = "default_sponsored_label")]
    pub sponsored_label: String,
    /// Paragraphs containing any of these texts are removed from articles.
    #[serde(default)]
    pub remove_paragraphs: Vec<String>,
    /// Post articles that have an image as photos.
    #[serde(default = "default_images")]
    pub images: bool,
    /// Largest image downloaded and uploaded when Telegram cannot fetch it itself.
    #[serde(default = "default_max_image", deserialize_with = "size")]
    pub max_image_download: usize,
}

impl Default for FormatConfig {
    fn default() -> Self {
        Self {
            timezone: default_timezone(),
            excerpt_chars: default_excerpt_chars(),
            template: None,
            max_hashtags: default_max_hashtags(),
            hidden_categories: default_hidden_categories(),
            sponsored_categories: default_sponsored_categories(),
            sponsored_label: default_sponsored_label(),
            remove_paragraphs: Vec::new(),
            images: default_images(),
            max_image_download: default_max_image(),
        }
    }
}

fn default_max_hashtags() -> usize {
    5
}

fn default_hidden_categories() -> Vec<String> {
    vec!["Uncategorized".into(), "Tak Berkategori".into()]
}

fn default_sponsored_categories() -> Vec<String> {
    vec!["Advertorial".into()]
}

fn default_sponsored_label() -> String {
    "📢 Advertorial".into()
}

fn default_images() -> bool {
    true
}

fn default_max_image() -> usize {
    10 * 1024 * 1024
}

fn default_timezone() -> Tz {
    chrono_tz::Asia::Makassar
}

fn default_excerpt_chars() -> usize {
    280
}

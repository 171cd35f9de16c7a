//! `[format]`: how articles become posts, and the post layout, parsed at load.

use std::ops::Deref;

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

use super::check::{self, Invalid, within, within_because};
use super::value;
use crate::domain::Template;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormatConfig {
    /// Time zone for times shown to readers.
    #[serde(deserialize_with = "value::timezone")]
    pub timezone: Tz,
    /// Longest excerpt under a post's title, in characters.
    pub excerpt_chars: usize,
    /// The post layout; `None`: the built-in one.
    pub template: Option<LayoutText>,
    pub max_hashtags: usize,
    /// A WordPress site's tags fill hashtag slots the categories left free.
    pub tag_hashtags: bool,
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
    #[serde(deserialize_with = "value::size")]
    pub max_image_download: usize,
}

impl Default for FormatConfig {
    fn default() -> Self {
        Self {
            timezone: chrono_tz::Asia::Makassar,
            excerpt_chars: 280,
            template: None,
            max_hashtags: 5,
            tag_hashtags: false,
            hidden_categories: vec!["Uncategorized".into(), "Tak Berkategori".into()],
            sponsored_categories: vec!["Advertorial".into()],
            sponsored_label: "📢 Advertorial".into(),
            remove_paragraphs: Vec::new(),
            images: true,
            max_image_download: 10 * 1024 * 1024,
        }
    }
}

impl FormatConfig {
    /// The parsed post layout: the configured one, or the built-in one.
    pub fn layout(&self) -> Template {
        self.template.as_ref().map(|text| text.template.clone()).unwrap_or_default()
    }
}

/// The configured layout: its text as written, and the [`Template`] parsed
/// from it while the config is read, so a bad layout is a config error
/// naming `format.template`. Derefs to the text.
#[derive(Debug, Clone)]
pub struct LayoutText {
    text: String,
    template: Template,
}

impl LayoutText {
    /// Parses a layout of at most [`TEMPLATE_MAX`] characters.
    pub fn parse(text: &str) -> Result<Self, String> {
        let length = text.chars().count();
        if length > TEMPLATE_MAX {
            return Err(format!("must be at most {}, not {}", check::chars(TEMPLATE_MAX), check::chars(length)));
        }
        let template = Template::parse(text).map_err(|err| err.to_string())?;
        Ok(Self { text: text.to_owned(), template })
    }
}

impl Deref for LayoutText {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl<'de> Deserialize<'de> for LayoutText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Longest layout, in characters (a whole message holds 4096).
pub(super) const TEMPLATE_MAX: usize = 2000;
/// Bounds of `excerpt_chars`.
pub(super) const EXCERPT_CHARS: (usize, usize) = (40, 2000);
/// Upper bound of `max_hashtags`.
pub(super) const MAX_HASHTAGS: usize = 20;
/// Bounds of `max_image_download`; Telegram takes photo uploads up to 10MiB.
pub(super) const IMAGE_DOWNLOAD: (usize, usize) = (1024, 10 * 1024 * 1024);
/// Longest sponsored label, in characters.
pub(super) const LABEL_MAX: usize = 64;
/// Longest category and paragraph lists.
pub(super) const LIST_MAX: usize = 200;

impl FormatConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        within("format.excerpt_chars", self.excerpt_chars, EXCERPT_CHARS.0, EXCERPT_CHARS.1, check::number)?;
        within("format.max_hashtags", self.max_hashtags, 0, MAX_HASHTAGS, check::number)?;
        within_because(
            "format.max_image_download",
            self.max_image_download,
            IMAGE_DOWNLOAD,
            check::size,
            "Telegram takes photo uploads up to 10MiB",
        )?;
        check::text("format.sponsored_label", Some(&self.sponsored_label), LABEL_MAX)?;
        let lists = [
            ("format.hidden_categories", &self.hidden_categories),
            ("format.sponsored_categories", &self.sponsored_categories),
            ("format.remove_paragraphs", &self.remove_paragraphs),
        ];
        for (key, list) in lists {
            within(key, list.len(), 0, LIST_MAX, check::entries)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_bounds() {
        let ok = |f: FormatConfig| f.validate().is_ok();
        let refused = |f: FormatConfig| f.validate().expect_err("refused").0;
        let base = FormatConfig::default;
        assert!(ok(FormatConfig { excerpt_chars: EXCERPT_CHARS.0, ..base() }));
        assert!(ok(FormatConfig { excerpt_chars: EXCERPT_CHARS.1, ..base() }));
        assert_eq!(refused(FormatConfig { excerpt_chars: EXCERPT_CHARS.0 - 1, ..base() }), "format.excerpt_chars");
        assert_eq!(refused(FormatConfig { excerpt_chars: EXCERPT_CHARS.1 + 1, ..base() }), "format.excerpt_chars");
        assert!(ok(FormatConfig { max_hashtags: MAX_HASHTAGS, ..base() }));
        assert_eq!(refused(FormatConfig { max_hashtags: MAX_HASHTAGS + 1, ..base() }), "format.max_hashtags");
        assert!(ok(FormatConfig { max_image_download: IMAGE_DOWNLOAD.0, ..base() }));
        let refused_image = |size| refused(FormatConfig { max_image_download: size, ..base() });
        assert_eq!(refused_image(IMAGE_DOWNLOAD.0 - 1), "format.max_image_download");
        assert_eq!(refused_image(IMAGE_DOWNLOAD.1 + 1), "format.max_image_download");
        assert!(ok(FormatConfig { sponsored_label: "x".repeat(LABEL_MAX), ..base() }));
        let long_label = FormatConfig { sponsored_label: "x".repeat(LABEL_MAX + 1), ..base() };
        assert_eq!(refused(long_label), "format.sponsored_label");
        assert!(ok(FormatConfig { remove_paragraphs: vec![String::new(); LIST_MAX], ..base() }));
        let long_list = FormatConfig { hidden_categories: vec![String::new(); LIST_MAX + 1], ..base() };
        assert_eq!(refused(long_list), "format.hidden_categories");
    }

    #[test]
    fn the_layout_is_parsed_once_and_bounded() {
        let longest = format!("{{title}}{}", "x".repeat(TEMPLATE_MAX - "{title}".len()));
        let layout = LayoutText::parse(&longest).expect("the longest layout");
        assert_eq!(&*layout, longest);
        let too_long = format!("{longest}x");
        assert!(LayoutText::parse(&too_long).expect_err("too long").contains("at most 2000 characters"));
        assert!(LayoutText::parse("").expect_err("empty").contains("{title} or {excerpt}"));
        assert!(LayoutText::parse("{judul}").expect_err("bad").contains("unknown placeholder {judul}"));
        let format = FormatConfig { template: Some(LayoutText::parse("{excerpt}").expect("ok")), ..Default::default() };
        assert_eq!(format.layout(), Template::parse("{excerpt}").expect("ok"));
        assert_eq!(FormatConfig::default().layout(), Template::default());
    }
}

//! What the format tests share: stored articles to render.

use chrono::{DateTime, Utc};
use url::Url;

use crate::domain::{Article, ArticleKey};

/// Article `id` as stored, titled `title`, in `categories`, published and seen at `at`.
pub fn article_at(id: i64, title: &str, categories: &[&str], at: DateTime<Utc>) -> Article {
    Article {
        id,
        feed_id: 1,
        key: ArticleKey::from_title(title),
        title: title.into(),
        link: Some(Url::parse(&format!("https://kaltimtoday.co/{id}/")).expect("url")),
        summary_html: None,
        content_html: None,
        author: None,
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        tags: vec![],
        page_photo: None,
        image_url: None,
        published_at: Some(at),
        seen_at: at,
        source_name: "Kaltimtoday.co".into(),
    }
}

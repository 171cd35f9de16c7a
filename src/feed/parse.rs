//! Feed parsing: raw bytes in, articles out. The only feed-rs user.

use feed_rs::model::{Entry, Feed};
use url::Url;

use crate::domain::{ArticleKey, NewArticle};
use crate::format::html_to_plain;

/// What feed-rs is told to use as an id when an item has none, so that we can
/// tell a real guid from a generated one (feed-rs would hash the title, which
/// changes when a headline is corrected).
const NO_ID_MARKER: &str = "urn:warta:no-id";

/// A parsed feed: its title and its items in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub articles: Vec<NewArticle>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
}

/// Parses RSS, Atom or JSON Feed bytes. `base` resolves relative links.
pub fn parse_feed(bytes: &[u8], base: Option<&Url>) -> Result<ParsedFeed, ParseError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base.map(Url::as_str))
        .id_generator(|_links, _title, _uri| NO_ID_MARKER.to_owned())
        .build();
    let feed = parser.parse(bytes).map_err(|err| ParseError::NotAFeed(err.to_string()))?;
    Ok(convert(feed, base))
}

fn convert(feed: Feed, base: Option<&Url>) -> ParsedFeed {
    let title = feed.title.map(|t| t.content.trim().to_owned()).filter(|t| !t.is_empty());
    let articles = feed.entries.into_iter().filter_map(|entry| convert_entry(entry, base)).collect();
    ParsedFeed { title, articles }
}

fn convert_entry(entry: Entry, base: Option<&Url>) -> Option<NewArticle> {
    let link = article_link(&entry, base);
    let title = entry.title.map(plain_title).unwrap_or_default();
    let summary_html = entry.summary.map(|s| s.content).filter(|s| !s.trim().is_empty());
    let content_html = entry.content.and_then(|c| c.body).filter(|s| !s.trim().is_empty());
    let key = match entry.id.as_str() {
        NO_ID_MARKER => match &link {
            Some(link) => ArticleKey::from_link(link),
            None if !title.is_empty() => ArticleKey::from_title(&title),
            // Nothing stable to recognise it by next time: skip rather than repost forever.
            None => return None,
        },
        guid => ArticleKey::from_guid(guid)
            .or_else(|| link.as_ref().map(ArticleKey::from_link))
            .unwrap_or_else(|| ArticleKey::from_title(&title)),
    };
    if title.is_empty() && summary_html.is_none() && content_html.is_none() && link.is_none() {
        return None;
    }
    let author =
        entry.authors.into_iter().filter_map(|a| a.name).map(|name| name.trim().to_owned()).find(|n| !n.is_empty());
    let mut categories: Vec<String> = Vec::new();
    for category in entry.categories {
        let name = category.label.unwrap_or(category.term).trim().to_owned();
        if !name.is_empty() && !categories.contains(&name) {
            categories.push(name);
        }
    }
    let image_url = entry.media.iter().find_map(|media| {
        let content = media.content.iter().find(|c| {
            c.content_type.as_ref().is_some_and(|m| m.ty() == "image")
                || c.url.as_ref().is_some_and(|u| looks_like_image(u.path()))
        });
        content
            .and_then(|c| c.url.clone())
            .or_else(|| media.thumbnails.first().map(|t| t.image.uri.clone()).and_then(|u| Url::parse(&u).ok()))
    });
    Some(NewArticle {
        key,
        title,
        link,
        summary_html,
        content_html,
        author,
        categories,
        image_url: image_url.filter(|u| matches!(u.scheme(), "http" | "https")),
        published_at: entry.published.or(entry.updated),
    })
}

/// Titles are plain text, except where the feed says they are HTML (Atom `type="html"`).
fn plain_title(title: feed_rs::model::Text) -> String {
    let is_html = matches!(title.content_type.subty().as_str(), "html" | "xhtml+xml" | "xhtml");
    let text = if is_html { html_to_plain(&title.content) } else { title.content };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn looks_like_image(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".webp", ".gif"].iter().any(|ext| lower.ends_with(ext))
}

/// The article's web page: the alternate link (or the first link), resolved
/// against the feed URL; only http(s).
fn article_link(entry: &Entry, base: Option<&Url>) -> Option<Url> {
    let link = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .or_else(|| entry.links.first())?;
    let href = link.href.trim();
    let url = match Url::parse(href) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(href).ok()?,
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https").then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Kaltimtoday.co</title>
  <link>https://kaltimtoday.co</link>
  <item>
    <title>Banjir &amp; Longsor di Samarinda</title>
    <link>https://kaltimtoday.co/banjir-longsor/</link>
    <guid isPermaLink="false">https://kaltimtoday.co/?p=101</guid>
    <dc:creator><![CDATA[Redaksi]]></dc:creator>
    <category><![CDATA[Samarinda]]></category>
    <category><![CDATA[Bencana Alam]]></category>
    <pubDate>Fri, 27 Nov 2026 01:20:00 +0000</pubDate>
    <description><![CDATA[<p>Hujan deras [&#8230;]</p>]]></description>
  </item>
  <item>
    <title>Tanpa guid</title>
    <link>/tanpa-guid/</link>
  </item>
  <item>
    <title>Tanpa guid dan link</title>
  </item>
</channel>
</rss>"#;

    #[test]
    fn maps_items_and_builds_stable_keys() {
        let base = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        let feed = parse_feed(RSS.as_bytes(), Some(&base)).expect("parses");
        assert_eq!(feed.title.as_deref(), Some("Kaltimtoday.co"));
        assert_eq!(feed.articles.len(), 3);
        let first = &feed.articles[0];
        assert_eq!(first.key.as_str(), "guid:https://kaltimtoday.co/?p=101");
        assert_eq!(first.title, "Banjir & Longsor di Samarinda");
        assert_eq!(first.author.as_deref(), Some("Redaksi"));
        assert_eq!(first.categories, ["Samarinda", "Bencana Alam"]);
        assert!(first.published_at.is_some());
        assert_eq!(feed.articles[1].key.as_str(), "link:https://kaltimtoday.co/tanpa-guid");
        assert_eq!(feed.articles[1].link.as_ref().map(Url::as_str), Some("https://kaltimtoday.co/tanpa-guid/"));
        assert!(feed.articles[2].key.as_str().starts_with("title:"));
    }

    #[test]
    fn a_corrected_title_keeps_the_key() {
        let corrected = RSS.replace("<title>Tanpa guid</title>", "<title>Tanpa guid (ralat)</title>");
        let before = parse_feed(RSS.as_bytes(), None).expect("parses");
        let after = parse_feed(corrected.as_bytes(), None).expect("parses");
        assert_eq!(before.articles[0].key, after.articles[0].key);
        // Relative link without a base cannot be resolved: falls back to the title key.
        assert_eq!(after.articles[1].title, "Tanpa guid (ralat)");
    }

    #[test]
    fn keys_are_the_same_on_every_parse() {
        let a = parse_feed(RSS.as_bytes(), None).expect("parses");
        let b = parse_feed(RSS.as_bytes(), None).expect("parses");
        let keys = |f: &ParsedFeed| f.articles.iter().map(|a| a.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&a), keys(&b));
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let err = parse_feed(b"<html><body>Not found</body></html>", None).expect_err("not a feed");
        assert!(err.to_string().starts_with("not a feed"), "{err}");
        assert!(parse_feed(b"", None).is_err());
    }
}

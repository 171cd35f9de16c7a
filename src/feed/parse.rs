//! Feed parsing: raw bytes in, articles out. The only feed-rs user.
//!
//! Bytes go through the narrow repairs of [`super::repair`] first (encoding,
//! entities, root, wrappers); feed-rs errors about single unusable elements
//! are repaired by removing that element; a truncated document keeps its
//! complete items. Whatever cannot be read gives one clear error.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;

use feed_rs::model::{Entry, Feed};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use url::Url;

use super::person;
use super::repair::{self, Format};
use crate::domain::{ArticleKey, NewArticle, normalize_link};
use crate::format::{MAX_MARKUP_DEPTH, Markup, bound_nesting, html_to_plain};
use crate::outbound::{DecodeError, decode_body};

/// What feed-rs is told to use as an id when an item has none, so that we can
/// tell a real guid from a generated one (feed-rs would hash the title, which
/// changes when a headline is corrected).
const NO_ID_MARKER: &str = "urn:warta:no-id";
/// Element removals tried before giving up on a document.
const MAX_ELEMENT_REPAIRS: usize = 64;
/// A compressed file handed to the parser directly is inflated at most this far.
const MAX_INFLATED: usize = 64 * 1024 * 1024;

/// A parsed feed: its metadata and its items in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub articles: Vec<NewArticle>,
    pub hints: FeedHints,
    /// WebSub hubs the feed names (`<atom:link rel="hub">`).
    pub hubs: Vec<Url>,
    /// The feed's own URL as it states it (`rel="self"`), the WebSub topic.
    pub self_link: Option<Url>,
    pub generator: Option<String>,
    /// Repairs that were needed to read the document.
    pub repairs: Vec<String>,
    /// Items with neither guid nor link, keyed by a hash of their content.
    pub keyed_by_content: usize,
    /// Items dropped for having nothing to show or to recognise them by.
    pub skipped: usize,
}

/// How often the feed says it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeedHints {
    /// RSS `<ttl>`.
    pub ttl: Option<Duration>,
    /// `sy:updatePeriod` / `sy:updateFrequency`.
    pub update_period: Option<Duration>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("malformed feed: {0}")]
    Malformed(String),
}

/// Parses RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes. `base` (the feed's URL)
/// resolves relative links.
pub fn parse_feed(bytes: &[u8], base: Option<&Url>) -> Result<ParsedFeed, ParseError> {
    parse_feed_with_charset(bytes, base, None)
}

/// As [`parse_feed`], with the charset of the HTTP Content-Type as a fallback
/// for XML that does not declare its encoding.
pub fn parse_feed_with_charset(
    bytes: &[u8],
    base: Option<&Url>,
    http_charset: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    let mut repairs = Vec::new();
    let inflated;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        inflated = decode_body(bytes.to_vec(), None, MAX_INFLATED).map_err(|err| match err {
            DecodeError::TooLarge => ParseError::NotAFeed("compressed body inflates beyond 64 MiB".into()),
            DecodeError::Corrupt(reason) => ParseError::NotAFeed(reason),
        })?;
        repairs.push("gzip body without Content-Encoding inflated".to_owned());
        &inflated[..]
    } else {
        bytes
    };
    let mut update_period = None;
    let feed = match repair::sniff(bytes) {
        None if bytes.iter().all(u8::is_ascii_whitespace) => return Err(ParseError::NotAFeed("empty body".into())),
        None => return Err(ParseError::NotAFeed("neither XML nor JSON".into())),
        Some(Format::Json) => {
            let json = repair::normalize_json_feed(bytes, &mut repairs).map_err(ParseError::NotAFeed)?;
            parser(base).parse(&json[..]).map_err(|err| ParseError::Malformed(err.to_string()))?
        }
        Some(Format::Xml) => {
            let text = repair::xml_to_utf8(bytes, http_charset, &mut repairs);
            let text = repair::repair_entities(&text, &mut repairs);
            let text = repair::repair_root(text, &mut repairs);
            let mut text = person::guard_person_elements(text, &mut repairs);
            if let Cow::Owned(bounded) = bound_nesting(&text, MAX_MARKUP_DEPTH, Markup::Xml) {
                repairs.push(format!("elements nested deeper than {MAX_MARKUP_DEPTH} flattened"));
                text = bounded;
            }
            update_period = syndication_period(&text);
            parse_xml(text, base, &mut repairs)?
        }
    };
    Ok(convert(feed, base, update_period, repairs))
}

fn parser(base: Option<&Url>) -> feed_rs::parser::Parser {
    feed_rs::parser::Builder::new()
        .base_uri(base.map(Url::as_str))
        .id_generator(|_links, _title, _uri| NO_ID_MARKER.to_owned())
        .build()
}

fn parse_xml(mut text: String, base: Option<&Url>, repairs: &mut Vec<String>) -> Result<Feed, ParseError> {
    let mut salvaged = false;
    for _ in 0..MAX_ELEMENT_REPAIRS {
        let error = match parser(base).parse(text.as_bytes()) {
            Ok(feed) => return Ok(feed),
            Err(error) => error,
        };
        match &error {
            ParseFeedError::ParseError(
                ParseErrorKind::MissingContent { position, .. } | ParseErrorKind::UnknownMimeType { position, .. },
            ) => match repair::remove_element_at(&text, usize::try_from(*position).unwrap_or(usize::MAX)) {
                Some(fixed) => {
                    push_once(repairs, "unusable empty elements removed");
                    text = fixed;
                }
                None => return Err(ParseError::Malformed(error.to_string())),
            },
            ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => return Err(no_root(&text)),
            _ if !salvaged => match repair::salvage_truncated(&text) {
                Some(fixed) => {
                    salvaged = true;
                    repairs.push(format!("cut off after the last complete item ({error})"));
                    text = fixed;
                }
                None => return Err(ParseError::Malformed(error.to_string())),
            },
            _ => return Err(ParseError::Malformed(error.to_string())),
        }
    }
    Err(ParseError::Malformed(format!("more than {MAX_ELEMENT_REPAIRS} unusable elements")))
}

fn push_once(repairs: &mut Vec<String>, repair: &str) {
    if !repairs.iter().any(|r| r == repair) {
        repairs.push(repair.to_owned());
    }
}

/// A clear message for a document without an RSS, Atom or RDF root.
fn no_root(text: &str) -> ParseError {
    let head = text.trim_start().chars().take(300).collect::<String>().to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<head") {
        return ParseError::NotAFeed("an HTML page, not a feed".into());
    }
    let root: String = head.trim_start_matches('<').chars().take_while(|c| c.is_alphanumeric() || *c == ':').collect();
    ParseError::NotAFeed(format!("no RSS, Atom or RDF root element (found <{root}>)"))
}

/// `sy:updatePeriod` (hourly, daily, …) divided by `sy:updateFrequency`.
fn syndication_period(text: &str) -> Option<Duration> {
    let value_of = |tag: &str| {
        let at = text.find(&format!(":{tag}>"))?;
        let rest = &text[at + tag.len() + 2..];
        Some(rest[..rest.find('<')?].trim().to_ascii_lowercase())
    };
    let period = match value_of("updatePeriod")?.as_str() {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    };
    let frequency: u64 = value_of("updateFrequency").and_then(|f| f.parse().ok()).filter(|f| *f > 0).unwrap_or(1);
    Some(Duration::from_secs(period / frequency))
}

fn convert(feed: Feed, base: Option<&Url>, update_period: Option<Duration>, repairs: Vec<String>) -> ParsedFeed {
    let title = feed.title.map(|t| plain_text(&t)).filter(|t| !t.is_empty());
    let link_of = |rel: &str| {
        feed.links
            .iter()
            .filter(|l| l.rel.as_deref() == Some(rel))
            .filter_map(|l| resolve(&l.href, base))
            .collect::<Vec<_>>()
    };
    let hubs = link_of("hub");
    let self_link = link_of("self").into_iter().next();
    let hints = FeedHints {
        ttl: feed.ttl.filter(|minutes| *minutes > 0).map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
        update_period,
    };
    let generator = feed.generator.map(|g| g.content);
    let mut parsed = ParsedFeed {
        title,
        articles: Vec::with_capacity(feed.entries.len()),
        hints,
        hubs,
        self_link,
        generator,
        repairs,
        keyed_by_content: 0,
        skipped: 0,
    };
    let mut entries: Vec<(Entry, Option<Url>)> = feed
        .entries
        .into_iter()
        .map(|entry| (article_link(&entry, base).clone(), entry))
        .map(|(l, e)| (e, l))
        .collect();
    unique_guids(&mut entries);
    for (entry, link) in entries {
        match convert_entry(entry, link) {
            Some((article, by_content)) => {
                parsed.keyed_by_content += usize::from(by_content);
                parsed.articles.push(article);
            }
            None => parsed.skipped += 1,
        }
    }
    parsed
}

/// A guid shared by items with different links is not an identity in this
/// feed: those items are keyed by their links instead. (Across fetches a
/// guid keeps its article; a changed link is a correction of it.)
fn unique_guids(entries: &mut [(Entry, Option<Url>)]) {
    let mut links_per_guid: HashMap<String, Vec<Option<String>>> = HashMap::new();
    for (entry, link) in entries.iter() {
        if entry.id != NO_ID_MARKER {
            links_per_guid.entry(entry.id.trim().to_owned()).or_default().push(link.as_ref().map(normalize_link));
        }
    }
    for (entry, link) in entries.iter_mut() {
        let shared = links_per_guid.get(entry.id.trim()).is_some_and(|links| links.iter().any(|l| l != &links[0]));
        if shared && link.is_some() {
            entry.id = NO_ID_MARKER.to_owned();
        }
    }
}

/// Converts one entry; `None` if it has nothing to show or recognise it by.
/// The flag says it was keyed by content.
fn convert_entry(entry: Entry, link: Option<Url>) -> Option<(NewArticle, bool)> {
    let title = entry.title.as_ref().map(plain_text).unwrap_or_default();
    let summary_html = entry.summary.map(|s| s.content).filter(|s| !s.trim().is_empty());
    let content_html = entry.content.and_then(|c| c.body).filter(|s| !s.trim().is_empty());
    let mut by_content = false;
    let key = match ArticleKey::from_guid(&entry.id).filter(|_| entry.id != NO_ID_MARKER) {
        Some(key) => key,
        None => match &link {
            Some(link) => ArticleKey::from_link(link),
            None => {
                let text = summary_html.as_deref().or(content_html.as_deref()).unwrap_or_default();
                if title.is_empty() && text.trim().is_empty() {
                    return None;
                }
                by_content = true;
                ArticleKey::from_content(&title, text)
            }
        },
    };
    if title.is_empty() && summary_html.is_none() && content_html.is_none() && link.is_none() {
        return None;
    }
    let author = entry.authors.into_iter().filter_map(|a| a.name).map(|n| n.trim().to_owned()).find(|n| !n.is_empty());
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
            .or_else(|| media.thumbnails.first().and_then(|t| Url::parse(&t.image.uri).ok()))
    });
    let article = NewArticle {
        key,
        title,
        link,
        summary_html,
        content_html,
        author,
        categories,
        tags: vec![],
        page_photo: None,
        image_url: image_url.filter(|u| matches!(u.scheme(), "http" | "https")),
        published_at: entry.published.or(entry.updated),
    };
    Some((article, by_content))
}

/// Text of a feed-rs `Text`: plain, unless the feed says it is HTML.
fn plain_text(text: &feed_rs::model::Text) -> String {
    let is_html = matches!(text.content_type.subty().as_str(), "html" | "xhtml+xml" | "xhtml");
    let plain = if is_html { html_to_plain(&text.content) } else { text.content.clone() };
    // Invisible and direction-override characters go before whitespace is collapsed.
    crate::domain::strip_invisible(&plain).split_whitespace().collect::<Vec<_>>().join(" ")
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
    resolve(&link.href, base)
}

fn resolve(href: &str, base: Option<&Url>) -> Option<Url> {
    let href = href.trim();
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
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Kaltimtoday.co</title>
  <link>https://kaltimtoday.co</link>
  <atom:link href="https://kaltimtoday.co/feed/" rel="self" type="application/rss+xml" />
  <atom:link href="https://pubsubhubbub.appspot.com/" rel="hub" />
  <ttl>30</ttl>
  <sy:updatePeriod>hourly</sy:updatePeriod>
  <sy:updateFrequency>2</sy:updateFrequency>
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
    <description>Isi berita</description>
  </item>
</channel>
</rss>"#;

    fn base() -> Url {
        Url::parse("https://kaltimtoday.co/feed/").expect("url")
    }

    #[test]
    fn titles_lose_direction_overrides_and_zero_width_characters() {
        let text = "<rss version=\"2.0\"><channel><title>Kal&#x200B;tim&#xFEFF;</title>\
            <item><title>Tagihan&#x202E;fdp.exe &#x200D;&#x2066;Banjir&#x2069; &#x200B; Samarinda</title>\
            <link>https://x.id/1</link></item>\
            <item><title>Ra&#x200F;ja&#x202C;</title><link>https://x.id/2</link></item>\
            </channel></rss>";
        let feed = parse_feed(text.as_bytes(), None).expect("parses");
        assert_eq!(feed.title.as_deref(), Some("Kaltim"));
        let titles: Vec<_> = feed.articles.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["Tagihanfdp.exe Banjir Samarinda", "Raja"]);
    }

    #[test]
    fn maps_items_metadata_and_builds_stable_keys() {
        let feed = parse_feed(RSS.as_bytes(), Some(&base())).expect("parses");
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
        assert!(feed.articles[2].key.as_str().starts_with("content:"));
        assert_eq!(feed.keyed_by_content, 1);
        assert_eq!(feed.hints.ttl, Some(Duration::from_secs(1800)));
        assert_eq!(feed.hints.update_period, Some(Duration::from_secs(1800)));
        assert_eq!(feed.hubs, [Url::parse("https://pubsubhubbub.appspot.com/").expect("url")]);
        assert_eq!(feed.self_link, Some(base()));
    }

    #[test]
    fn a_corrected_title_keeps_the_key_and_keys_are_stable() {
        let corrected =
            RSS.replace("Banjir &amp; Longsor", "Banjir dan Longsor").replace("Tanpa guid<", "Tanpa guid (ralat)<");
        let before = parse_feed(RSS.as_bytes(), Some(&base())).expect("parses");
        let after = parse_feed(corrected.as_bytes(), Some(&base())).expect("parses");
        let again = parse_feed(RSS.as_bytes(), Some(&base())).expect("parses");
        let keys = |f: &ParsedFeed| f.articles.iter().map(|a| a.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&before)[..2], keys(&after)[..2]);
        assert_eq!(keys(&before), keys(&again));
    }

    #[test]
    fn a_guid_shared_by_different_links_is_not_an_identity() {
        let text = r#"<rss version="2.0"><channel><title>x</title>
            <item><title>A</title><link>https://x.id/a</link><guid>same</guid></item>
            <item><title>B</title><link>https://x.id/b</link><guid>same</guid></item>
            <item><title>C</title><link>https://x.id/c</link><guid>own</guid></item>
        </channel></rss>"#;
        let feed = parse_feed(text.as_bytes(), None).expect("parses");
        let keys: Vec<_> = feed.articles.iter().map(|a| a.key.as_str().to_owned()).collect();
        assert_eq!(keys, ["link:https://x.id/a", "link:https://x.id/b", "guid:own"]);
    }

    #[test]
    fn tolerates_what_real_feeds_do_wrong() {
        let messy = "  \n<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss>\n<channel><title>Not\u{ed}cias &amp; mais</title>\
                     <item><title>Caf\u{e9}&nbsp;com leite & p\u{e3}o</title><link>https://x.id/1</link>\
                     <media:description xmlns:media=\"http://search.yahoo.com/mrss/\"><![CDATA[]]></media:description></item>\
                     <item><title>Second</title><link>https://x.id/2</link></item>\
                     <item><title>Cut";
        let bytes: Vec<u8> = messy.chars().map(|c| c as u32 as u8).collect();
        let feed = parse_feed(&bytes, None).expect("repaired");
        assert_eq!(feed.title.as_deref(), Some("Notícias & mais"));
        let titles: Vec<_> = feed.articles.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["Café com leite & pão", "Second"]);
        assert!(feed.repairs.len() >= 4, "{:?}", feed.repairs);
    }

    #[test]
    fn reads_json_feed_and_gzip() {
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","url":"https://x.id/1","title":"Satu"}]}"#;
        let feed = parse_feed(json, None).expect("json feed");
        assert_eq!(feed.articles[0].key.as_str(), "guid:1");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, RSS.as_bytes()).expect("gzip");
        let gz = encoder.finish().expect("gzip");
        assert_eq!(parse_feed(&gz, None).expect("gzip feed").articles.len(), 3);
    }

    #[test]
    fn a_person_with_a_multi_byte_character_next_to_the_email_parses() {
        // feed-rs cuts one byte before or after the address it finds: inside « or ».
        for person in
            ["Budi \u{ab}budi@x.id\u{bb}", "\u{ab}budi@x.id\u{bb} Redaksi Kaltim", "Redaksi Kaltim\u{e9}.r@x.id"]
        {
            for element in ["author", "managingEditor", "webMaster", "dc:creator"] {
                let text = format!(
                    "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>T</title>\
                     <managingEditor>{person}</managingEditor><item><title>A</title><link>https://x.id/1</link>\
                     <{element}>{person}</{element}></item></channel></rss>"
                );
                let feed = parse_feed(text.as_bytes(), None).expect("parses");
                assert_eq!(feed.articles.len(), 1, "{element}: {person}");
            }
            let json = format!(
                r#"{{"version":"https://jsonfeed.org/version/1.1","title":"J","authors":[{{"name":"{person}"}}],
                    "items":[{{"id":"1","url":"https://x.id/1","title":"Satu","authors":[{{"name":"{person}"}}]}}]}}"#
            );
            let feed = parse_feed(json.as_bytes(), None).expect("json feed");
            assert_eq!(feed.articles.len(), 1, "json: {person}");
        }
    }

    #[test]
    fn what_is_not_a_feed_says_so() {
        let cases: [(&[u8], &str); 5] = [
            (b"<html><body>Not found</body></html>", "not a feed: an HTML page, not a feed"),
            (b"<!DOCTYPE html>\n<html></html>", "not a feed: an HTML page"),
            (b"", "not a feed: empty body"),
            (b"Service unavailable", "not a feed: neither XML nor JSON"),
            (br#"{"rss":{}}"#, "not a feed: JSON, but not a JSON Feed"),
        ];
        for (bytes, expected) in cases {
            let err = parse_feed(bytes, None).expect_err("not a feed");
            assert!(err.to_string().starts_with(expected), "{err}");
        }
        let err = parse_feed(b"<rss version=\"2.0\"><channel><title>T", None).expect_err("hopeless");
        assert!(err.to_string().starts_with("malformed feed"), "{err}");
    }
}

use chrono_tz::Tz;

use super::MESSAGE_LIMIT;
use super::markup::RichText;
use super::text::{decode_entities, excerpt, html_to_plain, truncate_chars};
use super::time::format_time;
use crate::domain::{Article, LinkButton, LinkPreview, NewArticle, NewPost, PostRenderer, fnv1a};
use crate::i18n::Lang;

/// Longest title shown; longer ones are cut at a word.
const TITLE_CHARS: usize = 250;
/// Longest source or author name shown.
const BYLINE_CHARS: usize = 100;

/// How posts look; built from `[format]` in the config.
#[derive(Debug, Clone)]
pub struct PostStyle {
    pub timezone: Tz,
    pub excerpt_chars: usize,
}

impl Default for PostStyle {
    fn default() -> Self {
        Self { timezone: chrono_tz::Asia::Makassar, excerpt_chars: 280 }
    }
}

impl PostRenderer for PostStyle {
    /// What readers see of an article: its title, the text its excerpt comes
    /// from, and its image. Markup-only changes do not count.
    fn fingerprint(&self, article: &NewArticle) -> String {
        let text = article.summary_html.as_deref().or(article.content_html.as_deref()).map(html_to_plain);
        let title = decode_entities(&article.title);
        let image = article.image_url.as_ref().map(url::Url::as_str).unwrap_or_default();
        let seen = format!("{}\u{1f}{}\u{1f}{image}", title.trim(), text.unwrap_or_default());
        format!("{:016x}", fnv1a(seen.as_bytes()))
    }

    fn render(&self, article: &Article) -> NewPost {
        render_article_post(article, self)
    }
}

/// Renders an article as a channel post (in Indonesian, the channel's language):
///
/// ```text
/// <b><a href="…">Title</a></b>
///
/// Excerpt…
///
/// <i>Source</i> · Author · 27 Nov 2026, 09.20 WITA
/// [Baca selengkapnya]
/// ```
///
/// Whatever the feed holds, the result is valid Telegram HTML within the
/// message limit.
pub fn render_article_post(article: &Article, style: &PostStyle) -> NewPost {
    let lang = Lang::Id;
    let body =
        article.summary_html.as_deref().or(article.content_html.as_deref()).map(html_to_plain).unwrap_or_default();
    let title = decode_entities(&article.title).split_whitespace().collect::<Vec<_>>().join(" ");
    let title = match title.as_str() {
        "" => truncate_chars(&body.replace('\n', " "), 80),
        t => t.to_owned(),
    };
    let title = truncate_chars(&title, TITLE_CHARS);
    let excerpt_limit = style.excerpt_chars.min(MESSAGE_LIMIT / 2);
    let summary = excerpt(&body.replace('\n', " "), excerpt_limit);

    let mut post = RichText::new();
    if !title.is_empty() {
        post.bold(|b| match &article.link {
            Some(link) => {
                b.link(link, |l| {
                    l.text(&title);
                });
            }
            None => {
                b.text(&title);
            }
        });
    }
    if !summary.is_empty() && summary != title {
        if !post.is_empty() {
            post.text("\n\n");
        }
        post.text(&summary);
    }
    if !post.is_empty() {
        post.text("\n\n");
    }
    post.italic(|i| {
        i.text(&truncate_chars(article.source_name.trim(), BYLINE_CHARS));
    });
    if let Some(author) = article.author.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        post.text(" · ").text(&truncate_chars(author, BYLINE_CHARS));
    }
    post.text(" · ").text(&format_time(article.display_time(), style.timezone, lang));
    debug_assert!(post.len() <= MESSAGE_LIMIT);

    let button = article
        .link
        .as_ref()
        .filter(|link| matches!(link.scheme(), "http" | "https"))
        .map(|link| LinkButton { text: lang.texts().read_more.to_owned(), url: link.clone() });
    let (html, plain) = post.into_parts();
    NewPost { html, plain, button, link_preview: LinkPreview::Disabled }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use url::Url;

    use super::*;
    use crate::domain::ArticleKey;

    fn article() -> Article {
        Article {
            id: 1,
            feed_id: 1,
            key: ArticleKey::from_guid("https://kaltimtoday.co/?p=1").expect("key"),
            title: "Banjir Rendam 3 Kecamatan di Samarinda, Warga <Mengungsi> & Bertahan".into(),
            link: Some(Url::parse("https://kaltimtoday.co/banjir-rendam-3-kecamatan/").expect("url")),
            summary_html: Some(
                "<p>Hujan deras sejak Selasa malam membuat air naik.&nbsp;Warga mengungsi [&#8230;]</p>".into(),
            ),
            content_html: None,
            author: Some("Redaksi".into()),
            categories: vec!["Samarinda".into()],
            image_url: None,
            published_at: Some(Utc.with_ymd_and_hms(2026, 11, 27, 1, 20, 0).single().expect("time")),
            seen_at: Utc.with_ymd_and_hms(2026, 11, 27, 1, 21, 0).single().expect("time"),
            source_name: "Kaltimtoday.co".into(),
        }
    }

    #[test]
    fn renders_the_default_layout() {
        let post = render_article_post(&article(), &PostStyle::default());
        assert_eq!(
            post.html,
            "<b><a href=\"https://kaltimtoday.co/banjir-rendam-3-kecamatan/\">Banjir Rendam 3 Kecamatan di Samarinda, \
             Warga &lt;Mengungsi&gt; &amp; Bertahan</a></b>\n\n\
             Hujan deras sejak Selasa malam membuat air naik. Warga mengungsi\n\n\
             <i>Kaltimtoday.co</i> · Redaksi · 27 Nov 2026, 09.20 WITA"
        );
        assert!(post.plain.starts_with("Banjir Rendam 3 Kecamatan di Samarinda, Warga <Mengungsi> & Bertahan\n\n"));
        let button = post.button.expect("button");
        assert_eq!(button.text, "Baca selengkapnya");
        assert_eq!(button.url.as_str(), "https://kaltimtoday.co/banjir-rendam-3-kecamatan/");
    }

    #[test]
    fn survives_missing_parts() {
        let mut bare = article();
        bare.title = "  ".into();
        bare.link = None;
        bare.author = None;
        bare.summary_html = None;
        bare.published_at = None;
        let post = render_article_post(&bare, &PostStyle::default());
        assert_eq!(post.html, "<i>Kaltimtoday.co</i> · 27 Nov 2026, 09.21 WITA");
        assert!(post.button.is_none());
    }

    #[test]
    fn long_fields_are_cut_to_fit() {
        let mut long = article();
        long.title = "Judul ".repeat(500);
        long.summary_html = Some(format!("<p>{}</p>", "Kalimat panjang sekali. ".repeat(2000)));
        long.source_name = "S".repeat(5000);
        long.author = Some("A".repeat(5000));
        let post = render_article_post(&long, &PostStyle { excerpt_chars: 2000, ..PostStyle::default() });
        assert!(crate::format::utf16_len(&post.plain) <= MESSAGE_LIMIT);
    }
}

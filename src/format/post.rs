//! Articles rendered as channel posts: the layout, hashtags, the sponsored
//! label, UTM links, the photo form, and the guarantee that Telegram accepts
//! the result.

use std::collections::HashMap;

use chrono_tz::Tz;
use url::Url;

use super::html::{Conversion, first_image, html_to_rich, is_icon_url};
use super::rich::{RichText, escape_html};
use super::template::RenderTemplate;
use super::text::{decode_entities, html_to_plain, one_line, truncate_chars};
use super::time::format_time;
use super::validate;
use super::{CAPTION_LIMIT, MESSAGE_LIMIT};
use crate::domain::{
    Article, LinkButton, LinkPreview, NewArticle, NewPost, PhotoPost, PostRenderer, SearchText, fnv1a,
};
use crate::domain::{Field, PhotoSource, StyleKey, Template};
use crate::i18n::Lang;

/// Longest title shown; longer ones are cut at a word.
const TITLE_UNITS: usize = 250;
/// Longest source or author name shown.
const BYLINE_UNITS: usize = 100;
/// Longest hashtag kept (longer ones are noise).
const HASHTAG_CHARS: usize = 30;
/// How much of an article's text search looks at.
const SEARCH_BODY_CHARS: usize = 2000;
/// An excerpt squeezed below this is dropped rather than shown as a stub.
const MIN_EXCERPT_UNITS: usize = 40;

/// How one channel wants its posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelStyle {
    pub link_preview: LinkPreview,
    pub silent: bool,
    /// Query parameters appended to article links (`utm_source=telegram`, …).
    pub utm: Vec<(String, String)>,
    /// Replaces the general sponsored label in this channel.
    pub sponsored_label: Option<String>,
    /// Overrides whether articles with an image go out as photos.
    pub images: Option<bool>,
    /// The language of the post's labels (button, times); the article is as written.
    pub lang: Lang,
    /// Breaking news: labelled on top, never silent.
    pub breaking: bool,
}

impl Default for ChannelStyle {
    fn default() -> Self {
        Self {
            link_preview: LinkPreview::Disabled,
            silent: false,
            utm: Vec::new(),
            sponsored_label: None,
            images: None,
            lang: Lang::Id,
            breaking: false,
        }
    }
}

/// The style of readers' private copies in English (Indonesian readers get the default).
pub const READER_STYLE_EN: &str = StyleKey::READER_ENGLISH;

/// The stored style key of a reader's private copies.
pub fn reader_style(lang: Lang) -> Option<&'static str> {
    match lang {
        Lang::Id => None,
        Lang::En => Some(StyleKey::READER_ENGLISH),
    }
}

/// How posts look; built from `[format]` and the channels in the config.
#[derive(Debug, Clone)]
pub struct PostStyle {
    pub timezone: Tz,
    pub excerpt_chars: usize,
    pub template: Template,
    pub max_hashtags: usize,
    /// Tags after the categories as hashtags (`format.tag_hashtags`).
    pub tag_hashtags: bool,
    /// Categories never shown as hashtags ("Uncategorized").
    pub hidden_categories: Vec<String>,
    /// Categories whose articles carry the sponsored label.
    pub sponsored_categories: Vec<String>,
    pub sponsored_label: String,
    /// Paragraphs containing any of these are removed (the site's promotions).
    pub remove_blocks: Vec<String>,
    /// Post articles with an image as photos.
    pub images: bool,
    /// Per-channel options, by the channel's style key.
    pub channels: HashMap<String, ChannelStyle>,
}

impl Default for PostStyle {
    fn default() -> Self {
        Self {
            timezone: chrono_tz::Asia::Makassar,
            excerpt_chars: 280,
            template: Template::default(),
            max_hashtags: 5,
            tag_hashtags: false,
            hidden_categories: vec!["Uncategorized".into(), "Tak Berkategori".into()],
            sponsored_categories: vec!["Advertorial".into()],
            sponsored_label: "📢 Advertorial".into(),
            remove_blocks: Vec::new(),
            images: true,
            channels: HashMap::new(),
        }
    }
}

impl PostStyle {
    /// The options of the chats of one style (`None`: the default).
    pub fn channel(&self, style: Option<&str>) -> ChannelStyle {
        match style.and_then(StyleKey::parse) {
            Some(StyleKey::ReaderEnglish) => ChannelStyle { lang: Lang::En, ..ChannelStyle::default() },
            Some(channel @ StyleKey::Channel(_)) => self.channels.get(&channel.stored()).cloned().unwrap_or_default(),
            None => ChannelStyle::default(),
        }
    }

    fn conversion<'a>(&'a self, base: Option<&'a Url>) -> Conversion<'a> {
        // Twice the excerpt is plenty to cut it at a sentence.
        Conversion { base, remove_blocks: &self.remove_blocks, enough_chars: Some(self.excerpt_chars * 2 + 100) }
    }
}

impl PostRenderer for PostStyle {
    /// What readers see of an article: its title, the text its excerpt comes
    /// from, and its image. Markup-only changes do not count.
    fn fingerprint(&self, article: &NewArticle) -> String {
        let text = article.summary_html.as_deref().or(article.content_html.as_deref()).map(html_to_plain);
        let title = decode_entities(&article.title);
        let image = article.image_url.as_ref().map(Url::as_str).unwrap_or_default();
        let seen = format!("{}\u{1f}{}\u{1f}{image}", title.trim(), text.unwrap_or_default());
        format!("{:016x}", fnv1a(seen.as_bytes()))
    }

    fn render(&self, article: &Article, style: Option<&str>) -> NewPost {
        render_article_post(article, self, &self.channel(style))
    }

    /// The title and the summary (else the content's lead) as plain text,
    /// without the site's promotions.
    fn search_text(&self, title: &str, summary_html: Option<&str>, content_html: Option<&str>) -> SearchText {
        let body = summary_html.filter(|s| !s.trim().is_empty()).or(content_html).map(|html| {
            let conversion =
                Conversion { base: None, remove_blocks: &self.remove_blocks, enough_chars: Some(SEARCH_BODY_CHARS) };
            html_to_rich(html, &conversion).plain().chars().take(SEARCH_BODY_CHARS).collect()
        });
        SearchText { title: one_line(&decode_entities(title)), body: body.unwrap_or_default() }
    }
}

/// Renders an article as a post for a channel, with labels in the channel's
/// language. Whatever the feed holds, the text fits Telegram's message
/// limit, the caption its caption limit, and both are valid Telegram HTML.
pub fn render_article_post(article: &Article, style: &PostStyle, channel: &ChannelStyle) -> NewPost {
    let lang = channel.lang;
    let link =
        article.link.as_ref().filter(|l| matches!(l.scheme(), "http" | "https")).map(|l| with_utm(l, &channel.utm));
    let mut values = fields(article, style, channel, link.as_ref(), lang);
    let excerpt = excerpt_source(article, style, link.as_ref(), &values);

    let (html, plain) = fit(&style.template, &mut values, &excerpt, style.excerpt_chars, MESSAGE_LIMIT);
    let photo =
        if channel.images.unwrap_or(style.images) { image_of(article, link.as_ref()) } else { None }.map(|url| {
            let (caption_html, caption_plain) =
                fit(&style.template, &mut values, &excerpt, style.excerpt_chars.min(CAPTION_LIMIT / 2), CAPTION_LIMIT);
            PhotoPost { source: PhotoSource::Web(url), caption_html, caption_plain }
        });
    let button = link.clone().map(|url| LinkButton { text: lang.texts().read_more.to_owned(), url });
    let silent = channel.silent && !channel.breaking;
    NewPost { html, plain, photo, button, link_preview: channel.link_preview, silent }
}

/// Everything the layout shows except the excerpt.
fn fields(
    article: &Article,
    style: &PostStyle,
    channel: &ChannelStyle,
    link: Option<&Url>,
    lang: Lang,
) -> HashMap<Field, RichText> {
    let mut values = HashMap::new();
    let title = one_line(&decode_entities(&article.title));
    let title = truncate_chars(&title, TITLE_UNITS);
    let mut title_text = RichText::new();
    title_text.bold(|b| match link {
        Some(link) => {
            b.link(link, |l| {
                l.text(&title);
            });
        }
        None => {
            b.text(&title);
        }
    });
    if channel.breaking {
        let mut label = RichText::new();
        label.bold(|b| {
            b.text(lang.newsroom().breaking_label);
        });
        if style.template.has(Field::Label) {
            values.insert(Field::Label, label);
        } else {
            // A layout without {label} still shows that this is breaking news.
            label.text("\n").append(title_text);
            title_text = label;
        }
        values.insert(Field::Title, title_text);
    } else if sponsored(article, style) {
        values.insert(Field::Title, title_text);
        let label = channel.sponsored_label.as_deref().unwrap_or(&style.sponsored_label);
        let mut text = RichText::new();
        text.bold(|b| {
            b.text(&truncate_chars(label, BYLINE_UNITS));
        });
        values.insert(Field::Label, text);
    } else {
        values.insert(Field::Title, title_text);
    }
    values.insert(Field::Source, plain(&truncate_chars(&one_line(&article.source_name), BYLINE_UNITS)));
    if let Some(author) = article.author.as_deref().map(one_line).filter(|a| !a.is_empty()) {
        values.insert(Field::Author, plain(&truncate_chars(&author, BYLINE_UNITS)));
    }
    values.insert(Field::Time, plain(&format_time(article.display_time(), style.timezone, lang)));
    let tags = if style.tag_hashtags {
        hashtags(&[article.categories.as_slice(), article.tags.as_slice()].concat(), style)
    } else {
        hashtags(&article.categories, style)
    };
    if !tags.is_empty() {
        values.insert(Field::Hashtags, plain(&tags.join(" ")));
    }
    if let Some(category) = visible_categories(&article.categories, style).next() {
        values.insert(Field::Category, plain(&truncate_chars(category, BYLINE_UNITS)));
    }
    if let Some(link) = link {
        values.insert(Field::Link, plain(link.as_str()));
    }
    values
}

fn plain(text: &str) -> RichText {
    RichText::plain_text(text)
}

/// The article text the excerpt is cut from: the summary, converted,
/// boilerplate removed; if nothing is left of it (or it only repeats the
/// title), the content. Empty only when the article has no other text.
fn excerpt_source(
    article: &Article,
    style: &PostStyle,
    base: Option<&Url>,
    values: &HashMap<Field, RichText>,
) -> RichText {
    let title = values.get(&Field::Title).map(RichText::plain).unwrap_or_default();
    [article.summary_html.as_deref(), article.content_html.as_deref()]
        .into_iter()
        .flatten()
        .map(|html| html_to_rich(html, &style.conversion(base)))
        .find(|excerpt| !excerpt.plain().trim().is_empty() && one_line(&excerpt.plain()) != title)
        .unwrap_or_default()
}

/// Lays the post out within `limit`: the excerpt is shortened first (down to
/// nothing), then the whole post is cut. The result is validated; should it
/// ever fail (a formatter bug), plain text goes out instead.
fn fit(
    template: &Template,
    values: &mut HashMap<Field, RichText>,
    excerpt: &RichText,
    excerpt_units: usize,
    limit: usize,
) -> (String, String) {
    let mut budget = excerpt_units;
    let rich = loop {
        values.insert(Field::Excerpt, excerpt.truncated(budget));
        let rich = template.render(values).trimmed().normalized();
        let length = rich.len();
        if length <= limit || budget == 0 {
            break rich;
        }
        let shorter = budget.saturating_sub(length - limit + 1);
        budget = if shorter < MIN_EXCERPT_UNITS { 0 } else { shorter };
    };
    let rich = if rich.len() > limit { rich.truncated(limit).normalized() } else { rich };
    let (html, plain) = rich.into_parts();
    match validate::check(&html, limit, true) {
        Ok(_) => (html, plain),
        Err(_) => {
            let plain = truncate_chars(&plain, limit);
            (escape_html(&plain), plain)
        }
    }
}

/// The image to post: the feed's (media:content, enclosure, thumbnail), else
/// the first `<img>` of the article, else the photo found on its page.
fn image_of(article: &Article, base: Option<&Url>) -> Option<Url> {
    if let Some(url) = article.image_url.as_ref().filter(|url| !is_icon_url(url)) {
        return Some(url.clone());
    }
    [article.content_html.as_deref(), article.summary_html.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|html| first_image(html, base.or(article.link.as_ref())))
        .or_else(|| article.page_photo.clone().filter(|url| !is_icon_url(url)))
}

fn sponsored(article: &Article, style: &PostStyle) -> bool {
    article
        .categories
        .iter()
        .any(|c| style.sponsored_categories.iter().any(|s| s.trim().eq_ignore_ascii_case(c.trim())))
}

fn visible_categories<'a>(categories: &'a [String], style: &'a PostStyle) -> impl Iterator<Item = &'a str> {
    categories
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .filter(|c| !style.hidden_categories.iter().any(|h| h.trim().eq_ignore_ascii_case(c)))
}

/// `#Samarinda #BencanaAlam`: spaces and punctuation removed, all-digit,
/// over-long and repeated tags dropped, at most `max_hashtags`.
pub fn hashtags(categories: &[String], style: &PostStyle) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut tags = Vec::new();
    for category in visible_categories(categories, style) {
        let tag: String = decode_entities(category).chars().filter(|c| c.is_alphanumeric() || *c == '_').collect();
        let usable = !tag.is_empty()
            && !tag.chars().all(|c| c.is_ascii_digit() || c == '_')
            && tag.chars().count() <= HASHTAG_CHARS;
        let folded = tag.to_lowercase();
        if usable && !seen.contains(&folded) {
            seen.push(folded);
            tags.push(format!("#{tag}"));
        }
        if tags.len() >= style.max_hashtags {
            break;
        }
    }
    tags
}

/// The article link with the channel's UTM parameters (replacing any it had).
pub fn with_utm(link: &Url, utm: &[(String, String)]) -> Url {
    if utm.is_empty() {
        return link.clone();
    }
    let mut url = link.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !utm.iter().any(|(key, _)| key == name))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut().clear().extend_pairs(kept).extend_pairs(utm.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    url
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::ArticleKey;
    use crate::format::utf16_len;

    fn article() -> Article {
        Article {
            id: 1,
            feed_id: 1,
            key: ArticleKey::from_guid("https://kaltimtoday.co/?p=1").expect("key"),
            title: "Banjir Rendam 3 Kecamatan di Samarinda, Warga <Mengungsi> & Bertahan".into(),
            link: Some(Url::parse("https://kaltimtoday.co/banjir-rendam-3-kecamatan/").expect("url")),
            summary_html: Some(
                "<p>Hujan deras sejak Selasa malam membuat air naik.&nbsp;Warga mengungsi [&#8230;]</p>\
                 <p>The post <a href=\"https://kaltimtoday.co/x\">X</a> appeared first on Kaltimtoday.co.</p>"
                    .into(),
            ),
            content_html: None,
            author: Some("Redaksi".into()),
            categories: vec!["Samarinda".into(), "Bencana Alam".into(), "Uncategorized".into()],
            tags: vec![],
            page_photo: None,
            image_url: None,
            published_at: Some(Utc.with_ymd_and_hms(2026, 11, 27, 1, 20, 0).single().expect("time")),
            seen_at: Utc.with_ymd_and_hms(2026, 11, 27, 1, 21, 0).single().expect("time"),
            source_name: "Kaltimtoday.co".into(),
        }
    }

    fn render(article: &Article) -> NewPost {
        render_article_post(article, &PostStyle::default(), &ChannelStyle::default())
    }

    #[test]
    fn renders_the_default_layout() {
        let post = render(&article());
        assert_eq!(
            post.html,
            "<b><a href=\"https://kaltimtoday.co/banjir-rendam-3-kecamatan/\">Banjir Rendam 3 Kecamatan di Samarinda, \
             Warga &lt;Mengungsi&gt; &amp; Bertahan</a></b>\n\n\
             Hujan deras sejak Selasa malam membuat air naik. Warga mengungsi\n\n\
             Kaltimtoday.co · Redaksi · 27 Nov 2026, 09.20 WITA\n#Samarinda #BencanaAlam"
        );
        let button = post.button.expect("button");
        assert_eq!(
            (button.text.as_str(), button.url.as_str()),
            ("Baca selengkapnya", "https://kaltimtoday.co/banjir-rendam-3-kecamatan/")
        );
        assert_eq!((post.photo, post.link_preview, post.silent), (None, LinkPreview::Disabled, false));
    }

    #[test]
    fn an_excerpt_left_empty_by_boilerplate_removal_falls_back_to_the_content() {
        let mut advertorial = article();
        advertorial.categories = vec!["Advertorial".into()];
        advertorial.summary_html = Some("Dapatkan update berita pilihan dan breaking news setiap hari".into());
        advertorial.content_html = Some(
            "<p>Dapatkan update berita pilihan dan breaking news setiap hari</p>\
             <p>[RWT | ADV DISKOMINFO KUKAR] Pemkab Kukar meresmikan jembatan.</p>"
                .into(),
        );
        let style = PostStyle { remove_blocks: vec!["Dapatkan update berita pilihan".into()], ..PostStyle::default() };
        let post = render_article_post(&advertorial, &style, &ChannelStyle::default());
        assert!(post.html.contains("Pemkab Kukar meresmikan jembatan."), "{}", post.html);
    }

    #[test]
    fn tags_are_hashtags_only_when_configured_and_after_the_categories() {
        let mut tagged = article();
        tagged.categories = vec!["Samarinda".into()];
        tagged.tags = vec!["PLN".into(), "Banjir".into()];
        assert!(render(&tagged).html.ends_with("#Samarinda"), "{}", render(&tagged).html);
        let style = PostStyle { tag_hashtags: true, max_hashtags: 2, ..PostStyle::default() };
        let post = render_article_post(&tagged, &style, &ChannelStyle::default());
        assert!(post.html.ends_with("#Samarinda #PLN"), "{}", post.html);
    }

    #[test]
    fn an_emoji_image_is_not_the_photo() {
        let mut flash = article();
        flash.title = "⚡ Listrik padam di Samarinda".into();
        flash.content_html = Some(
            r#"<p><img src="https://s.w.org/images/core/emoji/14.0.0/72x72/26a1.png" alt="⚡" class="wp-smiley" /> Listrik padam.</p>"#
                .into(),
        );
        assert_eq!(render(&flash).photo, None);
        flash.image_url = Some(Url::parse("https://s.w.org/images/core/emoji/14.0.0/72x72/26a1.png").expect("url"));
        assert_eq!(render(&flash).photo, None, "not from the feed's media either");
    }

    #[test]
    fn survives_missing_parts() {
        let mut bare = article();
        bare.title = "  ".into();
        bare.link = None;
        bare.author = None;
        bare.summary_html = None;
        bare.published_at = None;
        bare.categories.clear();
        let post = render(&bare);
        assert_eq!(post.html, "Kaltimtoday.co · 27 Nov 2026, 09.21 WITA");
        assert!(post.button.is_none());
    }

    #[test]
    fn english_readers_get_english_labels() {
        let style = PostStyle { images: false, ..PostStyle::default() };
        let english = style.render(&article(), reader_style(Lang::En));
        assert_eq!(english.button.expect("button").text, "Read more");
        let indonesian = style.render(&article(), reader_style(Lang::Id));
        assert_eq!(indonesian.button.expect("button").text, "Baca selengkapnya");
    }

    #[test]
    fn breaking_articles_are_labelled_and_never_silent() {
        let channel = ChannelStyle { silent: true, breaking: true, ..ChannelStyle::default() };
        let post = render_article_post(&article(), &PostStyle::default(), &channel);
        assert!(post.html.starts_with("<b>🔴 BERITA TERKINI</b>\n<b><a href="), "{}", post.html);
        assert!(!post.silent);
        // A layout without {label} still says so, above the title.
        let style =
            PostStyle { template: Template::parse("{title}\n\n{excerpt}").expect("layout"), ..PostStyle::default() };
        let english = ChannelStyle { lang: Lang::En, ..channel };
        let post = render_article_post(&article(), &style, &english);
        assert!(post.plain.starts_with("🔴 BREAKING NEWS\n"), "{}", post.plain);
    }

    #[test]
    fn channel_options_apply() {
        let mut sponsored = article();
        sponsored.categories = vec!["Advertorial".into()];
        let channel = ChannelStyle {
            link_preview: LinkPreview::Large,
            silent: true,
            utm: vec![("utm_source".into(), "telegram".into()), ("utm_medium".into(), "channel".into())],
            sponsored_label: Some("IKLAN".into()),
            images: None,
            lang: Lang::Id,
            breaking: false,
        };
        let post = render_article_post(&sponsored, &PostStyle::default(), &channel);
        assert!(post.html.starts_with("<b>IKLAN</b>\n<b><a href=\"https://kaltimtoday.co/banjir-rendam-3-kecamatan/?utm_source=telegram&amp;utm_medium=channel\">"), "{}", post.html);
        assert_eq!(
            post.button.expect("button").url.as_str(),
            "https://kaltimtoday.co/banjir-rendam-3-kecamatan/?utm_source=telegram&utm_medium=channel"
        );
        assert_eq!((post.link_preview, post.silent), (LinkPreview::Large, true));
    }

    #[test]
    fn hashtags_are_cleaned_deduplicated_and_capped() {
        let style = PostStyle { max_hashtags: 3, ..PostStyle::default() };
        let categories: Vec<String> = [
            "Bencana Alam",
            "bencana-alam",
            "2026",
            "Ekonomi &amp; Bisnis",
            "Uncategorized",
            &"x".repeat(40),
            "Kutai Kartanegara",
            "Olahraga",
        ]
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
        assert_eq!(hashtags(&categories, &style), ["#BencanaAlam", "#EkonomiBisnis", "#KutaiKartanegara"]);
    }

    #[test]
    fn articles_with_images_get_a_caption_within_the_limit() {
        let mut long = article();
        long.summary_html = Some(format!("<p>{}</p>", "Kalimat panjang tentang banjir. ".repeat(200)));
        long.content_html = Some("<p><img src=\"/wp-content/uploads/banjir.jpg\"></p>".into());
        let style = PostStyle { excerpt_chars: 2000, ..PostStyle::default() };
        let post = render_article_post(&long, &style, &ChannelStyle::default());
        let photo = post.photo.expect("a photo post");
        assert_eq!(photo.web_url().map(Url::as_str), Some("https://kaltimtoday.co/wp-content/uploads/banjir.jpg"));
        assert!(utf16_len(&photo.caption_plain) <= CAPTION_LIMIT, "{}", utf16_len(&photo.caption_plain));
        assert!(
            photo.caption_plain.contains("Kaltimtoday.co · Redaksi"),
            "the byline survives: {}",
            photo.caption_plain
        );
        assert!(photo.caption_plain.contains('…'), "the excerpt was shortened");
        assert!(utf16_len(&post.plain) <= MESSAGE_LIMIT);
        let no_images =
            render_article_post(&long, &style, &ChannelStyle { images: Some(false), ..ChannelStyle::default() });
        assert!(no_images.photo.is_none());
    }

    #[test]
    fn long_fields_are_cut_to_fit() {
        let mut long = article();
        long.title = "Judul ".repeat(500);
        long.summary_html = Some(format!("<p>{}</p>", "Kalimat panjang sekali. ".repeat(2000)));
        long.source_name = "S".repeat(5000);
        long.author = Some("A".repeat(5000));
        long.categories = (0..500).map(|n| format!("Kategori{n}")).collect();
        long.image_url = Some(Url::parse("https://kaltimtoday.co/a.jpg").expect("url"));
        let post = render_article_post(
            &long,
            &PostStyle { excerpt_chars: 2000, ..PostStyle::default() },
            &ChannelStyle::default(),
        );
        assert!(utf16_len(&post.plain) <= MESSAGE_LIMIT);
        let caption = post.photo.expect("photo").caption_plain;
        assert!(utf16_len(&caption) <= CAPTION_LIMIT, "{}", utf16_len(&caption));
    }

    #[test]
    fn utm_parameters_replace_existing_ones() {
        let link = Url::parse("https://kaltimtoday.co/a/?p=1&utm_source=rss").expect("url");
        let utm = [("utm_source".to_owned(), "telegram".to_owned())];
        assert_eq!(with_utm(&link, &utm).as_str(), "https://kaltimtoday.co/a/?p=1&utm_source=telegram");
        assert_eq!(with_utm(&link, &[]), link);
    }
}

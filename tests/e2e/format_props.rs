//! Property tests: whatever a feed holds — broken tags, stray `<` and `&`,
//! emoji and other astral characters, RTL text, control characters, 100 KB
//! bodies — the rendered post is valid Telegram HTML within limits, as judged
//! by the fake Bot API's own parser (not the formatter's).

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use url::Url;
use warta::domain::{Article, ArticleKey, LinkPreview};
use warta::format::{
    ArticleList, ChannelStyle, PostStyle, render_article_list, render_article_post, render_category_picker,
};
use warta::i18n::Lang;

use crate::support::telegram_html;

/// Checks `html` as Telegram would, and that its plain twin is exactly what
/// Telegram would show.
fn assert_valid(html: &str, plain: &str, limit: usize) -> Result<(), TestCaseError> {
    let parsed = telegram_html::parse(html).map_err(|e| TestCaseError::fail(format!("{e}\nin: {html:?}")))?;
    prop_assert!(
        telegram_html::utf16_len(&parsed.text) <= limit,
        "{} > {limit}",
        telegram_html::utf16_len(&parsed.text)
    );
    prop_assert!(!parsed.text.trim().is_empty(), "empty text from {html:?}");
    prop_assert!(parsed.entities.len() <= 100, "{} entities", parsed.entities.len());
    prop_assert_eq!(parsed.text, plain);
    Ok(())
}

/// Text with the characters that break naive formatters.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("&".to_owned()),
        Just("&amp;".to_owned()),
        Just("&nbsp;".to_owned()),
        Just("&#8230;".to_owned()),
        Just("&#xD800;".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("😀".to_owned()),
        Just("👨‍👩‍👧".to_owned()),
        Just("𝕏".to_owned()),
        Just("مرحبا".to_owned()),
        Just("\u{202e}".to_owned()),
        Just("\u{200b}".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{7}".to_owned()),
        Just("\n".to_owned()),
        Just("\t".to_owned()),
        Just(" ".to_owned()),
        Just(". ".to_owned()),
        Just("Banjir".to_owned()),
        Just("Samarinda".to_owned()),
        "[a-zA-Z]{1,12}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..40).prop_map(|parts| parts.concat())
}

/// HTML fragments: real tags, unsupported tags, broken and unbalanced ones.
fn hostile_html() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        hostile_text(),
        Just("<br>".to_owned()),
        Just("<img src=\"/a.jpg\">".to_owned()),
        Just("<b>".to_owned()),
        Just("</i>".to_owned()),
        Just("<a href=\"javascript:x\">".to_owned()),
        Just("<!-- komentar -->".to_owned()),
        Just("<![CDATA[ x ]]>".to_owned()),
        Just("<script>alert('<b>')</script>".to_owned()),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        let tag = prop_oneof![
            Just("p"),
            Just("b"),
            Just("strong"),
            Just("i"),
            Just("em"),
            Just("u"),
            Just("s"),
            Just("code"),
            Just("pre"),
            Just("blockquote"),
            Just("ul"),
            Just("ol"),
            Just("li"),
            Just("h2"),
            Just("div"),
            Just("span"),
            Just("table"),
            Just("td"),
            Just("figure"),
            Just("figcaption"),
            Just("iframe"),
            Just("tg-spoiler"),
        ];
        let link = "[a-z/]{0,10}".prop_map(|path| format!("https://kaltimtoday.co/{path}"));
        prop_oneof![
            (tag, prop::collection::vec(inner.clone(), 0..4))
                .prop_map(|(t, children)| format!("<{t}>{}</{t}>", children.concat())),
            (link, prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(href, children)| format!("<a href=\"{href}\">{}</a>", children.concat())),
            prop::collection::vec(inner, 0..4).prop_map(|children| children.concat()),
        ]
    })
}

fn article(
    title: String,
    summary: Option<String>,
    content: Option<String>,
    author: Option<String>,
    categories: Vec<String>,
    image: bool,
) -> Article {
    Article {
        id: 1,
        feed_id: 1,
        key: ArticleKey::from_title("x"),
        title,
        link: Some(Url::parse("https://kaltimtoday.co/berita/").expect("url")),
        summary_html: summary,
        content_html: content,
        author,
        categories,
        tags: vec![],
        page_photo: None,
        image_url: image.then(|| Url::parse("https://kaltimtoday.co/a.jpg").expect("url")),
        published_at: Some(Utc.with_ymd_and_hms(2026, 11, 27, 1, 20, 0).single().expect("time")),
        seen_at: Utc.with_ymd_and_hms(2026, 11, 27, 1, 21, 0).single().expect("time"),
        source_name: "Kaltimtoday.co".into(),
    }
}

fn channel() -> ChannelStyle {
    ChannelStyle {
        link_preview: LinkPreview::Small,
        utm: vec![("utm_source".into(), "tele&gram\"<x>".into())],
        ..ChannelStyle::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_article_renders_to_a_valid_post(
        title in hostile_text(),
        summary in prop::option::of(hostile_html()),
        content in prop::option::of(hostile_html()),
        author in prop::option::of(hostile_text()),
        categories in prop::collection::vec(hostile_text(), 0..12),
        image in any::<bool>(),
        excerpt_chars in 40usize..2000,
    ) {
        let style = PostStyle { excerpt_chars, ..PostStyle::default() };
        let post = render_article_post(&article(title, summary, content, author, categories, image), &style, &channel());
        assert_valid(&post.html, &post.plain, 4096)?;
        if let Some(photo) = &post.photo {
            assert_valid(&photo.caption_html, &photo.caption_plain, 1024)?;
        }
    }
}

proptest! {
    // Each case renders up to 20 titles.
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    #[test]
    fn article_lists_of_hostile_titles_stay_valid(
        titles in prop::collection::vec(hostile_text(), 1..20),
        heading in hostile_text(),
        subtitle in prop::option::of(hostile_text()),
        footer in prop::option::of(hostile_text()),
        first_number in 1usize..100_000,
    ) {
        let articles: Vec<Article> = titles.into_iter().map(|t| article(t, None, None, None, vec![], false)).collect();
        let list = ArticleList {
            title: &heading,
            subtitle: subtitle.as_deref(),
            first_number,
            articles: &articles,
            footer: footer.as_deref(),
            empty: &heading,
        };
        let reply = render_article_list(&list, chrono_tz::Asia::Makassar, Lang::Id);
        assert_valid(&reply.html, &reply.plain, 4096)?;
    }

    #[test]
    fn category_pickers_of_hostile_names_stay_valid(
        names in prop::collection::vec(hostile_text(), 0..30),
        subscribed in any::<bool>(),
    ) {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let reply = render_category_picker(&names, subscribed, true, Lang::En);
        assert_valid(&reply.html, &reply.plain, 4096)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn hundred_kilobyte_bodies_render_within_limits(paragraph in hostile_html(), title in hostile_text()) {
        let mut body = String::new();
        while body.len() < 100 * 1024 {
            body.push_str("<p>");
            body.push_str(&paragraph);
            body.push_str(" Kalimat berita yang panjang tentang banjir di Samarinda.</p>");
        }
        let style = PostStyle { excerpt_chars: 2000, ..PostStyle::default() };
        let post = render_article_post(&article(title, None, Some(body), None, vec![], true), &style, &channel());
        assert_valid(&post.html, &post.plain, 4096)?;
        let photo = post.photo.expect("an image was given");
        assert_valid(&photo.caption_html, &photo.caption_plain, 1024)?;
    }
}

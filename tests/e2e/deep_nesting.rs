//! A feed item nested absurdly deep (HTML in an RSS description, Atom
//! `type="xhtml"` content) goes through the whole feed → post path on a
//! 2 MiB stack — the size of a tokio worker's — without overflowing it, in
//! bounded time, and renders to valid Telegram HTML.

use std::time::{Duration, Instant};

use chrono::Utc;
use proptest::prelude::*;
use warta::domain::Article;
use warta::feed::parse_feed;
use warta::format::{ChannelStyle, MESSAGE_LIMIT, PostStyle, render_article_post};

use crate::support::telegram_html;

/// A tokio worker thread's default stack.
const WORKER_STACK: usize = 2 * 1024 * 1024;

fn nested(open: &str, close: &str, depth: usize, inner: &str) -> String {
    let mut html = String::with_capacity((open.len() + close.len()) * depth + inner.len());
    for _ in 0..depth {
        html.push_str(open);
    }
    html.push_str(inner);
    for _ in 0..depth {
        html.push_str(close);
    }
    html
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn rss_with_description(html: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title><link>https://example.com/</link>
<item><title>Dalam sekali</title><link>https://example.com/dalam</link><guid>dalam</guid><description>{}</description></item>
</channel></rss>"#,
        escape_xml(html)
    )
}

fn atom_with_xhtml(depth: usize) -> String {
    let body = nested("<div>", "</div>", depth, "Isi berita yang sangat dalam.");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id><updated>2026-12-01T00:00:00Z</updated>
<entry><title>Dalam sekali</title><id>urn:dalam</id><link href="https://example.com/dalam"/><updated>2026-12-01T00:00:00Z</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{body}</div></content></entry></feed>"#
    )
}

/// Parses, renders and validates `feed` on a worker-sized stack; returns the
/// post's plain text and how long it took.
fn through_the_pipeline(feed: String) -> (String, Duration) {
    std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(move || {
            let started = Instant::now();
            let parsed = parse_feed(feed.as_bytes(), None).expect("the feed parses");
            let new = parsed.articles.into_iter().next().expect("one item");
            let article = Article::from_new(new, 1, 1, Utc::now(), "Sumber".to_owned());
            let post = render_article_post(&article, &PostStyle::default(), &ChannelStyle::default());
            let parsed_html = telegram_html::parse(&post.html).expect("valid Telegram HTML");
            assert!(telegram_html::utf16_len(&parsed_html.text) <= MESSAGE_LIMIT);
            assert_eq!(parsed_html.text, post.plain);
            (post.plain, started.elapsed())
        })
        .expect("spawn")
        .join()
        .expect("the pipeline did not crash")
}

#[test]
fn hundred_thousand_nested_divs_in_a_description() {
    let html = nested("<div>", "</div>", 100_000, "Banjir di Samarinda.");
    let (plain, took) = through_the_pipeline(rss_with_description(&html));
    assert!(plain.contains("Banjir di Samarinda."), "{plain}");
    eprintln!("100,000 nested <div>: {took:?}");
}

#[test]
fn hundred_thousand_nested_bold_italic_in_a_description() {
    let html = nested("<b><i>", "</i></b>", 50_000, "Banjir di Samarinda.");
    let (plain, took) = through_the_pipeline(rss_with_description(&html));
    assert!(plain.contains("Banjir di Samarinda."), "{plain}");
    eprintln!("100,000 nested <b><i>: {took:?}");
}

#[test]
fn hundred_thousand_deep_atom_xhtml_content() {
    let (plain, took) = through_the_pipeline(atom_with_xhtml(100_000));
    assert!(plain.contains("Isi berita yang sangat dalam."), "{plain}");
    eprintln!("100,000-deep Atom xhtml: {took:?}");
}

fn tag() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop_oneof![
        Just(("<div>", "</div>")),
        Just(("<b>", "</b>")),
        Just(("<i>", "</i>")),
        Just(("<a href=\"https://example.com/x\">", "</a>")),
        Just(("<blockquote>", "</blockquote>")),
        Just(("<ul><li>", "</li></ul>")),
        Just(("<p>", "</p>")),
        Just(("<span>", "")),
        Just(("<pre><code>", "</code></pre>")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Mixed tags, unclosed ones among them, up to 100,000 levels, with text
    /// at random depths.
    #[test]
    fn adversarial_nesting_renders_valid_posts(
        layers in proptest::collection::vec((tag(), 1usize..4_000, "[a-zA-Z &<>]{0,12}"), 1..25),
    ) {
        let mut open = String::new();
        let mut close = Vec::new();
        for ((start, end), repeat, text) in &layers {
            for _ in 0..*repeat {
                open.push_str(start);
            }
            open.push_str(&text.replace('&', "&amp;").replace('<', "&lt;"));
            close.push((end, *repeat));
        }
        open.push_str("Akhir.");
        for (end, repeat) in close.iter().rev() {
            for _ in 0..*repeat {
                open.push_str(end);
            }
        }
        let (_, took) = through_the_pipeline(rss_with_description(&open));
        prop_assert!(took < Duration::from_secs(20), "took {took:?}");
    }
}

/// The crash loop of issue 12: an item of 5,000 nested `<div>` (and one of
/// 5,000 `<b><i>`) in the watched feed, next to an ordinary new item. The
/// process stays up, the articles are posted once, and a restart reads the
/// same feed without crashing or posting again.
#[tokio::test]
async fn a_deeply_nested_item_neither_kills_warta_nor_blocks_the_feed() {
    use crate::support::app::FEED_PATH;
    use crate::support::{CHANNEL_ID, Item, TestEnv, rss};

    let env = TestEnv::start().await;
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(1)]));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;

    let mut divs = Item::numbered(2);
    divs.description = nested("<div>", "</div>", 5_000, "Banjir di Samarinda meluas.");
    let mut bold = Item::numbered(3);
    bold.description = nested("<b><i>", "</i></b>", 5_000, "Jalan poros ditutup.");
    let items = [Item::numbered(4), bold, divs, Item::numbered(1)];
    env.feeds.set_feed(FEED_PATH, &rss(&items));
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 3).await;
    assert!(posts[0].text.contains("Banjir di Samarinda meluas."), "{}", posts[0].text);
    assert!(posts[1].text.contains("Jalan poros ditutup."), "{}", posts[1].text);
    assert!(posts[2].text.starts_with("Berita nomor 4:"), "{}", posts[2].text);
    let (status, log) = app.stop().await;
    assert!(status.success(), "Warta must survive the item: {status:?}\n{log}");

    env.feeds.set_feed(FEED_PATH, &rss(&items));
    let app = env.spawn();
    let seen = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, seen + 2).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 3, "nothing posted twice");
    let (status, log) = app.stop().await;
    assert!(status.success(), "{status:?}\n{log}");
}

//! Photo posts and channel options end to end: an article with an image goes
//! out as a photo with its caption; if Telegram cannot fetch the image, Warta
//! uploads it; if that fails too, the article goes out as text.

use std::time::Duration;

use serde_json::json;

use crate::support::app::FEED_PATH;
use crate::support::{Answer, CHANNEL, CHANNEL_ID, Failure, Item, TestEnv, rss};

/// A tiny JPEG (the magic bytes are what matter here).
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];

async fn primed(env: &TestEnv) -> crate::support::RunningApp {
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    app
}

fn with_photo(env: &TestEnv, image_path: &str) -> String {
    let image = env.feeds.url(image_path);
    rss(&[Item::numbered(4).with_image(&image), Item::numbered(3), Item::numbered(2), Item::numbered(1)])
}

#[tokio::test]
async fn an_article_with_an_image_is_posted_as_a_photo_with_its_caption() {
    let env = TestEnv::start().await;
    let app = primed(&env).await;
    env.feeds.set_feed(FEED_PATH, &with_photo(&env, "img/banjir.jpg"));
    let post = env.telegram.wait_for_messages(CHANNEL_ID, 1).await.remove(0);
    assert_eq!(post.kind, "photo");
    assert_eq!(post.photo.as_deref(), Some(env.feeds.url("img/banjir.jpg").as_str()));
    assert!(
        post.text.starts_with("Berita nomor 4: Pemkot Samarinda & DPRD bahas <APBD>\n\nRingkasan berita 4."),
        "{}",
        post.text
    );
    assert!(post.text.contains("#Samarinda"), "{}", post.text);
    assert_eq!(post.button_texts(), ["Baca selengkapnya"]);
    assert_eq!(post.parse_mode.as_deref(), Some("HTML"));

    // A correction edits the caption.
    let mut corrected = Item::numbered(4).with_image(&env.feeds.url("img/banjir.jpg"));
    corrected.title = "Berita nomor 4 (ralat)".into();
    env.feeds.set_feed(FEED_PATH, &rss(&[corrected, Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram
        .wait_until("the caption edited", Duration::from_secs(30), |t| t.messages_in(CHANNEL_ID)[0].edits == 1)
        .await;
    assert!(env.telegram.messages_in(CHANNEL_ID)[0].text.starts_with("Berita nomor 4 (ralat)"));
    assert_eq!(env.telegram.calls_to("editMessageCaption").len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn an_image_telegram_cannot_fetch_is_uploaded() {
    let env = TestEnv::start().await;
    env.feeds.set_answer("img/banjir.jpg", Answer::body(200, JPEG.to_vec()).header("content-type", "image/jpeg"));
    env.telegram.fail_next(
        "sendPhoto",
        None,
        Failure::Custom { status: 400, description: "Bad Request: failed to get HTTP URL content".into() },
        1,
    );
    let app = primed(&env).await;
    env.feeds.set_feed(FEED_PATH, &with_photo(&env, "img/banjir.jpg"));
    let post = env.telegram.wait_for_messages(CHANNEL_ID, 1).await.remove(0);
    assert_eq!((post.kind, post.photo.as_deref()), ("photo", Some("uploaded")));
    assert_eq!(env.feeds.requests("img/banjir.jpg").len(), 1, "downloaded once");
    let photos = env.telegram.calls_to("sendPhoto");
    assert_eq!(photos.len(), 2);
    let file = photos[1].params.values().find(|v| v.get("uploaded_file").is_some()).expect("an uploaded file part");
    assert_eq!(file["size"], JPEG.len());
    assert_eq!(file["uploaded_file"], "banjir.jpg");
    app.stop().await;
}

#[tokio::test]
async fn without_a_usable_image_the_article_goes_out_as_text() {
    let env = TestEnv::start().await;
    env.telegram.fail_next(
        "sendPhoto",
        None,
        Failure::Custom { status: 400, description: "Bad Request: wrong file identifier/HTTP URL specified".into() },
        1,
    );
    let app = primed(&env).await;
    // The image URL is a 404 page.
    env.feeds.set_feed(FEED_PATH, &with_photo(&env, "img/missing.jpg"));
    let post = env.telegram.wait_for_messages(CHANNEL_ID, 1).await.remove(0);
    assert_eq!(post.kind, "text");
    assert!(post.text.starts_with("Berita nomor 4"), "{}", post.text);
    let (_, log) = app.stop().await;
    assert!(log.contains("image unusable; sending the post as text"), "{log}");
}

#[tokio::test]
async fn channel_options_reach_telegram() {
    let env = TestEnv::start().await;
    let text = env.config_text("").replace(
        &format!("chat = \"{CHANNEL}\""),
        &format!("chat = \"{CHANNEL}\"\nsilent = true\nlink_preview = \"large\"\nutm_source = \"telegram\"\nutm_medium = \"channel\""),
    );
    let text = format!(
        "{text}\n[format]\nsponsored_label = \"IKLAN\"\ntemplate = \"{{label}}\\n{{title}}\\n{{excerpt}}\\n📰 {{source}}\"\n"
    );
    env.write_config(&text);
    let app = primed(&env).await;
    let mut sponsored = Item::numbered(4);
    sponsored.categories = vec!["Advertorial".into()];
    env.feeds.set_feed(FEED_PATH, &rss(&[sponsored, Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    let post = env.telegram.wait_for_messages(CHANNEL_ID, 1).await.remove(0);
    assert!(post.text.starts_with("IKLAN\nBerita nomor 4"), "{}", post.text);
    assert!(post.text.ends_with("📰 Kaltimtoday.co"), "{}", post.text);
    let utm = "https://kaltimtoday.co/berita-nomor-4/?utm_source=telegram&utm_medium=channel";
    assert_eq!(post.links(), [utm]);
    assert_eq!(post.button_urls(), [utm]);
    assert_eq!(post.params["disable_notification"], json!(true));
    assert_eq!(post.params["link_preview_options"]["prefer_large_media"], json!(true));
    assert_eq!(post.params["link_preview_options"]["url"], json!(utm));
    app.stop().await;
}

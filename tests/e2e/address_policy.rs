//! The address policy end to end: what a feed names (an enclosure Warta
//! would upload, a redirect) is fetched only from public addresses, except
//! the configured feeds' own hosts. 127.0.0.2 plays a private host inside the
//! newsroom's network; the feeds themselves live on 127.0.0.1.

use std::time::Duration;

use crate::support::app::FEED_PATH;
use crate::support::{Answer, CHANNEL_ID, Failure, FakeFeedServer, Item, TestEnv, rss};

/// A tiny JPEG (the magic bytes are what matter here).
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];

async fn private_host() -> FakeFeedServer {
    let private = FakeFeedServer::start_on("127.0.0.2").await;
    assert!(private.url("x").starts_with("http://127.0.0.2:"), "{}", private.url("x"));
    private
}

#[tokio::test]
async fn an_enclosure_on_a_private_address_is_never_downloaded_or_uploaded() {
    let env = TestEnv::start().await;
    let private = private_host().await;
    private.set_answer("secret.jpg", Answer::body(200, JPEG.to_vec()).header("content-type", "image/jpeg"));
    // The feed's own host may serve its images: the policy trusts it.
    env.feeds.set_answer("img/own.jpg", Answer::body(200, JPEG.to_vec()).header("content-type", "image/jpeg"));
    // Telegram cannot fetch either by URL, so Warta would download and upload them.
    let cannot_fetch =
        || Failure::Custom { status: 400, description: "Bad Request: failed to get HTTP URL content".into() };
    env.telegram.fail_next("sendPhoto", None, cannot_fetch(), 2);
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    let feed = rss(&[
        Item::numbered(5).with_image(&env.feeds.url("img/own.jpg")),
        Item::numbered(4).with_image(&private.url("secret.jpg")),
        Item::numbered(3),
        Item::numbered(2),
        Item::numbered(1),
    ]);
    env.feeds.set_feed(FEED_PATH, &feed);
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 2).await;
    assert!(private.requests("secret.jpg").is_empty(), "Warta never connected to 127.0.0.2");
    assert!(posts[0].text.starts_with("Berita nomor 4"), "{}", posts[0].text);
    assert_eq!(posts[0].kind, "text", "the private image is dropped, the news still goes out");
    assert!(posts[1].text.starts_with("Berita nomor 5"), "{}", posts[1].text);
    assert_eq!((posts[1].kind, posts[1].photo.as_deref()), ("photo", Some("uploaded")), "own host trusted");
    assert_eq!(env.feeds.requests("img/own.jpg").len(), 1);
    let (_, log) = app.stop().await;
    assert!(log.contains("loopback address (127.0.0.2)"), "{log}");
}

#[tokio::test]
async fn a_feed_redirecting_to_a_private_address_is_refused_and_marked_failing() {
    let env = TestEnv::start().await;
    let private = private_host().await;
    private.set_feed("feed.xml", &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_answer(FEED_PATH, Answer::redirect(302, &private.url("feed.xml")));
    let before = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, before + 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(private.requests("feed.xml").is_empty(), "the redirect was not followed");
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty(), "nothing from the private host is posted");
    let (_, log) = app.stop().await;
    assert!(log.contains("refused by the address policy"), "{log}");

    let store = env.open_store().await;
    let feeds = store.active_feeds().await.expect("feeds");
    let feed = feeds.first().expect("the feed");
    assert!(feed.error_count >= 1, "{feed:?}");
    let reason = feed.last_error.as_deref().unwrap_or_default();
    assert!(
        reason.contains("refused by the address policy") && reason.contains("loopback address (127.0.0.2)"),
        "{reason}"
    );
    store.close().await;
}

//! A server's absurd hints cannot stop a feed's loop or the bot: a
//! `Cache-Control: max-age` of 2^64-1 seconds (with the largest allowed
//! `max_interval`) only pushes that feed's next check out to its bound,
//! while the other feeds keep being polled and posted.

use std::time::Duration;

use crate::support::app::FEED_PATH;
use crate::support::{Answer, CHANNEL_ID, Item, TestEnv, rss};

const OTHER: &str = "other.xml";

#[tokio::test]
async fn a_huge_max_age_pushes_one_feed_to_its_bound_and_the_rest_keep_polling() {
    let env = TestEnv::start().await;
    let body = rss(&[Item::numbered(3), Item::numbered(2), Item::numbered(1)]);
    env.feeds.set_answer(
        FEED_PATH,
        Answer::body(200, body)
            .header("content-type", "application/rss+xml")
            .header("cache-control", "max-age=18446744073709551615"),
    );
    env.feeds.set_feed(OTHER, &rss(&[Item::numbered(12), Item::numbered(11)]));
    let text = env.config_text(&format!("\n[[feeds]]\nurl = \"{}\"\ninterval = \"300ms\"\n", env.feeds.url(OTHER)));
    let text = text.replace("name = \"Kaltimtoday.co\"", "name = \"Kaltimtoday.co\"\nmax_interval = \"7d\"");
    env.write_config(&text);
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 1).await;
    env.feeds.wait_for_requests(OTHER, 2).await;
    env.feeds.set_feed(OTHER, &rss(&[Item::numbered(13), Item::numbered(12), Item::numbered(11)]));
    let post = env.telegram.wait_for_messages(CHANNEL_ID, 1).await.remove(0);
    assert!(post.text.starts_with("Berita nomor 13"), "{}", post.text);
    let seen = env.feeds.requests(OTHER).len();
    env.feeds.wait_for_requests(OTHER, seen + 3).await;
    assert_eq!(env.feeds.requests(FEED_PATH).len(), 1, "the hinted feed waits out its 7-day bound");

    let store = env.open_store().await;
    let feeds = store.active_feeds().await.expect("feeds");
    let hinted = feeds.iter().find(|f| f.url == env.feeds.url(FEED_PATH)).expect("the hinted feed");
    let wait = hinted.next_check_at - hinted.last_fetched_at.expect("fetched");
    let week_ms = 7 * 24 * 3600 * 1000;
    assert!((week_ms - 1000..=week_ms + 1000).contains(&wait), "next check {wait} ms after the fetch");
    store.close().await;

    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
    assert!(!log.contains("panicked"), "{log}");
}

//! WebSub push end to end: the `warta run` process subscribes at a fake hub,
//! answers its verification, and fetches the feed the moment a correctly
//! signed push arrives — polling (set to an hour here) is only the safety net.

use std::time::Duration;

use crate::support::app::{FEED_PATH, free_port};
use crate::support::fake_hub::FakeHub;
use crate::support::{CHANNEL_ID, Item, TestEnv, rss_with_head};

#[tokio::test]
async fn a_signed_push_fetches_at_once_and_forged_ones_are_ignored() {
    let env = TestEnv::start().await;
    let hub = FakeHub::start().await;
    let topic = env.feeds.url(FEED_PATH);
    let head = format!("<atom:link rel=\"hub\" href=\"{}\"/>\n<atom:link rel=\"self\" href=\"{topic}\"/>\n", hub.url());
    let feed = |numbers: &[u32]| rss_with_head(&numbers.iter().map(|n| Item::numbered(*n)).collect::<Vec<_>>(), &head);
    env.feeds.set_feed(FEED_PATH, &feed(&[2, 1]));
    let port = free_port();
    let extra =
        format!("\n[http]\nlisten = \"127.0.0.1:{port}\"\n\n[websub]\npublic_url = \"http://127.0.0.1:{port}\"\n");
    env.write_config(&env.config_text(&extra).replace("interval = \"300ms\"", "interval = \"1h\""));
    let app = env.spawn();

    // Subscribed after the first fetch, with a secret; the hub's challenge was echoed.
    let subscription = hub.wait_for_verified().await;
    assert_eq!(subscription.topic, topic);
    assert_eq!(subscription.callback, format!("http://127.0.0.1:{port}/websub/1"));
    assert_eq!(subscription.secret.as_ref().map(String::len), Some(64));
    assert_eq!(env.feeds.requests(FEED_PATH).len(), 1);

    // A verification for a topic Warta never asked for is refused.
    assert_eq!(hub.verify_unasked(&subscription.callback, "https://evil.example/feed").await, 404);

    // Forged and unsigned pushes are acknowledged but change nothing.
    env.feeds.set_feed(FEED_PATH, &feed(&[3, 2, 1]));
    let body = feed(&[3, 2, 1]);
    assert_eq!(hub.publish_with(&topic, &body, |_| Some("sha256=00ff".to_owned())).await, [202]);
    assert_eq!(hub.publish_with(&topic, &body, |_| None).await, [202]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(env.feeds.requests(FEED_PATH).len(), 1, "a forged push must not trigger a fetch");
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty());

    // A correctly signed push: fetched and posted at once, although the poll interval is an hour.
    assert_eq!(hub.publish(&topic, &body).await, [202]);
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posts[0].text.starts_with("Berita nomor 3"), "{}", posts[0].text);
    assert_eq!(env.feeds.requests(FEED_PATH).len(), 2);

    let (status, log) = app.stop().await;
    assert!(status.success());
    assert!(log.contains("WebSub push ignored"), "{log}");
    assert_eq!(hub.subscriptions().len(), 1, "subscribed once, not on every fetch");
}

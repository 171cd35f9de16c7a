//! Feed in, posts out: the `warta run` process against the fakes.

use std::time::Duration;

use serde_json::json;

use crate::support::app::FEED_PATH;
use crate::support::fake_telegram::FakeChat;
use crate::support::{CHANNEL, CHANNEL_ID, Failure, FakeUser, Item, TestEnv, rss};

fn items(numbers: &[u32]) -> String {
    rss(&numbers.iter().map(|n| Item::numbered(*n)).collect::<Vec<_>>())
}

/// Waits until the feed has been fetched `more` more times (so any effect of
/// the fetches before has been recorded).
async fn wait_for_more_fetches(env: &TestEnv, more: usize) {
    let seen = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, seen + more).await;
}

async fn first_run_records_the_feed_without_posting_and_serves_it_to_latest() {
    let env = TestEnv::start().await;
    let app = env.spawn();
    // A second fetch starts only after the first one has been recorded.
    env.feeds.wait_for_requests(FEED_PATH, 2).await;

    let reader = FakeUser::new(1001, "Budi", Some("id"));
    env.telegram.user_sends(&reader, reader.id, "/latest");
    let reply = env.telegram.wait_for_messages(reader.id, 1).await.remove(0);
    let titles: Vec<_> = reply.text.lines().filter(|l| l.contains("Berita nomor")).collect();
    assert_eq!(titles.len(), 3, "{}", reply.text);
    assert!(titles[0].contains("nomor 3") && titles[2].contains("nomor 1"), "newest first: {}", reply.text);

    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty(), "the first fetch must not post");
    assert!(
        env.telegram.calls_to("sendMessage").iter().all(|c| c.chat_id() != Some(json!(CHANNEL))),
        "no send to the channel was even attempted"
    );
    let (status, _) = app.stop().await;
    assert!(status.success(), "{status:?}");
}

async fn new_articles_are_posted_once_oldest_first_and_a_restart_posts_nothing() {
    let env = TestEnv::start().await;
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;

    env.feeds.set_feed(FEED_PATH, &items(&[5, 4, 3, 2, 1]));
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 2).await;
    wait_for_more_fetches(&env, 3).await;
    let posts_after = env.telegram.messages_in(CHANNEL_ID);
    assert_eq!(posts_after.len(), 2, "each new article exactly once");
    assert!(posts[0].text.starts_with("Berita nomor 4:"), "oldest first: {}", posts[0].text);
    assert!(posts[1].text.starts_with("Berita nomor 5:"), "{}", posts[1].text);

    // The post: linked bold title (escaped), a plain excerpt without WordPress
    // boilerplate, the source, and a read-more button.
    let post = &posts[0];
    assert_eq!(post.parse_mode.as_deref(), Some("HTML"));
    assert!(post.source.starts_with(
        "<b><a href=\"https://kaltimtoday.co/berita-nomor-4/\">Berita nomor 4: Pemkot Samarinda &amp; DPRD bahas &lt;APBD&gt;</a></b>"
    ), "{}", post.source);
    assert!(post.text.contains("Ringkasan berita 4. Rapat membahas anggaran 2027"), "{}", post.text);
    assert!(!post.text.contains("appeared first on") && !post.text.contains("[…]"), "{}", post.text);
    assert!(post.text.contains("Kaltimtoday.co · Redaksi · 1 Okt 2026, 12.00 WITA"), "{}", post.text);
    assert_eq!(post.links(), ["https://kaltimtoday.co/berita-nomor-4/"]);
    assert_eq!(post.button_texts(), ["Baca selengkapnya"]);
    assert_eq!(post.button_urls(), ["https://kaltimtoday.co/berita-nomor-4/"]);

    let (status, _) = app.stop().await;
    assert!(status.success(), "{status:?}");

    // Restart on the same database: the same articles (re-served with a new
    // ETag, so they are parsed again) are not posted again.
    env.feeds.set_feed(FEED_PATH, &items(&[5, 4, 3, 2, 1]));
    let app = env.spawn();
    wait_for_more_fetches(&env, 3).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 2, "a restart must not post again");
    // ...but an article that appears now is.
    env.feeds.set_feed(FEED_PATH, &items(&[6, 5, 4, 3, 2, 1]));
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 3).await;
    assert!(posts[2].text.starts_with("Berita nomor 6:"));
    let (status, _) = app.stop().await;
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn conditional_get_uses_the_stored_validators() {
    let env = TestEnv::start().await;
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 3).await;
    let requests = env.feeds.requests(FEED_PATH);
    assert_eq!(requests[0].if_none_match, None);
    assert_eq!(requests[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(requests[1].status, 304);
    assert!(requests[0].user_agent.as_deref().is_some_and(|ua| ua.starts_with("Warta/")));
    app.stop().await;
}

#[tokio::test]
async fn flood_control_is_waited_out_and_nothing_is_lost() {
    let env = TestEnv::start().await;
    env.telegram.fail_next("sendMessage", Some(json!(CHANNEL)), Failure::TooManyRequests { retry_after: 1 }, 1);
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[5, 4, 3, 2, 1]));

    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 2).await;
    assert!(posts[0].text.starts_with("Berita nomor 4:") && posts[1].text.starts_with("Berita nomor 5:"));
    let sends = env.telegram.calls_to("sendMessage");
    let to_channel: Vec<_> = sends.iter().filter(|c| c.params.get("text").is_some()).collect();
    assert_eq!(to_channel.len(), 3, "one refused, two delivered");
    assert!(to_channel[0].error.as_deref().is_some_and(|e| e.starts_with("Too Many Requests")));
    let waited = to_channel[1].at.duration_since(to_channel[0].at);
    assert!(waited >= Duration::from_secs(1), "resent after only {waited:?}");
    wait_for_more_fetches(&env, 2).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 2, "no duplicates");
    app.stop().await;
}

#[tokio::test]
async fn a_post_waiting_at_shutdown_is_sent_after_the_restart() {
    let env = TestEnv::start().await;
    env.telegram.fail_next("sendMessage", Some(json!(CHANNEL)), Failure::TooManyRequests { retry_after: 2 }, 1);
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram
        .wait_until("the 429", Duration::from_secs(30), |t| t.calls_to("sendMessage").iter().any(|c| c.error.is_some()))
        .await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{status:?}\n{log}");
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty());

    let app = env.spawn();
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posts[0].text.starts_with("Berita nomor 4:"));
    wait_for_more_fetches(&env, 2).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_channel_that_refuses_posts_is_set_aside_and_the_others_still_get_them() {
    let env = TestEnv::start().await;
    // The second channel does not exist for Telegram: "chat not found".
    env.write_config(&env.config_text("\n[[channels]]\nchat = -1009999999999\n"));
    env.telegram.add_private_chat(42, "Redaktur");
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[5, 4, 3, 2, 1]));
    env.telegram.wait_for_messages(CHANNEL_ID, 2).await;
    wait_for_more_fetches(&env, 2).await;
    let to_missing = env
        .telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat_id() == Some(json!(-1009999999999_i64)))
        .collect::<Vec<_>>();
    assert_eq!(to_missing.len(), 1, "after 'chat not found' the chat gets no more attempts");
    assert_eq!(to_missing[0].error.as_deref(), Some("Bad Request: chat not found"));
    // The admins hear about it once.
    let alert = env.telegram.wait_for_messages(42, 1).await.remove(0);
    assert!(alert.text.starts_with("⛔ Kanal menolak posting\n-1009999999999 menolak posting"), "{}", alert.text);
    let (status, log) = app.stop().await;
    assert!(status.success());
    assert!(log.contains("a configured channel refuses posts"), "{log}");

    // The channel is fixed and Warta restarted: the next post gets through, and the admins hear so, once.
    env.telegram.add_chat(FakeChat {
        id: -1009999999999,
        kind: "channel",
        username: None,
        title: Some("Cadangan".into()),
        first_name: None,
        blocked: false,
        topics: None,
    });
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 6).await;
    env.feeds.set_feed(FEED_PATH, &items(&[6, 5, 4, 3, 2, 1]));
    env.telegram.wait_for_messages(-1009999999999, 1).await;
    let notices = env.telegram.wait_for_messages(42, 2).await;
    assert_eq!(notices[1].text, "✅ Kanal menerima posting lagi\n-1009999999999 menerima posting dari bot lagi.");
    env.feeds.set_feed(FEED_PATH, &items(&[7, 6, 5, 4, 3, 2, 1]));
    env.telegram.wait_for_messages(-1009999999999, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(env.telegram.messages_in(42).len(), 2, "one recovery notice");
    let (status, _) = app.stop().await;
    assert!(status.success());
}

#[tokio::test]
async fn a_broken_feed_does_not_stop_the_bot() {
    let env = TestEnv::start().await;
    env.feeds.set_feed(FEED_PATH, "<html><body>Maintenance</body></html>");
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 1).await;
    let reader = FakeUser::new(1002, "Sari", Some("id"));
    env.telegram.user_sends(&reader, reader.id, "/latest");
    let reply = env.telegram.wait_for_messages(reader.id, 1).await.remove(0);
    assert!(reply.text.contains("Belum ada berita"), "{}", reply.text);
    // Once the feed is back, the articles are recorded (first success) and new ones posted.
    env.feeds.set_feed(FEED_PATH, &items(&[2, 1]));
    wait_for_more_fetches(&env, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[3, 2, 1]));
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posts[0].text.starts_with("Berita nomor 3:"));
    let (status, log) = app.stop().await;
    assert!(status.success());
    assert!(log.contains("feed fetch failed"), "{log}");
}

// The same flows with the store on PostgreSQL.
crate::on_both_backends!(
    first_run_records_the_feed_without_posting_and_serves_it_to_latest,
    new_articles_are_posted_once_oldest_first_and_a_restart_posts_nothing,
);

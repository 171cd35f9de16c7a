//! Subscribers at newsroom volume, end to end: a reader's answer survives
//! flood control (resent after `retry_after`, or dropped once stale); a
//! reader's backlog goes out as one message (breaking news apart, stories as
//! they are now, nothing lost or repeated beyond the sends in flight by a crash).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::app::FEED_PATH;
use crate::support::fake_telegram::SentMessage;
use crate::support::{CHANNEL_ID, Failure, FakeUser, Item, TestEnv, rss};

const READER: i64 = 5_001;

async fn reader_env() -> (TestEnv, FakeUser) {
    let env = TestEnv::start().await;
    let reader = FakeUser::new(READER, "Pembaca", Some("id"));
    env.telegram.add_private_chat(READER, "Pembaca");
    (env, reader)
}

#[tokio::test]
async fn a_reply_held_by_flood_control_is_sent_after_retry_after() {
    let (env, reader) = reader_env().await;
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.telegram.fail_next("sendMessage", Some(json!(READER)), Failure::TooManyRequests { retry_after: 1 }, 2);
    let asked = Instant::now();
    env.telegram.user_sends(&reader, READER, "/latest");
    let answer = env.telegram.wait_for_messages(READER, 1).await.remove(0);
    let waited = asked.elapsed();
    assert!(answer.text.contains("Berita nomor 3"), "{}", answer.text);
    assert!(waited >= Duration::from_secs(2), "two retry_after waits of 1 s: {waited:?}");
    let refused = env.telegram.calls_to("sendMessage").iter().filter(|c| c.chat_id() == Some(json!(READER))).count();
    assert_eq!(refused, 3, "two refused sends, then the one that went through");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(env.telegram.messages_in(READER).len(), 1, "answered once");
    let (_, log) = app.stop().await;
    assert!(log.contains("reply held by flood control"), "{log}");
}

#[tokio::test]
async fn a_reply_that_would_arrive_stale_is_dropped_and_the_next_is_answered() {
    let (env, reader) = reader_env().await;
    let app = env.spawn_with(&[("WARTA__DELIVERY__REPLY_FRESHNESS", "2s")], &[]);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.telegram.fail_next("sendMessage", Some(json!(READER)), Failure::TooManyRequests { retry_after: 5 }, 1);
    env.telegram.user_sends(&reader, READER, "/latest");
    env.telegram
        .wait_until("the refused send", Duration::from_secs(10), |t| {
            t.calls_to("sendMessage").iter().any(|c| c.chat_id() == Some(json!(READER)))
        })
        .await;
    // The pause flood control asked for is kept, then the next command is answered.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(env.telegram.messages_in(READER).is_empty(), "a 5 s wait makes a 2 s-fresh reply stale");
    env.telegram.user_sends(&reader, READER, "/help");
    let answer = env.telegram.wait_for_messages(READER, 1).await.remove(0);
    assert!(!answer.text.contains("Berita nomor 3"), "only the fresh answer: {}", answer.text);
    let (_, log) = app.stop().await;
    assert!(log.contains("make the reply stale; dropped"), "{log}");
}

const ADMIN: i64 = 42;
const WAIT: Duration = Duration::from_secs(30);

fn admin() -> FakeUser {
    FakeUser::new(ADMIN, "Redaktur", Some("id"))
}

async fn admin_says(env: &TestEnv, text: &str) {
    let before = env.telegram.messages_in(ADMIN).len();
    env.telegram.user_sends(&admin(), ADMIN, text);
    env.telegram.wait_for_messages(ADMIN, before + 1).await;
}

fn feed_of(newest: u32) -> String {
    rss(&(1..=newest).rev().map(Item::numbered).collect::<Vec<_>>())
}

/// The numbered stories a message lists, in its order ("Berita nomor 8" → 8).
fn stories_in(message: &SentMessage) -> Vec<u32> {
    message.text.split("Berita nomor ").skip(1).filter_map(|rest| rest.split(':').next()?.parse().ok()).collect()
}

async fn a_readers_backlog_goes_out_as_one_message_newest_first_breaking_news_apart() {
    let env = TestEnv::start().await;
    env.seed_subscribers(&[7_001]).await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    let english = FakeUser::new(7_002, "Reader", Some("en"));
    env.telegram.add_private_chat(english.id, "Reader");
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.telegram.user_sends(&english, english.id, "/subscribe");
    env.telegram.wait_for_messages(english.id, 1).await;

    // No backlog: a single new story is the usual post, photo or text, with its button.
    env.feeds.set_feed(FEED_PATH, &feed_of(4));
    let single = env.telegram.wait_for_messages(7_001, 1).await.remove(0);
    assert_eq!(stories_in(&single), vec![4], "{}", single.text);
    assert!(!single.button_texts().is_empty(), "the post's own button: {single:?}");
    env.telegram.wait_for_messages(english.id, 2).await;

    // A backlog: four stories wait while routine posting is paused; one is corrected meanwhile.
    admin_says(&env, "/jeda").await;
    env.feeds.set_feed(FEED_PATH, &feed_of(8));
    env.feeds.wait_for_requests(FEED_PATH, env.feeds.requests(FEED_PATH).len() + 2).await;
    let mut items: Vec<Item> = (1..=8).rev().map(Item::numbered).collect();
    items[2].title = "Berita nomor 6: ralat judul".into();
    env.feeds.set_feed(FEED_PATH, &rss(&items));
    env.feeds.wait_for_requests(FEED_PATH, env.feeds.requests(FEED_PATH).len() + 2).await;
    // Breaking news meanwhile: never part of a backlog message.
    env.telegram.user_sends(&admin(), ADMIN, "/breaking Jembatan Mahakam ditutup sementara");
    env.telegram
        .wait_until("the preview", WAIT, |t| {
            t.messages_in(ADMIN).iter().any(|m| m.callback_data().iter().any(|d| d.starts_with("b:ok:")))
        })
        .await;
    let draft = env
        .telegram
        .messages_in(ADMIN)
        .into_iter()
        .find(|m| m.callback_data().iter().any(|d| d.starts_with("b:ok:")))
        .expect("preview");
    env.telegram.user_presses(&admin(), ADMIN, draft.message_id, &draft.callback_data()[0]);
    let breaking = env.telegram.wait_for_messages(7_001, 2).await.remove(1);
    assert!(breaking.text.starts_with("🔴 BERITA TERKINI"), "{}", breaking.text);
    assert!(stories_in(&breaking).is_empty());

    admin_says(&env, "/lanjut").await;
    let together = env.telegram.wait_for_messages(7_001, 3).await.remove(2);
    assert!(together.text.starts_with("4 berita baru"), "{}", together.text);
    assert_eq!(stories_in(&together), vec![8, 7, 6, 5], "newest first: {}", together.text);
    assert!(together.text.contains("Berita nomor 6: ralat judul"), "as it is now: {}", together.text);
    assert!(together.entities.iter().filter(|e| e.kind == "text_link").count() >= 4, "linked titles");
    let english_list = env.telegram.wait_for_messages(english.id, 4).await.remove(3);
    assert!(english_list.text.starts_with("4 new stories"), "{}", english_list.text);
    assert_eq!(stories_in(&english_list), vec![8, 7, 6, 5]);
    // The channel keeps one post per story.
    env.telegram.wait_until("the channel's posts", WAIT, |t| t.messages_in(CHANNEL_ID).len() >= 6).await;
    let channel: Vec<Vec<u32>> = env.telegram.messages_in(CHANNEL_ID).iter().map(stories_in).collect();
    assert_eq!(channel.iter().filter(|s| s.len() == 1).count(), 5, "{channel:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(env.telegram.messages_in(7_001).len(), 3, "nothing more for the reader");
    // /status says how long a new article takes to reach every subscriber.
    admin_says(&env, "/status").await;
    let status =
        env.telegram.messages_in(ADMIN).into_iter().rev().find(|m| m.text.contains("Pelanggan:")).expect("status");
    assert!(
        status
            .text
            .contains("Jangkauan: artikel baru ≈ 1 detik ke 2 pelanggan (29/detik); dengan paid broadcast ≈ 1 detik"),
        "{}",
        status.text
    );
    let (_, log) = app.stop().await;
    assert!(log.contains("sending a reader's new stories together"), "{log}");
}

#[tokio::test]
async fn a_crash_while_backlogs_go_out_loses_nothing_and_repeats_at_most_the_sends_in_flight() {
    const CONCURRENCY: usize = 4;
    let readers: Vec<i64> = (8_001..8_021).collect();
    let env = TestEnv::start().await;
    env.seed_subscribers(&readers).await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    let settings = [("WARTA__DELIVERY__CONCURRENCY", "4")];
    let app = env.spawn_with(&settings, &[]);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    admin_says(&env, "/jeda").await;
    env.feeds.set_feed(FEED_PATH, &feed_of(6));
    env.feeds.wait_for_requests(FEED_PATH, env.feeds.requests(FEED_PATH).len() + 2).await;
    // Telegram answers slowly: backlog messages are in flight when the process dies.
    env.telegram.set_answer_delay(Some(Duration::from_millis(800)));
    admin_says(&env, "/lanjut").await;
    env.telegram
        .wait_until("the first backlog messages", WAIT, |t| {
            readers.iter().filter(|r| !t.messages_in(**r).is_empty()).count() >= 2
        })
        .await;
    app.kill();
    env.telegram.set_answer_delay(None);
    let app = env.spawn_with(&settings, &[]);
    env.telegram
        .wait_until("every reader's stories", WAIT, |t| readers.iter().all(|r| !t.messages_in(*r).is_empty()))
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut repeated = 0;
    for reader in &readers {
        let messages = env.telegram.messages_in(*reader);
        let mut got: Vec<u32> = messages.iter().flat_map(stories_in).collect();
        got.sort_unstable();
        got.dedup();
        assert_eq!(got, vec![4, 5, 6], "reader {reader} has every story: {messages:?}");
        assert!(messages.len() <= 2, "reader {reader}: {messages:?}");
        repeated += messages.len() - 1;
    }
    assert!(repeated <= CONCURRENCY, "{repeated} backlog messages sent twice");
    let (_, log) = app.stop().await;
    assert!(!log.contains("panicked"), "{log}");
}

// The same flows with the store on PostgreSQL.
crate::on_both_backends!(a_readers_backlog_goes_out_as_one_message_newest_first_breaking_news_apart,);

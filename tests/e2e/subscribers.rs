//! Subscriptions and fan-out end to end: readers subscribe in private chat,
//! every new article reaches every subscriber once at Telegram's pace, blocked
//! readers are set aside, a crash loses nothing, and a second instance is refused.

use std::collections::HashMap;
use std::time::Duration;

use crate::support::app::FEED_PATH;
use crate::support::{CHANNEL_ID, Failure, FakeUser, FloodLimits, Item, RunningApp, TestEnv, rss};

fn items(numbers: &[u32]) -> String {
    rss(&numbers.iter().map(|n| Item::numbered(*n)).collect::<Vec<_>>())
}

async fn primed(env: &TestEnv) -> RunningApp {
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    app
}

/// How many messages each of `readers` got.
fn received(env: &TestEnv, readers: &[i64]) -> HashMap<i64, usize> {
    readers.iter().map(|id| (*id, env.telegram.messages_in(*id).len())).collect()
}

#[tokio::test]
async fn readers_subscribe_with_a_command_or_the_start_button_and_get_new_articles() {
    let env = TestEnv::start().await;
    let app = primed(&env).await;
    let budi = FakeUser::new(4001, "Budi", Some("id"));
    env.telegram.user_sends(&budi, budi.id, "/start");
    let welcome = env.telegram.wait_for_messages(budi.id, 1).await.remove(0);
    assert_eq!(welcome.button_texts(), ["🔔 Berlangganan"]);

    // The button subscribes; the answer pops up and the button flips.
    env.telegram.user_presses(&budi, budi.id, welcome.message_id, "sub");
    env.telegram.wait_until("the button flipped", Duration::from_secs(30), |t| t.messages_in(4001)[0].edits == 1).await;
    assert_eq!(env.telegram.messages_in(budi.id)[0].button_texts(), ["🔕 Berhenti berlangganan"]);
    let answer = env.telegram.calls_to("answerCallbackQuery").remove(0);
    assert!(answer.params["text"].as_str().is_some_and(|t| t.starts_with("✅ Anda berlangganan")), "{answer:?}");

    env.telegram.user_sends(&budi, budi.id, "/subscribe");
    let again = env.telegram.wait_for_messages(budi.id, 2).await.remove(1);
    assert!(again.text.starts_with("Anda sudah berlangganan"), "{}", again.text);

    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    let messages = env.telegram.wait_for_messages(budi.id, 3).await;
    assert!(messages[2].text.starts_with("Berita nomor 4"), "{}", messages[2].text);
    assert_eq!(messages[2].button_texts(), ["Baca selengkapnya"]);
    assert_eq!(env.telegram.wait_for_messages(CHANNEL_ID, 1).await.len(), 1);

    env.telegram.user_sends(&budi, budi.id, "/unsubscribe");
    let stopped = env.telegram.wait_for_messages(budi.id, 4).await.remove(3);
    assert!(stopped.text.starts_with("Langganan dihentikan"), "{}", stopped.text);
    env.feeds.set_feed(FEED_PATH, &items(&[5, 4, 3, 2, 1]));
    env.telegram.wait_for_messages(CHANNEL_ID, 2).await;
    let seen = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, seen + 2).await;
    assert_eq!(env.telegram.messages_in(budi.id).len(), 4, "no more news after /unsubscribe");

    // In a group, /subscribe points to the private chat.
    let group = -1005550002;
    env.telegram.add_group(group, "Diskusi");
    env.telegram.user_sends(&budi, group, "/subscribe@warta_test_bot");
    let hint = env.telegram.wait_for_messages(group, 1).await.remove(0);
    assert_eq!(hint.button_urls(), ["https://t.me/warta_test_bot?start=subscribe"]);
    app.stop().await;
}

#[tokio::test]
async fn a_deep_link_subscribes_in_one_tap_and_english_readers_get_english() {
    let env = TestEnv::start().await;
    let app = primed(&env).await;
    let anna = FakeUser::new(4002, "Anna", Some("en"));
    env.telegram.user_sends(&anna, anna.id, "/start subscribe");
    let reply = env.telegram.wait_for_messages(anna.id, 1).await.remove(0);
    assert!(reply.text.starts_with("✅ You are subscribed"), "{}", reply.text);
    assert_eq!(reply.button_texts(), ["🔕 Unsubscribe"]);
    app.stop().await;
}

async fn a_fan_out_reaches_every_subscriber_once_within_telegrams_limits() {
    let env = TestEnv::start().await;
    let readers: Vec<i64> = (10_000..10_150).collect();
    env.seed_subscribers(&readers).await;
    env.telegram.enforce_limits(FloodLimits::default());
    let app = primed(&env).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram
        .wait_until("every reader served", Duration::from_secs(60), |t| {
            readers.iter().all(|id| !t.messages_in(*id).is_empty())
        })
        .await;
    let started = env.telegram.calls_to("sendMessage").first().map(|c| c.at).expect("sends");
    let finished = env.telegram.calls_to("sendMessage").last().map(|c| c.at).expect("sends");
    let counts = received(&env, &readers);
    assert!(counts.values().all(|n| *n == 1), "exactly once each");
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1);
    let refused = env.telegram.flood_refusals();
    assert!(refused <= 3, "{refused} sends over Telegram's limits");
    // 151 messages at 30/s take at least 4.9 s.
    assert!(finished.duration_since(started) >= Duration::from_millis(4_800), "{:?}", finished.duration_since(started));
    app.stop().await;
}

/// With paid broadcast the pacer runs at 1000/s for everything, so every
/// message must ask for it: Telegram holds one without the flag to the free
/// 30/s, which a paid fan-out fills (the fake refuses it, as Telegram would).
#[tokio::test]
async fn with_paid_broadcast_the_answers_during_a_fan_out_ask_for_it_too() {
    let env = TestEnv::start().await;
    let readers: Vec<i64> = (15_000..18_000).collect();
    env.seed_subscribers(&readers).await;
    let newcomers: Vec<FakeUser> = (0..40).map(|n| FakeUser::new(19_000 + n, "Pembaca baru", Some("id"))).collect();
    for user in &newcomers {
        env.telegram.add_private_chat(user.id, "Pembaca baru");
    }
    env.telegram.enforce_limits(FloodLimits::default());
    let config = env.config_with_delivery("paid_broadcast = true\npaid_per_second = 1000\nconcurrency = 64");
    env.write_config(&config);
    let app = primed(&env).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram
        .wait_until("the fan-out under way", Duration::from_secs(30), |t| {
            t.all_messages().iter().filter(|m| (15_000..18_000).contains(&m.chat_id)).count() >= 200
        })
        .await;
    for user in &newcomers {
        env.telegram.user_sends(user, user.id, "/start");
    }
    env.telegram
        .wait_until("every reader and newcomer served", Duration::from_secs(60), |t| {
            readers.iter().chain(newcomers.iter().map(|u| &u.id)).all(|id| !t.messages_in(*id).is_empty())
        })
        .await;
    let sends = env.telegram.calls_to("sendMessage");
    let answers: Vec<_> =
        sends.iter().filter(|c| c.chat_id().and_then(|v| v.as_i64()).is_some_and(|id| id >= 19_000)).collect();
    assert!(answers.len() >= newcomers.len());
    let unflagged =
        sends.iter().filter(|c| c.params.get("allow_paid_broadcast") != Some(&serde_json::json!(true))).count();
    assert_eq!(unflagged, 0, "{unflagged} of {} messages sent without allow_paid_broadcast", sends.len());
    let refused = env.telegram.flood_refusals();
    assert!(refused <= 2, "{refused} sends over Telegram's limits");
    assert!(received(&env, &readers).values().all(|n| *n == 1), "exactly once each");
    app.stop().await;
}

#[tokio::test]
async fn blocked_readers_are_set_aside_until_they_come_back() {
    let env = TestEnv::start().await;
    let readers: Vec<i64> = (20_000..20_010).collect();
    env.seed_subscribers(&readers).await;
    env.telegram.set_blocked(20_003, true);
    env.telegram.set_blocked(20_007, true);
    let app = primed(&env).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram
        .wait_until("8 readers served", Duration::from_secs(30), |t| {
            readers.iter().filter(|id| !t.messages_in(**id).is_empty()).count() == 8
        })
        .await;
    env.feeds.set_feed(FEED_PATH, &items(&[5, 4, 3, 2, 1]));
    env.telegram
        .wait_until("second article served", Duration::from_secs(30), |t| t.messages_in(20_000).len() == 2)
        .await;
    let attempts_to_blocked =
        env.telegram.calls_to("sendMessage").iter().filter(|c| c.chat_id() == Some(serde_json::json!(20_003))).count();
    assert_eq!(attempts_to_blocked, 1, "a blocked reader is not retried");

    // The reader unblocks the bot and says /start: active again.
    env.telegram.set_blocked(20_003, false);
    let reader = FakeUser::new(20_003, "Kembali", Some("id"));
    env.telegram.user_sends(&reader, 20_003, "/start");
    env.telegram.wait_for_messages(20_003, 1).await;
    env.feeds.set_feed(FEED_PATH, &items(&[6, 5, 4, 3, 2, 1]));
    let messages = env.telegram.wait_for_messages(20_003, 2).await;
    assert!(messages[1].text.starts_with("Berita nomor 6"), "{}", messages[1].text);
    assert!(env.telegram.messages_in(20_007).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_flood_control_storm_loses_nothing() {
    let env = TestEnv::start().await;
    let readers: Vec<i64> = (30_000..30_040).collect();
    env.seed_subscribers(&readers).await;
    env.telegram.fail_next("sendMessage", None, Failure::TooManyRequests { retry_after: 1 }, 8);
    let app = primed(&env).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram
        .wait_until("every reader served", Duration::from_secs(60), |t| {
            readers.iter().all(|id| !t.messages_in(*id).is_empty())
        })
        .await;
    assert!(received(&env, &readers).values().all(|n| *n == 1), "exactly once each");
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1);
    let (_, log) = app.stop().await;
    assert!(log.contains("flood control"), "{log}");
}

async fn a_crash_mid_fan_out_loses_nothing_and_duplicates_stay_within_the_bound() {
    let env = TestEnv::start().await;
    let readers: Vec<i64> = (40_000..40_120).collect();
    env.seed_subscribers(&readers).await;
    let concurrency = 8;
    let config = env.config_with_delivery(&format!("overall_per_second = 20\nconcurrency = {concurrency}"));
    env.write_config(&config);
    let app = primed(&env).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram
        .wait_until("30 readers served", Duration::from_secs(30), |t| {
            readers.iter().filter(|id| !t.messages_in(**id).is_empty()).count() >= 30
        })
        .await;
    let log = app.kill();
    assert!(!log.contains("Warta stopping"), "killed, not stopped");

    let app = env.spawn();
    env.telegram
        .wait_until("every reader served", Duration::from_secs(60), |t| {
            readers.iter().all(|id| !t.messages_in(*id).is_empty())
        })
        .await;
    let counts = received(&env, &readers);
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    assert!(duplicates <= concurrency, "{duplicates} duplicates, bound {concurrency}");
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1, "the channel was served before the crash");
    app.stop().await;
}

#[tokio::test]
async fn a_second_instance_on_the_same_database_is_refused() {
    let env = TestEnv::start().await;
    let first = primed(&env).await;
    let second = env.spawn();
    let (status, log) = second.wait(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("another Warta instance is running on this database"), "{log}");
    let (status, _) = first.stop().await;
    assert!(status.success());
    // Once the first has stopped, a new one starts at once.
    let third = env.spawn();
    let seen = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, seen + 1).await;
    third.stop().await;
}

#[tokio::test]
async fn another_poller_on_the_token_stops_sending() {
    let env = TestEnv::start().await;
    let app = primed(&env).await;
    // Another copy of the bot polls with the same token: Telegram answers the first poller 409.
    let url = format!("{}/bot{}/getUpdates", env.telegram.api_url(), crate::support::TOKEN);
    reqwest::Client::new().post(&url).json(&serde_json::json!({ "timeout": 0 })).send().await.expect("poll");
    env.telegram
        .wait_until("the conflict reported", Duration::from_secs(30), |t| {
            t.calls_to("getUpdates").iter().any(|c| c.error.as_deref().is_some_and(|e| e.starts_with("Conflict")))
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    let seen = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, seen + 4).await;
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty(), "no sends while another instance polls");
    let (status, log) = app.stop().await;
    assert!(status.success());
    assert!(log.contains("409 Conflict"), "{log}");
}

// The same flows with the store on PostgreSQL.
crate::on_both_backends!(
    a_fan_out_reaches_every_subscriber_once_within_telegrams_limits,
    a_crash_mid_fan_out_loses_nothing_and_duplicates_stay_within_the_bound,
);

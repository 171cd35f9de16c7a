//! The flood guard end to end: a fetch with more new items than
//! `fetch.flood_threshold` is held and put to the admins once, with Kirim
//! semua / Lewati; a guid migration of known links posts nothing.

use std::time::Duration;

use crate::support::app::FEED_PATH;
use crate::support::fake_telegram::SentMessage;
use crate::support::{CHANNEL_ID, FakeUser, Item, RunningApp, TestEnv, rss};

const ADMIN: i64 = 42;
const WAIT: Duration = Duration::from_secs(60);

fn admin() -> FakeUser {
    FakeUser::new(ADMIN, "Redaktur", Some("id"))
}

/// A small item (a 10,000-item feed stays under the body cap).
fn item(n: u32) -> Item {
    Item {
        guid: format!("https://kaltimtoday.co/?p={}", 300_000 + n),
        title: format!("Kabar {n}"),
        link: format!("https://kaltimtoday.co/kabar-{n}/"),
        description: format!("Isi {n}"),
        pub_date: format!("Thu, 01 Oct 2026 {:02}:{:02}:{:02} +0000", n / 3600 % 24, n / 60 % 60, n % 60),
        categories: vec![],
        image: None,
    }
}

/// Items `from..=to`, newest first as feeds list them.
fn items(from: u32, to: u32) -> Vec<Item> {
    (from..=to).rev().map(item).collect()
}

/// The bot running on a primed feed of items 1-3 (the first fetch posts nothing).
async fn primed() -> (TestEnv, RunningApp) {
    let env = TestEnv::start().await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    env.feeds.set_feed(FEED_PATH, &rss(&items(1, 3)));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    (env, app)
}

/// The flood-guard questions the admin got (their buttons go once decided).
fn holds(env: &TestEnv) -> Vec<SentMessage> {
    env.telegram.messages_in(ADMIN).into_iter().filter(|m| m.text.starts_with("⚠️ Banjir item ditahan")).collect()
}

async fn wait_for_hold(env: &TestEnv) -> SentMessage {
    env.telegram
        .wait_until("the flood-guard question to the admin", WAIT, |fake| {
            fake.messages_in(ADMIN).iter().any(|m| m.callback_data().iter().any(|d| d.starts_with("h:ok:")))
        })
        .await;
    holds(env).remove(0)
}

/// Lets the feed be polled `polls` more times.
async fn more_polls(env: &TestEnv, polls: usize) {
    let seen = env.feeds.requests(FEED_PATH).len();
    tokio::time::timeout(WAIT, env.feeds.wait_for_requests(FEED_PATH, seen + polls)).await.expect("polled again");
}

async fn press(env: &TestEnv, user: &FakeUser, message: &SentMessage, data: &str) -> String {
    let update = env.telegram.user_presses(user, message.chat_id, message.message_id, data);
    env.telegram.wait_until("the press answered", WAIT, |fake| fake.callback_answer(update).is_some()).await;
    env.telegram.callback_answer(update).and_then(|a| a.text).unwrap_or_default()
}

fn button(message: &SentMessage, prefix: &str) -> String {
    message.callback_data().into_iter().find(|d| d.starts_with(prefix)).expect("button")
}

#[tokio::test]
async fn ten_thousand_new_items_are_held_with_one_admin_message_and_nothing_posted() {
    let (env, app) = primed().await;
    env.feeds.set_feed(FEED_PATH, &rss(&items(4, 10_003)));
    let hold = wait_for_hold(&env).await;
    assert!(hold.text.contains("10000 item baru"), "{}", hold.text);
    assert!(hold.text.contains("Kaltimtoday.co"), "{}", hold.text);
    assert_eq!(hold.button_texts(), ["✅ Kirim semua", "⏭️ Lewati"]);
    // Later polls of the same feed neither ask again nor post.
    more_polls(&env, 3).await;
    assert_eq!(holds(&env).len(), 1, "one question per flood");
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty(), "nothing posted while held");
    let (_, log) = app.stop().await;
    assert!(log.contains("flood guard"), "{log}");
}

#[tokio::test]
async fn kirim_semua_posts_a_held_flood_in_order_once_and_only_for_an_admin() {
    let (env, _app) = primed().await;
    env.feeds.set_feed(FEED_PATH, &rss(&items(4, 63)));
    let hold = wait_for_hold(&env).await;
    assert!(hold.text.contains("60 item baru"), "{}", hold.text);
    let send = button(&hold, "h:ok:");

    // A reader forging the press, from the admin's message: refused, nothing sent.
    let reader = FakeUser::new(7, "Pembaca", Some("id"));
    assert_eq!(press(&env, &reader, &hold, &send).await, "Maaf, perintah ini khusus admin redaksi.");
    // A forged batch id: nothing.
    assert_eq!(press(&env, &admin(), &hold, "h:ok:999").await, "Kiriman tertahan ini tidak ditemukan.");
    more_polls(&env, 2).await;
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty());

    assert_eq!(press(&env, &admin(), &hold, &send).await, "60 item masuk antrean kirim.");
    let posted = env.telegram.wait_for_messages(CHANNEL_ID, 60).await;
    let numbers: Vec<u32> = posted
        .iter()
        .map(|m| {
            let after = m.text.split("Kabar ").nth(1).expect("a title");
            after.chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("number")
        })
        .collect();
    assert_eq!(numbers, (4..=63).collect::<Vec<_>>(), "posted oldest first");
    // Pressed again (or Lewati after Kirim): nothing more.
    assert_eq!(press(&env, &admin(), &hold, &send).await, "Sudah diputuskan: item ini sudah dikirim.");
    assert_eq!(
        press(&env, &admin(), &hold, &button(&hold, "h:no:")).await,
        "Sudah diputuskan: item ini sudah dikirim."
    );
    more_polls(&env, 3).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 60);
    assert_eq!(holds(&env).len(), 1);
}

#[tokio::test]
async fn lewati_stores_a_held_flood_unposted_and_a_later_item_is_posted() {
    let (env, _app) = primed().await;
    env.feeds.set_feed(FEED_PATH, &rss(&items(4, 63)));
    let hold = wait_for_hold(&env).await;
    assert_eq!(
        press(&env, &admin(), &hold, &button(&hold, "h:no:")).await,
        "60 item dilewati: disimpan, tidak dikirim."
    );
    more_polls(&env, 3).await;
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty(), "skipped items are not posted");
    assert_eq!(holds(&env).len(), 1, "skipped items are known now: no new question");
    assert!(holds(&env)[0].callback_data().is_empty(), "the decided question loses its buttons");

    env.feeds.set_feed(FEED_PATH, &rss(&items(4, 64)));
    let posted = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posted[0].text.contains("Kabar 64"), "{}", posted[0].text);
    more_polls(&env, 3).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1);
    assert_eq!(holds(&env).len(), 1);
}

#[tokio::test]
async fn a_guid_migration_of_known_links_posts_nothing_and_asks_nothing() {
    let env = TestEnv::start().await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    env.feeds.set_feed(FEED_PATH, &rss(&items(1, 500)));
    let _app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    // What an http → https move does to WordPress: every guid changes, the links only in
    // their scheme (and a tracking parameter here) — and one real new story arrives.
    let migrated: Vec<Item> = items(1, 500)
        .into_iter()
        .map(|mut item| {
            item.guid = item.guid.replace("http://", "https://").replace("?p=", "?page_id=");
            item.link = format!("{}?utm_source=rss", item.link.replace("https://", "http://"));
            item
        })
        .collect();
    let mut feed = vec![item(501)];
    feed.extend(migrated);
    env.feeds.set_feed(FEED_PATH, &rss(&feed));
    let posted = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posted[0].text.contains("Kabar 501"), "{}", posted[0].text);
    more_polls(&env, 3).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1, "known links under new guids are not news");
    assert!(holds(&env).is_empty(), "a guid migration is not a flood");
}

//! Random commands, texts and button data through the real dispatcher (the
//! `warta run` binary against the strict fake Bot API): whatever arrives, the
//! bot answers with valid messages or stays silent, answers every button
//! press, never leaks an internal error and keeps running.
//!
//! The inputs come from proptest strategies driven by a fixed seed, so a
//! failure reproduces; set WARTA_FUZZ_SEED to explore other inputs.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::support::app::FEED_PATH;
use crate::support::fake_telegram::BOT_USERNAME;
use crate::support::{FakeUser, Item, TestEnv, rss};

const MESSAGES: usize = 300;
const PRESSES: usize = 200;
const GROUP: i64 = -1005550099;

fn hostile_words() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 ]{0,30}",
        ".{0,60}",
        "[\"*()^:+-]{0,10}[a-z]{0,8}",
        Just("NEAR(banjir samarinda) OR \"".to_owned()),
        Just("'; DROP TABLE articles; --".to_owned()),
        Just("\u{202e}banjir\u{202c} \u{0}\u{7}\u{1b}[31m".to_owned()),
        Just("🌧️🌊🏠".repeat(50)),
        Just("ب".repeat(300)),
        Just("kata ".repeat(800)),
        "-?[0-9]{1,25}",
        Just("Ekonomi & Bisnis".to_owned()),
        Just("<b>tebal</b> &amp; <a href=\"x\">".to_owned()),
    ]
}

fn command_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "start",
            "help",
            "bantuan",
            "latest",
            "terbaru",
            "cari",
            "search",
            "kategori",
            "topics",
            "bahasa",
            "lang",
            "subscribe",
            "unsubscribe",
            "langganan",
            "berhenti",
            "sembunyikan",
            "tampilkan",
            "hide",
            "unhide",
            "breaking",
            "darurat",
            "koreksi",
            "correct",
            "tarik",
            "retract",
            "jeda",
            "lanjut",
            "status",
            "stats",
            "audit",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z_]{1,40}",
    ]
}

fn addressee() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        2 => Just(format!("@{BOT_USERNAME}")),
        1 => Just("@other_bot".to_owned()),
        1 => Just("@".to_owned()),
    ]
}

/// A message text: a command with arguments, or plain text.
fn message_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (command_name(), addressee(), hostile_words()).prop_map(|(name, to, args)| format!("/{name}{to} {args}")),
        1 => hostile_words(),
    ]
    .prop_map(|text| text.chars().take(4096).collect())
}

/// Button data: what the bot puts on buttons, with hostile numbers, and garbage.
fn callback_data() -> impl Strategy<Value = String> {
    let number = prop_oneof![Just("0".to_owned()), "-?[0-9]{1,22}", "[0-9a-z+ ]{0,5}"];
    prop_oneof![
        prop::sample::select(vec!["sub", "unsub", "k:done", "lang:auto", "lang:en", "lang:id", "lang:xx"])
            .prop_map(str::to_owned),
        (number.clone(), number.clone(), number.clone()).prop_map(|(a, b, c)| format!("l:{a}:{b}:{c}")),
        (number.clone(), number.clone()).prop_map(|(a, b)| format!("s:{a}:{b}")),
        (number.clone(), number.clone()).prop_map(|(a, b)| format!("k:t:{a}:{b}")),
        number.clone().prop_map(|a| format!("k:p:{a}")),
        number.clone().prop_map(|a| format!("k:all:{a}")),
        (prop::sample::select(vec!["ok", "no", "x"]), number).prop_map(|(a, b)| format!("b:{a}:{b}")),
        ".{0,80}",
    ]
}

fn sample<T: std::fmt::Debug>(runner: &mut TestRunner, strategy: &impl Strategy<Value = T>) -> T {
    strategy.new_tree(runner).expect("strategy").current()
}

#[tokio::test]
async fn random_commands_and_button_data_never_break_the_bot() {
    let seed: u8 = std::env::var("WARTA_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]));

    let env = TestEnv::start().await;
    let items: Vec<Item> = (1..=30)
        .rev()
        .map(|n| Item {
            categories: vec![["Samarinda", "Ekonomi & Bisnis", "Olahraga", "Banjir"][n as usize % 4].to_owned()],
            ..Item::numbered(n)
        })
        .collect();
    env.feeds.set_feed(FEED_PATH, &rss(&items));
    env.telegram.add_group(GROUP, "Kaltimtoday.co News Update");
    // The admin has started the bot (its menu is set at start).
    env.telegram.add_private_chat(42, "Redaksi");
    // The limit is tested elsewhere; here it must not hide what the handlers do.
    env.write_config(&env.config_text("[readers]\ncommand_burst = 10000\ncommand_refill = \"1ms\"\n"));
    // Replies keep to Telegram's pace per chat (20 a minute in a group): the
    // fake enforces no limits here, so neither does the bot.
    let app = env.spawn_with(
        &[("WARTA__DELIVERY__GROUP_PER_MINUTE", "600"), ("WARTA__DELIVERY__PRIVATE_PER_MINUTE", "600")],
        &[],
    );
    env.feeds.wait_for_requests(FEED_PATH, 2).await;

    let users = [
        FakeUser::new(6001, "Budi", Some("id")),
        FakeUser::new(6002, "Anna", Some("en")),
        FakeUser::new(6003, "Tanpa Bahasa", None),
        FakeUser::new(6004, "Ramón", Some("es")),
        FakeUser::new(42, "Redaksi", Some("id")),
    ];
    let user = prop::sample::select((0..users.len()).collect::<Vec<_>>());
    let in_group = prop::bool::weighted(0.3);
    let text = message_text();
    for _ in 0..MESSAGES {
        let sender = &users[sample(&mut runner, &user)];
        let chat = if sample(&mut runner, &in_group) { GROUP } else { sender.id };
        let text = sample(&mut runner, &text);
        env.telegram.user_sends(sender, chat, &text);
    }
    env.telegram.wait_until("all messages handled", Duration::from_secs(60), |t| t.pending_updates() == 0).await;

    // Presses on the bot's own messages (and on messages that do not exist).
    let data = callback_data();
    let existing = prop::bool::weighted(0.85);
    for _ in 0..PRESSES {
        let presser = &users[sample(&mut runner, &user)];
        let chat = if sample(&mut runner, &in_group) { GROUP } else { presser.id };
        let messages = env.telegram.messages_in(chat);
        let message_id = match messages.len() {
            0 => 9999,
            n if sample(&mut runner, &existing) => messages[fastrand_index(&mut runner, n)].message_id,
            _ => 9999,
        };
        let data = sample(&mut runner, &data);
        env.telegram.user_presses(presser, chat, message_id, &data);
    }
    env.telegram
        .wait_until("every press answered", Duration::from_secs(60), |t| {
            t.pending_updates() == 0 && t.unanswered_callbacks() == 0
        })
        .await;
    settle(&env).await;

    // Still alive and answering.
    let newcomer = FakeUser::new(6999, "Baru", Some("id"));
    env.telegram.user_sends(&newcomer, newcomer.id, "/help");
    let help = env.telegram.wait_for_messages(newcomer.id, 1).await.remove(0);
    assert!(help.text.starts_with("Perintah yang tersedia"), "{}", help.text);

    let failed: Vec<String> = env
        .telegram
        .calls()
        .into_iter()
        .filter(|call| call.method != "getupdates")
        .filter_map(|call| call.error.map(|error| format!("{} → {error}", call.method)))
        .filter(|error| !error.contains("message is not modified"))
        .collect();
    assert!(failed.is_empty(), "Telegram refused what the bot sent: {failed:#?}");
    let answered: usize =
        [GROUP].iter().chain(users.iter().map(|u| &u.id)).map(|c| env.telegram.messages_in(*c).len()).sum();
    assert!(answered > MESSAGES / 3, "the bot answered only {answered} messages");
    for chat in [GROUP].iter().chain(users.iter().map(|u| &u.id)) {
        for message in env.telegram.messages_in(*chat) {
            for leak in ["sqlx", "database", "SQLITE", "panicked", "error returned", "StoreError", "FTS"] {
                assert!(!message.text.contains(leak), "internal detail {leak:?} shown to readers: {}", message.text);
            }
        }
    }
    let (status, log) = app.stop().await;
    assert!(status.success(), "exit {status:?}");
    assert!(!log.contains("panicked"), "{log}");
    assert!(!log.contains("cannot answer a command"), "a handler failed:\n{log}");
    assert!(!log.contains("cannot answer a button press"), "a handler failed:\n{log}");
}

fn fastrand_index(runner: &mut TestRunner, len: usize) -> usize {
    sample(runner, &(0..len))
}

/// Waits until the bot has made no call for half a second.
async fn settle(env: &TestEnv) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = usize::MAX;
    while Instant::now() < deadline {
        let calls = env.telegram.calls().iter().filter(|c| c.method != "getupdates").count();
        if calls == last {
            return;
        }
        last = calls;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

//! Reader commands against the running bot.

use std::time::Duration;

use serde_json::json;

use crate::support::app::FEED_PATH;
use crate::support::fake_telegram::BOT_USERNAME;
use crate::support::{FakeUser, RunningApp, TestEnv};

/// Starts the bot and waits until the feed's articles are stored.
async fn ready_env() -> (TestEnv, RunningApp) {
    let env = TestEnv::start().await;
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    (env, app)
}

#[tokio::test]
async fn start_help_and_latest_in_indonesian() {
    let (env, app) = ready_env().await;
    let budi = FakeUser::new(2001, "Budi", Some("id"));
    env.telegram.user_sends(&budi, budi.id, "/start");
    env.telegram.user_sends(&budi, budi.id, "/help");
    env.telegram.user_sends(&budi, budi.id, "/latest");
    env.telegram.user_sends(&budi, budi.id, "/latest 2");
    env.telegram.user_sends(&budi, budi.id, "/latest 0");
    env.telegram.user_sends(&budi, budi.id, "/latest 21");
    let replies = env.telegram.wait_for_messages(budi.id, 6).await;

    assert!(replies[0].text.starts_with("Selamat datang di Kaltimtoday.co News Update!"), "{}", replies[0].text);
    assert!(replies[0].text.contains("/latest — Berita terbaru"), "{}", replies[0].text);
    assert!(replies[1].text.starts_with("Perintah yang tersedia:"), "{}", replies[1].text);

    let latest = &replies[2];
    assert!(latest.text.starts_with("Berita terbaru"), "{}", latest.text);
    assert_eq!(latest.text.matches("WITA").count(), 3, "{}", latest.text);
    assert_eq!(
        latest.links(),
        [
            "https://kaltimtoday.co/berita-nomor-3/",
            "https://kaltimtoday.co/berita-nomor-2/",
            "https://kaltimtoday.co/berita-nomor-1/"
        ]
    );
    assert!(
        latest.text.contains("1. Berita nomor 3: Pemkot Samarinda & DPRD bahas <APBD>\n1 Okt 2026, 11.00 WITA"),
        "{}",
        latest.text
    );

    assert_eq!(replies[3].links().len(), 2, "/latest 2: {}", replies[3].text);
    for usage in &replies[4..6] {
        assert_eq!(
            usage.text,
            "Gunakan /latest, /latest N (N angka 1 sampai 20) atau /latest <kategori>. Contoh: /latest 10, /latest ekonomi"
        );
    }
    // Private chat replies are plain messages, not threaded.
    assert!(replies.iter().all(|r| r.reply_to.is_none()));
    app.stop().await;
}

#[tokio::test]
async fn readers_with_another_language_get_english() {
    let (env, app) = ready_env().await;
    let anna = FakeUser::new(2002, "Anna", Some("en"));
    env.telegram.user_sends(&anna, anna.id, "/start");
    env.telegram.user_sends(&anna, anna.id, "/latest 1");
    env.telegram.user_sends(&anna, anna.id, "/latest 99");
    env.telegram.user_sends(&anna, anna.id, "/frobnicate");
    let replies = env.telegram.wait_for_messages(anna.id, 4).await;
    assert!(replies[0].text.starts_with("Welcome to Kaltimtoday.co News Update!"));
    assert!(
        replies[1].text.starts_with("Latest news") && replies[1].text.contains("1 Oct 2026, 11:00 WITA"),
        "{}",
        replies[1].text
    );
    assert!(replies[2].text.starts_with("Use /latest, /latest N (N a number from 1 to 20)"), "{}", replies[2].text);
    assert_eq!(replies[3].text, "Unknown command. Send /help for the list of commands.");
    app.stop().await;
}

#[tokio::test]
async fn in_groups_only_commands_for_this_bot_are_answered_in_thread() {
    let (env, app) = ready_env().await;
    let group = -1005550001;
    env.telegram.add_group(group, "Kaltimtoday.co News Update");
    let member = FakeUser::new(2003, "Rina", Some("id"));
    env.telegram.user_sends(&member, group, "/latest@other_bot");
    env.telegram.user_sends(&member, group, "/unknowncommand");
    env.telegram.user_sends(&member, group, "obrolan biasa");
    let asked = env.telegram.user_sends(&member, group, &format!("/latest@{BOT_USERNAME} 1"));
    let replies = env.telegram.wait_for_messages(group, 1).await;
    // Updates of one chat are handled in order: by the time /latest@bot is
    // answered, the others have been seen and ignored.
    env.telegram.wait_until("all updates confirmed", Duration::from_secs(10), |t| t.pending_updates() == 0).await;
    assert_eq!(env.telegram.messages_in(group).len(), 1, "only the command addressed to us is answered");
    assert!(replies[0].text.starts_with("Berita terbaru"));
    assert_eq!(replies[0].links().len(), 1);
    assert!(replies[0].reply_to.is_some(), "group replies are threaded (update {asked})");
    app.stop().await;
}

fn command_names(commands: &[serde_json::Value]) -> Vec<String> {
    commands.iter().map(|c| c["command"].as_str().unwrap_or("").to_owned()).collect()
}

/// The menu registered for a scope and language.
fn menu(env: &TestEnv, scope: serde_json::Value, lang: Option<&str>) -> Vec<serde_json::Value> {
    env.telegram
        .registered_commands()
        .into_iter()
        .find(|(s, l, _)| s == &scope && l.as_deref() == lang)
        .map(|(_, _, commands)| commands)
        .unwrap_or_else(|| panic!("no menu for {scope} {lang:?}"))
}

#[tokio::test]
async fn command_menus_are_registered_per_language_for_groups_and_for_admins() {
    let env = TestEnv::start().await;
    // Admin 42 (in the test config) has started the bot; admin 43 has not.
    env.telegram.add_private_chat(42, "Redaksi");
    env.write_config(&env.config_text("").replace("user_ids = [42]", "user_ids = [42, 43]"));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 1).await;
    env.telegram
        .wait_until("the admin menus", Duration::from_secs(10), |t| {
            t.registered_commands().iter().filter(|(scope, _, _)| scope["type"] == "chat").count() == 2
        })
        .await;
    let default = menu(&env, json!({"type": "default"}), None);
    let indonesian = menu(&env, json!({"type": "default"}), Some("id"));
    assert_eq!(
        command_names(&default),
        ["latest", "search", "topics", "subscribe", "unsubscribe", "settings", "digest", "lang", "help"]
    );
    assert_eq!(
        command_names(&indonesian),
        ["latest", "cari", "kategori", "subscribe", "unsubscribe", "atur", "ringkasan", "bahasa", "help"]
    );
    assert_eq!(indonesian[1]["description"], "Cari berita (mis. /cari banjir Samarinda)");
    assert_eq!(default[0]["description"], "Latest news (e.g. /latest or /latest ekonomi)");
    let groups = menu(&env, json!({"type": "all_group_chats"}), Some("id"));
    assert_eq!(command_names(&groups), ["latest", "cari", "help"]);
    assert_eq!(command_names(&menu(&env, json!({"type": "all_group_chats"}), None)), ["latest", "search", "help"]);
    let admin_en = menu(&env, json!({"type": "chat", "chat_id": 42}), None);
    let admin_id = menu(&env, json!({"type": "chat", "chat_id": 42}), Some("id"));
    assert_eq!(
        command_names(&admin_en)[9..],
        [
            "hide", "unhide", "breaking", "correct", "retract", "pick", "unpick", "pause", "resume", "status", "stats",
            "audit"
        ]
    );
    assert_eq!(
        command_names(&admin_id)[9..],
        [
            "sembunyikan",
            "tampilkan",
            "breaking",
            "koreksi",
            "tarik",
            "pilih",
            "batalpilih",
            "jeda",
            "lanjut",
            "status",
            "stats",
            "audit"
        ]
    );
    let (_, log) = app.stop().await;
    assert!(log.contains("cannot set the admin menu yet"), "admin 43 never started the bot:\n{log}");
}

#[tokio::test]
async fn the_shipped_sample_feed_is_served_to_latest_newest_first() {
    let env = TestEnv::start().await;
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kaltimtoday-sample.xml");
    env.feeds.set_feed_file(FEED_PATH, &sample);
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    let reader = FakeUser::new(2004, "Dewi", None);
    env.telegram.user_sends(&reader, reader.id, "/latest");
    let reply = env.telegram.wait_for_messages(reader.id, 1).await.remove(0);
    let lines: Vec<_> = reply.text.lines().collect();
    assert_eq!(lines[2], "1. Banjir Rendam 3 Kecamatan di Samarinda, Ratusan Warga Mengungsi", "{}", reply.text);
    assert_eq!(lines[3], "27 Nov 2026, 09.20 WITA");
    assert_eq!(reply.links().len(), 5);
    assert!(reply.text.contains("Pemprov Kaltim Siapkan Rp 1,2 Triliun untuk Jalan Poros Kutai Barat – Mahakam Ulu"));
    app.stop().await;
}

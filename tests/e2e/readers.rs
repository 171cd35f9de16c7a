//! The readers' side end to end, in both languages, in private chats and
//! groups: /latest paging and categories, the category picker and what it
//! does to deliveries, search, language, forum topics, and manners.

use std::time::Duration;

use serde_json::json;

use crate::support::app::FEED_PATH;
use crate::support::fake_telegram::{BOT_USERNAME, SentMessage};
use crate::support::{CHANNEL_ID, FakeUser, Item, RunningApp, TestEnv, rss};

/// Twelve stories: 1 is the oldest, 12 the newest.
fn story(n: u32) -> Item {
    let (title, categories): (&str, &[&str]) = match n {
        1 => ("Banjir rendam tiga kecamatan di Samarinda", &["Samarinda"]),
        2 => ("Harga sembako naik jelang Natal", &["Ekonomi & Bisnis"]),
        3 => ("Persiba menang tipis di kandang", &["Olahraga"]),
        4 => ("Pemkot Samarinda bahas APBD 2027", &["Samarinda", "Ekonomi & Bisnis"]),
        5 => ("Jalan poros Kutai Barat diperbaiki", &["Kutai Barat"]),
        6 => ("Festival kuliner Tenggarong ramai pengunjung", &["Kutai Kartanegara"]),
        7 => ("Banjir susulan landa Sempaja", &["Samarinda"]),
        8 => ("Investasi tambang turun di Kaltim", &["Ekonomi & Bisnis"]),
        9 => ("Atlet Kaltim raih emas PON", &["Olahraga"]),
        10 => ("Café baru di Balikpapan", &["Balikpapan"]),
        11 => ("Promo spesial akhir tahun", &["Uncategorized"]),
        12 => ("Wali kota tinjau lokasi banjir", &["Samarinda"]),
        13 => ("Laga persahabatan di Stadion Segiri", &["Olahraga"]),
        14 => ("Inflasi Kaltim terkendali", &["Ekonomi & Bisnis"]),
        _ => ("Berita lain", &[]),
    };
    Item {
        title: title.to_owned(),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        ..Item::numbered(n)
    }
}

fn stories(newest: u32) -> String {
    rss(&(1..=newest).rev().map(story).collect::<Vec<_>>())
}

/// The bot running on an archive of twelve stories; `extra` goes into the config.
async fn archive(extra: &str) -> (TestEnv, RunningApp) {
    let env = TestEnv::start().await;
    env.feeds.set_feed(FEED_PATH, &stories(12));
    env.write_config(&env.config_text(extra));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    (env, app)
}

fn titles(message: &SentMessage) -> Vec<String> {
    message
        .text
        .lines()
        .filter_map(|line| line.split_once(". ").filter(|(n, _)| n.parse::<u32>().is_ok()).map(|(_, t)| t.to_owned()))
        .collect()
}

fn callback_data(message: &SentMessage) -> Vec<String> {
    message.callback_data()
}

/// The data of the button labelled `label` (or starting with it).
fn button(message: &SentMessage, label: &str) -> String {
    message.button_data(label).unwrap_or_else(|| panic!("no button {label:?} on {:?}", message.reply_markup))
}

/// Presses a button and waits until the press is answered; returns the toast.
async fn press(env: &TestEnv, user: &FakeUser, chat: i64, message_id: i64, data: &str) -> Option<String> {
    let update = env.telegram.user_presses(user, chat, message_id, data);
    env.telegram
        .wait_until(&format!("the answer to {data}"), Duration::from_secs(15), |t| t.callback_answer(update).is_some())
        .await;
    env.telegram.callback_answer(update).and_then(|answer| answer.text)
}

/// Waits until message `index` of `chat` was edited `edits` times; returns it.
async fn edited(env: &TestEnv, chat: i64, index: usize, edits: u32) -> SentMessage {
    env.telegram
        .wait_until(&format!("edit {edits} of message {index} in {chat}"), Duration::from_secs(15), |t| {
            t.messages_in(chat).get(index).is_some_and(|m| m.edits >= edits)
        })
        .await;
    env.telegram.messages_in(chat).remove(index)
}

async fn latest_pages_through_the_archive_in_place_and_by_category() {
    let (env, app) = archive("").await;
    let budi = FakeUser::new(5001, "Budi", Some("id"));
    env.telegram.user_sends(&budi, budi.id, "/latest");
    let first = env.telegram.wait_for_messages(budi.id, 1).await.remove(0);
    assert_eq!(titles(&first)[0], "Wali kota tinjau lokasi banjir");
    assert_eq!(titles(&first).len(), 5);
    assert!(first.text.ends_with("Halaman 1/3"), "{}", first.text);
    assert!(first.text.contains("1 Okt 2026, 20.00 WITA"), "{}", first.text);
    assert_eq!(first.links()[0], "https://kaltimtoday.co/berita-nomor-12/");
    assert_eq!(first.button_texts(), ["▶"]);

    // ▶ edits the same message to the next page; numbering continues.
    press(&env, &budi, budi.id, first.message_id, &button(&first, "▶")).await;
    let second = edited(&env, budi.id, 0, 1).await;
    assert!(second.text.contains("\n\n6. Banjir susulan landa Sempaja"), "{}", second.text);
    assert!(second.text.ends_with("Halaman 2/3"), "{}", second.text);
    assert_eq!(second.button_texts(), ["◀", "▶"]);
    assert_eq!(env.telegram.messages_in(budi.id).len(), 1, "paging edits, never posts");
    // A forged page past the end shows the last page.
    press(&env, &budi, budi.id, first.message_id, "l:0:999:5").await;
    let last = edited(&env, budi.id, 0, 2).await;
    assert_eq!(titles(&last), ["Harga sembako naik jelang Natal", "Banjir rendam tiga kecamatan di Samarinda"]);
    assert_eq!(last.button_texts(), ["◀"]);

    // One category, by any spelling; pages of N.
    env.telegram.user_sends(&budi, budi.id, "/latest samarinda 2");
    let samarinda = env.telegram.wait_for_messages(budi.id, 2).await.remove(1);
    assert!(samarinda.text.starts_with("Berita terbaru — Samarinda"), "{}", samarinda.text);
    assert_eq!(titles(&samarinda), ["Wali kota tinjau lokasi banjir", "Banjir susulan landa Sempaja"]);
    assert!(samarinda.text.ends_with("Halaman 1/2"), "{}", samarinda.text);
    press(&env, &budi, budi.id, samarinda.message_id, &button(&samarinda, "▶")).await;
    let samarinda = edited(&env, budi.id, 1, 1).await;
    assert_eq!(titles(&samarinda), ["Pemkot Samarinda bahas APBD 2027", "Banjir rendam tiga kecamatan di Samarinda"]);
    env.telegram.user_sends(&budi, budi.id, "/terbaru EKONOMI-bisnis");
    let ekonomi = env.telegram.wait_for_messages(budi.id, 3).await.remove(2);
    assert!(ekonomi.text.starts_with("Berita terbaru — Ekonomi & Bisnis"), "{}", ekonomi.text);
    assert_eq!(titles(&ekonomi).len(), 3);

    // An unknown category: the categories as buttons, most used first; hidden ones never.
    env.telegram.user_sends(&budi, budi.id, "/latest cuaca");
    let unknown = env.telegram.wait_for_messages(budi.id, 4).await.remove(3);
    assert_eq!(unknown.text, "Kategori “cuaca” tidak ditemukan. Pilih salah satu:");
    assert_eq!(
        unknown.button_texts(),
        ["Samarinda", "Ekonomi & Bisnis", "Olahraga", "Balikpapan", "Kutai Barat", "Kutai Kartanegara"]
    );
    press(&env, &budi, budi.id, unknown.message_id, &button(&unknown, "Olahraga")).await;
    let olahraga = edited(&env, budi.id, 3, 1).await;
    assert_eq!(titles(&olahraga), ["Atlet Kaltim raih emas PON", "Persiba menang tipis di kandang"]);
    // "kutai" is two categories: both are offered.
    env.telegram.user_sends(&budi, budi.id, "/latest kutai");
    let kutai = env.telegram.wait_for_messages(budi.id, 5).await.remove(4);
    assert_eq!(kutai.button_texts(), ["Kutai Barat", "Kutai Kartanegara"]);
    app.stop().await;
}

#[tokio::test]
async fn latest_in_english_and_in_groups() {
    let (env, app) = archive("").await;
    let anna = FakeUser::new(5002, "Anna", Some("en-GB"));
    env.telegram.user_sends(&anna, anna.id, "/latest olahraga");
    let reply = env.telegram.wait_for_messages(anna.id, 1).await.remove(0);
    assert!(reply.text.starts_with("Latest news — Olahraga"), "{}", reply.text);
    assert!(reply.text.contains("1 Oct 2026, 17:00 WITA"), "{}", reply.text);
    env.telegram.user_sends(&anna, anna.id, "/latest");
    let all = env.telegram.wait_for_messages(anna.id, 2).await.remove(1);
    assert!(all.text.ends_with("Page 1/3"), "{}", all.text);

    // In the group: addressed to the bot, a threaded reply; anyone may turn the page.
    let group = -1005550010;
    env.telegram.add_group(group, "Kaltimtoday.co News Update");
    let rina = FakeUser::new(5003, "Rina", Some("id"));
    env.telegram.user_sends(&rina, group, &format!("/latest@{BOT_USERNAME}"));
    let listed = env.telegram.wait_for_messages(group, 1).await.remove(0);
    assert!(listed.reply_to.is_some());
    press(&env, &anna, group, listed.message_id, &button(&listed, "▶")).await;
    let turned = edited(&env, group, 0, 1).await;
    assert!(turned.text.ends_with("Page 2/3"), "the presser's language: {}", turned.text);
    app.stop().await;
}

async fn search_finds_words_and_word_starts_best_first_and_pages() {
    let (env, app) = archive("").await;
    let budi = FakeUser::new(5004, "Budi", Some("id"));
    env.telegram.user_sends(&budi, budi.id, "/cari banjir");
    let found = env.telegram.wait_for_messages(budi.id, 1).await.remove(0);
    assert!(found.text.starts_with("Hasil pencarian “banjir”\n3 hasil"), "{}", found.text);
    let mut got = titles(&found);
    got.sort();
    assert_eq!(
        got,
        ["Banjir rendam tiga kecamatan di Samarinda", "Banjir susulan landa Sempaja", "Wali kota tinjau lokasi banjir"]
    );
    assert!(found.reply_markup.is_none(), "one page, no buttons");

    // Word starts, any case, without diacritics; plain text in private chat is a search too.
    env.telegram.user_sends(&budi, budi.id, "CAFE balik");
    let cafe = env.telegram.wait_for_messages(budi.id, 2).await.remove(1);
    assert_eq!(titles(&cafe), ["Café baru di Balikpapan"]);
    env.telegram.user_sends(&budi, budi.id, "/cari gempa bumi");
    let none = env.telegram.wait_for_messages(budi.id, 3).await.remove(2);
    assert_eq!(none.text, "Tidak ada berita yang cocok dengan “gempa bumi”. Coba kata lain.");
    env.telegram.user_sends(&budi, budi.id, "/cari");
    let usage = env.telegram.wait_for_messages(budi.id, 4).await.remove(3);
    assert_eq!(usage.text, "Ketik /cari diikuti kata yang dicari. Contoh: /cari banjir Samarinda");

    // Every summary has "Ringkasan": paged five at a time.
    env.telegram.user_sends(&budi, budi.id, "/cari ringkas");
    let many = env.telegram.wait_for_messages(budi.id, 5).await.remove(4);
    assert_eq!(many.button_texts(), ["▶"], "{}", many.text);
    let before = titles(&many);
    press(&env, &budi, budi.id, many.message_id, &button(&many, "▶")).await;
    let next = edited(&env, budi.id, 4, 1).await;
    assert!(next.text.contains("\n\n6. "), "{}", next.text);
    assert!(titles(&next).iter().all(|t| !before.contains(t)), "pages do not repeat");

    // English.
    let anna = FakeUser::new(5005, "Anna", Some("en"));
    env.telegram.user_sends(&anna, anna.id, "/search samarinda apbd");
    let english = env.telegram.wait_for_messages(anna.id, 1).await.remove(0);
    assert!(english.text.starts_with("Search results for “samarinda apbd”\n1 results"), "{}", english.text);
    app.stop().await;
}

#[tokio::test]
async fn search_syntax_and_forged_pages_are_harmless() {
    // Many commands from one reader: a limit that does not get in the way.
    let (env, app) = archive("[readers]\ncommand_burst = 100\n").await;
    let budi = FakeUser::new(5006, "Budi", Some("id"));
    let anna = FakeUser::new(5007, "Anna", Some("en"));
    let hostile = [
        "/cari \"banjir",
        "/cari banjir*",
        "/cari NEAR(banjir samarinda)",
        "/cari banjir OR 1=1; DROP TABLE articles; --",
        "/cari ^banjir AND -sembako",
        "/cari \u{202e}banjir\u{202c} \u{7}",
        "/cari 🌧️🌧️",
    ];
    for text in hostile {
        env.telegram.user_sends(&budi, budi.id, text);
    }
    let replies = env.telegram.wait_for_messages(budi.id, hostile.len()).await;
    for (text, reply) in hostile.iter().zip(&replies) {
        assert!(
            reply.text.starts_with("Hasil pencarian")
                || reply.text.starts_with("Tidak ada berita")
                || reply.text.starts_with("Ketik /cari"),
            "{text}: {}",
            reply.text
        );
    }
    assert!(replies[0].text.contains("3 hasil"), "{}", replies[0].text);

    // Anna's search, paged by Budi with forged data in his own chat: refused.
    env.telegram.user_sends(&anna, anna.id, "/search ringkasan");
    let annas = env.telegram.wait_for_messages(anna.id, 1).await.remove(0);
    let data = button(&annas, "▶");
    let toast = press(&env, &budi, budi.id, replies[0].message_id, &data).await;
    assert_eq!(toast.as_deref(), Some("Pencarian ini sudah kedaluwarsa. Silakan cari lagi."));
    assert_eq!(env.telegram.messages_in(budi.id)[0].edits, 0);
    for garbage in ["s:abc:1", "l:0:0:500", "k:t:-1:0", "", "x".repeat(64).as_str()] {
        let toast = press(&env, &budi, budi.id, replies[0].message_id, garbage).await;
        assert_eq!(toast.as_deref(), Some("Tombol ini sudah tidak berlaku."), "{garbage:?}");
    }
    app.stop().await;
}

async fn subscribers_tick_categories_and_receive_only_those() {
    let (env, app) = archive("").await;
    let budi = FakeUser::new(5008, "Budi", Some("id"));
    env.telegram.user_sends(&budi, budi.id, "/kategori");
    let picker = env.telegram.wait_for_messages(budi.id, 1).await.remove(0);
    assert!(picker.text.starts_with("Kategori berita\nCentang kategori"), "{}", picker.text);
    assert!(picker.text.contains("Dipilih: semua kategori"), "{}", picker.text);
    assert!(picker.text.ends_with("memilih kategori sekaligus mengaktifkan langganan."), "{}", picker.text);
    assert_eq!(
        picker.button_texts(),
        ["Samarinda", "Ekonomi & Bisnis", "Olahraga", "Balikpapan", "Kutai Barat", "Kutai Kartanegara", "Selesai"]
    );

    let toast = press(&env, &budi, budi.id, picker.message_id, &button(&picker, "Ekonomi")).await;
    assert_eq!(toast.as_deref(), Some("✅ Ekonomi & Bisnis dipilih"));
    let ticked = edited(&env, budi.id, 0, 1).await;
    assert!(ticked.text.contains("Dipilih: Ekonomi & Bisnis"), "{}", ticked.text);
    assert!(!ticked.text.contains("belum berlangganan"), "ticking subscribed: {}", ticked.text);
    assert!(ticked.button_texts().contains(&"✅ Ekonomi & Bisnis".to_owned()));
    assert!(ticked.button_texts().contains(&"Semua kategori".to_owned()));

    // New stories: Olahraga goes to the channel only, Ekonomi to Budi too.
    env.feeds.set_feed(FEED_PATH, &stories(13));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    env.feeds.set_feed(FEED_PATH, &stories(14));
    env.telegram.wait_for_messages(CHANNEL_ID, 2).await;
    let received = env.telegram.wait_for_messages(budi.id, 2).await;
    assert!(received[1].text.starts_with("Inflasi Kaltim terkendali"), "{}", received[1].text);
    let seen = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, seen + 2).await;
    assert_eq!(env.telegram.messages_in(budi.id).len(), 2, "no Olahraga story for Budi");

    // Back to everything; then done: the keyboard goes away.
    let toast = press(&env, &budi, budi.id, picker.message_id, "k:all:0").await;
    assert_eq!(toast.as_deref(), Some("Anda menerima semua kategori."));
    let cleared = edited(&env, budi.id, 0, 2).await;
    assert!(cleared.text.contains("Dipilih: semua kategori"), "{}", cleared.text);
    press(&env, &budi, budi.id, picker.message_id, "k:done").await;
    let done = edited(&env, budi.id, 0, 3).await;
    assert_eq!(done.text, "Pilihan kategori disimpan.\nDipilih: semua kategori");
    assert!(done.reply_markup.is_none());

    // A forged tick of a hidden or unknown category does nothing.
    let toast = press(&env, &budi, budi.id, picker.message_id, "k:t:999:0").await;
    assert_eq!(toast.as_deref(), Some("Kategori ini tidak tersedia lagi."));
    app.stop().await;
}

#[tokio::test]
async fn the_category_picker_by_deep_link_in_english_and_from_groups() {
    let (env, app) = archive("").await;
    let anna = FakeUser::new(5009, "Anna", Some("en"));
    env.telegram.user_sends(&anna, anna.id, "/start kategori");
    let picker = env.telegram.wait_for_messages(anna.id, 1).await.remove(0);
    assert!(picker.text.starts_with("News categories\nTick the categories"), "{}", picker.text);
    assert!(callback_data(&picker).iter().all(|d| d.len() <= 64));
    let toast = press(&env, &anna, anna.id, picker.message_id, &button(&picker, "Olahraga")).await;
    assert_eq!(toast.as_deref(), Some("✅ Olahraga chosen"));
    let toast = press(&env, &anna, anna.id, picker.message_id, &button(&picker, "Olahraga")).await;
    assert_eq!(toast.as_deref(), Some("Olahraga removed"));

    let group = -1005550011;
    env.telegram.add_group(group, "Diskusi");
    env.telegram.user_sends(&anna, group, &format!("/kategori@{BOT_USERNAME}"));
    env.telegram.user_sends(&anna, group, &format!("/bahasa@{BOT_USERNAME}"));
    let hints = env.telegram.wait_for_messages(group, 2).await;
    assert_eq!(hints[0].button_urls(), [format!("https://t.me/{BOT_USERNAME}?start=kategori")]);
    assert_eq!(hints[1].button_urls(), [format!("https://t.me/{BOT_USERNAME}?start=bahasa")]);
    assert_eq!(hints[0].text, "This setting is made in a private chat with the bot.");
    app.stop().await;
}

#[tokio::test]
async fn admins_hide_and_show_categories_readers_never_see_the_commands() {
    let (env, app) = archive("").await;
    let admin = FakeUser::new(42, "Redaksi", Some("id"));
    let budi = FakeUser::new(5010, "Budi", Some("id"));
    env.telegram.user_sends(&budi, budi.id, "/sembunyikan olahraga");
    let refused = env.telegram.wait_for_messages(budi.id, 1).await.remove(0);
    // Not in a reader's menu, and refused politely when typed anyway.
    assert_eq!(refused.text, "Maaf, perintah ini khusus admin redaksi.");

    env.telegram.user_sends(&admin, admin.id, "/sembunyikan olahraga");
    env.telegram.user_sends(&admin, admin.id, "/sembunyikan olahraga");
    env.telegram.user_sends(&admin, admin.id, "/tampilkan uncategorized");
    env.telegram.user_sends(&admin, admin.id, "/sembunyikan");
    env.telegram.user_sends(&admin, admin.id, "/help");
    let replies = env.telegram.wait_for_messages(admin.id, 5).await;
    assert_eq!(replies[0].text, "Kategori Olahraga disembunyikan dari daftar pembaca.");
    assert_eq!(replies[1].text, "Kategori Olahraga sudah tersembunyi.");
    assert!(replies[2].text.contains("disembunyikan oleh bot.toml"), "{}", replies[2].text);
    assert_eq!(replies[3].text, "Gunakan /sembunyikan <kategori>. Contoh: /sembunyikan advertorial");
    assert!(replies[4].text.contains("/sembunyikan — Admin"), "{}", replies[4].text);

    env.telegram.user_sends(&budi, budi.id, "/kategori");
    env.telegram.user_sends(&budi, budi.id, "/latest olahraga");
    env.telegram.user_sends(&budi, budi.id, "/help");
    let replies = env.telegram.wait_for_messages(budi.id, 4).await;
    assert!(!replies[1].button_texts().contains(&"Olahraga".to_owned()), "{:?}", replies[1].button_texts());
    assert!(replies[2].text.starts_with("Kategori “olahraga” tidak ditemukan"), "{}", replies[2].text);
    assert!(!replies[3].text.contains("sembunyikan"), "readers' help has no admin commands");

    env.telegram.user_sends(&admin, admin.id, "/tampilkan Olahraga");
    let shown = env.telegram.wait_for_messages(admin.id, 6).await.remove(5);
    assert_eq!(shown.text, "Kategori Olahraga ditampilkan lagi.");
    app.stop().await;
}

#[tokio::test]
async fn readers_choose_their_language_and_their_copies_follow() {
    let (env, app) = archive("").await;
    let budi = FakeUser::new(5011, "Budi", Some("id"));
    env.telegram.user_sends(&budi, budi.id, "/subscribe");
    env.telegram.user_sends(&budi, budi.id, "/bahasa");
    let prompt = env.telegram.wait_for_messages(budi.id, 2).await.remove(1);
    assert_eq!(prompt.text, "Pilih bahasa / Choose your language:");
    assert_eq!(prompt.button_texts(), ["🇮🇩 Bahasa Indonesia", "🇬🇧 English", "Otomatis (ikuti Telegram)"]);
    let toast = press(&env, &budi, budi.id, prompt.message_id, &button(&prompt, "🇬🇧")).await;
    assert_eq!(toast.as_deref(), Some("Language set to English."));
    let confirmed = edited(&env, budi.id, 1, 1).await;
    assert_eq!(confirmed.text, "Language set to English.");
    // His menu follows the choice, whatever his Telegram language.
    env.telegram
        .wait_until("Budi's menu", Duration::from_secs(10), |t| {
            t.registered_commands().iter().any(|(scope, _, commands)| {
                scope == &json!({"type": "chat", "chat_id": 5011}) && commands[1]["command"] == "search"
            })
        })
        .await;

    env.telegram.user_sends(&budi, budi.id, "/help");
    let help = env.telegram.wait_for_messages(budi.id, 3).await.remove(2);
    assert!(help.text.starts_with("Available commands:"), "{}", help.text);
    // His copy of a new story has English labels.
    env.feeds.set_feed(FEED_PATH, &stories(13));
    let copy = env.telegram.wait_for_messages(budi.id, 4).await.remove(3);
    assert!(copy.text.starts_with("Laga persahabatan"), "{}", copy.text);
    assert_eq!(copy.button_texts(), ["Read more"]);
    assert_eq!(env.telegram.wait_for_messages(CHANNEL_ID, 1).await[0].button_texts(), ["Baca selengkapnya"]);

    // Typed choice, then back to Telegram's language.
    env.telegram.user_sends(&budi, budi.id, "/lang indonesia");
    let back = env.telegram.wait_for_messages(budi.id, 5).await.remove(4);
    assert_eq!(back.text, "Bahasa diatur ke Bahasa Indonesia.");
    env.telegram.user_sends(&budi, budi.id, "/bahasa klingon");
    let again = env.telegram.wait_for_messages(budi.id, 6).await.remove(5);
    press(&env, &budi, budi.id, again.message_id, "lang:auto").await;
    let auto = edited(&env, budi.id, 5, 1).await;
    assert_eq!(auto.text, "Bahasa mengikuti pengaturan Telegram Anda.");
    env.telegram
        .wait_until("Budi's own menu removed", Duration::from_secs(10), |t| {
            !t.registered_commands().iter().any(|(scope, _, _)| scope == &json!({"type": "chat", "chat_id": 5011}))
        })
        .await;
    app.stop().await;
}

#[tokio::test]
async fn groups_forum_topics_anonymous_admins_and_things_that_are_not_commands() {
    let (env, app) = archive("").await;
    let forum = -1005550012;
    env.telegram.add_forum(forum, "Kaltimtoday.co News Update", &[7]);
    let rina = FakeUser::new(5012, "Rina", Some("id"));
    let other_bot = FakeUser::bot(5013, "other_news_bot");
    env.telegram.user_sends(&other_bot, forum, &format!("/latest@{BOT_USERNAME}"));
    env.telegram.user_edits(&rina, forum, &format!("/latest@{BOT_USERNAME}"));
    env.telegram.channel_posts(CHANNEL_ID, "/latest");
    env.telegram.user_sends_sticker(&rina, forum);
    env.telegram.user_sends(&rina, forum, "banjir");
    env.telegram.user_sends_in_topic(&rina, forum, 7, &format!("/cari@{BOT_USERNAME} banjir"));
    env.telegram.anonymous_admin_sends(forum, "/latest 1");
    let replies = env.telegram.wait_for_messages(forum, 2).await;
    env.telegram.wait_until("all updates confirmed", Duration::from_secs(10), |t| t.pending_updates() == 0).await;
    assert_eq!(env.telegram.messages_in(forum).len(), 2, "only the two commands are answered");
    assert!(replies[0].text.starts_with("Hasil pencarian “banjir”"), "{}", replies[0].text);
    assert_eq!(replies[0].thread, Some(7), "answered in the topic");
    assert!(replies[0].reply_to.is_some());
    assert!(replies[1].text.starts_with("Berita terbaru"), "{}", replies[1].text);
    assert_eq!(replies[1].thread, None);

    // In private chat a sticker gets a hint.
    env.telegram.user_sends_sticker(&rina, rina.id);
    let hint = env.telegram.wait_for_messages(rina.id, 1).await.remove(0);
    assert_eq!(hint.text, "Kirim perintah, atau kata yang ingin dicari. Ketik /help untuk bantuan.");
    app.stop().await;
}

#[tokio::test]
async fn forum_groups_get_posts_in_the_topic_of_their_category() {
    let env = TestEnv::start().await;
    env.feeds.set_feed(FEED_PATH, &stories(12));
    let forum = -1005550013;
    env.telegram.add_forum(forum, "Kaltimtoday.co Forum", &[12, 34]);
    let channels = format!(
        "[[channels]]\nchat = \"{forum}\"\ndefault_topic = 34\ntopics = {{ \"Olahraga\" = 12, \"Ekonomi & Bisnis\" = 99 }}\n"
    );
    env.write_config(&env.config_text(&channels));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &stories(13));
    let posts = env.telegram.wait_for_messages(forum, 1).await;
    assert!(posts[0].text.starts_with("Laga persahabatan"), "{}", posts[0].text);
    assert_eq!(posts[0].thread, Some(12), "Olahraga's topic");
    // Topic 99 does not exist: the post goes to General rather than nowhere.
    env.feeds.set_feed(FEED_PATH, &stories(14));
    let posts = env.telegram.wait_for_messages(forum, 2).await;
    assert!(posts[1].text.starts_with("Inflasi Kaltim"), "{}", posts[1].text);
    assert_eq!(posts[1].thread, None);
    let (_, log) = app.stop().await;
    assert!(log.contains("the forum topic is unusable; posting outside it"), "{log}");
}

#[tokio::test]
async fn a_flood_of_commands_gets_one_wait_then_silence_then_service() {
    let (env, app) = archive("[readers]\ncommand_burst = 3\ncommand_refill = \"1s\"\nflood_pause = \"3s\"\n").await;
    let budi = FakeUser::new(5014, "Budi", Some("id"));
    for _ in 0..10 {
        env.telegram.user_sends(&budi, budi.id, "/help");
    }
    let replies = env.telegram.wait_for_messages(budi.id, 4).await;
    env.telegram.wait_until("all updates confirmed", Duration::from_secs(10), |t| t.pending_updates() == 0).await;
    let replies_now = env.telegram.messages_in(budi.id);
    assert_eq!(replies_now.len(), 4, "three answers and one request to wait");
    assert!(replies[..3].iter().all(|r| r.text.starts_with("Perintah yang tersedia")));
    assert_eq!(replies[3].text, "⏳ Tunggu sebentar — terlalu banyak perintah. Coba lagi sebentar lagi.");
    // Others are served meanwhile; a pressed button gets a toast, not a message.
    let rina = FakeUser::new(5015, "Rina", Some("id"));
    env.telegram.user_sends(&rina, rina.id, "/help");
    env.telegram.wait_for_messages(rina.id, 1).await;
    assert_eq!(press(&env, &budi, budi.id, replies[0].message_id, "l:0:1:5").await, None);
    // After the pause, service resumes.
    tokio::time::sleep(Duration::from_secs(4)).await;
    env.telegram.user_sends(&budi, budi.id, "/help");
    let resumed = env.telegram.wait_for_messages(budi.id, 5).await.remove(4);
    assert!(resumed.text.starts_with("Perintah yang tersedia"), "{}", resumed.text);
    app.stop().await;
}

// The same flows with the store on PostgreSQL.
crate::on_both_backends!(
    latest_pages_through_the_archive_in_place_and_by_category,
    search_finds_words_and_word_starts_best_first_and_pages,
    subscribers_tick_categories_and_receive_only_those,
);

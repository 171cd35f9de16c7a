//! The newsroom's controls end to end: admins only, breaking news with
//! preview and confirm (ahead of a routine fan-out, pinned, with progress),
//! cancel and expiry, corrections and retractions everywhere, pause and
//! resume, status, the chart, alerts that fire once and recover, the audit log.

use std::time::Duration;

use crate::support::app::FEED_PATH;
use crate::support::fake_telegram::SentMessage;
use crate::support::{CHANNEL_ID, Failure, FakeUser, Item, RunningApp, TestEnv, rss};

const ADMIN: i64 = 42;
const WAIT: Duration = Duration::from_secs(30);

fn admin() -> FakeUser {
    FakeUser::new(ADMIN, "Redaktur", Some("id"))
}

/// The bot running with `subscribers` seeded and the admin's chat open.
async fn newsroom(subscribers: &[i64], extra: &str) -> (TestEnv, RunningApp) {
    let env = TestEnv::start().await;
    env.seed_subscribers(subscribers).await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    env.write_config(&env.config_text(extra));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    (env, app)
}

fn is_breaking(message: &SentMessage) -> bool {
    message.text.starts_with("🔴 BERITA TERKINI") || message.text.starts_with("🔴 BREAKING NEWS")
}

fn callback_data(message: &SentMessage) -> Vec<String> {
    message.callback_data()
}

/// Sends `text` as the admin and waits for the `count`-th message in the admin's chat.
async fn admin_says(env: &TestEnv, text: &str, count: usize) -> Vec<SentMessage> {
    env.telegram.user_sends(&admin(), ADMIN, text);
    env.telegram.wait_for_messages(ADMIN, count).await
}

/// The preview of the news containing `text` (the message with Kirim and Batal), waited for.
async fn preview(env: &TestEnv, text: &str) -> SentMessage {
    let matches = |m: &SentMessage| m.text.contains(text) && m.callback_data().iter().any(|d| d.starts_with("b:ok:"));
    env.telegram
        .wait_until(&format!("a breaking-news preview of {text:?}"), WAIT, |fake| {
            fake.messages_in(ADMIN).iter().any(matches)
        })
        .await;
    env.telegram.messages_in(ADMIN).into_iter().rev().find(matches).expect("preview")
}

/// Presses a button and waits for the press to be answered; returns the toast.
async fn press(env: &TestEnv, user: &FakeUser, message: &SentMessage, data: &str) -> String {
    let update = env.telegram.user_presses(user, message.chat_id, message.message_id, data);
    env.telegram.wait_until("the press answered", WAIT, |fake| fake.callback_answer(update).is_some()).await;
    env.telegram.callback_answer(update).and_then(|a| a.text).unwrap_or_default()
}

/// The post id (`#12`) of the newest story in /status.
async fn newest_post_id(env: &TestEnv) -> String {
    let count = env.telegram.messages_in(ADMIN).len();
    let status = admin_says(env, "/status", count + 1).await;
    let text = &status.last().expect("status").text;
    let after = text.split("Kiriman terakhir").nth(1).expect("recent posts in status");
    let id: String = after.split('#').nth(1).expect("a #id").chars().take_while(char::is_ascii_digit).collect();
    assert!(!id.is_empty(), "{text}");
    id
}

#[tokio::test]
async fn non_admins_are_refused_for_every_admin_command_and_for_forged_buttons() {
    let (env, app) = newsroom(&[], "[readers]\ncommand_burst = 100\n").await;
    let reader = FakeUser::new(7, "Pembaca", Some("id"));
    let english = FakeUser::new(8, "Reader", Some("en"));
    let commands = [
        "/breaking Banjir",
        "/darurat",
        "/koreksi #1 teks",
        "/tarik #1",
        "/jeda",
        "/lanjut",
        "/status",
        "/stats",
        "/audit",
        "/sembunyikan Samarinda",
    ];
    for (n, command) in commands.iter().enumerate() {
        env.telegram.user_sends(&reader, 7, command);
        let answers = env.telegram.wait_for_messages(7, n + 1).await;
        assert_eq!(answers[n].text, "Maaf, perintah ini khusus admin redaksi.", "{command}");
    }
    for (n, command) in ["/correct #1 x", "/retract #1", "/pause", "/resume", "/stats"].iter().enumerate() {
        env.telegram.user_sends(&english, 8, command);
        let answers = env.telegram.wait_for_messages(8, n + 1).await;
        assert_eq!(answers[n].text, "Sorry, this command is for the newsroom's admins only.", "{command}");
    }
    // In the group too, and from an anonymous admin (no user to check).
    env.telegram.add_group(-100_777, "Diskusi");
    env.telegram.user_sends(&reader, -100_777, "/status@warta_test_bot");
    env.telegram.anonymous_admin_sends(-100_777, "/jeda@warta_test_bot");
    let group = env.telegram.wait_for_messages(-100_777, 2).await;
    assert!(group.iter().all(|m| m.text == "Maaf, perintah ini khusus admin redaksi."), "{group:?}");

    // A real draft, and a reader who forges its buttons from their own chat and from the admin's.
    let messages = admin_says(&env, "/breaking Uji coba", 1).await.len();
    let preview = preview(&env, "Uji coba").await;
    let data = callback_data(&preview)[0].clone();
    assert!(data.starts_with("b:ok:"), "{data}");
    env.telegram.wait_for_messages(ADMIN, messages + 1).await;
    let toast = press(&env, &reader, &preview, &data).await;
    assert_eq!(toast, "Maaf, perintah ini khusus admin redaksi.");
    let own = env.telegram.messages_in(7).last().cloned().expect("a message in the reader's chat");
    let toast = press(&env, &reader, &own, &data).await;
    assert_eq!(toast, "Maaf, perintah ini khusus admin redaksi.");
    // Even the admin cannot confirm a draft from another chat's message.
    let toast = press(&env, &admin(), &own, &data).await;
    assert_eq!(toast, "Pratinjau tidak ditemukan.");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty(), "nothing may be sent");

    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
    assert!(log.contains("admin command refused: not an admin"), "{log}");
    assert!(log.contains("breaking-news button refused: not an admin"), "{log}");
}

async fn breaking_news_overtakes_a_routine_fan_out_is_pinned_and_reports_progress() {
    let readers: Vec<i64> = (1_000..1_120).collect();
    let extra = "[newsroom]\nunpin_after = \"1m\"\n";
    let (env, app) = newsroom(&readers, extra).await;
    // Two new articles: a routine fan-out of 2 × 120 readers at 30 messages/s (≈ 8 s).
    env.feeds.set_feed(
        FEED_PATH,
        &rss(&[Item::numbered(5), Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]),
    );
    env.telegram.wait_until("the routine fan-out under way", WAIT, |fake| fake.all_messages().len() >= 20).await;

    let before =
        admin_says(&env, "/breaking Banjir besar di Samarinda\nWarga di bantaran diminta mengungsi.", 1).await.len();
    let preview = preview(&env, "Banjir besar di Samarinda").await;
    assert!(is_breaking(&preview), "the preview is the post: {}", preview.text);
    assert!(preview.text.contains("Banjir besar di Samarinda\n\nWarga di bantaran diminta mengungsi."));
    assert_eq!(preview.button_texts()[..2], ["✅ Kirim".to_owned(), "✖️ Batal".to_owned()]);
    let note = env.telegram.wait_for_messages(ADMIN, before + 1).await;
    assert!(note.last().expect("note").text.contains("1 kanal dan 120 pelanggan"), "{note:?}");
    assert!(!env.telegram.all_messages().iter().any(|m| m.chat_id != ADMIN && is_breaking(m)), "sent before Kirim");

    let toast = press(&env, &admin(), &preview, &callback_data(&preview)[0]).await;
    assert_eq!(toast, "Berita terkini dikirim.");
    env.telegram
        .wait_until("breaking news everywhere", WAIT, |fake| {
            fake.all_messages().iter().filter(|m| m.chat_id != ADMIN && is_breaking(m)).count() == 121
        })
        .await;
    for reader in &readers {
        let copies = env.telegram.messages_in(*reader).iter().filter(|m| is_breaking(m)).count();
        assert_eq!(copies, 1, "reader {reader}");
    }
    let channel = env.telegram.messages_in(CHANNEL_ID);
    let post = channel.iter().find(|m| is_breaking(m)).expect("in the channel");
    assert!(post.pinned, "breaking news is pinned in the channel");
    assert_ne!(post.params.get("disable_notification"), Some(&serde_json::json!(true)), "with sound");
    let pins = env.telegram.calls_to("pinchatmessage");
    assert_eq!(pins.len(), 1, "pinned in the channel only: {pins:?}");
    // The preview lost its buttons; the status message counted up to the summary.
    env.telegram
        .wait_until("the final summary", WAIT, |fake| {
            fake.messages_in(ADMIN).iter().any(|m| m.text.contains("selesai: terkirim 121,") && m.edits > 0)
        })
        .await;
    let preview_now = env.telegram.messages_in(ADMIN).into_iter().find(|m| m.message_id == preview.message_id);
    assert!(callback_data(&preview_now.expect("preview")).is_empty(), "buttons removed after Kirim");
    // Every routine story still arrives, once (a reader's two waiting stories go out as one message).
    let stories =
        |m: &SentMessage| ["Berita nomor 4:", "Berita nomor 5:"].iter().filter(|s| m.text.contains(**s)).count();
    env.telegram
        .wait_until("the routine fan-out done", WAIT, |fake| {
            readers.iter().all(|r| {
                let messages = fake.messages_in(*r);
                ["Berita nomor 4:", "Berita nomor 5:"]
                    .iter()
                    .all(|story| messages.iter().filter(|m| m.text.contains(story)).count() == 1)
            })
        })
        .await;
    // Breaking news reached everyone while much of the routine fan-out was still to go.
    let all = env.telegram.all_messages();
    let last_breaking = all.iter().rposition(|m| m.chat_id != ADMIN && is_breaking(m)).expect("breaking");
    let routine_after: usize = all[last_breaking..].iter().map(stories).sum();
    assert!(routine_after >= 100, "only {routine_after} routine stories were left behind breaking news");
    let audit = admin_says(&env, "/audit", env.telegram.messages_in(ADMIN).len() + 1).await;
    let audit = &audit.last().expect("audit").text;
    assert!(
        audit.contains("breaking #") && audit.contains("Banjir besar di Samarinda") && audit.contains("(121)"),
        "{audit}"
    );
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

#[tokio::test]
async fn a_photo_after_a_bare_breaking_goes_out_as_that_photo_and_batal_sends_nothing() {
    let (env, app) = newsroom(&[2_001], "[newsroom]\nunpin_after = \"1s\"\n").await;
    let prompt = admin_says(&env, "/breaking", 1).await;
    assert!(prompt[0].text.starts_with("Kirim teks berita terkini, atau foto"), "{}", prompt[0].text);
    // A photo without caption is not news yet; with one, it is.
    env.telegram.user_sends_photo(&admin(), ADMIN, None);
    let answers = env.telegram.wait_for_messages(ADMIN, 2).await;
    assert_eq!(answers[1].text, "Foto perlu keterangan (caption) sebagai teks berita.");
    let file_id = env.telegram.user_sends_photo(&admin(), ADMIN, Some("Kebakaran Pasar Segiri\nDamkar di lokasi."));
    let photo = preview(&env, "Kebakaran Pasar Segiri").await;
    assert_eq!((photo.kind, photo.photo.as_deref()), ("photo", Some(file_id.as_str())));
    assert!(is_breaking(&photo), "{}", photo.text);
    press(&env, &admin(), &photo, &callback_data(&photo)[0]).await;
    let post = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert_eq!((post[0].kind, post[0].photo.as_deref()), ("photo", Some(file_id.as_str())));
    assert!(post[0].text.contains("Kebakaran Pasar Segiri"), "{}", post[0].text);
    env.telegram.wait_for_messages(2_001, 1).await;
    // Pinned, then unpinned when its time is up.
    env.telegram.wait_until("the pin", WAIT, |fake| !fake.calls_to("pinchatmessage").is_empty()).await;
    env.telegram
        .wait_until("the unpin", WAIT, |fake| {
            fake.messages_in(CHANNEL_ID).first().is_some_and(|m| !m.pinned)
                && !fake.calls_to("unpinchatmessage").is_empty()
        })
        .await;

    // Batal: the preview loses its buttons and nothing goes out.
    let count = env.telegram.messages_in(ADMIN).len();
    admin_says(&env, "/breaking Latihan evakuasi", count + 1).await;
    let draft = preview(&env, "Latihan evakuasi").await;
    let toast = press(&env, &admin(), &draft, &callback_data(&draft)[1]).await;
    assert_eq!(toast, "Dibatalkan. Tidak ada yang dikirim.");
    // Kirim after Batal does nothing either.
    let toast = press(&env, &admin(), &draft, &callback_data(&draft)[0]).await;
    assert_eq!(toast, "Pratinjau ini sudah dibatalkan.");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1);
    assert!(!env.telegram.all_messages().iter().any(|m| m.text.contains("Latihan evakuasi") && m.chat_id != ADMIN));
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

#[tokio::test]
async fn an_expired_preview_sends_nothing_and_overlong_text_is_refused() {
    let (env, app) = newsroom(&[2_101], "[newsroom]\npreview_expiry = \"1s\"\n").await;
    // Within Telegram's 4,096 characters, but not with the label on top.
    let long = format!("/breaking {}", "kata ".repeat(816));
    let refused = admin_says(&env, &long, 1).await;
    assert_eq!(refused[0].text, "Teks terlalu panjang: 4079 karakter, maksimal 4077. Persingkat lalu coba lagi.");

    admin_says(&env, "/breaking Gempa kecil di Berau", 2).await;
    let draft = preview(&env, "Gempa kecil di Berau").await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let toast = press(&env, &admin(), &draft, &callback_data(&draft)[0]).await;
    assert!(toast.starts_with("Pratinjau sudah kedaluwarsa"), "{toast}");
    env.telegram
        .wait_until("the expired preview's buttons gone", WAIT, |fake| {
            fake.messages_in(ADMIN).iter().any(|m| m.message_id == draft.message_id && callback_data(m).is_empty())
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty());
    assert!(env.telegram.messages_in(2_101).is_empty());
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

async fn corrections_and_retractions_reach_every_recipient() {
    let readers = [3_001, 3_002, 3_003];
    let (env, app) = newsroom(&readers, "").await;
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    for reader in readers {
        env.telegram.wait_for_messages(reader, 1).await;
    }
    let id = newest_post_id(&env).await;
    let count = env.telegram.messages_in(ADMIN).len();
    let answer = admin_says(&env, &format!("/koreksi #{id} Judul yang benar\nIsi berita diperbaiki."), count + 1).await;
    assert_eq!(answer.last().expect("answer").text, format!("✏️ Koreksi #{id}: 4 pesan diedit."));
    let recipients = [CHANNEL_ID, readers[0], readers[1], readers[2]];
    env.telegram
        .wait_until("the correction everywhere", WAIT, |fake| {
            recipients.iter().all(|chat| {
                fake.messages_in(*chat).iter().any(|m| m.text.starts_with("Judul yang benar") && m.edits == 1)
            })
        })
        .await;
    let corrected = &env.telegram.messages_in(CHANNEL_ID)[0];
    assert!(corrected.text.ends_with("✏️ Diralat"), "{}", corrected.text);
    assert_eq!(corrected.button_texts(), ["Baca selengkapnya"], "the article's button stays");

    // The same story by its link; one reader's chat refuses the delete, so the notice replaces it.
    env.telegram.refuse_deletes(readers[2]);
    let count = env.telegram.messages_in(ADMIN).len();
    let answer = admin_says(&env, "/tarik https://kaltimtoday.co/berita-nomor-4/?utm_source=wa", count + 1).await;
    assert_eq!(
        answer.last().expect("answer").text,
        format!(
            "🗑 #{id} ditarik: 4 pesan dihapus (atau diganti pemberitahuan), 0 kiriman yang belum terkirim dibatalkan."
        )
    );
    env.telegram
        .wait_until("the retraction everywhere", WAIT, |fake| {
            let all = fake.all_messages();
            let deleted = all.iter().filter(|m| m.deleted).count();
            let notice =
                fake.messages_in(readers[2]).iter().any(|m| m.text == "🗑 Berita ini telah ditarik oleh redaksi.");
            deleted == 3 && notice
        })
        .await;
    let notice = env.telegram.messages_in(readers[2]).pop().expect("notice");
    assert!(notice.button_texts().is_empty(), "the notice keeps no link to the withdrawn story");
    let audit = admin_says(&env, "/audit", env.telegram.messages_in(ADMIN).len() + 1).await;
    let audit = &audit.last().expect("audit").text;
    assert!(audit.contains(&format!("correct #{id}")) && audit.contains(&format!("retract #{id}")), "{audit}");
    // Unknown names get a clear answer.
    let count = env.telegram.messages_in(ADMIN).len();
    let answer = admin_says(&env, "/tarik #999999", count + 1).await;
    assert_eq!(answer.last().expect("answer").text, "Tidak ada kiriman dengan id atau tautan “#999999”.");
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

#[tokio::test]
async fn pause_holds_routine_posts_not_breaking_news_and_resume_sends_them() {
    let (env, app) = newsroom(&[4_001], "").await;
    let paused = admin_says(&env, "/jeda", 1).await;
    assert!(paused[0].text.starts_with("⏸ Posting rutin dijeda."), "{}", paused[0].text);
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.feeds.wait_for_requests(FEED_PATH, 5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty(), "routine posting is paused");
    let status = admin_says(&env, "/status", 2).await;
    assert!(status[1].text.contains("⏸ Posting rutin DIJEDA"), "{}", status[1].text);
    assert!(status[1].text.contains("Antrean: 2 menunggu"), "{}", status[1].text);

    admin_says(&env, "/breaking Jembatan Mahakam ditutup sementara", 3).await;
    let draft = preview(&env, "Jembatan Mahakam").await;
    press(&env, &admin(), &draft, &callback_data(&draft)[0]).await;
    let channel = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(is_breaking(&channel[0]), "breaking news goes out while paused");
    env.telegram.wait_for_messages(4_001, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1);

    // The progress message of the breaking news may still arrive: look for the answer itself.
    env.telegram.user_sends(&admin(), ADMIN, "/lanjut");
    env.telegram
        .wait_until("the resume answer", WAIT, |fake| {
            fake.messages_in(ADMIN).iter().any(|m| m.text.starts_with("▶️ Posting rutin dilanjutkan; 2 kiriman"))
        })
        .await;
    let channel = env.telegram.wait_for_messages(CHANNEL_ID, 2).await;
    assert!(channel[1].text.contains("Berita nomor 4"), "{}", channel[1].text);
    env.telegram.user_sends(&admin(), ADMIN, "/lanjut");
    env.telegram
        .wait_until("the second resume answered", WAIT, |fake| {
            fake.messages_in(ADMIN).iter().any(|m| m.text == "Posting rutin tidak sedang dijeda.")
        })
        .await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

#[tokio::test]
async fn the_stats_chart_is_a_valid_png() {
    let (env, app) = newsroom(&[5_001, 5_002], "").await;
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    let chart = admin_says(&env, "/stats", 1).await;
    let chart = &chart[0];
    assert_eq!(chart.kind, "photo");
    assert!(
        chart.text.starts_with("📈 30 hari terakhir (Asia/Makassar): 1 kiriman, 2 pelanggan aktif"),
        "{}",
        chart.text
    );
    let upload = chart.params.values().find_map(|v| v.get("hex").and_then(|h| h.as_str())).expect("uploaded bytes");
    let bytes = hex::decode(upload).expect("hex");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG signature");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("a decodable PNG");
    assert_eq!((reader.info().width, reader.info().height), (900, 600));
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

#[tokio::test]
async fn alerts_fire_once_and_recover() {
    let extra = "[newsroom]\nsilent_feed_after = \"2s\"\ndaytime = \"00:00-00:00\"\nalert_check = \"200ms\"\n";
    let env = TestEnv::start().await;
    env.seed_subscribers(&[6_001]).await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    env.write_config(&env.config_text_with_fetch("", extra).replace("max_attempts = 5", "max_attempts = 2"));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;

    // Silent: the feed answers, but nothing new for 2 s.
    let silent = |m: &SentMessage| m.text.starts_with("🔕 Feed sepi");
    env.telegram.wait_until("the silent-feed alert", WAIT, |fake| fake.messages_in(ADMIN).iter().any(silent)).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(env.telegram.messages_in(ADMIN).iter().filter(|m| silent(m)).count(), 1, "one alert, no spam");

    // A reader's sends keep failing: dead-lettered, one alert.
    // A failure that is retried (not a real 5xx: teloxide itself waits 10 s after those).
    let transient = Failure::Custom { status: 400, description: "Internal Server Error".into() };
    env.telegram.fail_next("sendmessage", Some(serde_json::json!(6_001)), transient, 10);
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram
        .wait_until("the recovery notice", WAIT, |fake| {
            fake.messages_in(ADMIN).iter().any(|m| m.text.starts_with("✅ Feed aktif lagi"))
        })
        .await;
    let dead = |m: &SentMessage| m.text.starts_with("☠️ Kiriman gagal permanen");
    env.telegram.wait_until("the dead-letter alert", WAIT, |fake| fake.messages_in(ADMIN).iter().any(dead)).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(env.telegram.messages_in(ADMIN).iter().filter(|m| dead(m)).count(), 1, "one alert, no spam");
    let status = admin_says(&env, "/status", env.telegram.messages_in(ADMIN).len() + 1).await;
    assert!(status.last().expect("status").text.contains("1 gagal permanen"), "{status:?}");
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

/// The unpin of a breaking post is an outbox row: a failed attempt is
/// retried like any delivery, and a refusal is recorded as one — not marked
/// done as if Telegram had unpinned.
#[tokio::test]
async fn an_unpin_is_retried_and_a_refused_one_is_recorded_as_refused() {
    let (env, app) = newsroom(&[6_001], "[newsroom]\nunpin_after = \"1s\"\n").await;
    let channel = serde_json::json!(CHANNEL_ID);
    // The first unpin meets a server error, and is tried again.
    env.telegram.fail_next("unpinChatMessage", Some(channel.clone()), Failure::ServerError, 1);
    admin_says(&env, "/breaking Jalan poros Samarinda–Bontang longsor", 1).await;
    let draft = preview(&env, "Jalan poros").await;
    press(&env, &admin(), &draft, &callback_data(&draft)[0]).await;
    env.telegram
        .wait_until("the unpin after a retry", WAIT, |fake| {
            fake.calls_to("unpinchatmessage").len() == 2
                && fake.messages_in(CHANNEL_ID).first().is_some_and(|m| !m.pinned)
        })
        .await;

    // The second breaking post's unpin is refused for good.
    let refusal = "Bad Request: not enough rights to manage pinned messages in the chat";
    let refused = Failure::Custom { status: 400, description: refusal.into() };
    env.telegram.fail_next("unpinChatMessage", Some(channel), refused, 1);
    let count = env.telegram.messages_in(ADMIN).len();
    admin_says(&env, "/breaking Banjir rob di Balikpapan", count + 1).await;
    let draft = preview(&env, "Banjir rob").await;
    press(&env, &admin(), &draft, &callback_data(&draft)[0]).await;
    env.telegram.wait_until("the refused unpin", WAIT, |fake| fake.calls_to("unpinchatmessage").len() == 3).await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", env.database().display())).await.expect("open");
    let unpins: Vec<(String, Option<String>, i64)> =
        sqlx::query_as("SELECT status, last_error, attempts FROM deliveries WHERE action = 'unpin' ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("unpins");
    assert_eq!(unpins.len(), 2, "{unpins:?}");
    assert_eq!((unpins[0].0.as_str(), unpins[0].2), ("sent", 2), "retried once: {unpins:?}");
    assert_eq!(unpins[1].0, "failed", "{unpins:?}");
    assert!(unpins[1].1.as_deref().is_some_and(|e| e.contains("not enough rights")), "{unpins:?}");
    let still_pinned: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pins WHERE unpinned_at IS NULL").fetch_one(&pool).await.expect("pins");
    assert_eq!(still_pinned, 1, "the refused unpin leaves the pin on record");
    pool.close().await;
}

/// The admin's progress message is edited through the outbox, paced with
/// the fan-out it reports on: together they stay within Telegram's limits.
#[tokio::test]
async fn progress_edits_do_not_push_a_fan_out_over_the_limit() {
    let readers: Vec<i64> = (7_000..7_030).collect();
    let env = TestEnv::start().await;
    env.seed_subscribers(&readers).await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    // Warta paces at 2 requests a second, evenly; the fake refuses a 4th within
    // one second: room for arrival jitter, none for requests the pacer does not see.
    let app = env.spawn_with(&[("WARTA__DELIVERY__OVERALL_PER_SECOND", "2")], &[]);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    admin_says(&env, "/breaking Listrik padam se-Kaltim", 1).await;
    let draft = preview(&env, "Listrik padam").await;
    press(&env, &admin(), &draft, &callback_data(&draft)[0]).await;
    // The answer to the press (its buttons off) is a direct reply; from here on
    // only the fan-out and its progress talk to Telegram.
    env.telegram
        .wait_until("the preview's buttons off", WAIT, |fake| {
            fake.messages_in(ADMIN).iter().any(|m| m.message_id == draft.message_id && callback_data(m).is_empty())
        })
        .await;
    env.telegram.enforce_limits(crate::support::FloodLimits { overall_per_second: 3, ..Default::default() });
    env.telegram
        .wait_until("the final summary", Duration::from_secs(60), |fake| {
            fake.messages_in(ADMIN).iter().any(|m| m.text.contains("selesai: terkirim 31,"))
        })
        .await;
    let edits = env.telegram.calls_to("editmessagetext").len();
    assert!(edits >= 2, "the progress was shown while the fan-out ran, then the summary: {edits} edits");
    let refused = env.telegram.flood_refusals();
    let over: Vec<String> = env
        .telegram
        .calls()
        .iter()
        .filter(|c| format!("{c:?}").contains("Too Many"))
        .map(|c| format!("{c:?}"))
        .collect();
    assert_eq!(refused, 0, "requests over Telegram's limits: {over:#?}");
    for reader in &readers {
        assert_eq!(env.telegram.messages_in(*reader).iter().filter(|m| is_breaking(m)).count(), 1, "{reader}");
    }
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

// The same flows with the store on PostgreSQL.
crate::on_both_backends!(
    breaking_news_overtakes_a_routine_fan_out_is_pinned_and_reports_progress,
    corrections_and_retractions_reach_every_recipient,
);

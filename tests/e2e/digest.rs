//! Delivery modes end to end, on a stepped clock (`WARTA_TEST_CLOCK`): a
//! digest reader gets no single posts and one "Berita Pilihan" at the slot
//! with the editors' picks first, breaking news at once in every mode, the
//! /atur buttons edit in place and survive a restart, the quiet night sends
//! routine posts without sound, a crash at the slot sends each digest once,
//! and a slot missed while down is caught up or skipped by `digest.catch_up`.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Asia::Makassar;
use serde_json::Value;

use crate::support::app::FEED_PATH;
use crate::support::fake_telegram::SentMessage;
use crate::support::{CHANNEL_ID, FakeUser, FloodLimits, Item, RunningApp, TestEnv, rss};

const ADMIN: i64 = 42;
const WAIT: Duration = Duration::from_secs(30);
const CLOCK_VAR: &str = "WARTA_TEST_CLOCK";

fn items(numbers: &[u32]) -> String {
    rss(&numbers.iter().map(|n| Item::numbered(*n)).collect::<Vec<_>>())
}

/// The instant the running bot reads as "now", written to a file.
struct SteppedClock {
    path: PathBuf,
}

impl SteppedClock {
    fn new(env: &TestEnv, at: DateTime<Utc>) -> Self {
        let clock = Self { path: env.dir.path().join("now") };
        clock.set(at);
        clock
    }

    fn set(&self, at: DateTime<Utc>) {
        std::fs::write(&self.path, at.to_rfc3339()).expect("write the clock");
    }

    fn env(&self) -> (&'static str, String) {
        (CLOCK_VAR, self.path.display().to_string())
    }
}

/// A digest slot about an hour from now (WITA, whole minutes), so that the
/// articles the test brings in now fall in its period.
fn slot_ahead() -> (String, DateTime<Utc>) {
    let local = (Utc::now() + chrono::Duration::hours(1)).with_timezone(&Makassar);
    let time = NaiveTime::from_hms_opt(local.hour(), local.minute(), 0).expect("a time of day");
    let at = Makassar.from_local_datetime(&local.date_naive().and_time(time)).single().expect("WITA has no DST");
    (format!("{:02}:{:02}", time.hour(), time.minute()), at.with_timezone(&Utc))
}

/// The digest section: one time, no quiet night unless asked.
fn digest_config(time: &str, quiet_hours: &str) -> String {
    format!("\n[readers]\nquiet_hours = \"{quiet_hours}\"\n\n[digest]\ntimes = [\"{time}\"]\nmax_items = 10\n")
}

fn spawn(env: &TestEnv, clock: &SteppedClock) -> RunningApp {
    let (name, value) = clock.env();
    env.spawn_with(&[(name, value.as_str())], &[])
}

fn is_digest(message: &SentMessage) -> bool {
    message.text.starts_with("Berita Pilihan · ") || message.text.starts_with("Top Stories · ")
}

fn is_breaking(message: &SentMessage) -> bool {
    message.text.starts_with("🔴 BERITA TERKINI") || message.text.starts_with("🔴 BREAKING NEWS")
}

fn silent(message: &SentMessage) -> bool {
    message.params.get("disable_notification") == Some(&Value::Bool(true))
}

fn digests(env: &TestEnv, chat: i64) -> Vec<SentMessage> {
    env.telegram.messages_in(chat).into_iter().filter(is_digest).collect()
}

/// Sends `text` as `user` in their private chat and returns the `count`-th message there.
async fn says(env: &TestEnv, user: &FakeUser, text: &str, count: usize) -> SentMessage {
    env.telegram.user_sends(user, user.id, text);
    env.telegram.wait_for_messages(user.id, count).await.remove(count - 1)
}

/// Presses `data` on `message` as `user`; the toast once the press is answered.
async fn press(env: &TestEnv, user: &FakeUser, message: &SentMessage, data: &str) -> String {
    let update = env.telegram.user_presses(user, message.chat_id, message.message_id, data);
    env.telegram.wait_until("the press answered", WAIT, |fake| fake.callback_answer(update).is_some()).await;
    env.telegram.callback_answer(update).and_then(|answer| answer.text).unwrap_or_default()
}

/// The message `message` now is (after edits).
fn now_showing(env: &TestEnv, message: &SentMessage) -> SentMessage {
    env.telegram
        .messages_in(message.chat_id)
        .into_iter()
        .find(|m| m.message_id == message.message_id)
        .expect("the message is still there")
}

/// Waits for `edits` edits of `message` and returns it as it now is.
async fn edited(env: &TestEnv, message: &SentMessage, edits: u32) -> SentMessage {
    let (chat, id) = (message.chat_id, message.message_id);
    env.telegram
        .wait_until(&format!("{edits} edits of message {id}"), WAIT, |fake| {
            fake.messages_in(chat).iter().any(|m| m.message_id == id && m.edits >= edits)
        })
        .await;
    now_showing(env, message)
}

/// Confirms a /breaking as the admin and waits until `readers` all have it.
async fn send_breaking(env: &TestEnv, text: &str, readers: &[i64]) {
    let admin = FakeUser::new(ADMIN, "Redaktur", Some("id"));
    env.telegram.user_sends(&admin, ADMIN, &format!("/breaking {text}"));
    let is_preview =
        |m: &SentMessage| m.text.contains(text) && m.callback_data().iter().any(|d| d.starts_with("b:ok:"));
    env.telegram
        .wait_until("the breaking-news preview", WAIT, |fake| fake.messages_in(ADMIN).iter().any(is_preview))
        .await;
    let preview = env.telegram.messages_in(ADMIN).into_iter().find(is_preview).expect("preview");
    let send = preview.callback_data().into_iter().find(|d| d.starts_with("b:ok:")).expect("Kirim");
    press(env, &admin, &preview, &send).await;
    env.telegram
        .wait_until("breaking news reached every reader", WAIT, |fake| {
            readers.iter().all(|id| fake.messages_in(*id).iter().any(is_breaking))
        })
        .await;
}

/// Waits until the feed has been fetched `more` more times (the bot had the
/// chance to post anything it was going to).
async fn a_few_polls(env: &TestEnv, more: usize) {
    let seen = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, seen + more).await;
}

async fn each_mode_gets_what_it_asked_for_and_the_digest_puts_the_picks_first() {
    let env = TestEnv::start().await;
    let (time, slot_at) = slot_ahead();
    env.write_config(&env.config_text(&digest_config(&time, "")));
    let digest_id = FakeUser::new(5001, "Dewi", Some("id"));
    let digest_en = FakeUser::new(5002, "Anna", Some("en"));
    let breaking_only = FakeUser::new(5003, "Bayu", Some("id"));
    let every = FakeUser::new(5004, "Eko", Some("id"));
    for user in [&digest_id, &digest_en, &breaking_only, &every] {
        env.telegram.add_private_chat(user.id, &user.first_name);
    }
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    let clock = SteppedClock::new(&env, Utc::now());
    let app = spawn(&env, &clock);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;

    // Choosing: /ringkasan in one step, /digest in English, /atur's button, and plain /start.
    let on = says(&env, &digest_id, "/ringkasan", 1).await;
    assert!(on.text.starts_with("✅ Anda kini menerima Berita Pilihan setiap hari pukul "), "{}", on.text);
    assert!(on.text.contains(&format!("{time} WITA")), "{}", on.text);
    let on = says(&env, &digest_en, "/digest", 1).await;
    assert!(on.text.starts_with("✅ You now get the Top Stories digest every day at "), "{}", on.text);
    let settings = says(&env, &breaking_only, "/atur", 1).await;
    let choice = settings.button_data("Hanya breaking news").expect("the breaking-only button");
    assert_eq!(press(&env, &breaking_only, &settings, &choice).await, "Cara terima: Hanya breaking news");
    assert!(edited(&env, &settings, 1).await.text.contains("Cara terima: Hanya breaking news"));
    says(&env, &every, "/start subscribe", 1).await;

    // Three new articles: the every-story reader and the channel get them, nobody else.
    env.feeds.set_feed(FEED_PATH, &items(&[6, 5, 4, 3, 2, 1]));
    env.telegram
        .wait_until("the every-story reader has 4, 5 and 6", WAIT, |fake| {
            let texts: String = fake.messages_in(every.id).iter().map(|m| m.text.clone()).collect();
            ["Berita nomor 4", "Berita nomor 5", "Berita nomor 6"].iter().all(|t| texts.contains(t))
        })
        .await;
    env.telegram.wait_for_messages(CHANNEL_ID, 3).await;
    a_few_polls(&env, 2).await;
    for reader in [digest_id.id, digest_en.id, breaking_only.id] {
        assert_eq!(env.telegram.messages_in(reader).len(), 1, "reader {reader} got single posts");
    }

    // The admin picks the oldest of the three; a reader cannot.
    let refused = says(&env, &digest_id, "/pilih https://kaltimtoday.co/berita-nomor-4/", 2).await;
    assert_eq!(refused.text, "Maaf, perintah ini khusus admin redaksi.");
    let admin = FakeUser::new(ADMIN, "Redaktur", Some("id"));
    let picked = says(&env, &admin, "/pilih https://kaltimtoday.co/berita-nomor-4/", 1).await;
    assert!(picked.text.starts_with("⭐ #") && picked.text.contains("masuk Berita Pilihan"), "{}", picked.text);
    let status = says(&env, &admin, "/status", 2).await;
    let picks = status.text.split("⭐ Pilihan hari ini").nth(1).expect("today's picks in /status");
    assert!(picks.contains("Berita nomor 4"), "{}", status.text);

    // Breaking news reaches every mode at once, with sound.
    let readers = [digest_id.id, digest_en.id, breaking_only.id, every.id];
    send_breaking(&env, "Banjir besar di Samarinda", &readers).await;
    for reader in readers {
        let breaking = env.telegram.messages_in(reader).into_iter().find(is_breaking).expect("breaking");
        assert!(!silent(&breaking), "breaking news rings for {reader}");
    }
    assert!(digests(&env, digest_id.id).is_empty(), "no digest before the slot");

    // The slot: one digest each for the digest readers, picks first, newest next.
    clock.set(slot_at + chrono::Duration::seconds(5));
    env.telegram
        .wait_until("both digests", WAIT, |fake| {
            [digest_id.id, digest_en.id].iter().all(|id| fake.messages_in(*id).iter().any(is_digest))
        })
        .await;
    let digest = digests(&env, digest_id.id).remove(0);
    let text = &digest.text;
    assert!(text.starts_with("Berita Pilihan · "), "{text}");
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("{needle:?} missing in:\n{text}"));
    assert!(at("⭐ Pilihan Redaksi") < at("Berita nomor 4"), "{text}");
    assert!(at("Berita nomor 4") < at("📰 Terbaru"), "the pick comes first:\n{text}");
    assert!(at("📰 Terbaru") < at("Berita nomor 6") && at("Berita nomor 6") < at("Berita nomor 5"), "{text}");
    assert!(!text.contains("Banjir"), "breaking news is not repeated in the digest:\n{text}");
    assert_eq!(
        digest.links(),
        [
            "https://kaltimtoday.co/berita-nomor-4/",
            "https://kaltimtoday.co/berita-nomor-6/",
            "https://kaltimtoday.co/berita-nomor-5/"
        ]
    );
    assert!(digest.button_texts().is_empty(), "nothing was left out: no 'Berita lainnya'");
    let english = digests(&env, digest_en.id).remove(0);
    assert!(english.text.starts_with("Top Stories · "), "{}", english.text);
    assert!(english.text.contains("⭐ Editors' picks") && english.text.contains("📰 Latest"), "{}", english.text);

    // The slot happens once, however long the clock stays past it.
    clock.set(slot_at + chrono::Duration::seconds(90));
    a_few_polls(&env, 3).await;
    assert_eq!(digests(&env, digest_id.id).len(), 1);
    assert_eq!(digests(&env, digest_en.id).len(), 1);
    assert!(digests(&env, breaking_only.id).is_empty() && digests(&env, every.id).is_empty());
    assert!(digests(&env, CHANNEL_ID).is_empty(), "the every-story channel gets no digest");
    assert_eq!(env.telegram.messages_in(breaking_only.id).len(), 2, "breaking-only: the /atur message and the news");
    let (_, log) = app.stop().await;
    assert_eq!(log.matches("digests enqueued").count(), 1, "{log}");
}

#[tokio::test]
async fn settings_buttons_edit_in_place_survive_a_restart_and_touch_only_the_presser() {
    let env = TestEnv::start().await;
    let extra = "\n[readers]\nquiet_hours = \"22:00-06:00\"\n\n[digest]\ntimes = [\"06:00\", \"18:00\"]\n";
    env.write_config(&env.config_text(extra));
    let rina = FakeUser::new(6001, "Rina", Some("id"));
    let other = FakeUser::new(6002, "Oscar", Some("en"));
    env.telegram.add_private_chat(rina.id, "Rina");
    env.telegram.add_private_chat(other.id, "Oscar");
    let clock = SteppedClock::new(&env, Utc::now());
    let app = spawn(&env, &clock);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;

    let message = says(&env, &rina, "/atur", 1).await;
    assert!(message.text.starts_with("⚙️ Pengaturan berita Anda"), "{}", message.text);
    assert!(message.text.contains("Langganan: belum berlangganan"), "{}", message.text);
    let digest = message.button_data("Ringkasan").expect("Ringkasan");
    assert_eq!(press(&env, &rina, &message, &digest).await, "Cara terima: Ringkasan");
    let shown = edited(&env, &message, 1).await;
    assert!(shown.text.contains("Langganan: aktif") && shown.text.contains("Cara terima: Ringkasan"), "{}", shown.text);
    assert!(shown.text.contains("Waktu ringkasan: 06:00 WITA"), "{}", shown.text);
    assert!(shown.button_texts().contains(&"✅ Ringkasan".to_owned()), "{:?}", shown.button_texts());
    let evening = shown.button_data("🕕 18:00").expect("the 18:00 button");
    assert_eq!(press(&env, &rina, &shown, &evening).await, "Tersimpan.");
    let shown = edited(&env, &message, 2).await;
    assert!(shown.text.contains("Waktu ringkasan: 06:00, 18:00 WITA"), "{}", shown.text);
    let quiet = shown.button_data("🌙 Malam tenang").expect("the quiet-night button");
    assert_eq!(quiet, "a:q:0");
    press(&env, &rina, &shown, &quiet).await;
    let shown = edited(&env, &message, 3).await;
    assert!(shown.text.contains("Malam tenang (22:00–06:00): mati"), "{}", shown.text);
    // Only ever one message: every tap edited it.
    assert_eq!(env.telegram.messages_in(rina.id).len(), 1);

    // Oscar subscribes in English; then forges presses on Rina's message.
    let english = says(&env, &other, "/settings", 1).await;
    assert!(english.text.starts_with("⚙️ Your news settings"), "{}", english.text);
    let every = english.button_data("Every story").expect("Every story");
    assert_eq!(press(&env, &other, &english, &every).await, "How: Every story");
    let toast = press(&env, &other, &shown, "a:m:breaking").await;
    assert_eq!(toast, "This button is no longer valid.");
    let toast = press(&env, &rina, &shown, "a:m:everything-please").await;
    assert!(!toast.starts_with("Cara terima"), "a forged mode is refused: {toast:?}");
    // A replayed button sets what it says again: nothing moves.
    press(&env, &rina, &shown, &digest).await;
    let (_, log) = app.stop().await;
    assert!(log.contains("button press on someone else's private chat refused"), "{log}");

    let store = env.open_store().await;
    let rina_now = store.reader_settings(rina.id).await.expect("settings");
    assert_eq!(rina_now.mode, warta::domain::DeliveryMode::Digest);
    assert_eq!(rina_now.digest_times.as_deref(), Some("06:00,18:00"));
    assert!(!rina_now.quiet_night);
    let oscar_now = store.reader_settings(other.id).await.expect("settings");
    assert_eq!(oscar_now.mode, warta::domain::DeliveryMode::Every, "the forged press changed nothing for Oscar");
    store.close().await;

    // After a restart the same message still works, and /atur shows what was saved.
    let app = spawn(&env, &clock);
    env.feeds.wait_for_requests(FEED_PATH, 1).await;
    let edits = now_showing(&env, &message).edits;
    assert_eq!(press(&env, &rina, &message, "a:q:1").await, "Tersimpan.");
    let shown = edited(&env, &message, edits + 1).await;
    assert!(shown.text.contains("Malam tenang (22:00–06:00): hidup"), "{}", shown.text);
    assert!(shown.text.contains("Waktu ringkasan: 06:00, 18:00 WITA"), "{}", shown.text);
    let fresh = says(&env, &rina, "/atur", 2).await;
    assert_eq!(fresh.text, shown.text);
    app.stop().await;
}

#[tokio::test]
async fn the_quiet_night_sends_routine_posts_without_sound_and_breaking_news_with_it() {
    let env = TestEnv::start().await;
    env.write_config(&env.config_text("\n[readers]\nquiet_hours = \"22:00-06:00\"\n"));
    let quiet = FakeUser::new(7001, "Sari", Some("id"));
    let loud = FakeUser::new(7002, "Joko", Some("id"));
    for user in [&quiet, &loud] {
        env.telegram.add_private_chat(user.id, &user.first_name);
    }
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    let night = Makassar.with_ymd_and_hms(2026, 12, 7, 23, 0, 0).single().expect("a WITA time");
    let clock = SteppedClock::new(&env, night.with_timezone(&Utc));
    let app = spawn(&env, &clock);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    says(&env, &quiet, "/start subscribe", 1).await;
    let settings = says(&env, &loud, "/atur", 1).await;
    press(&env, &loud, &settings, &settings.button_data("Setiap berita").expect("Setiap berita")).await;
    let settings = edited(&env, &settings, 1).await;
    press(&env, &loud, &settings, &settings.button_data("🌙 Malam tenang").expect("quiet night")).await;
    assert!(edited(&env, &settings, 2).await.text.contains("Malam tenang (22:00–06:00): mati"));

    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram
        .wait_until("both have article 4", WAIT, |fake| {
            [quiet.id, loud.id].iter().all(|id| fake.messages_in(*id).iter().any(|m| m.text.contains("Berita nomor 4")))
        })
        .await;
    let post = |id: i64, n: u32| {
        let needle = format!("Berita nomor {n}");
        env.telegram.messages_in(id).into_iter().find(|m| m.text.contains(&needle)).expect("the post")
    };
    assert!(silent(&post(quiet.id, 4)), "a routine post at 23:00 WITA is silent for a quiet-night reader");
    assert!(!silent(&post(loud.id, 4)), "a reader who turned the quiet night off hears it");
    let channel = env.telegram.wait_for_messages(CHANNEL_ID, 1).await.remove(0);
    assert!(!silent(&channel), "the channel follows its own settings");

    send_breaking(&env, "Kebakaran di Pasar Segiri", &[quiet.id, loud.id]).await;
    let breaking = env.telegram.messages_in(quiet.id).into_iter().find(is_breaking).expect("breaking");
    assert!(!silent(&breaking), "breaking news rings at night");

    // Morning: the same reader hears routine news again.
    let morning = Makassar.with_ymd_and_hms(2026, 12, 8, 7, 0, 0).single().expect("a WITA time");
    clock.set(morning.with_timezone(&Utc));
    env.feeds.set_feed(FEED_PATH, &items(&[5, 4, 3, 2, 1]));
    env.telegram
        .wait_until("article 5", WAIT, |fake| {
            fake.messages_in(quiet.id).iter().any(|m| m.text.contains("Berita nomor 5"))
        })
        .await;
    assert!(!silent(&post(quiet.id, 5)), "07:00 WITA is outside the quiet night");
    app.stop().await;
}

/// Seeds `readers` subscribed in digest mode.
async fn seed_digest_readers(env: &TestEnv, readers: &[i64]) {
    env.seed_subscribers(readers).await;
    let store = env.open_store().await;
    let changed =
        store.set_delivery_mode_many(readers, warta::domain::DeliveryMode::Digest, Utc::now()).await.expect("mode");
    assert_eq!(changed, readers.len() as u64);
    store.close().await;
}

#[tokio::test]
async fn a_crash_while_digests_go_out_leaves_every_reader_one_digest_repeats_bounded_by_the_sends_in_flight() {
    let env = TestEnv::start().await;
    let (time, slot_at) = slot_ahead();
    env.write_config(&env.config_text(&digest_config(&time, "")));
    let readers: Vec<i64> = (30_000..30_300).collect();
    seed_digest_readers(&env, &readers).await;
    env.telegram.enforce_limits(FloodLimits::default());
    let clock = SteppedClock::new(&env, Utc::now());
    let app = spawn(&env, &clock);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    a_few_polls(&env, 2).await;
    assert!(readers.iter().all(|id| env.telegram.messages_in(*id).is_empty()), "digest readers got a single post");

    // At 30 messages a second the 300 digests take ten seconds: kill -9 a third of the way.
    clock.set(slot_at + chrono::Duration::seconds(1));
    env.telegram
        .wait_until("a hundred digests out", Duration::from_secs(60), |fake| {
            readers.iter().filter(|id| !fake.messages_in(**id).is_empty()).count() >= 100
        })
        .await;
    let first_log = app.kill();
    assert_eq!(first_log.matches("digests enqueued").count(), 1, "{first_log}");
    let before_restart = readers.iter().filter(|id| !env.telegram.messages_in(**id).is_empty()).count();
    assert!(before_restart < readers.len(), "the kill came too late to test anything ({before_restart} served)");

    let app = spawn(&env, &clock);
    env.telegram
        .wait_until("every digest reader served", Duration::from_secs(90), |fake| {
            readers.iter().all(|id| !fake.messages_in(*id).is_empty())
        })
        .await;
    a_few_polls(&env, 3).await;
    let mut twice = 0;
    for id in &readers {
        let got = digests(&env, *id);
        assert!(!got.is_empty() && got.len() <= 2, "reader {id}: {} digests", got.len());
        assert!(got[0].text.contains("Berita nomor 4"), "{}", got[0].text);
        twice += got.len() - 1;
    }
    eprintln!("digests before the kill: {before_restart} of {}; sent twice: {twice}", readers.len());
    // The bound: the sends in flight when the process died (delivery.concurrency, 32).
    assert!(twice <= 32, "{twice} readers got the digest twice");
    let (_, log) = app.stop().await;
    assert!(!log.contains("digests enqueued"), "the slot was built again after the restart:\n{log}");
}

/// A digest reader and an article before the slot; Warta down over the slot
/// and back `late` after it. The digests the reader then gets (waited for
/// when `expected`).
async fn digests_after_downtime(late: chrono::Duration, expected: bool) -> Vec<SentMessage> {
    let env = TestEnv::start().await;
    let (time, slot_at) = slot_ahead();
    env.write_config(&env.config_text(&digest_config(&time, "")));
    let reader = 40_001;
    seed_digest_readers(&env, &[reader]).await;
    let clock = SteppedClock::new(&env, Utc::now());
    let app = spawn(&env, &clock);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    app.stop().await;

    clock.set(slot_at + late);
    let app = spawn(&env, &clock);
    if expected {
        env.telegram
            .wait_until("the caught-up digest", WAIT, |fake| fake.messages_in(reader).iter().any(is_digest))
            .await;
    }
    // The scheduler looks at the clock as it starts; ten more polls (3 s) for anything else.
    env.feeds.wait_for_requests(FEED_PATH, env.feeds.requests(FEED_PATH).len() + 10).await;
    let (_, log) = app.stop().await;
    let got = digests(&env, reader);
    assert_eq!(log.contains("digests enqueued"), !got.is_empty(), "{log}");
    got
}

#[tokio::test]
async fn a_digest_missed_while_down_is_sent_within_catch_up() {
    let got = digests_after_downtime(chrono::Duration::minutes(30), true).await;
    assert_eq!(got.len(), 1, "30 minutes late is within digest.catch_up (2h)");
    assert!(got[0].text.contains("Berita nomor 4"), "{}", got[0].text);
}

#[tokio::test]
async fn a_digest_missed_by_more_than_catch_up_is_skipped() {
    let got = digests_after_downtime(chrono::Duration::hours(3), false).await;
    assert!(got.is_empty(), "3 hours late is past digest.catch_up (2h): {got:?}");
}

async fn the_digest_shows_corrections_leaves_out_retractions_reaches_a_digest_channel_and_is_never_empty() {
    let env = TestEnv::start().await;
    let (time, slot_at) = slot_ahead();
    let briefing = -1009876543210;
    env.telegram.add_channel("@kaltimpagi", briefing);
    let channel = "\n[[channels]]\nchat = \"@kaltimpagi\"\nmode = \"digest\"\nsilent = true\n";
    env.write_config(&env.config_text(&format!("{}{channel}", digest_config(&time, ""))));
    let reader = 8_001;
    seed_digest_readers(&env, &[reader]).await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    let clock = SteppedClock::new(&env, Utc::now());
    let app = spawn(&env, &clock);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[6, 5, 4, 3, 2, 1]));
    env.telegram.wait_for_messages(CHANNEL_ID, 3).await;

    // Article 5 corrected by the site, article 6 taken back by the newsroom.
    let mut corrected = Item::numbered(5);
    corrected.title = "Berita nomor 5 (ralat): DPRD tunda pembahasan APBD".into();
    let feed =
        [Item::numbered(6), corrected, Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)];
    env.feeds.set_feed(FEED_PATH, &rss(&feed));
    env.telegram
        .wait_until("the correction in the channel", WAIT, |fake| {
            fake.messages_in(CHANNEL_ID).iter().any(|m| m.text.starts_with("Berita nomor 5 (ralat)"))
        })
        .await;
    let admin = FakeUser::new(ADMIN, "Redaktur", Some("id"));
    let taken = says(&env, &admin, "/tarik https://kaltimtoday.co/berita-nomor-6/", 1).await;
    assert!(taken.text.starts_with("🗑 #"), "{}", taken.text);
    a_few_polls(&env, 2).await;
    assert!(env.telegram.messages_in(briefing).is_empty(), "a digest channel gets no single posts");
    assert!(env.telegram.messages_in(reader).is_empty());

    clock.set(slot_at + chrono::Duration::seconds(5));
    env.telegram
        .wait_until("the digest for the reader and the briefing channel", WAIT, |fake| {
            [reader, briefing].iter().all(|chat| fake.messages_in(*chat).iter().any(is_digest))
        })
        .await;
    for chat in [reader, briefing] {
        let digest = digests(&env, chat).remove(0);
        assert!(digest.text.contains("Berita nomor 5 (ralat): DPRD tunda pembahasan APBD"), "{}", digest.text);
        assert!(digest.text.contains("Berita nomor 4"), "{}", digest.text);
        assert!(!digest.text.contains("Berita nomor 6"), "a retracted story is left out:\n{}", digest.text);
        assert!(!digest.text.contains("⭐ Pilihan Redaksi"), "no picks, no picks section:\n{}", digest.text);
        assert_eq!(silent(&digest), chat == briefing, "the briefing channel is configured silent, the reader not");
    }

    // The next day's slot: nothing new since, so no message at all.
    clock.set(slot_at + chrono::Duration::hours(24) + chrono::Duration::seconds(5));
    a_few_polls(&env, 5).await;
    assert_eq!(env.telegram.messages_in(reader).len(), 1, "never an empty digest");
    assert_eq!(env.telegram.messages_in(briefing).len(), 1, "never an empty digest");
    let (_, log) = app.stop().await;
    assert_eq!(log.matches("digests enqueued").count(), 2, "both slots ran:\n{log}");
}

// The same flows with the store on PostgreSQL.
crate::on_both_backends!(
    each_mode_gets_what_it_asked_for_and_the_digest_puts_the_picks_first,
    the_digest_shows_corrections_leaves_out_retractions_reaches_a_digest_channel_and_is_never_empty,
);

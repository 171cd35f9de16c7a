//! Digest benchmark: one "Berita Pilihan" slot for N digest readers, built by
//! the real scheduler and store (one transaction, one rendering per audience),
//! then paced out by the real delivery worker against the fake Bot API
//! enforcing Telegram's limits (in a child process, so the memory measured is
//! the bot's alone).
//!
//!     cargo bench --bench digest              # 100,000 readers: enqueue, 30 s at 30/s, then paid 1000/s to the end (≈ 3 min)
//!     cargo bench --bench digest -- --quick   # enqueue and 30 s at 30/s only
//!     cargo bench --bench digest -- --readers 20000
//!
//! The readers: all in digest mode at the first time; 2,000 of them chose
//! one of eight categories, 5,000 read in English. 80 articles of the day in
//! those categories, every tenth also in the pick category. Reports the
//! enqueue time (goal ≤ 5 s), the renderings shared, peak RSS while
//! enqueueing (goal ≤ 60 MB), then messages/s, 429s and lost deliveries.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveTime, Timelike, Utc};
use chrono_tz::Asia::Makassar;
use url::Url;
use warta::digest::{DigestScheduler, DigestSettings};
use warta::domain::{DeliveryMode, DigestSchedule, SystemClock};
use warta::format::reader_style;
use warta::i18n::Lang;
use warta::store::Store;

use support::bench::{
    FakeProcess, count_arg, cpu_seconds, paced_worker, peak_rss_kib, record, reset_peak_rss, rss_kib,
    serve_fake_if_asked, story,
};

const CATEGORIES: [&str; 8] =
    ["Samarinda", "Balikpapan", "Politik", "Olahraga", "Ekonomi", "Kutai Kartanegara", "Bontang", "Nasional"];
const PICK_CATEGORY: &str = "Pilihan Redaksi";
const WITH_CATEGORIES: usize = 2_000;
const IN_ENGLISH: usize = 5_000;

fn main() {
    if serve_fake_if_asked() {
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let readers = count_arg("--readers", 100_000) as i64;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run(readers, quick));
}

async fn run(readers: i64, quick: bool) {
    println!("digest benchmark ({readers} digest readers, one slot)");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("digest.db")).await.expect("store");
    let seeding = Instant::now();
    let ids: Vec<i64> = (1_000_000..1_000_000 + readers).collect();
    store.subscribe_many(&ids, Utc::now()).await.expect("subscribers");
    store.set_delivery_mode_many(&ids, DeliveryMode::Digest, Utc::now()).await.expect("digest mode");
    let feed = Url::parse("https://kaltimtoday.co/feed/").expect("url");
    let feeds = store.sync_feeds(&[(feed, Some("Kaltimtoday.co".into()))], Utc::now()).await.expect("feed");
    record(&store, feeds[0].id, &[], Utc::now()).await;
    // The day's 80 articles, ten per fetch, oldest first.
    for batch in 0..8 {
        let articles: Vec<_> = (batch * 10 + 1..=batch * 10 + 10)
            .map(|n| {
                let mut article = story(n, Utc::now() - chrono::Duration::minutes(600 - n as i64 * 5));
                article.categories = vec![CATEGORIES[n % CATEGORIES.len()].to_owned()];
                if n % 10 == 0 {
                    article.categories.push(PICK_CATEGORY.to_owned());
                }
                article
            })
            .collect();
        record(&store, feeds[0].id, &articles, Utc::now()).await;
    }
    let categories = store.categories().await.expect("categories");
    let chosen: Vec<i64> = categories.iter().filter(|c| CATEGORIES.contains(&c.name.as_str())).map(|c| c.id).collect();
    for (n, id) in ids.iter().take(WITH_CATEGORIES.min(ids.len())).enumerate() {
        let category = chosen[n % chosen.len()];
        store.toggle_reader_category(*id, category, Some("id"), None, Utc::now()).await.expect("category");
    }
    let english = reader_style(Lang::En);
    for id in ids.iter().rev().take(IN_ENGLISH.min(ids.len())) {
        store.touch_reader(*id, Some("en"), english, Utc::now()).await.expect("english");
    }
    println!("  seeded in {:.1} s", seeding.elapsed().as_secs_f64());

    // A slot two minutes from now, built as the scheduler builds it when due.
    let local = (Utc::now() + chrono::Duration::minutes(2)).with_timezone(&Makassar);
    let time = NaiveTime::from_hms_opt(local.hour(), local.minute(), 0).expect("time");
    let schedule = DigestSchedule::new(vec![time], Makassar).expect("schedule");
    let slot = schedule.next(schedule.times(), Utc::now()).expect("a next slot");
    let settings = DigestSettings {
        schedule,
        max_items: 10,
        catch_up: Duration::from_secs(2 * 3600),
        pick_categories: vec![PICK_CATEGORY.to_owned()],
        more_url: Url::parse("https://t.me/warta_test_bot?start=latest").ok(),
        styles: warta::format::PostStyle::default(),
    };
    let ready = Arc::new(tokio::sync::Notify::new());
    let scheduler = DigestScheduler::new(store.clone(), settings, Arc::new(SystemClock), ready.clone());
    let rss_before = rss_kib().unwrap_or(0);
    let peak_reset = reset_peak_rss();
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let built = scheduler.run_due(slot.at + chrono::Duration::seconds(1)).await.expect("enqueue");
    let enqueue = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    let peak = peak_rss_kib().unwrap_or(0);
    let (_, run) = built.first().copied().expect("the slot was built");
    println!(
        "  enqueue: {} digests, {} renderings shared, {} empty, in {:.2} s ({:.2} s CPU); goal ≤ 5 s",
        run.digests,
        run.renderings,
        run.empty,
        enqueue.as_secs_f64(),
        cpu
    );
    println!(
        "  RSS: {:.1} MiB before, peak {:.1} MiB while enqueueing{}; goal ≤ 60 MB",
        rss_before as f64 / 1024.0,
        peak as f64 / 1024.0,
        if peak_reset { "" } else { " (peak since start: the kernel would not reset it)" }
    );
    let again = scheduler.run_due(slot.at + chrono::Duration::seconds(30)).await.expect("again");
    println!("  the same slot asked again: {} runs (built once)", again.len());

    pace(&store, 30, false, Some(Duration::from_secs(30)), "30/s, first 30 s").await;
    if !quick {
        pace(&store, 1000, true, None, "paid broadcast 1000/s, the rest").await;
    }
    let counts = store.outbox_counts().await.expect("counts");
    println!(
        "  outbox at the end: {} sent, {} pending, {} dead, {} failed",
        counts.sent,
        counts.pending + counts.sending,
        counts.dead,
        counts.failed
    );
    store.close().await;
}

/// Sends from the outbox at `rate` until it is empty or `window` has passed.
async fn pace(store: &Store, rate: u32, paid: bool, window: Option<Duration>, label: &str) {
    let mut fake = FakeProcess::start(rate, paid);
    let worker = Arc::new(paced_worker(store, &fake.url, rate, paid));
    let shutdown = tokio_util::sync::CancellationToken::new();
    let ready = Arc::new(tokio::sync::Notify::new());
    let started = Instant::now();
    let running = tokio::spawn(worker.run(ready, shutdown.clone()));
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let counts = store.outbox_counts().await.expect("counts");
        if counts.pending + counts.sending == 0 || window.is_some_and(|w| started.elapsed() >= w) {
            break;
        }
    }
    let elapsed = started.elapsed();
    shutdown.cancel();
    let _ = running.await;
    let (messages, chats, most, refused) = fake.counts();
    let per_second = messages as f64 / elapsed.as_secs_f64();
    println!(
        "  {label}: {messages} digests to {chats} readers in {:.1} s = {per_second:.1} msg/s ({:.1} % of the limit), {refused} × 429, most to one reader {most}",
        elapsed.as_secs_f64(),
        per_second / f64::from(rate) * 100.0
    );
}

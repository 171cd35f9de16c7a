//! Fan-out benchmark: new articles to N subscribers through the real outbox
//! and delivery worker, against the fake Bot API enforcing Telegram's
//! published limits with 429s (run in a child process, so the memory
//! measured is the bot's alone).
//!
//!     cargo bench --bench fanout            # every scenario below (≈ 6 min)
//!     cargo bench --bench fanout -- --quick # the 1,000-subscriber runs only
//!     cargo bench --bench fanout -- --storm # the 429 storm only
//!
//! Scenarios: 1 article to 1,000 at 30/s; 5 articles at once to 1,000 (each
//! reader's backlog goes as one message); 1 article to 2,000 with a 30-second
//! 429 storm after 10 s; 1 article to 100,000 with paid broadcast at 1000/s;
//! 100,000 at 30/s for 30 s. Reports enqueue time, messages/s against the
//! limit, 429s, messages per reader, deliveries lost, and peak RSS.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use url::Url;

use support::bench::{
    FakeProcess, cpu_seconds, open_bench_store, paced_worker, peak_rss_kib, record, scratch_postgres,
    serve_fake_if_asked, story,
};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if serve_fake_if_asked() {
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    // The store on PostgreSQL (a scratch database on WARTA_TEST_POSTGRES) instead of SQLite.
    let postgres = args.iter().any(|a| a == "--postgres");
    let paid_only: Option<i64> =
        args.iter().position(|a| a == "--paid").and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!(
        "fan-out benchmark (one post to N subscribers; the fake Bot API enforces the limits with 429s), store on {}",
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    if let Some(readers) = paid_only {
        let paid = Scenario { readers, rate: 1000, paid: true, articles: 1, window: None, storm: None, postgres };
        runtime.block_on(scenario(&format!("1 article to {readers} subscribers, paid broadcast"), paid));
        print_peak_rss();
        return;
    }
    let free = |readers| Scenario { readers, rate: 30, paid: false, articles: 1, window: None, storm: None, postgres };
    let storm = Some((Duration::from_secs(10), Duration::from_secs(30)));
    let storm_label = "1 article to 2,000 subscribers, a 30 s 429 storm after 10 s";
    if args.iter().any(|a| a == "--storm") {
        runtime.block_on(scenario(storm_label, Scenario { storm, ..free(2_000) }));
        return;
    }
    runtime.block_on(scenario("1 article to 1,000 subscribers, free tier", free(1_000)));
    runtime.block_on(scenario(
        "5 articles at once to 1,000 subscribers, free tier",
        Scenario { articles: 5, ..free(1_000) },
    ));
    if !quick {
        let storm = Some((Duration::from_secs(10), Duration::from_secs(30)));
        runtime.block_on(scenario(
            "1 article to 2,000 subscribers, a 30 s 429 storm after 10 s",
            Scenario { storm, ..free(2_000) },
        ));
        runtime.block_on(scenario(
            "1 article to 100,000 subscribers, paid broadcast",
            Scenario { rate: 1000, paid: true, ..free(100_000) },
        ));
        runtime.block_on(scenario(
            "1 article to 100,000 subscribers, free tier (first 30 s)",
            Scenario { window: Some(Duration::from_secs(30)), ..free(100_000) },
        ));
    }
    print_peak_rss();
}

fn print_peak_rss() {
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS of the bot side: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS: unavailable"),
    }
}

struct Scenario {
    readers: i64,
    rate: u32,
    paid: bool,
    /// New articles recorded in one fetch.
    articles: usize,
    /// Stop measuring after this long (else: when the outbox is empty).
    window: Option<Duration>,
    /// A 429 storm: after how long, and for how long.
    storm: Option<(Duration, Duration)>,
    postgres: bool,
}

async fn scenario(label: &str, run: Scenario) {
    let mut fake = FakeProcess::start(run.rate, run.paid);
    let dir = tempfile::tempdir().expect("temp dir");
    let scratch = scratch_postgres(run.postgres, "fanout bench").await;
    let store = open_bench_store(scratch.as_ref(), &dir.path().join("fanout.db")).await;
    let ids: Vec<i64> = (1_000_000..1_000_000 + run.readers).collect();
    store.subscribe_many(&ids, Utc::now()).await.expect("subscribers");
    let feed = Url::parse("https://kaltimtoday.co/feed/").expect("url");
    let feeds = store.sync_feeds(&[(feed, Some("Kaltimtoday.co".into()))], Utc::now()).await.expect("feed");
    record(&store, feeds[0].id, &[], Utc::now()).await;

    let articles: Vec<_> =
        (1..=run.articles).map(|n| story(n, Utc::now() - chrono::Duration::minutes(60 - n as i64))).collect();
    let started = Instant::now();
    let enqueued = record(&store, feeds[0].id, &articles, Utc::now()).await;
    let enqueue_time = started.elapsed();

    let worker = Arc::new(paced_worker(&store, &fake.url, run.rate, run.paid));
    let shutdown = tokio_util::sync::CancellationToken::new();
    let ready = Arc::new(tokio::sync::Notify::new());
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let running = tokio::spawn(worker.run(ready, shutdown.clone()));
    let mut storm = run.storm.map(|(after, lasting)| (started + after, lasting));
    let mut after_storm: Option<(Instant, i64, usize)> = None;
    let delivered = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let counts = store.outbox_counts().await.expect("counts");
        if let Some((at, lasting)) = storm
            && Instant::now() >= at
        {
            fake.ask(&format!("storm {} 2", lasting.as_secs()));
            storm = None;
            let ends = Instant::now() + lasting;
            after_storm = Some((ends, -1, 0));
        }
        if let Some((ends, sent_then, refused_then)) = after_storm.as_mut()
            && *sent_then < 0
            && Instant::now() >= *ends
        {
            *sent_then = counts.sent;
            *refused_then = fake.counts().3;
        }
        let done = counts.pending + counts.sending == 0;
        if done || run.window.is_some_and(|w| started.elapsed() >= w) {
            break counts;
        }
    };
    let elapsed = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    shutdown.cancel();
    let _ = running.await;
    let (messages, chats, most, refused) = fake.counts();
    let per_second = messages as f64 / elapsed.as_secs_f64();
    println!("\n{label}");
    println!(
        "  enqueue {enqueued} deliveries ({} article(s), one INSERT … SELECT each): {:.0} ms",
        run.articles,
        enqueue_time.as_secs_f64() * 1000.0
    );
    println!(
        "  {} deliveries done by {messages} messages in {:.1} s to {chats} chats: {per_second:.1} msg/s = {:.1} % of the {}/s limit",
        delivered.sent,
        elapsed.as_secs_f64(),
        per_second / f64::from(run.rate) * 100.0,
        run.rate
    );
    println!(
        "  429s: {refused}; most messages to one reader: {most}; deliveries not sent: {} pending, {} dead, {} failed",
        delivered.pending + delivered.sending,
        delivered.dead,
        delivered.failed
    );
    if messages > 0 {
        println!("  bot CPU: {:.2} s per 1,000 messages", cpu / messages as f64 * 1000.0);
    }
    if let Some((ends, sent_then, refused_then)) = after_storm
        && sent_then >= 0
    {
        let rest = delivered.sent - sent_then;
        let took = elapsed.saturating_sub(ends.duration_since(started));
        println!(
            "  after the storm: the remaining {rest} in {:.1} s = {:.1} msg/s ({} 429s during the storm)",
            took.as_secs_f64(),
            rest as f64 / took.as_secs_f64().max(0.001),
            refused_then
        );
    }
    store.close().await;
}

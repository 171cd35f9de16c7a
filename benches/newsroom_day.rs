//! A newsroom's day at 30 messages/s, time compressed: 80 articles published
//! between 06:00 and 22:00 to 100,000 subscribers through the real outbox
//! (enqueue, claim with backlogs, record), with Telegram replaced by the
//! clock: each message costs 1/29.25 s of simulated time (the pacer's free
//! rate). Nothing sleeps; the store sees the simulated times.
//!
//!     cargo bench --bench newsroom_day                          # 100,000 subscribers, 80 articles
//!     cargo bench --bench newsroom_day -- --readers 20000 --articles 40
//!
//! Reports messages sent, the largest outbox, and each reader's lag per story
//! (publication → the message that brought it) against one pass over the list.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use url::Url;
use warta::store::{SentAs, Store};
use warta::telegram::sending_rate_at;

use support::bench::{count_arg, record, story};

fn main() {
    let readers = count_arg("--readers", 100_000);
    let articles = count_arg("--articles", 80);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run(readers, articles));
}

/// Publication times: spread over 06:00–22:00 at random (a fixed seed), in order.
fn schedule(start: DateTime<Utc>, articles: usize) -> Vec<DateTime<Utc>> {
    let mut state: u64 = 0x5eed_cafe;
    let mut times: Vec<DateTime<Utc>> = (0..articles)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            start + chrono::Duration::seconds((state % (16 * 3600)) as i64)
        })
        .collect();
    times.sort();
    times
}

async fn run(readers: usize, articles: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("day.db")).await.expect("store");
    let start = Utc.with_ymd_and_hms(2026, 12, 7, 22, 0, 0).single().expect("06:00 WITA");
    let ids: Vec<i64> = (1_000_000..1_000_000 + readers as i64).collect();
    store.subscribe_many(&ids, start).await.expect("subscribers");
    let feed = Url::parse("https://kaltimtoday.co/feed/").expect("url");
    let feeds = store.sync_feeds(&[(feed, Some("Kaltimtoday.co".into()))], start).await.expect("feed");
    let feed_id = feeds[0].id;
    record(&store, feed_id, &[], start).await;

    let rate = sending_rate_at(30);
    let pass = Duration::from_secs_f64(readers as f64 / rate);
    let times = schedule(start, articles);
    println!(
        "a newsroom's day: {articles} articles 06:00–22:00 WITA to {readers} subscribers at {rate:.2} msg/s \
         (one pass over the list: {:.1} min)",
        pass.as_secs_f64() / 60.0
    );
    let wall = Instant::now();
    let mut clock = start;
    let mut next = 0;
    // The article behind each post, and when it was published.
    let mut published: HashMap<i64, DateTime<Utc>> = HashMap::new();
    let mut lags: Vec<u32> = Vec::with_capacity(readers * articles);
    let (mut messages, mut biggest_outbox, mut lists) = (0usize, 0i64, 0usize);
    let mut last_sample = start;
    loop {
        while next < times.len() && times[next] <= clock {
            let n = next + 1;
            record(&store, feed_id, &[story(n, times[next])], times[next]).await;
            next += 1;
        }
        let batch = store.claim_batch(clock, Duration::from_secs(3600), 64).await.expect("claim");
        if batch.is_empty() {
            if next == times.len() {
                break;
            }
            clock = clock.max(times[next]);
            continue;
        }
        for claimed in &batch {
            // One message per claim: Telegram's cost in simulated time.
            clock += chrono::Duration::microseconds((1e6 / rate) as i64);
            messages += 1;
            let stories: Vec<(i64, i64)> = if claimed.together.is_empty() {
                vec![(claimed.id, claimed.post.article_id.unwrap_or_default())]
            } else {
                lists += 1;
                claimed.together.iter().map(|t| (t.delivery_id, t.article.id)).collect()
            };
            for (_, article_id) in &stories {
                let at = match published.get(article_id) {
                    Some(at) => *at,
                    None => {
                        let article = store.article(*article_id).await.expect("article").expect("stored");
                        let at = article.published_at.unwrap_or(article.seen_at);
                        published.insert(*article_id, at);
                        at
                    }
                };
                lags.push(u32::try_from((clock - at).num_seconds().max(0)).unwrap_or(u32::MAX));
            }
            let message_id = i32::try_from(messages % 1_000_000_000).unwrap_or(1);
            if claimed.together.is_empty() {
                store.mark_sent(claimed.id, message_id, SentAs::Text, clock).await.expect("sent");
            } else {
                let ids: Vec<i64> = stories.iter().map(|(id, _)| *id).collect();
                store.mark_sent_together(&ids, message_id, clock).await.expect("sent");
            }
        }
        if clock - last_sample >= chrono::Duration::minutes(10) {
            last_sample = clock;
            let counts = store.outbox_counts().await.expect("counts");
            biggest_outbox = biggest_outbox.max(counts.pending + counts.sending);
            // A sign of life every simulated hour: the full day takes about an hour of CPU.
            if (clock - start).num_minutes() % 60 < 10 {
                eprintln!(
                    "  {:>4.1} simulated h, {next} articles, {messages} messages, outbox {} ({:.0} s)",
                    (clock - start).num_seconds() as f64 / 3600.0,
                    counts.pending + counts.sending,
                    wall.elapsed().as_secs_f64()
                );
            }
        }
    }
    lags.sort_unstable();
    let at = |q: f64| lags[((lags.len() as f64 * q) as usize).min(lags.len() - 1)] as f64 / 60.0;
    let counts = store.outbox_counts().await.expect("counts");
    println!(
        "  simulated {:.1} h in {:.0} s of wall time",
        (clock - start).num_seconds() as f64 / 3600.0,
        wall.elapsed().as_secs_f64()
    );
    println!(
        "  {} deliveries by {messages} messages ({lists} of them several stories at once); one message per story would be {}",
        counts.sent,
        readers * articles
    );
    println!(
        "  largest outbox (sampled every 10 simulated min): {biggest_outbox} deliveries; left at the end: {}",
        counts.pending
    );
    println!(
        "  reader lag per story: p50 {:.1} min, p90 {:.1}, p99 {:.1}, max {:.1} (one pass: {:.1} min)",
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
        pass.as_secs_f64() / 60.0
    );
    store.close().await;
}

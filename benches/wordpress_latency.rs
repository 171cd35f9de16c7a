//! Publish → Telegram latency against a real WordPress (started by
//! `scripts/wordpress.sh start`, found through `WARTA_TEST_WORDPRESS`): the
//! real `warta` binary watches the site's feeds and posts to the fake Bot
//! API's channel; each sample publishes one post through WordPress's own PHP
//! API (every other one with only a featured image, so the photo lookup is
//! in the path) and measures until the post arrives at the fake.
//!
//!     eval "$(scripts/wordpress.sh start)" && export WARTA_TEST_WORDPRESS
//!     cargo bench --bench wordpress_latency                 # 20 pinged, 6 polled samples (≈ 15 min)
//!     cargo bench --bench wordpress_latency -- --pinged 10 --polled 4 --interval 30s
//!
//! Two runs: with Warta's `/ping` in Update Services and an hourly poll (the
//! ping alone brings the post), then with no ping and the poll at
//! `--interval` (default 2m, what `bot.toml` ships). Pinged publishes are
//! spaced 6–9 s apart (past the 5 s debounce); polled ones at a random phase
//! of the poll. After each publish the editor's next page load is made, as
//! WordPress runs its pings from cron on page loads. Reports p50/p95/max.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;

use support::app::free_port;
use support::wordpress::WordPress;
use support::{CHANNEL_ID, TestEnv};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let count = |name: &str, default: usize| value(name).and_then(|n| n.parse().ok()).unwrap_or(default);
    let pinged = count("--pinged", 20);
    let polled = count("--polled", 6);
    let interval = value("--interval").unwrap_or_else(|| "2m".to_owned());
    let Some(wp) = WordPress::from_env("bench wordpress_latency") else { return };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let with_ping = measure(&wp, Mode::Pinged, pinged, "1h").await;
        report("with the Update Services ping (poll hourly)", &with_ping);
        let polling = measure(&wp, Mode::Polled, polled, &interval).await;
        report(&format!("polling only, every {interval}"), &polling);
    });
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Pinged,
    Polled,
}

async fn measure(wp: &WordPress, mode: Mode, samples: usize, interval: &str) -> Vec<Duration> {
    let env = TestEnv::start().await;
    let port = free_port();
    let ping_url = if mode == Mode::Pinged { format!("http://127.0.0.1:{port}/ping") } else { String::new() };
    wp.php("pings", &ping_url);
    env.write_config(&wp.warta_config(&env, port, interval, ""));
    let app = env.spawn();
    // The first fetch of each feed records what is there without posting.
    wp.wait_for_fetches("/category/samarinda/feed/", 1, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let poll = warta::config::parse_duration(interval).expect("--interval: a duration such as 30s or 2m");
    let mut random = Xorshift::seeded();
    let mut latencies = Vec::with_capacity(samples);
    for n in 0..samples {
        let gap = match mode {
            Mode::Pinged => Duration::from_millis(6_000 + random.below(3_000)),
            Mode::Polled => Duration::from_millis(random.below(poll.as_millis() as u64)),
        };
        tokio::time::sleep(gap).await;
        let title = format!("Sampel latensi {n:02} {}", random.below(1_000_000_000));
        wp.publish(json!({
            "title": title, "content": "<p>Isi berita untuk mengukur latensi.</p>",
            "categories": ["samarinda"], "featured": n % 2 == 0,
        }));
        let published = Instant::now();
        wp.visit().await;
        env.telegram
            .wait_until(&format!("{title:?} posted"), poll * 2 + Duration::from_secs(30), |t| {
                t.messages_in(CHANNEL_ID).iter().any(|m| m.text.contains(&title))
            })
            .await;
        let latency = published.elapsed();
        eprintln!("  sample {n:02}: {:.2} s", latency.as_secs_f64());
        latencies.push(latency);
    }
    let (_, log) = app.stop().await;
    assert!(!log.contains("panicked"), "{log}");
    latencies
}

fn report(what: &str, latencies: &[Duration]) {
    if latencies.is_empty() {
        return;
    }
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1].as_secs_f64();
    let mean = sorted.iter().map(Duration::as_secs_f64).sum::<f64>() / sorted.len() as f64;
    println!(
        "publish → Telegram, {what}: {} samples, p50 {:.2} s, p95 {:.2} s, max {:.2} s, mean {mean:.2} s",
        sorted.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
}

/// A small pseudo-random source for gaps and titles (no need for more).
struct Xorshift(u64);

impl Xorshift {
    fn seeded() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Self(nanos | 1)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

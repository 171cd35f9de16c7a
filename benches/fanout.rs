//! Fan-out benchmark: one post to N subscribers through the real outbox and
//! delivery worker, against the fake Bot API enforcing Telegram's published
//! limits with 429s (run in a child process, so the memory measured is the
//! bot's alone).
//!
//!     cargo bench --bench fanout            # 1,000 at 30/s; 100,000 paid at 1000/s; 100,000 at 30/s for 30 s
//!     cargo bench --bench fanout -- --quick # the 1,000 run only
//!
//! Reports enqueue time, achieved messages/s against the limit, 429s, duplicates and peak RSS.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use url::Url;
use warta::app::build_bot;
use warta::config::BotToken;
use warta::delivery::{
    DeliveryWorker, ImageDownloader, Pacer, PacingLimits, RetryPolicy, SendGate, TelegramSender, WorkerSettings,
};
use warta::domain::NewPost;
use warta::feed::{FetchLimits, Fetcher};
use warta::store::{Audience, Priority, Store};

use support::{FakeTelegram, FloodLimits, TOKEN};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == "--serve-fake") {
        let overall = args.get(position + 1).and_then(|a| a.parse().ok()).unwrap_or(30);
        serve_fake(overall);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let paid_only: Option<i64> =
        args.iter().position(|a| a == "--paid").and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!("fan-out benchmark (one post to N subscribers; the fake Bot API enforces the limits with 429s)");
    if let Some(readers) = paid_only {
        runtime.block_on(scenario(&format!("{readers} subscribers, paid broadcast"), readers, 1000, true, None));
        return;
    }
    runtime.block_on(scenario("1,000 subscribers, free tier", 1_000, 30, false, None));
    if !quick {
        runtime.block_on(scenario("100,000 subscribers, paid broadcast", 100_000, 1000, true, None));
        runtime.block_on(scenario(
            "100,000 subscribers, free tier (first 30 s)",
            100_000,
            30,
            false,
            Some(Duration::from_secs(30)),
        ));
    }
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS of the bot side: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS: unavailable"),
    }
}

/// The fake Bot API, in this child process, until stdin closes.
fn serve_fake(overall: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let fake = FakeTelegram::start(TOKEN).await;
        fake.lean_load_mode();
        fake.enforce_limits(FloodLimits { overall_per_second: overall, ..FloodLimits::default() });
        println!("{}", fake.api_url());
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(tokio::io::stdin()));
        while let Ok(Some(line)) = lines.next_line().await {
            if line.trim() == "counts" {
                let sent = fake.sent_per_chat();
                let total: usize = sent.values().sum();
                let duplicates: usize = sent.values().map(|n| n.saturating_sub(1)).sum();
                println!("{total} {} {duplicates} {}", sent.len(), fake.flood_refusals());
            }
        }
    });
}

struct FakeProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    url: String,
}

impl FakeProcess {
    fn start(overall: u32) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .args(["--serve-fake", &overall.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the fake Bot API");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut url = String::new();
        stdout.read_line(&mut url).expect("fake URL");
        Self { child, stdin, stdout, url: url.trim().to_owned() }
    }

    /// (messages delivered, chats reached, duplicates, 429s)
    fn counts(&mut self) -> (usize, usize, usize, usize) {
        writeln!(self.stdin, "counts").expect("ask");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("answer");
        let n: Vec<usize> = line.split_whitespace().filter_map(|n| n.parse().ok()).collect();
        (n[0], n[1], n[2], n[3])
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn scenario(label: &str, readers: i64, rate: u32, paid: bool, window: Option<Duration>) {
    let mut fake = FakeProcess::start(rate);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("fanout.db")).await.expect("store");
    let ids: Vec<i64> = (1_000_000..1_000_000 + readers).collect();
    store.subscribe_many(&ids, Utc::now()).await.expect("subscribers");

    let post = NewPost::text(
        "<b>Banjir di Samarinda</b>\n\nRingkasan berita.".into(),
        "Banjir di Samarinda\n\nRingkasan berita.".into(),
    );
    let started = Instant::now();
    let (_, enqueued) =
        store.enqueue_post_for(&post, Audience::Readers, Priority::Routine, Utc::now()).await.expect("enqueue");
    let enqueue_time = started.elapsed();

    let bot = build_bot(&Url::parse(&fake.url).expect("url"), &BotToken::new(TOKEN)).expect("bot");
    let limits = PacingLimits { overall_per_second: rate, ..PacingLimits::default() };
    let settings = WorkerSettings {
        policy: RetryPolicy { initial: Duration::from_secs(1), max: Duration::from_secs(10), max_attempts: 10 },
        lease: Duration::from_secs(60),
        concurrency: if paid { 128 } else { 32 },
        shutdown_grace: Duration::from_secs(5),
        unpin_after: None,
        timezone: chrono_tz::Asia::Makassar,
    };
    let images = ImageDownloader { fetcher: Fetcher::new(FetchLimits::default()).expect("fetcher"), max_bytes: 1024 };
    let sender = TelegramSender::new(bot).with_paid_broadcast(paid);
    let worker = Arc::new(DeliveryWorker::new(
        store.clone(),
        sender,
        images,
        Arc::new(Pacer::new(limits)),
        SendGate::default(),
        settings,
    ));
    let shutdown = tokio_util::sync::CancellationToken::new();
    let ready = Arc::new(tokio::sync::Notify::new());
    let started = Instant::now();
    let running = tokio::spawn(worker.run(ready, shutdown.clone()));
    let delivered = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let counts = store.outbox_counts().await.expect("counts");
        let done = counts.pending + counts.sending == 0;
        if done || window.is_some_and(|w| started.elapsed() >= w) {
            break counts.sent;
        }
    };
    let elapsed = started.elapsed();
    shutdown.cancel();
    let _ = running.await;
    let (_, chats, duplicates, refused) = fake.counts();
    let per_second = delivered as f64 / elapsed.as_secs_f64();
    println!("\n{label}");
    println!("  enqueue {enqueued} deliveries (one INSERT … SELECT): {:.0} ms", enqueue_time.as_secs_f64() * 1000.0);
    println!(
        "  delivered {delivered} in {:.1} s ({chats} chats reached by the end): {per_second:.1} msg/s = {:.1} % of the {rate}/s limit",
        elapsed.as_secs_f64(),
        per_second / f64::from(rate) * 100.0
    );
    println!("  429s: {refused}; duplicates: {duplicates}");
    store.close().await;
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

//! What the benchmarks share: their command-line numbers, the stories they
//! feed the store, the fake Bot API in a child process (so that the memory
//! measured is the bot's alone), the paced delivery worker, and CPU and
//! memory readings.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;
use warta::app::build_bot;
use warta::config::BotToken;
use warta::delivery::{
    DeliveryWorker, ImageDownloader, Pacer, PacingLimits, RetryPolicy, SendGate, TelegramSender, WorkerSettings,
};
use warta::domain::{ArticleKey, NewArticle};
use warta::feed::{FetchLimits, Fetcher};
use warta::format::PostStyle;
use warta::store::{FetchMeta, FetchRecord, Store};

use super::postgres::ScratchDatabase;
use super::{FakeTelegram, FloodLimits, TOKEN};

/// `--name N` from the command line, else `default`.
pub fn count_arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// Story `n` of the benchmarks, published at `published`.
pub fn story(n: usize, published: DateTime<Utc>) -> NewArticle {
    let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
    NewArticle {
        key: ArticleKey::from_link(&link),
        title: format!("Berita {n}: Pemkot Samarinda bahas anggaran"),
        link: Some(link),
        summary_html: Some("<p>Ringkasan berita.</p>".into()),
        content_html: None,
        author: None,
        categories: vec!["Samarinda".into()],
        tags: vec![],
        page_photo: None,
        image_url: None,
        published_at: Some(published),
    }
}

/// Records a fetch of `articles` at `now`; the deliveries it enqueued.
pub async fn record(store: &Store, feed_id: i64, articles: &[NewArticle], now: DateTime<Utc>) -> usize {
    let record = FetchRecord {
        meta: &FetchMeta::default(),
        articles,
        now,
        next_check: now,
        backfill: 0,
        edit_window: Duration::from_secs(3600),
    };
    store.record_fetch_success(feed_id, record, &PostStyle::default()).await.expect("record").deliveries
}

/// The fake Bot API, in this child process, until stdin closes.
pub fn serve_fake(overall: usize, paid: bool) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let fake = FakeTelegram::start(TOKEN).await;
        fake.lean_load_mode();
        // With paid broadcast only the messages that ask for it go above the free 30/s.
        let limits = if paid {
            FloodLimits { paid_per_second: overall, ..FloodLimits::default() }
        } else {
            FloodLimits { overall_per_second: overall, ..FloodLimits::default() }
        };
        fake.enforce_limits(limits);
        println!("{}", fake.api_url());
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(tokio::io::stdin()));
        while let Ok(Some(line)) = lines.next_line().await {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words[..] {
                ["counts"] => {
                    let sent = fake.sent_per_chat();
                    let total: usize = sent.values().sum();
                    let most = sent.values().copied().max().unwrap_or(0);
                    println!("{total} {} {most} {}", sent.len(), fake.flood_refusals());
                }
                ["storm", seconds, retry_after] => {
                    let seconds = seconds.parse().unwrap_or(30);
                    fake.flood_storm(Duration::from_secs(seconds), retry_after.parse().unwrap_or(1));
                    println!("storm");
                }
                _ => println!("?"),
            }
        }
    });
}

pub struct FakeProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    pub url: String,
}

impl FakeProcess {
    /// The fake at `overall` messages a second; with `paid`, only for
    /// messages sent with `allow_paid_broadcast` (the others at the free 30).
    pub fn start(overall: u32, paid: bool) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .args(["--serve-fake", &overall.to_string(), if paid { "paid" } else { "free" }])
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

    /// (messages delivered, chats reached, most messages to one chat, 429s)
    pub fn counts(&mut self) -> (usize, usize, usize, usize) {
        let line = self.ask("counts");
        let n: Vec<usize> = line.split_whitespace().filter_map(|n| n.parse().ok()).collect();
        (n[0], n[1], n[2], n[3])
    }

    pub fn ask(&mut self, command: &str) -> String {
        writeln!(self.stdin, "{command}").expect("ask");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("answer");
        line
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the fake Bot API and returns `true` when this process was started as
/// the child [`FakeProcess::start`] asks for (`--serve-fake RATE paid|free`).
pub fn serve_fake_if_asked() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let Some(position) = args.iter().position(|a| a == "--serve-fake") else { return false };
    let overall = args.get(position + 1).and_then(|a| a.parse().ok()).unwrap_or(30);
    serve_fake(overall, args.get(position + 2).is_some_and(|a| a == "paid"));
    true
}

/// The delivery worker as `warta run` builds it, sending to the fake at
/// `api_url` at `rate` messages a second (paid broadcast when `paid`).
pub fn paced_worker(store: &Store, api_url: &str, rate: u32, paid: bool) -> DeliveryWorker {
    let bot = build_bot(&Url::parse(api_url).expect("url"), &BotToken::new(TOKEN)).expect("bot");
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
    DeliveryWorker::new(store.clone(), sender, images, Arc::new(Pacer::new(limits)), SendGate::default(), settings)
}

/// Resets this process's peak RSS (VmHWM) so that the next reading measures
/// only what follows; `false` where the kernel does not allow it.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// This process's resident memory now, in KiB.
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time this process used so far (user + system), in seconds.
pub fn cpu_seconds() -> f64 {
    cpu_seconds_of("self")
}

/// CPU time process `pid` ("self" for this one) used so far (user + system), in seconds.
pub fn cpu_seconds_of(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // After the name: state is field 0, utime 11, stime 12; 100 ticks a second on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// The scratch PostgreSQL database a `--postgres` run keeps its store in
/// (on `WARTA_TEST_POSTGRES`); `None` for SQLite.
pub async fn scratch_postgres(wanted: bool, label: &str) -> Option<ScratchDatabase> {
    if !wanted {
        return None;
    }
    Some(ScratchDatabase::create(label).await.expect("--postgres needs WARTA_TEST_POSTGRES"))
}

/// The benchmark's store: in `scratch` when there is one, else in the SQLite file at `path`.
pub async fn open_bench_store(scratch: Option<&ScratchDatabase>, path: &std::path::Path) -> Store {
    match scratch {
        Some(scratch) => Store::open_postgres(&scratch.url).await.expect("store"),
        None => Store::open(path).await.expect("store"),
    }
}

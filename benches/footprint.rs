//! Footprint benchmark of the real `warta` binary (release build) against the
//! fake Bot API: binary size, startup time to the first getUpdates, idle RSS
//! after start, RSS during a fan-out to 100,000 subscribers, and the CPU and
//! RSS of the `warta` process alone per 1,000 messages at the free 30/s, with
//! 1,000 and with 100,000 subscribers.
//!
//!     scripts/footprint.sh                       # or: cargo bench --bench footprint
//!     cargo bench --bench footprint -- --subscribers 20000 --starts 3
//!     cargo bench --bench footprint -- --binary path/to/warta     # another build
//!     cargo bench --bench footprint -- --cpu 3   # only the CPU runs, 3 of each
//!
//! `WARTA_BENCH_LOG` sets the bot's `RUST_LOG` and `WARTA_BENCH_STDERR` names a
//! file for its log: with `WARTA_BENCH_LOG=warn,sqlx::query=debug` every
//! statement is logged with the time it took.
//!
//! Goals on the 2-core development machine: idle RSS ≤ 15 MB, fan-out RSS
//! ≤ 50 MB, start ≤ 300 ms, CPU ≤ 0.9 s per 1,000 messages.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{CHANNEL, CHANNEL_ID, FakeFeedServer, FakeTelegram, Item, TOKEN, rss};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let subscribers = support::bench::count_arg("--subscribers", 100_000);
    let starts = support::bench::count_arg("--starts", 5).max(1);
    // Another build of warta (e.g. a container's) can be measured too.
    let binary = args
        .iter()
        .position(|a| a == "--binary")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| std::path::PathBuf::from(env!("CARGO_BIN_EXE_warta")), std::path::PathBuf::from);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    if args.iter().any(|a| a == "--cpu") {
        let repeats = support::bench::count_arg("--cpu", 3).max(1);
        runtime.block_on(cpu_runs(&binary, repeats));
    } else {
        runtime.block_on(run(&binary, subscribers, starts));
        runtime.block_on(cpu_runs(&binary, 1));
    }
}

async fn run(binary: &std::path::Path, subscribers: usize, starts: usize) {
    let size = std::fs::metadata(binary).map(|m| m.len()).unwrap_or(0);
    println!("footprint of {} ({} build)", binary.display(), if cfg!(debug_assertions) { "debug" } else { "release" });
    println!("binary size (stripped release): {:.1} MiB ({size} bytes)", mib(size));

    // Startup: from spawn to the first getUpdates, on a fresh database each time.
    let mut startup = Vec::new();
    let mut idle_kib = 0;
    let mut idle_parts = (0, 0);
    for run in 0..starts {
        let telegram = FakeTelegram::start(TOKEN).await;
        telegram.add_channel(CHANNEL, CHANNEL_ID);
        let feeds = FakeFeedServer::start().await;
        feeds.set_feed("feed.xml", &rss(&[Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
        let dir = tempfile::tempdir().expect("temp dir");
        let config = write_config(dir.path(), &telegram, &feeds, "");
        // An update waiting: the first getUpdates returns at once, so its record marks its arrival.
        telegram.user_sends(&support::FakeUser::new(7, "Pembaca", Some("id")), 7, "halo");
        let began = Instant::now();
        let mut child = spawn(binary, &config, dir.path());
        telegram
            .wait_until("the first getUpdates", Duration::from_secs(30), |fake| !fake.calls_to("getupdates").is_empty())
            .await;
        let first_poll = telegram.calls_to("getupdates")[0].at;
        startup.push(first_poll.duration_since(began));
        if run == 0 {
            // Idle: started, feed read, nothing to do.
            tokio::time::sleep(Duration::from_secs(5)).await;
            idle_kib = rss_kib(child.id(), "VmRSS:").unwrap_or(0);
            idle_parts = (rss_kib(child.id(), "RssAnon:").unwrap_or(0), rss_kib(child.id(), "RssFile:").unwrap_or(0));
        }
        stop(&mut child).await;
    }
    startup.sort();
    let median = startup[startup.len() / 2];
    println!(
        "startup to first getUpdates: median {:.0} ms (min {:.0}, max {:.0}; {} starts)",
        ms(median),
        ms(startup[0]),
        ms(startup[startup.len() - 1]),
        startup.len()
    );
    println!(
        "idle RSS 5 s after start: {:.1} MiB ({:.1} MiB private memory, {:.1} MiB of the binary's own pages)",
        idle_kib as f64 / 1024.0,
        idle_parts.0 as f64 / 1024.0,
        idle_parts.1 as f64 / 1024.0
    );

    // Fan-out: one new article to every subscriber, paid broadcast at 1000/s.
    let telegram = FakeTelegram::start(TOKEN).await;
    telegram.add_channel(CHANNEL, CHANNEL_ID);
    telegram.lean_load_mode();
    let feeds = FakeFeedServer::start().await;
    feeds.set_feed("feed.xml", &rss(&[Item::numbered(2), Item::numbered(1)]));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), &telegram, &feeds, "paid_broadcast = true\npaid_per_second = 1000\n");
    subscribe_readers(dir.path(), subscribers).await;
    let mut child = spawn(binary, &config, dir.path());
    feeds.wait_for_requests("feed.xml", 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    feeds.set_feed("feed.xml", &rss(&[Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    let began = Instant::now();
    let mut peak_rss = 0;
    let target = subscribers + 1;
    loop {
        let sent: usize = telegram.sent_per_chat().values().sum();
        peak_rss = peak_rss.max(rss_kib(child.id(), "VmRSS:").unwrap_or(0));
        if sent >= target || began.elapsed() > Duration::from_secs(600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = began.elapsed();
    let sent: usize = telegram.sent_per_chat().values().sum();
    let hwm = rss_kib(child.id(), "VmHWM:").unwrap_or(0);
    stop(&mut child).await;
    println!(
        "fan-out to {subscribers} subscribers: {sent} messages in {:.1} s ({:.0}/s); RSS during it: peak sampled {:.1} MiB, high-water mark {:.1} MiB",
        took.as_secs_f64(),
        sent as f64 / took.as_secs_f64(),
        peak_rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
}

/// `count` readers subscribed in the bot's database before it starts.
async fn subscribe_readers(dir: &std::path::Path, count: usize) {
    let store = warta::store::Store::open(&dir.join("warta.db")).await.expect("store");
    let ids: Vec<i64> = (1..=i64::try_from(count).unwrap_or(i64::MAX)).map(|n| 500_000_000 + n).collect();
    for chunk in ids.chunks(10_000) {
        store.subscribe_many(chunk, chrono::Utc::now()).await.expect("subscribe");
    }
    store.close().await;
}

fn write_config(
    dir: &std::path::Path,
    telegram: &FakeTelegram,
    feeds: &FakeFeedServer,
    delivery: &str,
) -> std::path::PathBuf {
    write_config_with(dir, telegram, feeds, delivery, "300ms", "")
}

/// The bot's config: the feed polled every `interval`, `extra` appended.
fn write_config_with(
    dir: &std::path::Path,
    telegram: &FakeTelegram,
    feeds: &FakeFeedServer,
    delivery: &str,
    interval: &str,
    extra: &str,
) -> std::path::PathBuf {
    let path = dir.join("bot.toml");
    let text = format!(
        "[telegram]\napi_url = \"{}\"\npoll_timeout = \"10s\"\n\n[storage]\ndatabase = \"{}\"\n\n\
         [delivery]\n{delivery}\n[fetch]\nmin_interval = \"100ms\"\nmax_interval = \"{interval}\"\nphoto_lookup = \"0s\"\n\n\
         [[feeds]]\nurl = \"{}\"\ninterval = \"{interval}\"\n\n[[channels]]\nchat = \"{CHANNEL}\"\n{extra}",
        telegram.api_url(),
        dir.join("warta.db").display(),
        feeds.url("feed.xml"),
    );
    std::fs::write(&path, text).expect("config");
    path
}

fn spawn(binary: &std::path::Path, config: &std::path::Path, dir: &std::path::Path) -> Child {
    Command::new(binary)
        .current_dir(dir)
        .env_clear()
        .env("BOT_TOKEN", TOKEN)
        .env("RUST_LOG", std::env::var("WARTA_BENCH_LOG").unwrap_or_else(|_| "warn".into()))
        .envs(std::env::vars().filter(|(k, _)| k == "MALLOC_ARENA_MAX" || k == "TOKIO_WORKER_THREADS"))
        .args(["run", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(log_to())
        .spawn()
        .expect("spawn warta")
}

/// Where the bot's log goes: nowhere, or the file `WARTA_BENCH_STDERR` names
/// (each run overwrites it).
fn log_to() -> Stdio {
    match std::env::var_os("WARTA_BENCH_STDERR") {
        Some(path) => std::fs::File::create(path).map_or_else(|_| Stdio::null(), Stdio::from),
        None => Stdio::null(),
    }
}

async fn stop(child: &mut Child) {
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(libc::pid_t::try_from(child.id()).unwrap_or_default(), libc::SIGTERM);
    }
    for _ in 0..200 {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn rss_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The CPU runs, `repeats` of each: one article, then five at once, to 1,000
/// subscribers at the free 30/s; then one article to 100,000, measured over
/// its first minute (the whole would take 55 minutes at 30/s).
async fn cpu_runs(binary: &std::path::Path, repeats: usize) {
    for new_articles in [1, 5] {
        for _ in 0..repeats {
            fan_out_cpu(binary, 1_000, new_articles, None).await;
        }
    }
    for _ in 0..repeats {
        fan_out_cpu(binary, 100_000, 1, Some(Duration::from_secs(60))).await;
    }
}

/// The CPU of the `warta` process alone (the fake Bot API and this watcher run
/// in the benchmark's process) while it fans `new_articles` stories out to
/// `readers` subscribers at the free 30/s, the fake enforcing Telegram's
/// limits; and the same process's CPU while it idled for 10 s just before.
/// The feed is polled hourly and the stories come by a publish ping, as on a
/// WordPress site with Update Services. With a `window`, the measurement ends
/// there, part way through the list. RSS is read with the subscribers in
/// place: idle before, and the peak sampled during the fan-out.
async fn fan_out_cpu(binary: &std::path::Path, readers: usize, new_articles: u32, window: Option<Duration>) {
    let telegram = FakeTelegram::start(TOKEN).await;
    telegram.add_channel(CHANNEL, CHANNEL_ID);
    telegram.lean_load_mode();
    telegram.enforce_limits(support::FloodLimits::default());
    let feeds = FakeFeedServer::start().await;
    feeds.set_feed("feed.xml", &rss(&[Item::numbered(1)]));
    let dir = tempfile::tempdir().expect("temp dir");
    let port = support::app::free_port();
    let config = write_config_with(
        dir.path(),
        &telegram,
        &feeds,
        "",
        "1h",
        &format!("\n[http]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    subscribe_readers(dir.path(), readers).await;
    let mut child = spawn(binary, &config, dir.path());
    let pid = child.id().to_string();
    feeds.wait_for_requests("feed.xml", 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let idle_from = support::bench::cpu_seconds_of(&pid);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_per_second = (support::bench::cpu_seconds_of(&pid) - idle_from) / 10.0;
    let idle_rss = rss_kib(child.id(), "VmRSS:").unwrap_or(0);
    let mut peak_rss = idle_rss;

    let items: Vec<Item> = (1..=new_articles + 1).rev().map(Item::numbered).collect();
    feeds.set_feed("feed.xml", &rss(&items));
    let cpu_from = support::bench::cpu_seconds_of(&pid);
    let began = Instant::now();
    let ping = support::app::ping_body(&feeds.url(""), &feeds.url("feed.xml"));
    let (status, _) = support::app::post(port, "/ping", &[("content-type", "text/xml")], ping).await;
    assert_eq!(status, 200, "the publish ping");
    // Sampled every 100 ms; the fan-out ends at the sample where the count of
    // messages reached its final value (every chat reached, then 3 s without
    // a new message).
    let mut samples: Vec<(Duration, f64, usize)> = Vec::new();
    let mut last_change = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sent = telegram.sent_per_chat();
        let total: usize = sent.values().sum();
        if samples.last().is_none_or(|&(_, _, before)| before != total) {
            last_change = Instant::now();
        }
        samples.push((began.elapsed(), support::bench::cpu_seconds_of(&pid), total));
        peak_rss = peak_rss.max(rss_kib(child.id(), "VmRSS:").unwrap_or(0));
        let everyone = sent.len() > readers && sent.get(&CHANNEL_ID).copied().unwrap_or(0) >= new_articles as usize;
        let window_over = window.is_some_and(|w| began.elapsed() >= w);
        if (everyone && last_change.elapsed() >= Duration::from_secs(3))
            || window_over
            || began.elapsed() > Duration::from_secs(300)
        {
            break;
        }
    }
    let refused = telegram.flood_refusals();
    stop(&mut child).await;
    let messages = samples.last().map_or(0, |s| s.2);
    let Some(&(took, cpu_at_end, _)) = samples.iter().find(|s| s.2 == messages) else { return };
    let cpu = cpu_at_end - cpu_from;
    // Part way through a long list, the cost of the steady sending apart from
    // the one-off enqueueing of every reader's delivery at the start.
    let scope = match samples.iter().find(|s| s.0 >= Duration::from_secs(10)) {
        Some(&(_, cpu_at_10s, sent_at_10s)) if window.is_some() => format!(
            "the first {:.0} s; from the 10th s on {:.2} s per 1,000",
            took.as_secs_f64(),
            (cpu_at_end - cpu_at_10s) / (messages - sent_at_10s).max(1) as f64 * 1000.0
        ),
        _ => "all".to_owned(),
    };
    println!(
        "CPU of the warta process, {new_articles} new article(s) to {readers} subscribers at 30/s ({scope}): {messages} messages in \
         {:.1} s ({:.1}/s, {refused} × 429), {:.2} s CPU = {:.2} s per 1,000 messages; idle just before: {:.1} ms CPU per s \
         (= {:.2} s of the fan-out's time); RSS idle {:.1} MiB, peak sampled {:.1} MiB",
        took.as_secs_f64(),
        messages as f64 / took.as_secs_f64(),
        cpu,
        cpu / messages.max(1) as f64 * 1000.0,
        idle_per_second * 1000.0,
        idle_per_second * took.as_secs_f64(),
        idle_rss as f64 / 1024.0,
        peak_rss as f64 / 1024.0,
    );
}

//! Runs the real `warta` binary (the `warta run` path) against the fakes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use super::fake_feed::{FakeFeedServer, Item, rss};
use super::fake_telegram::FakeTelegram;
use super::postgres::{ScratchDatabase, URL_VAR};
use super::{CHANNEL, CHANNEL_ID, TOKEN};

tokio::task_local! {
    /// Set while a test runs as its PostgreSQL half (see `on_both_backends!`):
    /// the test's name, for the scratch database.
    static ON_POSTGRES: String;
}

/// Runs an end-to-end test with its store on SQLite, or on a PostgreSQL
/// database of its own when `postgres` (skipped, saying so, without
/// `WARTA_TEST_POSTGRES`).
pub async fn run_on_backend(postgres: bool, name: &str, test: impl std::future::Future<Output = ()>) {
    if !postgres {
        return test.await;
    }
    if std::env::var(URL_VAR).map_or(true, |url| url.is_empty()) {
        eprintln!("skipped {name} on PostgreSQL: {URL_VAR} is not set (`scripts/postgres.sh start` prints it)");
        return;
    }
    ON_POSTGRES.scope(name.to_owned(), test).await;
}

/// Turns end-to-end tests (async fns that start with `TestEnv::start`) into
/// `<name>::sqlite` and `<name>::postgres`: the same flow on both stores.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    $crate::support::app::run_on_backend(false, stringify!($name), super::$name()).await
                }

                #[tokio::test]
                async fn postgres() {
                    $crate::support::app::run_on_backend(true, stringify!($name), super::$name()).await
                }
            }
        )+
    };
}

pub const FEED_PATH: &str = "feed.xml";

/// Fakes, a temp dir and a config pointing at them.
pub struct TestEnv {
    pub dir: TempDir,
    pub telegram: FakeTelegram,
    pub feeds: FakeFeedServer,
    pub config_path: PathBuf,
    runs: std::sync::atomic::AtomicU32,
    /// The test's own PostgreSQL database, when it runs on PostgreSQL.
    postgres: Option<ScratchDatabase>,
}

impl TestEnv {
    /// Starts the fakes with the News Update channel and a feed of articles 1-3.
    pub async fn start() -> Self {
        let telegram = FakeTelegram::start(TOKEN).await;
        telegram.add_channel(CHANNEL, CHANNEL_ID);
        let feeds = FakeFeedServer::start().await;
        feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
        let dir = tempfile::tempdir().expect("temp dir");
        let config_path = dir.path().join("bot.toml");
        let postgres = match ON_POSTGRES.try_with(String::clone) {
            Ok(name) => Some(ScratchDatabase::create(&name).await.expect("checked by run_on_backend")),
            Err(_) => None,
        };
        let env = Self { dir, telegram, feeds, config_path, runs: std::sync::atomic::AtomicU32::new(0), postgres };
        env.write_config(&env.config_text(""));
        env
    }

    /// The test config; `extra` is appended (more sections or array entries).
    pub fn config_text(&self, extra: &str) -> String {
        self.config_text_with_fetch("", extra)
    }

    /// The test config with more `[delivery]` keys (one per line).
    pub fn config_with_delivery(&self, keys: &str) -> String {
        const ANCHOR: &str = "max_attempts = 5";
        let config = self.config_text("");
        // Without the anchor the keys would silently not be added and the
        // test would run with the defaults it meant to change.
        assert!(config.contains(ANCHOR), "the test config lost its `{ANCHOR}` line");
        config.replace(ANCHOR, &format!("{ANCHOR}\n{keys}"))
    }

    /// The test config with more `[fetch]` keys, and `extra` appended.
    pub fn config_text_with_fetch(&self, fetch: &str, extra: &str) -> String {
        format!(
            r#"[telegram]
api_url = "{api}"
poll_timeout = "2s"

[storage]
database = "{db}"

[fetch]
# Tests poll every 300ms; production keeps the 30s floor.
min_interval = "50ms"
# Feed hints (ttl, sy:updatePeriod, max-age) may stretch polling to 1s at most.
max_interval = "1s"
timeout = "5s"
{fetch}

[delivery]
retry_initial = "1s"
retry_max = "2s"
max_attempts = 5
# Channel posts in tests need not wait Telegram's 20 per minute.
channel_per_minute = 600

[[feeds]]
url = "{feed}"
interval = "300ms"
name = "Kaltimtoday.co"

[[channels]]
chat = "{CHANNEL}"

[admins]
user_ids = [42]
{extra}"#,
            api = self.telegram.api_url(),
            db = self.database_setting(),
            feed = self.feeds.url(FEED_PATH),
        )
    }

    /// Subscribes readers straight in the database (before the bot starts),
    /// each with a private chat the fake knows.
    pub async fn seed_subscribers(&self, user_ids: &[i64]) {
        let store = self.open_store().await;
        store.subscribe_many(user_ids, chrono::Utc::now()).await.expect("subscribe");
        store.close().await;
        for id in user_ids {
            self.telegram.add_private_chat(*id, &format!("Pembaca {id}"));
        }
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(&self.config_path, text).expect("write config");
    }

    /// The SQLite file (unused when the test runs on PostgreSQL).
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("data/warta.db")
    }

    /// What the config's `storage.database` says: the file, or the test's PostgreSQL URL.
    pub fn database_setting(&self) -> String {
        match &self.postgres {
            Some(scratch) => scratch.url.clone(),
            None => self.database().display().to_string(),
        }
    }

    /// Whether the test runs on PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// The store the bot uses, opened by the test (to seed it or look inside).
    pub async fn open_store(&self) -> warta::store::Store {
        match &self.postgres {
            Some(scratch) => warta::store::Store::open_postgres(&scratch.url).await.expect("open the PostgreSQL store"),
            None => warta::store::Store::open(&self.database()).await.expect("open store"),
        }
    }

    /// The `warta` binary with a clean environment: BOT_TOKEN set, no WARTA_* leaking in.
    pub fn warta(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_warta"));
        command.current_dir(self.dir.path()).env_clear().env("BOT_TOKEN", TOKEN).env("RUST_LOG", "warta=debug,info");
        if let Ok(path) = std::env::var("PATH") {
            command.env("PATH", path);
        }
        command
    }

    /// Starts `warta run --config <test config>`, logging to a file in the temp dir.
    pub fn spawn(&self) -> RunningApp {
        self.spawn_with(&[], &[])
    }

    /// Like [`TestEnv::spawn`], with more environment variables and arguments before `run`.
    pub fn spawn_with(&self, env: &[(&str, &str)], args: &[&str]) -> RunningApp {
        let run = self.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let log = self.dir.path().join(format!("warta-run-{run}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = self
            .warta()
            .envs(env.iter().copied())
            .args(args)
            .args(["run", "--config"])
            .arg(&self.config_path)
            .stdout(Stdio::from(file.try_clone().expect("clone log")))
            .stderr(Stdio::from(file))
            .spawn()
            .expect("spawn warta");
        RunningApp { child: Some(child), log }
    }
}

/// A running `warta` process. Killed if dropped while running.
pub struct RunningApp {
    child: Option<Child>,
    log: PathBuf,
}

impl RunningApp {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn log(&self) -> String {
        read_log(&self.log)
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Sends SIGTERM and waits (at most 15 s) for the exit. Returns the exit
    /// status and the whole log, after checking the token never appeared in it.
    pub async fn stop(mut self) -> (ExitStatus, String) {
        let child = self.child.as_mut().expect("running");
        let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let status = wait_for_exit(child, Duration::from_secs(15)).await;
        self.child = None;
        let log = read_log(&self.log);
        let Some(status) = status else { panic!("warta did not exit within 15s of SIGTERM; log:\n{log}") };
        assert!(!log.contains(TOKEN), "the bot token leaked into the log:\n{log}");
        (status, log)
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(mut self) -> String {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.child = None;
        read_log(&self.log)
    }

    /// Waits for the process to exit on its own.
    pub async fn wait(mut self, within: Duration) -> (ExitStatus, String) {
        let child = self.child.as_mut().expect("running");
        let status = wait_for_exit(child, within).await;
        self.child = None;
        let log = read_log(&self.log);
        let Some(status) = status else { panic!("warta did not exit within {within:?}; log:\n{log}") };
        (status, log)
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
            // A failing test shows what the bot said last: its folder goes with the test.
            if std::thread::panicking() {
                let log = read_log(&self.log);
                let warnings = log.lines().filter(|line| line.contains(" WARN ") || line.contains(" ERROR "));
                eprintln!("warnings and errors in {}:", self.log.display());
                for line in warnings.take(40) {
                    eprintln!("  {line}");
                }
            }
        }
    }
}

/// The exit status, or `None` (after killing it) if it did not exit in time.
async fn wait_for_exit(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Runs a command to completion off the async runtime, so the fakes (served
/// by the test's runtime) keep answering it.
pub async fn run_to_end(command: &mut Command) -> std::process::Output {
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn warta");
    tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait for warta")).await.expect("join")
}

/// A WordPress publish ping (Update Services' weblogUpdates.extendedPing) for
/// `feed` of the site at `site`.
pub fn ping_body(site: &str, feed: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<methodCall><methodName>weblogUpdates.extendedPing</methodName><params>\
         <param><value><string>Kaltimtoday.co</string></value></param>\
         <param><value><string>{site}</string></value></param>\
         <param><value><string>{feed}</string></value></param></params></methodCall>"
    )
}

/// A free port on 127.0.0.1 (bound and released; the bot binds it next).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// GETs `path` on the bot's listener at `port`, waiting up to 30 s for it to
/// listen (it starts with the bot); the status and the body.
pub async fn get(port: u16, path: &str) -> (u16, String) {
    let url = format!("http://127.0.0.1:{port}{path}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match client.get(&url).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                return (status, response.text().await.expect("body"));
            }
            Err(_) if std::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(err) => panic!("{url}: {err}"),
        }
    }
}

/// POSTs `body` to `path` on the bot's listener at `port` (waiting for it to
/// listen, as [`get`]) with extra headers; the status and the body.
pub async fn post(port: u16, path: &str, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> (u16, String) {
    let url = format!("http://127.0.0.1:{port}{path}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let body: Vec<u8> = body.into();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut request = client.post(&url).body(body.clone());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                return (status, response.text().await.unwrap_or_default());
            }
            Err(err) if err.is_connect() && std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => panic!("{url}: {err}"),
        }
    }
}

//! A full disk under the database: writes fail while it lasts, and once there
//! is space again every write works — on every pooled connection, without a
//! restart. A real full filesystem: a small tmpfs mounted for the test.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use warta::store::Store;

/// A tmpfs of `size` mounted on a fresh folder; unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|out| out.status.success());
        if !mounted {
            eprintln!("SKIPPED: cannot mount a tmpfs here (needs root); the disk-full test did not run");
            return None;
        }
        Some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk with a file; returns its path (remove it to free the space).
    fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).and_then(|()| file.flush()).is_ok() {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[tokio::test]
async fn after_a_full_disk_every_connection_writes_again_without_a_restart() {
    let Some(disk) = SmallDisk::mount("4m") else { return };
    let store = Store::open(&disk.path().join("warta.db")).await.expect("open");
    store.subscribe(1, Some("id"), None, Utc::now()).await.expect("a first write");
    store.probe_write(Utc::now()).await.expect("the probe writes");

    let filler = disk.fill();
    let mut refused = 0;
    for round in 0..12i64 {
        let readers: Vec<i64> = (0..2_000).map(|n| 10_000 * (round + 1) + n).collect();
        if store.subscribe_many(&readers, Utc::now()).await.is_err() {
            refused += 1;
        }
    }
    assert!(refused > 0, "the full disk must refuse the big writes");

    std::fs::remove_file(filler).expect("free the space");
    // Enough writes, some concurrent, to pass through every pooled connection.
    for user in 0..40 {
        store.subscribe(100 + user, Some("id"), None, Utc::now()).await.unwrap_or_else(|err| {
            panic!("write {user} after the disk has space again: {err}");
        });
    }
    let concurrent = (0..8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move { store.subscribe(500 + n, Some("id"), None, Utc::now()).await })
    });
    for write in concurrent {
        write.await.expect("task").expect("a concurrent write after the disk has space again");
    }
    store.probe_write(Utc::now()).await.expect("the probe writes again");
    assert!(store.is_subscribed(139).await.expect("read"));
    store.close().await;
}

/// Disk full between a send and its record: Telegram has the message, the
/// store refuses `sent`. The worker keeps the claim and records it once there
/// is space — the post is not sent again, and the chat's later posts follow.
#[tokio::test]
async fn a_send_that_cannot_be_recorded_is_recorded_later_not_sent_twice() {
    use std::sync::Arc;
    use std::time::Duration;

    use url::Url;
    use warta::app::build_bot;
    use warta::config::BotToken;
    use warta::delivery::{
        DeliveryWorker, ImageDownloader, Pacer, PacingLimits, RetryPolicy, SendGate, TelegramSender, WorkerSettings,
    };
    use warta::domain::{ArticleKey, ChatRef, NewArticle};
    use warta::feed::{FetchLimits, Fetcher};

    use crate::support::{CHANNEL, CHANNEL_ID, FakeTelegram, TOKEN, record_articles};

    let Some(disk) = SmallDisk::mount("8m") else { return };
    let telegram = FakeTelegram::start(TOKEN).await;
    telegram.add_channel(CHANNEL, CHANNEL_ID);
    let store = Store::open(&disk.path().join("warta.db")).await.expect("open");
    let now = Utc::now();
    let feeds = store
        .sync_feeds(&[(Url::parse("https://kaltimtoday.co/feed/").expect("url"), None)], now)
        .await
        .expect("feeds");
    store.sync_channels(&[ChatRef::Username(CHANNEL.into())], now).await.expect("channels");
    record_articles(&store, feeds[0].id, &[]).await;
    let articles: Vec<NewArticle> = (1..=3)
        .map(|n| {
            let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
            NewArticle {
                key: ArticleKey::from_link(&link),
                title: format!("Berita {n}"),
                link: Some(link),
                summary_html: Some(format!("<p>Ringkasan {n}.</p>")),
                content_html: None,
                author: None,
                categories: vec![],
                tags: vec![],
                page_photo: None,
                image_url: None,
                published_at: None,
            }
        })
        .collect();
    record_articles(&store, feeds[0].id, &articles).await;

    let bot = build_bot(&Url::parse(telegram.api_url()).expect("url"), &BotToken::new(TOKEN)).expect("bot");
    let images = ImageDownloader { fetcher: Fetcher::new(FetchLimits::default()).expect("fetcher"), max_bytes: 1024 };
    let settings = WorkerSettings {
        policy: RetryPolicy { initial: Duration::from_secs(1), max: Duration::from_secs(5), max_attempts: 5 },
        lease: Duration::from_secs(2),
        concurrency: 8,
        shutdown_grace: Duration::from_secs(2),
        unpin_after: None,
        timezone: chrono_tz::Asia::Makassar,
    };
    let pacer = Arc::new(Pacer::new(PacingLimits::default()));
    let worker = Arc::new(DeliveryWorker::new(
        store.clone(),
        TelegramSender::new(bot),
        images,
        pacer,
        SendGate::default(),
        settings,
    ));

    // The first send reaches Telegram; its answer comes after the disk filled up.
    telegram.set_answer_delay(Some(Duration::from_millis(1_500)));
    let ready = Arc::new(tokio::sync::Notify::new());
    let shutdown = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(worker.run(ready, shutdown.clone()));
    telegram.wait_until("the first send", Duration::from_secs(20), |t| !t.calls_to("sendMessage").is_empty()).await;
    let filler = disk.fill();
    telegram.set_answer_delay(None);
    // Longer than the lease: a sweep of expired claims must not take the held one.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(telegram.messages_in(CHANNEL_ID).len(), 1, "nothing more goes out while nothing can be recorded");

    std::fs::remove_file(filler).expect("free the space");
    telegram.wait_until("all three posts", Duration::from_secs(60), |t| t.messages_in(CHANNEL_ID).len() >= 3).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let counts = store.outbox_counts().await.expect("counts");
        if counts.sent == 3 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not all recorded: {counts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    running.await.expect("worker stops");
    let texts: Vec<String> = telegram.messages_in(CHANNEL_ID).into_iter().map(|m| m.text).collect();
    assert_eq!(texts.len(), 3, "each post exactly once: {texts:?}");
    for (n, text) in texts.iter().enumerate() {
        assert!(text.starts_with(&format!("Berita {}", n + 1)), "in order: {texts:?}");
    }
    store.close().await;
}

/// `/readyz` of the running binary does a write: on a full disk it says so,
/// and once there is space it is ready again, without a restart.
#[tokio::test]
async fn readiness_fails_while_the_disk_is_full_and_recovers() {
    use std::time::{Duration, Instant};

    use crate::support::TestEnv;
    use crate::support::app::{free_port, get};

    let Some(disk) = SmallDisk::mount("8m") else { return };
    let env = TestEnv::start().await;
    let port = free_port();
    env.write_config(&env.config_text(&format!("[http]\nlisten = \"127.0.0.1:{port}\"\n")));
    let database = disk.path().join("warta.db");
    let app = env.spawn_with(&[("WARTA__STORAGE__DATABASE", database.to_str().expect("utf-8"))], &[]);
    let wait_for = |expected: u16| async move {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, body) = get(port, "/readyz").await;
            if status == expected {
                return body;
            }
            assert!(Instant::now() < deadline, "/readyz still {status} {body:?}, waiting for {expected}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!(wait_for(200).await, "ready\n");

    let filler = disk.fill();
    let body = wait_for(503).await;
    assert!(body.starts_with("not ready: database refuses writes"), "{body}");
    std::fs::remove_file(filler).expect("free the space");
    assert_eq!(wait_for(200).await, "ready\n");
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

//! Operations end to end: webhook mode with its secret, /healthz /readyz
//! /metrics on the one listener, JSON logs without the token, SIGTERM in the
//! middle of a fan-out, a database from a newer Warta, and `warta backup`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::app::{FEED_PATH, free_port, get, run_to_end};
use crate::support::{CHANNEL_ID, FakeUser, Item, TOKEN, TestEnv, rss};

const WAIT: Duration = Duration::from_secs(30);

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client")
}

fn start_update(update_id: i64, user: i64, text: &str) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": chrono::Utc::now().timestamp(),
            "chat": { "id": user, "type": "private", "first_name": "Budi" },
            "from": { "id": user, "is_bot": false, "first_name": "Budi", "language_code": "id" },
            "text": text,
            "entities": [{ "type": "bot_command", "offset": 0, "length": text.split(' ').next().map_or(0, str::len) }],
        }
    })
}

#[tokio::test]
async fn webhook_mode_takes_updates_with_the_secret_and_refuses_the_rest() {
    let env = TestEnv::start().await;
    let port = free_port();
    let extra = format!("[http]\nlisten = \"127.0.0.1:{port}\"\n");
    let config = env.config_text(&extra).replace(
        "poll_timeout = \"2s\"",
        "poll_timeout = \"2s\"\nmode = \"webhook\"\nwebhook_url = \"https://warta.example.org/telegram/hook\"",
    );
    env.write_config(&config);
    env.telegram.add_private_chat(77, "Budi");
    let app = env.spawn_with(&[("WEBHOOK_SECRET", "s3cret-Token_1")], &[]);
    env.telegram
        .wait_until("the webhook set", WAIT, |fake| fake.webhook().0 == "https://warta.example.org/telegram/hook")
        .await;
    assert_eq!(env.telegram.webhook().1.as_deref(), Some("s3cret-Token_1"));
    env.feeds.wait_for_requests(FEED_PATH, 2).await;

    let url = format!("http://127.0.0.1:{port}/telegram/hook");
    let post = |secret: Option<&'static str>, update: Value| {
        let url = url.clone();
        async move {
            let mut request = http().post(&url).json(&update);
            if let Some(secret) = secret {
                request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
            }
            request.send().await.expect("post").status().as_u16()
        }
    };
    assert_eq!(post(None, start_update(1, 77, "/help")).await, 401);
    assert_eq!(post(Some("guess"), start_update(2, 77, "/help")).await, 401);
    assert_eq!(post(Some("s3cret-Token_1"), start_update(3, 77, "/latest")).await, 200);
    let replies = env.telegram.wait_for_messages(77, 1).await;
    assert!(replies[0].text.starts_with("Berita terbaru"), "{}", replies[0].text);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(env.telegram.messages_in(77).len(), 1, "the refused updates were not handled");
    assert!(env.telegram.calls_to("getupdates").is_empty(), "no polling in webhook mode");

    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
    assert!(log.contains("webhook request without a secret token rejected"), "{log}");
    assert!(log.contains("webhook request with a wrong secret token rejected"), "{log}");
    assert!(!log.contains("s3cret-Token_1"), "the webhook secret leaked into the log");
    assert_eq!(env.telegram.webhook().0, "", "the webhook is removed at stop:\n{log}");
}

#[tokio::test]
async fn webhook_mode_without_its_secret_stops_with_a_clear_message() {
    let env = TestEnv::start().await;
    let config = env.config_text("[http]\nlisten = \"127.0.0.1:0\"\n").replace(
        "poll_timeout = \"2s\"",
        "poll_timeout = \"2s\"\nmode = \"webhook\"\nwebhook_url = \"https://warta.example.org/hook\"",
    );
    env.write_config(&config);
    let output = run_to_end(env.warta().args(["run", "--config"]).arg(&env.config_path)).await;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("WEBHOOK_SECRET: is not set"), "{stderr}");
}

#[tokio::test]
async fn health_readiness_and_metrics_on_the_one_listener() {
    let env = TestEnv::start().await;
    let port = free_port();
    env.write_config(&env.config_text(&format!("[http]\nlisten = \"127.0.0.1:{port}\"\n")));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    assert_eq!(get(port, "/healthz").await, (200, "ok\n".to_owned()));
    assert_eq!(get(port, "/readyz").await, (200, "ready\n".to_owned()));

    // What the run does: one new article posted, one command answered.
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    let reader = FakeUser::new(88, "Sari", Some("id"));
    env.telegram.user_sends(&reader, 88, "/latest");
    env.telegram.wait_for_messages(88, 1).await;

    let (status, text) = get(port, "/metrics").await;
    assert_eq!(status, 200);
    let samples = parse_prometheus(&text);
    let value = |name: &str| samples.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    assert!(value("warta_articles_seen_total").is_some_and(|v| v >= 4.0), "{text}");
    assert_eq!(value("warta_posts_total{outcome=\"sent\",chat_kind=\"channel\"}"), Some(1.0), "{text}");
    assert_eq!(value("warta_commands_total{command=\"latest\"}"), Some(1.0), "{text}");
    assert_eq!(value("warta_publish_to_telegram_seconds_count"), Some(1.0), "{text}");
    assert!(value("warta_feed_fetches_total{outcome=\"modified\"}").is_some_and(|v| v >= 2.0), "{text}");
    assert!(value("warta_reply_seconds_count{command=\"latest\"}") == Some(1.0), "{text}");
    assert_eq!(value("warta_outbox_deliveries{status=\"sent\"}"), Some(1.0), "{text}");

    // The database file disappears (a lost volume): not ready; back: ready.
    let moved = env.dir.path().join("moved.db");
    std::fs::rename(env.database(), &moved).expect("move the database away");
    let (status, body) = get(port, "/readyz").await;
    assert_eq!((status, body.as_str()), (503, "not ready: database file missing\n"));
    std::fs::rename(&moved, env.database()).expect("put it back");
    assert_eq!(get(port, "/readyz").await.0, 200);
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

#[tokio::test]
async fn readiness_fails_when_every_feed_fails() {
    let env = TestEnv::start().await;
    let port = free_port();
    env.feeds.set_feed(FEED_PATH, "<html><body>Maintenance</body></html>");
    env.write_config(
        &env.config_text_with_fetch("alert_after = 2", &format!("[http]\nlisten = \"127.0.0.1:{port}\"\n")),
    );
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 3).await;
    let (status, body) = get(port, "/readyz").await;
    assert_eq!((status, body.as_str()), (503, "not ready: all 1 feeds failing\n"));
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(1)]));
    let deadline = Instant::now() + WAIT;
    while get(port, "/readyz").await.0 != 200 {
        assert!(Instant::now() < deadline, "still not ready after the feed recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

/// `name{labels} value` samples of a Prometheus text exposition; panics on a malformed line.
fn parse_prometheus(text: &str) -> Vec<(String, f64)> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix('#') {
            let kind = comment.split_whitespace().next().unwrap_or_default();
            assert!(["HELP", "TYPE"].contains(&kind), "unexpected comment: {line}");
            continue;
        }
        let (name, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("not a number: {line}"));
        let bare = name.split('{').next().unwrap_or_default();
        assert!(
            !bare.is_empty() && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name: {line}"
        );
        if let Some(labels) = name.strip_prefix(bare) {
            assert!(labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')), "bad labels: {line}");
        }
        samples.push((name.to_owned(), value));
    }
    samples
}

#[tokio::test]
async fn json_logs_carry_ids_and_never_the_token() {
    let env = TestEnv::start().await;
    let app = env.spawn_with(&[], &["--log-format", "json"]);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let delivered = lines.iter().find(|l| l["message"] == "post delivered").expect("a delivery line");
    for field in ["delivery_id", "post_id", "chat_id", "message_id"] {
        assert!(delivered.get(field).is_some(), "{field} missing: {delivered}");
    }
    assert!(lines.iter().any(|l| l.get("feed_id").is_some()), "feed lines carry feed_id");
    assert!(!log.contains(TOKEN));
}

/// Every JSON log line says what it is about: lines logged while polling a
/// feed carry the feed, while delivering the delivery's post, chat and
/// attempt, while answering an update its chat and command.
#[tokio::test]
async fn json_log_lines_carry_the_span_of_what_they_are_about() {
    let env = TestEnv::start().await;
    let app = env.spawn_with(&[], &["--log-format", "json"]);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    let reader = FakeUser::new(91, "Rina", Some("id"));
    env.telegram.user_sends(&reader, 91, "/latest");
    env.telegram.wait_for_messages(91, 1).await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
    let lines: Vec<Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let in_span = |name: &str| lines.iter().filter(move |l| l["span"]["name"] == name).collect::<Vec<_>>();
    let polls = in_span("poll");
    assert!(!polls.is_empty(), "no line inside a poll span:\n{log}");
    assert!(polls.iter().all(|l| l["span"]["feed_id"].is_number()), "{polls:?}");
    let delivered = in_span("delivery");
    let delivered = delivered.iter().find(|l| l["message"] == "post delivered").expect("a delivery line in its span");
    for field in ["delivery_id", "post_id", "chat_id", "attempt"] {
        assert!(delivered["span"][field].is_number(), "{field} missing from the span: {delivered}");
    }
    let updates = in_span("update");
    let command = updates.iter().find(|l| l["span"]["command"] == "latest").expect("a line of the /latest update");
    assert_eq!(command["span"]["chat_id"], 91, "{command}");
    assert!(!log.contains(TOKEN));
}

#[tokio::test]
async fn sigterm_mid_fan_out_exits_in_time_and_a_restart_loses_nothing() {
    let env = TestEnv::start().await;
    let readers: Vec<i64> = (10_000..10_300).collect();
    env.seed_subscribers(&readers).await;
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram.wait_until("the fan-out under way", WAIT, |fake| fake.all_messages().len() >= 40).await;
    let stopping = Instant::now();
    let (status, log) = app.stop().await;
    let took = stopping.elapsed();
    assert!(status.success(), "exit {status:?}\n{log}");
    assert!(took < Duration::from_secs(10), "stopped in {took:?}");
    // The write-ahead log was checkpointed into the database at exit.
    let wal = env.database().with_extension("db-wal");
    assert!(std::fs::metadata(&wal).map_or(true, |m| m.len() == 0), "WAL left behind: {wal:?}");
    let sent_before = env.telegram.all_messages().len();
    assert!(sent_before < 301, "the fan-out was still going at SIGTERM");

    let app = env.spawn();
    env.telegram
        .wait_until("every reader served", Duration::from_secs(60), |fake| {
            readers.iter().all(|r| !fake.messages_in(*r).is_empty())
        })
        .await;
    for reader in &readers {
        assert_eq!(env.telegram.messages_in(*reader).len(), 1, "reader {reader} got the post once");
    }
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
}

#[tokio::test]
async fn a_database_from_a_newer_warta_is_refused() {
    let env = TestEnv::start().await;
    let store = warta::store::Store::open(&env.database()).await.expect("create");
    let version = store.schema_version().await.expect("version");
    store.close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", env.database().display())).await.expect("open");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (?1, 'newer', 1, x'00', 0)",
    )
    .bind(version + 1)
    .execute(&pool)
    .await
    .expect("insert");
    pool.close().await;
    let output = run_to_end(env.warta().args(["run", "--config"]).arg(&env.config_path)).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("was written by a newer Warta"), "{stderr}");
    assert!(env.telegram.calls_to("getupdates").is_empty(), "nothing ran");
}

#[tokio::test]
async fn backup_copies_the_database_while_warta_runs() {
    let env = TestEnv::start().await;
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    let target = env.dir.path().join("backup/warta-backup.db");
    std::fs::create_dir_all(target.parent().expect("parent")).expect("dir");
    let output = run_to_end(env.warta().args(["backup", "--config"]).arg(&env.config_path).arg(&target)).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("backup written to"));
    // Never over an existing file.
    let again = run_to_end(env.warta().args(["backup", "--config"]).arg(&env.config_path).arg(&target)).await;
    assert_eq!(again.status.code(), Some(1));
    app.stop().await;
    let copy = warta::store::Store::open(&target).await.expect("a database");
    let latest = copy.latest_articles(10, 0).await.expect("articles");
    assert_eq!(latest.len(), 3, "the archive is in the backup");
    copy.close().await;
}

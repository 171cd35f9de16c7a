//! The delivery worker stepped one delivery at a time against the fake Bot
//! API, with `now` passed in: precise checks of what each Telegram answer does
//! to the outbox.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use std::sync::Arc;
use url::Url;
use warta::app::build_bot;
use warta::config::BotToken;

use warta::delivery::{
    DeliveryOutcome, DeliveryWorker, ImageDownloader, Pacer, PacingLimits, RetryPolicy, SendGate, TelegramSender,
    WorkerSettings,
};
use warta::domain::NewPost;
use warta::domain::{ArticleKey, ChatRef, NewArticle};
use warta::feed::{FetchLimits, Fetcher};
use warta::store::{Audience, Priority, Store};

use crate::support::{CHANNEL, CHANNEL_ID, Failure, FakeTelegram, TOKEN, record_articles, to_ms_precision};

const LEASE: Duration = Duration::from_secs(60);

struct Outbox {
    store: Store,
    worker: DeliveryWorker,
    telegram: FakeTelegram,
    _dir: tempfile::TempDir,
}

fn article(n: u32) -> NewArticle {
    let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
    NewArticle {
        key: ArticleKey::from_link(&link),
        title: format!("Berita {n} <b>tebal</b> & lainnya"),
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
}

/// A store with `channels` as targets and `posts` articles enqueued for them.
async fn outbox(channels: &[ChatRef], posts: u32, policy: RetryPolicy, api_url: Option<&str>) -> Outbox {
    let telegram = FakeTelegram::start(TOKEN).await;
    telegram.add_channel(CHANNEL, CHANNEL_ID);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("warta.db")).await.expect("store");
    let now = Utc::now();
    let feed = store
        .sync_feeds(&[(Url::parse("https://kaltimtoday.co/feed/").expect("url"), None)], now)
        .await
        .expect("feeds");
    store.sync_channels(channels, now).await.expect("channels");
    record_articles(&store, feed[0].id, &[]).await;
    let articles: Vec<_> = (1..=posts).map(article).collect();
    record_articles(&store, feed[0].id, &articles).await;
    let api = Url::parse(api_url.unwrap_or(telegram.api_url())).expect("api url");
    let bot = build_bot(&api, &BotToken::new(TOKEN)).expect("bot");
    let images =
        ImageDownloader { fetcher: Fetcher::new(FetchLimits::default()).expect("fetcher"), max_bytes: 1024 * 1024 };
    let settings = WorkerSettings {
        policy,
        lease: LEASE,
        concurrency: 8,
        shutdown_grace: Duration::from_secs(2),
        unpin_after: None,
        timezone: chrono_tz::Asia::Makassar,
    };
    let pacer = Arc::new(Pacer::new(PacingLimits::default()));
    let worker =
        DeliveryWorker::new(store.clone(), TelegramSender::new(bot), images, pacer, SendGate::default(), settings);
    Outbox { store, worker, telegram, _dir: dir }
}

fn policy() -> RetryPolicy {
    RetryPolicy { initial: Duration::from_secs(5), max: Duration::from_secs(60), max_attempts: 3 }
}

fn at(now: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    now + chrono::Duration::seconds(seconds)
}

/// Retry times count from Telegram's answer, which comes a little after `now`.
fn assert_soon_after(actual: DateTime<Utc>, expected: DateTime<Utc>) {
    let late = actual - expected;
    assert!(late >= chrono::Duration::zero() && late < chrono::Duration::seconds(1), "{actual} vs {expected}");
}

#[tokio::test]
async fn delivers_in_order_and_then_is_idle() {
    let outbox = outbox(&[ChatRef::Username(CHANNEL.into())], 2, policy(), None).await;
    let now = Utc::now();
    assert!(matches!(
        outbox.worker.try_deliver_one(now).await.expect("step"),
        DeliveryOutcome::Sent { message_id: 1, .. }
    ));
    assert!(matches!(
        outbox.worker.try_deliver_one(now).await.expect("step"),
        DeliveryOutcome::Sent { message_id: 2, .. }
    ));
    assert_eq!(outbox.worker.try_deliver_one(now).await.expect("step"), DeliveryOutcome::Idle);
    let messages = outbox.telegram.messages_in(CHANNEL_ID);
    assert!(messages[0].text.starts_with("Berita 1 <b>tebal</b> & lainnya"), "{}", messages[0].text);
    // The first send went by @username; Telegram's numeric id was learned and used next.
    let sends = outbox.telegram.calls_to("sendMessage");
    assert_eq!(sends[0].chat_id(), Some(json!(CHANNEL)));
    assert_eq!(sends[1].chat_id(), Some(json!(CHANNEL_ID)));
    assert_eq!(outbox.store.outbox_counts().await.expect("counts").sent, 2);
}

#[tokio::test]
async fn retry_after_holds_the_post_and_those_behind_it_until_it_has_passed() {
    let outbox = outbox(&[ChatRef::Id(CHANNEL_ID)], 2, policy(), None).await;
    outbox.telegram.fail_next("sendMessage", None, Failure::TooManyRequests { retry_after: 30 }, 1);
    let now = Utc::now();
    let outcome = outbox.worker.try_deliver_one(now).await.expect("step");
    let DeliveryOutcome::Retrying { at: retry_at, .. } = outcome else { panic!("{outcome:?}") };
    assert_soon_after(retry_at, at(now, 30));
    // Nothing goes out before then — not even the second post (order).
    assert_eq!(outbox.worker.try_deliver_one(at(now, 29)).await.expect("step"), DeliveryOutcome::Idle);
    assert_eq!(outbox.store.next_delivery_due_at().await.expect("due"), Some(to_ms_precision(retry_at)));
    let outcome = outbox.worker.try_deliver_one(retry_at).await.expect("step");
    assert!(matches!(outcome, DeliveryOutcome::Sent { .. }), "{outcome:?}");
    assert!(matches!(outbox.worker.try_deliver_one(retry_at).await.expect("step"), DeliveryOutcome::Sent { .. }));
    let texts: Vec<_> = outbox.telegram.messages_in(CHANNEL_ID).iter().map(|m| m.text.clone()).collect();
    assert!(texts[0].starts_with("Berita 1") && texts[1].starts_with("Berita 2"), "{texts:?}");
}

#[tokio::test]
async fn refused_html_falls_back_to_plain_text() {
    let outbox = outbox(&[ChatRef::Id(CHANNEL_ID)], 1, policy(), None).await;
    outbox.telegram.fail_next(
        "sendMessage",
        None,
        Failure::Custom {
            status: 400,
            description: "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 0".into(),
        },
        1,
    );
    let outcome = outbox.worker.try_deliver_one(Utc::now()).await.expect("step");
    assert!(matches!(outcome, DeliveryOutcome::Sent { .. }), "{outcome:?}");
    let message = outbox.telegram.messages_in(CHANNEL_ID).remove(0);
    assert_eq!(message.parse_mode, None);
    assert!(message.text.starts_with("Berita 1 <b>tebal</b> & lainnya"));
}

#[tokio::test]
async fn a_migrated_group_gets_the_post_at_its_new_id() {
    let group = -4001;
    let supergroup = -1004001;
    let outbox = outbox(&[ChatRef::Id(group)], 1, policy(), None).await;
    outbox.telegram.add_group(supergroup, "News Update");
    outbox.telegram.fail_next("sendMessage", Some(json!(group)), Failure::Migrated { to: supergroup }, 1);
    let now = Utc::now();
    let outcome = outbox.worker.try_deliver_one(now).await.expect("step");
    let DeliveryOutcome::Retrying { at: resend_at, .. } = outcome else { panic!("{outcome:?}") };
    assert_soon_after(resend_at, now);
    assert!(matches!(outbox.worker.try_deliver_one(resend_at).await.expect("step"), DeliveryOutcome::Sent { .. }));
    assert_eq!(outbox.telegram.messages_in(supergroup).len(), 1);
}

#[tokio::test]
async fn a_blocked_chat_is_deactivated_and_its_queue_failed() {
    let outbox = outbox(&[ChatRef::Id(CHANNEL_ID)], 2, policy(), None).await;
    outbox.telegram.fail_next("sendMessage", None, Failure::Blocked, 1);
    let now = Utc::now();
    let outcome = outbox.worker.try_deliver_one(now).await.expect("step");
    assert!(matches!(&outcome, DeliveryOutcome::Failed { reason, .. } if reason.contains("blocked")), "{outcome:?}");
    assert_eq!(outbox.worker.try_deliver_one(now).await.expect("step"), DeliveryOutcome::Idle);
    let counts = outbox.store.outbox_counts().await.expect("counts");
    assert_eq!((counts.failed, counts.pending), (2, 0));
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let outbox = outbox(&[ChatRef::Id(CHANNEL_ID)], 1, policy(), None).await;
    outbox.telegram.fail_next("sendMessage", None, Failure::ServerError, 1);
    let now = Utc::now();
    // teloxide waits 10 s after any 5xx before reporting it.
    let outcome = outbox.worker.try_deliver_one(now).await.expect("step");
    let DeliveryOutcome::Retrying { at: retry_at, reason, .. } = outcome else { panic!("{outcome:?}") };
    // The backoff counts from the answer, which came after teloxide's 10 s wait.
    assert_soon_after(retry_at, at(now, 15));
    assert!(reason.contains("Internal Server Error"), "{reason}");
    assert!(matches!(outbox.worker.try_deliver_one(retry_at).await.expect("step"), DeliveryOutcome::Sent { .. }));
}

#[tokio::test]
async fn an_unreachable_api_is_retried_then_dead_lettered() {
    // A port nothing listens on: every send is a network error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let outbox = outbox(&[ChatRef::Id(CHANNEL_ID)], 1, policy(), Some(&url)).await;
    let now = Utc::now();
    let first = outbox.worker.try_deliver_one(now).await.expect("step");
    let DeliveryOutcome::Retrying { at: first_retry, .. } = first else { panic!("{first:?}") };
    assert_soon_after(first_retry, at(now, 5));
    let second = outbox.worker.try_deliver_one(first_retry).await.expect("step");
    let DeliveryOutcome::Retrying { at: second_retry, .. } = second else { panic!("{second:?}") };
    assert_soon_after(second_retry, at(first_retry, 10));
    let third = outbox.worker.try_deliver_one(second_retry).await.expect("step");
    assert!(matches!(third, DeliveryOutcome::Dead { .. }), "{third:?}");
    assert_eq!(outbox.store.outbox_counts().await.expect("counts").dead, 1);
    assert_eq!(outbox.worker.try_deliver_one(at(now, 3600)).await.expect("step"), DeliveryOutcome::Idle);
}

#[tokio::test]
async fn breaking_news_overtakes_a_routine_fan_out() {
    let outbox = outbox(&[ChatRef::Id(CHANNEL_ID)], 0, policy(), None).await;
    let readers: Vec<i64> = (50_000..50_060).collect();
    outbox.store.subscribe_many(&readers, Utc::now()).await.expect("subscribe");
    for id in &readers {
        outbox.telegram.add_private_chat(*id, "Pembaca");
    }
    // A routine article for everyone, sent by the running worker at 20/s.
    let feed = outbox.store.active_feeds().await.expect("feeds").remove(0);
    record_articles(&outbox.store, feed.id, &[article(9)]).await;
    let api = Url::parse(outbox.telegram.api_url()).expect("url");
    let bot = build_bot(&api, &BotToken::new(TOKEN)).expect("bot");
    let settings = WorkerSettings {
        policy: policy(),
        lease: LEASE,
        concurrency: 8,
        shutdown_grace: Duration::from_secs(2),
        unpin_after: None,
        timezone: chrono_tz::Asia::Makassar,
    };
    let pacer = Arc::new(Pacer::new(PacingLimits { overall_per_second: 20, ..PacingLimits::default() }));
    let images = ImageDownloader { fetcher: Fetcher::new(FetchLimits::default()).expect("fetcher"), max_bytes: 1024 };
    let worker = Arc::new(DeliveryWorker::new(
        outbox.store.clone(),
        TelegramSender::new(bot),
        images,
        pacer,
        SendGate::default(),
        settings,
    ));
    let ready = Arc::new(tokio::sync::Notify::new());
    let shutdown = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(worker.run(ready.clone(), shutdown.clone()));
    outbox
        .telegram
        .wait_until("10 routine sends", Duration::from_secs(30), |t| t.calls_to("sendMessage").len() >= 10)
        .await;

    let breaking = NewPost::text("🔴 BERITA TERKINI".into(), "🔴 BERITA TERKINI".into());
    outbox.store.enqueue_post_for(&breaking, Audience::Readers, Priority::Breaking, Utc::now()).await.expect("enqueue");
    let served_before: Vec<i64> =
        readers.iter().copied().filter(|id| !outbox.telegram.messages_in(*id).is_empty()).collect();
    ready.notify_one();
    outbox
        .telegram
        .wait_until("everyone has both", Duration::from_secs(60), |t| {
            readers.iter().all(|id| t.messages_in(*id).len() == 2)
        })
        .await;
    shutdown.cancel();
    running.await.expect("worker stops");
    let mut overtaken = 0;
    for id in &readers {
        let first = outbox.telegram.messages_in(*id).remove(0);
        // At most a few routine sends were already under way when the breaking post arrived.
        if !served_before.contains(id) && first.text == "🔴 BERITA TERKINI" {
            overtaken += 1;
        }
    }
    let waiting = readers.len() - served_before.len();
    assert!(overtaken + 10 >= waiting, "{overtaken} of {waiting} waiting readers got the breaking story first");
}

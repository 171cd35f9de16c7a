//! The feed poller stepped one round at a time against the fake feed server,
//! with `now` passed in.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use url::Url;
use warta::domain::ChatRef;
use warta::feed::{FeedPoller, FetchLimits, Fetcher, PollOutcome, PollSettings, WatchedFeed};
use warta::format::PostStyle;
use warta::store::{RecordOutcome, Store};

use crate::support::{CHANNEL_ID, FakeFeedServer, Item, rss};

fn items(numbers: &[u32]) -> String {
    rss(&numbers.iter().map(|n| Item::numbered(*n)).collect::<Vec<_>>())
}

#[tokio::test]
async fn a_poll_round_primes_then_enqueues_only_new_articles_and_backs_off_on_errors() {
    let feeds = FakeFeedServer::start().await;
    feeds.set_feed("feed.xml", &items(&[2, 1]));
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("warta.db")).await.expect("store");
    let now = Utc::now();
    let url = Url::parse(&feeds.url("feed.xml")).expect("url");
    let rows = store.sync_feeds(&[(url.clone(), None)], now).await.expect("feeds");
    store.sync_channels(&[ChatRef::Id(CHANNEL_ID)], now).await.expect("channels");
    let outbox_ready = Arc::new(Notify::new());
    let poller = FeedPoller::new(
        store.clone(),
        Fetcher::new(FetchLimits::default()).expect("fetcher"),
        PostStyle::default(),
        PollSettings { min_interval: Duration::from_millis(1), ..PollSettings::default() },
        outbox_ready.clone(),
    );
    let feed = WatchedFeed {
        id: rows[0].id,
        url,
        interval: Duration::from_secs(60),
        max_interval: Duration::from_secs(60),
        backfill: 0,
    };
    let feeds_list = [feed.clone()];
    let seconds = |s: i64| now + chrono::Duration::seconds(s);

    let first = poller.poll_due_feeds_once(&feeds_list, now).await.expect("poll");
    assert_eq!(
        first,
        [(
            feed.id,
            PollOutcome::Updated(RecordOutcome { new_articles: 2, primed_now: true, ..RecordOutcome::default() })
        )]
    );
    assert!(poller.poll_due_feeds_once(&feeds_list, seconds(59)).await.expect("poll").is_empty(), "not due yet");

    feeds.set_feed("feed.xml", &items(&[4, 3, 2, 1]));
    let second = poller.poll_due_feeds_once(&feeds_list, seconds(60)).await.expect("poll");
    assert_eq!(
        second,
        [(
            feed.id,
            PollOutcome::Updated(RecordOutcome {
                new_articles: 2,
                posts: 2,
                deliveries: 2,
                ..RecordOutcome::default()
            })
        )]
    );
    // The delivery worker was woken.
    tokio::time::timeout(Duration::from_secs(1), outbox_ready.notified()).await.expect("outbox notified");
    assert_eq!(store.outbox_counts().await.expect("counts").pending, 2);

    let third = poller.poll_due_feeds_once(&feeds_list, seconds(120)).await.expect("poll");
    assert_eq!(third, [(feed.id, PollOutcome::NotModified)]);

    feeds.fail_with("feed.xml", 500);
    let fourth = poller.poll_due_feeds_once(&feeds_list, seconds(180)).await.expect("poll");
    assert_eq!(fourth, [(feed.id, PollOutcome::Failed("server error (HTTP 500)".into()))]);
    let row = store.feed(feed.id).await.expect("read").expect("feed");
    assert_eq!((row.error_count, row.last_error.as_deref()), (1, Some("server error (HTTP 500)")));
    let waited = |at: chrono::DateTime<Utc>, from: chrono::DateTime<Utc>| (at - from).num_milliseconds();
    let first_wait = waited(row.next_check(), seconds(180));
    assert!((48_000..=72_000).contains(&first_wait), "first failure: one interval ±20%, got {first_wait} ms");
    let retry_at = row.next_check();
    let fifth = poller.poll_due_feeds_once(&feeds_list, retry_at).await.expect("poll");
    assert!(matches!(fifth[0].1, PollOutcome::Failed(_)));
    let row = store.feed(feed.id).await.expect("read").expect("feed");
    let second_wait = waited(row.next_check(), retry_at);
    assert!((96_000..=144_000).contains(&second_wait), "second failure: two intervals ±20%, got {second_wait} ms");

    feeds.set_feed("feed.xml", &items(&[4, 3, 2, 1]));
    let recovered = poller.poll_due_feeds_once(&feeds_list, row.next_check()).await.expect("poll");
    assert!(matches!(recovered[0].1, PollOutcome::Updated(RecordOutcome { new_articles: 0, .. })));
    let row = store.feed(feed.id).await.expect("read").expect("feed");
    assert_eq!((row.error_count, row.last_error), (0, None), "success resets the error state");
}

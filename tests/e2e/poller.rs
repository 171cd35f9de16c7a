//! The feed poller stepped one round at a time against the fake feed server,
//! with `now` passed in.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use url::Url;
use warta::domain::ChatRef;
use warta::feed::fetch::DEFAULT_MAX_BODY;
use warta::feed::poller::WatchedFeed;
use warta::feed::{FeedPoller, Fetcher, PollOutcome};
use warta::format::PostStyle;
use warta::store::{RecordOutcome, Store};

use crate::support::{CHANNEL_ID, FakeFeedServer, Item, rss, to_ms_precision};

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
        Fetcher::new(DEFAULT_MAX_BODY).expect("fetcher"),
        PostStyle::default(),
        outbox_ready.clone(),
    );
    let feed = WatchedFeed { id: rows[0].id, url, interval: Duration::from_secs(60) };
    let feeds_list = [feed.clone()];
    let seconds = |s: i64| now + chrono::Duration::seconds(s);

    let first = poller.poll_due_feeds_once(&feeds_list, now).await.expect("poll");
    assert_eq!(
        first,
        [(feed.id, PollOutcome::Updated(RecordOutcome { new_articles: 2, posts: 0, deliveries: 0, primed_now: true }))]
    );
    assert!(poller.poll_due_feeds_once(&feeds_list, seconds(59)).await.expect("poll").is_empty(), "not due yet");

    feeds.set_feed("feed.xml", &items(&[4, 3, 2, 1]));
    let second = poller.poll_due_feeds_once(&feeds_list, seconds(60)).await.expect("poll");
    assert_eq!(
        second,
        [(
            feed.id,
            PollOutcome::Updated(RecordOutcome { new_articles: 2, posts: 2, deliveries: 2, primed_now: false })
        )]
    );
    // The delivery worker was woken.
    tokio::time::timeout(Duration::from_secs(1), outbox_ready.notified()).await.expect("outbox notified");
    assert_eq!(store.outbox_counts().await.expect("counts").pending, 2);

    let third = poller.poll_due_feeds_once(&feeds_list, seconds(120)).await.expect("poll");
    assert_eq!(third, [(feed.id, PollOutcome::NotModified)]);

    feeds.fail_with("feed.xml", 500);
    let fourth = poller.poll_due_feeds_once(&feeds_list, seconds(180)).await.expect("poll");
    assert_eq!(fourth, [(feed.id, PollOutcome::Failed("HTTP 500".into()))]);
    let row = store.feed(feed.id).await.expect("read").expect("feed");
    assert_eq!((row.error_count, row.last_error.as_deref()), (1, Some("HTTP 500")));
    assert_eq!(row.next_check(), to_ms_precision(seconds(240)), "first failure: one interval");
    let fifth = poller.poll_due_feeds_once(&feeds_list, seconds(240)).await.expect("poll");
    assert!(matches!(fifth[0].1, PollOutcome::Failed(_)));
    let row = store.feed(feed.id).await.expect("read").expect("feed");
    assert_eq!(row.next_check(), to_ms_precision(seconds(360)), "second failure: two intervals");

    feeds.set_feed("feed.xml", &items(&[4, 3, 2, 1]));
    let recovered = poller.poll_due_feeds_once(&feeds_list, seconds(360)).await.expect("poll");
    assert!(matches!(recovered[0].1, PollOutcome::Updated(RecordOutcome { new_articles: 0, .. })));
    let row = store.feed(feed.id).await.expect("read").expect("feed");
    assert_eq!((row.error_count, row.last_error), (0, None), "success resets the error state");
}

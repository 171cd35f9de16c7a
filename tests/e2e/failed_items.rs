//! An item Warta cannot turn into a post is recorded as failed with its
//! reason, the admins are told once, and later polls skip it: the feed's
//! other items keep being posted.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use url::Url;
use warta::domain::{Article, ChatRef, NewArticle, NewPost, PostRenderer, SearchText};
use warta::feed::vet::{FeedOf, set_aside_failed};
use warta::feed::{FeedPoller, FetchLimits, Fetcher, PollOutcome, PollSettings, WatchedFeed, parse_feed};
use warta::format::PostStyle;
use warta::store::{RecordOutcome, Store};

use crate::support::{CHANNEL_ID, FakeFeedServer, Item, rss};

/// The real renderer, except that it panics on one title.
struct PanicsOn(&'static str);

impl PostRenderer for PanicsOn {
    fn fingerprint(&self, article: &NewArticle) -> String {
        PostStyle::default().fingerprint(article)
    }

    fn render(&self, article: &Article, style: Option<&str>) -> NewPost {
        assert!(!article.title.starts_with(self.0), "cannot render {:?}", article.title);
        PostStyle::default().render(article, style)
    }

    fn search_text(&self, title: &str, summary_html: Option<&str>, content_html: Option<&str>) -> SearchText {
        PostStyle::default().search_text(title, summary_html, content_html)
    }
}

fn articles(numbers: &[u32]) -> Vec<NewArticle> {
    let items: Vec<Item> = numbers.iter().map(|n| Item::numbered(*n)).collect();
    parse_feed(rss(&items).as_bytes(), None).expect("feed").articles
}

#[tokio::test]
async fn a_failed_item_is_recorded_once_told_once_and_skipped_by_later_polls() {
    let feeds = FakeFeedServer::start().await;
    feeds.set_feed("feed.xml", &rss(&[Item::numbered(1)]));
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("warta.db")).await.expect("store");
    let now = Utc::now();
    let url = Url::parse(&feeds.url("feed.xml")).expect("url");
    let feed_id = store.sync_feeds(&[(url.clone(), None)], now).await.expect("feeds")[0].id;
    store.sync_channels(&[ChatRef::Id(CHANNEL_ID)], now).await.expect("channels");
    store.sync_admins(&[7001, 7002], now).await.expect("admins");
    let outbox_ready = Arc::new(Notify::new());
    let poller = FeedPoller::new(
        store.clone(),
        Fetcher::new(FetchLimits::default()).expect("fetcher"),
        PostStyle::default(),
        PollSettings { min_interval: Duration::from_millis(1), ..PollSettings::default() },
        outbox_ready.clone(),
    );
    let feed = WatchedFeed {
        id: feed_id,
        url: url.clone(),
        interval: Duration::from_secs(60),
        max_interval: Duration::from_secs(60),
        backfill: 0,
    };
    let primed = poller.poll_feed_once(&feed, now).await.expect("poll");
    assert!(matches!(primed, PollOutcome::Updated(RecordOutcome { primed_now: true, .. })), "{primed:?}");

    // Item 3 makes the renderer panic; item 2 is an ordinary one.
    let of = FeedOf { id: feed_id, url: &url, source_name: "Kaltimtoday" };
    let renderer = PanicsOn("Berita nomor 3:");
    let kept = set_aside_failed(&store, &renderer, &outbox_ready, of, articles(&[3, 2, 1]), now).await.expect("vet");
    let titles: Vec<&str> = kept.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles.len(), 2);
    assert!(titles.iter().all(|t| !t.starts_with("Berita nomor 3:")), "{titles:?}");
    tokio::time::timeout(Duration::from_secs(1), outbox_ready.notified()).await.expect("outbox woken");

    let failed = store.failed_items().await.expect("failed items");
    assert_eq!(failed.len(), 1);
    assert!(failed[0].title.starts_with("Berita nomor 3:"), "{:?}", failed[0]);
    assert_eq!(failed[0].link.as_deref(), Some("https://kaltimtoday.co/berita-nomor-3/"));
    assert!(failed[0].reason.contains("panicked: cannot render"), "{}", failed[0].reason);
    assert_eq!(store.outbox_counts().await.expect("counts").pending, 2, "one alert per admin");

    // Seen again (by the same broken renderer): neither recorded nor told twice.
    for _ in 0..3 {
        let kept =
            set_aside_failed(&store, &renderer, &outbox_ready, of, articles(&[3, 2, 1]), now).await.expect("vet");
        assert_eq!(kept.len(), 2);
    }
    assert_eq!(store.failed_items().await.expect("failed items").len(), 1);
    assert_eq!(store.outbox_counts().await.expect("counts").pending, 2, "the admins are told once");

    // The poller skips the failed item on every later poll and posts the rest.
    feeds.set_feed("feed.xml", &rss(&[Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    let later = poller.poll_feed_once(&feed, now + chrono::Duration::minutes(1)).await.expect("poll");
    assert_eq!(
        later,
        PollOutcome::Updated(RecordOutcome { new_articles: 1, posts: 1, deliveries: 1, ..RecordOutcome::default() })
    );
    let keys: Vec<String> = articles(&[3]).iter().map(|a| a.key.as_str().to_owned()).collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    assert!(store.known_keys(feed_id, &keys).await.expect("known").is_empty(), "the failed item is never stored");

    feeds.set_feed("feed.xml", &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    let after = poller.poll_feed_once(&feed, now + chrono::Duration::minutes(2)).await.expect("poll");
    assert_eq!(
        after,
        PollOutcome::Updated(RecordOutcome { new_articles: 1, posts: 1, deliveries: 1, ..RecordOutcome::default() })
    );
    assert_eq!(store.outbox_counts().await.expect("counts").pending, 4, "two alerts and two posts, no more");
}

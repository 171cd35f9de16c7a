//! An item Warta cannot turn into a post is recorded as failed with its
//! reason, the admins are told once, and later polls skip it: the feed's
//! other items keep being posted.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use url::Url;
use warta::domain::{Article, ChatRef, NewArticle, NewPost, PostRenderer, SearchText};
use warta::feed::vet::{FeedOf, record_isolating_failures, skip_failed};
use warta::feed::{FeedPoller, FetchLimits, Fetcher, PollOutcome, PollSettings, WatchedFeed, parse_feed};
use warta::format::PostStyle;
use warta::store::{FetchMeta, FetchRecord, RecordOutcome, Store};

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

    // Item 3 makes the renderer panic inside the store's transaction; item 2 is an ordinary one.
    let of = FeedOf { id: feed_id, url: &url, source_name: "Kaltimtoday" };
    let renderer = PanicsOn("Berita nomor 3:");
    let meta = FetchMeta::default();
    let batch = articles(&[3, 2, 1]);
    let record = FetchRecord {
        meta: &meta,
        articles: &batch,
        now,
        next_check: now,
        backfill: 0,
        edit_window: Duration::from_secs(3600),
    };
    let outcome = record_isolating_failures(&store, &renderer, &outbox_ready, of, record).await.expect("store");
    assert_eq!(outcome, Ok(RecordOutcome { new_articles: 1, posts: 1, deliveries: 1, ..RecordOutcome::default() }));
    tokio::time::timeout(Duration::from_secs(1), outbox_ready.notified()).await.expect("outbox woken");

    let failed = store.failed_items().await.expect("failed items");
    assert_eq!(failed.len(), 1);
    assert!(failed[0].title.starts_with("Berita nomor 3:"), "{:?}", failed[0]);
    assert_eq!(failed[0].link.as_deref(), Some("https://kaltimtoday.co/berita-nomor-3/"));
    assert!(failed[0].reason.contains("panicked: cannot render"), "{}", failed[0].reason);
    assert_eq!(store.outbox_counts().await.expect("counts").pending, 3, "the post and one alert per admin");
    let failed_key = batch[0].key.as_str();
    assert!(store.known_keys(feed_id, &[failed_key]).await.expect("known").is_empty(), "rolled back, never stored");

    // Later fetches leave it out; met again anyway, it is neither recorded nor told twice.
    let skipped = skip_failed(&store, feed_id, articles(&[3, 2, 1])).await.expect("skip");
    assert_eq!(skipped.len(), 2);
    assert!(skipped.iter().all(|a| a.key.as_str() != failed_key));
    for _ in 0..3 {
        let outcome = record_isolating_failures(&store, &renderer, &outbox_ready, of, record).await.expect("store");
        assert_eq!(outcome, Ok(RecordOutcome::default()));
    }
    assert_eq!(store.failed_items().await.expect("failed items").len(), 1);
    assert_eq!(store.outbox_counts().await.expect("counts").pending, 3, "the admins are told once");

    // The real poller skips the failed item on every later poll and posts the rest.
    feeds.set_feed("feed.xml", &rss(&[Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    let later = poller.poll_feed_once(&feed, now + chrono::Duration::minutes(1)).await.expect("poll");
    assert_eq!(later, PollOutcome::Updated(RecordOutcome::default()));
    feeds.set_feed("feed.xml", &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    let after = poller.poll_feed_once(&feed, now + chrono::Duration::minutes(2)).await.expect("poll");
    assert_eq!(
        after,
        PollOutcome::Updated(RecordOutcome { new_articles: 1, posts: 1, deliveries: 1, ..RecordOutcome::default() })
    );
    assert!(store.known_keys(feed_id, &[failed_key]).await.expect("known").is_empty());
    assert_eq!(store.outbox_counts().await.expect("counts").pending, 4, "two posts and two alerts, no more");
}

/// The real binary: an item an earlier run recorded as failed is never
/// posted, the admins get the alert once (valid HTML for the strict fake),
/// and the feed's next item is posted — across a restart too.
#[tokio::test]
async fn warta_skips_a_recorded_failed_item_and_tells_the_admins_once() {
    use warta::format::render_item_failed;
    use warta::i18n::Lang;
    use warta::store::{FailedItem, FailedItemOutcome};

    use crate::support::TestEnv;
    use crate::support::app::FEED_PATH;

    let env = TestEnv::start().await;
    let admin = 42;
    env.telegram.add_private_chat(admin, "Redaktur");
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");

    // As the run that met it would have: item 5 recorded as failed, the admins' alert enqueued.
    let feed_url = env.feeds.url(FEED_PATH);
    let poisoned = articles(&[5]).remove(0);
    let store = env.open_store().await;
    let feed_id =
        store.sync_feeds(&[(Url::parse(&feed_url).expect("url"), None)], Utc::now()).await.expect("feeds")[0].id;
    let link = poisoned.link.as_ref().map(Url::as_str);
    let reason = "processing the item panicked: <b>&</b> 100% rusak";
    let alert = render_item_failed(&feed_url, &poisoned.title, link, reason, Lang::Id);
    let item = FailedItem {
        feed_id,
        key: poisoned.key.as_str().to_owned(),
        title: poisoned.title.clone(),
        link: link.map(str::to_owned),
        reason: reason.to_owned(),
        failed_at: Utc::now(),
    };
    let recorded = store.record_failed_item(&item, &NewPost::text(alert.html, alert.plain)).await.expect("record");
    assert_eq!(recorded, FailedItemOutcome::Recorded);
    store.close().await;

    let items = [Item::numbered(5), Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)];
    env.feeds.set_feed(FEED_PATH, &rss(&items));
    let app = env.spawn();
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posts[0].text.starts_with("Berita nomor 4:"), "{}", posts[0].text);
    let alerts = env.telegram.wait_for_messages(admin, 1).await;
    assert!(alerts[0].text.starts_with("⚠️ Item feed dilewati"), "{}", alerts[0].text);
    assert!(alerts[0].text.contains("Berita nomor 5:") && alerts[0].text.contains(&feed_url), "{}", alerts[0].text);
    assert!(alerts[0].text.contains("<b>&</b> 100% rusak"), "the reason is shown as text: {}", alerts[0].text);
    let seen = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, seen + 3).await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");

    let app = env.spawn();
    let seen = env.feeds.requests(FEED_PATH).len();
    env.feeds.wait_for_requests(FEED_PATH, seen + 3).await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
    let channel = env.telegram.messages_in(CHANNEL_ID);
    assert_eq!(channel.len(), 1, "item 5 is never posted, item 4 once");
    assert_eq!(env.telegram.messages_in(admin).len(), 1, "the admins are told once");
}

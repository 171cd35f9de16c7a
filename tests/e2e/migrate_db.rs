//! `warta migrate-db`: a newsroom's SQLite database, filled by real runs and
//! stopped with a fan-out half done, moved into an empty PostgreSQL database;
//! Warta goes on from there and every reader gets the article exactly once.

use std::time::Duration;

use chrono::Utc;
use warta::domain::DeliveryMode;
use warta::store::{SearchQuery, Store};

use crate::support::app::FEED_PATH;
use crate::support::postgres::ScratchDatabase;
use crate::support::{CHANNEL_ID, FloodLimits, Item, TestEnv, rss};

fn feed(newest: u32) -> String {
    let mut items: Vec<Item> = (1..=newest).rev().map(Item::numbered).collect();
    if let Some(oldest) = items.last_mut() {
        oldest.categories = vec!["Olahraga".into()];
    }
    rss(&items)
}

#[tokio::test]
async fn a_stopped_sqlite_newsroom_moves_to_postgresql_and_delivers_the_pending_rows_exactly_once() {
    let Some(target) = ScratchDatabase::create("migrate_db").await else { return };
    let env = TestEnv::start().await;
    env.feeds.set_feed(FEED_PATH, &feed(3));
    let readers: Vec<i64> = (70_000..71_000).collect();
    env.seed_subscribers(&readers).await;
    // A first run records the feed (nothing posted) and learns its categories.
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    app.stop().await;
    // 100 readers want only Olahraga, 200 the daily digest; 700 every story.
    let store = env.open_store().await;
    let now = Utc::now();
    let categories = store.categories().await.expect("categories");
    let olahraga = categories.iter().find(|c| c.name == "Olahraga").expect("Olahraga learned").id;
    for id in &readers[..100] {
        store.toggle_reader_category(*id, olahraga, None, None, now).await.expect("choose a category");
    }
    store.set_delivery_mode_many(&readers[100..300], DeliveryMode::Digest, now).await.expect("digest readers");
    store.close().await;
    let (sport, digest, every) = (&readers[..100], &readers[100..300], &readers[300..]);

    // A new article, and a stop while its fan-out is under way.
    env.telegram.enforce_limits(FloodLimits::default());
    let app = env.spawn();
    env.feeds.set_feed(FEED_PATH, &feed(4));
    env.telegram
        .wait_until("100 readers served", Duration::from_secs(30), |t| {
            every.iter().filter(|id| !t.messages_in(**id).is_empty()).count() >= 100
        })
        .await;
    let (status, _) = app.stop().await;
    assert!(status.success());
    let served_on_sqlite = every.iter().filter(|id| !env.telegram.messages_in(**id).is_empty()).count();
    assert!(served_on_sqlite < every.len(), "the stop must leave deliveries pending ({served_on_sqlite} served)");
    eprintln!("served on SQLite before the move: {served_on_sqlite} of {}", every.len());

    let database = env.database();
    let migrate = |to: &str| {
        env.warta()
            .args(["migrate-db", "--from", database.to_str().expect("utf-8"), "--to", to])
            .output()
            .expect("run warta migrate-db")
    };
    let copied = migrate(&target.url);
    let stdout = String::from_utf8_lossy(&copied.stdout);
    let stderr = String::from_utf8_lossy(&copied.stderr);
    assert!(copied.status.success(), "migrate-db failed: {stdout}\n{stderr}");
    assert!(stdout.contains("deliveries") && stdout.contains("copied"), "{stdout}");
    assert!(!format!("{stdout}{stderr}").contains(&password(&target.url)), "the password leaked: {stdout}");
    // A second copy into the now filled database is refused, and changes nothing.
    let again = migrate(&target.url);
    assert!(!again.status.success());
    let refusal = String::from_utf8_lossy(&again.stderr);
    assert!(refusal.contains("not empty"), "{refusal}");

    // Warta goes on, on PostgreSQL.
    let app = env.spawn_with(&[("WARTA__STORAGE__DATABASE", &target.url)], &[]);
    env.telegram
        .wait_until("every reader served", Duration::from_secs(60), |t| {
            every.iter().all(|id| !t.messages_in(*id).is_empty())
        })
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    for id in every {
        assert_eq!(env.telegram.messages_in(*id).len(), 1, "reader {id}: exactly once across the move");
    }
    for id in sport.iter().chain(digest) {
        assert!(env.telegram.messages_in(*id).is_empty(), "reader {id} kept their category or digest choice");
    }
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1, "the channel got article 4 once");
    // The search index was rebuilt from the copied articles.
    let moved = Store::open_postgres(&target.url).await.expect("open the copy");
    let query = SearchQuery::parse("samarinda").expect("words");
    let (_, found) = moved.search(&query, 1, Utc::now()).await.expect("search");
    assert_eq!(found, 4, "every article is found on PostgreSQL");
    let settings = moved.reader_settings(digest[0]).await.expect("settings");
    assert_eq!(settings.mode, DeliveryMode::Digest);
    moved.close().await;
    app.stop().await;
}

fn password(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|u| u.password().map(str::to_owned)).unwrap_or_else(|| "\u{0}".into())
}

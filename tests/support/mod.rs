//! Test doubles and helpers shared by the end-to-end tests: a fake Bot API, a
//! fake feed server, and a harness that runs the real `warta` binary against
//! them with a temp database.

#![allow(dead_code, unused_imports)]

pub mod app;
pub mod bench;
pub mod fake_feed;
pub mod fake_hub;
pub mod fake_telegram;
pub mod postgres;
pub mod telegram_html;
pub mod wordpress;

pub use app::{RunningApp, TestEnv};
pub use fake_feed::{Answer, FakeFeedServer, Item, rss, rss_with_head};
pub use fake_telegram::{Failure, FakeTelegram, FakeUser, FloodLimits};

/// The bot token the fakes accept. Shaped like a real one, so that a leak
/// into logs would be caught by a plain substring search.
pub const TOKEN: &str = "5123456789:AAHq-test_TOKEN_do-not-log-Xq2";
pub const CHANNEL: &str = "@kaltimtodaydotco";
pub const CHANNEL_ID: i64 = -1001234567890;

/// `time` at the millisecond precision the store keeps.
pub fn to_ms_precision(time: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(time.timestamp_millis()).expect("in range")
}

/// Records one successful fetch of `articles` (in posting order) now, rendered
/// with the default post style.
pub async fn record_articles(
    store: &warta::store::Store,
    feed_id: i64,
    articles: &[warta::domain::NewArticle],
) -> warta::store::RecordOutcome {
    let now = chrono::Utc::now();
    let record = warta::store::FetchRecord {
        meta: &warta::store::FetchMeta::default(),
        articles,
        now,
        next_check: now,
        backfill: 0,
        edit_window: std::time::Duration::from_secs(48 * 3600),
    };
    store.record_fetch_success(feed_id, record, &warta::format::PostStyle::default()).await.expect("record fetch")
}

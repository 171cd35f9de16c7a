//! What the benchmarks share: their command-line numbers and the stories
//! they feed the store.

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;
use warta::domain::{ArticleKey, NewArticle};
use warta::format::PostStyle;
use warta::store::{FetchMeta, FetchRecord, Store};

/// `--name N` from the command line, else `default`.
pub fn count_arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// Story `n` of the benchmarks, published at `published`.
pub fn story(n: usize, published: DateTime<Utc>) -> NewArticle {
    let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
    NewArticle {
        key: ArticleKey::from_link(&link),
        title: format!("Berita {n}: Pemkot Samarinda bahas anggaran"),
        link: Some(link),
        summary_html: Some("<p>Ringkasan berita.</p>".into()),
        content_html: None,
        author: None,
        categories: vec!["Samarinda".into()],
        tags: vec![],
        page_photo: None,
        image_url: None,
        published_at: Some(published),
    }
}

/// Records a fetch of `articles` at `now`; the deliveries it enqueued.
pub async fn record(store: &Store, feed_id: i64, articles: &[NewArticle], now: DateTime<Utc>) -> usize {
    let record = FetchRecord {
        meta: &FetchMeta::default(),
        articles,
        now,
        next_check: now,
        backfill: 0,
        edit_window: Duration::from_secs(3600),
    };
    store.record_fetch_success(feed_id, record, &PostStyle::default()).await.expect("record").deliveries
}

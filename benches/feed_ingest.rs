//! Feed ingestion benchmark: parse + key, then parse + key + store, for the
//! largest feeds of the real-feed corpus. Reports items/s and peak memory.
//!
//!     cargo bench --bench feed_ingest [-- DIR]
//!
//! DIR defaults to ../shared/feeds/real (or WARTA_REAL_FEEDS).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use url::Url;
use warta::domain::{ChatRef, NewArticle};
use warta::feed::parse_feed;
use warta::feed::poller::in_posting_order;
use warta::format::PostStyle;
use warta::store::{FetchMeta, FetchRecord, Store};

/// The feeds measured: the corpus' largest, full-article ones.
const LARGEST: &[&str] = &[
    "NewsCrawler__rss (1).xml",
    "NewsCrawler__rss (2).xml",
    "NewsCrawler__rss.xml",
    "RSParser__rose.json",
    "feedjira__TechCrunch.xml",
    "RSParser__dcrainmaker.xml",
    "Scraping-with-XPATH__terkini.xml",
];

fn corpus_dir() -> PathBuf {
    std::env::args()
        .nth(1)
        .filter(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("WARTA_REAL_FEEDS").map(PathBuf::from))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/feeds/real"))
}

/// Peak resident set size of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn record<'a>(meta: &'a FetchMeta, articles: &'a [NewArticle]) -> FetchRecord<'a> {
    let now = chrono::Utc::now();
    FetchRecord { meta, articles, now, next_check: now, backfill: 0, edit_window: Duration::from_secs(3600) }
}

fn rate(items: usize, elapsed: Duration) -> f64 {
    items as f64 / elapsed.as_secs_f64()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = corpus_dir();
    let feeds: Vec<(String, Vec<u8>)> = LARGEST
        .iter()
        .filter_map(|name| std::fs::read(dir.join(name)).ok().map(|bytes| ((*name).to_owned(), bytes)))
        .collect();
    if feeds.is_empty() {
        eprintln!("no corpus at {}: pass a directory or set WARTA_REAL_FEEDS", dir.display());
        return;
    }
    let base = Url::parse("https://example.org/feed/").expect("url");
    let bytes: usize = feeds.iter().map(|(_, b)| b.len()).sum();
    println!("feed ingestion: {} feeds, {:.1} MiB", feeds.len(), bytes as f64 / 1024.0 / 1024.0);

    // Parse + key, repeated for a stable figure.
    let rounds = 20;
    let started = Instant::now();
    let mut items = 0;
    for _ in 0..rounds {
        for (_, body) in &feeds {
            items += parse_feed(body, Some(&base)).map(|f| f.articles.len()).unwrap_or(0);
        }
    }
    let parse = started.elapsed();
    println!(
        "parse + key (x{rounds})                                {items:>5} items in {:>7.1} ms = {:>7.0} items/s ({:.1} MiB/s)",
        parse.as_secs_f64() * 1000.0,
        rate(items, parse),
        (bytes * rounds) as f64 / 1024.0 / 1024.0 / parse.as_secs_f64()
    );

    // Parse + key + store, on two databases: a first fetch (stored only), and
    // a primed feed where every item is new (rendered and enqueued too).
    let dir = tempfile::tempdir().expect("temp dir");
    let style = PostStyle::default();
    let meta = FetchMeta::default();
    let mut results = Vec::new();
    for (label, prime_first) in [("first fetch (store only)", false), ("new items (store+render+enqueue)", true)] {
        let store = Store::open(&dir.path().join(format!("bench-{prime_first}.db"))).await.expect("store");
        let now = chrono::Utc::now();
        let urls: Vec<(Url, Option<String>)> = (0..feeds.len())
            .map(|i| (Url::parse(&format!("https://example.org/feed/{i}")).expect("url"), None))
            .collect();
        let rows = store.sync_feeds(&urls, now).await.expect("feeds");
        store.sync_channels(&[ChatRef::Id(-1001)], now).await.expect("channel");
        if prime_first {
            for row in &rows {
                store.record_fetch_success(row.id, record(&meta, &[]), &style).await.expect("prime");
            }
        }
        let started = Instant::now();
        let (mut stored, mut posted) = (0, 0);
        for (row, (_, body)) in rows.iter().zip(&feeds) {
            let articles = in_posting_order(parse_feed(body, Some(&base)).expect("parses").articles);
            let outcome = store.record_fetch_success(row.id, record(&meta, &articles), &style).await.expect("record");
            stored += outcome.new_articles;
            posted += outcome.posts;
        }
        let elapsed = started.elapsed();
        println!(
            "parse + key + store, {label:<33} {stored:>5} items in {:>7.1} ms = {:>7.0} items/s ({posted} posts)",
            elapsed.as_secs_f64() * 1000.0,
            rate(stored, elapsed)
        );
        results.push((store, rows));
    }
    // An unchanged refetch: everything known, fingerprints compared.
    let (store, rows) = results.remove(0);
    let started = Instant::now();
    let mut known = 0;
    for (row, (_, body)) in rows.iter().zip(&feeds) {
        let articles = in_posting_order(parse_feed(body, Some(&base)).expect("parses").articles);
        known += articles.len();
        store.record_fetch_success(row.id, record(&meta, &articles), &style).await.expect("record");
    }
    let refetch = started.elapsed();
    println!(
        "parse + key + compare, unchanged refetch         {known:>5} items in {:>7.1} ms = {:>7.0} items/s",
        refetch.as_secs_f64() * 1000.0,
        rate(known, refetch)
    );
    store.close().await;
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS: unavailable (not Linux)"),
    }
}

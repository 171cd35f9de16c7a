//! The feed poller: one fetch-parse-record round per feed, and a loop per
//! feed so that one slow or broken feed never delays another.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::fetch::{FetchError, FetchOutcome, Fetcher};
use super::parse::{ParseError, parse_feed};
use super::schedule::{next_check_after_failure, next_check_after_success};
use crate::domain::{Article, NewArticle, NewPost};
use crate::format::{PostStyle, render_article_post};
use crate::store::{FeedRow, FetchMeta, RecordOutcome, Store, StoreError};

/// What one poll of one feed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    NotModified,
    Updated(RecordOutcome),
    /// The fetch or parse failed; recorded on the feed row and retried later.
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A configured feed: its id in the store and its poll period.
#[derive(Debug, Clone)]
pub struct WatchedFeed {
    pub id: i64,
    pub url: Url,
    pub interval: Duration,
}

#[derive(Debug, Clone)]
pub struct FeedPoller {
    store: Store,
    fetcher: Fetcher,
    style: PostStyle,
    /// Woken when posts were enqueued, so the delivery worker starts at once.
    outbox_ready: Arc<Notify>,
}

impl FeedPoller {
    pub fn new(store: Store, fetcher: Fetcher, style: PostStyle, outbox_ready: Arc<Notify>) -> Self {
        Self { store, fetcher, style, outbox_ready }
    }

    /// Fetches, parses and records one feed once.
    pub async fn poll_feed_once(&self, feed: &WatchedFeed, now: DateTime<Utc>) -> Result<PollOutcome, PollError> {
        let row =
            self.store.feed(feed.id).await?.ok_or_else(|| {
                StoreError::Corrupt(format!("feed {} ({}) is not in the database", feed.id, feed.url))
            })?;
        let fetched = self.fetcher.fetch(&feed.url, row.etag.as_deref(), row.last_modified.as_deref()).await;
        match fetched {
            Ok(FetchOutcome::NotModified) => {
                let next = next_check_after_success(now, feed.interval);
                self.store.record_fetch_not_modified(feed.id, now, next).await?;
                tracing::debug!(feed_id = feed.id, "feed not modified");
                Ok(PollOutcome::NotModified)
            }
            Ok(FetchOutcome::Modified(fetched)) => match parse_feed(&fetched.body, Some(&fetched.final_url)) {
                Ok(parsed) => {
                    let meta =
                        FetchMeta { etag: fetched.etag, last_modified: fetched.last_modified, title: parsed.title };
                    let articles = in_posting_order(parsed.articles);
                    let next = next_check_after_success(now, feed.interval);
                    let style = &self.style;
                    let outcome = self
                        .store
                        .record_fetch_success(feed.id, &meta, &articles, now, next, |article: &Article| -> NewPost {
                            render_article_post(article, style)
                        })
                        .await?;
                    if outcome.deliveries > 0 {
                        self.outbox_ready.notify_one();
                    }
                    if outcome.primed_now {
                        tracing::info!(
                            feed_id = feed.id,
                            articles = outcome.new_articles,
                            "first fetch: articles recorded, not posted"
                        );
                    } else if outcome.new_articles > 0 {
                        tracing::info!(
                            feed_id = feed.id,
                            articles = outcome.new_articles,
                            deliveries = outcome.deliveries,
                            "new articles enqueued"
                        );
                    }
                    Ok(PollOutcome::Updated(outcome))
                }
                Err(ParseError::NotAFeed(reason)) => {
                    self.record_failure(feed, &row, &format!("not a feed: {reason}"), None, now).await
                }
            },
            Err(err) => {
                let retry_after = match &err {
                    FetchError::RateLimited { retry_after } => *retry_after,
                    _ => None,
                };
                self.record_failure(feed, &row, &err.to_string(), retry_after, now).await
            }
        }
    }

    async fn record_failure(
        &self,
        feed: &WatchedFeed,
        row: &FeedRow,
        error: &str,
        retry_after: Option<Duration>,
        now: DateTime<Utc>,
    ) -> Result<PollOutcome, PollError> {
        let failures = u32::try_from(row.error_count).unwrap_or(u32::MAX).saturating_add(1);
        let next = next_check_after_failure(now, feed.interval, failures, retry_after);
        self.store.record_fetch_failure(feed.id, error, now, next).await?;
        tracing::warn!(feed_id = feed.id, url = %feed.url, failures, error, "feed fetch failed");
        Ok(PollOutcome::Failed(error.to_owned()))
    }

    /// Polls every feed whose check is due, concurrently.
    pub async fn poll_due_feeds_once(
        &self,
        feeds: &[WatchedFeed],
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, PollOutcome)>, PollError> {
        let due: Vec<i64> = self.store.due_feeds(now).await?.into_iter().map(|row| row.id).collect();
        let polls = feeds
            .iter()
            .filter(|feed| due.contains(&feed.id))
            .map(|feed| async move { self.poll_feed_once(feed, now).await.map(|outcome| (feed.id, outcome)) });
        futures_util::future::try_join_all(polls).await
    }

    /// Runs one loop per feed until `shutdown`.
    pub async fn run(self, feeds: Vec<WatchedFeed>, shutdown: CancellationToken) {
        let mut loops = tokio::task::JoinSet::new();
        for feed in feeds {
            let poller = self.clone();
            let shutdown = shutdown.clone();
            loops.spawn(async move { poller.run_feed(feed, shutdown).await });
        }
        while loops.join_next().await.is_some() {}
    }

    async fn run_feed(&self, feed: WatchedFeed, shutdown: CancellationToken) {
        loop {
            let wait = match self.store.feed(feed.id).await {
                Ok(Some(row)) => (row.next_check() - Utc::now()).to_std().unwrap_or(Duration::ZERO),
                Ok(None) => return,
                Err(err) => {
                    tracing::error!(feed_id = feed.id, error = %err, "cannot read feed schedule");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
            let poll = self.poll_feed_once(&feed, Utc::now());
            let result = tokio::select! {
                // Safe to drop mid-poll: the round is one transaction.
                () = shutdown.cancelled() => return,
                result = poll => result,
            };
            if let Err(err) = result {
                tracing::error!(feed_id = feed.id, error = %err, "feed poll failed");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        }
    }
}

/// Orders a feed's items for posting, oldest first: feeds list newest first,
/// so reverse the document; if every item is dated, sort by date (stable, so
/// equal dates keep that order).
pub fn in_posting_order(mut articles: Vec<NewArticle>) -> Vec<NewArticle> {
    articles.reverse();
    if articles.iter().all(|a| a.published_at.is_some()) {
        articles.sort_by_key(|a| a.published_at);
    }
    articles
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::ArticleKey;

    fn article(title: &str, published: Option<i64>) -> NewArticle {
        NewArticle {
            key: ArticleKey::from_title(title),
            title: title.into(),
            link: None,
            summary_html: None,
            content_html: None,
            author: None,
            categories: vec![],
            image_url: None,
            published_at: published.map(|s| Utc.timestamp_opt(s, 0).single().expect("time")),
        }
    }

    fn titles(articles: &[NewArticle]) -> Vec<&str> {
        articles.iter().map(|a| a.title.as_str()).collect()
    }

    #[test]
    fn dated_items_go_oldest_first() {
        let ordered = in_posting_order(vec![article("b", Some(20)), article("c", Some(30)), article("a", Some(10))]);
        assert_eq!(titles(&ordered), ["a", "b", "c"]);
    }

    #[test]
    fn undated_items_reverse_the_document() {
        let ordered = in_posting_order(vec![article("c", None), article("b", Some(5)), article("a", None)]);
        assert_eq!(titles(&ordered), ["a", "b", "c"]);
    }

    #[test]
    fn equal_dates_keep_reverse_document_order() {
        let ordered = in_posting_order(vec![article("b", Some(5)), article("a", Some(5))]);
        assert_eq!(titles(&ordered), ["a", "b"]);
    }
}

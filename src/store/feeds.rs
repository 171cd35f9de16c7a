use chrono::{DateTime, Utc};
use url::Url;

use super::{Store, StoreError, from_ms, to_ms};
use crate::domain::FeedStatus;

/// A watched feed and the state of its fetch loop.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedRow {
    pub id: i64,
    pub url: String,
    pub name: Option<String>,
    pub title: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub primed_at: Option<i64>,
    pub last_fetched_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub next_check_at: i64,
    pub error_count: i64,
    pub last_error: Option<String>,
    /// Where the feed lives after a permanent redirect.
    pub fetch_url: Option<String>,
    /// When the admins were told the feed keeps failing (its alert is raised).
    pub alerted_at: Option<i64>,
    /// When the feed last brought a new article (or was first read).
    pub last_new_at: Option<i64>,
}

impl FeedRow {
    /// The name shown under posts: configured name, else the feed's title, else its host.
    pub fn source_name(&self) -> String {
        source_name(self.name.as_deref(), self.title.as_deref(), &self.url)
    }

    /// When the feed is due for its next fetch.
    pub fn next_check(&self) -> DateTime<Utc> {
        from_ms(self.next_check_at)
    }

    /// What /status shows of it.
    pub fn status(&self) -> FeedStatus {
        FeedStatus {
            source_name: self.source_name(),
            last_fetched_at: self.last_fetched_at.map(from_ms),
            last_new_at: self.last_new_at.map(from_ms),
            next_check: self.next_check(),
            error_count: self.error_count,
            last_error: self.last_error.clone(),
        }
    }
}

pub(super) fn source_name(name: Option<&str>, title: Option<&str>, url: &str) -> String {
    let non_empty = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    non_empty(name)
        .or_else(|| non_empty(title))
        .or_else(|| Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)))
        .unwrap_or_else(|| url.to_owned())
}

/// The name and title a feed's posts are signed with, as `feed_name` and
/// `feed_title` of the feed `f`: its configured name, else that of the site's
/// main feed (the one with the shortest URL); its title only when no feed of
/// the site is shorter (a category feed's title is "Samarinda – Site").
macro_rules! site_name_columns {
    () => {
        "COALESCE(f.name, (SELECT m.name FROM feeds m WHERE m.site = f.site AND m.active = 1 AND m.name IS NOT NULL
                      ORDER BY length(m.url), m.id LIMIT 1)) AS feed_name,
    COALESCE((SELECT m.title FROM feeds m WHERE m.site = f.site AND m.id != f.id AND m.active = 1
                AND m.title IS NOT NULL AND length(m.url) < length(f.url)
              ORDER BY length(m.url), m.id LIMIT 1), f.title) AS feed_title"
    };
}
pub(super) use site_name_columns;

const FEED_COLUMNS: &str = "id, url, name, title, etag, last_modified, primed_at, last_fetched_at, \
                            last_success_at, next_check_at, error_count, last_error, fetch_url, \
                            (SELECT raised_at FROM alerts WHERE key = 'feed:' || feeds.id) AS alerted_at, \
                            last_new_at";

impl Store {
    /// Makes the feeds table match the config: adds new feeds, updates names,
    /// and deactivates feeds no longer listed (their articles stay for /latest).
    pub async fn sync_feeds(
        &self,
        feeds: &[(Url, Option<String>)],
        now: DateTime<Utc>,
    ) -> Result<Vec<FeedRow>, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE feeds SET active = 0").execute(&mut *tx).await?;
        for (url, name) in feeds {
            sqlx::query(
                "INSERT INTO feeds (url, name, active, created_at, site) VALUES ($1, $2, 1, $3, $4)
                 ON CONFLICT (url) DO UPDATE SET name = excluded.name, active = 1, site = excluded.site",
            )
            .bind(url.as_str())
            .bind(name.as_deref())
            .bind(to_ms(now))
            .bind(crate::domain::SiteKey::of(url).map(|site| site.to_string()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.active_feeds().await
    }

    pub async fn active_feeds(&self) -> Result<Vec<FeedRow>, StoreError> {
        let rows =
            sqlx::query_as::<_, FeedRow>(&format!("SELECT {FEED_COLUMNS} FROM feeds WHERE active = 1 ORDER BY id"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows)
    }

    pub async fn feed(&self, id: i64) -> Result<Option<FeedRow>, StoreError> {
        let row = sqlx::query_as::<_, FeedRow>(&format!("SELECT {FEED_COLUMNS} FROM feeds WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row)
    }

    /// Active feeds whose next check is due at `now`.
    pub async fn due_feeds(&self, now: DateTime<Utc>) -> Result<Vec<FeedRow>, StoreError> {
        let rows = sqlx::query_as::<_, FeedRow>(&format!(
            "SELECT {FEED_COLUMNS} FROM feeds WHERE active = 1 AND next_check_at <= $1 ORDER BY next_check_at, id"
        ))
        .bind(to_ms(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// A fetch answered 304 Not Modified: nothing changed but the schedule.
    pub async fn record_fetch_not_modified(
        &self,
        feed_id: i64,
        now: DateTime<Utc>,
        next_check: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE feeds SET last_fetched_at = $2, last_success_at = $2, next_check_at = $3,
                    error_count = 0, last_error = NULL
             WHERE id = $1",
        )
        .bind(feed_id)
        .bind(to_ms(now))
        .bind(to_ms(next_check))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Brings a feed's next check forward to `latest` if it is later (a
    /// shorter interval in the config takes effect at start, not after the
    /// old one ran out).
    pub async fn check_no_later_than(&self, feed_id: i64, latest: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE feeds SET next_check_at = CASE WHEN next_check_at < $2 THEN next_check_at ELSE $2 END WHERE id = $1")
            .bind(feed_id)
            .bind(to_ms(latest))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The feed answered with a permanent redirect: fetch it there from now on.
    pub async fn set_fetch_url(&self, feed_id: i64, url: &Url) -> Result<(), StoreError> {
        sqlx::query("UPDATE feeds SET fetch_url = $2, etag = NULL, last_modified = NULL WHERE id = $1")
            .bind(feed_id)
            .bind(url.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A fetch failed: count it and remember why.
    pub async fn record_fetch_failure(
        &self,
        feed_id: i64,
        error: &str,
        now: DateTime<Utc>,
        next_check: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE feeds SET last_fetched_at = $2, next_check_at = $3,
                    error_count = error_count + 1, last_error = $4
             WHERE id = $1",
        )
        .bind(feed_id)
        .bind(to_ms(now))
        .bind(to_ms(next_check))
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::temp_store;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    async fn sync_adds_renames_and_deactivates() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let first = store
            .sync_feeds(&[(url("https://a.id/feed"), None), (url("https://b.id/feed"), Some("B".into()))], now)
            .await
            .expect("sync");
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].source_name(), "a.id");
        assert_eq!(first[1].source_name(), "B");
        assert_eq!(first[0].next_check_at, 0, "a new feed is due at once");

        let second = store.sync_feeds(&[(url("https://b.id/feed"), Some("Bee".into()))], now).await.expect("sync");
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].id, first[1].id, "the same feed keeps its id");
        assert_eq!(second[0].source_name(), "Bee");
        assert!(store.feed(first[0].id).await.expect("read").is_some(), "a removed feed is kept, inactive");
    }

    async fn failures_count_up_and_not_modified_resets() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let feed = store.sync_feeds(&[(url("https://a.id/feed"), None)], now).await.expect("sync").remove(0);
        store.record_fetch_failure(feed.id, "HTTP 500", now, now).await.expect("fail");
        store.record_fetch_failure(feed.id, "HTTP 502", now, now).await.expect("fail");
        let failed = store.feed(feed.id).await.expect("read").expect("exists");
        assert_eq!(failed.error_count, 2);
        assert_eq!(failed.last_error.as_deref(), Some("HTTP 502"));
        store.record_fetch_not_modified(feed.id, now, now).await.expect("ok");
        let ok = store.feed(feed.id).await.expect("read").expect("exists");
        assert_eq!(ok.error_count, 0);
        assert_eq!(ok.last_error, None);
    }

    both_backends!(sync_adds_renames_and_deactivates, failures_count_up_and_not_modified_resets,);
}

//! Feed items Warta could not turn into a post: recorded with their reason,
//! skipped by later polls, and reported to the admins once.

use crate::store::dialect::JsonList;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::outbox::{Audience, Priority, enqueue_for_admins};
use super::{Store, StoreError, from_ms, to_ms};
use crate::domain::AdminNotice;

/// An item of a feed that could not be processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedItem {
    pub feed_id: i64,
    pub key: String,
    pub title: String,
    pub link: Option<String>,
    pub reason: String,
    pub failed_at: DateTime<Utc>,
}

/// What recording a failed item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedItemOutcome {
    /// First time: stored, and the admins' alert enqueued with it.
    Recorded,
    /// Already recorded: nothing changed, nobody told again.
    AlreadyKnown,
}

impl Store {
    /// Records that item `key` of feed `feed_id` cannot be processed and, in
    /// the same transaction, enqueues `alert` for the admins — only the first
    /// time, so they hear about each item once however often the feed lists it.
    pub async fn record_failed_item(
        &self,
        item: &FailedItem,
        alert: &impl AdminNotice,
    ) -> Result<FailedItemOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO failed_items (feed_id, key, title, link, reason, failed_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (feed_id, key) DO NOTHING",
        )
        .bind(item.feed_id)
        .bind(&item.key)
        .bind(&item.title)
        .bind(item.link.as_deref())
        .bind(&item.reason)
        .bind(to_ms(item.failed_at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(FailedItemOutcome::AlreadyKnown);
        }
        enqueue_for_admins(&mut tx, alert, Priority::Alert, item.failed_at).await?;
        tx.commit().await?;
        Ok(FailedItemOutcome::Recorded)
    }

    /// Which of `keys` are recorded as failed items of the feed.
    pub async fn failed_keys(&self, feed_id: i64, keys: &[&str]) -> Result<Vec<String>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys = serde_json::to_string(keys).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let failed = sqlx::query_scalar(&format!(
            "SELECT key FROM failed_items WHERE feed_id = $1 AND key IN (SELECT value FROM {})",
            self.backend.json_list("$2", JsonList::Texts)
        ))
        .bind(feed_id)
        .bind(keys)
        .fetch_all(&self.pool)
        .await?;
        Ok(failed)
    }

    /// The stored fingerprints of those of `keys` the feed already has (an
    /// article stored before fingerprints were kept maps to `None`).
    pub async fn known_fingerprints(
        &self,
        feed_id: i64,
        keys: &[&str],
    ) -> Result<HashMap<String, Option<String>>, StoreError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let keys = serde_json::to_string(keys).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT key, fingerprint FROM articles WHERE feed_id = $1 AND key IN (SELECT value FROM {})",
            self.backend.json_list("$2", JsonList::Texts)
        ))
        .bind(feed_id)
        .bind(keys)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Every style a new article is rendered in for the active chats that
    /// get articles (`None`: the default), so an item can be tried in each
    /// before it is recorded.
    pub async fn article_styles(&self) -> Result<Vec<Option<String>>, StoreError> {
        let filter = Audience::Readers.filter();
        let styles = sqlx::query_scalar(&format!("SELECT DISTINCT style FROM chats WHERE {filter} AND active = 1"))
            .fetch_all(&self.pool)
            .await?;
        Ok(styles)
    }

    /// The failed items of every feed, newest first.
    pub async fn failed_items(&self) -> Result<Vec<FailedItem>, StoreError> {
        let rows: Vec<(i64, String, String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT feed_id, key, title, link, reason, failed_at FROM failed_items ORDER BY failed_at DESC, key",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(feed_id, key, title, link, reason, failed_at)| FailedItem {
                feed_id,
                key,
                title,
                link,
                reason,
                failed_at: from_ms(failed_at),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::domain::NewPost;
    use crate::store::testing::temp_store;

    async fn a_failed_item_is_recorded_once_and_the_admins_are_told_once() {
        let (store, _dir) = temp_store().await;
        // Stored in milliseconds.
        let now = from_ms(to_ms(Utc::now()));
        let url = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        let feed = store.sync_feeds(&[(url, None)], now).await.expect("feeds").remove(0).id;
        store.sync_admins(&[1001, 1002], now).await.expect("admins");
        let item = FailedItem {
            feed_id: feed,
            key: "guid:racun".into(),
            title: "Racun".into(),
            link: Some("https://kaltimtoday.co/racun/".into()),
            reason: "the renderer panicked: boom".into(),
            failed_at: now,
        };
        let alert = NewPost::text("<b>Item gagal</b>".into(), "Item gagal".into());

        assert_eq!(store.record_failed_item(&item, &alert).await.expect("record"), FailedItemOutcome::Recorded);
        assert_eq!(store.outbox_counts().await.expect("counts").pending, 2, "one alert to each admin");
        for _ in 0..3 {
            let again = FailedItem { reason: "another reason".into(), ..item.clone() };
            assert_eq!(
                store.record_failed_item(&again, &alert).await.expect("record"),
                FailedItemOutcome::AlreadyKnown
            );
        }
        assert_eq!(store.outbox_counts().await.expect("counts").pending, 2, "nobody told twice");
        assert_eq!(store.failed_items().await.expect("items"), std::slice::from_ref(&item));

        let failed = store.failed_keys(feed, &["guid:racun", "guid:biasa"]).await.expect("keys");
        assert_eq!(failed, ["guid:racun"]);
        assert!(store.failed_keys(feed + 1, &["guid:racun"]).await.expect("keys").is_empty(), "per feed");
        assert!(store.failed_keys(feed, &[]).await.expect("keys").is_empty());
    }

    both_backends!(a_failed_item_is_recorded_once_and_the_admins_are_told_once,);
}

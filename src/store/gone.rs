//! Posted stories that disappeared from the newsroom's WordPress: found by
//! the poller, confirmed by the REST API, told to the admins once (with a
//! Tarik button) by the bot. Nothing is retracted automatically: editors
//! unpublish to fix a typo.

use chrono::{DateTime, Utc};
use url::Url;

use super::{Store, StoreError, from_ms, to_ms};
use crate::domain::ArticleKey;

/// A posted article of a feed that the latest fetch no longer shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VanishedPost {
    pub article_id: i64,
    pub post_id: i64,
    pub key: ArticleKey,
    pub link: Option<Url>,
}

/// A disappeared story the admins are to be told about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoneStory {
    pub article_id: i64,
    pub post_id: i64,
    pub title: String,
    pub link: Option<String>,
    pub reason: String,
    pub noticed_at: DateTime<Utc>,
}

impl Store {
    /// Posted articles of `feed_id` (posted since `since`) that are missing
    /// from a fetch whose items are `present` and whose oldest item is dated
    /// `oldest_shown`: newer than that, they should still be in the feed.
    /// Those already noticed are left out; at most `limit`.
    pub async fn vanished_posts(
        &self,
        feed_id: i64,
        present: &[&str],
        since: DateTime<Utc>,
        oldest_shown: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<VanishedPost>, StoreError> {
        let rows: Vec<(i64, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT a.id, MIN(p.id), a.key, a.link FROM articles a JOIN posts p ON p.article_id = a.id
             WHERE a.feed_id = $1 AND p.created_at >= $2 AND a.sort_at > $3
               AND NOT EXISTS (SELECT 1 FROM gone_posts g WHERE g.article_id = a.id)
             GROUP BY a.id ORDER BY a.id DESC LIMIT $4",
        )
        .bind(feed_id)
        .bind(to_ms(since))
        .bind(to_ms(oldest_shown))
        .bind(i64::from(limit.saturating_mul(4)))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, key, _)| !present.contains(&key.as_str()))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(article_id, post_id, key, link)| VanishedPost {
                article_id,
                post_id,
                key: ArticleKey::from_stored(key),
                link: link.and_then(|l| Url::parse(&l).ok()),
            })
            .collect())
    }

    /// Records that a posted story is gone from the site; false if it was known.
    pub async fn note_gone(
        &self,
        vanished: &VanishedPost,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO gone_posts (article_id, post_id, reason, noticed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(vanished.article_id)
        .bind(vanished.post_id)
        .bind(reason)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted > 0)
    }

    /// Disappeared stories not yet told to the admins, oldest first.
    pub async fn unannounced_gone(&self) -> Result<Vec<GoneStory>, StoreError> {
        let rows: Vec<(i64, i64, String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT g.article_id, g.post_id, a.title, a.link, g.reason, g.noticed_at
             FROM gone_posts g JOIN articles a ON a.id = g.article_id
             WHERE g.announced_at IS NULL ORDER BY g.noticed_at, g.article_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(article_id, post_id, title, link, reason, noticed_at)| GoneStory {
                article_id,
                post_id,
                title,
                link,
                reason,
                noticed_at: from_ms(noticed_at),
            })
            .collect())
    }

    pub async fn mark_gone_announced(&self, article_id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE gone_posts SET announced_at = $2 WHERE article_id = $1 AND announced_at IS NULL")
            .bind(article_id)
            .bind(to_ms(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ChatRef;
    use crate::store::testing::{record, temp_store};

    async fn posted_stories_missing_from_the_window_are_noticed_once() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let feeds = store
            .sync_feeds(&[(Url::parse("https://kaltimtoday.co/feed/").expect("url"), None)], now)
            .await
            .expect("sync");
        store.sync_channels(&[ChatRef::Id(-1001)], now).await.expect("channels");
        let feed = feeds[0].id;
        record(&store, feed, &[], 0).await;
        let article = |n: i64| {
            let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
            crate::domain::NewArticle {
                key: ArticleKey::from_link(&link),
                title: format!("Berita {n}"),
                link: Some(link),
                summary_html: None,
                content_html: None,
                author: None,
                categories: vec![],
                tags: vec![],
                page_photo: None,
                image_url: None,
                published_at: Some(now - chrono::Duration::minutes(10 - n)),
            }
        };
        record(&store, feed, &[article(1), article(2), article(3)], 0).await;
        let since = now - chrono::Duration::hours(48);
        let oldest = now - chrono::Duration::minutes(9);
        let keys = |ns: &[i64]| ns.iter().map(|n| article(*n).key.as_str().to_owned()).collect::<Vec<_>>();
        let shown = keys(&[1, 3]);
        let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
        let vanished = store.vanished_posts(feed, &shown, since, oldest, 5).await.expect("q");
        assert_eq!(vanished.len(), 1);
        assert_eq!(vanished[0].key, article(2).key);
        assert!(store.note_gone(&vanished[0], "status draft", now).await.expect("note"));
        assert!(!store.note_gone(&vanished[0], "status draft", now).await.expect("note"), "once");
        assert!(store.vanished_posts(feed, &shown, since, oldest, 5).await.expect("q").is_empty());
        let gone = store.unannounced_gone().await.expect("gone");
        assert_eq!(gone.len(), 1);
        store.mark_gone_announced(gone[0].article_id, now).await.expect("mark");
        assert!(store.unannounced_gone().await.expect("gone").is_empty());
    }

    both_backends!(posted_stories_missing_from_the_window_are_noticed_once,);
}

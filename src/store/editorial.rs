//! Admins' corrections and retractions of sent stories, through the outbox.

use chrono::{DateTime, Utc};
use url::Url;

use super::articles::{Correction, CorrectionError, StoryKey, correct_story, insert_post};
use super::{Store, StoreError, to_ms};
use crate::domain::{NewPost, normalize_link};

/// Admins' edits and deletions go before routine posts, after breaking news.
pub const PRIORITY_EDITORIAL: i64 = 8;

/// A sent story, as admins name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    pub key: StoryKey,
    /// The id admins see (`#12`): the story's first post.
    pub post_id: i64,
    pub title: String,
    /// Messages of it that reached a chat.
    pub sent: i64,
}

/// What a retraction did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retraction {
    /// Sent messages that get deleted (or, where Telegram refuses, replaced by the notice).
    pub deleting: usize,
    /// Sends not made yet, cancelled.
    pub cancelled: usize,
}

impl Store {
    /// The story a post id (as shown to admins) belongs to.
    pub async fn story_by_post(&self, post_id: i64) -> Result<Option<Story>, StoreError> {
        let row: Option<(Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT article_id, breaking_id FROM posts WHERE id = ?1")
                .bind(post_id)
                .fetch_optional(&self.pool)
                .await?;
        let key = match row {
            Some((_, Some(breaking))) => StoryKey::Breaking(breaking),
            Some((Some(article), None)) => StoryKey::Article(article),
            // Alerts and notices are not stories.
            _ => return Ok(None),
        };
        self.story(key).await
    }

    /// The posted story of an article, by its link (tracking parameters and the like ignored).
    pub async fn story_by_link(&self, link: &Url) -> Result<Option<Story>, StoreError> {
        let article: Option<i64> = sqlx::query_scalar(
            "SELECT a.id FROM articles a WHERE a.link_key = ?1
               AND EXISTS (SELECT 1 FROM posts p WHERE p.article_id = a.id)
             ORDER BY a.id DESC LIMIT 1",
        )
        .bind(normalize_link(link))
        .fetch_optional(&self.pool)
        .await?;
        match article {
            Some(id) => self.story(StoryKey::Article(id)).await,
            None => Ok(None),
        }
    }

    /// The article stored under this link, posted or not.
    pub async fn article_id_by_link(&self, link: &Url) -> Result<Option<i64>, StoreError> {
        let id = sqlx::query_scalar("SELECT id FROM articles WHERE link_key = ?1 ORDER BY id DESC LIMIT 1")
            .bind(normalize_link(link))
            .fetch_optional(&self.pool)
            .await?;
        Ok(id)
    }

    /// The id admins see for a story (its first post), without counting its sends.
    pub async fn story_post_id(&self, key: StoryKey) -> Result<Option<i64>, StoreError> {
        let (column, id) = key.column();
        let post_id = sqlx::query_scalar(&format!("SELECT MIN(id) FROM posts WHERE {column} = ?1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(post_id)
    }

    pub async fn story(&self, key: StoryKey) -> Result<Option<Story>, StoreError> {
        let (column, id) = key.column();
        let row: Option<(Option<i64>, i64)> = sqlx::query_as(&format!(
            "SELECT MIN(p.id), (SELECT COUNT(*) FROM deliveries d JOIN posts q ON q.id = d.post_id
                                WHERE q.{column} = ?1 AND d.action = 'send' AND d.status = 'sent')
             FROM posts p WHERE p.{column} = ?1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((Some(post_id), sent)) = row else { return Ok(None) };
        let title: Option<String> = match key {
            StoryKey::Article(id) => {
                sqlx::query_scalar("SELECT title FROM articles WHERE id = ?1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
            }
            StoryKey::Breaking(id) => {
                sqlx::query_scalar(
                    "SELECT COALESCE(b.text, a.title) FROM breaking b LEFT JOIN articles a ON a.id = b.article_id
                     WHERE b.id = ?1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
            }
        };
        Ok(Some(Story { key, post_id, title: title.unwrap_or_default(), sent }))
    }

    /// Replaces a story's posts with a corrected version everywhere: unsent
    /// copies go out corrected, sent messages since `window_start` are edited.
    pub async fn correct_story<E, F: FnMut(Option<&str>) -> Result<NewPost, E>>(
        &self,
        key: StoryKey,
        render: F,
        now: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<Correction, CorrectionError<E>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(StoreError::from)?;
        let corrected = correct_story(&mut tx, key, render, now, window_start, PRIORITY_EDITORIAL).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(corrected)
    }

    /// Takes a story back: unsent copies are cancelled and every sent message
    /// gets a delete, whose post is the notice that replaces the message
    /// where Telegram refuses to delete it.
    pub async fn retract_story(
        &self,
        key: StoryKey,
        notice: impl Fn(Option<&str>) -> NewPost,
        now: DateTime<Utc>,
    ) -> Result<Retraction, StoreError> {
        let (column, id) = key.column();
        let story_posts = format!("SELECT id FROM posts WHERE {column} = ?1");
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let cancelled = sqlx::query(&format!(
            "UPDATE deliveries SET status = 'failed', last_error = 'retracted by an admin', lease_until = NULL,
                    updated_at = ?2
             WHERE post_id IN ({story_posts}) AND status = 'pending'"
        ))
        .bind(id)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let sent = format!(
            "FROM deliveries d JOIN posts p ON p.id = d.post_id JOIN chats c ON c.id = d.chat_id
             WHERE p.{column} = ?1 AND d.action = 'send' AND d.status = 'sent' AND d.message_id IS NOT NULL
               AND c.active = 1"
        );
        let styles: Vec<Option<String>> =
            sqlx::query_scalar(&format!("SELECT DISTINCT p.style {sent} ORDER BY p.style"))
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        let mut deleting = 0;
        for style in styles {
            let notice_id = insert_post(&mut tx, None, &notice(style.as_deref()), style.as_deref(), now).await?;
            let inserted = sqlx::query(&format!(
                "INSERT INTO deliveries (post_id, chat_id, action, target_message_id, sent_as, status,
                                         next_attempt_at, created_at, updated_at, priority)
                 SELECT ?2, d.chat_id, 'delete', d.message_id, d.sent_as, 'pending', ?3, ?3, ?3, ?5
                 {sent} AND p.style IS ?4 ORDER BY d.id"
            ))
            .bind(id)
            .bind(notice_id)
            .bind(to_ms(now))
            .bind(style.as_deref())
            .bind(PRIORITY_EDITORIAL)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            deleting += usize::try_from(inserted).unwrap_or(usize::MAX);
        }
        tx.commit().await?;
        Ok(Retraction { deleting, cancelled: usize::try_from(cancelled).unwrap_or(usize::MAX) })
    }
}

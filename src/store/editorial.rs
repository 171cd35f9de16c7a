//! Admins' corrections and retractions of sent stories, through the outbox.

use url::Url;

use super::outbox::StoryKey;
use super::{Store, StoreError};
use crate::domain::normalize_link;

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

impl Store {
    /// The story a post id (as shown to admins) belongs to.
    pub async fn story_by_post(&self, post_id: i64) -> Result<Option<Story>, StoreError> {
        let row: Option<(Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT article_id, breaking_id FROM posts WHERE id = $1")
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
            "SELECT a.id FROM articles a WHERE a.link_key = $1
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
        let id = sqlx::query_scalar("SELECT id FROM articles WHERE link_key = $1 ORDER BY id DESC LIMIT 1")
            .bind(normalize_link(link))
            .fetch_optional(&self.pool)
            .await?;
        Ok(id)
    }

    /// The id admins see for a story (its first post), without counting its sends.
    pub async fn story_post_id(&self, key: StoryKey) -> Result<Option<i64>, StoreError> {
        let (column, id) = key.column();
        let post_id = sqlx::query_scalar(&format!("SELECT MIN(id) FROM posts WHERE {column} = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(post_id)
    }

    pub async fn story(&self, key: StoryKey) -> Result<Option<Story>, StoreError> {
        let (column, id) = key.column();
        let row: Option<(Option<i64>, i64)> = sqlx::query_as(&format!(
            "SELECT MIN(p.id), (SELECT COUNT(*) FROM deliveries d JOIN posts q ON q.id = d.post_id
                                WHERE q.{column} = $1 AND d.action = 'send' AND d.status = 'sent')
             FROM posts p WHERE p.{column} = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((Some(post_id), sent)) = row else { return Ok(None) };
        let title: Option<String> = match key {
            StoryKey::Article(id) => {
                sqlx::query_scalar("SELECT title FROM articles WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
            }
            StoryKey::Breaking(id) => {
                sqlx::query_scalar(
                    "SELECT COALESCE(b.text, a.title) FROM breaking b LEFT JOIN articles a ON a.id = b.article_id
                     WHERE b.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
            }
        };
        Ok(Some(Story { key, post_id, title: title.unwrap_or_default(), sent }))
    }
}

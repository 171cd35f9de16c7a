//! Corrections and retractions: a story's posts brought up to date, or taken
//! back, everywhere they went — edits and deletes of sent messages as outbox rows.

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::enqueue::{PostLink, insert_post};
use super::{Priority, StoryKey};
use crate::domain::{Article, NewPost, PostRenderer};
use crate::store::{Store, StoreError, to_ms};

/// What a correction of a story did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Correction {
    /// Sent messages that get an edit.
    pub edits: usize,
    /// Sent messages older than the edit window, left as they are.
    pub too_old: usize,
}

/// Brings a story's posts up to date, in the caller's transaction, one
/// rendering style at a time: unsent deliveries switch to the new version,
/// pending edits are superseded, sent messages within the window get an edit
/// at `priority`. `render` may refuse a style (e.g. a text too long for it).
async fn enqueue_story_correction<E, F: FnMut(Option<&str>) -> Result<NewPost, E>>(
    tx: &mut Transaction<'_, Any>,
    story: StoryKey,
    mut render: F,
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
    priority: Priority,
) -> Result<Correction, CorrectionError<E>> {
    let (column, story_id) = story.column();
    // Recorded silently (first fetch, duplicate): nothing was sent to correct.
    let styles: Vec<Option<String>> =
        sqlx::query_scalar(&format!("SELECT DISTINCT style FROM posts WHERE {column} = $1 ORDER BY style NULLS FIRST"))
            .bind(story_id)
            .fetch_all(&mut **tx)
            .await?;
    let mut corrected = Correction::default();
    for style in styles {
        let post = render(style.as_deref()).map_err(CorrectionError::Render)?;
        let post_id = insert_post(tx, PostLink::default(), &post, style.as_deref(), now).await?;
        sqlx::query(&format!(
            "UPDATE posts SET {column} = $2, pin = (SELECT MAX(pin) FROM posts WHERE {column} = $2) WHERE id = $1"
        ))
        .bind(post_id)
        .bind(story_id)
        .execute(&mut **tx)
        .await?;
        let earlier =
            format!("SELECT id FROM posts WHERE {column} = $1 AND id != $2 AND style IS NOT DISTINCT FROM $4");
        sqlx::query(&format!(
            "UPDATE deliveries SET post_id = $2, updated_at = $3
             WHERE post_id IN ({earlier}) AND status = 'pending' AND action = 'send'"
        ))
        .bind(story_id)
        .bind(post_id)
        .bind(to_ms(now))
        .bind(style.as_deref())
        .execute(&mut **tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE deliveries SET status = 'failed', last_error = 'superseded by a newer correction', updated_at = $3
             WHERE post_id IN ({earlier}) AND status = 'pending' AND action = 'edit'"
        ))
        .bind(story_id)
        .bind(post_id)
        .bind(to_ms(now))
        .bind(style.as_deref())
        .execute(&mut **tx)
        .await?;
        let sent = format!(
            "FROM deliveries d JOIN chats c ON c.id = d.chat_id
             WHERE d.post_id IN ({earlier}) AND d.action = 'send' AND d.status = 'sent'
               AND d.message_id IS NOT NULL AND c.active = 1 AND d.sent_as IS DISTINCT FROM 'list'"
        );
        let inserted = sqlx::query(&format!(
            "INSERT INTO deliveries (post_id, chat_id, action, target_message_id, sent_as, status, next_attempt_at,
                                     created_at, updated_at, priority)
             SELECT $2, d.chat_id, 'edit', d.message_id, d.sent_as, 'pending', $3, $3, $3, $6
             {sent} AND d.sent_at >= $5 ORDER BY d.id"
        ))
        .bind(story_id)
        .bind(post_id)
        .bind(to_ms(now))
        .bind(style.as_deref())
        .bind(to_ms(window_start))
        .bind(priority.as_i64())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        corrected.edits += usize::try_from(inserted).unwrap_or(usize::MAX);
        let too_old: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {sent} AND d.sent_at < $5"))
            .bind(story_id)
            .bind(post_id)
            .bind(to_ms(now))
            .bind(style.as_deref())
            .bind(to_ms(window_start))
            .fetch_one(&mut **tx)
            .await?;
        corrected.too_old += usize::try_from(too_old).unwrap_or(0);
    }
    Ok(corrected)
}

/// A correction failed: the database, or rendering one of the styles.
#[derive(Debug, thiserror::Error)]
pub enum CorrectionError<E> {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot render the corrected post")]
    Render(E),
}

impl<E> From<sqlx::Error> for CorrectionError<E> {
    fn from(err: sqlx::Error) -> Self {
        Self::Store(StoreError::Database(err))
    }
}

/// What a retraction did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retraction {
    /// Sent messages that get deleted (or, where Telegram refuses, replaced by the notice).
    pub deleting: usize,
    /// Sends not made yet, cancelled.
    pub cancelled: usize,
}

/// Brings a corrected article's posts up to date, in the caller's
/// transaction (see [`enqueue_story_correction`]). Returns the number of edits enqueued.
pub(in crate::store) async fn enqueue_correction(
    tx: &mut Transaction<'_, Any>,
    article: &Article,
    renderer: &impl PostRenderer,
    now: DateTime<Utc>,
    window_start: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let render = |style: Option<&str>| Ok::<_, std::convert::Infallible>(renderer.render(article, style));
    match enqueue_story_correction(tx, StoryKey::Article(article.id), render, now, window_start, Priority::Routine)
        .await
    {
        Ok(corrected) => Ok(corrected.edits),
        Err(CorrectionError::Store(err)) => Err(err),
        Err(CorrectionError::Render(never)) => match never {},
    }
}

impl Store {
    /// Replaces a story's posts with a corrected version everywhere: unsent
    /// copies go out corrected, sent messages since `window_start` are edited.
    pub async fn correct_story<E, F: FnMut(Option<&str>) -> Result<NewPost, E>>(
        &self,
        key: StoryKey,
        render: F,
        now: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<Correction, CorrectionError<E>> {
        let mut tx = self.begin_write().await?;
        let corrected = enqueue_story_correction(&mut tx, key, render, now, window_start, Priority::Editorial).await?;
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
        let story_posts = format!("SELECT id FROM posts WHERE {column} = $1");
        let mut tx = self.begin_write().await?;
        if let StoryKey::Article(article_id) = key {
            // Out of the digests still to come.
            sqlx::query("UPDATE articles SET retracted_at = $2 WHERE id = $1 OR same_as = $1")
                .bind(article_id)
                .bind(to_ms(now))
                .execute(&mut *tx)
                .await?;
        }
        let cancelled = sqlx::query(&format!(
            "UPDATE deliveries SET status = 'failed', last_error = 'retracted by an admin', lease_until = NULL,
                    updated_at = $2
             WHERE post_id IN ({story_posts}) AND status = 'pending'"
        ))
        .bind(id)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let sent = format!(
            "FROM deliveries d JOIN posts p ON p.id = d.post_id JOIN chats c ON c.id = d.chat_id
             WHERE p.{column} = $1 AND d.action = 'send' AND d.status = 'sent' AND d.message_id IS NOT NULL
               AND c.active = 1 AND d.sent_as IS DISTINCT FROM 'list'"
        );
        let styles: Vec<Option<String>> =
            sqlx::query_scalar(&format!("SELECT DISTINCT p.style {sent} ORDER BY p.style NULLS FIRST"))
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        let mut deleting = 0;
        for style in styles {
            let notice_id =
                insert_post(&mut tx, PostLink::default(), &notice(style.as_deref()), style.as_deref(), now).await?;
            let inserted = sqlx::query(&format!(
                "INSERT INTO deliveries (post_id, chat_id, action, target_message_id, sent_as, status,
                                         next_attempt_at, created_at, updated_at, priority)
                 SELECT $2, d.chat_id, 'delete', d.message_id, d.sent_as, 'pending', $3, $3, $3, $5
                 {sent} AND p.style IS NOT DISTINCT FROM $4 ORDER BY d.id"
            ))
            .bind(id)
            .bind(notice_id)
            .bind(to_ms(now))
            .bind(style.as_deref())
            .bind(Priority::Editorial.as_i64())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            deleting += usize::try_from(inserted).unwrap_or(usize::MAX);
        }
        tx.commit().await?;
        Ok(Retraction { deleting, cancelled: usize::try_from(cancelled).unwrap_or(usize::MAX) })
    }
}

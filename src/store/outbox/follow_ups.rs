//! What the outbox does to messages already out, on the newsroom's behalf:
//! pin breaking news, unpin it when its time is up, take the buttons off an
//! expired preview, and keep the admin's progress message current. Each is a
//! delivery row like any other, so the worker paces, gates, retries and
//! records it — and a refusal is recorded as one.

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::Priority;
use super::deliveries::{SentAs, mark_sent_in};
use super::enqueue::{PostLink, insert_post};
use crate::domain::NewPost;
use crate::store::{Store, StoreError, to_ms};

/// The chats row of a Telegram chat an admin wrote from, created if needed.
async fn chat_row_of(tx: &mut Transaction<'_, Any>, telegram_id: i64, now: i64) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO chats (telegram_id, kind, created_at, updated_at)
         VALUES ($1, CASE WHEN $1 > 0 THEN 'private' ELSE 'group' END, $2, $2)
         ON CONFLICT (telegram_id) DO NOTHING",
    )
    .bind(telegram_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(sqlx::query_scalar("SELECT id FROM chats WHERE telegram_id = $1").bind(telegram_id).fetch_one(&mut **tx).await?)
}

/// Takes the buttons off an admin's expired preview, in the caller's transaction.
pub(in crate::store) async fn enqueue_clear_buttons(
    tx: &mut Transaction<'_, Any>,
    admin_chat: i64,
    message_id: i32,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let now_ms = to_ms(now);
    let chat_id = chat_row_of(tx, admin_chat, now_ms).await?;
    // A markup-only edit: the post row holds no content, only the delivery's place in the outbox.
    let post_id = insert_post(tx, PostLink::default(), &NewPost::text(String::new(), String::new()), None, now).await?;
    sqlx::query(
        "INSERT INTO deliveries (post_id, chat_id, action, target_message_id, sent_as, status, next_attempt_at,
                                 created_at, updated_at, priority)
         VALUES ($1, $2, 'clear_buttons', $3, $4, 'pending', $5, $5, $5, $6)",
    )
    .bind(post_id)
    .bind(chat_id)
    .bind(message_id)
    .bind(SentAs::Text.as_str())
    .bind(now_ms)
    .bind(Priority::Breaking.as_i64())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Records a pin Telegram made, to unpin at `unpin_at` (`None`: stays pinned).
    pub async fn mark_pinned(
        &self,
        delivery_id: i64,
        now: DateTime<Utc>,
        unpin_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let (chat_id, message_id, post_id): (i64, i32, i64) = sqlx::query_as(
            "SELECT chat_id, target_message_id, post_id FROM deliveries WHERE id = $1 AND action = 'pin'",
        )
        .bind(delivery_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("delivery {delivery_id} is not a pin")))?;
        mark_sent_in(&mut tx, delivery_id, message_id, SentAs::Text, now).await?;
        sqlx::query(
            "INSERT INTO pins (chat_id, message_id, post_id, pinned_at, unpin_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (chat_id, message_id) DO UPDATE SET pinned_at = $4, unpin_at = $5, unpinned_at = NULL,
                                                             unpin_enqueued_at = NULL",
        )
        .bind(chat_id)
        .bind(message_id)
        .bind(post_id)
        .bind(to_ms(now))
        .bind(unpin_at.map(to_ms))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enqueues the unpins that are due. Returns how many.
    pub async fn enqueue_due_unpins(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let due = "FROM pins WHERE unpinned_at IS NULL AND unpin_enqueued_at IS NULL AND unpin_at <= $1";
        let mut tx = self.begin_write().await?;
        let enqueued = sqlx::query(&format!(
            "INSERT INTO deliveries (post_id, chat_id, action, target_message_id, status, next_attempt_at,
                                               created_at, updated_at, priority)
             SELECT post_id, chat_id, 'unpin', message_id, 'pending', $1, $1, $1, $2 {due} ORDER BY unpin_at
             ON CONFLICT DO NOTHING"
        ))
        .bind(to_ms(now))
        .bind(Priority::Breaking.as_i64())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(&format!(
            "UPDATE pins SET unpin_enqueued_at = $1 WHERE (chat_id, message_id) IN (SELECT chat_id, message_id {due})"
        ))
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(usize::try_from(enqueued).unwrap_or(usize::MAX))
    }

    /// Shows `post` in the admin's progress message `message_id`: a pending
    /// edit of it is brought up to date, else a new edit is enqueued.
    pub async fn enqueue_progress_edit(
        &self,
        admin_chat: i64,
        message_id: i32,
        post: &NewPost,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let now_ms = to_ms(now);
        let mut tx = self.begin_write().await?;
        let chat_id = chat_row_of(&mut tx, admin_chat, now_ms).await?;
        let pending: Option<i64> = sqlx::query_scalar(
            "SELECT post_id FROM deliveries
             WHERE chat_id = $1 AND target_message_id = $2 AND action = 'edit' AND status = 'pending'
             ORDER BY id DESC LIMIT 1",
        )
        .bind(chat_id)
        .bind(message_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(post_id) = pending {
            sqlx::query("UPDATE posts SET html = $2, plain = $3 WHERE id = $1")
                .bind(post_id)
                .bind(&post.html)
                .bind(&post.plain)
                .execute(&mut *tx)
                .await?;
        } else {
            let post_id = insert_post(&mut tx, PostLink::default(), post, None, now).await?;
            sqlx::query(
                "INSERT INTO deliveries (post_id, chat_id, action, target_message_id, sent_as, status,
                                         next_attempt_at, created_at, updated_at, priority)
                 VALUES ($1, $2, 'edit', $3, $4, 'pending', $5, $5, $5, $6)",
            )
            .bind(post_id)
            .bind(chat_id)
            .bind(message_id)
            .bind(SentAs::Text.as_str())
            .bind(now_ms)
            .bind(Priority::FollowUp.as_i64())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

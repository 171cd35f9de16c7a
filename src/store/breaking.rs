//! Breaking news: drafts previewed to an admin, confirmed into the outbox
//! ahead of everything else, and their fan-out progress.

use crate::store::Flag;
use chrono::{DateTime, Utc};

use super::outbox::{Audience, enqueue_breaking, enqueue_clear_buttons};
use super::{Store, StoreError, from_ms, to_ms};
use crate::domain::{Article, NewPost};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakingState {
    /// `/breaking` alone: the admin's next message is the text or photo.
    Awaiting,
    /// Previewed, waiting for Kirim or Batal.
    Draft,
    Confirmed,
    Cancelled,
    Expired,
}

impl BreakingState {
    fn parse(raw: &str) -> Result<Self, StoreError> {
        Ok(match raw {
            "awaiting" => Self::Awaiting,
            "draft" => Self::Draft,
            "confirmed" => Self::Confirmed,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            other => return Err(StoreError::Corrupt(format!("unknown breaking state {other:?}"))),
        })
    }
}

/// A breaking-news item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breaking {
    pub id: i64,
    pub admin_id: i64,
    pub admin_chat: i64,
    pub state: BreakingState,
    pub text: Option<String>,
    /// Telegram file_id of the admin's photo.
    pub photo_file_id: Option<String>,
    pub article_id: Option<i64>,
    pub preview_message_id: Option<i32>,
    pub status_message_id: Option<i32>,
    pub progress_text: Option<String>,
    pub recipients: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

type BreakingRow = (
    i64,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i32>,
    Option<i32>,
    Option<String>,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

const BREAKING_COLUMNS: &str = "id, admin_id, admin_chat, state, text, photo_file_id, article_id, preview_message_id, \
     status_message_id, progress_text, recipients, created_at, expires_at, confirmed_at, finished_at";

fn breaking_from_row(row: BreakingRow) -> Result<Breaking, StoreError> {
    let (id, admin_id, admin_chat, state, text, photo_file_id, article_id, preview, status, progress, recipients) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10);
    Ok(Breaking {
        id,
        admin_id,
        admin_chat,
        state: BreakingState::parse(&state)?,
        text,
        photo_file_id,
        article_id,
        preview_message_id: preview,
        status_message_id: status,
        progress_text: progress,
        recipients,
        created_at: from_ms(row.11),
        expires_at: from_ms(row.12),
        confirmed_at: row.13.map(from_ms),
        finished_at: row.14.map(from_ms),
    })
}

/// What breaking news carries: the admin's text (and photo), or a stored article.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakingContent {
    pub text: Option<String>,
    pub photo_file_id: Option<String>,
    pub article: Option<Article>,
}

/// Why a confirmation did not send anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    /// Enqueued for this many chats.
    Confirmed { breaking: Box<Breaking>, recipients: usize },
    /// The preview is older than its expiry.
    Expired,
    /// Already sent, cancelled or expired.
    AlreadyDecided(BreakingState),
    /// No such draft in this chat (forged or foreign button data).
    NotFound,
}

/// How far a breaking story's fan-out got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanoutTally {
    pub total: i64,
    pub sent: i64,
    /// Readers who blocked the bot or left, and chats gone.
    pub blocked: i64,
    /// Refused or dead after every retry.
    pub failed: i64,
}

impl FanoutTally {
    pub fn done(&self) -> i64 {
        self.sent + self.blocked + self.failed
    }

    pub fn finished(&self) -> bool {
        self.done() >= self.total
    }
}

impl Store {
    /// Starts `/breaking` without text: the admin's next message in `admin_chat`
    /// becomes the draft. Replaces an earlier unanswered request.
    pub async fn await_breaking(
        &self,
        admin_id: i64,
        admin_chat: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE breaking SET state = 'expired' WHERE admin_chat = $1 AND state = 'awaiting'")
            .bind(admin_chat)
            .execute(&mut *tx)
            .await?;
        let id = sqlx::query_scalar(
            "INSERT INTO breaking (admin_id, admin_chat, state, created_at, expires_at)
             VALUES ($1, $2, 'awaiting', $3, $4) RETURNING id",
        )
        .bind(admin_id)
        .bind(admin_chat)
        .bind(to_ms(now))
        .bind(to_ms(expires_at))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The unexpired `/breaking` request waiting for this chat's next message, taken
    /// (it is answered once).
    pub async fn take_awaiting_breaking(&self, admin_chat: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "UPDATE breaking SET state = 'expired' WHERE admin_chat = $1 AND state = 'awaiting' AND expires_at > $2",
        )
        .bind(admin_chat)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(taken > 0)
    }

    /// Stores a draft to preview.
    pub async fn create_breaking_draft(
        &self,
        admin_id: i64,
        admin_chat: i64,
        content: &BreakingContent,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO breaking (admin_id, admin_chat, state, text, photo_file_id, article_id, created_at, expires_at)
             VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(admin_id)
        .bind(admin_chat)
        .bind(content.text.as_deref())
        .bind(content.photo_file_id.as_deref())
        .bind(content.article.as_ref().map(|a| a.id))
        .bind(to_ms(now))
        .bind(to_ms(expires_at))
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn set_breaking_preview(&self, id: i64, message_id: i32) -> Result<(), StoreError> {
        sqlx::query("UPDATE breaking SET preview_message_id = $2 WHERE id = $1")
            .bind(id)
            .bind(message_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn breaking(&self, id: i64) -> Result<Option<Breaking>, StoreError> {
        let row: Option<BreakingRow> =
            sqlx::query_as(&format!("SELECT {BREAKING_COLUMNS} FROM breaking WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(breaking_from_row).transpose()
    }

    /// Confirms a draft of `admin_chat` and enqueues it, in one transaction:
    /// one post per rendering style, pinned in channels if `pin`, for every
    /// channel and active subscriber (category filters do not apply), ahead
    /// of everything else.
    pub async fn confirm_breaking(
        &self,
        id: i64,
        admin_chat: i64,
        now: DateTime<Utc>,
        pin: bool,
        render: impl Fn(&BreakingContent, Option<&str>) -> NewPost,
    ) -> Result<ConfirmOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let row: Option<BreakingRow> =
            sqlx::query_as(&format!("SELECT {BREAKING_COLUMNS} FROM breaking WHERE id = $1 AND admin_chat = $2"))
                .bind(id)
                .bind(admin_chat)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(breaking) = row.map(breaking_from_row).transpose()? else {
            return Ok(ConfirmOutcome::NotFound);
        };
        match breaking.state {
            BreakingState::Draft if breaking.expires_at <= now => {
                sqlx::query("UPDATE breaking SET state = 'expired' WHERE id = $1").bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                return Ok(ConfirmOutcome::Expired);
            }
            BreakingState::Draft => {}
            BreakingState::Awaiting => return Ok(ConfirmOutcome::NotFound),
            decided => return Ok(ConfirmOutcome::AlreadyDecided(decided)),
        }
        let article = match breaking.article_id {
            Some(article_id) => super::articles::article_in(&mut tx, article_id).await?,
            None => None,
        };
        let content =
            BreakingContent { text: breaking.text.clone(), photo_file_id: breaking.photo_file_id.clone(), article };
        let recipients = enqueue_breaking(&mut tx, id, pin, |style| render(&content, style), now).await?;
        sqlx::query("UPDATE breaking SET state = 'confirmed', confirmed_at = $2, recipients = $3 WHERE id = $1")
            .bind(id)
            .bind(to_ms(now))
            .bind(i64::try_from(recipients).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let breaking = Breaking {
            state: BreakingState::Confirmed,
            confirmed_at: Some(now),
            recipients: Some(i64::try_from(recipients).unwrap_or(i64::MAX)),
            ..breaking
        };
        Ok(ConfirmOutcome::Confirmed { breaking: Box::new(breaking), recipients })
    }

    /// Who breaking news would reach now: (channels, subscribers).
    pub async fn breaking_audience(&self) -> Result<(i64, i64), StoreError> {
        let counts = sqlx::query_as(&format!(
            "SELECT COUNT(*) FILTER (WHERE is_target = 1), COUNT(*) FILTER (WHERE is_target = 0) FROM chats
             WHERE {} AND active = 1",
            Audience::Readers.filter()
        ))
        .fetch_one(&self.pool)
        .await?;
        Ok(counts)
    }

    /// The rendering style of the first configured channel (the one a preview shows).
    pub async fn main_channel_style(&self) -> Result<Option<String>, StoreError> {
        let style: Option<Option<String>> =
            sqlx::query_scalar("SELECT style FROM chats WHERE is_target = 1 AND active = 1 ORDER BY id LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(style.flatten())
    }

    /// Cancels a draft of `admin_chat`; false if it was no longer a draft.
    pub async fn cancel_breaking(&self, id: i64, admin_chat: i64) -> Result<bool, StoreError> {
        let cancelled = sqlx::query(
            "UPDATE breaking SET state = 'cancelled' WHERE id = $1 AND admin_chat = $2 AND state = 'draft'",
        )
        .bind(id)
        .bind(admin_chat)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(cancelled > 0)
    }

    /// Drafts whose time ran out: marked expired and returned; the buttons
    /// come off their previews through the outbox.
    pub async fn expire_breaking_drafts(&self, now: DateTime<Utc>) -> Result<Vec<Breaking>, StoreError> {
        // Called every second: look first, so an idle bot takes no write lock.
        let due: Flag = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM breaking WHERE state IN ('draft', 'awaiting') AND expires_at <= $1)",
        )
        .bind(to_ms(now))
        .fetch_one(&self.pool)
        .await?;
        if !due.0 {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let rows: Vec<BreakingRow> = sqlx::query_as(&format!(
            "UPDATE breaking SET state = 'expired'
             WHERE state IN ('draft', 'awaiting') AND expires_at <= $1
             RETURNING {BREAKING_COLUMNS}"
        ))
        .bind(to_ms(now))
        .fetch_all(&mut *tx)
        .await?;
        let expired = rows.into_iter().map(breaking_from_row).collect::<Result<Vec<_>, _>>()?;
        for draft in &expired {
            if let Some(preview) = draft.preview_message_id {
                enqueue_clear_buttons(&mut tx, draft.admin_chat, preview, now).await?;
            }
        }
        tx.commit().await?;
        Ok(expired)
    }

    /// Confirmed items whose fan-out is not reported finished.
    pub async fn breaking_in_flight(&self) -> Result<Vec<Breaking>, StoreError> {
        let rows: Vec<BreakingRow> = sqlx::query_as(&format!(
            "SELECT {BREAKING_COLUMNS} FROM breaking WHERE state = 'confirmed' AND finished_at IS NULL ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(breaking_from_row).collect()
    }

    /// Counts the sends of a breaking item by outcome.
    pub async fn breaking_tally(&self, id: i64) -> Result<FanoutTally, StoreError> {
        let (total, sent, blocked, failed): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*),
                    COUNT(*) FILTER (WHERE d.status = 'sent'),
                    COUNT(*) FILTER (WHERE d.status = 'failed' AND c.active = 0),
                    COUNT(*) FILTER (WHERE d.status = 'dead' OR (d.status = 'failed' AND c.active = 1))
             FROM deliveries d JOIN posts p ON p.id = d.post_id JOIN chats c ON c.id = d.chat_id
             WHERE p.breaking_id = $1 AND d.action = 'send'",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        Ok(FanoutTally { total, sent, blocked, failed })
    }

    /// Remembers the admin's status message and what it shows.
    pub async fn record_breaking_progress(
        &self,
        id: i64,
        status_message_id: Option<i32>,
        text: &str,
        finished_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE breaking SET status_message_id = COALESCE($2, status_message_id), progress_text = $3,
                    finished_at = $4
             WHERE id = $1",
        )
        .bind(id)
        .bind(status_message_id)
        .bind(text)
        .bind(finished_at.map(to_ms))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ChatRef;
    use crate::store::testing::temp_store;

    fn text(text: &str) -> BreakingContent {
        BreakingContent { text: Some(text.to_owned()), photo_file_id: None, article: None }
    }

    async fn breaking_news_reaches_every_channel_and_subscriber_whatever_their_categories() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        store.sync_channels(&[ChatRef::Username("@kaltimtodaydotco".into())], now).await.expect("channel");
        store.subscribe_many(&[11, 12], now).await.expect("subscribers");
        // Reader 12 only wants sports news.
        sqlx::query("INSERT INTO categories (key, name, created_at) VALUES ('olahraga', 'Olahraga', 0)")
            .execute(&store.pool)
            .await
            .expect("category");
        sqlx::query(
            "INSERT INTO reader_categories (chat_id, category_id)
             SELECT id, (SELECT id FROM categories) FROM chats WHERE telegram_id = 12",
        )
        .execute(&store.pool)
        .await
        .expect("filter");
        let expires = now + chrono::Duration::minutes(10);
        let id = store.create_breaking_draft(42, 42, &text("Banjir"), now, expires).await.expect("draft");
        let render = |content: &BreakingContent, _: Option<&str>| {
            let text = content.text.clone().unwrap_or_default();
            NewPost::text(text.clone(), text)
        };
        // Another chat's press finds nothing; the admin's sends to all three.
        assert_eq!(store.confirm_breaking(id, 7, now, true, render).await.expect("foreign"), ConfirmOutcome::NotFound);
        match store.confirm_breaking(id, 42, now, true, render).await.expect("confirm") {
            ConfirmOutcome::Confirmed { recipients, .. } => assert_eq!(recipients, 3),
            other => panic!("{other:?}"),
        }
        let (breaking, pinned): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), MIN(p.pin) FROM deliveries d JOIN posts p ON p.id = d.post_id
             WHERE p.breaking_id = $1 AND d.priority = $2 AND d.status = 'pending'",
        )
        .bind(id)
        .bind(crate::store::Priority::Breaking.as_i64())
        .fetch_one(&store.pool)
        .await
        .expect("deliveries");
        assert_eq!((breaking, pinned), (3, 1));
        // Twice is once.
        assert_eq!(
            store.confirm_breaking(id, 42, now, true, render).await.expect("again"),
            ConfirmOutcome::AlreadyDecided(BreakingState::Confirmed)
        );
        assert_eq!(store.breaking_tally(id).await.expect("tally"), FanoutTally { total: 3, ..FanoutTally::default() });

        // A draft confirmed too late sends nothing.
        let late = store.create_breaking_draft(42, 42, &text("Gempa"), now, now).await.expect("draft");
        assert_eq!(store.confirm_breaking(late, 42, now, true, render).await.expect("late"), ConfirmOutcome::Expired);
        assert!(!store.cancel_breaking(late, 42).await.expect("cancel"), "an expired draft is not cancelled");
    }

    both_backends!(breaking_news_reaches_every_channel_and_subscriber_whatever_their_categories,);
}

use crate::store::Flag;
use chrono::{DateTime, Utc};

use sqlx::{Any, Transaction};

use super::{Store, StoreError, to_ms};
use crate::domain::SubscriberCounts;

/// What /subscribe did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeOutcome {
    Subscribed,
    AlreadySubscribed,
}

/// What /unsubscribe did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsubscribeOutcome {
    Unsubscribed,
    NotSubscribed,
}

/// Subscribes a reader in the caller's transaction; returns the reader's chat
/// row id and whether they were subscribed already.
pub(super) async fn subscribe_in(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    language: Option<&str>,
    style: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(i64, SubscribeOutcome), StoreError> {
    let was: Option<Flag> = sqlx::query_scalar("SELECT subscribed FROM chats WHERE telegram_id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?;
    let chat_id = sqlx::query_scalar(
        "INSERT INTO chats (telegram_id, kind, active, language, style, subscribed, subscribed_at, created_at,
                           updated_at)
         VALUES ($1, 'private', 1, $2, $3, 1, $4, $4, $4)
         ON CONFLICT (telegram_id) DO UPDATE SET active = 1, deactivated_reason = NULL, subscribed = 1,
             subscribed_at = CASE WHEN chats.subscribed = 1 THEN chats.subscribed_at ELSE excluded.subscribed_at END,
             language = COALESCE(excluded.language, chats.language), style = excluded.style,
             updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(user_id)
    .bind(language)
    .bind(style)
    .bind(to_ms(now))
    .fetch_one(&mut **tx)
    .await?;
    let outcome =
        if was == Some(Flag(true)) { SubscribeOutcome::AlreadySubscribed } else { SubscribeOutcome::Subscribed };
    Ok((chat_id, outcome))
}

impl Store {
    /// Records that a reader talks to the bot in private chat: a chat that had
    /// been set aside (the reader blocked the bot) is active again, and the
    /// reader's language and the post style that goes with it are remembered.
    pub async fn touch_reader(
        &self,
        user_id: i64,
        language: Option<&str>,
        style: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO chats (telegram_id, kind, active, language, style, created_at, updated_at)
             VALUES ($1, 'private', 1, $2, $3, $4, $4)
             ON CONFLICT (telegram_id) DO UPDATE SET active = 1, deactivated_reason = NULL,
                 language = COALESCE(excluded.language, chats.language), style = excluded.style,
                 updated_at = excluded.updated_at
             WHERE chats.kind = 'private'",
        )
        .bind(user_id)
        .bind(language)
        .bind(style)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The language a reader chose with /bahasa ("id", "en"), if any.
    pub async fn language_choice(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        let choice: Option<Option<String>> =
            sqlx::query_scalar("SELECT language_choice FROM chats WHERE telegram_id = $1 AND kind = 'private'")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(choice.flatten())
    }

    /// Remembers (or, with `None`, forgets) a reader's language choice and
    /// the post style that goes with it.
    pub async fn set_language_choice(
        &self,
        user_id: i64,
        choice: Option<&str>,
        style: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO chats (telegram_id, kind, active, language_choice, style, created_at, updated_at)
             VALUES ($1, 'private', 1, $2, $3, $4, $4)
             ON CONFLICT (telegram_id) DO UPDATE SET language_choice = excluded.language_choice,
                 style = excluded.style, updated_at = excluded.updated_at
             WHERE chats.kind = 'private'",
        )
        .bind(user_id)
        .bind(choice)
        .bind(style)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Subscribes a reader; subscribing twice is fine.
    pub async fn subscribe(
        &self,
        user_id: i64,
        language: Option<&str>,
        style: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<SubscribeOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let (_, outcome) = subscribe_in(&mut tx, user_id, language, style, now).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    pub async fn unsubscribe(&self, user_id: i64, now: DateTime<Utc>) -> Result<UnsubscribeOutcome, StoreError> {
        let changed = sqlx::query(
            "UPDATE chats SET subscribed = 0, unsubscribed_at = $2, updated_at = $2
             WHERE telegram_id = $1 AND subscribed = 1",
        )
        .bind(user_id)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(if changed.rows_affected() > 0 {
            UnsubscribeOutcome::Unsubscribed
        } else {
            UnsubscribeOutcome::NotSubscribed
        })
    }

    pub async fn is_subscribed(&self, user_id: i64) -> Result<bool, StoreError> {
        let subscribed: Option<Flag> =
            sqlx::query_scalar("SELECT subscribed = 1 AND active = 1 FROM chats WHERE telegram_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(subscribed.is_some_and(bool::from))
    }

    pub async fn subscriber_counts(&self, since: DateTime<Utc>) -> Result<SubscriberCounts, StoreError> {
        let (active, unreachable, new_since): (i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE active = 1), COUNT(*) FILTER (WHERE active = 0),
                    COUNT(*) FILTER (WHERE active = 1 AND subscribed_at >= $1)
             FROM chats WHERE subscribed = 1",
        )
        .bind(to_ms(since))
        .fetch_one(&self.pool)
        .await?;
        Ok(SubscriberCounts { active, unreachable, new_since })
    }

    /// Subscribes many readers at once (imports, benchmarks, tests).
    pub async fn subscribe_many(&self, user_ids: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for user_id in user_ids {
            sqlx::query(
                "INSERT INTO chats (telegram_id, kind, active, subscribed, subscribed_at, created_at, updated_at)
                 VALUES ($1, 'private', 1, 1, $2, $2, $2)
                 ON CONFLICT (telegram_id) DO UPDATE SET subscribed = 1, active = 1",
            )
            .bind(user_id)
            .bind(to_ms(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::temp_store;

    async fn subscribing_is_idempotent_and_survives_a_block() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        assert_eq!(store.subscribe(7, Some("id"), None, now).await.expect("sub"), SubscribeOutcome::Subscribed);
        assert_eq!(store.subscribe(7, Some("id"), None, now).await.expect("sub"), SubscribeOutcome::AlreadySubscribed);
        assert!(store.is_subscribed(7).await.expect("read"));

        // Telegram says the reader blocked the bot: set aside, but still subscribed.
        let chat_id: i64 =
            sqlx::query_scalar("SELECT id FROM chats WHERE telegram_id = 7").fetch_one(&store.pool).await.expect("id");
        store.deactivate_chat(chat_id, "Forbidden: bot was blocked by the user", now).await.expect("deactivate");
        assert!(!store.is_subscribed(7).await.expect("read"));
        assert_eq!(
            store.subscriber_counts(now).await.expect("counts"),
            SubscriberCounts { active: 0, unreachable: 1, new_since: 0 }
        );
        // The reader comes back with /start.
        store.touch_reader(7, Some("en"), Some("reader:en"), now).await.expect("touch");
        assert!(store.is_subscribed(7).await.expect("read"));

        assert_eq!(store.unsubscribe(7, now).await.expect("unsub"), UnsubscribeOutcome::Unsubscribed);
        assert_eq!(store.unsubscribe(7, now).await.expect("unsub"), UnsubscribeOutcome::NotSubscribed);
        assert_eq!(store.subscriber_counts(now).await.expect("counts"), SubscriberCounts::default());
    }

    both_backends!(subscribing_is_idempotent_and_survives_a_block,);
}

use crate::store::Flag;
use chrono::{DateTime, Utc};

use super::outbox::fail_queued_for_chat;
use super::{Store, StoreError, to_ms};
use crate::domain::{ChatKind, ChatRef, ForumTopics, StyleKey};

/// A chat a delivery goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatTarget {
    pub id: i64,
    pub telegram_id: Option<i64>,
    pub username: Option<String>,
    pub kind: ChatKind,
    /// A private reader who wants routine posts without sound in the quiet hours.
    pub quiet_night: bool,
}

impl ChatTarget {
    /// How to address the chat: its numeric id once known (it survives a
    /// username change), else its @username.
    pub fn chat_ref(&self) -> Result<ChatRef, StoreError> {
        match (self.telegram_id, &self.username) {
            (Some(id), _) => Ok(ChatRef::Id(id)),
            (None, Some(name)) => Ok(ChatRef::Username(name.clone())),
            (None, None) => Err(StoreError::Corrupt(format!("chat {} has neither id nor username", self.id))),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ChatRow {
    pub id: i64,
    pub telegram_id: Option<i64>,
    pub username: Option<String>,
    pub kind: String,
    #[sqlx(try_from = "crate::store::Flag")]
    pub quiet_night: bool,
}

impl ChatRow {
    pub(super) fn into_target(self) -> Result<ChatTarget, StoreError> {
        let kind = ChatKind::parse(&self.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("chat {} has unknown kind {:?}", self.id, self.kind)))?;
        let quiet_night = self.quiet_night && kind == ChatKind::Private;
        Ok(ChatTarget { id: self.id, telegram_id: self.telegram_id, username: self.username, kind, quiet_night })
    }
}

impl Store {
    /// Sets (or clears) the forum topics a configured group's posts go to.
    pub async fn set_forum_topics(&self, chat_id: i64, topics: Option<&ForumTopics>) -> Result<(), StoreError> {
        let topics = topics
            .filter(|t| !t.is_empty())
            .map(serde_json::to_string)
            .transpose()
            .map_err(|err| StoreError::Corrupt(err.to_string()))?;
        sqlx::query("UPDATE chats SET topics = $2 WHERE id = $1")
            .bind(chat_id)
            .bind(topics)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Makes the configured channels the post targets, each rendered in its
    /// own style (keyed by the chat reference as configured). Channels removed from
    /// the config stop receiving posts and their pending deliveries are failed;
    /// listed channels are (re)activated, since an operator who lists a chat
    /// that once failed has presumably fixed the bot's rights there.
    pub async fn sync_channels(&self, channels: &[ChatRef], now: DateTime<Utc>) -> Result<Vec<ChatTarget>, StoreError> {
        let now = to_ms(now);
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(channels.len());
        for channel in channels {
            let (telegram_id, username) = match channel {
                ChatRef::Id(id) => (Some(*id), None),
                ChatRef::Username(name) => (None, Some(name.as_str())),
            };
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM chats WHERE ($1 IS NOT NULL AND telegram_id = $1) OR ($2 IS NOT NULL AND username = $2)",
            )
            .bind(telegram_id)
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?;
            let id = match existing {
                Some(id) => {
                    sqlx::query(
                        "UPDATE chats SET is_target = 1, active = 1, deactivated_reason = NULL, updated_at = $2,
                                style = $3
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(now)
                    .bind(StyleKey::Channel(channel.clone()).stored())
                    .execute(&mut *tx)
                    .await?;
                    id
                }
                None => sqlx::query_scalar(
                    "INSERT INTO chats (telegram_id, username, kind, is_target, active, created_at, updated_at, style)
                         VALUES ($1, $2, 'channel', 1, 1, $3, $3, $4) RETURNING id",
                )
                .bind(telegram_id)
                .bind(username)
                .bind(now)
                .bind(StyleKey::Channel(channel.clone()).stored())
                .fetch_one(&mut *tx)
                .await?,
            };
            ids.push(id);
        }
        let removed: Vec<i64> = sqlx::query_scalar("SELECT id FROM chats WHERE is_target = 1")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .filter(|id| !ids.contains(id))
            .collect();
        for id in removed {
            sqlx::query("UPDATE chats SET is_target = 0, updated_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            fail_queued_for_chat(&mut tx, id, "channel removed from the config", now).await?;
        }
        tx.commit().await?;
        let mut targets = Vec::with_capacity(ids.len());
        for id in ids {
            targets.push(self.chat(id).await?.ok_or_else(|| StoreError::Corrupt(format!("chat {id} vanished")))?);
        }
        Ok(targets)
    }

    /// Makes the configured admins' private chats the recipients of alerts
    /// (re-activating them: an admin who once had not started the bot may have since).
    pub async fn sync_admins(&self, user_ids: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
        let now = to_ms(now);
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE chats SET is_admin = 0").execute(&mut *tx).await?;
        for user_id in user_ids {
            sqlx::query(
                "INSERT INTO chats (telegram_id, kind, is_admin, active, created_at, updated_at)
                 VALUES ($1, 'private', 1, 1, $2, $2)
                 ON CONFLICT (telegram_id) DO UPDATE SET is_admin = 1, active = 1, deactivated_reason = NULL,
                                                          updated_at = excluded.updated_at",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn chat(&self, id: i64) -> Result<Option<ChatTarget>, StoreError> {
        let row = sqlx::query_as::<_, ChatRow>(
            "SELECT id, telegram_id, username, kind, quiet_night FROM chats WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(ChatRow::into_target).transpose()
    }

    /// Remembers the numeric id Telegram reported for a chat known by @username.
    /// Ignored if another row already holds that id.
    pub async fn learn_telegram_id(&self, chat_id: i64, telegram_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE chats SET telegram_id = $2 WHERE id = $1 AND telegram_id IS NULL
               AND NOT EXISTS (SELECT 1 FROM chats WHERE telegram_id = $2)",
        )
        .bind(chat_id)
        .bind(telegram_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A group became a supergroup: future posts go to its new id.
    pub async fn migrate_chat(&self, chat_id: i64, new_telegram_id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE chats SET telegram_id = $2, updated_at = $3 WHERE id = $1")
            .bind(chat_id)
            .bind(new_telegram_id)
            .bind(to_ms(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The chat can no longer be posted to: stop posting there and fail what is queued for it.
    pub async fn deactivate_chat(&self, chat_id: i64, reason: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let now = to_ms(now);
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE chats SET active = 0, deactivated_reason = $2, updated_at = $3 WHERE id = $1")
            .bind(chat_id)
            .bind(reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        fail_queued_for_chat(&mut tx, chat_id, reason, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the chat still receives posts.
    pub async fn chat_is_active(&self, chat_id: i64) -> Result<bool, StoreError> {
        let active: Option<Flag> = sqlx::query_scalar("SELECT active FROM chats WHERE id = $1")
            .bind(chat_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(active.is_some_and(bool::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::temp_store;

    async fn sync_is_idempotent_and_usernames_ignore_case() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let first = store
            .sync_channels(&[ChatRef::Username("@KaltimToday".into()), ChatRef::Id(-100555)], now)
            .await
            .expect("sync");
        let again = store
            .sync_channels(&[ChatRef::Username("@kaltimtoday".into()), ChatRef::Id(-100555)], now)
            .await
            .expect("sync");
        assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), again.iter().map(|c| c.id).collect::<Vec<_>>());
        assert_eq!(first[1].chat_ref().expect("ref"), ChatRef::Id(-100555));
    }

    async fn a_learned_id_is_preferred_over_the_username() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let chat = store.sync_channels(&[ChatRef::Username("@kaltimtoday".into())], now).await.expect("sync").remove(0);
        assert_eq!(chat.chat_ref().expect("ref"), ChatRef::Username("@kaltimtoday".into()));
        store.learn_telegram_id(chat.id, -100777).await.expect("learn");
        let chat = store.chat(chat.id).await.expect("read").expect("exists");
        assert_eq!(chat.chat_ref().expect("ref"), ChatRef::Id(-100777));
        // Configured again by name, it is still the same chat.
        let again = store.sync_channels(&[ChatRef::Username("@kaltimtoday".into())], now).await.expect("sync");
        assert_eq!(again[0].id, chat.id);
    }

    async fn deactivation_and_reactivation() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let chat = store.sync_channels(&[ChatRef::Id(-1001)], now).await.expect("sync").remove(0);
        store.deactivate_chat(chat.id, "chat not found", now).await.expect("deactivate");
        assert!(!store.chat_is_active(chat.id).await.expect("read"));
        store.sync_channels(&[ChatRef::Id(-1001)], now).await.expect("sync");
        assert!(store.chat_is_active(chat.id).await.expect("read"));
    }

    both_backends!(
        sync_is_idempotent_and_usernames_ignore_case,
        a_learned_id_is_preferred_over_the_username,
        deactivation_and_reactivation,
    );
}

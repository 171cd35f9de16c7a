//! How each reader wants the news (mode, digest times, quiet night), the
//! configured channels' modes, and the editors' picks.

use crate::store::Flag;
use crate::store::dialect::JsonList;
use chrono::{DateTime, Utc};

use super::articles::articles_by_ids;
use super::{Store, StoreError, to_ms};
use crate::domain::{Article, CategoryKey, DeliveryMode};

/// A reader's settings as /atur shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderSettings {
    pub subscribed: bool,
    pub mode: DeliveryMode,
    /// As stored ("06:00,18:00"); `None`: the first offered time.
    pub digest_times: Option<String>,
    pub quiet_night: bool,
    /// Their /bahasa choice, if any.
    pub language_choice: Option<String>,
}

impl Default for ReaderSettings {
    fn default() -> Self {
        Self {
            subscribed: false,
            mode: DeliveryMode::Every,
            digest_times: None,
            quiet_night: true,
            language_choice: None,
        }
    }
}

/// subscribed, delivery_mode, digest_times, quiet_night, language_choice.
type SettingsRow = (Flag, String, Option<String>, Flag, Option<String>);

/// A setting a reader changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderChange<'a> {
    /// Choosing a mode subscribes: the reader said how they want the news.
    Mode(DeliveryMode),
    DigestTimes(&'a str),
    QuietNight(bool),
}

impl Store {
    /// A reader's settings (the defaults for someone never seen).
    pub async fn reader_settings(&self, user_id: i64) -> Result<ReaderSettings, StoreError> {
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT subscribed = 1 AND active = 1, delivery_mode, digest_times, quiet_night = 1, language_choice
             FROM chats WHERE telegram_id = $1 AND kind = 'private'",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((subscribed, mode, digest_times, quiet_night, language_choice)) = row else {
            return Ok(ReaderSettings::default());
        };
        let mode = DeliveryMode::parse(&mode)
            .ok_or_else(|| StoreError::Corrupt(format!("reader {user_id} has unknown delivery mode {mode:?}")))?;
        Ok(ReaderSettings { subscribed: subscribed.0, mode, digest_times, quiet_night: quiet_night.0, language_choice })
    }

    /// Changes one of a reader's settings (their chat row is created if
    /// needed, with their language and post style).
    pub async fn change_reader_setting(
        &self,
        user_id: i64,
        change: ReaderChange<'_>,
        language: Option<&str>,
        style: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if let ReaderChange::Mode(_) = change {
            super::subscribers::subscribe_in(&mut tx, user_id, language, style, now).await?;
        } else {
            sqlx::query(
                "INSERT INTO chats (telegram_id, kind, active, language, style, created_at, updated_at)
                 VALUES ($1, 'private', 1, $2, $3, $4, $4)
                 ON CONFLICT (telegram_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(language)
            .bind(style)
            .bind(to_ms(now))
            .execute(&mut *tx)
            .await?;
        }
        let (column, value): (&str, Option<String>) = match change {
            ReaderChange::Mode(mode) => ("delivery_mode", Some(mode.as_str().to_owned())),
            ReaderChange::DigestTimes(times) => ("digest_times", Some(times.to_owned())),
            ReaderChange::QuietNight(on) => ("quiet_night", Some(if on { "1" } else { "0" }.to_owned())),
        };
        // The value is bound as text; quiet_night is a number on both backends.
        let value_sql = if column == "quiet_night" { "CAST($2 AS BIGINT)" } else { "$2" };
        sqlx::query(&format!(
            "UPDATE chats SET {column} = {value_sql}, updated_at = $3 WHERE telegram_id = $1 AND kind = 'private'"
        ))
        .bind(user_id)
        .bind(value)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts subscribed readers into `mode` in one transaction (bulk imports,
    /// seeding a benchmark); readers without a chat row are left alone.
    pub async fn set_delivery_mode_many(
        &self,
        user_ids: &[i64],
        mode: DeliveryMode,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let ids = serde_json::to_string(user_ids).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let done = sqlx::query(&format!(
            "UPDATE chats SET delivery_mode = $2, updated_at = $3
             WHERE kind = 'private' AND telegram_id IN (SELECT value FROM {})",
            self.backend.json_list("$1", JsonList::Numbers)
        ))
        .bind(ids)
        .bind(mode.as_str())
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// A configured channel's mode (`[[channels]] mode`).
    pub async fn set_channel_mode(&self, chat_id: i64, mode: DeliveryMode) -> Result<(), StoreError> {
        sqlx::query("UPDATE chats SET delivery_mode = $2 WHERE id = $1 AND is_target = 1")
            .bind(chat_id)
            .bind(mode.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks an article as an editors' pick; `false` if it was one already.
    pub async fn pick(&self, article_id: i64, admin_id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO picks (article_id, admin_id, picked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(article_id)
        .bind(admin_id)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Takes an article off the picks; `false` if it was none.
    pub async fn unpick(&self, article_id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM picks WHERE article_id = $1").bind(article_id).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }

    /// The picks since `since`, newest first: picked with /pilih since then,
    /// or in one of `pick_categories` and got since then.
    pub async fn picks_since(
        &self,
        since: DateTime<Utc>,
        pick_categories: &[String],
        limit: u32,
    ) -> Result<Vec<Article>, StoreError> {
        let keys: Vec<String> = pick_categories.iter().map(|name| CategoryKey::new(name).as_str().to_owned()).collect();
        let keys = serde_json::to_string(&keys).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT a.id FROM articles a
             WHERE a.same_as IS NULL AND a.retracted_at IS NULL
               AND (EXISTS (SELECT 1 FROM picks WHERE picks.article_id = a.id AND picks.picked_at >= $1)
                    OR (a.seen_at >= $1 AND EXISTS (
                        SELECT 1 FROM article_categories ac JOIN categories c ON c.id = ac.category_id
                        WHERE ac.article_id = a.id AND c.key IN (SELECT value FROM {}))))
             ORDER BY a.sort_at DESC, a.id DESC LIMIT $3",
            self.backend.json_list("$2", JsonList::Texts)
        ))
        .bind(to_ms(since))
        .bind(keys)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        articles_by_ids(&self.pool, &ids).await
    }
}

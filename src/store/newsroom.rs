//! What the newsroom sees and switches: pause, pins, alerts, the audit log,
//! /status and /stats figures.

use crate::store::Flag;
use chrono::{DateTime, Utc};

use super::outbox::{Priority, enqueue_for_admins};
use super::{FeedRow, Store, StoreError, from_ms, to_ms};
use crate::domain::{AdminNotice, AlertKey, AuditEntry, RaisedAlert, RecentStory, StatusReport};

impl Store {
    /// Whether routine posting is paused (breaking news and alerts still go).
    pub async fn routine_paused(&self) -> Result<bool, StoreError> {
        let paused: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'paused'").fetch_optional(&self.pool).await?;
        Ok(paused.as_deref() == Some("1"))
    }

    /// Pauses or resumes routine posting; returns whether that changed anything.
    pub async fn set_routine_paused(&self, paused: bool, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'paused'").fetch_optional(&mut *tx).await?;
        let value = if paused { "1" } else { "0" };
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ('paused', $1, $2)
             ON CONFLICT (key) DO UPDATE SET value = $1, updated_at = $2",
        )
        .bind(value)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(before.as_deref().unwrap_or("0") != value)
    }

    /// Raises an alert and tells the admins with `notice` — only if it was
    /// not raised already, in one transaction. Returns whether it was raised now.
    pub async fn raise_alert(
        &self,
        key: AlertKey,
        detail: &str,
        notice: &impl AdminNotice,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let raised =
            sqlx::query("INSERT INTO alerts (key, raised_at, detail) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(key.to_string())
                .bind(to_ms(now))
                .bind(detail)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if raised == 0 {
            return Ok(false);
        }
        enqueue_for_admins(&mut tx, notice, Priority::Alert, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Clears a raised alert and tells the admins it is over with `notice`.
    /// Returns whether it was raised.
    pub async fn clear_alert(
        &self,
        key: AlertKey,
        notice: &impl AdminNotice,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let cleared = sqlx::query("DELETE FROM alerts WHERE key = $1")
            .bind(key.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if cleared == 0 {
            return Ok(false);
        }
        enqueue_for_admins(&mut tx, notice, Priority::Alert, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn alert_raised(&self, key: AlertKey) -> Result<Option<RaisedAlert>, StoreError> {
        let row: Option<(i64, Option<String>)> = sqlx::query_as("SELECT raised_at, detail FROM alerts WHERE key = $1")
            .bind(key.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(raised_at, detail)| RaisedAlert { key, raised_at: from_ms(raised_at), detail }))
    }

    /// The alerts raised now (keys this Warta does not know are left out).
    pub async fn raised_alerts(&self) -> Result<Vec<RaisedAlert>, StoreError> {
        let rows: Vec<(String, i64, Option<String>)> =
            sqlx::query_as("SELECT key, raised_at, detail FROM alerts ORDER BY raised_at")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(key, raised_at, detail)| {
                Some(RaisedAlert { key: AlertKey::parse(&key)?, raised_at: from_ms(raised_at), detail })
            })
            .collect())
    }

    /// Feeds that fetch fine but brought nothing new since `since`.
    pub async fn silent_feeds(&self, since: DateTime<Utc>) -> Result<Vec<FeedRow>, StoreError> {
        Ok(self
            .active_feeds()
            .await?
            .into_iter()
            .filter(|feed| feed.error_count == 0 && feed.primed_at.is_some())
            .filter(|feed| feed.last_new_at.or(feed.primed_at).is_some_and(|at| at < to_ms(since)))
            .collect())
    }

    /// Deliveries that went dead since `since`.
    pub async fn dead_since(&self, since: DateTime<Utc>) -> Result<i64, StoreError> {
        let dead = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'dead' AND updated_at >= $1")
            .bind(to_ms(since))
            .fetch_one(&self.pool)
            .await?;
        Ok(dead)
    }

    /// Records an admin action.
    pub async fn audit(
        &self,
        admin_id: i64,
        action: &str,
        target: Option<&str>,
        detail: Option<&str>,
        recipients: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (at, admin_id, action, target, detail, recipients) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(to_ms(now))
        .bind(admin_id)
        .bind(action)
        .bind(target)
        .bind(detail)
        .bind(recipients)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest admin actions, newest first.
    pub async fn recent_audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        type Row = (i64, i64, String, Option<String>, Option<String>, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT at, admin_id, action, target, detail, recipients FROM audit_log ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, admin_id, action, target, detail, recipients)| AuditEntry {
                at: from_ms(at),
                admin_id,
                action,
                target,
                detail,
                recipients,
            })
            .collect())
    }

    /// Everything /status shows; `week_start` bounds "new subscribers".
    pub async fn status_report(&self, week_start: DateTime<Utc>, recent: u32) -> Result<StatusReport, StoreError> {
        let rate_limited = sqlx::query_scalar(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND last_error LIKE 'flood control%'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(StatusReport {
            feeds: self.active_feeds().await?.iter().map(FeedRow::status).collect(),
            outbox: self.outbox_counts().await?,
            rate_limited,
            subscribers: self.subscriber_counts(week_start).await?,
            recent: self.recent_stories(recent).await?,
            alerts: self.raised_alerts().await?,
            paused: self.routine_paused().await?,
            cluster: self.cluster_status().await?,
        })
    }

    /// The newest stories (articles posted, breaking news sent) with their send counts.
    pub async fn recent_stories(&self, limit: u32) -> Result<Vec<RecentStory>, StoreError> {
        type Row = (i64, Option<String>, Flag, i64, i64, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "WITH stories AS (
                 SELECT MIN(p.id) AS post_id, MIN(p.article_id) AS article_id, p.breaking_id,
                        MIN(p.created_at) AS created_at
                 FROM posts p WHERE p.article_id IS NOT NULL OR p.breaking_id IS NOT NULL
                 GROUP BY p.breaking_id, CASE WHEN p.breaking_id IS NULL THEN p.article_id END
                 ORDER BY post_id DESC LIMIT $1)
             SELECT s.post_id,
                    COALESCE(b.text, a.title, ba.title),
                    s.breaking_id IS NOT NULL,
                    s.created_at,
                    (SELECT COUNT(*) FROM deliveries d JOIN posts q ON q.id = d.post_id
                      WHERE (q.breaking_id = s.breaking_id OR (s.breaking_id IS NULL AND q.article_id = s.article_id
                                                              AND q.breaking_id IS NULL))
                        AND d.action = 'send' AND d.status = 'sent'),
                    (SELECT COUNT(*) FROM deliveries d JOIN posts q ON q.id = d.post_id
                      WHERE (q.breaking_id = s.breaking_id OR (s.breaking_id IS NULL AND q.article_id = s.article_id
                                                              AND q.breaking_id IS NULL))
                        AND d.action = 'send' AND d.status IN ('pending', 'sending')),
                    (SELECT COUNT(*) FROM deliveries d JOIN posts q ON q.id = d.post_id
                      WHERE (q.breaking_id = s.breaking_id OR (s.breaking_id IS NULL AND q.article_id = s.article_id
                                                              AND q.breaking_id IS NULL))
                        AND d.action = 'send' AND d.status IN ('failed', 'dead'))
             FROM stories s
             LEFT JOIN articles a ON a.id = s.article_id
             LEFT JOIN breaking b ON b.id = s.breaking_id
             LEFT JOIN articles ba ON ba.id = b.article_id
             ORDER BY s.post_id DESC",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(post_id, title, breaking, created_at, sent, pending, failed)| RecentStory {
                post_id,
                title: title.unwrap_or_default(),
                breaking: breaking.0,
                created_at: from_ms(created_at),
                sent,
                pending,
                failed,
            })
            .collect())
    }

    /// When each story of the period was first posted (for posts per day).
    pub async fn story_times_since(&self, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let times: Vec<i64> = sqlx::query_scalar(
            "SELECT MIN(created_at) FROM posts
             WHERE (article_id IS NOT NULL OR breaking_id IS NOT NULL) AND created_at >= $1
               AND EXISTS (SELECT 1 FROM deliveries d WHERE d.post_id = posts.id AND d.action = 'send')
             GROUP BY COALESCE('b' || breaking_id, 'a' || article_id)",
        )
        .bind(to_ms(since))
        .fetch_all(&self.pool)
        .await?;
        Ok(times.into_iter().map(from_ms).collect())
    }

    /// When each reader who ever subscribed did, and when they stopped
    /// (unsubscribed or became unreachable), for subscriber growth.
    pub async fn subscription_spans(&self) -> Result<Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>, StoreError> {
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT subscribed_at,
                    CASE WHEN subscribed = 1 AND active = 1 THEN NULL
                         ELSE COALESCE(unsubscribed_at, updated_at) END
             FROM chats WHERE kind = 'private' AND subscribed_at IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(from, until)| (from_ms(from), until.map(from_ms))).collect())
    }
}

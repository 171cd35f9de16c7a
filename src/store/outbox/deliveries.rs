use crate::store::Flag;
use crate::store::dialect::JsonList;
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};
use url::Url;

use super::Priority;
use crate::domain::{Article, ChatKind, LinkButton, LinkPreview, NewPost, OutboxCounts, PhotoPost, PhotoSource, Post};
use crate::store::articles::articles_by_ids;
use crate::store::chats::ChatRow;
use crate::store::{ChatTarget, Store, StoreError, duration_ms, from_ms, to_ms};

/// What a delivery does to its chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryAction {
    /// Send the post as a new message.
    Send,
    /// Edit `target_message_id` to show the post.
    Edit,
    /// Delete `target_message_id`.
    Delete,
    /// Pin `target_message_id` (breaking news in a channel or group).
    Pin,
    /// Unpin `target_message_id` when its time is up.
    Unpin,
    /// Take the buttons off `target_message_id` (an expired preview).
    ClearButtons,
}

impl DeliveryAction {
    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "send" => Some(Self::Send),
            "edit" => Some(Self::Edit),
            "delete" => Some(Self::Delete),
            "pin" => Some(Self::Pin),
            "unpin" => Some(Self::Unpin),
            "clear_buttons" => Some(Self::ClearButtons),
            _ => None,
        }
    }
}

/// id, post_id, chat_id, attempts, action, target_message_id, sent_as, priority, thread_id,
/// and whether more sends of that priority wait for the chat
type ClaimedRow = (i64, i64, i64, i64, String, Option<i32>, Option<String>, i64, Option<i32>, Flag);

/// While admins have paused routine posting (/jeda), only deliveries above
/// routine priority (breaking news, alerts, admins' corrections) are due.
const NOT_PAUSED: &str = "(d.priority > 0 OR NOT EXISTS (SELECT 1 FROM settings WHERE key = 'paused' AND value = '1'))";

/// How a post went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentAs {
    Text,
    Photo,
    /// One line of a message listing several new stories (a reader's backlog
    /// sent together): never edited or deleted for one story's sake.
    List,
}

impl SentAs {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Photo => "photo",
            Self::List => "list",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "text" => Some(Self::Text),
            "photo" => Some(Self::Photo),
            "list" => Some(Self::List),
            _ => None,
        }
    }
}

/// A delivery claimed for sending, with everything needed to send it.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    /// Attempts so far, this one included.
    pub attempts: u32,
    pub action: DeliveryAction,
    /// The message an edit or delete applies to.
    pub target_message_id: Option<i32>,
    /// For an edit: how the target message went out (a caption is edited differently).
    pub target_sent_as: Option<SentAs>,
    pub priority: i64,
    /// The forum topic to post in (`message_thread_id`).
    pub thread_id: Option<i32>,
    pub post: Post,
    pub chat: ChatTarget,
    /// A reader's backlog claimed together: this delivery's article and the
    /// chat's other routine posts waiting (at most [`MAX_TOGETHER`] in all),
    /// to be sent as one message. Empty when there is no backlog.
    pub together: Vec<TogetherPost>,
    /// The style the post was rendered in (the reader's language).
    pub style: Option<String>,
}

impl ClaimedDelivery {
    /// The ids of every delivery this claim holds.
    pub fn delivery_ids(&self) -> Vec<i64> {
        if self.together.is_empty() { vec![self.id] } else { self.together.iter().map(|t| t.delivery_id).collect() }
    }
}

/// One story of a reader's backlog sent together, as it is now (a correction
/// already applied).
#[derive(Debug, Clone)]
pub struct TogetherPost {
    pub delivery_id: i64,
    pub article: Article,
}

/// The most stories one backlog message lists; the rest go in the next one.
/// Twenty linked titles always fit in a message (the list gives each title
/// its share of the 4,096 characters).
pub const MAX_TOGETHER: usize = 20;

#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    article_id: Option<i64>,
    html: String,
    plain: String,
    button_text: Option<String>,
    button_url: Option<String>,
    link_preview: i64,
    photo_url: Option<String>,
    photo_file_id: Option<String>,
    caption_html: Option<String>,
    caption_plain: Option<String>,
    #[sqlx(try_from = "crate::store::Flag")]
    silent: bool,
    #[sqlx(try_from = "crate::store::Flag")]
    pin: bool,
    style: Option<String>,
}

impl PostRow {
    fn into_post(self) -> Post {
        let button = match (self.button_text, self.button_url.as_deref().and_then(|u| Url::parse(u).ok())) {
            (Some(text), Some(url)) => Some(LinkButton { text, url }),
            _ => None,
        };
        let source = match (self.photo_file_id, self.photo_url.as_deref().and_then(|u| Url::parse(u).ok())) {
            (Some(file_id), _) => Some(PhotoSource::TelegramFile(file_id)),
            (None, Some(url)) => Some(PhotoSource::Web(url)),
            (None, None) => None,
        };
        let photo = match (source, self.caption_html, self.caption_plain) {
            (Some(source), Some(caption_html), Some(caption_plain)) => {
                Some(PhotoPost { source, caption_html, caption_plain })
            }
            _ => None,
        };
        Post {
            id: self.id,
            article_id: self.article_id,
            pin: self.pin,
            content: NewPost {
                html: self.html,
                plain: self.plain,
                photo,
                button,
                link_preview: LinkPreview::from_i64(self.link_preview),
                silent: self.silent,
            },
        }
    }
}

impl Store {
    /// Claims the next due delivery under a lease (see [`Store::claim_batch`]).
    pub async fn claim_next(&self, now: DateTime<Utc>, lease: Duration) -> Result<Option<ClaimedDelivery>, StoreError> {
        Ok(self.claim_batch(now, lease, 1).await?.into_iter().next())
    }

    /// Claims up to `max` due deliveries under a lease, in one
    /// `UPDATE … RETURNING`, highest priority first.
    ///
    /// A delivery is due when it is pending and its time has come. Each chat
    /// has one delivery at a time in flight, and its next one is the oldest of
    /// its highest priority: posts reach a chat in order even when an earlier
    /// one waits for a retry, breaking news overtakes a chat's routine posts,
    /// and a batch never holds two deliveries for one chat.
    pub async fn claim_batch(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        max: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let now_ms = to_ms(now);
        let mut rows: Vec<ClaimedRow> = sqlx::query_as(&format!(
            "UPDATE deliveries
             SET status = 'sending', lease_until = $2, attempts = attempts + 1, updated_at = $1
             WHERE {still_pending} AND {fence} AND id IN (
                 SELECT d.id FROM deliveries d JOIN chats c ON c.id = d.chat_id
                 WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND c.active = 1 AND {NOT_PAUSED}
                   AND NOT EXISTS (
                       SELECT 1 FROM deliveries e
                       WHERE e.chat_id = d.chat_id AND e.id != d.id
                         AND (e.status = 'sending'
                              OR (e.status = 'pending'
                                  AND (e.priority > d.priority OR (e.priority = d.priority AND e.id < d.id)))))
                 ORDER BY d.priority DESC, d.next_attempt_at, d.id
                 LIMIT $3)
             RETURNING id, post_id, chat_id, attempts, action, target_message_id, sent_as, priority, thread_id,
                       EXISTS (SELECT 1 FROM deliveries e
                               WHERE e.chat_id = deliveries.chat_id AND e.status = 'pending'
                                 AND e.action = 'send' AND e.priority = deliveries.priority)",
            still_pending = self.claim_recheck(),
            fence = self.fence_condition()
        ))
        .bind(now_ms)
        .bind(now_ms.saturating_add(duration_ms(lease)))
        .bind(i64::from(max))
        .fetch_all(&self.pool)
        .await?;
        rows.sort_by_key(|row| (std::cmp::Reverse(row.7), row.0));
        let mut posts: HashMap<i64, (Post, Option<String>)> = HashMap::new();
        let mut chats = self.chats_by_id(rows.iter().map(|row| row.2)).await?;
        let mut claimed = Vec::with_capacity(rows.len());
        let mut backlogged = Vec::new();
        for (id, post_id, chat_id, attempts, action, target_message_id, sent_as, priority, thread_id, backlog) in rows {
            if backlog.0 {
                backlogged.push(chat_id);
            }
            let action = DeliveryAction::parse(&action)
                .ok_or_else(|| StoreError::Corrupt(format!("delivery {id} has unknown action {action:?}")))?;
            let (post, style) = match posts.get(&post_id) {
                Some(post) => post.clone(),
                None => {
                    let post = self.post(post_id).await?;
                    posts.insert(post_id, post.clone());
                    post
                }
            };
            let chat = chats.remove(&chat_id).ok_or_else(|| StoreError::Corrupt(format!("chat {chat_id} vanished")))?;
            claimed.push(ClaimedDelivery {
                id,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                action,
                target_message_id,
                target_sent_as: sent_as.as_deref().and_then(SentAs::parse),
                priority,
                thread_id,
                post,
                chat,
                together: Vec::new(),
                style,
            });
        }
        if !backlogged.is_empty() {
            self.claim_backlogs(&mut claimed, &backlogged, now, lease).await?;
        }
        Ok(claimed)
    }

    /// For each claimed routine post to a reader (a private chat), claims the
    /// chat's other routine posts waiting, oldest first, so the backlog goes
    /// out as one message: a reader is never more than one pass over the
    /// subscriber list behind, whatever the article rate.
    async fn claim_backlogs(
        &self,
        claimed: &mut [ClaimedDelivery],
        backlogged: &[i64],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), StoreError> {
        let heads: Vec<i64> = claimed
            .iter()
            .filter(|c| {
                backlogged.contains(&c.chat.id)
                    && c.chat.kind == crate::domain::ChatKind::Private
                    && c.action == DeliveryAction::Send
                    && c.priority == Priority::Routine.as_i64()
                    && c.post.article_id.is_some()
            })
            .map(|c| c.chat.id)
            .collect();
        if heads.is_empty() {
            return Ok(());
        }
        let now_ms = to_ms(now);
        // CROSS JOIN keeps SQLite's join order: each head's rows by the chat
        // index, not every pending routine row of the outbox by status.
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
            "UPDATE deliveries
             SET status = 'sending', lease_until = $2, attempts = attempts + 1, updated_at = $1
             WHERE {still_pending} AND {fence} AND id IN (
                 SELECT id FROM (
                     SELECT d.id, ROW_NUMBER() OVER (PARTITION BY d.chat_id ORDER BY d.id) AS n
                     FROM {} CROSS JOIN deliveries d JOIN posts p ON p.id = d.post_id
                     WHERE d.chat_id = value AND d.status = 'pending'
                       AND d.action = 'send' AND d.priority = $4 AND p.article_id IS NOT NULL) AS numbered
                 WHERE n < $5)
             RETURNING id, chat_id, (SELECT article_id FROM posts WHERE posts.id = deliveries.post_id)",
            self.backend.json_list("$3", JsonList::Numbers),
            still_pending = self.claim_recheck(),
            fence = self.fence_condition()
        ))
        .bind(now_ms)
        .bind(now_ms.saturating_add(duration_ms(lease)))
        .bind(serde_json::to_string(&heads).map_err(|err| StoreError::Corrupt(err.to_string()))?)
        .bind(Priority::Routine.as_i64())
        .bind(i64::try_from(MAX_TOGETHER).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut backlog: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
        // Every article of every backlog (the heads' too), read in one query.
        let mut wanted: Vec<i64> =
            rows.iter().map(|row| row.2).chain(claimed.iter().filter_map(|c| c.post.article_id)).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let articles: HashMap<i64, Article> =
            articles_by_ids(&self.pool, &wanted).await?.into_iter().map(|article| (article.id, article)).collect();
        for (delivery_id, chat_id, article_id) in rows {
            backlog.entry(chat_id).or_default().push((delivery_id, article_id));
        }
        for head in claimed.iter_mut() {
            let Some(mut rest) = backlog.remove(&head.chat.id) else { continue };
            let Some(article_id) = head.post.article_id else { continue };
            rest.sort_unstable();
            rest.insert(0, (head.id, article_id));
            let mut together = Vec::with_capacity(rest.len());
            for (delivery_id, article_id) in rest {
                let article = articles.get(&article_id).cloned().ok_or_else(|| {
                    StoreError::Corrupt(format!("article {article_id} of delivery {delivery_id} vanished"))
                })?;
                together.push(TogetherPost { delivery_id, article });
            }
            head.together = together;
        }
        Ok(())
    }

    /// The chats with these ids, in one query.
    async fn chats_by_id(&self, ids: impl Iterator<Item = i64>) -> Result<HashMap<i64, ChatTarget>, StoreError> {
        let ids: Vec<i64> = ids.collect();
        let mut chats = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let placeholders = crate::store::dialect::placeholders(1, chunk.len());
            let sql =
                format!("SELECT id, telegram_id, username, kind, quiet_night FROM chats WHERE id IN ({placeholders})");
            let mut query = sqlx::query_as::<_, ChatRow>(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let chat = row.into_target()?;
                chats.insert(chat.id, chat);
            }
        }
        Ok(chats)
    }

    /// The outer check of a claim's `UPDATE … WHERE id IN (picked)`.
    /// PostgreSQL needs it: under READ COMMITTED a picked row that a concurrent
    /// statement changed meanwhile is read again, and must not be claimed
    /// unless still pending. SQLite runs the statement alone under its write
    /// lock, so the pick's own check holds; there the outer check misleads its
    /// planner (no table statistics) into walking every pending row by the
    /// status index instead of looking up the picked ids — 9 ms a claim with
    /// 100,000 waiting instead of 0.2 ms.
    fn claim_recheck(&self) -> &'static str {
        self.backend.pick("1 = 1", "status = 'pending'")
    }

    /// A post, and the style it was rendered in.
    async fn post(&self, post_id: i64) -> Result<(Post, Option<String>), StoreError> {
        let post = sqlx::query_as::<_, PostRow>(
            "SELECT id, article_id, html, plain, button_text, button_url, link_preview, photo_url, photo_file_id,
                    caption_html, caption_plain, silent, pin, style
             FROM posts WHERE id = $1",
        )
        .bind(post_id)
        .fetch_one(&self.pool)
        .await?;
        let style = post.style.clone();
        Ok((post.into_post(), style))
    }

    /// While running: claims whose lease ran out and that no send in this
    /// process holds (their task ended but the release could not be written,
    /// e.g. on a full disk) are due again, so their chats are not stuck.
    pub async fn release_orphaned_claims(&self, now: DateTime<Utc>, in_flight: &[i64]) -> Result<u64, StoreError> {
        let held = serde_json::to_string(in_flight).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let released = sqlx::query(&format!(
            "UPDATE deliveries SET status = 'pending', lease_until = NULL, updated_at = $1
             WHERE status = 'sending' AND lease_until <= $1
               AND id NOT IN (SELECT value FROM {})",
            self.backend.json_list("$2", JsonList::Numbers)
        ))
        .bind(to_ms(now))
        .bind(held)
        .execute(&self.pool)
        .await?;
        Ok(released.rows_affected())
    }

    /// At start, under the instance lock, every delivery still marked as being
    /// sent belonged to a process that died: it is due again at once. (Some of
    /// them may have reached Telegram before the crash: the only duplicates.)
    pub async fn release_all_claims(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let released = sqlx::query(
            "UPDATE deliveries SET status = 'pending', lease_until = NULL, next_attempt_at = CASE WHEN next_attempt_at < $1 THEN next_attempt_at ELSE $1 END,
                    updated_at = $1
             WHERE status = 'sending'",
        )
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(released.rows_affected())
    }

    /// Records a delivery as done; a sent breaking post gets its pin
    /// enqueued, a done unpin is noted on the pin.
    pub async fn mark_sent(
        &self,
        delivery_id: i64,
        message_id: i32,
        sent_as: SentAs,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        mark_sent_in(&mut tx, delivery_id, message_id, sent_as, now).await?;
        // What follows from it, in the same transaction so it is never lost.
        pin_after_send(&mut tx, delivery_id, message_id, now).await?;
        note_unpinned(&mut tx, delivery_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a claimed delivery as done, with what follows from it (as
    /// [`Store::mark_sent`]). When nothing can follow — not a pinned post in a
    /// channel or group, not an unpin — it is the one UPDATE, written alone
    /// ([`Store::write_alone`]): the worker records every message it sends.
    pub async fn record_sent(
        &self,
        claimed: &ClaimedDelivery,
        message_id: i32,
        sent_as: SentAs,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let pins = claimed.action == DeliveryAction::Send && claimed.post.pin && claimed.chat.kind != ChatKind::Private;
        if pins || claimed.action == DeliveryAction::Unpin {
            return self.mark_sent(claimed.id, message_id, sent_as, now).await;
        }
        self.write_alone(mark_sent_query(claimed.id, message_id, sent_as, now)).await?;
        Ok(())
    }

    /// Records a reader's backlog as sent in one message: every delivery of it
    /// is done, with that message.
    pub async fn mark_sent_together(
        &self,
        delivery_ids: &[i64],
        message_id: i32,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let statement = format!(
            "UPDATE deliveries SET status = 'sent', message_id = $2, lease_until = NULL, last_error = NULL,
                    sent_at = $3, updated_at = $3, sent_as = $4
             WHERE id IN (SELECT value FROM {})",
            self.backend.json_list("$1", JsonList::Numbers)
        );
        let ids = serde_json::to_string(delivery_ids).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let query = sqlx::query(&statement).bind(ids).bind(message_id).bind(to_ms(now)).bind(SentAs::List.as_str());
        self.write_alone(query).await?;
        Ok(())
    }

    /// Puts a claimed delivery back to pending until `at`. A flood-control
    /// wait (`counts_as_attempt == false`) does not use up an attempt.
    pub async fn retry_delivery_at(
        &self,
        delivery_id: i64,
        at: DateTime<Utc>,
        error: &str,
        counts_as_attempt: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = $2, lease_until = NULL, last_error = $3,
                    attempts = CASE WHEN $4 THEN attempts ELSE CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END END, updated_at = $5
             WHERE id = $1",
        )
        .bind(delivery_id)
        .bind(to_ms(at))
        .bind(error)
        .bind(counts_as_attempt)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Returns a claimed delivery unsent (e.g. at shutdown), without using up an attempt.
    pub async fn release_delivery(&self, delivery_id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET status = 'pending', lease_until = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = $2
             WHERE id = $1 AND status = 'sending'",
        )
        .bind(delivery_id)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A permanent failure: Telegram refused this post for this chat for good.
    pub async fn mark_failed(&self, delivery_id: i64, error: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.finish_unsent(delivery_id, "failed", error, now).await
    }

    /// Retries are exhausted: set aside for an operator to look at.
    pub async fn mark_dead(&self, delivery_id: i64, error: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.finish_unsent(delivery_id, "dead", error, now).await
    }

    async fn finish_unsent(
        &self,
        delivery_id: i64,
        status: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET status = $2, last_error = $3, lease_until = NULL, updated_at = $4 WHERE id = $1",
        )
        .bind(delivery_id)
        .bind(status)
        .bind(error)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// When the next claimable delivery becomes due (the retry time of a chat's
    /// oldest pending delivery, or an expiring lease), if any.
    pub async fn next_delivery_due_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let due: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT MIN(at) FROM (
                 SELECT MIN(d.next_attempt_at) AS at FROM deliveries d JOIN chats c ON c.id = d.chat_id
                 WHERE d.status = 'pending' AND c.active = 1 AND {NOT_PAUSED}
                   AND NOT EXISTS (
                       SELECT 1 FROM deliveries e
                       WHERE e.chat_id = d.chat_id AND e.id != d.id
                         AND (e.status = 'sending'
                              OR (e.status = 'pending'
                                  AND (e.priority > d.priority OR (e.priority = d.priority AND e.id < d.id)))))
                 UNION ALL
                 SELECT MIN(lease_until) FROM deliveries WHERE status = 'sending') AS due"
        ))
        .fetch_one(&self.pool)
        .await?;
        Ok(due.map(from_ms))
    }

    /// When the article was published (or first seen, if earlier), if the
    /// send just recorded was the first of any of its posts.
    pub async fn first_send_of_article(&self, article_id: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
        let published: Option<i64> = sqlx::query_scalar(
            "SELECT a.sort_at FROM articles a
             WHERE a.id = $1
               AND (SELECT COUNT(*) FROM deliveries d JOIN posts p ON p.id = d.post_id
                    WHERE p.article_id = a.id AND d.action = 'send' AND d.status = 'sent') = 1",
        )
        .bind(article_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(published.map(from_ms))
    }

    /// Routine deliveries waiting (those a pause holds back).
    pub async fn routine_pending(&self) -> Result<i64, StoreError> {
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND priority <= $1")
            .bind(Priority::Routine.as_i64())
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetch_all(&self.pool).await?;
        let mut counts = OutboxCounts::default();
        for (status, count) in rows {
            match status.as_str() {
                "pending" => counts.pending = count,
                "sending" => counts.sending = count,
                "sent" => counts.sent = count,
                "failed" => counts.failed = count,
                "dead" => counts.dead = count,
                other => return Err(StoreError::Corrupt(format!("unknown delivery status {other:?}"))),
            }
        }
        Ok(counts)
    }
}

pub(super) async fn mark_sent_in(
    tx: &mut Transaction<'_, Any>,
    delivery_id: i64,
    message_id: i32,
    sent_as: SentAs,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    mark_sent_query(delivery_id, message_id, sent_as, now).execute(&mut **tx).await?;
    Ok(())
}

fn mark_sent_query(
    delivery_id: i64,
    message_id: i32,
    sent_as: SentAs,
    now: DateTime<Utc>,
) -> sqlx::query::Query<'static, Any, sqlx::any::AnyArguments<'static>> {
    sqlx::query(
        "UPDATE deliveries SET status = 'sent', message_id = $2, lease_until = NULL, last_error = NULL,
                sent_at = $3, updated_at = $3, sent_as = $4
         WHERE id = $1",
    )
    .bind(delivery_id)
    .bind(message_id)
    .bind(to_ms(now))
    .bind(sent_as.as_str())
}

/// After a breaking post reached a channel or group: its pin, as a delivery.
async fn pin_after_send(
    tx: &mut Transaction<'_, Any>,
    delivery_id: i64,
    message_id: i32,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO deliveries (post_id, chat_id, action, target_message_id, status, next_attempt_at,
                                           created_at, updated_at, priority)
         SELECT d.post_id, d.chat_id, 'pin', $2, 'pending', $3, $3, $3, $4
         FROM deliveries d JOIN posts p ON p.id = d.post_id JOIN chats c ON c.id = d.chat_id
         WHERE d.id = $1 AND d.action = 'send' AND p.pin = 1 AND c.kind != 'private'
         ON CONFLICT DO NOTHING",
    )
    .bind(delivery_id)
    .bind(message_id)
    .bind(to_ms(now))
    .bind(Priority::FollowUp.as_i64())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// After an unpin went through: the pin is over.
async fn note_unpinned(tx: &mut Transaction<'_, Any>, delivery_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE pins SET unpinned_at = (SELECT sent_at FROM deliveries WHERE id = $1)
         WHERE (chat_id, message_id) IN
               (SELECT chat_id, target_message_id FROM deliveries WHERE id = $1 AND action = 'unpin')",
    )
    .bind(delivery_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Fails what is queued or in flight for a chat that can no longer be posted
/// to (gone, or removed from the config), in the caller's transaction.
pub(in crate::store) async fn fail_queued_for_chat(
    tx: &mut Transaction<'_, Any>,
    chat_id: i64,
    reason: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE deliveries SET status = 'failed', last_error = $2, lease_until = NULL, updated_at = $3
         WHERE chat_id = $1 AND status IN ('pending', 'sending')",
    )
    .bind(chat_id)
    .bind(reason)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ArticleKey, ChatRef, NewArticle};
    use crate::store::testing::{record, temp_store};

    const LEASE: Duration = Duration::from_secs(60);

    fn article(title: &str) -> NewArticle {
        NewArticle {
            key: ArticleKey::from_title(title),
            title: title.into(),
            link: None,
            summary_html: None,
            content_html: None,
            author: None,
            categories: vec![],
            tags: vec![],
            page_photo: None,
            image_url: None,
            published_at: None,
        }
    }

    /// A store with two channels and `titles` posted (after a priming fetch).
    async fn a_photo_keeps_its_source_web_image_or_telegram_file() {
        let (store, _dir, now) = outbox_with(&[]).await;
        let web = Url::parse("https://kaltimtoday.co/wp-content/uploads/banjir.jpg").expect("url");
        let photos = [
            PhotoPost { source: PhotoSource::Web(web), caption_html: "<b>A</b>".into(), caption_plain: "A".into() },
            PhotoPost::telegram_file("AgACAgIAAx-_9", "<b>B</b>".into(), "B".into()),
        ];
        for photo in &photos {
            let post = NewPost { photo: Some(photo.clone()), ..NewPost::text("x".into(), "x".into()) };
            store
                .enqueue_post_for(&post, crate::store::Audience::Readers, Priority::Routine, now)
                .await
                .expect("enqueue");
        }
        let mut stored = Vec::new();
        while let Some(claimed) = store.claim_next(now, LEASE).await.expect("claim") {
            store.mark_sent(claimed.id, 1, SentAs::Photo, now).await.expect("sent");
            stored.push(claimed.post.content.photo.expect("a photo"));
        }
        stored.dedup();
        assert_eq!(stored, photos);
    }

    async fn outbox_with(titles: &[&str]) -> (Store, crate::store::testing::TempDatabase, DateTime<Utc>) {
        let (store, dir, feed_id) = primed_outbox(&[-1001, -1002]).await;
        let articles: Vec<_> = titles.iter().map(|t| article(t)).collect();
        record(&store, feed_id, &articles, 0).await;
        (store, dir, Utc::now())
    }

    /// A store with `channels` and a feed whose first fetch primed it: the
    /// feed's next articles are posted. Returns the feed's id.
    async fn primed_outbox(channels: &[i64]) -> (Store, crate::store::testing::TempDatabase, i64) {
        let (store, dir) = temp_store().await;
        let now = Utc::now();
        let feed = store
            .sync_feeds(&[(Url::parse("https://a.id/feed").expect("url"), None)], now)
            .await
            .expect("sync")
            .remove(0);
        let channels: Vec<ChatRef> = channels.iter().map(|id| ChatRef::Id(*id)).collect();
        store.sync_channels(&channels, now).await.expect("channels");
        record(&store, feed.id, &[], 0).await;
        (store, dir, feed.id)
    }

    async fn claims_in_order_and_never_twice() {
        let (store, _dir, now) = outbox_with(&["A", "B"]).await;
        let first = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        assert_eq!((first.post.content.html.as_str(), first.chat.telegram_id), ("A", Some(-1001)));
        assert_eq!(first.attempts, 1);
        // The next claim is for the other chat: chat 1's "B" waits behind "A".
        let second = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        assert_eq!((second.post.content.html.as_str(), second.chat.telegram_id), ("A", Some(-1002)));
        assert!(store.claim_next(now, LEASE).await.expect("claim").is_none(), "both heads are leased");

        store.mark_sent(first.id, 10, SentAs::Text, now).await.expect("sent");
        let third = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        assert_eq!((third.post.content.html.as_str(), third.chat.telegram_id), ("B", Some(-1001)));
    }

    async fn a_waiting_delivery_holds_back_later_posts_to_the_same_chat() {
        let (store, _dir, now) = outbox_with(&["A", "B"]).await;
        let a1 = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        let a2 = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        store.mark_sent(a2.id, 1, SentAs::Text, now).await.expect("sent");
        let later = now + chrono::Duration::seconds(5);
        store.retry_delivery_at(a1.id, later, "429", false, now).await.expect("retry");
        // Chat 2 may go on with B; chat 1 must wait for A.
        let b2 = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        assert_eq!((b2.post.content.html.as_str(), b2.chat.telegram_id), ("B", Some(-1002)));
        store.mark_sent(b2.id, 2, SentAs::Text, now).await.expect("sent");
        assert!(store.claim_next(now, LEASE).await.expect("claim").is_none());
        assert_eq!(store.next_delivery_due_at().await.expect("due").map(to_ms), Some(to_ms(later)));
        let retried = store.claim_next(later, LEASE).await.expect("claim").expect("due");
        assert_eq!((retried.id, retried.attempts), (a1.id, 1), "a flood wait does not use up an attempt");
    }

    async fn an_expired_lease_is_released_and_claimed_again() {
        let (store, _dir, now) = outbox_with(&["A"]).await;
        let first = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        let _other_chat = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        assert_eq!(store.release_orphaned_claims(now + chrono::Duration::seconds(59), &[]).await.expect("release"), 0);
        assert!(store.claim_next(now + chrono::Duration::seconds(59), LEASE).await.expect("claim").is_none());
        // A claim this process still holds (its send is being recorded) stays claimed.
        let expired = now + chrono::Duration::seconds(61);
        assert_eq!(store.release_orphaned_claims(expired, &[first.id]).await.expect("release"), 1);
        assert_eq!(store.release_orphaned_claims(expired, &[]).await.expect("release"), 1);
        let again =
            store.claim_next(now + chrono::Duration::seconds(61), LEASE).await.expect("claim").expect("expired");
        assert_eq!(again.id, first.id);
        assert_eq!(again.attempts, 2);
        // At start, under the instance lock, every claim is released at once.
        assert_eq!(store.release_all_claims(now).await.expect("release"), 1);
    }

    async fn a_higher_priority_overtakes_routine_posts_in_every_chat() {
        let (store, _dir, now) = outbox_with(&["A", "B"]).await;
        let breaking = NewPost::text("BREAKING".into(), "BREAKING".into());
        let (_, deliveries) = store
            .enqueue_post_for(&breaking, crate::store::Audience::Readers, crate::store::Priority::Breaking, now)
            .await
            .expect("enqueue");
        assert_eq!(deliveries, 2);
        let batch = store.claim_batch(now, LEASE, 10).await.expect("claim");
        let got: Vec<_> =
            batch.iter().map(|d| (d.post.content.html.as_str(), d.chat.telegram_id, d.priority)).collect();
        assert_eq!(got, [("BREAKING", Some(-1001), 10), ("BREAKING", Some(-1002), 10)], "one per chat, breaking first");
        for delivery in &batch {
            store.mark_sent(delivery.id, 1, SentAs::Text, now).await.expect("sent");
        }
        let next = store.claim_batch(now, LEASE, 10).await.expect("claim");
        let got: Vec<_> = next.iter().map(|d| d.post.content.html.as_str()).collect();
        assert_eq!(got, ["A", "A"], "then the routine posts, in order");
    }

    async fn failed_dead_and_released_rows() {
        let (store, _dir, now) = outbox_with(&["A"]).await;
        let one = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        let two = store.claim_next(now, LEASE).await.expect("claim").expect("due");
        store.mark_failed(one.id, "chat not found", now).await.expect("failed");
        store.release_delivery(two.id, now).await.expect("release");
        let counts = store.outbox_counts().await.expect("counts");
        assert_eq!(counts, OutboxCounts { pending: 1, failed: 1, ..OutboxCounts::default() });
        let two_again = store.claim_next(now, LEASE).await.expect("claim").expect("released row is due");
        assert_eq!((two_again.id, two_again.attempts), (two.id, 1));
        store.mark_dead(two.id, "gave up", now).await.expect("dead");
        assert_eq!(store.outbox_counts().await.expect("counts").dead, 1);
        assert!(store.claim_next(now, LEASE).await.expect("claim").is_none());
    }

    async fn deactivated_chats_get_nothing() {
        let (store, _dir, now) = outbox_with(&["A"]).await;
        let chat = store.sync_channels(&[ChatRef::Id(-1001), ChatRef::Id(-1002)], now).await.expect("sync").remove(0);
        store.deactivate_chat(chat.id, "bot was kicked", now).await.expect("deactivate");
        let claimed = store.claim_next(now, LEASE).await.expect("claim").expect("other chat");
        assert_eq!(claimed.chat.telegram_id, Some(-1002));
        assert!(store.claim_next(now, LEASE).await.expect("claim").is_none());
        assert_eq!(store.outbox_counts().await.expect("counts").failed, 1);
    }

    /// Each pin in the outbox: (chat, the message it pins).
    async fn pin_targets(store: &Store) -> Vec<(i64, Option<i32>)> {
        sqlx::query_as(
            "SELECT c.telegram_id, d.target_message_id FROM deliveries d JOIN chats c ON c.id = d.chat_id
             WHERE d.action = 'pin' ORDER BY c.telegram_id",
        )
        .fetch_all(&store.pool)
        .await
        .expect("pins")
    }

    /// The worker's record of a send: a pinned post in a channel brings its
    /// pin with it; the same post in a reader's chat, and a routine post, are
    /// marked sent and bring nothing.
    async fn recording_a_send_enqueues_a_pin_only_for_a_pinned_post_in_a_channel() {
        let (store, _dir, now) = outbox_with(&["A"]).await;
        // The routine post, in both channels: marked sent, nothing follows.
        while let Some(claimed) = store.claim_next(now, LEASE).await.expect("claim") {
            assert_eq!(claimed.post.content.html, "A");
            store.record_sent(&claimed, 60, SentAs::Text, now).await.expect("recorded");
        }
        assert_eq!(pin_targets(&store).await, vec![]);
        assert_eq!(store.outbox_counts().await.expect("counts").sent, 2);

        // Breaking news, pinned: its pin follows in each channel, not in the reader's chat.
        store.subscribe_many(&[11], now).await.expect("subscriber");
        let content = crate::store::BreakingContent { text: Some("Banjir".into()), photo_file_id: None, article: None };
        let draft = store.create_breaking_draft(42, 42, &content, now, now + chrono::Duration::minutes(10)).await;
        let render =
            |_: &crate::store::BreakingContent, _: Option<&str>| NewPost::text("Banjir".into(), "Banjir".into());
        store.confirm_breaking(draft.expect("draft"), 42, now, true, render).await.expect("confirm");
        let mut sent = Vec::new();
        while let Some(claimed) = store.claim_next(now, LEASE).await.expect("claim") {
            if claimed.action == DeliveryAction::Pin {
                continue; // left leased: the loop ends when nothing else is due
            }
            store.record_sent(&claimed, 70, SentAs::Text, now).await.expect("recorded");
            sent.push(claimed.chat.telegram_id.expect("known chat"));
        }
        sent.sort_unstable();
        assert_eq!(sent, vec![-1002, -1001, 11]);
        assert_eq!(pin_targets(&store).await, vec![(-1002, Some(70)), (-1001, Some(70))]);
        let counts = store.outbox_counts().await.expect("counts");
        assert_eq!((counts.sent, counts.sending, counts.pending), (5, 2, 0));
    }

    /// A reader's backlog claimed together and sent as one message: every
    /// delivery of it is done, with that message; other chats' are untouched.
    async fn a_backlog_sent_together_is_recorded_as_one_message() {
        let (store, _dir, feed_id) = primed_outbox(&[-1001]).await;
        let now = Utc::now();
        store.subscribe_many(&[11], now).await.expect("subscriber");
        record(&store, feed_id, &[article("A"), article("B"), article("C")], 0).await;
        let claims = store.claim_batch(Utc::now(), LEASE, 10).await.expect("claim");
        let backlog = claims.iter().find(|c| c.chat.telegram_id == Some(11)).expect("the reader's claim");
        assert_eq!(backlog.together.len(), 3, "{claims:?}");
        store.mark_sent_together(&backlog.delivery_ids(), 80, now).await.expect("recorded");
        let rows: Vec<(i64, Option<i32>, Option<String>)> = sqlx::query_as(
            "SELECT c.telegram_id, d.message_id, d.sent_as FROM deliveries d JOIN chats c ON c.id = d.chat_id
             WHERE d.status = 'sent' ORDER BY d.id",
        )
        .fetch_all(&store.pool)
        .await
        .expect("rows");
        assert_eq!(rows, vec![(11, Some(80), Some("list".to_owned())); 3]);
    }

    both_backends!(
        a_backlog_sent_together_is_recorded_as_one_message,
        recording_a_send_enqueues_a_pin_only_for_a_pinned_post_in_a_channel,
        a_photo_keeps_its_source_web_image_or_telegram_file,
        claims_in_order_and_never_twice,
        a_waiting_delivery_holds_back_later_posts_to_the_same_chat,
        an_expired_lease_is_released_and_claimed_again,
        a_higher_priority_overtakes_routine_posts_in_every_chat,
        failed_dead_and_released_rows,
        deactivated_chats_get_nothing,
    );
}

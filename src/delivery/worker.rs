//! The delivery worker: the only thing that sends posts. Each step is the
//! one-shot [`DeliveryWorker::try_deliver_one`], which tests drive directly.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::policy::{RetryDecision, RetryPolicy};
use super::sender::{PhotoSource, SendResult, TelegramSender};
use crate::domain::{ChatKind, ChatRef};
use crate::feed::Fetcher;
use crate::store::{ClaimedDelivery, DeliveryAction, SentAs, Store, StoreError};

/// Longest idle sleep; the worker also wakes when posts are enqueued.
const IDLE_RECHECK: Duration = Duration::from_secs(30);

/// What one step of the worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Nothing is due.
    Idle,
    Sent {
        delivery_id: i64,
        message_id: i32,
    },
    /// Will be sent again at `at` (flood control, migration, transient error).
    Retrying {
        delivery_id: i64,
        at: DateTime<Utc>,
        reason: String,
    },
    /// Telegram refused it for good, or the chat is gone.
    Failed {
        delivery_id: i64,
        reason: String,
    },
    /// Retries exhausted.
    Dead {
        delivery_id: i64,
        reason: String,
    },
}

/// Downloads images Telegram could not fetch by URL, so they can be uploaded.
#[derive(Debug, Clone)]
pub struct ImageDownloader {
    pub fetcher: Fetcher,
    pub max_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct DeliveryWorker {
    store: Store,
    sender: TelegramSender,
    images: ImageDownloader,
    policy: RetryPolicy,
    lease: Duration,
}

impl DeliveryWorker {
    pub fn new(
        store: Store,
        sender: TelegramSender,
        images: ImageDownloader,
        policy: RetryPolicy,
        lease: Duration,
    ) -> Self {
        Self { store, sender, images, policy, lease }
    }

    /// Claims the next delivery due at `now`, sends it, and records the outcome.
    pub async fn try_deliver_one(&self, now: DateTime<Utc>) -> Result<DeliveryOutcome, StoreError> {
        let Some(claimed) = self.store.claim_next(now, self.lease).await? else {
            return Ok(DeliveryOutcome::Idle);
        };
        let chat = claimed.chat.chat_ref()?;
        let started = Instant::now();
        let (mut result, mut sent_as) = self.perform(&claimed, &chat, false).await;
        if let SendResult::MarkupRejected(description) = &result {
            // A formatter bug; the reader still gets the news, without formatting.
            tracing::error!(post_id = claimed.post.id, chat_id = claimed.chat.id, error = %description,
                "Telegram refused the post's HTML; sending it as plain text");
            (result, sent_as) = self.perform(&claimed, &chat, true).await;
        }
        // Waits (retry_after, backoff) count from Telegram's answer, not from the claim.
        let answered_at = now + to_chrono(started.elapsed());
        self.record(&claimed, result, sent_as, answered_at).await
    }

    async fn perform(&self, claimed: &ClaimedDelivery, chat: &ChatRef, as_plain: bool) -> (SendResult, SentAs) {
        let post = &claimed.post.content;
        match (claimed.action, claimed.target_message_id) {
            (DeliveryAction::Send, _) if post.photo.is_some() => self.send_with_photo(claimed, chat, as_plain).await,
            (DeliveryAction::Send, _) => (self.sender.send_post(chat, post, as_plain).await, SentAs::Text),
            (DeliveryAction::Edit, Some(message_id)) => match claimed.target_sent_as {
                Some(SentAs::Photo) => {
                    (self.sender.edit_caption(chat, message_id, post, as_plain).await, SentAs::Photo)
                }
                _ => (self.sender.edit_post(chat, message_id, post, as_plain).await, SentAs::Text),
            },
            (DeliveryAction::Delete, Some(message_id)) => {
                (self.sender.delete_message(chat, message_id).await, claimed.target_sent_as.unwrap_or(SentAs::Text))
            }
            (DeliveryAction::Edit | DeliveryAction::Delete, None) => {
                (SendResult::Rejected("no message to edit or delete".to_owned()), SentAs::Text)
            }
        }
    }

    /// Sends a photo post: by URL; if Telegram cannot use the image, uploads
    /// it; if that fails too, sends the post as text. The article is never
    /// lost over its picture.
    async fn send_with_photo(&self, claimed: &ClaimedDelivery, chat: &ChatRef, as_plain: bool) -> (SendResult, SentAs) {
        let post = &claimed.post.content;
        let by_url = self.sender.send_photo(chat, post, PhotoSource::Url, as_plain).await;
        let (SendResult::ImageRejected(reason), Some(photo)) = (&by_url, &post.photo) else {
            return (by_url, SentAs::Photo);
        };
        tracing::info!(post_id = claimed.post.id, chat_id = claimed.chat.id, image = %photo.url, error = %reason,
            "Telegram could not fetch the image; uploading it");
        let uploaded = match self.images.fetcher.fetch_image(&photo.url, self.images.max_bytes).await {
            Ok(bytes) => self.sender.send_photo(chat, post, PhotoSource::Upload(bytes), as_plain).await,
            Err(error) => SendResult::ImageRejected(error),
        };
        let SendResult::ImageRejected(reason) = uploaded else { return (uploaded, SentAs::Photo) };
        tracing::warn!(post_id = claimed.post.id, chat_id = claimed.chat.id, image = %photo.url, error = %reason,
            "image unusable; sending the post as text");
        (self.sender.send_post(chat, post, as_plain).await, SentAs::Text)
    }

    async fn record(
        &self,
        claimed: &ClaimedDelivery,
        result: SendResult,
        sent_as: SentAs,
        now: DateTime<Utc>,
    ) -> Result<DeliveryOutcome, StoreError> {
        let delivery_id = claimed.id;
        let chat_id = claimed.chat.id;
        let post_id = claimed.post.id;
        match result {
            SendResult::Sent { message_id, telegram_chat_id } => {
                self.store.mark_sent(delivery_id, message_id, sent_as, now).await?;
                if let (None, Some(telegram_chat_id)) = (claimed.chat.telegram_id, telegram_chat_id) {
                    self.store.learn_telegram_id(chat_id, telegram_chat_id).await?;
                }
                let action = claimed.action;
                tracing::info!(
                    delivery_id,
                    post_id,
                    chat_id,
                    message_id,
                    ?action,
                    attempt = claimed.attempts,
                    "post delivered"
                );
                Ok(DeliveryOutcome::Sent { delivery_id, message_id })
            }
            SendResult::RetryAfter(wait) => {
                let at = now + to_chrono(wait);
                let reason = format!("flood control: retry after {}s", wait.as_secs());
                self.store.retry_delivery_at(delivery_id, at, &reason, false, now).await?;
                tracing::warn!(
                    delivery_id,
                    post_id,
                    chat_id,
                    retry_after_s = wait.as_secs(),
                    "Telegram flood control; will resend"
                );
                Ok(DeliveryOutcome::Retrying { delivery_id, at, reason })
            }
            SendResult::Migrated(new_id) => {
                self.store.migrate_chat(chat_id, new_id, now).await?;
                let reason = format!("group migrated to supergroup {new_id}");
                self.store.retry_delivery_at(delivery_id, now, &reason, false, now).await?;
                tracing::info!(
                    delivery_id,
                    chat_id,
                    new_telegram_id = new_id,
                    "group became a supergroup; resending there"
                );
                Ok(DeliveryOutcome::Retrying { delivery_id, at: now, reason })
            }
            SendResult::ChatGone(reason) => {
                self.store.mark_failed(delivery_id, &reason, now).await?;
                self.store.deactivate_chat(chat_id, &reason, now).await?;
                if claimed.chat.kind == ChatKind::Channel {
                    tracing::error!(chat_id, chat = %chat_label(claimed), error = %reason,
                        "a configured channel refuses posts; posting there is stopped until the bot is restarted");
                } else {
                    tracing::info!(chat_id, error = %reason, "chat no longer reachable; deactivated");
                }
                Ok(DeliveryOutcome::Failed { delivery_id, reason })
            }
            SendResult::MarkupRejected(reason) | SendResult::ImageRejected(reason) | SendResult::Rejected(reason) => {
                self.store.mark_failed(delivery_id, &reason, now).await?;
                tracing::error!(delivery_id, post_id, chat_id, error = %reason, "Telegram refused the post");
                Ok(DeliveryOutcome::Failed { delivery_id, reason })
            }
            SendResult::Transient(reason) => match self.policy.after_failure(claimed.attempts) {
                RetryDecision::RetryIn(wait) => {
                    let at = now + to_chrono(wait);
                    self.store.retry_delivery_at(delivery_id, at, &reason, true, now).await?;
                    tracing::warn!(delivery_id, post_id, chat_id, attempt = claimed.attempts, error = %reason, "send failed; will retry");
                    Ok(DeliveryOutcome::Retrying { delivery_id, at, reason })
                }
                RetryDecision::GiveUp => {
                    self.store.mark_dead(delivery_id, &reason, now).await?;
                    tracing::error!(delivery_id, post_id, chat_id, attempt = claimed.attempts, error = %reason, "giving up on delivery");
                    Ok(DeliveryOutcome::Dead { delivery_id, reason })
                }
            },
        }
    }

    /// Delivers until `shutdown`. A send in flight is finished and recorded
    /// before returning, so nothing is lost or sent twice by stopping.
    pub async fn run(self, outbox_ready: Arc<Notify>, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            match self.try_deliver_one(Utc::now()).await {
                Ok(DeliveryOutcome::Idle) => {
                    let wait = match self.store.next_delivery_due_at().await {
                        Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(IDLE_RECHECK),
                        Ok(None) => IDLE_RECHECK,
                        Err(err) => {
                            tracing::error!(error = %err, "cannot read the outbox");
                            Duration::from_secs(1)
                        }
                    };
                    tokio::select! {
                        () = shutdown.cancelled() => {}
                        () = outbox_ready.notified() => {}
                        () = tokio::time::sleep(wait) => {}
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "delivery step failed");
                    tokio::select! {
                        () = shutdown.cancelled() => {}
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }
}

/// How operators know the chat: its @username or Telegram id.
fn chat_label(claimed: &ClaimedDelivery) -> String {
    match (&claimed.chat.username, claimed.chat.telegram_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => id.to_string(),
        (None, None) => format!("#{}", claimed.chat.id),
    }
}

fn to_chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

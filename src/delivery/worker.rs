//! The delivery worker: the only thing that sends posts. It claims due
//! deliveries in batches, sends them concurrently at Telegram's pace (see
//! [`super::pacer`]) and records each outcome. One delivery, unpaced, is the
//! one-shot [`DeliveryWorker::try_deliver_one`], which tests drive directly.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use tokio::task::JoinSet;

use super::gate::SendGate;
use super::policy::{RetryDecision, RetryPolicy};
use super::sender::{PhotoTransfer, SendResult, TelegramSender};
use crate::domain::time::later;
use crate::domain::{AlertKey, ChatKind, ChatRef, Clock, NewPost, QuietHours};
use crate::format::{READER_STYLE_EN, render_backlog, render_channel_refuses, render_notice};
use crate::i18n::Lang;
use crate::outbound::Fetcher;
use crate::store::{ClaimedDelivery, DeliveryAction, Priority, SentAs, Store, StoreError};
use crate::telegram::{Lane, Pacer};

/// Longest idle sleep; the worker also wakes when posts are enqueued.
const IDLE_RECHECK: Duration = Duration::from_secs(30);
/// How long a claim waits for a quarter of the slots to be free before taking
/// what there is. At the free 30/s a slot frees every 34 ms: a 20 ms wait made
/// nearly every claim a claim of one, and the database work per message 50 %
/// more (benches/fanout.rs: 1.71 against 1.15 s of CPU per 1,000 messages). A
/// post claimed while every slot is busy (breaking news) waits at most this long.
const BATCH_WAIT: Duration = Duration::from_millis(250);
/// How often claims left behind by a failed write are looked for.
const ORPHAN_SWEEP: Duration = Duration::from_secs(10);
/// A send Telegram took but the store refused to record is recorded again after
/// this, doubling up to [`RECORD_RETRY_MAX`].
const RECORD_RETRY_FIRST: Duration = Duration::from_millis(500);
const RECORD_RETRY_MAX: Duration = Duration::from_secs(15);

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

/// How the worker runs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    pub policy: RetryPolicy,
    /// How long a claimed delivery stays reserved.
    pub lease: Duration,
    /// Sends in flight at once (also the most that can be sent twice after a crash).
    pub concurrency: usize,
    /// At shutdown, sends in flight get this long to finish; the rest are released.
    pub shutdown_grace: Duration,
    /// Pinned breaking news is unpinned this long after (`None`: stays pinned).
    pub unpin_after: Option<Duration>,
    /// Times in a reader's list of new stories are shown in this zone.
    pub timezone: chrono_tz::Tz,
}

#[derive(Debug, Clone)]
pub struct DeliveryWorker {
    store: Store,
    sender: TelegramSender,
    images: ImageDownloader,
    pacer: Arc<Pacer>,
    gate: SendGate,
    settings: WorkerSettings,
    /// Told whenever Telegram answers a send (for /readyz).
    health: Option<Arc<crate::health::Health>>,
    quiet_night: Option<QuietNight>,
}

/// `readers.quiet_hours`: readers who keep "Malam tenang" on get routine
/// posts without sound in these hours, on this clock.
#[derive(Debug, Clone)]
pub struct QuietNight {
    pub hours: QuietHours,
    pub zone: chrono_tz::Tz,
    pub clock: Arc<dyn Clock>,
}

impl DeliveryWorker {
    pub fn new(
        store: Store,
        sender: TelegramSender,
        images: ImageDownloader,
        pacer: Arc<Pacer>,
        gate: SendGate,
        settings: WorkerSettings,
    ) -> Self {
        Self { store, sender, images, pacer, gate, settings, health: None, quiet_night: None }
    }

    /// Sends routine posts to readers without sound in the quiet hours.
    pub fn with_quiet_night(mut self, quiet_night: Option<QuietNight>) -> Self {
        self.quiet_night = quiet_night;
        self
    }

    /// Silences a routine send to a reader who keeps the quiet night, while
    /// it lasts (decided when the send happens). Breaking news and alerts ring.
    fn hush_at_night(&self, claimed: &mut ClaimedDelivery) {
        let Some(night) = &self.quiet_night else { return };
        if claimed.chat.quiet_night
            && claimed.action == DeliveryAction::Send
            && claimed.priority <= Priority::Routine.as_i64()
            && night.hours.contains(night.clock.now(), night.zone)
        {
            claimed.post.content.silent = true;
        }
    }

    /// The pacer every send to Telegram shares (replies take their turns in it too).
    pub fn pacer(&self) -> Arc<Pacer> {
        Arc::clone(&self.pacer)
    }

    /// Reports successful sends to `health`.
    pub fn with_health(mut self, health: Arc<crate::health::Health>) -> Self {
        self.health = Some(health);
        self
    }

    /// Claims the next delivery due at `now`, sends it (without pacing), and
    /// records the outcome.
    pub async fn try_deliver_one(&self, now: DateTime<Utc>) -> Result<DeliveryOutcome, StoreError> {
        let Some(claimed) = self.store.claim_next(now, self.settings.lease).await? else {
            return Ok(DeliveryOutcome::Idle);
        };
        self.deliver(claimed, now).await
    }

    /// Sends a claimed delivery and records the outcome.
    async fn deliver(&self, mut claimed: ClaimedDelivery, now: DateTime<Utc>) -> Result<DeliveryOutcome, StoreError> {
        self.hush_at_night(&mut claimed);
        let span = delivery_span(&claimed);
        async {
            let (result, sent_as, answered_at) = self.send(&claimed, now).await?;
            self.record(&claimed, result, sent_as, answered_at).await
        }
        .instrument(span)
        .await
    }

    /// Sends a claimed delivery: what Telegram answered, and when.
    async fn send(
        &self,
        claimed: &ClaimedDelivery,
        now: DateTime<Utc>,
    ) -> Result<(SendResult, SentAs, DateTime<Utc>), StoreError> {
        let chat = claimed.chat.chat_ref()?;
        let started = Instant::now();
        let mut thread = claimed.thread_id;
        let (mut result, mut sent_as) = self.perform(claimed, &chat, false, thread).await;
        if let SendResult::ThreadGone(description) = &result
            && thread.is_some()
        {
            // A deleted or closed topic must not swallow the news: post in General.
            tracing::warn!(post_id = claimed.post.id, chat_id = claimed.chat.id, thread_id = ?thread,
                error = %description, "the forum topic is unusable; posting outside it");
            thread = None;
            (result, sent_as) = self.perform(claimed, &chat, false, thread).await;
        }
        if let SendResult::MarkupRejected(description) = &result {
            // A formatter bug; the reader still gets the news, without formatting.
            tracing::error!(post_id = claimed.post.id, chat_id = claimed.chat.id, error = %description,
                "Telegram refused the post's HTML; sending it as plain text");
            (result, sent_as) = self.perform(claimed, &chat, true, thread).await;
        }
        // Waits (retry_after, backoff) count from Telegram's answer, not from the claim.
        Ok((result, sent_as, later(now, started.elapsed())))
    }

    async fn perform(
        &self,
        claimed: &ClaimedDelivery,
        chat: &ChatRef,
        as_plain: bool,
        thread: Option<i32>,
    ) -> (SendResult, SentAs) {
        let post = &claimed.post.content;
        if !claimed.together.is_empty() {
            return (self.send_together(claimed, chat, as_plain).await, SentAs::List);
        }
        match (claimed.action, claimed.target_message_id) {
            (DeliveryAction::Send, _) if post.photo.is_some() => {
                self.send_with_photo(claimed, chat, as_plain, thread).await
            }
            (DeliveryAction::Send, _) => (self.sender.send_post(chat, post, as_plain, thread).await, SentAs::Text),
            (DeliveryAction::Edit, Some(message_id)) => {
                let sent_as = claimed.target_sent_as.unwrap_or(SentAs::Text);
                (self.edit(chat, message_id, post, as_plain, sent_as).await, sent_as)
            }
            (DeliveryAction::Delete, Some(message_id)) => {
                let sent_as = claimed.target_sent_as.unwrap_or(SentAs::Text);
                match self.sender.delete_message(chat, message_id).await {
                    // Too old or not ours to delete: the post (the retraction notice) replaces it.
                    SendResult::CannotDelete(reason) => {
                        tracing::info!(delivery_id = claimed.id, chat_id = claimed.chat.id, message_id, error = %reason,
                            "Telegram will not delete the message; replacing it with the notice");
                        (self.edit(chat, message_id, post, as_plain, sent_as).await, sent_as)
                    }
                    deleted => (deleted, sent_as),
                }
            }
            (DeliveryAction::Pin, Some(message_id)) => (self.sender.pin_message(chat, message_id).await, SentAs::Text),
            (DeliveryAction::Unpin, Some(message_id)) => {
                (self.sender.unpin_message(chat, message_id).await, SentAs::Text)
            }
            (DeliveryAction::ClearButtons, Some(message_id)) => {
                (self.sender.clear_buttons(chat, message_id).await, SentAs::Text)
            }
            (
                DeliveryAction::Edit
                | DeliveryAction::Delete
                | DeliveryAction::Pin
                | DeliveryAction::Unpin
                | DeliveryAction::ClearButtons,
                None,
            ) => (SendResult::Rejected("no message to act on".to_owned()), SentAs::Text),
        }
    }

    /// A reader's backlog as one message: "3 berita baru", the linked titles
    /// newest first, each story as it is now.
    async fn send_together(&self, claimed: &ClaimedDelivery, chat: &ChatRef, as_plain: bool) -> SendResult {
        let mut articles: Vec<_> = claimed.together.iter().map(|t| t.article.clone()).collect();
        // A story queued twice for the reader is listed once.
        let mut listed = std::collections::HashSet::new();
        articles.retain(|article| listed.insert(article.id));
        let lang = if claimed.style.as_deref() == Some(READER_STYLE_EN) { Lang::En } else { Lang::Id };
        let list = render_backlog(&articles, self.settings.timezone, lang);
        let post = NewPost { silent: claimed.post.content.silent, ..NewPost::text(list.html, list.plain) };
        tracing::info!(
            delivery_id = claimed.id,
            chat_id = claimed.chat.id,
            stories = articles.len(),
            "sending a reader's new stories together"
        );
        self.sender.send_post(chat, &post, as_plain, None).await
    }

    /// Edits an earlier message to show `post`: its caption if it went out as a photo.
    async fn edit(
        &self,
        chat: &ChatRef,
        message_id: i32,
        post: &NewPost,
        as_plain: bool,
        sent_as: SentAs,
    ) -> SendResult {
        match sent_as {
            SentAs::Photo => self.sender.edit_caption(chat, message_id, post, as_plain).await,
            SentAs::Text => self.sender.edit_post(chat, message_id, post, as_plain).await,
            // The outbox never asks this; a list is not rewritten for one of its stories.
            SentAs::List => SendResult::Rejected("a list of several stories is not edited for one".to_owned()),
        }
    }

    /// Sends a photo post: by URL; if Telegram cannot use the image, uploads
    /// it; if that fails too, sends the post as text. The article is never
    /// lost over its picture.
    async fn send_with_photo(
        &self,
        claimed: &ClaimedDelivery,
        chat: &ChatRef,
        as_plain: bool,
        thread: Option<i32>,
    ) -> (SendResult, SentAs) {
        let post = &claimed.post.content;
        let by_reference = self.sender.send_photo(chat, post, PhotoTransfer::ByReference, as_plain, thread).await;
        let (SendResult::ImageRejected(reason), Some(photo)) = (&by_reference, &post.photo) else {
            return (by_reference, SentAs::Photo);
        };
        // Only a web image can be downloaded and uploaded instead.
        let uploaded = match photo.web_url() {
            Some(url) => {
                tracing::info!(post_id = claimed.post.id, chat_id = claimed.chat.id, image = %url, error = %reason,
                    "Telegram could not fetch the image; uploading it");
                match self.images.fetcher.fetch_image(url, self.images.max_bytes).await {
                    Ok(bytes) => {
                        self.sender.send_photo(chat, post, PhotoTransfer::Upload(bytes), as_plain, thread).await
                    }
                    Err(error) => SendResult::ImageRejected(error),
                }
            }
            None => by_reference,
        };
        let SendResult::ImageRejected(reason) = uploaded else { return (uploaded, SentAs::Photo) };
        tracing::warn!(post_id = claimed.post.id, chat_id = claimed.chat.id, image = %photo.source, error = %reason,
            "image unusable; sending the post as text");
        (self.sender.send_post(chat, post, as_plain, thread).await, SentAs::Text)
    }

    /// Records the outcome for every delivery the claim holds: a backlog sent
    /// together is done as one; one Telegram refused for good is failed with
    /// it; otherwise the rest goes back to the outbox as it was.
    async fn record(
        &self,
        claimed: &ClaimedDelivery,
        result: SendResult,
        sent_as: SentAs,
        now: DateTime<Utc>,
    ) -> Result<DeliveryOutcome, StoreError> {
        let outcome = self.record_one(claimed, result, sent_as, now).await?;
        let rest = claimed.together.iter().map(|t| t.delivery_id).filter(|id| *id != claimed.id);
        for delivery_id in rest {
            match &outcome {
                DeliveryOutcome::Sent { .. } => crate::metrics::delivery("sent", claimed.chat.kind.as_str()),
                DeliveryOutcome::Failed { reason, .. } => self.store.mark_failed(delivery_id, reason, now).await?,
                DeliveryOutcome::Retrying { .. } | DeliveryOutcome::Dead { .. } | DeliveryOutcome::Idle => {
                    self.store.release_delivery(delivery_id, now).await?;
                }
            }
        }
        Ok(outcome)
    }

    async fn record_one(
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
                match claimed.action {
                    DeliveryAction::Pin => {
                        let unpin_at = self.settings.unpin_after.map(|after| later(now, after));
                        self.store.mark_pinned(delivery_id, now, unpin_at).await?;
                    }
                    _ if !claimed.together.is_empty() => {
                        self.store.mark_sent_together(&claimed.delivery_ids(), message_id, now).await?;
                    }
                    _ => self.store.record_sent(claimed, message_id, sent_as, now).await?,
                }
                if let (None, Some(telegram_chat_id)) = (claimed.chat.telegram_id, telegram_chat_id) {
                    self.store.learn_telegram_id(chat_id, telegram_chat_id).await?;
                }
                crate::metrics::delivery("sent", claimed.chat.kind.as_str());
                if let Some(health) = &self.health {
                    health.telegram_ok();
                }
                if claimed.action == DeliveryAction::Send
                    && let Some(article_id) = claimed.post.article_id
                    && claimed.chat.kind != ChatKind::Private
                    && let Some(published) = self.store.first_send_of_article(article_id).await?
                {
                    crate::metrics::publish_latency((now - published).as_seconds_f64());
                }
                if claimed.chat.kind != ChatKind::Private && claimed.action == DeliveryAction::Send {
                    self.after_public_post(claimed, now).await?;
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
                crate::metrics::flood_wait(wait.as_secs());
                self.pacer.flood_control(claimed.chat.kind, wait);
                let at = later(now, wait);
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
                crate::metrics::delivery("failed", claimed.chat.kind.as_str());
                self.store.mark_failed(delivery_id, &reason, now).await?;
                self.store.deactivate_chat(chat_id, &reason, now).await?;
                if claimed.chat.kind == ChatKind::Channel {
                    tracing::error!(chat_id, chat = %chat_label(claimed), error = %reason,
                        "a configured channel refuses posts; posting there is stopped until the bot is restarted");
                    let label = chat_label(claimed);
                    let alert = |code: Option<&str>| {
                        let alert = render_channel_refuses(&label, &reason, Lang::from_code(code));
                        NewPost::text(alert.html, alert.plain)
                    };
                    self.store.raise_alert(AlertKey::ChannelRefuses { chat_id }, &reason, &alert, now).await?;
                } else {
                    tracing::info!(chat_id, error = %reason, "chat no longer reachable; deactivated");
                }
                Ok(DeliveryOutcome::Failed { delivery_id, reason })
            }
            SendResult::MarkupRejected(reason)
            | SendResult::ImageRejected(reason)
            | SendResult::ThreadGone(reason)
            | SendResult::CannotDelete(reason)
            | SendResult::Rejected(reason) => {
                crate::metrics::delivery("failed", claimed.chat.kind.as_str());
                self.store.mark_failed(delivery_id, &reason, now).await?;
                let action = claimed.action;
                tracing::error!(delivery_id, post_id, chat_id, ?action, error = %reason, "Telegram refused the post");
                Ok(DeliveryOutcome::Failed { delivery_id, reason })
            }
            SendResult::Transient(reason) => match self.settings.policy.after_failure(claimed.attempts) {
                RetryDecision::RetryIn(wait) => {
                    crate::metrics::delivery("retry", claimed.chat.kind.as_str());
                    let at = later(now, wait);
                    self.store.retry_delivery_at(delivery_id, at, &reason, true, now).await?;
                    tracing::warn!(delivery_id, post_id, chat_id, attempt = claimed.attempts, error = %reason, "send failed; will retry");
                    Ok(DeliveryOutcome::Retrying { delivery_id, at, reason })
                }
                RetryDecision::GiveUp => {
                    crate::metrics::delivery("dead", claimed.chat.kind.as_str());
                    self.store.mark_dead(delivery_id, &reason, now).await?;
                    tracing::error!(delivery_id, post_id, chat_id, attempt = claimed.attempts, error = %reason, "giving up on delivery");
                    Ok(DeliveryOutcome::Dead { delivery_id, reason })
                }
            },
        }
    }

    /// After a post reached a channel or group (its pin, if any, is already
    /// in the outbox): tells the admins when a channel that refused posts
    /// accepts them again.
    async fn after_public_post(&self, claimed: &ClaimedDelivery, now: DateTime<Utc>) -> Result<(), StoreError> {
        let chat_id = claimed.chat.id;
        let key = AlertKey::ChannelRefuses { chat_id };
        if self.store.alert_raised(key).await?.is_some() {
            let label = chat_label(claimed);
            let notice = |code: Option<&str>| {
                let texts = Lang::from_code(code).newsroom();
                let body = crate::i18n::fill(texts.channel_back_body, &[("channel", &label)]);
                let notice = render_notice(texts.channel_back_title, &body);
                NewPost::text(notice.html, notice.plain)
            };
            self.store.clear_alert(key, &notice, now).await?;
        }
        Ok(())
    }

    /// Delivers until `shutdown`: claims due deliveries in batches and sends
    /// them concurrently, each waiting for its turn at Telegram's pace. At
    /// shutdown no more are claimed; sends in flight get the grace period to
    /// finish, and the rest are released for the next start.
    pub async fn run(self: Arc<Self>, outbox_ready: Arc<Notify>, shutdown: CancellationToken) {
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut in_flight: HashMap<tokio::task::Id, Vec<i64>> = HashMap::new();
        let mut last_forget = Instant::now();
        let mut last_sweep = Instant::now();
        let mut waited = false;
        loop {
            while let Some(done) = tasks.try_join_next_with_id() {
                self.finished(done, &mut in_flight).await;
            }
            if shutdown.is_cancelled() {
                break;
            }
            if last_sweep.elapsed() > ORPHAN_SWEEP {
                self.sweep_orphaned_claims(&in_flight).await;
                last_sweep = Instant::now();
            }
            if let Some(closed) = self.gate.closed_for() {
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    () = tokio::time::sleep(closed.min(Duration::from_secs(5))) => {}
                }
                continue;
            }
            // Claim in batches: once a quarter of the slots are free (or a
            // moment has passed), so the database sees few, larger claims.
            let free = self.settings.concurrency.saturating_sub(tasks.len());
            let batch_worth = free >= (self.settings.concurrency / 4).max(1) || tasks.is_empty() || waited;
            if free == 0 || !batch_worth {
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    Some(done) = tasks.join_next_with_id() => self.finished(done, &mut in_flight).await,
                    () = tokio::time::sleep(BATCH_WAIT), if free > 0 => waited = true,
                }
                continue;
            }
            waited = false;
            let batch = match self
                .store
                .claim_batch(Utc::now(), self.settings.lease, u32::try_from(free).unwrap_or(u32::MAX))
                .await
            {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::error!(error = %err, "cannot claim deliveries");
                    tokio::select! {
                        () = shutdown.cancelled() => {}
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                    continue;
                }
            };
            if batch.is_empty() {
                let wait = match self.store.next_delivery_due_at().await {
                    Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(IDLE_RECHECK),
                    Ok(None) => IDLE_RECHECK,
                    Err(err) => {
                        tracing::error!(error = %err, "cannot read the outbox");
                        Duration::from_secs(1)
                    }
                };
                // A due time in the past with nothing claimable: the chat's head is in flight.
                let wait = if wait.is_zero() && !tasks.is_empty() {
                    IDLE_RECHECK
                } else {
                    wait.max(Duration::from_millis(10))
                };
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    () = outbox_ready.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                    Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => self.finished(done, &mut in_flight).await,
                }
                continue;
            }
            for claimed in batch {
                let delivery_ids = claimed.delivery_ids();
                let worker = Arc::clone(&self);
                let span = delivery_span(&claimed);
                let handle = tasks.spawn(async move { worker.deliver_paced(claimed).await }.instrument(span));
                in_flight.insert(handle.id(), delivery_ids);
            }
            if last_forget.elapsed() > Duration::from_secs(600) {
                self.pacer.forget_idle_chats();
                last_forget = Instant::now();
            }
        }
        self.drain(tasks, in_flight).await;
    }

    /// Waits for the pacer, then sends and records. A message Telegram took
    /// is never sent again because the store refused to record it (a full
    /// disk): the record is retried, the claim held, until the store accepts it.
    async fn deliver_paced(&self, mut claimed: ClaimedDelivery) {
        let (delivery_ids, chat_id) = (claimed.delivery_ids(), claimed.chat.id);
        let lane = if claimed.priority > Priority::Routine.as_i64() { Lane::Urgent } else { Lane::Routine };
        self.pacer.wait_turn(chat_id, claimed.chat.kind, lane).await;
        // Looked at again after the wait: sending may have stopped meanwhile
        // (another poller, or this leader's lease gone while it was paused).
        if self.gate.closed_for().is_some() {
            for &delivery_id in &delivery_ids {
                if let Err(err) = self.store.release_delivery(delivery_id, Utc::now()).await {
                    tracing::warn!(delivery_id, error = %err, "cannot release a delivery the closed gate held back");
                }
            }
            return;
        }
        self.hush_at_night(&mut claimed);
        let sent = match self.send(&claimed, Utc::now()).await {
            Ok(sent) => sent,
            Err(err) => return self.release_unsent(&delivery_ids, chat_id, &err).await,
        };
        let (result, sent_as, answered_at) = sent;
        let mut wait = RECORD_RETRY_FIRST;
        loop {
            let err = match self.record(&claimed, result.clone(), sent_as, answered_at).await {
                Ok(_) => return,
                Err(err) => err,
            };
            if !matches!(result, SendResult::Sent { .. }) {
                return self.release_unsent(&delivery_ids, chat_id, &err).await;
            }
            tracing::error!(delivery_id = claimed.id, chat_id, error = %err,
                "the message reached Telegram but cannot be recorded; retrying the record, not the send");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(RECORD_RETRY_MAX);
        }
    }

    /// Puts back a delivery whose outcome could not be recorded and that
    /// Telegram did not take: it is sent again. If even that cannot be written,
    /// the sweep of orphaned claims releases it once the store accepts writes.
    async fn release_unsent(&self, delivery_ids: &[i64], chat_id: i64, err: &StoreError) {
        for &delivery_id in delivery_ids {
            tracing::error!(delivery_id, chat_id, error = %err, "delivery failed to record; it will be retried");
            if let Err(err) = self.store.release_delivery(delivery_id, Utc::now()).await {
                tracing::error!(delivery_id, error = %err, "cannot release the delivery");
            }
        }
    }

    /// Releases claims no send of this process holds any more.
    async fn sweep_orphaned_claims(&self, in_flight: &HashMap<tokio::task::Id, Vec<i64>>) {
        let held: Vec<i64> = in_flight.values().flatten().copied().collect();
        match self.store.release_orphaned_claims(Utc::now(), &held).await {
            Ok(0) => {}
            Ok(released) => tracing::warn!(released, "released deliveries left claimed by a failed write"),
            Err(err) => tracing::warn!(error = %err, "cannot release orphaned claims yet"),
        }
    }

    async fn finished(
        &self,
        done: Result<(tokio::task::Id, ()), tokio::task::JoinError>,
        in_flight: &mut HashMap<tokio::task::Id, Vec<i64>>,
    ) {
        let task = match &done {
            Ok((task, ())) => *task,
            Err(err) => err.id(),
        };
        let Some(delivery_ids) = in_flight.remove(&task) else { return };
        if let Err(err) = done {
            // Cancelled at shutdown, or a bug: the deliveries go back to the outbox.
            if err.is_panic() {
                tracing::error!(?delivery_ids, "delivery task panicked");
                crate::metrics::task_panic("delivery");
            }
            for delivery_id in delivery_ids {
                if let Err(err) = self.store.release_delivery(delivery_id, Utc::now()).await {
                    tracing::error!(delivery_id, error = %err, "cannot release the delivery");
                }
            }
        }
    }

    /// Lets sends in flight finish within the grace period; releases the rest.
    async fn drain(&self, mut tasks: JoinSet<()>, mut in_flight: HashMap<tokio::task::Id, Vec<i64>>) {
        let deadline = tokio::time::Instant::now() + self.settings.shutdown_grace;
        while !tasks.is_empty() {
            match tokio::time::timeout_at(deadline, tasks.join_next_with_id()).await {
                Ok(Some(done)) => self.finished(done, &mut in_flight).await,
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(in_flight = tasks.len(), "sends still in flight at shutdown; releasing them");
                    tasks.abort_all();
                    while let Some(done) = tasks.join_next_with_id().await {
                        self.finished(done, &mut in_flight).await;
                    }
                }
            }
        }
    }
}

/// Every log line of one delivery says which it is: its post, chat and attempt.
fn delivery_span(claimed: &ClaimedDelivery) -> tracing::Span {
    tracing::info_span!(
        "delivery",
        delivery_id = claimed.id,
        post_id = claimed.post.id,
        chat_id = claimed.chat.id,
        attempt = claimed.attempts,
        action = ?claimed.action,
    )
}

/// How operators know the chat: its @username or Telegram id.
fn chat_label(claimed: &ClaimedDelivery) -> String {
    match (&claimed.chat.username, claimed.chat.telegram_id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => id.to_string(),
        (None, None) => format!("#{}", claimed.chat.id),
    }
}

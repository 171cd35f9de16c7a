//! The newsroom's watch: keeps the admin's progress message current while
//! breaking news fans out, takes the buttons off expired previews, unpins
//! breaking news when its time is up, and raises (once) and clears the alerts
//! about silent feeds and dead-lettered deliveries. All of it through the
//! outbox: the watch writes rows, the delivery worker talks to Telegram.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::backlog::{BacklogSamples, Trend};
use crate::config::Daytime;
use crate::domain::{AlertKey, Capacity, NewPost};
use crate::format::{capacity_line, escape_html, format_time, render_notice};
use crate::i18n::{Lang, fill};
use crate::store::{Breaking, Store, StoreError, StoryKey};

/// How often progress is shown and pins are checked.
const TICK: Duration = Duration::from_secs(1);
/// Dead-lettered deliveries within this window raise the alert.
const DEAD_WINDOW: chrono::Duration = chrono::Duration::hours(1);

#[derive(Debug, Clone)]
pub struct MonitorSettings {
    pub timezone: Tz,
    /// A feed bringing nothing new for this long in daytime raises an alert.
    pub silent_after: Duration,
    pub daytime: Daytime,
    /// How often alerts are checked.
    pub alert_check: Duration,
    /// Messages per second to subscribers, free and with paid broadcast
    /// (and whether that is on), for the growing-backlog alert.
    pub sending_rate: f64,
    pub paid_rate: f64,
    pub paid_on: bool,
}

pub struct NewsroomMonitor {
    store: Store,
    /// Wakes the worker when something was enqueued.
    outbox_ready: Arc<Notify>,
    settings: MonitorSettings,
    /// The routine outbox's size at each alert check.
    backlog: std::sync::Mutex<BacklogSamples>,
}

impl NewsroomMonitor {
    pub fn new(store: Store, outbox_ready: Arc<Notify>, settings: MonitorSettings) -> Self {
        Self { store, outbox_ready, settings, backlog: std::sync::Mutex::default() }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let tick = TICK.min(self.settings.alert_check);
        let mut last_alert_check: Option<std::time::Instant> = None;
        loop {
            let alerts = last_alert_check.is_none_or(|at| at.elapsed() >= self.settings.alert_check);
            if alerts {
                last_alert_check = Some(std::time::Instant::now());
            }
            // A panic ends this round only (logged and counted); the next one runs as usual.
            if let Ok(Err(err)) =
                crate::supervise::catch_panic("watch", "newsroom watch", self.tick(Utc::now(), alerts)).await
            {
                tracing::error!(error = %err, "newsroom watch failed; trying again");
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(tick) => {}
            }
        }
    }

    /// One round; alerts only when `alerts`.
    pub async fn tick(&self, now: DateTime<Utc>, alerts: bool) -> Result<(), StoreError> {
        let mut enqueued = false;
        for breaking in self.store.breaking_in_flight().await? {
            enqueued |= self.show_progress(&breaking, now).await?;
        }
        // A press after this gets "expired" anyway; the buttons just go.
        enqueued |= self.store.expire_breaking_drafts(now).await?.iter().any(|d| d.preview_message_id.is_some());
        enqueued |= self.store.enqueue_due_unpins(now).await? > 0;
        if alerts {
            enqueued |= self.check_silent_feeds(now).await?;
            enqueued |= self.check_dead_letters(now).await?;
            enqueued |= self.check_backlog(now).await?;
        }
        if enqueued {
            self.outbox_ready.notify_one();
        }
        Ok(())
    }

    /// Enqueues an edit of the admin's status message when the count moved;
    /// the final summary when done. Returns whether an edit was enqueued.
    async fn show_progress(&self, breaking: &Breaking, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let Some(message) = breaking.status_message_id else { return Ok(false) };
        let tally = self.store.breaking_tally(breaking.id).await?;
        let post_id = self.store.story_post_id(StoryKey::Breaking(breaking.id)).await?.unwrap_or_default();
        let texts = Lang::Id.newsroom();
        let id = post_id.to_string();
        let (text, finished) = if tally.finished() {
            let text = fill(
                texts.breaking_done,
                &[
                    ("id", &id),
                    ("sent", &tally.sent.to_string()),
                    ("blocked", &tally.blocked.to_string()),
                    ("failed", &tally.failed.to_string()),
                    ("total", &tally.total.to_string()),
                ],
            );
            (text, Some(now))
        } else {
            let text = fill(
                texts.breaking_progress,
                &[("id", &id), ("sent", &tally.done().to_string()), ("total", &tally.total.to_string())],
            );
            (text, None)
        };
        if breaking.progress_text.as_deref() == Some(text.as_str()) && finished.is_none() {
            return Ok(false);
        }
        // The same text twice is "not modified" at Telegram, which the sender counts as done.
        let post = NewPost::text(escape_html(&text), text.clone());
        self.store.enqueue_progress_edit(breaking.admin_chat, message, &post, now).await?;
        if finished.is_some() {
            tracing::info!(
                breaking_id = breaking.id,
                sent = tally.sent,
                blocked = tally.blocked,
                failed = tally.failed,
                "breaking news delivered"
            );
        }
        self.store.record_breaking_progress(breaking.id, None, &text, finished).await?;
        Ok(true)
    }

    /// A feed that fetches fine but stays silent in daytime: one alert, and one when it speaks again.
    /// Returns whether a notice was enqueued.
    async fn check_silent_feeds(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut told = false;
        let zone = self.settings.timezone;
        for alert in self.store.raised_alerts().await? {
            let AlertKey::FeedSilent { feed_id } = alert.key else { continue };
            let Some(feed) = self.store.feed(feed_id).await? else { continue };
            if feed.last_new_at.is_some_and(|at| at > alert.raised_at.timestamp_millis()) {
                let notice = |code: Option<&str>| {
                    let texts = Lang::from_code(code).newsroom();
                    let body = fill(texts.feed_silent_over_body, &[("url", &feed.url)]);
                    admin_post(texts.feed_silent_over_title, &body)
                };
                told |= self.store.clear_alert(alert.key, &notice, now).await?;
                tracing::info!(feed_id, "silent feed brings news again");
            }
        }
        let local = now.with_timezone(&zone).time();
        if !self.settings.daytime.contains(local) {
            return Ok(told);
        }
        let silent_since = crate::domain::time::earlier(now, self.settings.silent_after);
        for feed in self.store.silent_feeds(silent_since).await? {
            let since = feed.last_new_at.or(feed.primed_at).map(crate::store::from_ms).unwrap_or(now);
            let hours = (self.settings.silent_after.as_secs() / 3600).max(1).to_string();
            let notice = |code: Option<&str>| {
                let lang = Lang::from_code(code);
                let texts = lang.newsroom();
                let body = fill(
                    texts.feed_silent_body,
                    &[("url", &feed.url), ("since", &format_time(since, zone, lang)), ("hours", &hours)],
                );
                admin_post(texts.feed_silent_title, &body)
            };
            let key = AlertKey::FeedSilent { feed_id: feed.id };
            if self.store.raise_alert(key, "no new article", &notice, now).await? {
                told = true;
                tracing::warn!(feed_id = feed.id, since = %since, "feed fetches fine but brings nothing new; admins told");
            }
        }
        Ok(told)
    }

    /// Deliveries dead-lettered in the last hour: one alert, and one when an hour passes without.
    /// Returns whether a notice was enqueued.
    async fn check_dead_letters(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let dead = self.store.dead_since(now - DEAD_WINDOW).await?;
        if dead > 0 {
            let notice = |code: Option<&str>| {
                let texts = Lang::from_code(code).newsroom();
                admin_post(texts.dead_title, &fill(texts.dead_body, &[("count", &dead.to_string())]))
            };
            let raised = self.store.raise_alert(AlertKey::DeadLetters, &format!("{dead} dead"), &notice, now).await?;
            if raised {
                tracing::warn!(dead, "deliveries dead-lettered; admins told");
            }
            Ok(raised)
        } else {
            let notice = |code: Option<&str>| {
                let texts = Lang::from_code(code).newsroom();
                admin_post(texts.dead_over_title, texts.dead_over_body)
            };
            self.store.clear_alert(AlertKey::DeadLetters, &notice, now).await
        }
    }
}

impl NewsroomMonitor {
    /// The routine outbox growing for an hour: one alert (with how long a new
    /// article takes to reach everyone), and one when it shrinks again.
    /// Returns whether a notice was enqueued.
    async fn check_backlog(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let pending = self.store.routine_pending().await?;
        let trend = self.backlog.lock().unwrap_or_else(std::sync::PoisonError::into_inner).add(now, pending);
        match trend {
            Trend::Growing => {
                let subscribers = self.store.subscriber_counts(now).await?.active;
                let capacity = Capacity {
                    subscribers,
                    rate_per_second: self.settings.sending_rate,
                    paid_per_second: self.settings.paid_rate,
                    paid_on: self.settings.paid_on,
                };
                let notice = |code: Option<&str>| {
                    let lang = Lang::from_code(code);
                    let texts = lang.newsroom();
                    let body = fill(
                        texts.backlog_body,
                        &[("pending", &pending.to_string()), ("capacity", &capacity_line(&capacity, lang))],
                    );
                    admin_post(texts.backlog_title, &body)
                };
                let raised = self
                    .store
                    .raise_alert(AlertKey::BacklogGrowing, &format!("{pending} pending"), &notice, now)
                    .await?;
                if raised {
                    tracing::warn!(
                        pending,
                        subscribers,
                        "the subscribers' outbox kept growing for an hour; admins told"
                    );
                }
                Ok(raised)
            }
            Trend::Shrinking => {
                let notice = |code: Option<&str>| {
                    let texts = Lang::from_code(code).newsroom();
                    admin_post(texts.backlog_over_title, texts.backlog_over_body)
                };
                self.store.clear_alert(AlertKey::BacklogGrowing, &notice, now).await
            }
            Trend::Unclear => Ok(false),
        }
    }
}

/// A notice to the admins: a bold title and a body.
fn admin_post(title: &str, body: &str) -> NewPost {
    let notice = render_notice(title, body);
    NewPost::text(notice.html, notice.plain)
}

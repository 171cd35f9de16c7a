//! The digest pipeline: at each `[digest]` time, every digest reader's
//! "Berita Pilihan" goes into the outbox in one transaction (the store makes
//! a slot happen once); the delivery worker paces it out like any fan-out.
//! A slot missed while Warta was down is caught up within `digest.catch_up`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::domain::time::earlier;
use crate::domain::{Clock, DigestSchedule, NewPost, Slot, time_of_day_text};
use crate::format::{DigestHeading, PostStyle, render_digest};
use crate::store::{DigestContent, DigestPlan, DigestRun, Store, StoreError};

/// How late the loop may notice a slot that is due now (it looks at the
/// clock at least this often).
const ON_TIME: Duration = Duration::from_secs(60);

/// What the digests are made of.
#[derive(Debug, Clone)]
pub struct DigestSettings {
    pub schedule: DigestSchedule,
    pub max_items: usize,
    pub catch_up: Duration,
    pub pick_categories: Vec<String>,
    /// Where "Berita lainnya" leads: the bot's /latest (`t.me/<bot>?start=latest`).
    pub more_url: Option<Url>,
    /// The channels' options (language, silent), by style, as for their posts.
    pub styles: PostStyle,
}

impl DigestSettings {
    pub fn zone(&self) -> Tz {
        self.schedule.zone()
    }
}

#[derive(Debug, Clone)]
pub struct DigestScheduler {
    store: Store,
    settings: DigestSettings,
    clock: Arc<dyn Clock>,
    outbox_ready: Arc<Notify>,
}

impl DigestScheduler {
    pub fn new(store: Store, settings: DigestSettings, clock: Arc<dyn Clock>, outbox_ready: Arc<Notify>) -> Self {
        Self { store, settings, clock, outbox_ready }
    }

    /// Builds due slots until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        if let Err(err) = self.report_skipped(self.clock.now()).await {
            tracing::warn!(error = %err, "cannot tell which digests were missed");
        }
        loop {
            let now = self.clock.now();
            if let Err(err) = self.run_due(now).await {
                tracing::error!(error = %err, "cannot enqueue the digests; trying again shortly");
            }
            let wait = self.until_next(self.clock.now());
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Enqueues the digests of every slot due at `now` not built yet: slots
    /// up to `catch_up` late (at least a minute, the loop's own lateness).
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<Vec<(Slot, DigestRun)>, StoreError> {
        let schedule = &self.settings.schedule;
        let window = self.settings.catch_up.max(ON_TIME);
        let mut built = Vec::new();
        for slot in schedule.slots_between(schedule.times(), earlier(now, window), now) {
            if let Some(run) = self.build(slot, now).await? {
                built.push((slot, run));
            }
        }
        Ok(built)
    }

    async fn build(&self, slot: Slot, now: DateTime<Utc>) -> Result<Option<DigestRun>, StoreError> {
        let plan = DigestPlan {
            slot,
            schedule: &self.settings.schedule,
            max_items: self.settings.max_items,
            pick_categories: &self.settings.pick_categories,
        };
        let started = std::time::Instant::now();
        let heading = DigestHeading { day: slot.day, time: slot.time };
        let zone = self.settings.zone();
        let more = self.settings.more_url.as_ref();
        let styles = &self.settings.styles;
        let render = |content: &DigestContent<'_>| -> NewPost {
            let chats = styles.channel(content.style);
            let mut post =
                render_digest(heading, content.picks, content.others, content.left_out, zone, chats.lang, more);
            // A digest channel configured `silent` gets its digest without sound, as its posts.
            post.silent = chats.silent;
            post
        };
        // The outbox keeps the delivery worker's time, the system's: a stepped
        // clock moves slots, not when rows become due.
        let run = self.store.enqueue_digests(&plan, render, Utc::now()).await?;
        if let Some(run) = run {
            let late = (now - slot.at).num_seconds();
            tracing::info!(slot = %time_of_day_text(slot.time), day = %slot.day, digests = run.digests,
                renderings = run.renderings, empty = run.empty, late_seconds = late,
                took_ms = started.elapsed().as_millis() as u64, "digests enqueued");
            if run.digests > 0 {
                self.outbox_ready.notify_one();
            }
        }
        Ok(run)
    }

    /// Slots missed by more than `catch_up` since the last run: logged, not sent.
    async fn report_skipped(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        let Some(last) = self.store.last_digest_run().await? else { return Ok(()) };
        let schedule = &self.settings.schedule;
        let too_late = earlier(now, self.settings.catch_up.max(ON_TIME));
        let skipped = schedule.slots_between(schedule.times(), last, too_late);
        if let Some(first) = skipped.first() {
            tracing::warn!(skipped = skipped.len(), first = %first.at, catch_up = ?self.settings.catch_up,
                "digests missed while Warta was down are skipped: they would come too late");
        }
        Ok(())
    }

    /// How long to sleep: until the next slot, looking again at least every
    /// [`ON_TIME`] and as often as the clock asks.
    fn until_next(&self, now: DateTime<Utc>) -> Duration {
        let schedule = &self.settings.schedule;
        let until =
            schedule.next(schedule.times(), now).and_then(|slot| (slot.at - now).to_std().ok()).unwrap_or(ON_TIME);
        until.min(ON_TIME).min(self.clock.recheck()).max(Duration::from_millis(10))
    }
}

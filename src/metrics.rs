//! Prometheus metrics: every name in one place, recorded through the
//! `metrics` facade and rendered by Warta's HTTP listener at `/metrics`.
//!
//! The facade's recorder is process-wide by design (like tracing's
//! subscriber); [`Metrics::install`] sets it once at start. Where nothing
//! installed it (unit tests, `warta check`), recording is a no-op.

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Seconds buckets for latencies: replies (ms) to publish delays (minutes).
const LATENCY_BUCKETS: &[f64] =
    &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0];

/// Renders what was recorded.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot set up metrics: {0}")]
pub struct MetricsError(String);

impl Metrics {
    /// Builds the Prometheus recorder and installs it for this process.
    pub fn install() -> Result<Self, MetricsError> {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
            .map_err(|err| MetricsError(err.to_string()))?
            .build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).map_err(|err| MetricsError(err.to_string()))?;
        describe();
        Ok(Self { handle })
    }

    /// The Prometheus text exposition of everything recorded.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!("warta_articles_seen_total", "New articles found in feeds");
    describe_counter!("warta_posts_total", "Deliveries finished, by outcome and chat kind");
    describe_counter!("warta_telegram_429_total", "Flood-control answers (429) from Telegram");
    describe_counter!("warta_telegram_retry_after_seconds_total", "Seconds Telegram asked to wait, summed");
    describe_gauge!("warta_outbox_deliveries", "Deliveries in the outbox, by status");
    describe_gauge!("warta_subscribers", "Subscribers, by state");
    describe_histogram!(
        "warta_publish_to_telegram_seconds",
        "From an article's publication (or first sighting) to its first successful send"
    );
    describe_counter!("warta_feed_fetches_total", "Feed fetches, by outcome");
    describe_histogram!("warta_feed_fetch_seconds", "Feed fetch and record durations");
    describe_counter!("warta_commands_total", "Commands and button presses handled, by command");
    describe_histogram!("warta_reply_seconds", "From an update's arrival to the reply sent");
    describe_counter!(
        "warta_replies_dropped_total",
        "Replies dropped because flood control would have delivered them too late"
    );
    describe_counter!(
        "warta_task_panics_total",
        "Panics caught in a unit (update, feed, watch, worker, delivery), which restarted"
    );
}

pub fn articles_seen(count: usize) {
    counter!("warta_articles_seen_total").increment(u64::try_from(count).unwrap_or(u64::MAX));
}

/// A delivery finished: `outcome` is sent, failed, dead or retry.
pub fn delivery(outcome: &'static str, chat_kind: &'static str) {
    counter!("warta_posts_total", "outcome" => outcome, "chat_kind" => chat_kind).increment(1);
}

pub fn flood_wait(seconds: u64) {
    counter!("warta_telegram_429_total").increment(1);
    counter!("warta_telegram_retry_after_seconds_total").increment(seconds);
}

pub fn publish_latency(seconds: f64) {
    histogram!("warta_publish_to_telegram_seconds").record(seconds.max(0.0));
}

pub fn feed_fetch(outcome: &'static str, seconds: f64) {
    counter!("warta_feed_fetches_total", "outcome" => outcome).increment(1);
    histogram!("warta_feed_fetch_seconds").record(seconds);
}

pub fn command(name: &'static str, seconds: f64) {
    counter!("warta_commands_total", "command" => name).increment(1);
    histogram!("warta_reply_seconds", "command" => name).record(seconds);
}

/// A reply was dropped: flood control would have made it later than its freshness deadline.
pub fn reply_dropped() {
    counter!("warta_replies_dropped_total").increment(1);
}

/// A unit panicked and was restarted: `task` is update, feed, watch, worker or delivery.
pub fn task_panic(task: &'static str) {
    counter!("warta_task_panics_total", "task" => task).increment(1);
}

pub fn outbox(status: &'static str, count: i64) {
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    gauge!("warta_outbox_deliveries", "status" => status).set(count as f64);
}

pub fn subscribers(state: &'static str, count: i64) {
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    gauge!("warta_subscribers", "state" => state).set(count as f64);
}

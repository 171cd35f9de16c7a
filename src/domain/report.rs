//! What the newsroom is shown about Warta's state (/status, /audit): plain
//! figures the store reads and the formatter renders.

use chrono::{DateTime, Utc};

use super::AlertKey;

/// A watched feed as /status shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedStatus {
    /// The name shown under posts: configured name, else the feed's title, else its host.
    pub source_name: String,
    pub last_fetched_at: Option<DateTime<Utc>>,
    /// When the feed last brought a new article (or was first read).
    pub last_new_at: Option<DateTime<Utc>>,
    pub next_check: DateTime<Utc>,
    /// Failed fetches in a row, and the last one's reason.
    pub error_count: i64,
    pub last_error: Option<String>,
}

/// How many deliveries are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub dead: i64,
}

/// Readers by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubscriberCounts {
    pub active: i64,
    /// Subscribed, but Telegram said they blocked the bot or are gone.
    pub unreachable: i64,
    /// Subscribed since the given time.
    pub new_since: i64,
}

/// An alert that is raised now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedAlert {
    pub key: AlertKey,
    pub raised_at: DateTime<Utc>,
    pub detail: Option<String>,
}

/// One admin action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub admin_id: i64,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub recipients: Option<i64>,
}

/// A recent story with its delivery counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentStory {
    pub post_id: i64,
    pub title: String,
    pub breaking: bool,
    pub created_at: DateTime<Utc>,
    pub sent: i64,
    pub pending: i64,
    pub failed: i64,
}

/// How long a new article takes to reach every subscriber. A reader's
/// backlog goes out as one message, so a pass over the subscribers is one
/// message each, whatever is queued: the time is subscribers / rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    pub subscribers: i64,
    /// Messages per second sent now.
    pub rate_per_second: f64,
    /// Messages per second with Telegram's paid broadcast, and whether it is on.
    pub paid_per_second: f64,
    pub paid_on: bool,
}

impl Capacity {
    /// One pass over the subscribers at `per_second`.
    pub fn pass_at(&self, per_second: f64) -> std::time::Duration {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let seconds = self.subscribers.max(0) as f64 / per_second.max(0.001);
        std::time::Duration::from_secs_f64(seconds.min(1e9))
    }
}

/// Everything /status shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub feeds: Vec<FeedStatus>,
    pub outbox: OutboxCounts,
    /// Deliveries waiting out Telegram's flood control.
    pub rate_limited: i64,
    pub subscribers: SubscriberCounts,
    pub recent: Vec<RecentStory>,
    pub alerts: Vec<RaisedAlert>,
    pub paused: bool,
    /// Several instances on PostgreSQL: who leads, who stands by (`None` on SQLite).
    pub cluster: Option<ClusterStatus>,
}

/// The instances sharing a PostgreSQL store, as seen in the last seconds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterStatus {
    /// The lease's holder while the lease stands, and its epoch.
    pub leader: Option<(String, i64)>,
    pub standbys: Vec<String>,
}

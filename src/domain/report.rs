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
}

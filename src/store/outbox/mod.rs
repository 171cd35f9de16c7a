//! The outbox: the one owner of the `posts` and `deliveries` tables, which
//! join the producers (feed poller, admin commands, alerts) to the delivery
//! worker. Producers call the functions here, in their own transaction; the
//! worker claims and records rows through [`deliveries`]. No other store file
//! writes either table.

mod corrections;
mod deliveries;
mod digests;
mod enqueue;
mod follow_ups;

pub(super) use corrections::enqueue_correction;
pub use corrections::{Correction, CorrectionError, Retraction};
pub(super) use deliveries::fail_queued_for_chat;
pub use deliveries::{ClaimedDelivery, DeliveryAction, SentAs};
pub use digests::{DigestContent, DigestPlan, DigestRun};
pub(super) use enqueue::{enqueue_article, enqueue_breaking, enqueue_for_admins};
pub(super) use follow_ups::enqueue_clear_buttons;

/// Which due deliveries go first. Higher goes earlier; while routine posting
/// is paused (`/jeda`) only what is above [`Priority::Routine`] is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// New articles and their corrections from the feeds.
    Routine,
    /// Alerts to admins: before routine posts, after editorial work.
    Alert,
    /// Admins' corrections and retractions.
    Editorial,
    /// Breaking news, its unpins, and the buttons off expired previews.
    Breaking,
    /// Keeping messages already out current while a fan-out runs (pinning
    /// breaking news just sent, the admin's progress): before the rest of it.
    FollowUp,
}

impl Priority {
    /// The number stored in `deliveries.priority`.
    pub fn as_i64(self) -> i64 {
        match self {
            Self::Routine => 0,
            Self::Alert => 5,
            Self::Editorial => 8,
            Self::Breaking => 10,
            Self::FollowUp => 11,
        }
    }

    /// The priority a stored number stands for (unknown numbers: the nearest below).
    pub fn from_i64(value: i64) -> Self {
        match value {
            v if v >= 11 => Self::FollowUp,
            v if v >= 10 => Self::Breaking,
            v if v >= 8 => Self::Editorial,
            v if v >= 5 => Self::Alert,
            _ => Self::Routine,
        }
    }
}

/// A story: the posts of one article, or of one breaking-news item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryKey {
    Article(i64),
    Breaking(i64),
}

impl StoryKey {
    /// The posts column naming the story, and its id.
    pub(in crate::store) fn column(self) -> (&'static str, i64) {
        match self {
            Self::Article(id) => ("article_id", id),
            Self::Breaking(id) => ("breaking_id", id),
        }
    }
}

/// Who receives a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The configured channels and every subscribed reader.
    Readers,
    /// The admins' private chats.
    Admins,
}

impl Audience {
    pub(in crate::store) fn filter(self) -> &'static str {
        match self {
            Self::Readers => "(is_target = 1 OR subscribed = 1)",
            Self::Admins => "is_admin = 1",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_keep_their_stored_numbers_and_order() {
        let all = [Priority::Routine, Priority::Alert, Priority::Editorial, Priority::Breaking, Priority::FollowUp];
        assert_eq!(all.map(Priority::as_i64), [0, 5, 8, 10, 11]);
        for priority in all {
            assert_eq!(Priority::from_i64(priority.as_i64()), priority);
        }
        assert!(all.windows(2).all(|w| w[0] < w[1] && w[0].as_i64() < w[1].as_i64()));
        assert_eq!(Priority::from_i64(-3), Priority::Routine);
        assert_eq!(Priority::from_i64(99), Priority::FollowUp);
    }
}

//! Vocabulary types and their invariants. No I/O.

mod alert;
mod article;
mod category;
mod chat;
mod database;
mod digest;
mod layout;
mod post;
mod report;
mod site;
mod style;
pub mod time;

pub use alert::{AdminNotice, AlertKey};
pub use article::{Article, ArticleKey, NewArticle, fnv1a, is_invisible_format, normalize_link, strip_invisible};
pub use category::{CategoryKey, ForumTopics, display_category};
pub use chat::{ChatKind, ChatRef, ChatRefError};
pub use database::{DatabaseLocation, redact_in, redact_url};
pub use digest::{DeliveryMode, DigestSchedule, QuietHours, Slot, parse_time_of_day, time_of_day_text};
pub use layout::{DEFAULT_TEMPLATE, Field, PART_SEPARATOR, Segment, Template, TemplateError};
pub use post::{LinkButton, LinkPreview, NewPost, PhotoPost, PhotoSource, Post, PostRenderer, SearchText};
pub use report::{
    AuditEntry, Capacity, ClusterStatus, FeedStatus, OutboxCounts, RaisedAlert, RecentStory, StatusReport,
    SubscriberCounts,
};
pub use site::SiteKey;
pub use style::StyleKey;
pub use time::{Clock, SystemClock};

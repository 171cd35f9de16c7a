//! The newsroom's background watches: breaking-news progress for the admin,
//! expired previews, unpinning, and alerts (silent feeds, dead letters, a
//! subscribers' outbox that keeps growing),
//! all through the outbox; and the database file under the running Warta.

mod backlog;
mod database;
mod newsroom;

pub use database::{DATABASE_CHECK, run_database_watch};
pub use newsroom::{MonitorSettings, NewsroomMonitor};

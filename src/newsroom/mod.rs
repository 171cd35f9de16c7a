//! The newsroom's background work: breaking-news progress for the admin,
//! expired previews, unpinning, and alerts (silent feeds, dead letters);
//! and the /stats chart.

pub mod chart;
mod dbwatch;
mod monitor;
pub mod stats;

pub use dbwatch::{DATABASE_CHECK, run_database_watch};
pub use monitor::{MonitorSettings, NewsroomMonitor};

//! Warta: a Telegram news-distribution bot.
//!
//! Pipelines joined by tables: the feed poller writes articles, posts and their
//! deliveries in one transaction; the delivery worker is the only thing that
//! sends posts; the bot answers readers from the store.

pub mod app;
pub mod bot;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod digest;
pub mod domain;
pub mod feed;
pub mod format;
pub mod health;
pub mod http;
pub mod i18n;
pub mod instance;
pub mod metrics;
pub mod outbound;
pub mod store;
pub mod supervise;
pub mod telegram;
pub mod telemetry;
pub mod watch;

//! End-to-end tests: the real `warta` binary (or its library parts, stepped
//! one at a time) against a fake Bot API and a fake feed server.

#[path = "../support/mod.rs"]
mod support;

mod absurd_hints;
mod address_policy;
mod cli;
mod commands;
mod config_errors;
mod deep_nesting;
mod digest;
mod disk_full;
mod dispatcher_fuzz;
mod failed_items;
mod failover;
mod fake_api;
mod feed_to_channel;
mod feed_watching;
mod fetch;
mod flood_guard;
mod format_props;
mod log_spans;
mod lost_database;
mod migrate_db;
mod newsroom;
mod operations;
mod outbox;
mod parser_props;
mod photos;
mod ping;
mod poller;
mod postgres_lease;
mod readers;
mod real_feeds;
mod subscribers;
mod volume;
mod websub;
mod wordpress;

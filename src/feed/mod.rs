//! Feed watching: fetch (HTTP), parse (feed-rs), schedule (pure), poller (the loop).

pub mod fetch;
pub mod parse;
pub mod poller;
pub mod schedule;

pub use fetch::{FetchError, FetchOutcome, Fetched, Fetcher};
pub use parse::{ParseError, ParsedFeed, parse_feed};
pub use poller::{FeedPoller, PollOutcome};

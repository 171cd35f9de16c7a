//! Feed watching: fetch (HTTP), parse (feed-rs), schedule (pure), poller (the loop).

pub mod fetch;
pub mod parse;
pub mod poller;
pub mod repair;
pub mod schedule;
pub mod vet;
pub mod websub;

pub use fetch::{AddressPolicy, FetchLimits, FetchOutcome, FetchRequest, Fetched, Fetcher};
pub use parse::{ParseError, ParsedFeed, parse_feed, parse_feed_with_charset};
pub use poller::{FeedPoller, PollOutcome, PollSettings, WatchedFeed};

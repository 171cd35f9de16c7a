//! Feed watching: parse (feed-rs), schedule (pure), poller (the loop), WebSub.
//! HTTP is [`crate::outbound`], which the delivery worker shares for images.

pub mod enrich;
pub mod parse;
mod person;
pub mod ping;
pub mod poller;
pub mod repair;
pub mod schedule;
pub mod vet;
pub mod websub;
pub mod wordpress;

pub use crate::outbound::{AddressPolicy, FetchLimits, FetchOutcome, FetchRequest, Fetched, Fetcher};
pub use parse::{ParseError, ParsedFeed, parse_feed, parse_feed_with_charset};
pub use poller::{FeedPoller, PollOutcome, PollSettings, WatchedFeed};

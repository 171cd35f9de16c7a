//! The wall around the Bot API: teloxide's types stay behind it. What the
//! outbox sends goes through the delivery worker's sender, which uses the
//! conversions and the reading of Telegram's answers here; replies to
//! commands are the bot's; the few other direct calls are in [`direct`].
//! Every send, the outbox's and the replies', takes its turn in [`pacer`].

mod answer;
mod convert;
mod direct;
pub mod pacer;

pub use answer::{SendResult, classify};
pub use convert::{button_markup, link_preview_options, photo_input, preview_options, recipient};
pub use direct::{BotIdentity, ChatIdentity, DirectCallError, TelegramApi};
pub use pacer::{Lane, Pacer, PacingLimits, sending_rate_at};

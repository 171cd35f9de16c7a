//! Pure rendering of articles and replies into Telegram posts: escaping,
//! layout, limits. Nothing here does I/O.

mod markup;
mod post;
mod replies;
mod text;
mod time;

pub use markup::{RichText, utf16_len};
pub use post::{PostStyle, render_article_post};
pub use replies::{
    LatestEntry, Reply, render_feed_alert, render_feed_recovered, render_help, render_latest, render_latest_usage,
    render_start,
};
pub use text::{decode_entities, excerpt, html_to_plain, truncate_chars};
pub use time::format_time;

/// Telegram's limit on a text message, counted after entity parsing. We count
/// UTF-16 code units, which is never less than what Telegram counts.
pub const MESSAGE_LIMIT: usize = 4096;
/// Telegram's limit on a media caption.
pub const CAPTION_LIMIT: usize = 1024;

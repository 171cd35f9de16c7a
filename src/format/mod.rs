//! Pure rendering of articles and replies into Telegram posts: HTML
//! conversion, layout, escaping, limits. Nothing here does I/O.

pub mod chart;
mod digest;
mod html;
mod nesting;
mod newsroom;
mod post;
mod replies;
mod rich;
pub mod stats;
mod template;
#[cfg(test)]
pub(crate) mod testing;
mod text;
mod time;
pub mod validate;

pub use crate::domain::{DEFAULT_TEMPLATE, Field, Template, TemplateError};
pub use digest::{DigestHeading, append_picks, render_digest, style_lang};
pub use html::{
    Block, BlockKind, Conversion, MIN_PHOTO_SIDE, first_image, html_to_blocks, html_to_rich, is_icon_url, og_image,
};
pub use nesting::{MAX_MARKUP_DEPTH, Markup, bound_nesting};
pub use newsroom::{
    AdminText, TooLong, capacity_line, render_admin_post, render_audit, render_notice, render_retraction_notice,
    render_status,
};
pub use post::{ChannelStyle, PostStyle, READER_STYLE_EN, hashtags, reader_style, render_article_post, with_utm};
pub use replies::{
    ArticleList, Reply, render_article_list, render_backlog, render_category_picker, render_channel_refuses,
    render_feed_alert, render_feed_recovered, render_help, render_item_failed, render_latest_usage, render_start,
    render_text,
};
pub use rich::{MAX_ENTITIES, Node, RichText, Style, escape_html, utf16_len};
pub use template::RenderTemplate;
pub use text::{decode_entities, html_to_plain, one_line, truncate_chars};
pub use time::{format_clock, format_day, format_time, zone_name};

/// Telegram's limit on a text message, counted after entity parsing. We count
/// UTF-16 code units, which is never less than what Telegram counts.
pub const MESSAGE_LIMIT: usize = 4096;
/// Telegram's limit on a media caption.
pub const CAPTION_LIMIT: usize = 1024;

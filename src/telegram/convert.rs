//! Warta's types in the Bot API's terms.

use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Recipient};

use crate::domain::{ChatRef, LinkPreview, NewPost, PhotoSource};

/// The photo for Telegram to take: by its address or by the file id it already has.
pub fn photo_input(source: &PhotoSource) -> InputFile {
    match source {
        PhotoSource::Web(url) => InputFile::url(url.clone()),
        PhotoSource::TelegramFile(file_id) => InputFile::file_id(file_id.clone().into()),
    }
}

/// The link preview a post asks for.
pub fn preview_options(post: &NewPost) -> LinkPreviewOptions {
    let article = post.button.as_ref().map(|b| b.url.to_string());
    match post.link_preview {
        LinkPreview::Disabled => link_preview_options(true),
        LinkPreview::Small | LinkPreview::Large => LinkPreviewOptions {
            is_disabled: false,
            url: article,
            prefer_small_media: post.link_preview == LinkPreview::Small,
            prefer_large_media: post.link_preview == LinkPreview::Large,
            show_above_text: false,
        },
    }
}

/// The "Baca selengkapnya" button under a post, if it has one.
pub fn button_markup(post: &NewPost) -> Option<InlineKeyboardMarkup> {
    let button = post.button.as_ref()?;
    Some(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(button.text.clone(), button.url.clone())]]))
}

/// Link previews on (for the URL in the text) or off.
pub fn link_preview_options(disabled: bool) -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: disabled,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// Where a request goes: a numeric chat id or a public @username.
pub fn recipient(chat: &ChatRef) -> Recipient {
    match chat {
        ChatRef::Id(id) => Recipient::Id(ChatId(*id)),
        ChatRef::Username(name) => Recipient::ChannelUsername(name.clone()),
    }
}

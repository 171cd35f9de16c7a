//! Sends posts through the Bot API. The only place Telegram's errors are
//! interpreted.

use std::fmt;
use std::time::Duration;

use teloxide::payloads::{
    EditMessageCaptionSetters, EditMessageTextSetters, PinChatMessageSetters, SendMessageSetters, SendPhotoSetters,
    UnpinChatMessageSetters,
};
use teloxide::prelude::Requester;
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, MessageId, ParseMode, Recipient,
    ThreadId,
};
use teloxide::{ApiError, Bot, RequestError};

use crate::domain::{ChatRef, LinkPreview, NewPost};

/// What Telegram made of one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// Done; `telegram_chat_id` is the chat's numeric id when Telegram told it.
    Sent { message_id: i32, telegram_chat_id: Option<i64> },
    /// Flood control: wait this long, then send again.
    RetryAfter(Duration),
    /// The group became a supergroup with this id: send there.
    Migrated(i64),
    /// The chat can no longer receive posts (blocked, kicked, deleted, not found).
    ChatGone(String),
    /// Telegram refused the HTML: a formatter bug; the plain text may still go.
    MarkupRejected(String),
    /// Telegram could not use the photo (fetch by URL failed, bad image): try
    /// uploading it, else send the post as text.
    ImageRejected(String),
    /// The forum topic is gone or closed: post outside it.
    ThreadGone(String),
    /// Telegram will not delete the message (too old, or no right to): edit it instead.
    CannotDelete(String),
    /// Telegram refused this message for good.
    Rejected(String),
    /// Network trouble or a Telegram server error: try again later.
    Transient(String),
}

/// Sends posts. Its `Debug` never shows the bot (whose `Debug` holds the token).
#[derive(Clone)]
pub struct TelegramSender {
    bot: Bot,
    /// Ask Telegram for paid broadcast (above 30/s, 0.1 Star per message).
    paid_broadcast: bool,
}

impl fmt::Debug for TelegramSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramSender").finish_non_exhaustive()
    }
}

impl TelegramSender {
    pub fn new(bot: Bot) -> Self {
        Self { bot, paid_broadcast: false }
    }

    /// Sends with `allow_paid_broadcast`, for rates above Telegram's free 30/s.
    pub fn with_paid_broadcast(mut self, enabled: bool) -> Self {
        self.paid_broadcast = enabled;
        self
    }

    /// Sends `post` to `chat` (in forum topic `thread`, if given) as a text
    /// message, as HTML or, when `as_plain`, as its plain twin.
    pub async fn send_post(&self, chat: &ChatRef, post: &NewPost, as_plain: bool, thread: Option<i32>) -> SendResult {
        let text = if as_plain { post.plain.clone() } else { post.html.clone() };
        let mut request = self
            .bot
            .send_message(recipient(chat), text)
            .link_preview_options(preview_options(post))
            .disable_notification(post.silent);
        if self.paid_broadcast {
            request = request.allow_paid_broadcast(true);
        }
        if !as_plain {
            request = request.parse_mode(ParseMode::Html);
        }
        if let Some(markup) = button_markup(post) {
            request = request.reply_markup(markup);
        }
        if let Some(thread) = thread {
            request = request.message_thread_id(ThreadId(MessageId(thread)));
        }
        match request.await {
            Ok(message) => SendResult::Sent { message_id: message.id.0, telegram_chat_id: Some(message.chat.id.0) },
            Err(err) => classify(&err),
        }
    }

    /// Sends the photo form of `post`: the image from `source`, the post as caption.
    pub async fn send_photo(
        &self,
        chat: &ChatRef,
        post: &NewPost,
        source: PhotoSource,
        as_plain: bool,
        thread: Option<i32>,
    ) -> SendResult {
        let Some(photo) = &post.photo else {
            return SendResult::Rejected("the post has no photo".to_owned());
        };
        let file = match source {
            PhotoSource::Url => match photo.telegram_file_id() {
                Some(file_id) => InputFile::file_id(file_id.to_owned().into()),
                None => InputFile::url(photo.url.clone()),
            },
            PhotoSource::Upload(bytes) => InputFile::memory(bytes).file_name(upload_name(&photo.url)),
        };
        let caption = if as_plain { photo.caption_plain.clone() } else { photo.caption_html.clone() };
        let mut request = self.bot.send_photo(recipient(chat), file).caption(caption).disable_notification(post.silent);
        if self.paid_broadcast {
            request = request.allow_paid_broadcast(true);
        }
        if !as_plain {
            request = request.parse_mode(ParseMode::Html);
        }
        if let Some(markup) = button_markup(post) {
            request = request.reply_markup(markup);
        }
        if let Some(thread) = thread {
            request = request.message_thread_id(ThreadId(MessageId(thread)));
        }
        match request.await {
            Ok(message) => SendResult::Sent { message_id: message.id.0, telegram_chat_id: Some(message.chat.id.0) },
            Err(err) => classify(&err),
        }
    }

    /// Edits the caption of an earlier photo message to match `post`.
    pub async fn edit_caption(&self, chat: &ChatRef, message_id: i32, post: &NewPost, as_plain: bool) -> SendResult {
        // A corrected article that lost its image still has a caption-sized text.
        let (caption, html) = match &post.photo {
            Some(photo) if !as_plain => (photo.caption_html.clone(), true),
            Some(photo) => (photo.caption_plain.clone(), false),
            None => (crate::format::truncate_chars(&post.plain, crate::format::CAPTION_LIMIT), false),
        };
        let mut request = self.bot.edit_message_caption(recipient(chat), MessageId(message_id)).caption(caption);
        if html {
            request = request.parse_mode(ParseMode::Html);
        }
        if let Some(markup) = button_markup(post) {
            request = request.reply_markup(markup);
        }
        match request.await {
            Ok(message) => SendResult::Sent { message_id, telegram_chat_id: Some(message.chat.id.0) },
            Err(RequestError::Api(ApiError::MessageNotModified)) => {
                SendResult::Sent { message_id, telegram_chat_id: None }
            }
            Err(err) => classify(&err),
        }
    }

    /// Edits an earlier message to show `post`. An unchanged message counts as done.
    pub async fn edit_post(&self, chat: &ChatRef, message_id: i32, post: &NewPost, as_plain: bool) -> SendResult {
        let text = if as_plain { post.plain.clone() } else { post.html.clone() };
        let mut request = self
            .bot
            .edit_message_text(recipient(chat), MessageId(message_id), text)
            .link_preview_options(preview_options(post));
        if !as_plain {
            request = request.parse_mode(ParseMode::Html);
        }
        if let Some(markup) = button_markup(post) {
            request = request.reply_markup(markup);
        }
        match request.await {
            Ok(message) => SendResult::Sent { message_id, telegram_chat_id: Some(message.chat.id.0) },
            Err(RequestError::Api(ApiError::MessageNotModified)) => {
                SendResult::Sent { message_id, telegram_chat_id: None }
            }
            Err(err) => classify(&err),
        }
    }

    /// Deletes an earlier message. One already gone counts as done.
    pub async fn delete_message(&self, chat: &ChatRef, message_id: i32) -> SendResult {
        match self.bot.delete_message(recipient(chat), MessageId(message_id)).await {
            Ok(_) | Err(RequestError::Api(ApiError::MessageToDeleteNotFound)) => {
                SendResult::Sent { message_id, telegram_chat_id: None }
            }
            // Too old (48 h) or no right to delete: the caller edits it instead.
            Err(RequestError::Api(ApiError::MessageCantBeDeleted)) => {
                SendResult::CannotDelete("message can't be deleted".to_owned())
            }
            Err(RequestError::Api(ApiError::Unknown(description))) if description.contains("can't be deleted") => {
                SendResult::CannotDelete(description)
            }
            Err(err) => classify(&err),
        }
    }

    /// Pins a message without notifying (the post itself already did).
    pub async fn pin_message(&self, chat: &ChatRef, message_id: i32) -> SendResult {
        match self.bot.pin_chat_message(recipient(chat), MessageId(message_id)).disable_notification(true).await {
            Ok(_) => SendResult::Sent { message_id, telegram_chat_id: None },
            Err(err) => classify(&err),
        }
    }

    /// Takes the inline buttons off a message; one without them counts as done.
    pub async fn clear_buttons(&self, chat: &ChatRef, message_id: i32) -> SendResult {
        match self.bot.edit_message_reply_markup(recipient(chat), MessageId(message_id)).await {
            Ok(_) => SendResult::Sent { message_id, telegram_chat_id: None },
            Err(RequestError::Api(ApiError::MessageNotModified)) => {
                SendResult::Sent { message_id, telegram_chat_id: None }
            }
            Err(err) => classify(&err),
        }
    }

    /// Unpins a message; one no longer there counts as done.
    pub async fn unpin_message(&self, chat: &ChatRef, message_id: i32) -> SendResult {
        match self.bot.unpin_chat_message(recipient(chat)).message_id(MessageId(message_id)).await {
            Ok(_) => SendResult::Sent { message_id, telegram_chat_id: None },
            Err(RequestError::Api(ApiError::MessageToDeleteNotFound | ApiError::MessageNotModified)) => {
                SendResult::Sent { message_id, telegram_chat_id: None }
            }
            Err(err) => classify(&err),
        }
    }
}

/// Where a photo comes from.
#[derive(Debug, Clone)]
pub enum PhotoSource {
    /// Telegram fetches the post's image URL itself.
    Url,
    /// Warta downloaded the image and uploads these bytes.
    Upload(Vec<u8>),
}

/// The file name an uploaded image gets, from the last segment of its URL.
fn upload_name(url: &url::Url) -> String {
    let name = url.path_segments().and_then(|mut s| s.next_back()).filter(|s| !s.is_empty()).unwrap_or("foto.jpg");
    let name: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).take(64).collect();
    if name.contains('.') { name } else { format!("{name}.jpg") }
}

/// The preview shown under a text post: off, or of the article (small or large).
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

fn button_markup(post: &NewPost) -> Option<InlineKeyboardMarkup> {
    let button = post.button.as_ref()?;
    Some(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(button.text.clone(), button.url.clone())]]))
}

pub fn link_preview_options(disabled: bool) -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: disabled,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

pub fn recipient(chat: &ChatRef) -> Recipient {
    match chat {
        ChatRef::Id(id) => Recipient::Id(ChatId(*id)),
        ChatRef::Username(name) => Recipient::ChannelUsername(name.clone()),
    }
}

/// Maps a Bot API error to what the outbox should do about it.
pub fn classify(err: &RequestError) -> SendResult {
    match err {
        RequestError::RetryAfter(seconds) => SendResult::RetryAfter(seconds.duration()),
        RequestError::MigrateToChatId(id) => SendResult::Migrated(id.0),
        RequestError::Api(api) => classify_api(api),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            SendResult::Transient(err.to_string())
        }
    }
}

fn classify_api(err: &ApiError) -> SendResult {
    let text = err.to_string();
    match err {
        ApiError::BotBlocked
        | ApiError::BotKicked
        | ApiError::BotKickedFromSupergroup
        | ApiError::BotKickedFromChannel
        | ApiError::UserDeactivated
        | ApiError::CantInitiateConversation
        | ApiError::CantTalkWithBots
        | ApiError::ChatNotFound
        | ApiError::GroupDeactivated
        | ApiError::NotEnoughRightsToPostMessages => SendResult::ChatGone(text),
        ApiError::CantParseEntities(description) => SendResult::MarkupRejected(description.clone()),
        ApiError::FailedToGetUrlContent
        | ApiError::WrongFileIdOrUrl
        | ApiError::WrongFileId
        | ApiError::FileIdInvalid
        | ApiError::ImageProcessFailed
        | ApiError::PhotoAsInputFileRequired
        | ApiError::WrongHttpUrl
        | ApiError::RequestEntityTooLarge => SendResult::ImageRejected(text),
        ApiError::Unknown(description) => classify_untyped(description),
        // Typed errors that are not about the chat: this message can never be sent as is.
        _ => SendResult::Rejected(text),
    }
}

/// The few texts teloxide does not type (see FACTS.md), matched in this one place.
fn classify_untyped(description: &str) -> SendResult {
    let lower = description.to_ascii_lowercase();
    if lower.starts_with("forbidden:") {
        // "bot can't initiate conversation with a user", "bot was kicked from the group chat",
        // "bot is not a member of the channel chat", ...
        return SendResult::ChatGone(description.to_owned());
    }
    if lower.contains("can't parse entities") {
        return SendResult::MarkupRejected(description.to_owned());
    }
    if ["message thread not found", "topic_closed", "topic_deleted", "topic_id_invalid"]
        .iter()
        .any(|problem| lower.contains(problem))
    {
        return SendResult::ThreadGone(description.to_owned());
    }
    const IMAGE_PROBLEMS: &[&str] = &[
        "failed to get http url content",
        "wrong type of the web page content",
        "wrong file identifier",
        "photo_invalid_dimensions",
        "photo_save_file_invalid",
        "photo_ext_invalid",
        "image_process_failed",
        "webpage_curl_failed",
        "webpage_media_empty",
    ];
    if IMAGE_PROBLEMS.iter().any(|problem| lower.contains(problem)) {
        return SendResult::ImageRejected(description.to_owned());
    }
    if lower.starts_with("bad request: chat not found")
        || lower.starts_with("bad request: have no rights to send")
        || lower.starts_with("bad request: need administrator rights")
        || lower.starts_with("bad request: chat_write_forbidden")
    {
        return SendResult::ChatGone(description.to_owned());
    }
    if lower.starts_with("bad request:") {
        return SendResult::Rejected(description.to_owned());
    }
    // Internal Server Error, Bad Gateway, … : Telegram's side; try again.
    SendResult::Transient(description.to_owned())
}

#[cfg(test)]
mod tests {
    use teloxide::types::Seconds;

    use super::*;

    #[test]
    fn classifies_what_telegram_answers() {
        assert_eq!(
            classify(&RequestError::RetryAfter(Seconds::from_seconds(7))),
            SendResult::RetryAfter(Duration::from_secs(7))
        );
        assert_eq!(classify(&RequestError::MigrateToChatId(ChatId(-10042))), SendResult::Migrated(-10042));
        assert!(matches!(classify(&RequestError::Api(ApiError::BotBlocked)), SendResult::ChatGone(_)));
        assert!(matches!(classify(&RequestError::Api(ApiError::ChatNotFound)), SendResult::ChatGone(_)));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::CantParseEntities("Bad Request: can't parse entities: x".into()))),
            SendResult::MarkupRejected(_)
        ));
        assert!(matches!(classify(&RequestError::Api(ApiError::MessageIsTooLong)), SendResult::Rejected(_)));
        let untyped = |text: &str| classify(&RequestError::Api(ApiError::Unknown(text.into())));
        assert!(matches!(untyped("Forbidden: bot can't initiate conversation with a user"), SendResult::ChatGone(_)));
        assert!(matches!(untyped("Forbidden: bot was kicked from the group chat"), SendResult::ChatGone(_)));
        assert!(matches!(untyped("Bad Request: BUTTON_URL_INVALID"), SendResult::Rejected(_)));
        assert!(matches!(untyped("Internal Server Error"), SendResult::Transient(_)));
        assert!(matches!(untyped("Bad Gateway"), SendResult::Transient(_)));
        assert!(matches!(untyped("Bad Request: message thread not found"), SendResult::ThreadGone(_)));
        assert!(matches!(untyped("Bad Request: TOPIC_CLOSED"), SendResult::ThreadGone(_)));
        assert!(matches!(classify(&RequestError::Api(ApiError::FailedToGetUrlContent)), SendResult::ImageRejected(_)));
        assert!(matches!(untyped("Bad Request: PHOTO_INVALID_DIMENSIONS"), SendResult::ImageRejected(_)));
        assert!(matches!(untyped("Bad Request: wrong type of the web page content"), SendResult::ImageRejected(_)));
    }
}

//! Sends what the outbox holds through the Bot API, for the delivery worker.
//! Telegram's answers are read by [`crate::telegram::classify`].

use std::fmt;

use teloxide::payloads::{
    EditMessageCaptionSetters, EditMessageTextSetters, PinChatMessageSetters, SendMessageSetters, SendPhotoSetters,
    UnpinChatMessageSetters,
};
use teloxide::prelude::Requester;
use teloxide::types::{InputFile, MessageId, ParseMode, ThreadId};
use teloxide::{ApiError, Bot, RequestError};

use crate::domain::{ChatRef, NewPost};
pub use crate::telegram::SendResult;
use crate::telegram::{button_markup, classify, photo_input, preview_options, recipient};

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

    /// Sends the photo form of `post`: the image as `transfer` says, the post as caption.
    pub async fn send_photo(
        &self,
        chat: &ChatRef,
        post: &NewPost,
        transfer: PhotoTransfer,
        as_plain: bool,
        thread: Option<i32>,
    ) -> SendResult {
        let Some(photo) = &post.photo else {
            return SendResult::Rejected("the post has no photo".to_owned());
        };
        let file = match transfer {
            PhotoTransfer::ByReference => photo_input(&photo.source),
            PhotoTransfer::Upload(bytes) => InputFile::memory(bytes).file_name(upload_name(photo.web_url())),
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
            // Too old (48 h) or no right to delete: classified CannotDelete, and the caller edits it instead.
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

/// How a photo reaches Telegram.
#[derive(Debug, Clone)]
pub enum PhotoTransfer {
    /// Telegram takes it itself: from the web image's address, or by its file id.
    ByReference,
    /// Warta downloaded the web image and uploads these bytes.
    Upload(Vec<u8>),
}

/// The file name an uploaded image gets, from the last segment of its URL.
fn upload_name(url: Option<&url::Url>) -> String {
    let name = url
        .and_then(|url| url.path_segments())
        .and_then(|mut s| s.next_back())
        .filter(|s| !s.is_empty())
        .unwrap_or("foto.jpg");
    let name: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).take(64).collect();
    if name.contains('.') { name } else { format!("{name}.jpg") }
}

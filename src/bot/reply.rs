//! Sending and editing the bot's answers: HTML with a plain-text fallback,
//! threaded in groups and forum topics.

use teloxide::payloads::{EditMessageTextSetters, SendMessageSetters};
use teloxide::prelude::Requester;
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ParseMode, ReplyParameters, ThreadId,
};
use teloxide::{ApiError, Bot, RequestError};
use url::Url;

use crate::format::{Reply, render_text};
use crate::telegram::link_preview_options;

/// A reply and its buttons.
#[derive(Debug, Clone)]
pub struct Answer {
    pub reply: Reply,
    pub keyboard: Option<InlineKeyboardMarkup>,
}

impl Answer {
    pub fn new(reply: Reply, keyboard: Option<InlineKeyboardMarkup>) -> Self {
        Self { reply, keyboard }
    }

    pub fn text(text: &str) -> Self {
        Self { reply: render_text(text), keyboard: None }
    }

    pub fn with_keyboard(mut self, keyboard: InlineKeyboardMarkup) -> Self {
        self.keyboard = Some(keyboard);
        self
    }
}

/// Where a command was sent: the answer goes there.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub chat_id: ChatId,
    pub private: bool,
    /// The command's message: in groups the answer replies to it.
    pub message_id: MessageId,
    /// The forum topic the command was sent in.
    pub thread: Option<ThreadId>,
}

/// A button that opens the private chat with the bot at a deep link.
pub fn private_chat_button(bot_username: &str, payload: &str, text: &str) -> Option<InlineKeyboardMarkup> {
    let link = Url::parse(&format!("https://t.me/{bot_username}?start={payload}")).ok()?;
    Some(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(text.to_owned(), link)]]))
}

/// Sends an answer; in groups as a reply in the command's thread. Falls back
/// to plain text if Telegram ever refuses the HTML.
pub async fn send_answer(bot: &Bot, place: &Place, answer: Answer) -> Result<(), RequestError> {
    let Answer { reply, keyboard } = answer;
    let build = |text: String, html: bool| {
        let mut request = bot.send_message(place.chat_id, text).link_preview_options(link_preview_options(true));
        if html {
            request = request.parse_mode(ParseMode::Html);
        }
        if !place.private {
            request = request.reply_parameters(ReplyParameters::new(place.message_id).allow_sending_without_reply());
        }
        if let Some(thread) = place.thread {
            request = request.message_thread_id(thread);
        }
        if let Some(keyboard) = keyboard.clone() {
            request = request.reply_markup(keyboard);
        }
        request
    };
    match build(reply.html.clone(), true).await {
        Ok(_) => Ok(()),
        Err(RequestError::Api(ApiError::CantParseEntities(description))) => {
            tracing::error!(chat_id = place.chat_id.0, error = %description, "Telegram refused a reply's HTML; sending plain text");
            build(reply.plain, false).await.map(|_| ())
        }
        Err(err) => Err(err),
    }
}

/// Replaces a message's text and buttons (a page turned, a box ticked). An
/// edit to the same content (a double tap) is fine.
pub async fn edit_answer(
    bot: &Bot,
    chat_id: ChatId,
    message_id: MessageId,
    answer: Answer,
) -> Result<(), RequestError> {
    let Answer { reply, keyboard } = answer;
    let build = |text: String, html: bool| {
        let mut request =
            bot.edit_message_text(chat_id, message_id, text).link_preview_options(link_preview_options(true));
        if html {
            request = request.parse_mode(ParseMode::Html);
        }
        if let Some(keyboard) = keyboard.clone() {
            request = request.reply_markup(keyboard);
        }
        request
    };
    let result = match build(reply.html.clone(), true).await {
        Err(RequestError::Api(ApiError::CantParseEntities(description))) => {
            tracing::error!(chat_id = chat_id.0, error = %description, "Telegram refused an edit's HTML; using plain text");
            build(reply.plain, false).await
        }
        other => other,
    };
    match result {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(err) => Err(err),
    }
}

//! Sends posts through the Bot API. The only place Telegram's errors are
//! interpreted.

use std::fmt;
use std::time::Duration;

use teloxide::payloads::{EditMessageTextSetters, SendMessageSetters};
use teloxide::prelude::Requester;
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, MessageId, ParseMode, Recipient,
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
    /// Telegram refused this message for good.
    Rejected(String),
    /// Network trouble or a Telegram server error: try again later.
    Transient(String),
}

/// Sends posts. Its `Debug` never shows the bot (whose `Debug` holds the token).
#[derive(Clone)]
pub struct TelegramSender {
    bot: Bot,
}

impl fmt::Debug for TelegramSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramSender").finish_non_exhaustive()
    }
}

impl TelegramSender {
    pub fn new(bot: Bot) -> Self {
        Self { bot }
    }

    /// Sends `post` to `chat`, as HTML or, when `as_plain`, as its plain twin.
    pub async fn send_post(&self, chat: &ChatRef, post: &NewPost, as_plain: bool) -> SendResult {
        let text = if as_plain { post.plain.clone() } else { post.html.clone() };
        let mut request = self
            .bot
            .send_message(recipient(chat), text)
            .link_preview_options(link_preview_options(post.link_preview == LinkPreview::Disabled));
        if !as_plain {
            request = request.parse_mode(ParseMode::Html);
        }
        if let Some(markup) = button_markup(post) {
            request = request.reply_markup(markup);
        }
        match request.await {
            Ok(message) => SendResult::Sent { message_id: message.id.0, telegram_chat_id: Some(message.chat.id.0) },
            Err(err) => classify(&err),
        }
    }

    /// Edits an earlier message to show `post`. An unchanged message counts as done.
    pub async fn edit_post(&self, chat: &ChatRef, message_id: i32, post: &NewPost, as_plain: bool) -> SendResult {
        let text = if as_plain { post.plain.clone() } else { post.html.clone() };
        let mut request = self
            .bot
            .edit_message_text(recipient(chat), MessageId(message_id), text)
            .link_preview_options(link_preview_options(post.link_preview == LinkPreview::Disabled));
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
            Err(err) => classify(&err),
        }
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
    }
}

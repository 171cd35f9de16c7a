//! /subscribe and /unsubscribe, and the button that does the opposite.

use chrono::Utc;
use teloxide::payloads::EditMessageReplyMarkupSetters;
use teloxide::prelude::Requester;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId};
use teloxide::{ApiError, Bot, RequestError};

use super::callbacks::Callback;
use super::reply::Answer;
use super::{BotState, Sender};
use crate::format::reader_style;
use crate::i18n::Lang;
use crate::store::{StoreError, SubscribeOutcome, UnsubscribeOutcome};

/// Subscribes or unsubscribes a reader: the answer, with the button to undo it.
pub async fn subscribe(state: &BotState, reader: i64, sender: &Sender, subscribe: bool) -> Result<Answer, StoreError> {
    let lang = sender.lang;
    let texts = lang.texts();
    let now = Utc::now();
    let text = if subscribe {
        let language = sender.language_code.as_deref();
        match state.store.subscribe(reader, language, reader_style(lang), now).await? {
            SubscribeOutcome::Subscribed => {
                tracing::info!(reader, "reader subscribed");
                texts.subscribed
            }
            SubscribeOutcome::AlreadySubscribed => texts.already_subscribed,
        }
    } else {
        match state.store.unsubscribe(reader, now).await? {
            UnsubscribeOutcome::Unsubscribed => {
                tracing::info!(reader, "reader unsubscribed");
                texts.unsubscribed
            }
            UnsubscribeOutcome::NotSubscribed => texts.not_subscribed,
        }
    };
    Ok(Answer::text(text).with_keyboard(button(subscribe, lang)))
}

/// The button that does the opposite of the reader's current state.
pub fn button(subscribed: bool, lang: Lang) -> InlineKeyboardMarkup {
    let texts = lang.texts();
    let button = if subscribed {
        InlineKeyboardButton::callback(texts.button_unsubscribe, Callback::Unsubscribe.encode())
    } else {
        InlineKeyboardButton::callback(texts.button_subscribe, Callback::Subscribe.encode())
    };
    InlineKeyboardMarkup::new([[button]])
}

/// Turns the button on a message into the opposite; a double tap changes nothing.
pub async fn update_button(bot: &Bot, chat: ChatId, message_id: MessageId, subscribed: bool, lang: Lang) {
    match bot.edit_message_reply_markup(chat, message_id).reply_markup(button(subscribed, lang)).await {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => {}
        Err(err) => tracing::debug!(error = %err, "cannot update the subscription button"),
    }
}

//! The reader-facing bot: command parsing, replies. Replies are answers, sent
//! directly; broadcasts go through the outbox.

pub mod commands;
mod menu;

use std::sync::Arc;

use chrono::Utc;
use chrono_tz::Tz;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::payloads::{AnswerCallbackQuerySetters, EditMessageReplyMarkupSetters, SendMessageSetters};
use teloxide::prelude::{Requester, Update};
use teloxide::types::{
    CallbackQuery, ChatKind as TgChatKind, InlineKeyboardButton, InlineKeyboardMarkup, Me, Message, ParseMode,
    ReplyParameters,
};
use teloxide::{ApiError, Bot, RequestError, dptree};
use url::Url;

pub use commands::{Command, LATEST_DEFAULT, LATEST_MAX, LatestArg, parse_command};
pub use menu::register_command_menus;

use crate::delivery::sender::link_preview_options;
use crate::format::{Reply, RichText, render_help, render_latest, render_latest_usage, render_start};
use crate::i18n::Lang;
use crate::store::{Store, SubscribeOutcome, UnsubscribeOutcome};

/// What command handlers need.
#[derive(Debug, Clone)]
pub struct BotState {
    pub store: Store,
    pub timezone: Tz,
}

/// Callback data of the subscription buttons.
const SUBSCRIBE: &str = "sub";
const UNSUBSCRIBE: &str = "unsub";

/// The dispatcher's handler tree.
pub fn schema() -> UpdateHandler<anyhow::Error> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(handle_message))
        .branch(Update::filter_callback_query().endpoint(handle_callback))
}

async fn handle_message(bot: Bot, me: Me, msg: Message, state: Arc<BotState>) -> anyhow::Result<()> {
    let Some(text) = msg.text() else { return Ok(()) };
    let Some(user) = msg.from.as_ref().filter(|user| !user.is_bot) else { return Ok(()) };
    let Some(command) = parse_command(text, me.username()) else { return Ok(()) };
    let lang = Lang::from_code(user.language_code.as_deref());
    let texts = lang.texts();
    let private = matches!(msg.chat.kind, TgChatKind::Private(_));
    let reader = i64::try_from(user.id.0).unwrap_or(i64::MAX);
    let now = Utc::now();
    tracing::debug!(chat_id = msg.chat.id.0, command = ?command, "command received");
    if private {
        // Talking to the bot again makes a reader who had blocked it reachable again.
        state.store.touch_reader(reader, user.language_code.as_deref(), now).await?;
    }
    let (reply, markup) = match command {
        Command::Start { payload } if private && payload.as_deref() == Some("subscribe") => {
            subscription_reply(&state, reader, user.language_code.as_deref(), true, lang).await?
        }
        Command::Start { .. } if private => {
            let subscribed = state.store.is_subscribed(reader).await?;
            (render_start(lang, LATEST_MAX), Some(subscription_button(subscribed, lang)))
        }
        Command::Start { .. } => (render_start(lang, LATEST_MAX), None),
        Command::Help => (render_help(lang, LATEST_MAX), None),
        Command::Latest(LatestArg::Count(count)) => {
            let articles = state.store.latest_articles(count, 0).await?;
            (render_latest(&articles, state.timezone, lang), None)
        }
        Command::Latest(LatestArg::Invalid) => (render_latest_usage(lang, LATEST_MAX), None),
        Command::Subscribe | Command::Unsubscribe if !private => {
            let link = Url::parse(&format!("https://t.me/{}?start=subscribe", me.username()))?;
            let button = InlineKeyboardButton::url(texts.button_open_private.to_owned(), link);
            (text_reply(texts.subscribe_in_private), Some(InlineKeyboardMarkup::new([[button]])))
        }
        Command::Subscribe => subscription_reply(&state, reader, user.language_code.as_deref(), true, lang).await?,
        Command::Unsubscribe => subscription_reply(&state, reader, user.language_code.as_deref(), false, lang).await?,
        // In groups other bots' and mistyped commands are not our business.
        Command::Unknown(_) if !private => return Ok(()),
        Command::Unknown(_) => (text_reply(texts.unknown_command), None),
    };
    send_reply(&bot, &msg, &reply, !private, markup).await
}

/// Subscribes or unsubscribes a reader; the answer and the button to undo it.
async fn subscription_reply(
    state: &BotState,
    reader: i64,
    language: Option<&str>,
    subscribe: bool,
    lang: Lang,
) -> anyhow::Result<(Reply, Option<InlineKeyboardMarkup>)> {
    let texts = lang.texts();
    let now = Utc::now();
    let text = if subscribe {
        match state.store.subscribe(reader, language, now).await? {
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
    Ok((text_reply(text), Some(subscription_button(subscribe, lang))))
}

fn text_reply(text: &str) -> Reply {
    RichText::plain_text(text).into()
}

/// The button that does the opposite of the reader's current state.
fn subscription_button(subscribed: bool, lang: Lang) -> InlineKeyboardMarkup {
    let texts = lang.texts();
    let button = if subscribed {
        InlineKeyboardButton::callback(texts.button_unsubscribe, UNSUBSCRIBE)
    } else {
        InlineKeyboardButton::callback(texts.button_subscribe, SUBSCRIBE)
    };
    InlineKeyboardMarkup::new([[button]])
}

/// A press on a subscription button. The presser is who gets (un)subscribed,
/// whatever message the button was on.
async fn handle_callback(bot: Bot, query: CallbackQuery, state: Arc<BotState>) -> anyhow::Result<()> {
    let lang = Lang::from_code(query.from.language_code.as_deref());
    let reader = i64::try_from(query.from.id.0).unwrap_or(i64::MAX);
    let subscribe = match query.data.as_deref() {
        Some(SUBSCRIBE) => true,
        Some(UNSUBSCRIBE) => false,
        _ => {
            bot.answer_callback_query(query.id).await?;
            return Ok(());
        }
    };
    state.store.touch_reader(reader, query.from.language_code.as_deref(), Utc::now()).await?;
    let (reply, markup) =
        subscription_reply(&state, reader, query.from.language_code.as_deref(), subscribe, lang).await?;
    bot.answer_callback_query(query.id.clone()).text(reply.plain.clone()).await?;
    if let (Some(message), Some(markup)) = (query.regular_message(), markup) {
        // The button now offers the opposite; "not modified" (a double tap) is fine.
        match bot.edit_message_reply_markup(message.chat.id, message.id).reply_markup(markup).await {
            Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => {}
            Err(err) => tracing::debug!(error = %err, "cannot update the subscription button"),
        }
    }
    Ok(())
}

/// Sends a reply; in groups as a reply to the command. Falls back to plain
/// text if Telegram ever refuses the HTML.
async fn send_reply(
    bot: &Bot,
    to: &Message,
    reply: &Reply,
    threaded: bool,
    markup: Option<InlineKeyboardMarkup>,
) -> anyhow::Result<()> {
    let no_preview = link_preview_options(true);
    let mut request = bot
        .send_message(to.chat.id, reply.html.clone())
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_preview.clone());
    if threaded {
        request = request.reply_parameters(ReplyParameters::new(to.id).allow_sending_without_reply());
    }
    if let Some(markup) = markup.clone() {
        request = request.reply_markup(markup);
    }
    match request.await {
        Ok(_) => Ok(()),
        Err(RequestError::Api(ApiError::CantParseEntities(description))) => {
            tracing::error!(chat_id = to.chat.id.0, error = %description, "Telegram refused a reply's HTML; sending plain text");
            let mut plain = bot.send_message(to.chat.id, reply.plain.clone()).link_preview_options(no_preview);
            if let Some(markup) = markup {
                plain = plain.reply_markup(markup);
            }
            if threaded {
                plain = plain.reply_parameters(ReplyParameters::new(to.id).allow_sending_without_reply());
            }
            plain.await?;
            Ok(())
        }
        Err(err) => Err(err.into()),
    }
}

//! The reader-facing bot: command parsing, replies. Replies are answers, sent
//! directly; broadcasts go through the outbox.

pub mod commands;
mod menu;

use std::sync::Arc;

use chrono_tz::Tz;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::{Requester, Update};
use teloxide::types::{ChatKind as TgChatKind, Me, Message, ParseMode, ReplyParameters};
use teloxide::{ApiError, Bot, RequestError};

pub use commands::{Command, LATEST_DEFAULT, LATEST_MAX, LatestArg, parse_command};
pub use menu::register_command_menus;

use crate::delivery::sender::link_preview_options;
use crate::format::{Reply, render_help, render_latest, render_latest_usage, render_start};
use crate::i18n::Lang;
use crate::store::Store;

/// What command handlers need.
#[derive(Debug, Clone)]
pub struct BotState {
    pub store: Store,
    pub timezone: Tz,
}

/// The dispatcher's handler tree.
pub fn schema() -> UpdateHandler<anyhow::Error> {
    Update::filter_message().endpoint(handle_message)
}

async fn handle_message(bot: Bot, me: Me, msg: Message, state: Arc<BotState>) -> anyhow::Result<()> {
    let Some(text) = msg.text() else { return Ok(()) };
    if msg.from.as_ref().is_some_and(|user| user.is_bot) {
        return Ok(());
    }
    let Some(command) = parse_command(text, me.username()) else { return Ok(()) };
    let lang = Lang::from_code(msg.from.as_ref().and_then(|user| user.language_code.as_deref()));
    let private = matches!(msg.chat.kind, TgChatKind::Private(_));
    tracing::debug!(chat_id = msg.chat.id.0, command = ?command, "command received");
    let reply = match command {
        Command::Start { .. } => render_start(lang, LATEST_MAX),
        Command::Help => render_help(lang, LATEST_MAX),
        Command::Latest(LatestArg::Count(count)) => {
            let articles = state.store.latest_articles(count, 0).await?;
            render_latest(&articles, state.timezone, lang)
        }
        Command::Latest(LatestArg::Invalid) => render_latest_usage(lang, LATEST_MAX),
        // In groups other bots' and mistyped commands are not our business.
        Command::Unknown(_) if !private => return Ok(()),
        Command::Unknown(_) => {
            let mut hint = crate::format::RichText::new();
            hint.text(lang.texts().unknown_command);
            hint.into()
        }
    };
    send_reply(&bot, &msg, &reply, !private).await
}

/// Sends a reply; in groups as a reply to the command. Falls back to plain
/// text if Telegram ever refuses the HTML.
async fn send_reply(bot: &Bot, to: &Message, reply: &Reply, threaded: bool) -> anyhow::Result<()> {
    let no_preview = link_preview_options(true);
    let mut request = bot
        .send_message(to.chat.id, reply.html.clone())
        .parse_mode(ParseMode::Html)
        .link_preview_options(no_preview.clone());
    if threaded {
        request = request.reply_parameters(ReplyParameters::new(to.id).allow_sending_without_reply());
    }
    match request.await {
        Ok(_) => Ok(()),
        Err(RequestError::Api(ApiError::CantParseEntities(description))) => {
            tracing::error!(chat_id = to.chat.id.0, error = %description, "Telegram refused a reply's HTML; sending plain text");
            let mut plain = bot.send_message(to.chat.id, reply.plain.clone()).link_preview_options(no_preview);
            if threaded {
                plain = plain.reply_parameters(ReplyParameters::new(to.id).allow_sending_without_reply());
            }
            plain.await?;
            Ok(())
        }
        Err(err) => Err(err.into()),
    }
}

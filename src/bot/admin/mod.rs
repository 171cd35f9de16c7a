//! The admins' side of the bot: who is an admin, and the twelve admin
//! commands. Only for the user ids in `[admins]`, in private chat; to everyone
//! else they do not exist.

mod categories;
mod editorial;
mod held;
mod status;

use teloxide::Bot;
use teloxide::types::ChatId;

pub use editorial::{NewsroomSettings, breaking_from_message, cancel, confirm, render_breaking};
pub use held::{announce_holds, decide, run_hold_announcer};

use super::commands::Command;
use super::reply::Answer;
use super::{BotState, Place, Sender};
use crate::i18n::{CommandId, Lang};

/// Whether an admin command may run here: `None` if so, else the answer
/// that refuses it. Menus are hints; this is the check.
pub(super) fn refusal(command: &Command, sender: &Sender, place: &Place) -> Option<Answer> {
    let texts = sender.lang.newsroom();
    if !sender.admin {
        // Attempts are worth knowing about.
        tracing::warn!(user_id = ?sender.user_id, chat_id = place.chat_id.0, command = ?command,
            "admin command refused: not an admin");
        return Some(Answer::text(texts.admin_only));
    }
    if !place.private {
        return Some(Answer::text(texts.admin_in_private));
    }
    None
}

/// Answers an admin command of `admin` (already checked by [`refusal`]);
/// `Ok(None)` when the answer went out another way (the /stats chart) or the
/// command is not an admin's.
pub(super) async fn answer(
    bot: &Bot,
    state: &BotState,
    admin: i64,
    chat: ChatId,
    lang: Lang,
    command: Command,
) -> anyhow::Result<Option<Answer>> {
    let texts = lang.texts();
    let answer = match command {
        Command::HideCategory(query) => {
            categories::set_category_hidden(state, admin, lang, texts.command(CommandId::HideCategory), &query, true)
                .await?
        }
        Command::ShowCategory(query) => {
            categories::set_category_hidden(state, admin, lang, texts.command(CommandId::ShowCategory), &query, false)
                .await?
        }
        Command::Breaking(text) => editorial::breaking_command(bot, state, admin, chat, lang, &text).await?,
        Command::Correct(args) => editorial::correct_command(state, admin, lang, &args).await?,
        Command::Retract(args) => editorial::retract_command(state, admin, lang, &args).await?,
        Command::Pause => editorial::pause_command(state, admin, lang, true).await?,
        Command::Resume => editorial::pause_command(state, admin, lang, false).await?,
        Command::Status => status::status_command(state, lang).await?,
        Command::Audit => status::audit_command(state, lang).await?,
        Command::Stats => {
            status::stats_command(bot, state, lang, chat).await?;
            return Ok(None);
        }
        _ => return Ok(None),
    };
    Ok(Some(answer))
}

//! The admins' side of the bot: who is an admin, the admin commands
//! and the admins' buttons. Only for the user ids in `[admins]`, in private
//! chat; to everyone else they do not exist.

mod categories;
mod editorial;
mod held;
mod picks;
mod status;

use teloxide::Bot;
use teloxide::types::ChatId;

pub use editorial::{NewsroomSettings, breaking_from_message, render_breaking};
pub use held::{announce_holds, run_hold_announcer};

use editorial::Decision;

use super::commands::Command;
use super::reply::Answer;
use super::{BotState, Place, Sender};
use crate::i18n::{CommandId, Lang};
use crate::store::HoldDecision;

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
        Command::Pick(args) => picks::pick_command(state, admin, lang, &args, true).await?,
        Command::Unpick(args) => picks::pick_command(state, admin, lang, &args, false).await?,
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

/// A press on an admin's button: a breaking-news preview's, a held flood's,
/// or a disappeared story's.
#[derive(Debug, Clone, Copy)]
pub(super) enum Button {
    /// Kirim on a breaking-news preview.
    SendBreaking(i64),
    /// Batal on a breaking-news preview.
    CancelBreaking(i64),
    /// Kirim semua or Lewati on a held flood.
    Hold(i64, HoldDecision),
    /// Tarik on a story that disappeared from the site (its post id).
    RetractGone(i64),
}

/// Acts on a press of an admin's button. The presser is checked here,
/// whatever the button's data or message say.
pub(super) async fn press(
    bot: &Bot,
    state: &BotState,
    sender: &Sender,
    private: bool,
    chat: ChatId,
    button: Button,
) -> anyhow::Result<Decision> {
    let lang = sender.lang;
    let (true, true, Some(admin)) = (sender.admin, private, sender.user_id) else {
        match button {
            Button::SendBreaking(id) | Button::CancelBreaking(id) => {
                tracing::warn!(user_id = ?sender.user_id, chat_id = chat.0, breaking_id = id,
                    "breaking-news button refused: not an admin");
            }
            Button::Hold(id, _) => {
                tracing::warn!(user_id = ?sender.user_id, chat_id = chat.0, batch_id = id,
                    "flood-guard button refused: not an admin");
            }
            Button::RetractGone(post_id) => {
                tracing::warn!(user_id = ?sender.user_id, chat_id = chat.0, post_id,
                    "retract button refused: not an admin");
            }
        }
        return Ok(Decision { toast: lang.newsroom().admin_only.to_owned(), clear_buttons: false });
    };
    match button {
        Button::SendBreaking(id) => editorial::confirm(bot, state, admin, lang, chat, id).await,
        Button::CancelBreaking(id) => editorial::cancel(state, admin, lang, chat, id).await,
        Button::Hold(id, decision) => held::decide(state, admin, lang, id, decision).await,
        Button::RetractGone(post_id) => editorial::retract_pressed(state, admin, lang, post_id).await,
    }
}

//! /bahasa: a reader's language, Indonesian or English, or Telegram's choice.

use chrono::Utc;
use teloxide::Bot;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::BotState;
use super::callbacks::Callback;
use super::menu::set_reader_menu;
use super::reply::Answer;
use crate::format::reader_style;
use crate::i18n::{BUTTON_LANGUAGE_EN, BUTTON_LANGUAGE_ID, Lang};
use crate::store::StoreError;

/// The language prompt, in both languages.
pub fn prompt(lang: Lang) -> Answer {
    let keyboard = InlineKeyboardMarkup::new([
        vec![
            InlineKeyboardButton::callback(BUTTON_LANGUAGE_ID, Callback::Language(Some(Lang::Id)).encode()),
            InlineKeyboardButton::callback(BUTTON_LANGUAGE_EN, Callback::Language(Some(Lang::En)).encode()),
        ],
        vec![InlineKeyboardButton::callback(lang.texts().button_language_auto, Callback::Language(None).encode())],
    ]);
    Answer::text(lang.texts().language_prompt).with_keyboard(keyboard)
}

/// Remembers a reader's choice (`None`: follow Telegram's language_code) and
/// switches their command menu. Returns the confirmation, in the new language.
pub async fn choose(
    bot: &Bot,
    state: &BotState,
    reader: i64,
    language_code: Option<&str>,
    choice: Option<Lang>,
) -> Result<(Lang, Answer), StoreError> {
    let lang = choice.unwrap_or_else(|| Lang::from_code(language_code));
    state.store.set_language_choice(reader, choice.map(Lang::code), reader_style(lang), Utc::now()).await?;
    tracing::info!(reader, language = lang.code(), chosen = choice.is_some(), "reader language set");
    // The menu is a convenience: commands work whatever it shows.
    if let Err(err) = set_reader_menu(bot, reader, choice, state.admins.contains(&reader)).await {
        tracing::warn!(reader, error = %err, "cannot switch the reader's command menu");
    }
    let texts = lang.texts();
    let text = if choice.is_some() { texts.language_set } else { texts.language_auto };
    Ok((lang, Answer::text(text)))
}

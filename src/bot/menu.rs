//! The command menus: Indonesian and English (by the client's language),
//! a short one in groups, and one with the admin commands for each admin.

use teloxide::payloads::{DeleteMyCommandsSetters, SetMyCommandsSetters};
use teloxide::prelude::Requester;
use teloxide::types::{BotCommand, BotCommandScope, ChatId, Recipient};
use teloxide::{Bot, RequestError};

use crate::i18n::{CommandText, Lang};

/// Registers every menu. English is the default (every language but
/// Indonesian); Indonesian clients get Indonesian. An admin's menu fails
/// harmlessly if the admin never opened a chat with the bot.
pub async fn register_command_menus(bot: &Bot, admins: &[i64]) -> Result<(), RequestError> {
    for lang in [Lang::En, Lang::Id] {
        let texts = lang.texts();
        let language = (lang == Lang::Id).then(|| lang.code().to_owned());
        let mut private = bot.set_my_commands(commands(texts.commands.iter()));
        let mut groups =
            bot.set_my_commands(commands(texts.group_commands.iter())).scope(BotCommandScope::AllGroupChats);
        if let Some(language) = &language {
            private = private.language_code(language.clone());
            groups = groups.language_code(language.clone());
        }
        private.await?;
        groups.await?;
    }
    for admin in admins {
        if let Err(err) = set_admin_menus(bot, *admin).await {
            tracing::info!(admin, error = %err, "cannot set the admin menu yet (has the admin started the bot?)");
        }
    }
    Ok(())
}

/// An admin's menus in both languages: the reader commands and theirs.
pub async fn set_admin_menus(bot: &Bot, admin: i64) -> Result<(), RequestError> {
    for lang in [Lang::En, Lang::Id] {
        let mut request = bot.set_my_commands(admin_commands(lang)).scope(chat_scope(admin));
        if lang == Lang::Id {
            request = request.language_code(lang.code());
        }
        request.await?;
    }
    Ok(())
}

/// A reader's menu after /bahasa: in the chosen language whatever their
/// client's, or (`None`) back to the client's.
pub async fn set_reader_menu(bot: &Bot, reader: i64, choice: Option<Lang>, admin: bool) -> Result<(), RequestError> {
    match (choice, admin) {
        (Some(lang), false) => {
            bot.set_my_commands(commands(lang.texts().commands.iter())).scope(chat_scope(reader)).await?;
        }
        (Some(lang), true) => {
            // An admin's Indonesian-client menu would win over the chat menu: set both.
            bot.set_my_commands(admin_commands(lang)).scope(chat_scope(reader)).await?;
            bot.set_my_commands(admin_commands(lang)).scope(chat_scope(reader)).language_code(Lang::Id.code()).await?;
        }
        (None, false) => {
            bot.delete_my_commands().scope(chat_scope(reader)).await?;
        }
        (None, true) => set_admin_menus(bot, reader).await?,
    }
    Ok(())
}

fn chat_scope(user: i64) -> BotCommandScope {
    BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(user)) }
}

fn admin_commands(lang: Lang) -> Vec<BotCommand> {
    let texts = lang.texts();
    commands(texts.commands.iter().chain(texts.admin_commands).chain(lang.newsroom().commands))
}

fn commands<'a>(list: impl Iterator<Item = &'a CommandText>) -> Vec<BotCommand> {
    list.map(|c| BotCommand::new(c.command, c.description)).collect()
}

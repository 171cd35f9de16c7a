use teloxide::payloads::SetMyCommandsSetters;
use teloxide::prelude::Requester;
use teloxide::types::BotCommand;
use teloxide::{Bot, RequestError};

use crate::i18n::Lang;

/// Registers the command menu: English as the default (every language but
/// Indonesian), Indonesian for Indonesian clients.
pub async fn register_command_menus(bot: &Bot) -> Result<(), RequestError> {
    bot.set_my_commands(commands(Lang::En)).await?;
    bot.set_my_commands(commands(Lang::Id)).language_code(Lang::Id.code()).await?;
    Ok(())
}

fn commands(lang: Lang) -> Vec<BotCommand> {
    lang.texts().commands.iter().map(|c| BotCommand::new(c.command, c.description)).collect()
}

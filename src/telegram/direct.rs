//! The few Bot API calls made outside the outbox: who the bot is (`warta
//! check`, `/readyz`), whether a configured channel exists (`warta check`),
//! and the one message that cannot wait for the outbox — an admin's alert
//! that the database file is gone, since the outbox lives in that file.

use std::fmt;

use teloxide::Bot;
use teloxide::prelude::Requester;
use teloxide::types::ChatId;

use super::convert::recipient;
use crate::domain::ChatRef;

/// The bot as Telegram knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    pub id: u64,
    pub username: String,
}

/// A chat as Telegram knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatIdentity {
    pub id: i64,
    /// Its title, else its @username.
    pub name: Option<String>,
}

/// A direct call failed; the text is Telegram's (or the network's), never the token.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DirectCallError(String);

impl From<teloxide::RequestError> for DirectCallError {
    fn from(err: teloxide::RequestError) -> Self {
        Self(err.to_string())
    }
}

/// Direct Bot API calls. Its `Debug` never shows the bot (whose `Debug` holds the token).
#[derive(Clone)]
pub struct TelegramApi {
    bot: Bot,
}

impl fmt::Debug for TelegramApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramApi").finish_non_exhaustive()
    }
}

impl TelegramApi {
    pub fn new(bot: Bot) -> Self {
        Self { bot }
    }

    /// getMe.
    pub async fn identity(&self) -> Result<BotIdentity, DirectCallError> {
        let me = self.bot.get_me().await?;
        Ok(BotIdentity { id: me.id.0, username: me.username().to_owned() })
    }

    /// getChat.
    pub async fn chat(&self, chat: &ChatRef) -> Result<ChatIdentity, DirectCallError> {
        let found = self.bot.get_chat(recipient(chat)).await?;
        let name = found.title().or(found.username()).map(str::to_owned);
        Ok(ChatIdentity { id: found.id.0, name })
    }

    /// A plain text message to `chat_id`, at once.
    pub async fn send_text_now(&self, chat_id: i64, text: &str) -> Result<(), DirectCallError> {
        self.bot.send_message(ChatId(chat_id), text.to_owned()).await?;
        Ok(())
    }
}

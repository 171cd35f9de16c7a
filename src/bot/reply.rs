//! Sending and editing the bot's answers: HTML with a plain-text fallback,
//! threaded in groups and forum topics, at Telegram's pace beside the outbox
//! (the reply lane of the shared pacer), waiting out flood control while the
//! answer is still fresh.

use std::sync::Arc;
use std::time::{Duration, Instant};

use teloxide::payloads::{EditMessageTextSetters, SendMessageSetters};
use teloxide::prelude::Requester;
use teloxide::requests::Request as _;
use teloxide::types::{
    ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ParseMode, ReplyParameters, ThreadId,
};
use teloxide::{ApiError, Bot, RequestError};
use url::Url;

use crate::domain::ChatKind;
use crate::format::{Reply, render_text};
use crate::telegram::Pacer;
use crate::telegram::link_preview_options;

/// A reply and its buttons.
#[derive(Debug, Clone)]
pub struct Answer {
    pub reply: Reply,
    pub keyboard: Option<InlineKeyboardMarkup>,
}

impl Answer {
    pub fn new(reply: Reply, keyboard: Option<InlineKeyboardMarkup>) -> Self {
        Self { reply, keyboard }
    }

    pub fn text(text: &str) -> Self {
        Self { reply: render_text(text), keyboard: None }
    }

    pub fn with_keyboard(mut self, keyboard: InlineKeyboardMarkup) -> Self {
        self.keyboard = Some(keyboard);
        self
    }
}

/// Where a command was sent: the answer goes there.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub chat_id: ChatId,
    pub private: bool,
    /// The command's message: in groups the answer replies to it.
    pub message_id: MessageId,
    /// The forum topic the command was sent in.
    pub thread: Option<ThreadId>,
}

/// How replies keep to Telegram's limits: the pacer the outbox uses, and how
/// long an answer stays worth sending while flood control holds it back.
#[derive(Debug, Clone)]
pub struct ReplyPacing {
    pacer: Arc<Pacer>,
    freshness: Duration,
    /// The pacer runs at the paid rate: answers ask for paid broadcast too,
    /// or Telegram would hold them to the free 30/s the outbox already fills.
    paid_broadcast: bool,
}

impl ReplyPacing {
    pub fn new(pacer: Arc<Pacer>, freshness: Duration) -> Self {
        Self { pacer, freshness, paid_broadcast: false }
    }

    /// Answers are sent with `allow_paid_broadcast`.
    pub fn with_paid_broadcast(mut self, enabled: bool) -> Self {
        self.paid_broadcast = enabled;
        self
    }

    /// Messages per second the shared pacer sends at now.
    pub fn sending_rate(&self) -> f64 {
        self.pacer.sending_rate()
    }

    /// Runs `request` in its turn; after a 429 waits `retry_after` and runs it
    /// again, unless the answer would then be older than the freshness
    /// deadline: then it is dropped (logged and counted), `Ok(None)`.
    async fn send<T, F, Fut>(&self, chat_id: ChatId, kind: ChatKind, request: F) -> Result<Option<T>, RequestError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, RequestError>>,
    {
        let started = Instant::now();
        loop {
            self.pacer.wait_reply_turn(chat_id.0, kind).await;
            match request().await {
                Err(RequestError::RetryAfter(seconds)) => {
                    // Only this reply waits: a reader's burst of commands meets
                    // their chat's own limit, which says nothing of the others'.
                    // The outbox's sends tell the pacer of overall flood control.
                    let wait = seconds.duration();
                    crate::metrics::flood_wait(wait.as_secs());
                    if started.elapsed() + wait > self.freshness {
                        crate::metrics::reply_dropped();
                        tracing::warn!(
                            chat_id = chat_id.0,
                            retry_after_s = wait.as_secs(),
                            "flood control would make the reply stale; dropped"
                        );
                        return Ok(None);
                    }
                    tracing::info!(
                        chat_id = chat_id.0,
                        retry_after_s = wait.as_secs(),
                        "reply held by flood control; resending"
                    );
                    tokio::time::sleep(wait).await;
                }
                other => return other.map(Some),
            }
        }
    }
}

fn chat_kind(private: bool) -> ChatKind {
    if private { ChatKind::Private } else { ChatKind::Group }
}

/// A button that opens the private chat with the bot at a deep link.
pub fn private_chat_button(bot_username: &str, payload: &str, text: &str) -> Option<InlineKeyboardMarkup> {
    let link = Url::parse(&format!("https://t.me/{bot_username}?start={payload}")).ok()?;
    Some(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(text.to_owned(), link)]]))
}

/// Sends an answer; in groups as a reply in the command's thread. Falls back
/// to plain text if Telegram ever refuses the HTML.
pub async fn send_answer(pacing: &ReplyPacing, bot: &Bot, place: &Place, answer: Answer) -> Result<(), RequestError> {
    let Answer { reply, keyboard } = answer;
    let build = |text: String, html: bool| {
        let mut request = bot.send_message(place.chat_id, text).link_preview_options(link_preview_options(true));
        if pacing.paid_broadcast {
            request = request.allow_paid_broadcast(true);
        }
        if html {
            request = request.parse_mode(ParseMode::Html);
        }
        if !place.private {
            request = request.reply_parameters(ReplyParameters::new(place.message_id).allow_sending_without_reply());
        }
        if let Some(thread) = place.thread {
            request = request.message_thread_id(thread);
        }
        if let Some(keyboard) = keyboard.clone() {
            request = request.reply_markup(keyboard);
        }
        request
    };
    let kind = chat_kind(place.private);
    match pacing.send(place.chat_id, kind, || build(reply.html.clone(), true).send()).await {
        Ok(_) => Ok(()),
        Err(RequestError::Api(ApiError::CantParseEntities(description))) => {
            tracing::error!(chat_id = place.chat_id.0, error = %description, "Telegram refused a reply's HTML; sending plain text");
            pacing.send(place.chat_id, kind, || build(reply.plain.clone(), false).send()).await.map(|_| ())
        }
        Err(err) => Err(err),
    }
}

/// Replaces a message's text and buttons (a page turned, a box ticked). An
/// edit to the same content (a double tap) is fine.
pub async fn edit_answer(
    pacing: &ReplyPacing,
    private: bool,
    bot: &Bot,
    chat_id: ChatId,
    message_id: MessageId,
    answer: Answer,
) -> Result<(), RequestError> {
    let Answer { reply, keyboard } = answer;
    let build = |text: String, html: bool| {
        let mut request =
            bot.edit_message_text(chat_id, message_id, text).link_preview_options(link_preview_options(true));
        if html {
            request = request.parse_mode(ParseMode::Html);
        }
        if let Some(keyboard) = keyboard.clone() {
            request = request.reply_markup(keyboard);
        }
        request
    };
    let kind = chat_kind(private);
    let result = match pacing.send(chat_id, kind, || build(reply.html.clone(), true).send()).await {
        Err(RequestError::Api(ApiError::CantParseEntities(description))) => {
            tracing::error!(chat_id = chat_id.0, error = %description, "Telegram refused an edit's HTML; using plain text");
            pacing.send(chat_id, kind, || build(reply.plain.clone(), false).send()).await
        }
        other => other,
    };
    match result {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(err) => Err(err),
    }
}

//! The reader-facing bot: commands, buttons and their answers. Answers are
//! sent directly; broadcasts go through the outbox.
//!
//! Every update passes the same gates: who sent it (other bots and automatic
//! forwards are ignored; anonymous group admins may use the public commands),
//! whether it is for us (in groups only commands addressed to the bot), and
//! the sender's rate limit. Edited messages and channel posts are ignored on
//! purpose: a command is answered once, when it is sent.

mod admin;
pub mod callbacks;
mod categories;
pub mod commands;
mod language;
mod latest;
mod menu;
pub mod rate;
mod reply;
mod search;
mod settings;
mod subscription;

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Instant;

use chrono::Utc;
use chrono_tz::Tz;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::payloads::AnswerCallbackQuerySetters;
use teloxide::prelude::{Requester, Update};
use teloxide::types::{CallbackQuery, Me, Message, MessageKind, User};
use teloxide::{Bot, dptree};
use tracing::Instrument;

pub use admin::{NewsroomSettings, render_breaking};
pub use admin::{announce_holds, run_hold_announcer};
pub use callbacks::Callback;
pub use commands::{Command, LATEST_DEFAULT, LATEST_MAX, LatestArg, parse_command};
pub use menu::register_command_menus;
pub use rate::{CommandLimiter, Verdict};
pub use search::SEARCH_PAGE_SIZE;
pub use settings::DeliveryChoices;

pub use self::reply::ReplyPacing;
use self::reply::{Answer, Place, edit_answer, private_chat_button, send_answer};
use crate::domain::CategoryKey;
use crate::format::{reader_style, render_help, render_latest_usage, render_start};
use crate::i18n::Lang;
use crate::store::{Category, Store, StoreError};

/// Longest toast (answerCallbackQuery text) Telegram shows.
const TOAST_CHARS: usize = 200;

/// What command handlers need.
#[derive(Debug)]
pub struct BotState {
    pub store: Store,
    pub timezone: Tz,
    pub admins: HashSet<i64>,
    /// `format.hidden_categories`: never offered to readers.
    pub hidden_categories: Vec<CategoryKey>,
    pub limiter: Mutex<CommandLimiter>,
    pub newsroom: NewsroomSettings,
    /// Updates arriving prove Telegram reachable (for /readyz).
    pub health: std::sync::Arc<crate::health::Health>,
    /// Replies take their turn at Telegram's pace beside the outbox.
    pub replies: ReplyPacing,
    /// Delivery modes, digest times and the quiet night readers choose from.
    pub choices: DeliveryChoices,
}

/// How fast readers are served: each reader's command limit, and the
/// replies' turns at Telegram's pace.
#[derive(Debug)]
pub struct ReaderPace {
    pub limiter: CommandLimiter,
    pub replies: ReplyPacing,
}

impl BotState {
    pub fn new(
        store: Store,
        timezone: Tz,
        admins: &[i64],
        hidden_categories: &[String],
        pace: ReaderPace,
        newsroom: NewsroomSettings,
        health: std::sync::Arc<crate::health::Health>,
    ) -> Self {
        let ReaderPace { limiter, replies } = pace;
        Self {
            newsroom,
            health,
            replies,
            store,
            timezone,
            admins: admins.iter().copied().collect(),
            hidden_categories: hidden_categories.iter().map(|name| CategoryKey::new(name)).collect(),
            limiter: Mutex::new(limiter),
            choices: DeliveryChoices::default(),
        }
    }

    /// What readers may choose in /atur.
    pub fn with_choices(mut self, choices: DeliveryChoices) -> Self {
        self.choices = choices;
        self
    }

    /// The categories readers may see and choose, the most used first.
    pub async fn visible_categories(&self) -> Result<Vec<Category>, StoreError> {
        let categories = self.store.categories().await?;
        Ok(categories.into_iter().filter(|c| !c.hidden && !self.hidden_by_config(c)).collect())
    }

    fn hidden_by_config(&self, category: &Category) -> bool {
        self.hidden_categories.iter().any(|hidden| hidden.as_str() == category.key)
    }

    fn rate_check(&self, key: i64) -> Verdict {
        let mut limiter = self.limiter.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        limiter.check(key, Instant::now())
    }
}

/// The dispatcher's handler tree.
pub fn schema() -> UpdateHandler<anyhow::Error> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(
            |bot: Bot, me: Me, msg: Message, state: std::sync::Arc<BotState>| async move {
                let context = format!("message {} in chat {}", msg.id.0, msg.chat.id.0);
                // Every line logged while handling it says which chat and command it is about.
                let span = tracing::info_span!("update", chat_id = msg.chat.id.0, command = tracing::field::Empty);
                isolated(&context, handle_message(bot, me, msg, state)).instrument(span).await
            },
        ))
        .branch(Update::filter_callback_query().endpoint(
            |bot: Bot, query: CallbackQuery, state: std::sync::Arc<BotState>| async move {
                let context = format!("button press {}", query.id);
                let chat_id = query.message.as_ref().map(|m| m.chat().id.0);
                let span =
                    tracing::info_span!("press", chat_id, user_id = query.from.id.0, command = tracing::field::Empty);
                isolated(&context, handle_callback(bot, query, state)).instrument(span).await
            },
        ))
        .branch(Update::filter_edited_message().endpoint(|msg: Message| async move {
            tracing::debug!(chat_id = msg.chat.id.0, "edited message ignored: commands are answered once");
            Ok(())
        }))
        .branch(Update::filter_channel_post().endpoint(|msg: Message| async move {
            tracing::debug!(chat_id = msg.chat.id.0, "channel post ignored");
            Ok(())
        }))
        .branch(Update::filter_edited_channel_post().endpoint(|msg: Message| async move {
            tracing::debug!(chat_id = msg.chat.id.0, "edited channel post ignored");
            Ok(())
        }))
}

/// One update's handling, a panic inside it caught (logged and counted):
/// otherwise it kills the chat's dispatcher worker, and the dispatcher
/// itself dies at that chat's next update.
async fn isolated(
    context: &str,
    handling: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    match crate::supervise::catch_panic("update", context, handling).await {
        Ok(result) => result,
        Err(panicked) => Err(anyhow::Error::new(panicked)),
    }
}

/// Who sent a message or pressed a button.
#[derive(Debug, Clone)]
struct Sender {
    /// The Telegram user; `None` for an anonymous group admin or a channel.
    user_id: Option<i64>,
    language_code: Option<String>,
    lang: Lang,
    admin: bool,
    /// Whose rate limit this counts against.
    rate_key: i64,
}

impl Sender {
    async fn of_user(user: &User, state: &BotState) -> Result<Self, StoreError> {
        let user_id = i64::try_from(user.id.0).unwrap_or(i64::MAX);
        let choice = state.store.language_choice(user_id).await?;
        let language_code = user.language_code.clone();
        Ok(Self {
            user_id: Some(user_id),
            lang: Lang::resolve(choice.as_deref(), language_code.as_deref()),
            language_code,
            admin: state.admins.contains(&user_id),
            rate_key: user_id,
        })
    }
}

/// What a message asks for.
enum Request {
    Command(Command),
    /// Plain text in private chat: searched.
    Search(String),
    /// A sticker, photo … in private chat.
    NotText,
}

async fn handle_message(bot: Bot, me: Me, msg: Message, state: std::sync::Arc<BotState>) -> anyhow::Result<()> {
    let started = Instant::now();
    state.health.telegram_ok();
    if msg.is_automatic_forward() {
        return Ok(());
    }
    let private = msg.chat.is_private();
    let sender = match msg.from.as_ref() {
        Some(user) if !user.is_bot => Sender::of_user(user, &state).await?,
        // An anonymous group admin, or someone posting as a channel: public commands only.
        _ => match &msg.sender_chat {
            Some(chat) if !private => {
                Sender { user_id: None, language_code: None, lang: Lang::Id, admin: false, rate_key: chat.id.0 }
            }
            _ => return Ok(()),
        },
    };
    let command = msg.text().and_then(|text| parse_command(text, me.username()));
    if private
        && sender.admin
        && command.is_none()
        && let Some(admin) = sender.user_id
        && state.store.take_awaiting_breaking(msg.chat.id.0, Utc::now()).await?
    {
        // The news an admin announced with a bare /breaking.
        let answer = match admin::breaking_from_message(&bot, &state, admin, sender.lang, &msg).await {
            Ok(answer) => answer,
            Err(err) => {
                tracing::error!(chat_id = msg.chat.id.0, error = %format!("{err:#}"), "cannot preview breaking news");
                Answer::text(sender.lang.texts().sorry)
            }
        };
        let place = Place { chat_id: msg.chat.id, private, message_id: msg.id, thread: None };
        send_answer(&state.replies, &bot, &place, answer).await?;
        return Ok(());
    }
    let request = match (command, msg.text()) {
        // In groups, commands the bot does not know belong to other bots.
        (Some(Command::Unknown(_)), _) if !private => return Ok(()),
        (Some(command), _) => Request::Command(command),
        (None, Some(text)) if private => Request::Search(text.to_owned()),
        (None, None) if private && matches!(msg.kind, MessageKind::Common(_)) => Request::NotText,
        _ => return Ok(()),
    };
    let place = Place {
        chat_id: msg.chat.id,
        private,
        message_id: msg.id,
        thread: msg.thread_id.filter(|_| msg.is_topic_message),
    };
    let texts = sender.lang.texts();
    match state.rate_check(sender.rate_key) {
        Verdict::Allow => {}
        Verdict::Warn => {
            tracing::info!(chat_id = msg.chat.id.0, "reader over the command rate limit; told to wait");
            send_answer(&state.replies, &bot, &place, Answer::text(texts.rate_limited)).await?;
            return Ok(());
        }
        Verdict::Ignore => return Ok(()),
    }
    if private && let Some(user_id) = sender.user_id {
        // Talking to the bot again makes a reader who had blocked it reachable again.
        state
            .store
            .touch_reader(user_id, sender.language_code.as_deref(), reader_style(sender.lang), Utc::now())
            .await?;
    }
    let metric = match &request {
        Request::Command(command) => command.metric_name(),
        Request::Search(_) => "search_text",
        Request::NotText => "not_text",
    };
    tracing::Span::current().record("command", metric);
    let answer = match request {
        Request::Command(command) => {
            tracing::debug!(chat_id = msg.chat.id.0, command = ?command, "command received");
            answer_command(&bot, &me, &state, &sender, &place, command).await
        }
        Request::Search(text) => {
            search::search_command(&state, sender.lang, place.chat_id, &text).await.map(Some).map_err(Into::into)
        }
        Request::NotText => Ok(Some(Answer::text(texts.text_only))),
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) => {
            // The reader hears that something went wrong, never what.
            tracing::error!(chat_id = msg.chat.id.0, error = %format!("{err:#}"), "cannot answer a command");
            Some(Answer::text(texts.sorry))
        }
    };
    if let Some(answer) = answer {
        send_answer(&state.replies, &bot, &place, answer).await?;
    }
    crate::metrics::command(metric, started.elapsed().as_secs_f64());
    Ok(())
}

async fn answer_command(
    bot: &Bot,
    me: &Me,
    state: &BotState,
    sender: &Sender,
    place: &Place,
    command: Command,
) -> anyhow::Result<Option<Answer>> {
    let lang = sender.lang;
    let texts = lang.texts();
    if command.is_admin() {
        if let Some(refused) = admin::refusal(&command, sender, place) {
            return Ok(Some(refused));
        }
        let Some(user) = sender.user_id else { return Ok(None) };
        return admin::answer(bot, state, user, place.chat_id, lang, command).await;
    }
    let in_private = |payload: &str, text: &str| {
        let mut answer = Answer::text(text);
        answer.keyboard = private_chat_button(me.username(), payload, texts.button_open_private);
        answer
    };
    let reader = sender.user_id.filter(|_| place.private);
    let answer = match (command, reader) {
        (Command::Start { payload }, Some(reader)) => match payload.as_deref() {
            Some("subscribe") => subscription::subscribe(state, reader, sender, true).await?,
            Some("kategori" | "topics") => categories::picker(state, reader, lang, 0).await?,
            Some("bahasa" | "lang") => language::prompt(lang),
            Some("atur" | "settings") => settings::settings(state, reader, lang).await?,
            Some("ringkasan" | "digest") => settings::digest_command(state, settings_reader(reader, sender)).await?,
            Some("latest" | "terbaru") => latest::latest_command(state, lang, LATEST_DEFAULT, None).await?,
            _ => {
                if sender.admin {
                    // At start the admin's chat may not have existed yet.
                    if let Err(err) = menu::set_admin_menus(bot, reader).await {
                        tracing::warn!(admin = reader, error = %err, "cannot set the admin menu");
                    }
                }
                let subscribed = state.store.is_subscribed(reader).await?;
                Answer::new(render_start(lang, LATEST_MAX), Some(subscription::button(subscribed, lang)))
            }
        },
        (Command::Start { .. }, None) => Answer::new(render_start(lang, LATEST_MAX), None),
        (Command::Help, reader) => Answer::new(render_help(lang, LATEST_MAX, reader.is_some() && sender.admin), None),
        (Command::Latest(LatestArg::Page { count, category }), _) => {
            latest::latest_command(state, lang, count, category.as_deref()).await?
        }
        (Command::Latest(LatestArg::Invalid), _) => Answer::new(render_latest_usage(lang, LATEST_MAX), None),
        (Command::Search(words), _) => search::search_command(state, lang, place.chat_id, &words).await?,
        (Command::Categories, Some(reader)) => categories::picker(state, reader, lang, 0).await?,
        (Command::Categories, None) => in_private("kategori", texts.settings_in_private),
        (Command::Language(choice), Some(reader)) => match Lang::from_choice(&choice) {
            Some(chosen) => {
                language::choose(bot, state, reader, sender.language_code.as_deref(), Some(chosen)).await?.1
            }
            None => language::prompt(lang),
        },
        (Command::Language(_), None) => in_private("bahasa", texts.settings_in_private),
        (Command::Subscribe, Some(reader)) => subscription::subscribe(state, reader, sender, true).await?,
        (Command::Unsubscribe, Some(reader)) => subscription::subscribe(state, reader, sender, false).await?,
        (Command::Subscribe | Command::Unsubscribe, None) => in_private("subscribe", texts.subscribe_in_private),
        (Command::Settings, Some(reader)) => settings::settings(state, reader, lang).await?,
        (Command::Settings, None) => in_private("atur", texts.settings_in_private),
        (Command::Digest, Some(reader)) => settings::digest_command(state, settings_reader(reader, sender)).await?,
        (Command::Digest, None) => in_private("ringkasan", texts.settings_in_private),
        (Command::Unknown(_), _) if place.private => Answer::text(texts.unknown_command),
        // Answered above.
        (
            Command::HideCategory(_)
            | Command::ShowCategory(_)
            | Command::Breaking(_)
            | Command::Correct(_)
            | Command::Retract(_)
            | Command::Pick(_)
            | Command::Unpick(_)
            | Command::Pause
            | Command::Resume
            | Command::Status
            | Command::Audit
            | Command::Stats,
            _,
        ) => return Ok(None),
        (Command::Unknown(_), _) => return Ok(None),
    };
    Ok(Some(answer))
}

/// The reader behind a settings command or press.
fn settings_reader(reader: i64, sender: &Sender) -> settings::Reader<'_> {
    settings::Reader { id: reader, language_code: sender.language_code.as_deref(), lang: sender.lang }
}

/// What to do after a press is answered.
enum Followup {
    Nothing,
    /// Replace the pressed message's text and buttons.
    Edit(Answer),
    /// Flip the subscription button on the pressed message.
    FlipSubscriptionButton(bool),
    /// Take the buttons off the pressed message (a decided preview).
    ClearButtons,
}

/// A press on an inline button. The presser is who acts, whatever the
/// button's message. The press is answered first (the client stops
/// waiting), then the message is updated.
async fn handle_callback(bot: Bot, query: CallbackQuery, state: std::sync::Arc<BotState>) -> anyhow::Result<()> {
    let started = Instant::now();
    state.health.telegram_ok();
    let sender = Sender::of_user(&query.from, &state).await?;
    let lang = sender.lang;
    let texts = lang.texts();
    let callback = query.data.as_deref().and_then(Callback::parse);
    tracing::Span::current().record("command", callback.as_ref().map_or("expired_button", Callback::name));
    let (toast, followup) = match (callback, state.rate_check(sender.rate_key)) {
        (_, Verdict::Warn) => (Some(texts.rate_limited.to_owned()), Followup::Nothing),
        (_, Verdict::Ignore) => (None, Followup::Nothing),
        (None, Verdict::Allow) => (Some(texts.button_expired.to_owned()), Followup::Nothing),
        (Some(callback), Verdict::Allow) => match press(&bot, &state, &sender, &query, callback).await {
            Ok(done) => done,
            Err(err) => {
                tracing::error!(error = %err, "cannot answer a button press");
                (Some(texts.sorry.to_owned()), Followup::Nothing)
            }
        },
    };
    let mut answer = bot.answer_callback_query(query.id.clone());
    if let Some(toast) = toast.filter(|t| !t.is_empty()) {
        answer = answer.text(crate::format::truncate_chars(&toast, TOAST_CHARS));
    }
    if let Err(err) = answer.await {
        // Pressed long ago: Telegram no longer waits for an answer.
        tracing::debug!(error = %err, "cannot answer a button press");
    }
    let Some(message) = query.regular_message() else { return Ok(()) };
    match followup {
        Followup::Nothing => {}
        Followup::Edit(answer) => {
            edit_answer(&state.replies, message.chat.is_private(), &bot, message.chat.id, message.id, answer).await?
        }
        Followup::FlipSubscriptionButton(subscribed) => {
            subscription::update_button(&bot, message.chat.id, message.id, subscribed, lang).await;
        }
        Followup::ClearButtons => {
            if let Err(err) = bot.edit_message_reply_markup(message.chat.id, message.id).await {
                tracing::debug!(error = %err, "cannot take the buttons off a preview");
            }
        }
    }
    crate::metrics::command("button", started.elapsed().as_secs_f64());
    Ok(())
}

/// Acts on a press; returns the toast to show and how to update the message.
async fn press(
    bot: &Bot,
    state: &BotState,
    sender: &Sender,
    query: &CallbackQuery,
    callback: Callback,
) -> anyhow::Result<(Option<String>, Followup)> {
    let lang = sender.lang;
    let texts = lang.texts();
    let reader = sender.user_id.unwrap_or_default();
    let Some(message) = query.regular_message() else {
        return Ok((Some(texts.button_expired.to_owned()), Followup::Nothing));
    };
    let chat = message.chat.id;
    let private = message.chat.is_private();
    if private {
        state.store.touch_reader(reader, sender.language_code.as_deref(), reader_style(lang), Utc::now()).await?;
    }
    let done = match callback {
        // A private chat's buttons are pressed by its owner: this press is forged. (The
        // admins' buttons answer a forger with the admin check.)
        _ if private && chat.0 != reader && !callback.is_admins() => {
            tracing::warn!(reader, chat = chat.0, "button press on someone else's private chat refused");
            (Some(texts.button_expired.to_owned()), Followup::Nothing)
        }
        Callback::Subscribe | Callback::Unsubscribe => {
            let subscribe = callback == Callback::Subscribe;
            let answer = subscription::subscribe(state, reader, sender, subscribe).await?;
            // The message keeps its text; its button now offers the opposite.
            (Some(answer.reply.plain), Followup::FlipSubscriptionButton(subscribe))
        }
        Callback::LatestPage { category, page, size } => {
            let category = match category {
                0 => None,
                id => match state.visible_categories().await?.into_iter().find(|c| c.id == id) {
                    Some(category) => Some(category),
                    None => return Ok((Some(texts.category_unavailable.to_owned()), Followup::Nothing)),
                },
            };
            (None, Followup::Edit(latest::latest_page(state, lang, category.as_ref(), page, size).await?))
        }
        Callback::SearchPage { search, page } => match search::search_page(state, lang, chat, search, page).await? {
            Some(answer) => (None, Followup::Edit(answer)),
            None => (Some(texts.search_expired.to_owned()), Followup::Nothing),
        },
        Callback::BreakingSend { id }
        | Callback::BreakingCancel { id }
        | Callback::HoldSendAll { id }
        | Callback::HoldSkip { id }
        | Callback::RetractGone { post_id: id } => {
            let button = match callback {
                Callback::BreakingSend { .. } => admin::Button::SendBreaking(id),
                Callback::BreakingCancel { .. } => admin::Button::CancelBreaking(id),
                Callback::HoldSendAll { .. } => admin::Button::Hold(id, crate::store::HoldDecision::SendAll),
                Callback::RetractGone { .. } => admin::Button::RetractGone(id),
                _ => admin::Button::Hold(id, crate::store::HoldDecision::Skip),
            };
            let decision = admin::press(bot, state, sender, private, chat, button).await?;
            let followup = if decision.clear_buttons { Followup::ClearButtons } else { Followup::Nothing };
            (Some(decision.toast), followup)
        }
        _ if !private => (Some(texts.settings_in_private.to_owned()), Followup::Nothing),
        Callback::ToggleCategory { category, page } => {
            let (toast, answer) =
                categories::toggle(state, reader, sender.language_code.as_deref(), lang, category, page).await?;
            (Some(toast), Followup::Edit(answer))
        }
        Callback::CategoryPickerPage { page } => {
            (None, Followup::Edit(categories::picker(state, reader, lang, page).await?))
        }
        Callback::AllCategories { page } => {
            let (toast, answer) = categories::choose_all(state, reader, lang, page).await?;
            (Some(toast), Followup::Edit(answer))
        }
        Callback::CategoriesDone => (None, Followup::Edit(categories::done(state, reader, lang).await?)),
        Callback::Language(choice) => {
            let (_, answer) = language::choose(bot, state, reader, sender.language_code.as_deref(), choice).await?;
            (Some(answer.reply.plain.clone()), Followup::Edit(answer))
        }
        Callback::SettingsCategories => (None, Followup::Edit(categories::picker(state, reader, lang, 0).await?)),
        Callback::SettingsLanguage => (None, Followup::Edit(language::prompt(lang))),
        Callback::ShowSettings => (None, Followup::Edit(settings::settings(state, reader, lang).await?)),
        Callback::SetMode(_)
        | Callback::SetDigestTime { .. }
        | Callback::SetQuietNight(_)
        | Callback::SetSubscribed(_) => {
            let (toast, answer) = settings::press(state, settings_reader(reader, sender), callback).await?;
            (Some(toast), Followup::Edit(answer))
        }
    };
    Ok(done)
}
